//! The round's workflow steps as plain form POSTs: declaring a community, the action buttons of
//! the community page (资格审查, 计算得分, 审批通过, 公示, 命名) and opening rectification tasks.
//!
//! The round page and the community page are rendered by their own modules; the extra forms they
//! show (the declaration form, the buttons this user may press now) need database reads that a
//! template cannot make. The routes for those two pages therefore go through [`round_page`] and
//! [`community_page`], which work out the forms first and hand them to the template through a
//! task-local value for the length of that one request; the templates read it with [`extras`].

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use xingfu_core::workflow::{Role, Stage, may_declare, may_score};

use super::{community, rounds};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::decisions;
use crate::rounds::rectifications::{admin_of, unmet_clauses};
use crate::rounds::service::{self, Step};
use crate::web::page::PageResult;
use crate::web::posted::Posted;
use crate::web::visit::Visit;

tokio::task_local! {
    static EXTRAS: Extras;
}

/// The forms the round page and the community page show on top of what their own modules render.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub declare: Option<DeclareForm>,
    pub community: Option<CommunityActions>,
    /// The confirmation of the form just sent (`?done=`), if any.
    pub done: Option<&'static str>,
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
    /// The entry's version the buttons were drawn at (a stale press is refused).
    pub version: i64,
    /// This user may send the result back for scoring (退回) with 审批意见.
    pub send_back: bool,
}

/// What the current request's template may show besides its own fields (empty outside the
/// round and community pages).
pub fn extras() -> Extras {
    EXTRAS.try_with(Clone::clone).unwrap_or_default()
}

/// The round page, with the declaration form.
pub async fn round_page(
    visit: Visit,
    Path(round_id): Path<String>,
    query: Query<rounds::PageQuery>,
) -> PageResult {
    // A search is a few characters of a name; a longer one is cut rather than refused.
    let find: String = query
        .find
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(40)
        .collect();
    let declare = match declare_form(&visit.state, &visit.user, &round_id, &find).await {
        Ok(form) => form,
        Err(e) => {
            tracing::warn!("declaration form for round {round_id}: {e}");
            None
        }
    };
    let extras = Extras {
        declare,
        community: None,
        done: query
            .done
            .as_deref()
            .and_then(|key| super::words::done_message(visit.lang, key)),
    };
    EXTRAS
        .scope(extras, rounds::show(visit, Path(round_id), query))
        .await
}

/// The community page, with the action buttons this user may press.
pub async fn community_page(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let done = query
        .done
        .as_deref()
        .and_then(|key| super::words::done_message(visit.lang, key));
    let extras = community_extras(&visit, &round_id, &code, done).await;
    EXTRAS
        .scope(extras, community::show(visit, round_id, code, None))
        .await
}

/// `?done=` after a form's redirect: which confirmation to show.
#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// The community page with an objection sent back for correction (the typed text kept).
pub async fn community_page_with(
    visit: Visit,
    round_id: String,
    code: String,
    draft: Option<community::Draft>,
) -> PageResult {
    let extras = community_extras(&visit, &round_id, &code, None).await;
    EXTRAS
        .scope(extras, community::show(visit, round_id, code, draft))
        .await
}

async fn community_extras(
    visit: &Visit,
    round_id: &str,
    code: &str,
    done: Option<&'static str>,
) -> Extras {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let community = match community_actions(state, user, lang, round_id, code).await {
        Ok(actions) => actions,
        Err(e) => {
            tracing::debug!("actions for {round_id}/{code}: {e}");
            None
        }
    };
    Extras {
        declare: None,
        community,
        done,
    }
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
    let stage = entry.stage;
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
    let send_back = matches!(stage, Stage::Computed | Stage::Approved)
        && service::may_decide(user, &standard, &entry).is_ok();
    Ok(Some(CommunityActions {
        csrf: user.csrf.clone(),
        round_id: round_id.to_string(),
        code: code.to_string(),
        buttons,
        waiting,
        sheet,
        unmet,
        tasks,
        version: entry.version,
        send_back,
    }))
}

#[derive(serde::Deserialize)]
pub struct DeclareInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
}

#[derive(serde::Deserialize)]
pub struct StepInput {
    #[serde(default)]
    csrf: String,
    /// Where to go afterwards: the community page unless a queue page asks to come back.
    #[serde(default)]
    back: String,
    /// The entry's version the page was read at (absent from older forms: not checked).
    #[serde(default)]
    version: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct SendBackInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: Option<String>,
}

crate::csrf_forms!(DeclareInput, StepInput, SendBackInput);

/// A posted version field: absent is not checked; present must be a version.
fn read_at(lang: Lang, field: Option<&str>) -> Result<Option<i64>, AppError> {
    field
        .map(|v| crate::web::page::form_version(lang, Some(v)))
        .transpose()
}

/// POST /rounds/{round}/declare
pub async fn declare(
    Path(round_id): Path<String>,
    Posted {
        v: visit,
        form: input,
    }: Posted<DeclareInput>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let community = input.community.trim();
    if community.is_empty() {
        return Err(AppError::BadRequest(
            lang.pick("请选择要申报的社区。", "Choose the community to declare.")
                .into(),
        ));
    }
    service::declare(state, user, &round_id, community, lang).await?;
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/communities/{community}?done=declared"
    ))
    .into_response())
}

async fn step(
    (round_id, code): (String, String),
    Posted {
        v: visit,
        form: input,
    }: Posted<StepInput>,
    step: Step,
) -> PageResult {
    let at = (round_id.as_str(), code.as_str());
    let version = read_at(visit.lang, input.version.as_deref())?;
    decisions::take_step_at(&visit.state, &visit.user, at, step, version, visit.lang).await?;
    let done = step.key();
    let to = match input.back.as_str() {
        "approvals" => format!("/rounds/{round_id}/approvals?done={done}"),
        "publication" => format!("/rounds/{round_id}/publication?done={done}"),
        _ => format!("/rounds/{round_id}/communities/{code}?done={done}"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// POST /rounds/{round}/communities/{code}/send-back: 退回 with 审批意见.
pub async fn send_back(
    Path((round_id, code)): Path<(String, String)>,
    Posted {
        v: visit,
        form: input,
    }: Posted<SendBackInput>,
) -> PageResult {
    let lang = visit.lang;
    let version = read_at(lang, input.version.as_deref())?;
    let at = (round_id.as_str(), code.as_str());
    match decisions::send_back(&visit.state, &visit.user, at, version, &input.note, lang).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/communities/{code}?done=send_back"
        ))
        .into_response()),
        // A note that is empty or too long: the page again, with the note as typed.
        Err(AppError::BadRequest(error)) => {
            let draft = community::Draft {
                form: community::DraftForm::SendBack,
                text: input.note,
                error,
            };
            community_page_with(visit, round_id, code, Some(draft)).await
        }
        Err(e) => Err(e),
    }
}

macro_rules! step_handler {
    ($name:ident, $step:expr) => {
        pub async fn $name(
            Path(which): Path<(String, String)>,
            posted: Posted<StepInput>,
        ) -> PageResult {
            step(which, posted, $step).await
        }
    };
}

step_handler!(check, Step::Check);
step_handler!(compute, Step::Compute);
step_handler!(approve, Step::Approve);
step_handler!(publish, Step::Publish);
step_handler!(name, Step::Name);
