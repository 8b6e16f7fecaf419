//! Volunteering pages: a community's stations, teams, volunteers and activities; an activity's
//! sign-in sheet (签到/签退) that turns counted time into points; a volunteer's points and
//! service record; the love mall (爱心商城) where points are exchanged; and the figures visits
//! and volunteering feed into ratings for a period.
//!
//! The mall is a resident-facing page: one column, large buttons, plain forms. Each redemption
//! form carries a request key made when the page was drawn, so pressing the button twice or
//! resending the form exchanges once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::workflow::Role;
use xingfu_store::volunteers::{ActivityRow, ItemRow, VolunteerRow};

use super::visits::problems;
use crate::app::auth::{CurrentUser, urlencode};
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::people::service::{self as people, ActivityInput, Refused, VolunteerInput};
use crate::web::forms::{Problem, error_for};
use crate::web::page::{Page, error_page, render};

fn with_status(
    response: Result<Response, AppError>,
    errors: &[Problem],
) -> Result<Response, AppError> {
    response.map(|mut r| {
        if !errors.is_empty() {
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        r
    })
}

async fn region_name(state: &AppState, code: &str) -> String {
    match state.store.region(code).await {
        Ok(Some(r)) => r.name,
        _ => code.to_string(),
    }
}

/// The community a page is about: a community-level account's own, or the one an
/// administrator chose from their area (`None` until they choose).
async fn community_of(
    state: &AppState,
    user: &CurrentUser,
    asked: &str,
    lang: Lang,
) -> Result<(Option<String>, Vec<(String, String)>), AppError> {
    if user.region_level == "community" {
        return Ok((Some(user.user.region_code.clone()), Vec::new()));
    }
    let choices = match state.store.region(&user.user.region_code).await? {
        Some(area) => state
            .store
            .regions_within(&area, "community")
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
        None => Vec::new(),
    };
    let asked = asked.trim();
    if asked.is_empty() {
        return Ok((None, choices));
    }
    if !user.actor().covers(asked) || !choices.iter().any(|(c, _)| c == asked) {
        return Err(AppError::Forbidden(if lang.is_en() {
            format!("community {asked} is outside your area")
        } else {
            format!("社区 {asked} 不在您的管辖范围内")
        }));
    }
    Ok((Some(asked.to_string()), choices))
}

fn notice_text(lang: Lang, done: &str) -> Option<String> {
    let (zh, en) = match done {
        "station" => ("驿站已添加。", "The station is added."),
        "team" => ("服务队已添加。", "The team is added."),
        "volunteer" => ("志愿者已登记。", "The volunteer is registered."),
        "activity" => ("活动已发布。", "The activity is published."),
        "signed_in" => ("已签到。", "Signed in."),
        "served" => ("服务人数已保存。", "The number of people served is saved."),
        "cancelled" => ("活动已取消。", "The activity is cancelled."),
        "adjusted" => ("积分已调整。", "The points are adjusted."),
        "refunded" => (
            "兑换已退回,积分和库存已恢复。",
            "The exchange is cancelled: points and stock are back.",
        ),
        "item" => ("商品已上架。", "The item is added."),
        "restocked" => ("已补货。", "Restocked."),
        "shelved" => ("已下架。", "Taken off the shelf."),
        "unshelved" => ("已重新上架。", "Back on the shelf."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

fn type_label(lang: Lang, key: &str) -> String {
    people::rules()
        .activity_type(key)
        .map(|t| lang.pick(&t.zh, &t.en).to_string())
        .unwrap_or_else(|| key.to_string())
}

#[derive(Deserialize, Default)]
pub struct CommunityQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    done: String,
}

pub struct VolunteerLine {
    pub id: String,
    pub name: String,
    pub team: String,
    pub balance: i64,
    pub has_account: bool,
}

pub struct ActivityLine {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub when: String,
    pub cancelled: bool,
}

/// Everything typed into the forms of the volunteering page.
#[derive(Deserialize, Default, Clone)]
pub struct VolunteerForms {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub station_name: String,
    #[serde(default)]
    pub team_name: String,
    #[serde(default)]
    pub team_station: String,
    #[serde(default)]
    pub volunteer_name: String,
    #[serde(default)]
    pub volunteer_team: String,
    #[serde(default)]
    pub volunteer_username: String,
    #[serde(default)]
    pub volunteer_phone: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub activity_type: String,
    #[serde(default)]
    pub station: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct OverviewPage {
    page: Page,
    community: String,
    community_name: String,
    choices: Vec<(String, String)>,
    oversees: bool,
    manages: bool,
    own: Option<VolunteerRow>,
    stations: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    volunteers: Vec<VolunteerLine>,
    activities: Vec<ActivityLine>,
    types: Vec<(String, String)>,
    form: VolunteerForms,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

impl OverviewPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn overview_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    asked: &str,
    form: VolunteerForms,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    if user.role == Role::Assessor {
        return Err(AppError::Forbidden(
            lang.pick(
                "评审员账号不参与志愿服务",
                "assessor accounts take no part in volunteering",
            )
            .into(),
        ));
    }
    let (community, choices) = community_of(state, user, asked, lang).await?;
    let title = lang.pick("志愿服务", "Volunteering");
    let mut page = OverviewPage {
        page: Page::new(jar, Some(user.clone()), "/volunteers", title),
        community: String::new(),
        community_name: String::new(),
        choices,
        oversees: false,
        manages: false,
        own: people::own_volunteer(state, user).await?,
        stations: Vec::new(),
        teams: Vec::new(),
        volunteers: Vec::new(),
        activities: Vec::new(),
        types: people::rules()
            .types
            .iter()
            .map(|t| (t.key.clone(), lang.pick(&t.zh, &t.en).to_string()))
            .collect(),
        form,
        errors: errors.clone(),
        notice,
        csrf: user.csrf.clone(),
    };
    if let Some(code) = community {
        let stations = state.store.stations_in(&code).await?;
        let teams = state.store.teams_in(&code).await?;
        page.oversees = people::may_oversee(user, &code);
        page.manages = people::may_manage(user, &code);
        if page.oversees {
            page.volunteers = state
                .store
                .volunteers_in(&code)
                .await?
                .into_iter()
                .map(|v| VolunteerLine {
                    team: v
                        .team_id
                        .as_ref()
                        .and_then(|t| teams.iter().find(|x| &x.id == t))
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    id: v.id,
                    name: v.name,
                    balance: v.balance,
                    has_account: v.user_id.is_some(),
                })
                .collect();
        }
        page.activities = state
            .store
            .activities_in(&code)
            .await?
            .into_iter()
            .map(|a| ActivityLine {
                kind: type_label(lang, &a.activity_type),
                when: format!(
                    "{} – {}",
                    people::local_text(a.starts_at),
                    &people::local_text(a.ends_at)[11..]
                ),
                id: a.id,
                title: a.title,
                cancelled: a.cancelled,
            })
            .collect();
        page.stations = stations.into_iter().map(|s| (s.id, s.name)).collect();
        page.teams = teams.into_iter().map(|t| (t.id, t.name)).collect();
        page.community_name = region_name(state, &code).await;
        page.community = code;
    }
    with_status(render(page), &errors)
}

/// GET /volunteers
pub async fn overview(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = notice_text(lang, &q.done);
    let form = VolunteerForms {
        activity_type: "general".into(),
        ..VolunteerForms::default()
    };
    overview_page(&state, &jar, &user, &q.community, form, Vec::new(), notice)
        .await
        .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// Which form of the volunteering page was sent.
#[derive(Clone, Copy)]
enum Which {
    Station,
    Team,
    Volunteer,
    Activity,
}

async fn post_overview(
    state: AppState,
    jar: CookieJar,
    user: CurrentUser,
    form: VolunteerForms,
    which: Which,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let community = form.community.trim().to_string();
        let outcome: Result<&str, Refused> = match which {
            Which::Station => {
                people::create_station(&state, &user, &community, &form.station_name, lang)
                    .await
                    .map(|_| "station")
            }
            Which::Team => people::create_team(
                &state,
                &user,
                &community,
                &form.team_name,
                &form.team_station,
                lang,
            )
            .await
            .map(|_| "team"),
            Which::Volunteer => people::create_volunteer(
                &state,
                &user,
                &community,
                &VolunteerInput {
                    name: form.volunteer_name.clone(),
                    team: form.volunteer_team.clone(),
                    username: form.volunteer_username.clone(),
                    phone: form.volunteer_phone.clone(),
                },
                lang,
            )
            .await
            .map(|_| "volunteer"),
            Which::Activity => {
                let starts = people::parse_local(&form.starts_at);
                let ends = people::parse_local(&form.ends_at);
                let mut errors = Vec::new();
                let hint = lang.pick(
                    "请按 年-月-日 时:分 填写,例如 2024-05-01 09:00",
                    "write year-month-day hour:minute, e.g. 2024-05-01 09:00",
                );
                if starts.is_none() {
                    errors.push((
                        "starts_at".to_string(),
                        format!("{}:{hint}", lang.pick("开始时间", "Start")),
                    ));
                }
                if ends.is_none() {
                    errors.push((
                        "ends_at".to_string(),
                        format!("{}:{hint}", lang.pick("结束时间", "End")),
                    ));
                }
                match (starts, ends) {
                    (Some(starts_at), Some(ends_at)) => people::create_activity(
                        &state,
                        &user,
                        &community,
                        &ActivityInput {
                            title: form.title.clone(),
                            activity_type: form.activity_type.clone(),
                            station: form.station.clone(),
                            team: form.team.clone(),
                            starts_at,
                            ends_at,
                        },
                        lang,
                    )
                    .await
                    .map(|_| "activity"),
                    _ => {
                        return overview_page(
                            &state,
                            &jar,
                            &user,
                            &community,
                            form.clone(),
                            errors,
                            None,
                        )
                        .await;
                    }
                }
            }
        };
        match outcome {
            Ok(done) => Ok(Redirect::to(&format!(
                "/volunteers?community={}&done={done}",
                urlencode(&community)
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                overview_page(
                    &state,
                    &jar,
                    &user,
                    &community,
                    form.clone(),
                    problems(fields),
                    None,
                )
                .await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /volunteers/stations
pub async fn create_station(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<VolunteerForms>,
) -> Response {
    post_overview(state, jar, user, form, Which::Station).await
}

/// POST /volunteers/teams
pub async fn create_team(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<VolunteerForms>,
) -> Response {
    post_overview(state, jar, user, form, Which::Team).await
}

/// POST /volunteers/people
pub async fn create_volunteer(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<VolunteerForms>,
) -> Response {
    post_overview(state, jar, user, form, Which::Volunteer).await
}

/// POST /volunteers/activities
pub async fn create_activity(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<VolunteerForms>,
) -> Response {
    post_overview(state, jar, user, form, Which::Activity).await
}

pub struct SignLine {
    pub volunteer_id: String,
    pub name: String,
    pub signed_in: String,
    pub signed_out: String,
    pub hours: String,
    pub points: i64,
    /// What is in the sign-out time field.
    pub out_value: String,
    pub out_error: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    volunteer: String,
    #[serde(default)]
    signed_in_at: String,
    #[serde(default)]
    signed_out_at: String,
    #[serde(default)]
    people_served: String,
    /// The people served the page showed (the form's optimistic version).
    #[serde(default)]
    served_read: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    page: Page,
    activity: ActivityRow,
    kind: String,
    when: String,
    place: String,
    manages: bool,
    signs: Vec<SignLine>,
    /// Volunteers of the community not signed in yet: (id, name).
    available: Vec<(String, String)>,
    form: SignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    total_hours: String,
    csrf: String,
}

impl ActivityPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn activity_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    form: SignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let activity = people::activity(state, user, id, lang).await?;
    let manages = people::may_manage(user, &activity.community_code);
    let signs = state.store.sign_ins_of(&activity.id).await?;
    let default_time = people::input_value(now_ms().min(activity.ends_at));
    let posted_for = form.volunteer.clone();
    let lines: Vec<SignLine> = signs
        .iter()
        .map(|s| {
            let field = format!("signed_out_at_{}", s.volunteer_id);
            SignLine {
                volunteer_id: s.volunteer_id.clone(),
                name: s.volunteer_name.clone(),
                signed_in: people::local_text(s.signed_in_at),
                signed_out: s.signed_out_at.map(people::local_text).unwrap_or_default(),
                hours: people::hours_text(s.minutes),
                points: s.points,
                out_value: if posted_for == s.volunteer_id && !form.signed_out_at.is_empty() {
                    form.signed_out_at.clone()
                } else {
                    default_time.clone()
                },
                out_error: error_for(&errors, &field),
            }
        })
        .collect();
    let total_minutes: i64 = signs.iter().map(|s| s.minutes).sum();
    let available = if manages {
        state
            .store
            .volunteers_in(&activity.community_code)
            .await?
            .into_iter()
            .filter(|v| !signs.iter().any(|s| s.volunteer_id == v.id))
            .map(|v| (v.id, v.name))
            .collect()
    } else {
        Vec::new()
    };
    let mut place = Vec::new();
    if let Some(station) = &activity.station_id
        && let Some(s) = state
            .store
            .stations_in(&activity.community_code)
            .await?
            .into_iter()
            .find(|s| &s.id == station)
    {
        place.push(s.name);
    }
    if let Some(team) = &activity.team_id
        && let Some(t) = state
            .store
            .teams_in(&activity.community_code)
            .await?
            .into_iter()
            .find(|t| &t.id == team)
    {
        place.push(t.name);
    }
    let mut form = form;
    if form.signed_in_at.is_empty() {
        // During or before the activity: now; recording one that is over: its start.
        let now = now_ms();
        let at = if now >= activity.ends_at {
            activity.starts_at
        } else {
            now
        };
        form.signed_in_at = people::input_value(at);
    }
    if form.people_served.is_empty() {
        form.people_served = activity.people_served.to_string();
    }
    let title = activity.title.clone();
    with_status(
        render(ActivityPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                &format!("/volunteers/activities/{id}"),
                title,
            ),
            kind: type_label(lang, &activity.activity_type),
            when: format!(
                "{} – {}",
                people::local_text(activity.starts_at),
                people::local_text(activity.ends_at)
            ),
            place: place.join(" · "),
            manages,
            signs: lines,
            available,
            form,
            errors: errors.clone(),
            notice,
            total_hours: people::hours_text(total_minutes),
            csrf: user.csrf.clone(),
            activity,
        }),
        &errors,
    )
}

#[derive(Deserialize, Default)]
pub struct ActivityQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    minutes: Option<i64>,
    #[serde(default)]
    points: Option<i64>,
}

/// GET /volunteers/activities/{id}
pub async fn activity(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ActivityQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = match (q.done.as_str(), q.minutes, q.points) {
        ("signed_out", Some(minutes), Some(points)) => Some(if lang.is_en() {
            format!(
                "{} signed out: {} hours counted, {points} points earned.",
                q.name,
                people::hours_text(minutes)
            )
        } else {
            format!(
                "{} 已签退:计服务时长 {} 小时,获得 {points} 积分。",
                q.name,
                people::hours_text(minutes)
            )
        }),
        (done, _, _) => notice_text(lang, done),
    };
    activity_page(
        &state,
        &jar,
        &user,
        &id,
        SignForm::default(),
        Vec::new(),
        notice,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

fn time_problem(lang: Lang, field: &str) -> Problem {
    (
        field.to_string(),
        lang.pick(
            "请按 年-月-日 时:分 填写时间,例如 2024-05-01 09:30",
            "write the time as year-month-day hour:minute, e.g. 2024-05-01 09:30",
        )
        .to_string(),
    )
}

/// POST /volunteers/activities/{id}/sign-in
pub async fn sign_in(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let Some(at) = people::parse_local(&form.signed_in_at) else {
            let errors = vec![time_problem(lang, "signed_in_at")];
            return activity_page(&state, &jar, &user, &id, form, errors, None).await;
        };
        match people::sign_in(&state, &user, &id, &form.volunteer, at, lang).await {
            Ok(()) => Ok(
                Redirect::to(&format!("/volunteers/activities/{id}?done=signed_in"))
                    .into_response(),
            ),
            Err(Refused::Fields(fields)) => {
                activity_page(&state, &jar, &user, &id, form, problems(fields), None).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /volunteers/activities/{id}/sign-out
pub async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let field = format!("signed_out_at_{}", form.volunteer);
        let Some(at) = people::parse_local(&form.signed_out_at) else {
            let errors = vec![time_problem(lang, &field)];
            return activity_page(&state, &jar, &user, &id, form, errors, None).await;
        };
        match people::sign_out(&state, &user, &id, &form.volunteer, at, lang).await {
            Ok(outcome) => Ok(Redirect::to(&format!(
                "/volunteers/activities/{id}?done=signed_out&name={}&minutes={}&points={}",
                urlencode(&outcome.volunteer_name),
                outcome.minutes,
                outcome.points
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                activity_page(&state, &jar, &user, &id, form, problems(fields), None).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /volunteers/activities/{id}/served
pub async fn people_served(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        match people::set_people_served(
            &state,
            &user,
            &id,
            &form.people_served,
            &form.served_read,
            lang,
        )
        .await
        {
            Ok(()) => Ok(
                Redirect::to(&format!("/volunteers/activities/{id}?done=served")).into_response(),
            ),
            Err(Refused::Fields(fields)) => {
                activity_page(&state, &jar, &user, &id, form, problems(fields), None).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// POST /volunteers/activities/{id}/cancel
pub async fn cancel(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        people::cancel_activity(&state, &user, &id, lang).await?;
        Ok(Redirect::to(&format!("/volunteers/activities/{id}?done=cancelled")).into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}

pub struct LedgerLine {
    pub key: String,
    pub when: String,
    pub what: String,
    pub points: String,
    pub refundable: bool,
}

pub struct ServiceLine {
    pub activity_id: String,
    pub title: String,
    pub when: String,
    pub hours: String,
    pub points: i64,
}

#[derive(Deserialize, Default, Clone)]
pub struct AdjustForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    delta: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    request_key: String,
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    page: Page,
    volunteer: VolunteerRow,
    team: String,
    hours: String,
    ledger: Vec<LedgerLine>,
    service: Vec<ServiceLine>,
    manages: bool,
    own: bool,
    form: AdjustForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

impl VolunteerPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

fn ledger_what(
    lang: Lang,
    row: &xingfu_store::volunteers::LedgerRow,
    titles: &[(String, String)],
) -> String {
    let item = row.item_name.clone().unwrap_or_default();
    let quantity = row.quantity.unwrap_or(0);
    match row.kind.as_str() {
        "earn" => {
            let title = row
                .activity_id
                .as_ref()
                .and_then(|a| titles.iter().find(|(id, _)| id == a))
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            format!("{}:{title}", lang.pick("志愿服务", "Volunteering"))
        }
        "redeem" => format!("{}:{item} × {quantity}", lang.pick("兑换", "Exchanged")),
        "refund" => format!(
            "{}:{item} × {quantity}",
            lang.pick("退回兑换", "Exchange cancelled")
        ),
        _ => format!(
            "{}:{}",
            lang.pick("积分调整", "Adjustment"),
            row.reason.clone().unwrap_or_default()
        ),
    }
}

async fn volunteer_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    form: AdjustForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let volunteer = people::volunteer(state, user, id, lang).await?;
    let manages = people::may_manage(user, &volunteer.community_code);
    let record = state.store.service_record(&volunteer.id).await?;
    let titles: Vec<(String, String)> = record
        .iter()
        .map(|(s, t)| (s.activity_id.clone(), t.clone()))
        .collect();
    let rows = state.store.ledger_of(&volunteer.id).await?;
    let refunded: Vec<&str> = rows.iter().filter_map(|r| r.refund_of.as_deref()).collect();
    let ledger = rows
        .iter()
        .rev()
        .map(|r| LedgerLine {
            key: r.key.clone(),
            when: people::local_text(r.at),
            what: ledger_what(lang, r, &titles),
            points: if r.points > 0 {
                format!("+{}", r.points)
            } else {
                r.points.to_string()
            },
            refundable: manages && r.kind == "redeem" && !refunded.contains(&r.key.as_str()),
        })
        .collect();
    let minutes: i64 = record.iter().map(|(s, _)| s.minutes).sum();
    let team = match &volunteer.team_id {
        Some(t) => state
            .store
            .teams_in(&volunteer.community_code)
            .await?
            .into_iter()
            .find(|x| &x.id == t)
            .map(|x| x.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut form = form;
    if form.request_key.is_empty() || errors.is_empty() {
        form.request_key = people::new_request_key();
    }
    let title = format!("{}{}", lang.pick("志愿者:", "Volunteer: "), volunteer.name);
    with_status(
        render(VolunteerPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                &format!("/volunteers/people/{id}"),
                title,
            ),
            team,
            hours: people::hours_text(minutes),
            ledger,
            service: record
                .into_iter()
                .map(|(s, title)| ServiceLine {
                    activity_id: s.activity_id,
                    title,
                    when: people::local_text(s.signed_in_at),
                    hours: people::hours_text(s.minutes),
                    points: s.points,
                })
                .collect(),
            manages,
            own: volunteer.user_id.as_deref() == Some(user.user.id.as_str()),
            volunteer,
            form,
            errors: errors.clone(),
            notice,
            csrf: user.csrf.clone(),
        }),
        &errors,
    )
}

/// GET /volunteers/people/{id}
pub async fn volunteer(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = notice_text(lang, &q.done);
    volunteer_page(
        &state,
        &jar,
        &user,
        &id,
        AdjustForm::default(),
        Vec::new(),
        notice,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// GET /volunteers/me: the signed-in resident's own points.
pub async fn me(State(state): State<AppState>, jar: CookieJar, user: CurrentUser) -> Response {
    let lang = Lang::from_jar(&jar);
    match people::own_volunteer(&state, &user).await {
        Ok(Some(v)) => Redirect::to(&format!("/volunteers/people/{}", v.id)).into_response(),
        Ok(None) => {
            let message = lang.pick(
                "您的账号还没有登记为志愿者,请到社区志愿者驿站登记。",
                "Your account is not registered as a volunteer: register at the community's station.",
            );
            let mut response = error_page(&jar, Some(user), AppError::BadRequest(message.into()));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// POST /volunteers/people/{id}/adjust
pub async fn adjust(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AdjustForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        match people::adjust(
            &state,
            &user,
            &id,
            &form.delta,
            &form.reason,
            &form.request_key,
            lang,
        )
        .await
        {
            Ok(()) => {
                Ok(Redirect::to(&format!("/volunteers/people/{id}?done=adjusted")).into_response())
            }
            Err(Refused::Fields(fields)) => {
                volunteer_page(&state, &jar, &user, &id, form, problems(fields), None).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /volunteers/people/{id}/refund
pub async fn refund(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AdjustForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        people::refund(&state, &user, &id, &form.key, lang).await?;
        Ok(Redirect::to(&format!("/volunteers/people/{id}?done=refunded")).into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}

pub struct ItemLine {
    pub id: String,
    pub name: String,
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
    pub affordable: bool,
    /// The quantity field's value.
    pub quantity: String,
    pub error: String,
    pub restock_error: String,
    /// A fresh key for this item's redemption form.
    pub request_key: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct MallForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    volunteer: String,
    #[serde(default)]
    request_key: String,
    #[serde(default)]
    item_name: String,
    #[serde(default)]
    item_cost: String,
    #[serde(default)]
    item_stock: String,
    #[serde(default)]
    active: String,
}

#[derive(Deserialize, Default)]
pub struct MallQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    done: String,
    /// The ledger key of a redemption just made.
    #[serde(default)]
    redeemed: String,
    #[serde(default)]
    repeated: String,
}

#[derive(Template)]
#[template(path = "mall.html")]
struct MallPage {
    page: Page,
    community: String,
    community_name: String,
    choices: Vec<(String, String)>,
    own: Option<VolunteerRow>,
    manages: bool,
    volunteers: Vec<(String, String, i64)>,
    items: Vec<ItemLine>,
    form: MallForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

impl MallPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn mall_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    asked: &str,
    form: MallForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    if user.role == Role::Assessor {
        return Err(AppError::Forbidden(
            lang.pick(
                "评审员账号不参与志愿服务",
                "assessor accounts take no part in volunteering",
            )
            .into(),
        ));
    }
    let (community, choices) = community_of(state, user, asked, lang).await?;
    let own = people::own_volunteer(state, user).await?;
    let mut page = MallPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            "/mall",
            lang.pick("爱心商城", "Love mall"),
        ),
        community: String::new(),
        community_name: String::new(),
        choices,
        own: own.clone(),
        manages: false,
        volunteers: Vec::new(),
        items: Vec::new(),
        form: form.clone(),
        errors: errors.clone(),
        notice,
        csrf: user.csrf.clone(),
    };
    if let Some(code) = community {
        page.manages = people::may_manage(user, &code);
        if page.manages {
            page.volunteers = state
                .store
                .volunteers_in(&code)
                .await?
                .into_iter()
                .map(|v| (v.id, v.name, v.balance))
                .collect();
        }
        let items: Vec<ItemRow> = state.store.items_in(&code).await?;
        let balance = own.as_ref().map(|v| v.balance);
        page.items = items
            .into_iter()
            .filter(|i| i.active || page.manages)
            .map(|i| {
                let posted = form.item == i.id;
                ItemLine {
                    quantity: if posted && !form.quantity.is_empty() {
                        form.quantity.clone()
                    } else {
                        "1".to_string()
                    },
                    error: error_for(&errors, &format!("quantity_{}", i.id)),
                    restock_error: error_for(&errors, &format!("restock_{}", i.id)),
                    affordable: balance.is_some_and(|b| b >= i.cost) && i.stock > 0,
                    request_key: people::new_request_key(),
                    id: i.id,
                    name: i.name,
                    cost: i.cost,
                    stock: i.stock,
                    active: i.active,
                }
            })
            .collect();
        page.community_name = region_name(state, &code).await;
        page.community = code;
    }
    with_status(render(page), &errors)
}

/// GET /mall
pub async fn mall(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<MallQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let mut notice = notice_text(lang, &q.done);
        if !q.redeemed.is_empty()
            && let Some(row) = state.store.ledger_entry(&q.redeemed).await?
            && row.kind == "redeem"
            && people::volunteer(&state, &user, &row.volunteer_id, lang)
                .await
                .is_ok()
        {
            let balance = state.store.balance(&row.volunteer_id).await?.unwrap_or(0);
            let item = row.item_name.clone().unwrap_or_default();
            let quantity = row.quantity.unwrap_or(0);
            let spent = -row.points;
            let mut text = if lang.is_en() {
                format!("Exchanged: {item} × {quantity}, {spent} points. Balance now {balance}.")
            } else {
                format!("兑换成功:{item} × {quantity},用去 {spent} 积分,现有 {balance} 积分。请到社区志愿者驿站领取。")
            };
            if q.repeated == "1" {
                text.push_str(lang.pick(
                    "(这次兑换此前已经办理,没有重复扣分。)",
                    " (This exchange had already been made: nothing was taken twice.)",
                ));
            }
            notice = Some(text);
        }
        mall_page(&state, &jar, &user, &q.community, MallForm::default(), Vec::new(), notice).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /mall/redeem
pub async fn redeem(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<MallForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let volunteer = (!form.volunteer.trim().is_empty()).then_some(form.volunteer.trim());
        match people::redeem(
            &state,
            &user,
            volunteer,
            &form.item,
            &form.quantity,
            &form.request_key,
            lang,
        )
        .await
        {
            Ok(done) => Ok(Redirect::to(&format!(
                "/mall?community={}&redeemed={}&repeated={}",
                urlencode(form.community.trim()),
                urlencode(&done.key),
                if done.repeated { "1" } else { "0" }
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                let community = form.community.clone();
                mall_page(
                    &state,
                    &jar,
                    &user,
                    &community,
                    form,
                    problems(fields),
                    None,
                )
                .await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /mall/items
pub async fn create_item(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<MallForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let community = form.community.trim().to_string();
        match people::create_item(
            &state,
            &user,
            &community,
            &form.item_name,
            &form.item_cost,
            &form.item_stock,
            lang,
        )
        .await
        {
            Ok(_) => Ok(Redirect::to(&format!(
                "/mall?community={}&done=item",
                urlencode(&community)
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                mall_page(
                    &state,
                    &jar,
                    &user,
                    &community,
                    form,
                    problems(fields),
                    None,
                )
                .await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /mall/items/{id}/restock
pub async fn restock(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<MallForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        match people::restock(&state, &user, &id, &form.quantity, lang).await {
            Ok(item) => Ok(Redirect::to(&format!(
                "/mall?community={}&done=restocked",
                item.community_code
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                let community = form.community.clone();
                mall_page(
                    &state,
                    &jar,
                    &user,
                    &community,
                    form,
                    problems(fields),
                    None,
                )
                .await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /mall/items/{id}/active
pub async fn set_active(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<MallForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let active = form.active == "1";
        people::set_item_active(&state, &user, &id, active, lang).await?;
        Ok(Redirect::to(&format!(
            "/mall?community={}&done={}",
            urlencode(form.community.trim()),
            if active { "unshelved" } else { "shelved" }
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}

#[derive(Deserialize, Default)]
pub struct MetricsQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "people_metrics.html")]
struct MetricsPage {
    page: Page,
    community: String,
    community_name: String,
    choices: Vec<(String, String)>,
    from: String,
    to: String,
    errors: Vec<Problem>,
    rows: Vec<(String, String, String)>,
}

impl MetricsPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

/// GET /people/metrics: visits and volunteering as metric values for a period (both dates
/// included).
pub async fn metrics(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<MetricsQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let (community, choices) = community_of(&state, &user, &q.community, lang).await?;
        let today = people::day_text(now_ms());
        let from = if q.from.trim().is_empty() {
            format!("{}-01-01", &today[..4])
        } else {
            q.from.trim().to_string()
        };
        let to = if q.to.trim().is_empty() {
            today
        } else {
            q.to.trim().to_string()
        };
        let mut errors = Vec::new();
        let hint = lang.pick(
            "请按 年-月-日 填写,例如 2024-01-01",
            "write year-month-day, e.g. 2024-01-01",
        );
        let from_ms = people::parse_day(&from);
        let to_ms = people::parse_day(&to).map(|d| d + 86_400_000);
        if from_ms.is_none() {
            errors.push((
                "from".to_string(),
                format!("{}:{hint}", lang.pick("开始日期", "From")),
            ));
        }
        if to_ms.is_none() {
            errors.push((
                "to".to_string(),
                format!("{}:{hint}", lang.pick("结束日期", "To")),
            ));
        }
        if let (Some(f), Some(t)) = (from_ms, to_ms)
            && t <= f
        {
            errors.push((
                "to".to_string(),
                lang.pick(
                    "结束日期不能早于开始日期",
                    "the end date cannot be before the start date",
                )
                .to_string(),
            ));
        }
        let mut rows = Vec::new();
        let mut community_name = String::new();
        if let Some(code) = &community {
            if !people::may_oversee(&user, code) {
                return Err(AppError::Forbidden(
                    lang.pick("只有工作人员可以查看运行指标", "only staff see the figures")
                        .into(),
                ));
            }
            community_name = region_name(&state, code).await;
            if let (Some(f), Some(t), true) = (from_ms, to_ms, errors.is_empty()) {
                rows = people::people_metrics(&state, code, f, t)
                    .await?
                    .into_iter()
                    .map(|(key, value)| {
                        (
                            people::metric_label(key, lang).to_string(),
                            key.to_string(),
                            value.to_string(),
                        )
                    })
                    .collect();
            }
        }
        let status_errors = errors.clone();
        with_status(
            render(MetricsPage {
                page: Page::new(
                    &jar,
                    Some(user.clone()),
                    "/people/metrics",
                    lang.pick("走访与志愿服务指标", "Visit and volunteering figures"),
                ),
                community: community.unwrap_or_default(),
                community_name,
                choices,
                from,
                to,
                errors,
                rows,
            }),
            &status_errors,
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}
