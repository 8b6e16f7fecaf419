//! Appointing grid members and building heads, and withdrawing them.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::ops::OpsRole;

use super::community::{communities_within, region_name};
use super::form::{CommunityQuery, field_errors, saved_or_again, with_problems};
use super::labels::{kind_label, visit_notice};
use crate::app::auth::{CurrentUser, urlencode};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::people::service as people;
use crate::web::forms::{CsrfForm, Problem};
use crate::web::page::{Page, PageResult, render};

pub struct AssignmentLine {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub scope: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    scope: String,
}

#[derive(Template)]
#[template(path = "assignments.html")]
struct AssignmentsPage {
    page: Page,
    community: String,
    community_name: String,
    /// Communities of the caller's area to choose from (administrators).
    choices: Vec<(String, String)>,
    rows: Vec<AssignmentLine>,
    form: AssignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

field_errors!(AssignmentsPage);

async fn assignments_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    community: &str,
    form: AssignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let who = people::identity(state, user, lang).await?;
    if !who.appoints() {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有社区工作者、街道和区级管理员可以任命网格员和楼栋长",
                "only community workers and street or district administrators appoint grid members and building heads",
            )
            .into(),
        ));
    }
    let community = if who.role == OpsRole::CommunityWorker {
        who.region.clone()
    } else {
        community.trim().to_string()
    };
    let choices = if who.role == OpsRole::CommunityWorker {
        Vec::new()
    } else {
        communities_within(state, &who.region).await?
    };
    let rows = if community.is_empty() {
        Vec::new()
    } else {
        people::assignments(state, &who, &community, lang)
            .await?
            .into_iter()
            .map(|a| AssignmentLine {
                kind_label: kind_label(lang, &a.kind),
                user_id: a.user_id,
                username: a.username,
                name: a.display_name,
                kind: a.kind,
                scope: a.scope,
            })
            .collect()
    };
    let community_name = if community.is_empty() {
        String::new()
    } else {
        region_name(state, &community).await
    };
    with_problems(
        render(AssignmentsPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                "/visits/assignments",
                lang.pick("网格员与楼栋长", "Grid members and building heads"),
            ),
            community,
            community_name,
            choices,
            rows,
            form,
            errors: errors.clone(),
            notice,
            csrf: user.csrf.clone(),
        }),
        &errors,
    )
}

/// GET /visits/assignments
pub async fn assignments(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<CommunityQuery>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let form = AssignForm {
        kind: "grid_member".into(),
        ..AssignForm::default()
    };
    let notice = visit_notice(lang, &q.done);
    assignments_page(&state, &jar, &user, &q.community, form, Vec::new(), notice).await
}

/// POST /visits/assignments
pub async fn assign(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { user, form }: CsrfForm<AssignForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    let community = form.community.clone();
    saved_or_again(
        people::assign(&state, &who, &form.username, &form.kind, &form.scope, lang).await,
        |row| {
            format!(
                "/visits/assignments?community={}&done=assigned",
                row.community_code
            )
        },
        async |errors| assignments_page(&state, &jar, &user, &community, form, errors, None).await,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct UnassignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    scope: String,
}

/// POST /visits/assignments/remove
pub async fn unassign(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { user, form }: CsrfForm<UnassignForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    people::unassign(
        &state,
        &who,
        &form.user_id,
        &form.kind,
        &form.community,
        &form.scope,
        lang,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/visits/assignments?community={}&done=unassigned",
        urlencode(&form.community)
    ))
    .into_response())
}

crate::csrf_forms!(AssignForm, UnassignForm);
