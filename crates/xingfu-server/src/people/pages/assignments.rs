//! Appointing grid members and building heads, and withdrawing them.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use xingfu_core::ops::OpsRole;

use super::community::{communities_within, identity, region_name};
use super::form::{CommunityQuery, field_errors, go, saved_or_again, with_problems};
use super::labels::{VISIT_NOTICES, kind_label};
use crate::app::auth::urlencode;
use crate::people::service as people;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

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
    v: &Visit,
    community: &str,
    form: AssignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, lang) = (&v.state, v.lang);
    let who = identity(v).await?;
    people::require_appoints(&who, lang)?;
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
            page: v.page_titled(
                "/visits/assignments",
                lang.text("网格员与楼栋长", "Grid members and building heads"),
            ),
            community,
            community_name,
            choices,
            rows,
            form,
            errors: errors.clone(),
            notice,
            csrf: v.user.csrf.clone(),
        }),
        &errors,
    )
}

/// GET /visits/assignments
pub async fn assignments(v: Visit, Query(q): Query<CommunityQuery>) -> PageResult {
    let form = AssignForm {
        kind: "grid_member".into(),
        ..AssignForm::default()
    };
    let notice = VISIT_NOTICES.after(v.lang, &q.done);
    assignments_page(&v, &q.community, form, Vec::new(), notice).await
}

/// POST /visits/assignments
pub async fn assign(Posted { v, form }: Posted<AssignForm>) -> PageResult {
    let (state, lang) = (&v.state, v.lang);
    let who = identity(&v).await?;
    let community = form.community.clone();
    saved_or_again(
        people::assign(state, &who, &form.username, &form.kind, &form.scope, lang).await,
        |row| {
            format!(
                "/visits/assignments?community={}&done=assigned",
                row.community_code
            )
        },
        async |errors| assignments_page(&v, &community, form, errors, None).await,
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
pub async fn unassign(Posted { v, form }: Posted<UnassignForm>) -> PageResult {
    let who = identity(&v).await?;
    people::unassign(
        &v.state,
        &who,
        &form.user_id,
        &form.kind,
        &form.community,
        &form.scope,
        v.lang,
    )
    .await?;
    go(format!(
        "/visits/assignments?community={}&done=unassigned",
        urlencode(&form.community)
    ))
}

crate::csrf_forms!(AssignForm, UnassignForm);
