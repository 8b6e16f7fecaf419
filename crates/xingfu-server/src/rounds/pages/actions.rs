//! The round's workflow steps as plain form POSTs: declaring a community, the action buttons of
//! the community page (资格审查, 计算得分, 审批通过, 公示, 命名) and opening rectification tasks.
//!
//! The round page and the community page are rendered by their own modules; the extra forms they
//! show (the declaration form, the buttons this user may press now) need database reads that a
//! template cannot make. The routes for those two pages therefore go through [`round_page`] and
//! [`community_page`], which work out the forms first and hand them to the template through a
//! task-local value for the length of that one request; the templates read it with [`extras`].

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use xingfu_core::workflow::{Role, Stage, may_declare, may_score};

use super::{community, queues, rounds};
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::error_page;

tokio::task_local! {
    static EXTRAS: Extras;
}

/// The forms the round page and the community page show on top of what their own modules render.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub declare: Option<DeclareForm>,
    pub community: Option<CommunityActions>,
}

/// Communities the user may declare into the round, grouped by street.
#[derive(Debug, Clone)]
pub struct DeclareForm {
    pub csrf: String,
    pub round_id: String,
    /// (street name, [(community code, community name)]): at most [`DECLARE_CHOICES`].
    pub groups: Vec<(String, Vec<(String, String)>)>,
    /// What the user searched for ('' when nothing).
    pub find: String,
    /// More communities match than are listed.
    pub more: bool,
}

impl DeclareForm {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|(_, options)| options.is_empty())
    }

    /// The search box shows once the list is cut or a search was made.
    pub fn searchable(&self) -> bool {
        self.more || !self.find.is_empty()
    }
}

/// One action button: the path segment it posts to, and its label.
#[derive(Debug, Clone)]
pub struct Button {
    pub action: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone)]
pub struct CommunityActions {
    pub csrf: String,
    pub round_id: String,
    pub code: String,
    /// The buttons this user may press at this stage.
    pub buttons: Vec<Button>,
    /// Why naming must wait, when the objection period is still running.
    pub waiting: Option<String>,
    /// The sheet this user may fill in now: (link text).
    pub sheet: Option<&'static str>,
    /// Unmet clauses a rectification form would open tasks for (None: no form for this user).
    pub unmet: Option<usize>,
    /// Rectification tasks already open for the community.
    pub tasks: usize,
}

/// What the current request's template may show besides its own fields (empty outside the
/// round and community pages).
pub fn extras() -> Extras {
    EXTRAS.try_with(Clone::clone).unwrap_or_default()
}

/// An administrator whose area covers the community (the service's rule for check, compute,
/// publish and name).
pub fn admin_of(user: &CurrentUser, community: &str) -> bool {
    user.role.level().is_some() && user.actor().covers(community)
}

/// The round page, with the declaration form.
pub async fn round_page(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
    query: Query<rounds::PageQuery>,
) -> Response {
    // A search is a few characters of a name; a longer one is cut rather than refused.
    let find: String = query
        .find
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(40)
        .collect();
    let declare = match declare_form(&state, &user, &round_id, &find).await {
        Ok(form) => form,
        Err(e) => {
            tracing::warn!("declaration form for round {round_id}: {e}");
            None
        }
    };
    let extras = Extras {
        declare,
        community: None,
    };
    EXTRAS
        .scope(
            extras,
            rounds::show(State(state), jar, user, Path(round_id), query),
        )
        .await
}

/// The community page, with the action buttons this user may press.
pub async fn community_page(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
) -> Response {
    community_page_with(state, jar, user, round_id, code, None).await
}

/// The community page with an objection sent back for correction (the typed text kept).
pub async fn community_page_with(
    state: AppState,
    jar: CookieJar,
    user: CurrentUser,
    round_id: String,
    code: String,
    draft: Option<community::ObjectionDraft>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let community = match community_actions(&state, &user, lang, &round_id, &code).await {
        Ok(actions) => actions,
        Err(e) => {
            tracing::debug!("actions for {round_id}/{code}: {e}");
            None
        }
    };
    let extras = Extras {
        declare: None,
        community,
    };
    EXTRAS
        .scope(
            extras,
            community::show(state, jar, user, round_id, code, draft),
        )
        .await
}

/// How many undeclared communities the declaration form lists at once; past that it asks for a
/// name to search by (a city has thousands).
const DECLARE_CHOICES: i64 = 30;

async fn declare_form(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    find: &str,
) -> Result<Option<DeclareForm>, AppError> {
    if !matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    ) {
        return Ok(None);
    }
    let Some(round) = state.store.round(round_id).await? else {
        return Ok(None);
    };
    let Some(round_region) = state.store.region(&round.region_code).await? else {
        return Ok(None);
    };
    let Some(own_region) = state.store.region(&user.user.region_code).await? else {
        return Ok(None);
    };
    // The narrower of the user's area and the round's area, when one holds the other.
    let area =
        if xingfu_core::region::within(&own_region.code, &round_region.code, &round_region.level) {
            own_region
        } else if xingfu_core::region::within(
            &round_region.code,
            &own_region.code,
            &own_region.level,
        ) {
            round_region
        } else {
            return Ok(None);
        };
    let prefix = xingfu_core::region::subtree_prefix(&area.code, &area.level);
    // One more than is shown, to know whether the list was cut; nothing to look for once every
    // community of the area has declared.
    let mut found = if state.store.undeclared_count(round_id, prefix).await? == 0 {
        Vec::new()
    } else {
        state
            .store
            .undeclared_communities(round_id, prefix, find, DECLARE_CHOICES + 1)
            .await?
    };
    let more = found.len() as i64 > DECLARE_CHOICES;
    found.truncate(DECLARE_CHOICES as usize);
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for community in found {
        if may_declare(&user.actor(), &community.code).is_err() {
            continue;
        }
        let street = community.street_name.unwrap_or_default();
        match groups.last_mut() {
            Some((name, options)) if *name == street => {
                options.push((community.code, community.name));
            }
            _ => groups.push((street, vec![(community.code, community.name)])),
        }
    }
    Ok(Some(DeclareForm {
        csrf: user.csrf.clone(),
        round_id: round_id.to_string(),
        groups,
        find: find.trim().to_string(),
        more,
    }))
}

async fn community_actions(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    code: &str,
) -> Result<Option<CommunityActions>, AppError> {
    if !user.actor().covers(code) {
        return Ok(None);
    }
    let t = lang.t();
    let (_, standard, entry) = service::load(state, round_id, code).await?;
    let Some(stage) = Stage::parse(&entry.stage) else {
        return Ok(None);
    };
    let admin = admin_of(user, code);
    let mut buttons = Vec::new();
    let mut waiting = None;
    match stage {
        Stage::Declared if admin => buttons.push(Button {
            action: "check",
            label: t.wf_check,
        }),
        Stage::Scoring if admin => buttons.push(Button {
            action: "compute",
            label: t.wf_compute,
        }),
        // Computing again picks up a late or corrected sheet.
        Stage::Computed if admin => buttons.push(Button {
            action: "compute",
            label: t.wf_recompute,
        }),
        _ => {}
    }
    if stage == Stage::Computed && service::may_decide(user, &standard, &entry).is_ok() {
        buttons.push(Button {
            action: "approve",
            label: t.wf_approve,
        });
    }
    // The level that approved the rating publishes it.
    if stage == Stage::Approved && service::may_decide(user, &standard, &entry).is_ok() {
        buttons.push(Button {
            action: "publish",
            label: t.wf_publish,
        });
    }
    // Naming is for the level that approves the star (4–5★: the city).
    let may_name = service::may_decide(user, &standard, &entry).is_ok();
    if stage == Stage::Published && may_name {
        match entry.objection_until {
            Some(until) if now_ms() >= until => buttons.push(Button {
                action: "name",
                label: t.wf_name,
            }),
            Some(until) => waiting = Some(crate::web::page::when(until)),
            None => {}
        }
    }
    let sheet = match (user.role, stage) {
        (Role::Assessor, Stage::Scoring) if may_score(&user.actor(), code).is_ok() => {
            Some(t.wf_fill_score)
        }
        (Role::Assessor, _) => None,
        (_, Stage::Declared) if may_declare(&user.actor(), code).is_ok() => Some(t.wf_fill_self),
        _ => None,
    };
    let rated = matches!(
        stage,
        Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
    );
    let unmet = if rated && admin {
        Some(unmet_clauses(state, &standard, round_id, code).await?.len())
    } else {
        None
    };
    let tasks = state
        .store
        .rectifications(round_id, Some(code))
        .await?
        .len();
    Ok(Some(CommunityActions {
        csrf: user.csrf.clone(),
        round_id: round_id.to_string(),
        code: code.to_string(),
        buttons,
        waiting,
        sheet,
        unmet,
        tasks,
    }))
}

/// The clauses the panel did not score in full (veto items aside), in the standard's order.
pub async fn unmet_clauses(
    state: &AppState,
    standard: &xingfu_core::Standard,
    round_id: &str,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let Some(card) = service::panel(state, standard, round_id, code).await? else {
        return Ok(Vec::new());
    };
    let mut unmet = Vec::new();
    for clause in standard.clauses().filter(|c| !c.veto) {
        let short = card.sheets.iter().any(|sheet| {
            sheet
                .categories
                .iter()
                .flat_map(|c| c.items.iter())
                .flat_map(|i| i.clauses.iter())
                .any(|s| s.id == clause.id && s.earned < s.max)
        });
        if short {
            unmet.push(clause.id.clone());
        }
    }
    Ok(unmet)
}

#[derive(serde::Deserialize)]
pub struct DeclareInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
}

/// POST /rounds/{round}/declare
pub async fn declare(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Form(input): Form<DeclareInput>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&input.csrf)?;
        let community = input.community.trim();
        if community.is_empty() {
            return Err(AppError::BadRequest(
                lang.pick("请选择要申报的社区。", "Choose the community to declare.")
                    .into(),
            ));
        }
        service::declare(&state, &user, &round_id, community, lang.is_en()).await?;
        Ok(community.to_string())
    }
    .await;
    match result {
        Ok(code) => Redirect::to(&format!("/rounds/{round_id}/communities/{code}")).into_response(),
        Err(e) => error_page(&jar, Some(user), e),
    }
}

#[derive(serde::Deserialize)]
pub struct StepInput {
    #[serde(default)]
    csrf: String,
    /// Where to go afterwards: the community page unless a queue page asks to come back.
    #[serde(default)]
    back: String,
}

#[derive(Clone, Copy)]
enum Step {
    Check,
    Compute,
    Approve,
    Publish,
    Name,
}

async fn step(
    state: AppState,
    jar: CookieJar,
    user: CurrentUser,
    round_id: String,
    code: String,
    input: StepInput,
    step: Step,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    let result = async {
        user.check_csrf(&input.csrf)?;
        match step {
            Step::Check => service::check(&state, &user, &round_id, &code, en).await,
            Step::Compute => service::compute(&state, &user, &round_id, &code, en).await,
            Step::Approve => service::approve(&state, &user, &round_id, &code, en).await,
            Step::Publish => service::publish(&state, &user, &round_id, &code, en).await,
            Step::Name => service::name(&state, &user, &round_id, &code, en).await,
        }
    }
    .await;
    match result {
        Ok(_) => {
            let to = match input.back.as_str() {
                "approvals" => format!("/rounds/{round_id}/approvals"),
                "publication" => format!("/rounds/{round_id}/publication"),
                _ => format!("/rounds/{round_id}/communities/{code}"),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}

macro_rules! step_handler {
    ($name:ident, $step:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            jar: CookieJar,
            user: CurrentUser,
            Path((round_id, code)): Path<(String, String)>,
            Form(input): Form<StepInput>,
        ) -> Response {
            step(state, jar, user, round_id, code, input, $step).await
        }
    };
}

step_handler!(check, Step::Check);
step_handler!(compute, Step::Compute);
step_handler!(approve, Step::Approve);
step_handler!(publish, Step::Publish);
step_handler!(name, Step::Name);

#[derive(serde::Deserialize)]
pub struct RectifyInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    deadline: String,
}

/// POST /rounds/{round}/communities/{code}/rectify: opens a task for every unmet clause.
pub async fn rectify(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Form(input): Form<RectifyInput>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = rectify_inner(&state, &user, lang, &round_id, &code, &input).await;
    match result {
        Ok(Ok(opened)) => Redirect::to(&format!(
            "/rounds/{round_id}/rectifications?opened={opened}"
        ))
        .into_response(),
        // A bad deadline: the form again, with what was typed and the reason.
        Ok(Err(message)) => {
            let form = queues::OpenForm {
                code: code.clone(),
                deadline: input.deadline.clone(),
                error: message,
            };
            match queues::rectifications_page(&state, &jar, &user, &round_id, Some(form), None)
                .await
            {
                Ok(mut response) => {
                    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    response
                }
                Err(e) => error_page(&jar, Some(user), e),
            }
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}

async fn rectify_inner(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    code: &str,
    input: &RectifyInput,
) -> Result<Result<usize, String>, AppError> {
    user.check_csrf(&input.csrf)?;
    let (_, standard, entry) =
        service::load_visible(state, user, round_id, code, lang.is_en()).await?;
    if !admin_of(user, code) {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有本辖区的管理员可以开立整改任务",
                "only an administrator of this area opens rectification tasks",
            )
            .into(),
        ));
    }
    let rated = matches!(
        Stage::parse(&entry.stage),
        Some(Stage::Computed | Stage::Approved | Stage::Published | Stage::Named)
    );
    if !rated {
        return Err(AppError::Conflict(
            lang.pick(
                "计算得分之后才能开立整改任务",
                "rectification tasks are opened once the score is computed",
            )
            .into(),
        ));
    }
    let deadline = match parse_date(&input.deadline) {
        Ok(ms) => ms,
        Err(why) => {
            return Ok(Err(if lang.is_en() {
                format!("Deadline: {}", why.1)
            } else {
                format!("整改期限:{}", why.0)
            }));
        }
    };
    let now = now_ms();
    if deadline < now {
        return Ok(Err(lang
            .pick(
                "整改期限:期限不能早于今天",
                "Deadline: the deadline cannot be in the past",
            )
            .into()));
    }
    let clauses = unmet_clauses(state, &standard, round_id, code).await?;
    Ok(Ok(state
        .store
        .open_rectifications(
            round_id,
            code,
            &clauses,
            &entry.community_name,
            deadline,
            now,
        )
        .await?))
}

/// A date `YYYY-MM-DD` as the last minute of that day in China Standard Time, in Unix
/// milliseconds; or why it is not a date (Chinese, English).
pub fn parse_date(text: &str) -> Result<i64, (String, String)> {
    xingfu_core::dates::parse_day(text)
        // 23:59 that day.
        .map(|day| day.unix_ms() + (23 * 60 + 59) * 60_000)
        .map_err(|error| (error.zh(), error.en()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_last_minute_of_that_day_in_china() {
        let ms = parse_date("2013-12-31").unwrap();
        assert_eq!(crate::web::page::when(ms), "2013-12-31 23:59");
        assert_eq!(
            crate::web::page::when(parse_date("2024-02-29").unwrap()),
            "2024-02-29 23:59"
        );
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2013-13-01").is_err());
        assert!(parse_date("明天").is_err());
        assert!(parse_date("").is_err());
        assert!(parse_date("2013-1-2-3").is_err());
    }
}
