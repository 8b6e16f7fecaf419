//! The volunteering page of a community: its stations, teams, volunteers and activities, and the
//! forms that add them.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use xingfu_store::volunteers::VolunteerRow;

use super::community::{region_name, volunteering_community};
use super::form::{CommunityQuery, field_errors, saved_or_again, unless_read, with_problems};
use super::labels::{VOLUNTEER_NOTICES, type_label};
use crate::app::auth::urlencode;
use crate::people::service::{self as people, ActivityInput, Refused, VolunteerInput};
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

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

field_errors!(OverviewPage);

async fn overview_page(
    v: &Visit,
    asked: &str,
    form: VolunteerForms,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let (community, choices) = volunteering_community(v, asked).await?;
    let mut page = OverviewPage {
        page: v.page_titled("/volunteers", lang.text("志愿服务", "Volunteering")),
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
    with_problems(render(page), &errors)
}

/// GET /volunteers
pub async fn overview(v: Visit, Query(q): Query<CommunityQuery>) -> PageResult {
    let notice = VOLUNTEER_NOTICES.after(v.lang, &q.done);
    let form = VolunteerForms {
        activity_type: "general".into(),
        ..VolunteerForms::default()
    };
    overview_page(&v, &q.community, form, Vec::new(), notice).await
}

/// Which form of the volunteering page was sent.
#[derive(Clone, Copy)]
enum Which {
    Station,
    Team,
    Volunteer,
    Activity,
}

async fn post_overview(Posted { v, form }: Posted<VolunteerForms>, which: Which) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let community = form.community.trim().to_string();
    let outcome: Result<&str, Refused> = match which {
        Which::Station => people::create_station(state, user, &community, &form.station_name, lang)
            .await
            .map(|_| "station"),
        Which::Team => people::create_team(
            state,
            user,
            &community,
            &form.team_name,
            &form.team_station,
            lang,
        )
        .await
        .map(|_| "team"),
        Which::Volunteer => people::create_volunteer(
            state,
            user,
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
                "请按 年-月-日 时:分 填写，例如 2024-05-01 09:00",
                "write year-month-day hour:minute, e.g. 2024-05-01 09:00",
            );
            let start = lang.pick("开始时间", "Start");
            unless_read(lang, &mut errors, "starts_at", starts, start, hint);
            unless_read(
                lang,
                &mut errors,
                "ends_at",
                ends,
                lang.pick("结束时间", "End"),
                hint,
            );
            match (starts, ends) {
                (Some(starts_at), Some(ends_at)) => people::create_activity(
                    state,
                    user,
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
                    return overview_page(&v, &community, form.clone(), errors, None).await;
                }
            }
        }
    };
    saved_or_again(
        outcome,
        |done| {
            format!(
                "/volunteers?community={}&done={done}",
                urlencode(&community)
            )
        },
        async |errors| overview_page(&v, &community, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/stations
pub async fn create_station(posted: Posted<VolunteerForms>) -> PageResult {
    post_overview(posted, Which::Station).await
}

/// POST /volunteers/teams
pub async fn create_team(posted: Posted<VolunteerForms>) -> PageResult {
    post_overview(posted, Which::Team).await
}

/// POST /volunteers/people
pub async fn create_volunteer(posted: Posted<VolunteerForms>) -> PageResult {
    post_overview(posted, Which::Volunteer).await
}

/// POST /volunteers/activities
pub async fn create_activity(posted: Posted<VolunteerForms>) -> PageResult {
    post_overview(posted, Which::Activity).await
}

crate::csrf_forms!(VolunteerForms);
