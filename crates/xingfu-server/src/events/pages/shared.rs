//! What the event pages share: their fixed texts, the labels of states, levels, categories,
//! roles and actions, choices in a form, the check that someone takes part in operations, and
//! the photos a form brings.

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use xingfu_core::ops::coords::Datum;
use xingfu_core::ops::events::{ActionKind, EventState, MAX_PHOTOS, ReportError};
use xingfu_core::ops::{Level, OpsRole};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::files::too_big;
use crate::app::state::AppState;
use crate::events::service::{
    CleanPhoto, OpsPerson, clean_photos, ops_person, report_error_text, rules,
};
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, render};
use crate::web::upload::FormData;

pub use crate::web::visit::Visit;

/// The layout's data of a page drawn for a signed-in person.
pub fn page_for(jar: &CookieJar, user: &CurrentUser, path: &str, title: String) -> Page {
    Page::new(jar, Some(user.clone()), path, title)
}

/// A page with the status it is answered with.
pub fn render_with(status: StatusCode, template: impl Template) -> PageResult {
    Ok((status, render(template)?).into_response())
}

crate::word_table! {
    #[doc = "Fixed texts of the event pages."]
    Words, words {
    report_title: "随手拍 · 上报问题" / "Report a problem",
    report_lead: "看到社区里的问题，拍张照片告诉我们。网格员会处理并告诉您结果。" / "Seen a problem in the community? Take a photo and tell us. A grid member will handle it and let you know.",
    category: "是什么问题？" / "What kind of problem?",
    description: "请简单说明" / "Describe it briefly",
    description_hint: "最多 500 字。有照片时可以不写。" / "At most 500 characters. You may leave it empty if you add a photo.",
    where_heading: "在哪里？" / "Where is it?",
    where_hint: "用下面任意一种方式告诉我们即可。" / "Any one of the ways below is enough.",
    building: "所在楼栋或网格" / "Building or grid",
    building_none: "不选" / "None chosen",
    whole_grid: "整个网格" / "the whole grid",
    use_location: "使用手机定位" / "Use my phone's location",
    located: "已取得手机位置\u{ff0c}提交时一并发送。" / "Your phone's location was found; it is sent with the report.",
    not_located: "没有取得手机位置\u{ff0c}请选择楼栋或网格\u{ff0c}或填写地址或位置说明。" / "Your phone's location could not be found: choose a building or grid, or write the address or a landmark.",
    coordinates: "坐标（工作人员填写）" / "Coordinates (for staff)",
    coordinates_hint: "从地图软件复制经纬度，并选择坐标来源。" / "Copy the longitude and latitude from a map app and say which system it uses.",
    longitude: "经度" / "Longitude",
    latitude: "纬度" / "Latitude",
    datum: "坐标来源" / "Coordinate system",
    datum_wgs84: "手机定位 / GPS(WGS-84)" / "Phone / GPS (WGS-84)",
    datum_gcj02: "高德、腾讯地图、微信（GCJ-02）" / "AMap, Tencent, WeChat (GCJ-02)",
    datum_bd09: "百度地图（BD-09）" / "Baidu Maps (BD-09)",
    address: "地址或位置说明" / "Address or landmark",
    address_hint: "例如\u{ff1a}5幢2单元楼道\u{3001}菜场后门。没有用手机定位\u{3001}也没有选楼栋或网格时\u{ff0c}请写在这里。" / "For example: Building 5, Unit 2 stairwell; behind the market. Write it here when you neither use your phone's location nor choose a building or grid.",
    no_position: "未给出手机位置" / "no position given",
    photos: "照片（可选，最多 9 张）" / "Photos (optional, up to 9)",
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
    note_optional: "说明（可选）" / "Note (optional)",
    dispatch_to: "派遣给" / "Dispatch to",
    hand_down_to: "交回到" / "Hand down to",
    merge_primary: "合并到事件编号" / "Merge into event number",
    after_photos: "处置后的照片（可选）" / "Photos of the result (optional)",
    duplicates: "可能重复的上报" / "Possible duplicates",
    duplicates_lead: "同类问题，距离和时间都很接近：" / "Same kind of problem, close in place and time:",
    distance: "距离" / "Distance",
    gap: "相隔" / "Apart",
    merge_button: "合并" / "Merge",
    reported_notice: "已收到您的上报，编号" / "Your report was received; its number is",
    done_notice: "已办理：" / "Done: ",
    back_to_list: "返回事件列表" / "Back to the events",
    map_link: "网格地图" / "Grid map",
    }
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

pub fn role_label(lang: Lang, role: OpsRole) -> &'static str {
    lang.pick(role.zh(), role.en())
}

pub fn action_label(lang: Lang, kind: ActionKind) -> &'static str {
    lang.pick(kind.zh(), kind.en())
}

/// The account as someone in operations; assessors take no part in events.
pub async fn person_or_refuse(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<OpsPerson, AppError> {
    ops_person(&state.store, user).await?.ok_or_else(|| {
        AppError::Forbidden(
            lang.pick(
                "评估员账号不参与随手拍事件办理",
                "assessor accounts take no part in event reports",
            )
            .to_string(),
        )
    })
}

/// One option of a choice in a form.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The coordinate systems as choices, labelled WGS-84, GCJ-02 and BD-09 in that order.
pub fn datum_choices(labels: [&str; 3], selected: impl Fn(Datum) -> bool) -> Vec<Choice> {
    [Datum::Wgs84, Datum::Gcj02, Datum::Bd09]
        .into_iter()
        .zip(labels)
        .map(|(d, label)| Choice {
            value: d.key().to_string(),
            label: label.to_string(),
            selected: selected(d),
        })
        .collect()
}

/// A form's `photo` files, checked and cleaned; a refusal comes as its message and status.
pub async fn form_photos(
    state: &AppState,
    form: &FormData,
    lang: Lang,
) -> Result<Result<Vec<CleanPhoto>, (String, StatusCode)>, AppError> {
    let Ok(photos) = form.files_named("photo") else {
        let message = too_big().text(lang).to_string();
        return Ok(Err((message, StatusCode::PAYLOAD_TOO_LARGE)));
    };
    if photos.len() > MAX_PHOTOS {
        let error = ReportError::TooManyPhotos {
            got: photos.len(),
            max: MAX_PHOTOS,
        };
        let message = report_error_text(&error, lang);
        return Ok(Err((message, StatusCode::UNPROCESSABLE_ENTITY)));
    }
    if photos.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let raw = photos.iter().map(|bytes| bytes.to_vec()).collect();
    Ok(match clean_photos(&state.decoding, raw).await? {
        Ok(cleaned) => Ok(cleaned),
        Err((i, refusal)) => {
            let text = refusal.text(lang);
            let message = if lang.is_en() {
                format!("photo {}: {text}", i + 1)
            } else {
                format!("第 {} 张照片：{text}", i + 1)
            };
            let status = if refusal.too_big {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Err((message, status))
        }
    })
}
