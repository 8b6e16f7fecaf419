//! Visits to households, checked by the core's `check_visit`, and their follow-ups.

use xingfu_core::ops::visits::{self, FollowUp, Visit, VisitError, VisitPurpose};
use xingfu_store::visits::{NewFollowUp, NewVisit, OpenFollowUp, VisitRow};

use super::checks::{FieldError, Refused};
use super::households::household_for;
use super::identity::OpsIdentity;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The visit purposes in the order the form offers them.
pub const PURPOSES: [VisitPurpose; 6] = [
    VisitPurpose::CareVisit,
    VisitPurpose::Routine,
    VisitPurpose::SafetyCheck,
    VisitPurpose::PolicyPromotion,
    VisitPurpose::OpinionGathering,
    VisitPurpose::Other,
];

/// The stored key of a purpose (its serde name).
pub fn purpose_key(purpose: VisitPurpose) -> String {
    serde_json::to_value(purpose)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn parse_purpose(key: &str) -> Option<VisitPurpose> {
    PURPOSES.into_iter().find(|p| purpose_key(*p) == key)
}

pub fn purpose_label(key: &str, lang: Lang) -> String {
    match parse_purpose(key) {
        Some(p) if lang.is_en() => purpose_key(p).replace('_', " "),
        Some(p) => p.zh().to_string(),
        None => key.to_string(),
    }
}

/// A visit as read from a form or a request, times already parsed.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub visited_at: i64,
    pub purpose: String,
    pub notes: String,
    /// (what, due); rows left wholly empty are already dropped.
    pub follow_ups: Vec<(String, Option<i64>)>,
}

fn visit_problem(error: &VisitError, lang: Lang) -> FieldError {
    let field = match error {
        VisitError::InTheFuture => "visited_at".to_string(),
        VisitError::NotesTooLong { .. } => "notes".to_string(),
        VisitError::EmptyFollowUp(i) | VisitError::FollowUpBeforeVisit(i) => {
            format!("follow_up_{i}")
        }
        VisitError::TooManyFollowUps { .. } => "follow_up_1".to_string(),
        _ => "visited_at".to_string(),
    };
    FieldError::new(field, lang.text(error.zh(), error.to_string()))
}

/// Records a visit to a household, checked by the core's `check_visit`.
pub async fn record_visit(
    state: &AppState,
    who: &OpsIdentity,
    household_id: &str,
    input: &VisitInput,
    lang: Lang,
) -> Result<VisitRow, Refused> {
    let household = household_for(state, who, household_id, lang).await?;
    let Some(purpose) = parse_purpose(&input.purpose) else {
        return Err(Refused::field(
            "purpose",
            lang.text("请选择走访目的", "choose the purpose of the visit"),
        ));
    };
    let visit = Visit {
        household: household.id.clone(),
        visitor: who.user_id.clone(),
        community: household.community_code.clone(),
        grid: household.grid_id.clone(),
        visited_at: input.visited_at,
        purpose,
        notes: input.notes.trim().to_string(),
        follow_ups: input
            .follow_ups
            .iter()
            .map(|(what, due)| FollowUp {
                what: what.trim().to_string(),
                due: *due,
                done_at: None,
            })
            .collect(),
    };
    let now = now_ms();
    if let Err(error) = visits::check_visit(&who.actor(), &visit, now) {
        return Err(match error {
            VisitError::RoleMayNot | VisitError::OutsideArea(_) | VisitError::NotYourGrid => {
                Refused::App(AppError::Forbidden(
                    lang.text(error.zh(), error.to_string()),
                ))
            }
            other => Refused::Fields(vec![visit_problem(&other, lang)]),
        });
    }
    let key = purpose_key(purpose);
    let row = state
        .store
        .record_visit(
            &NewVisit {
                household_id: &household.id,
                visitor_id: &who.user_id,
                visited_at: visit.visited_at,
                purpose: &key,
                notes: &visit.notes,
                follow_ups: visit
                    .follow_ups
                    .iter()
                    .map(|f| NewFollowUp {
                        what: &f.what,
                        due: f.due,
                    })
                    .collect(),
            },
            now,
        )
        .await?;
    Ok(row)
}

/// Marks a follow-up of a visit done. False when it was done already.
pub async fn complete_follow_up(
    state: &AppState,
    who: &OpsIdentity,
    visit_id: &str,
    seq: i64,
    lang: Lang,
) -> Result<(String, bool), AppError> {
    let household_id = state
        .store
        .visit_household(visit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    household_for(state, who, &household_id, lang).await?;
    let done = state
        .store
        .complete_follow_up(visit_id, seq, who.by_now())
        .await?;
    Ok((household_id, done))
}

/// Follow-ups past due and not done among `open` at `now` (the core's rule).
pub fn overdue(open: &[OpenFollowUp], now: i64) -> Vec<bool> {
    open.iter()
        .map(|f| {
            let visit = Visit {
                household: f.household_id.clone(),
                visitor: String::new(),
                community: f.community_code.clone(),
                grid: f.grid_id.clone(),
                visited_at: f.visited_at,
                purpose: VisitPurpose::Other,
                notes: String::new(),
                follow_ups: vec![FollowUp {
                    what: f.what.clone(),
                    due: f.due,
                    done_at: None,
                }],
            };
            !visits::overdue_follow_ups(std::slice::from_ref(&visit), now).is_empty()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_through_their_keys() {
        for p in PURPOSES {
            assert_eq!(parse_purpose(&purpose_key(p)), Some(p));
        }
        assert_eq!(purpose_key(VisitPurpose::CareVisit), "care_visit");
        assert_eq!(purpose_label("care_visit", Lang::Zh), "关爱探访");
        assert_eq!(parse_purpose("nope"), None);
    }
}
