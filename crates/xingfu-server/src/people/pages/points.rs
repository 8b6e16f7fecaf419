//! A volunteer's points and service record (the ledger), with staff corrections and cancelled
//! exchanges; and a resident's way to their own.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use xingfu_store::volunteers::VolunteerRow;

use super::form::{NoticeQuery, field_errors, go, saved_or_again, with_problems};
use super::labels::VOLUNTEER_NOTICES;
use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::people::service::{self as people, Chosen};
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

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
            format!(
                "{}{}{title}",
                lang.pick("志愿服务", "Volunteering"),
                lang.colon()
            )
        }
        "redeem" => format!(
            "{}{}{item} × {quantity}",
            lang.pick("兑换", "Exchanged"),
            lang.colon()
        ),
        "refund" => format!(
            "{}{}{item} × {quantity}",
            lang.pick("退回兑换", "Exchange cancelled"),
            lang.colon()
        ),
        _ => format!(
            "{}{}{}",
            lang.pick("积分调整", "Adjustment"),
            lang.colon(),
            row.reason.clone().unwrap_or_default()
        ),
    }
}

async fn volunteer_page(
    v: &Visit,
    id: &str,
    form: AdjustForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
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
    let team = Chosen::Team(volunteer.team_id.as_deref());
    let team = people::chosen_name(state, &volunteer.community_code, team)
        .await?
        .unwrap_or_default();
    let mut form = form;
    if form.request_key.is_empty() || errors.is_empty() {
        form.request_key = people::new_request_key();
    }
    let title = format!("{}{}", lang.pick("志愿者：", "Volunteer: "), volunteer.name);
    with_problems(
        render(VolunteerPage {
            page: v.page_titled(&format!("/volunteers/people/{id}"), title),
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
    v: Visit,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = VOLUNTEER_NOTICES.after(v.lang, &q.done);
    volunteer_page(&v, &id, AdjustForm::default(), Vec::new(), notice).await
}

/// GET /volunteers/me: the signed-in resident's own points.
pub async fn me(v: Visit) -> PageResult {
    match people::own_volunteer(&v.state, &v.user).await? {
        Some(own) => go(format!("/volunteers/people/{}", own.id)),
        None => {
            let message = v.lang.pick(
                "您的账号还没有登记为志愿者，请到社区志愿者驿站登记。",
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
pub async fn adjust(Path(id): Path<String>, Posted { v, form }: Posted<AdjustForm>) -> PageResult {
    let outcome = people::adjust(
        &v.state,
        &v.user,
        &id,
        &form.delta,
        &form.reason,
        &form.request_key,
        v.lang,
    )
    .await;
    saved_or_again(
        outcome,
        |()| format!("/volunteers/people/{id}?done=adjusted"),
        async |errors| volunteer_page(&v, &id, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/people/{id}/refund
pub async fn refund(Path(id): Path<String>, Posted { v, form }: Posted<AdjustForm>) -> PageResult {
    people::refund(&v.state, &v.user, &id, &form.key, v.lang).await?;
    go(format!("/volunteers/people/{id}?done=refunded"))
}

crate::csrf_forms!(AdjustForm);
