//! A volunteer's points and service record (the ledger), with staff corrections and cancelled
//! exchanges; and a resident's way to their own.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_store::volunteers::VolunteerRow;

use super::form::{CommunityQuery, field_errors, saved_or_again, with_problems};
use super::labels::volunteer_notice;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::people::service as people;
use crate::web::forms::{CsrfForm, Problem};
use crate::web::page::{Page, PageResult, render};

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

field_errors!(VolunteerPage);

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
) -> PageResult {
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
    with_problems(
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
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let notice = volunteer_notice(lang, &q.done);
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
}

/// GET /volunteers/me: the signed-in resident's own points.
pub async fn me(State(state): State<AppState>, jar: CookieJar, user: CurrentUser) -> PageResult {
    let lang = Lang::from_jar(&jar);
    match people::own_volunteer(&state, &user).await? {
        Some(v) => Ok(Redirect::to(&format!("/volunteers/people/{}", v.id)).into_response()),
        None => {
            let message = lang.pick(
                "您的账号还没有登记为志愿者,请到社区志愿者驿站登记。",
                "Your account is not registered as a volunteer: register at the community's station.",
            );
            // The problem's page, but as "not found": there is no volunteer of theirs.
            let mut response = AppError::BadRequest(message.into()).into_response();
            *response.status_mut() = StatusCode::NOT_FOUND;
            Ok(response)
        }
    }
}

/// POST /volunteers/people/{id}/adjust
pub async fn adjust(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<AdjustForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let outcome = people::adjust(
        &state,
        &user,
        &id,
        &form.delta,
        &form.reason,
        &form.request_key,
        lang,
    )
    .await;
    saved_or_again(
        outcome,
        |()| format!("/volunteers/people/{id}?done=adjusted"),
        async |errors| volunteer_page(&state, &jar, &user, &id, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/people/{id}/refund
pub async fn refund(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<AdjustForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    people::refund(&state, &user, &id, &form.key, lang).await?;
    Ok(Redirect::to(&format!("/volunteers/people/{id}?done=refunded")).into_response())
}

crate::csrf_forms!(AdjustForm);
