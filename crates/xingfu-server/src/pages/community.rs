//! One community in a round: its score card, gap to the next star, history and change log.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::{Page, decision_label, error_page, points, render, stage_label, star_text, stars};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::service;
use crate::state::AppState;

pub struct Gap {
    pub summary: String,
    pub fixes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityPage {
    page: Page,
    round_id: String,
    round_heading: String,
    name: String,
    street: String,
    stage: String,
    total: String,
    stars: String,
    star_text: String,
    previous: String,
    veto: String,
    assessors: usize,
    categories: Vec<(String, String, String)>,
    gap: Option<Gap>,
    disagreements: Vec<String>,
    history: Vec<(i64, String, String, String, String)>,
    audit: Vec<(String, String, String, String, String)>,
}

pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
) -> Response {
    match show_inner(&state, &jar, &user, &round_id, &code).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` in China Standard Time (UTC+8).
pub fn when(ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

async fn show_inner(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    round_id: &str,
    code: &str,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    if !user.actor().covers(code) {
        return Err(AppError::Forbidden(lang.t().forbidden.into()));
    }
    let (round, standard, entry) = service::load(state, round_id, code).await?;
    let card = service::panel(state, &standard, round_id, code).await?;
    let veto = match entry.refusal.as_deref() {
        Some(reason) if !reason.is_empty() => reason.to_string(),
        _ => match &card {
            Some(card) if !card.vetoed_by.is_empty() => card
                .vetoed_by
                .iter()
                .map(|v| format!("{} {}", v.clause, v.text))
                .collect::<Vec<_>>()
                .join(";"),
            _ => lang.t().none.to_string(),
        },
    };
    let mut categories = Vec::new();
    let mut gap = None;
    let mut disagreements = Vec::new();
    let mut assessors = 0;
    if let Some(card) = &card {
        assessors = card.sheets.len();
        // Category points averaged over the sheets.
        let sheets = card.sheets.len() as i64;
        for (index, category) in standard.categories.iter().enumerate() {
            let sum: xingfu_core::Dec2 =
                card.sheets.iter().map(|s| s.categories[index].earned).sum();
            let mean = sum.scale(1, sheets);
            let max = card.sheets[0].categories[index].max;
            categories.push((
                lang.pick(
                    &category.name,
                    category.name_en.as_deref().unwrap_or(&category.name),
                )
                .to_string(),
                format!("{mean} / {max}"),
                xingfu_core::Dec2::percent_of(mean, max).to_string(),
            ));
        }
        if let Some(next) = &card.next_star {
            let summary = if lang.is_en() {
                format!(
                    "{} points short of {} stars.",
                    next.points_short, next.level
                )
            } else {
                format!("距{}星还差 {} 分。", next.level, next.points_short)
            };
            let fixes = next
                .candidates
                .iter()
                .take(next.plan_len.min(10))
                .map(|fix| {
                    let clause = standard.clause(fix.clause);
                    let text = clause
                        .map(|c| {
                            lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text))
                                .to_string()
                        })
                        .unwrap_or_default();
                    (fix.clause.to_string(), text, format!("+{}", fix.gain))
                })
                .collect();
            gap = Some(Gap { summary, fixes });
        }
        for d in card.disagreements.iter().take(20) {
            let points: Vec<String> = d.points.iter().map(ToString::to_string).collect();
            disagreements.push(format!("{}: {}", d.clause, points.join(" / ")));
        }
    }
    let history = state
        .store
        .history(code)
        .await?
        .into_iter()
        .map(|(r, e)| {
            (
                r.year,
                stage_label(lang, &e.stage),
                points(e.total),
                star_text(lang, e.star),
                decision_label(lang, e.decision.as_deref()),
            )
        })
        .collect();
    let audit = state
        .store
        .audit_for_community(code)
        .await?
        .into_iter()
        .rev()
        .take(50)
        .map(|a| {
            (
                when(a.at),
                a.actor,
                a.action,
                a.before.unwrap_or_default(),
                a.after.unwrap_or_default(),
            )
        })
        .collect();
    let round_heading = if lang.is_en() {
        format!("Round {}", round.year)
    } else {
        format!("{}年度", round.year)
    };
    render(CommunityPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/communities/{code}"),
            entry.community_name.clone(),
        ),
        round_id: round_id.to_string(),
        round_heading,
        name: entry.community_name.clone(),
        street: entry.street_name.clone().unwrap_or_default(),
        stage: stage_label(lang, &entry.stage),
        total: points(entry.total),
        stars: stars(entry.star.unwrap_or(0)),
        star_text: star_text(lang, entry.star),
        previous: star_text(lang, Some(entry.previous_star)),
        veto,
        assessors,
        categories,
        gap,
        disagreements,
        history,
        audit,
    })
}
