//! 随手拍 pages: the report form for residents (one column, large targets, works without
//! JavaScript), the list of events, one event with its steps, photos and the buttons its
//! viewer may press, and the photos themselves.
//!
//! Who reports: a signed-in account (a resident, a grid member on patrol, any staff) at
//! `/communities/{code}/report`; there is no anonymous form. Signing in is what lets a
//! resident confirm or reopen their report later, and keeps the form free of spam. (Open311
//! reports are made by the account whose token is the `api_key`.)
//!
//! Where: the phone's position (filled in by an optional script, or typed, in WGS-84, GCJ-02
//! or BD-09), or, without any of that, a building chosen from the community's grids.
//!
//! Acting (`POST /events/{id}`) takes a plain form, or a multipart form when photos of the
//! result come with "resolve". A refusal shows the event again with the reason at the top;
//! someone else having changed the event first is a 409 with the event as it now is.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::{
    ActionKind, Event, EventId, EventState, MAX_PHOTOS, ReportError, allowed_actions,
};
use xingfu_core::ops::open311::{CHINA_OFFSET_MINUTES, w3c_datetime};
use xingfu_core::ops::{Level, OpsRole};
use xingfu_core::region;
use xingfu_store::events::{PhotoStage, StateFilter};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::files::too_big;
use crate::app::state::{AppState, now_ms};
use crate::events::service::{
    ActError, Command, EVENT_BODY_LIMIT, Intake, OpsPerson, act, clean_photos,
    duplicate_suggestions, ops_person, report_error_text, rules,
};
use crate::i18n::Lang;
use crate::web::page::{Page, error_page, render};
use crate::web::upload::{FilePart, read_form};

/// Routes that read uploads, with their own body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{code}/report",
            post(submit_report).layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT)),
        )
        .route(
            "/events/{id}",
            post(act_on_event).layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT)),
        )
}

macro_rules! words {
    ($($field:ident: $zh:literal / $en:literal,)*) => {
        /// Fixed texts of the event pages.
        pub struct Words { $(pub $field: &'static str,)* }
        static ZH: Words = Words { $($field: $zh,)* };
        static EN: Words = Words { $($field: $en,)* };
    };
}

words! {
    report_title: "随手拍 · 上报问题" / "Report a problem",
    report_lead: "看到社区里的问题,拍张照片告诉我们。网格员会处理并告诉您结果。" / "Seen a problem in the community? Take a photo and tell us. A grid member will handle it and let you know.",
    category: "是什么问题?" / "What kind of problem?",
    description: "请简单说明" / "Describe it briefly",
    description_hint: "最多 500 字。有照片时可以不写。" / "At most 500 characters. You may leave it empty if you add a photo.",
    where_heading: "在哪里?" / "Where is it?",
    building: "所在楼栋" / "Building",
    building_none: "不选楼栋(使用下面的坐标)" / "No building (use the coordinates below)",
    coordinates: "坐标(手机定位)" / "Coordinates (phone location)",
    coordinates_hint: "可用“使用我的位置”自动填写;也可以从地图软件复制。" / "“Use my location” fills these in; you can also copy them from a map app.",
    use_location: "使用我的位置" / "Use my location",
    longitude: "经度" / "Longitude",
    latitude: "纬度" / "Latitude",
    datum: "坐标来源" / "Coordinate system",
    datum_wgs84: "手机定位 / GPS(WGS-84)" / "Phone / GPS (WGS-84)",
    datum_gcj02: "高德、腾讯地图、微信(GCJ-02)" / "AMap, Tencent, WeChat (GCJ-02)",
    datum_bd09: "百度地图(BD-09)" / "Baidu Maps (BD-09)",
    address: "地址或位置说明(可选)" / "Address or landmark (optional)",
    photos: "照片(可选,最多 9 张)" / "Photos (optional, up to 9)",
    photos_hint: "每张不超过 10 MB。照片中的位置等信息会被删除后再保存。" / "At most 10 MB each. Location and other details inside the photo are removed before it is kept.",
    submit_report: "提交上报" / "Send the report",
    list_title: "随手拍事件" / "Event reports",
    my_reports: "我上报的问题" / "My reports",
    show_live: "处理中" / "Being handled",
    show_overdue: "已超时" / "Overdue",
    show_all: "全部" / "All",
    none: "没有事件。" / "No events.",
    number: "编号" / "No.",
    state: "状态" / "State",
    level: "处理层级" / "Level",
    grid: "网格" / "Grid",
    community: "社区" / "Community",
    reported_at: "上报时间" / "Reported",
    deadline: "办理时限" / "Deadline",
    overdue: "已超时" / "overdue",
    supervise: "督办" / "supervised",
    late: "曾超时" / "was late",
    event_title: "事件" / "Event",
    details: "事件信息" / "Details",
    location: "位置" / "Location",
    reporter: "上报人" / "Reported by",
    anonymous: "匿名" / "anonymous",
    you: "您" / "you",
    assignee: "处置人" / "Handler",
    contact: "联系方式" / "Contact",
    external_media: "外部图片链接" / "External image link",
    merged_into: "已合并到" / "Merged into",
    duplicates_merged: "已合并进来的重复上报" / "Duplicates merged into this one",
    escalations: "上报上级次数" / "Escalations",
    reopens: "重新处理次数" / "Reopened",
    photos_before: "上报时的照片" / "Photos with the report",
    photos_after: "处置后的照片" / "Photos of the result",
    steps: "办理记录" / "What happened",
    when: "时间" / "When",
    who: "操作人" / "Who",
    action: "操作" / "Action",
    change: "变化" / "Change",
    note: "说明" / "Note",
    actions: "办理" / "Handle",
    no_actions: "您现在没有可以进行的操作。" / "There is nothing for you to do on this event now.",
    reason: "理由" / "Reason",
    note_optional: "说明(可选)" / "Note (optional)",
    dispatch_to: "派遣给" / "Dispatch to",
    hand_down_to: "交回到" / "Hand down to",
    merge_primary: "合并到事件编号" / "Merge into event number",
    after_photos: "处置后的照片(可选)" / "Photos of the result (optional)",
    duplicates: "可能重复的上报" / "Possible duplicates",
    duplicates_lead: "同类问题,距离和时间都很接近:" / "Same kind of problem, close in place and time:",
    distance: "距离" / "Distance",
    gap: "相隔" / "Apart",
    merge_button: "合并" / "Merge",
    reported_notice: "已收到您的上报,编号" / "Your report was received; its number is",
    done_notice: "已办理:" / "Done: ",
    back_to_list: "返回事件列表" / "Back to the events",
    map_link: "网格地图" / "Grid map",
}

pub fn words(lang: Lang) -> &'static Words {
    if lang.is_en() { &EN } else { &ZH }
}

/// Unix milliseconds as China time, to the minute: `2024-05-01 08:30`.
pub fn when(ms: i64) -> String {
    let text = w3c_datetime(ms, CHINA_OFFSET_MINUTES);
    text.get(..16).unwrap_or(&text).replace('T', " ")
}

pub fn state_label(lang: Lang, state: EventState) -> &'static str {
    lang.pick(state.zh(), state.en())
}

pub fn level_label(lang: Lang, level: Level) -> &'static str {
    lang.pick(level.zh(), level.en())
}

pub fn category_label(lang: Lang, key: &str) -> String {
    rules()
        .category(key)
        .map(|c| lang.pick(&c.zh, &c.en).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn forbidden(en: bool, zh: &str, en_text: &str) -> AppError {
    AppError::Forbidden(if en { en_text } else { zh }.to_string())
}

async fn person_or_refuse(
    state: &AppState,
    user: &CurrentUser,
    en: bool,
) -> Result<OpsPerson, AppError> {
    ops_person(&state.store, user).await?.ok_or_else(|| {
        forbidden(
            en,
            "评估员账号不参与随手拍事件办理",
            "assessor accounts take no part in event reports",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The report form

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Default, Clone)]
pub struct ReportValues {
    pub category: String,
    pub description: String,
    pub building: String,
    pub lon: String,
    pub lat: String,
    pub datum: String,
    pub address: String,
}

#[derive(Default)]
struct ReportProblems {
    category: Option<String>,
    description: Option<String>,
    location: Option<String>,
    photo: Option<String>,
}

#[derive(Template)]
#[template(path = "event_report.html")]
struct ReportPage {
    page: Page,
    w: &'static Words,
    code: String,
    community_name: String,
    csrf: String,
    categories: Vec<Choice>,
    buildings: Vec<Choice>,
    datums: Vec<Choice>,
    values: ReportValues,
    errors: Vec<(String, String)>,
    p: ReportProblems,
}

async fn community_name(state: &AppState, code: &str) -> Result<String, AppError> {
    match state.store.region(code).await? {
        Some(r) if r.level == "community" => Ok(r.name),
        _ => Err(AppError::NotFound),
    }
}

/// The community's buildings as (value "grid/building", label, location).
async fn building_choices(
    state: &AppState,
    code: &str,
) -> Result<Vec<(String, String, Option<GeoPoint>)>, AppError> {
    let grids = state.store.grids_of(code).await?;
    Ok(grids
        .iter()
        .flat_map(|g| {
            g.buildings.iter().map(move |b| {
                (
                    format!("{}/{}", g.id, b.id),
                    format!("{} · {}", g.name, b.name),
                    b.location,
                )
            })
        })
        .collect())
}

async fn render_report(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    values: ReportValues,
    p: ReportProblems,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let w = words(lang);
    let name = community_name(state, code).await?;
    let categories = rules()
        .categories
        .iter()
        .map(|c| Choice {
            value: c.key.clone(),
            label: lang.pick(&c.zh, &c.en).to_string(),
            selected: c.key == values.category,
        })
        .collect();
    let buildings = building_choices(state, code)
        .await?
        .into_iter()
        .filter(|(_, _, at)| at.is_some())
        .map(|(value, label, _)| Choice {
            selected: value == values.building,
            value,
            label,
        })
        .collect();
    let datums = [
        (Datum::Wgs84, w.datum_wgs84),
        (Datum::Gcj02, w.datum_gcj02),
        (Datum::Bd09, w.datum_bd09),
    ]
    .into_iter()
    .map(|(d, label)| Choice {
        value: d.key().to_string(),
        label: label.to_string(),
        selected: d.key() == values.datum || (values.datum.is_empty() && d == Datum::Wgs84),
    })
    .collect();
    let mut errors = Vec::new();
    for (id, message) in [
        ("category", &p.category),
        ("description", &p.description),
        ("building", &p.location),
        ("photo", &p.photo),
    ] {
        if let Some(m) = message {
            errors.push((id.to_string(), m.clone()));
        }
    }
    let html = render(ReportPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/communities/{code}/report"),
            format!("{} · {name}", w.report_title),
        ),
        w,
        code: code.to_string(),
        community_name: name,
        csrf: user.csrf.clone(),
        categories,
        buildings,
        datums,
        values,
        errors,
        p,
    })?;
    Ok((status, html).into_response())
}

/// GET /communities/{code}/report: the form, for any signed-in account in operations.
pub async fn report_form(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    let result = async {
        person_or_refuse(&state, &user, en).await?;
        render_report(
            &state,
            &jar,
            &user,
            &code,
            ReportValues::default(),
            ReportProblems::default(),
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /communities/{code}/report (multipart): checks everything, then records the event
/// and sends the reporter to it.
pub async fn submit_report(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    let result = submit_report_inner(&state, &jar, &user, &code, request).await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

fn parse_degrees(text: &str) -> Option<f64> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.parse::<f64>().ok()).flatten()
}

async fn submit_report_inner(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    request: Request,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let pick = |zh: &str, en_text: &str| lang.pick(zh, en_text).to_string();
    let person = person_or_refuse(state, user, en).await?;
    community_name(state, code).await?;
    let form = read_form(state, request).await;
    if form.incomplete {
        return Err(AppError::BadRequest(pick(
            "上报没有完成,请重新提交",
            "the report did not arrive whole; please send it again",
        )));
    }
    if !form.body_too_big || form.get("csrf").is_some() {
        user.check_csrf(&form.get("csrf").unwrap_or_default())?;
    }
    let values = ReportValues {
        category: form.get("category").unwrap_or_default(),
        description: form.get("description").unwrap_or_default(),
        building: form.get("building").unwrap_or_default(),
        lon: form.get("lon").unwrap_or_default(),
        lat: form.get("lat").unwrap_or_default(),
        datum: form.get("datum").unwrap_or_default(),
        address: form.get("address").unwrap_or_default(),
    };
    let mut p = ReportProblems::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if rules().category(&values.category).is_none() {
        p.category = Some(pick("请选择问题类别", "choose the kind of problem"));
    }
    // Where: typed or phone coordinates first, else the chosen building.
    let datum = Datum::parse(&values.datum).unwrap_or(Datum::Wgs84);
    let location = match (parse_degrees(&values.lon), parse_degrees(&values.lat)) {
        (Some(lon), Some(lat)) => Some((GeoPoint { lon, lat }, datum)),
        _ if !values.lon.trim().is_empty() || !values.lat.trim().is_empty() => {
            p.location = Some(pick(
                "经度和纬度须同时填写,且为数字(如 120.6553)",
                "give both longitude and latitude as numbers (such as 120.6553)",
            ));
            None
        }
        _ => {
            let buildings = building_choices(state, code).await?;
            match buildings
                .into_iter()
                .find(|(value, _, _)| !values.building.is_empty() && *value == values.building)
                .and_then(|(_, _, at)| at)
            {
                Some(at) => Some((at, Datum::Wgs84)),
                None => {
                    p.location = Some(pick(
                        "请选择所在楼栋,或使用手机定位填写坐标",
                        "choose the building, or fill in the coordinates from your phone",
                    ));
                    None
                }
            }
        }
    };
    let photos: Vec<&FilePart> = form.files.iter().filter(|f| f.name == "photo").collect();
    let mut raw = Vec::new();
    if form.body_too_big || photos.iter().any(|f| f.too_big) {
        let refusal = too_big();
        p.photo = Some(if en { refusal.en } else { refusal.zh });
        status = StatusCode::PAYLOAD_TOO_LARGE;
    } else if photos.len() > MAX_PHOTOS {
        p.photo = Some(report_error_text(
            &ReportError::TooManyPhotos {
                got: photos.len(),
                max: MAX_PHOTOS,
            },
            en,
        ));
    } else {
        raw = photos.iter().map(|f| f.bytes.clone()).collect();
    }
    let mut cleaned = Vec::new();
    if p.photo.is_none() && !raw.is_empty() {
        match clean_photos(&state.decoding, raw).await? {
            Ok(c) => cleaned = c,
            Err((i, refusal)) => {
                let text = if en { refusal.en } else { refusal.zh };
                p.photo = Some(if en {
                    format!("photo {}: {text}", i + 1)
                } else {
                    format!("第 {} 张照片:{text}", i + 1)
                });
                if refusal.too_big {
                    status = StatusCode::PAYLOAD_TOO_LARGE;
                }
            }
        }
    }
    let problems_so_far = p.category.is_some() || p.location.is_some() || p.photo.is_some();
    let (Some((location, datum)), false) = (location, problems_so_far) else {
        return render_report(state, jar, user, code, values, p, status).await;
    };
    let intake = Intake {
        category: values.category.clone(),
        description: values.description.clone(),
        location,
        datum,
        address: Some(values.address.clone()),
        photos: cleaned,
        extras: Default::default(),
    };
    match crate::events::service::report_event(state, code, Some(&person), intake, now_ms()).await?
    {
        Ok(event) => Ok(Redirect::to(&format!("/events/{}?reported=1", event.id)).into_response()),
        Err(error) => {
            let text = Some(report_error_text(&error, en));
            match error {
                ReportError::UnknownCategory(_) => p.category = text,
                ReportError::NothingReported | ReportError::DescriptionTooLong { .. } => {
                    p.description = text
                }
                ReportError::TooManyPhotos { .. } => p.photo = text,
                ReportError::Location(_) => p.location = text,
            }
            render_report(state, jar, user, code, values, p, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The list

pub struct EventLine {
    pub id: u64,
    pub category: String,
    pub state: String,
    pub level: String,
    pub grid: String,
    pub community: String,
    pub reported: String,
    pub deadline: String,
    /// "overdue" / "supervised" marker, in words.
    pub flag: String,
}

pub fn event_line(lang: Lang, e: &Event, now: i64) -> EventLine {
    let w = words(lang);
    let overdue = e.deadline.is_some_and(|d| now > d) && e.state.is_open();
    EventLine {
        id: e.id.0,
        category: category_label(lang, &e.category),
        state: state_label(lang, e.state).to_string(),
        level: level_label(lang, e.level).to_string(),
        grid: e.grid.clone().unwrap_or_default(),
        community: e.community.clone(),
        reported: when(e.reported_at),
        deadline: e.deadline.map(when).unwrap_or_default(),
        flag: match (overdue, e.level) {
            (true, Level::District) => format!("{} · {}", w.overdue, w.supervise),
            (true, _) => w.overdue.to_string(),
            (false, _) if e.late => w.late.to_string(),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct ListPage {
    page: Page,
    w: &'static Words,
    staff: bool,
    show: String,
    lines: Vec<EventLine>,
    community: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    show: String,
}

/// GET /events: staff see the events in their area (being handled, overdue or all); residents
/// the events they reported.
pub async fn list(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let person = person_or_refuse(&state, &user, lang.is_en()).await?;
        let now = now_ms();
        let (events, show) = if person.is_staff() {
            let prefix = region::subtree_prefix(&person.region, person.role.region_level());
            let (filter, show) = match query.show.as_str() {
                "all" => (StateFilter::All, "all"),
                "overdue" => (StateFilter::Overdue { now }, "overdue"),
                _ => (StateFilter::Live, "live"),
            };
            (state.store.events_within(prefix, filter, 500).await?, show)
        } else {
            (
                state
                    .store
                    .events_reported_by(&person.username, 500)
                    .await?,
                "mine",
            )
        };
        let w = words(lang);
        let community = (person.role.region_level() == "community").then(|| person.region.clone());
        render(ListPage {
            page: Page::new(&jar, Some(user.clone()), "/events", w.list_title),
            w,
            staff: person.is_staff(),
            show: show.to_string(),
            lines: events.iter().map(|e| event_line(lang, e, now)).collect(),
            community,
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

// ---------------------------------------------------------------------------------------------
// One event

pub struct PhotoView {
    pub id: String,
    pub width: i64,
    pub height: i64,
}

pub struct StepLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub change: String,
    pub note: String,
}

pub struct DuplicateLine {
    pub id: u64,
    pub category: String,
    pub state: String,
    pub metres: String,
    pub gap: String,
    /// When this viewer may merge: (duplicate id, its version, primary id).
    pub merge: Option<(u64, u64, u64)>,
    pub merge_label: String,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    page: Page,
    w: &'static Words,
    csrf: String,
    id: u64,
    version: u64,
    category: String,
    description: String,
    state: String,
    level: String,
    grid: String,
    community: String,
    community_name: String,
    lon: String,
    lat: String,
    address: String,
    reporter: String,
    assignee: String,
    reported: String,
    deadline: String,
    flag: String,
    escalations: u32,
    reopens: u32,
    merged_into: Option<u64>,
    merged: Vec<u64>,
    contact: String,
    external_media: String,
    before: Vec<PhotoView>,
    after: Vec<PhotoView>,
    steps: Vec<StepLine>,
    /// (action key, button label) of what the viewer may do.
    actions: Vec<(String, String)>,
    people: Vec<Choice>,
    lower_levels: Vec<Choice>,
    duplicates: Vec<DuplicateLine>,
    notice: Option<String>,
    errors: Vec<String>,
    staff: bool,
}

#[derive(Deserialize, Default)]
pub struct EventQuery {
    #[serde(default)]
    reported: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

fn role_label(lang: Lang, role: OpsRole) -> &'static str {
    lang.pick(role.zh(), role.en())
}

fn action_label(lang: Lang, kind: ActionKind) -> &'static str {
    lang.pick(kind.zh(), kind.en())
}

/// Who may be dispatched to at the event's level: community workers and the grid's members
/// at community level, the street's or district's administrators above.
async fn dispatch_choices(
    state: &AppState,
    event: &Event,
    viewer: &OpsPerson,
) -> Result<Vec<Choice>, AppError> {
    let (prefix, roles): (String, &[&str]) = match event.level {
        Level::Community => (event.community.clone(), &["community_worker"]),
        Level::Street => (event.community[..9].to_string(), &["street_admin"]),
        Level::District => (event.community[..6].to_string(), &["district_admin"]),
    };
    let mut people: Vec<(String, String)> = state
        .store
        .people_within(&prefix, roles)
        .await?
        .into_iter()
        .map(|p| (p.username, p.display_name))
        .collect();
    if event.level == Level::Community
        && let Some(grid_id) = &event.grid
    {
        let grids = state.store.grids_of(&event.community).await?;
        if let Some(grid) = grids.iter().find(|g| &g.id == grid_id) {
            for member in &grid.members {
                if !people.iter().any(|(u, _)| *u == member.person) {
                    people.push((member.person.clone(), member.person.clone()));
                }
            }
        }
    }
    if !people.iter().any(|(u, _)| *u == viewer.username) {
        people.insert(0, (viewer.username.clone(), viewer.display_name.clone()));
    }
    Ok(people
        .into_iter()
        .map(|(username, display)| Choice {
            selected: event.assignee.as_deref() == Some(username.as_str()),
            label: if display == username {
                username.clone()
            } else {
                format!("{display}({username})")
            },
            value: username,
        })
        .collect())
}

fn metres_text(metres: f64) -> String {
    format!("{metres:.0} m")
}

fn gap_text(lang: Lang, ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes < 60 {
        if lang.is_en() {
            format!("{minutes} min")
        } else {
            format!("{minutes} 分钟")
        }
    } else if lang.is_en() {
        format!("{:.1} h", ms as f64 / 3_600_000.0)
    } else {
        format!("{:.1} 小时", ms as f64 / 3_600_000.0)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_event(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    person: &OpsPerson,
    id: EventId,
    notice: Option<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let w = words(lang);
    let event = state.store.event(id).await?.ok_or(AppError::NotFound)?;
    if !person.may_see(&event) {
        return Err(AppError::NotFound);
    }
    let now = now_ms();
    let staff = person.is_staff();
    let actor = person.actor();
    let allowed = allowed_actions(&event, &actor, now, rules());
    let actions = allowed
        .iter()
        .map(|k| (k.key().to_string(), action_label(lang, *k).to_string()))
        .collect();
    let people = if allowed.contains(&ActionKind::Dispatch) {
        dispatch_choices(state, &event, person).await?
    } else {
        Vec::new()
    };
    let lower_levels = Level::ALL
        .into_iter()
        .filter(|l| *l < event.level)
        .map(|l| Choice {
            value: l.key().to_string(),
            label: level_label(lang, l).to_string(),
            selected: false,
        })
        .collect();
    let photos = state.store.event_photos(id).await?;
    let view = |stage: PhotoStage| {
        photos
            .iter()
            .filter(|p| p.stage == stage)
            .map(|p| PhotoView {
                id: p.id.clone(),
                width: p.width,
                height: p.height,
            })
            .collect::<Vec<_>>()
    };
    let steps = state
        .store
        .event_steps(id)
        .await?
        .into_iter()
        .map(|s| {
            let from = s.from_state.map(|f| state_label(lang, f)).unwrap_or("");
            let mut change = if from.is_empty() {
                state_label(lang, s.to_state).to_string()
            } else {
                format!("{from} → {}", state_label(lang, s.to_state))
            };
            if let Some(from_level) = s.from_level
                && from_level != s.to_level
            {
                change.push_str(&format!(
                    ";{} → {}",
                    level_label(lang, from_level),
                    level_label(lang, s.to_level)
                ));
            }
            if s.action == ActionKind::Dispatch
                && let Some(a) = &s.assignee
            {
                change.push_str(&format!(";{} {a}", w.assignee));
            }
            // Residents see their own name and the others' roles; staff see every name.
            let named = s.role != OpsRole::System && (staff || s.actor == person.username);
            let who = if !named {
                role_label(lang, s.role).to_string()
            } else {
                format!("{}({})", s.actor, role_label(lang, s.role))
            };
            StepLine {
                when: when(s.at),
                who,
                action: action_label(lang, s.action).to_string(),
                change,
                note: s.note.unwrap_or_default(),
            }
        })
        .collect();
    let mut duplicates = Vec::new();
    if staff && !event.state.is_final() {
        for (s, other) in duplicate_suggestions(&state.store, &event).await? {
            let duplicate = if s.duplicate == event.id {
                &event
            } else {
                &other
            };
            let may_merge =
                allowed_actions(duplicate, &actor, now, rules()).contains(&ActionKind::MergeInto);
            duplicates.push(DuplicateLine {
                id: other.id.0,
                category: category_label(lang, &other.category),
                state: state_label(lang, other.state).to_string(),
                metres: metres_text(s.metres),
                gap: gap_text(lang, s.gap_ms),
                merge: may_merge.then_some((s.duplicate.0, duplicate.version, s.primary.0)),
                merge_label: if lang.is_en() {
                    format!("Merge #{} into #{}", s.duplicate, s.primary)
                } else {
                    format!("将 #{} 合并到 #{}", s.duplicate, s.primary)
                },
            });
        }
    }
    let extras = if staff {
        state.store.event_extras(id).await?
    } else {
        Default::default()
    };
    let line = event_line(lang, &event, now);
    let community_name = state
        .store
        .region(&event.community)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let reporter = match &event.reporter {
        None => w.anonymous.to_string(),
        Some(r) if *r == person.username => w.you.to_string(),
        Some(r) if staff => r.clone(),
        Some(_) => String::new(),
    };
    let html = render(EventPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/events/{id}"),
            format!("{} #{id}", w.event_title),
        ),
        w,
        csrf: user.csrf.clone(),
        id: id.0,
        version: event.version,
        category: line.category,
        description: event.description.clone(),
        state: line.state,
        level: line.level,
        grid: line.grid,
        community: event.community.clone(),
        community_name,
        lon: format!("{:.6}", event.location.lon),
        lat: format!("{:.6}", event.location.lat),
        address: event.address.clone().unwrap_or_default(),
        reporter,
        assignee: event.assignee.clone().unwrap_or_default(),
        reported: line.reported,
        deadline: line.deadline,
        flag: line.flag,
        escalations: event.escalations,
        reopens: event.reopens,
        merged_into: event.merged_into.map(|m| m.0),
        merged: state
            .store
            .merged_into(id)
            .await?
            .into_iter()
            .map(|m| m.0)
            .collect(),
        contact: extras.contact.unwrap_or_default(),
        external_media: extras.external_media.unwrap_or_default(),
        before: view(PhotoStage::Before),
        after: view(PhotoStage::After),
        steps,
        actions,
        people,
        lower_levels,
        duplicates,
        notice,
        errors,
        staff,
    })?;
    Ok((status, html).into_response())
}

/// GET /events/{id}: the event for its reporter and for staff whose area covers it.
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<u64>,
    Query(query): Query<EventQuery>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let w = words(lang);
        let person = person_or_refuse(&state, &user, lang.is_en()).await?;
        let notice = if query.reported.is_some() {
            Some(format!("{} #{id}", w.reported_notice))
        } else {
            query
                .done
                .as_deref()
                .and_then(ActionKind::parse)
                .map(|k| format!("{}{}", w.done_notice, action_label(lang, k)))
        };
        render_event(
            &state,
            &jar,
            &user,
            &person,
            EventId(id),
            notice,
            Vec::new(),
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /events/{id}: one action, from the version the form was rendered with.
pub async fn act_on_event(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<u64>,
    request: Request,
) -> Response {
    let result = act_inner(&state, &jar, &user, EventId(id), request).await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

async fn act_inner(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: EventId,
    request: Request,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let person = person_or_refuse(state, user, en).await?;
    let form = read_form(state, request).await;
    if form.incomplete {
        return Err(AppError::BadRequest(
            lang.pick(
                "表单没有完整提交,请重试",
                "the form did not arrive whole; please try again",
            )
            .into(),
        ));
    }
    user.check_csrf(&form.get("csrf").unwrap_or_default())?;
    let person_ref = &person;
    let refuse = move |message: String, status: StatusCode| async move {
        render_event(
            state,
            jar,
            user,
            person_ref,
            id,
            None,
            vec![message],
            status,
        )
        .await
    };
    let Some(version) = form
        .get("version")
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return refuse(
            lang.pick(
                "表单缺少版本号,请刷新页面后重试",
                "the form has no version; reload the page",
            )
            .into(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let command = match Command::parse(|name| form.get(name), en) {
        Ok(c) => c,
        Err(message) => return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let photos: Vec<&FilePart> = form.files.iter().filter(|f| f.name == "photo").collect();
    if form.body_too_big || photos.iter().any(|f| f.too_big) {
        let refusal = too_big();
        return refuse(
            if en { refusal.en } else { refusal.zh },
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    if photos.len() > MAX_PHOTOS {
        return refuse(
            report_error_text(
                &ReportError::TooManyPhotos {
                    got: photos.len(),
                    max: MAX_PHOTOS,
                },
                en,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let cleaned = if photos.is_empty() {
        Vec::new()
    } else {
        match clean_photos(
            &state.decoding,
            photos.iter().map(|f| f.bytes.clone()).collect(),
        )
        .await?
        {
            Ok(c) => c,
            Err((i, refusal)) => {
                let text = if en { refusal.en } else { refusal.zh };
                return refuse(
                    if en {
                        format!("photo {}: {text}", i + 1)
                    } else {
                        format!("第 {} 张照片:{text}", i + 1)
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    let note = form.get("note");
    match act(
        state,
        &person,
        id,
        version,
        &command,
        note.as_deref(),
        cleaned,
        now_ms(),
        en,
    )
    .await
    {
        Ok(event) => {
            let kind = form.get("action").unwrap_or_default();
            // A merged duplicate is done with: show the event it went into.
            let target = event.merged_into.unwrap_or(event.id);
            Ok(Redirect::to(&format!("/events/{target}?done={kind}")).into_response())
        }
        Err(ActError::Refused(message)) => refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(ActError::Conflict(message)) => refuse(message, StatusCode::CONFLICT).await,
        Err(ActError::App(e)) => Err(e),
    }
}

/// GET /event-photos/{id}: a stored photo. Public, like an Open311 `media_url`: the bytes were
/// re-encoded without metadata before they were kept, and the id is random.
pub async fn photo(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let found = match state.store.event_photo(&id).await {
        Ok(Some(row)) => row,
        Ok(None) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    match state.files.get(&found.file_key).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, found.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!(
            "event photo {} has no file {}: {e:#}",
            found.id,
            found.file_key
        ))
        .into_response(),
    }
}
