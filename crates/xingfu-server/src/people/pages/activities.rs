//! An activity's page and its sign-in sheet (签到/签退), which turns counted time into points;
//! people served and cancelling.

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use xingfu_store::volunteers::ActivityRow;

use super::form::{TokenForm, field_errors, go, saved_or_again, with_problems};
use super::labels::{VOLUNTEER_NOTICES, type_label};
use crate::app::auth::urlencode;
use crate::app::clock::now_ms;
use crate::i18n::Lang;
use crate::people::service::{self as people, Chosen};
use crate::web::forms::{Problem, error_for};
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

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

field_errors!(ActivityPage);

async fn activity_page(
    v: &Visit,
    id: &str,
    form: SignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
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
    for chosen in [
        Chosen::Station(activity.station_id.as_deref()),
        Chosen::Team(activity.team_id.as_deref()),
    ] {
        place.extend(people::chosen_name(state, &activity.community_code, chosen).await?);
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
    with_problems(
        render(ActivityPage {
            page: v.page_titled(&format!("/volunteers/activities/{id}"), title),
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
    v: Visit,
    Path(id): Path<String>,
    Query(q): Query<ActivityQuery>,
) -> PageResult {
    let lang = v.lang;
    let notice = match (q.done.as_str(), q.minutes, q.points) {
        ("signed_out", Some(minutes), Some(points)) => Some(if lang.is_en() {
            format!(
                "{} signed out: {} hours counted, {points} points earned.",
                q.name,
                people::hours_text(minutes)
            )
        } else {
            format!(
                "{} 已签退：计服务时长 {} 小时，获得 {points} 积分。",
                q.name,
                people::hours_text(minutes)
            )
        }),
        (done, _, _) => VOLUNTEER_NOTICES.after(lang, done),
    };
    activity_page(&v, &id, SignForm::default(), Vec::new(), notice).await
}

fn time_problem(lang: Lang, field: &str) -> Problem {
    (
        field.to_string(),
        lang.pick(
            "请按 年-月-日 时:分 填写时间，例如 2024-05-01 09:30",
            "write the time as year-month-day hour:minute, e.g. 2024-05-01 09:30",
        )
        .to_string(),
    )
}

/// POST /volunteers/activities/{id}/sign-in
pub async fn sign_in(Path(id): Path<String>, Posted { v, form }: Posted<SignForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let Some(at) = people::parse_local(&form.signed_in_at) else {
        let errors = vec![time_problem(lang, "signed_in_at")];
        return activity_page(&v, &id, form, errors, None).await;
    };
    saved_or_again(
        people::sign_in(state, user, &id, &form.volunteer, at, lang).await,
        |()| format!("/volunteers/activities/{id}?done=signed_in"),
        async |errors| activity_page(&v, &id, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/activities/{id}/sign-out
pub async fn sign_out(Path(id): Path<String>, Posted { v, form }: Posted<SignForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let field = format!("signed_out_at_{}", form.volunteer);
    let Some(at) = people::parse_local(&form.signed_out_at) else {
        let errors = vec![time_problem(lang, &field)];
        return activity_page(&v, &id, form, errors, None).await;
    };
    saved_or_again(
        people::sign_out(state, user, &id, &form.volunteer, at, lang).await,
        |outcome| {
            format!(
                "/volunteers/activities/{id}?done=signed_out&name={}&minutes={}&points={}",
                urlencode(&outcome.volunteer_name),
                outcome.minutes,
                outcome.points
            )
        },
        async |errors| activity_page(&v, &id, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/activities/{id}/served
pub async fn people_served(
    Path(id): Path<String>,
    Posted { v, form }: Posted<SignForm>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let outcome = people::set_people_served(
        state,
        user,
        &id,
        &form.people_served,
        &form.served_read,
        lang,
    )
    .await;
    saved_or_again(
        outcome,
        |()| format!("/volunteers/activities/{id}?done=served"),
        async |errors| activity_page(&v, &id, form, errors, None).await,
    )
    .await
}

/// POST /volunteers/activities/{id}/cancel
pub async fn cancel(Path(id): Path<String>, Posted { v, .. }: Posted<TokenForm>) -> PageResult {
    people::cancel_activity(&v.state, &v.user, &id, v.lang).await?;
    go(format!("/volunteers/activities/{id}?done=cancelled"))
}

crate::csrf_forms!(SignForm);
