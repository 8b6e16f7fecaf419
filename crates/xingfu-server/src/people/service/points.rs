//! Staff changes to a volunteer's points: cancelling an exchange and correcting the balance.

use xingfu_store::volunteers::PointsError;

use super::checks::{
    FieldError, MAX_ADJUST, MAX_NOTE, Refused, check_request_key, count_in, required_name,
};
use super::volunteers::{by_user, volunteer_for_staff};
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// Cancels a redemption: points and stock come back, once.
pub async fn refund(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    redemption_key: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let v = volunteer_for_staff(state, user, volunteer, lang).await?;
    let entry = state
        .store
        .ledger_entry(redemption_key)
        .await?
        .filter(|e| e.volunteer_id == v.id && e.kind == "redeem")
        .ok_or(AppError::NotFound)?;
    match state.store.refund(&entry.key, by_user(user)).await {
        Ok(_) => Ok(()),
        Err(PointsError::Refused(refusal)) => Err(AppError::Conflict(
            lang.text(refusal.zh(), refusal.to_string()),
        )),
        Err(PointsError::Store(e)) => Err(e.into()),
        Err(other) => Err(AppError::Internal(anyhow::anyhow!("{other}"))),
    }
}

/// A staff correction of a volunteer's points, with the reason. `request_key` makes a retried
/// form apply once.
pub async fn adjust(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    delta: &str,
    reason: &str,
    request_key: &str,
    lang: Lang,
) -> Result<(), Refused> {
    let v = volunteer_for_staff(state, user, volunteer, lang).await?;
    let mut errors = Vec::new();
    let text = delta.trim();
    let (negative, digits) = match text.strip_prefix(['-', '－']) {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let delta = count_in(digits, 1..=MAX_ADJUST).map(|n| if negative { -n } else { n });
    if delta.is_none() {
        errors.push(FieldError::new(
            "delta",
            lang.text(
                format!("请填写增加或扣减的积分，例如 20 或 -20（1–{MAX_ADJUST}）"),
                format!("enter the points to add or take away, e.g. 20 or -20 (1 to {MAX_ADJUST})"),
            ),
        ));
    }
    required_name(
        &mut errors,
        "reason",
        reason,
        MAX_NOTE,
        ("调整理由", "The reason"),
        lang,
    );
    check_request_key(request_key, lang)?;
    let Some(delta) = delta.filter(|_| errors.is_empty()) else {
        return Err(Refused::Fields(errors));
    };
    let key = format!("adjust:{}:{request_key}", v.id);
    match state
        .store
        .adjust_points(&key, &v.id, delta, reason.trim(), by_user(user))
        .await
    {
        Ok(_) => Ok(()),
        Err(PointsError::Refused(refusal)) => Err(Refused::field(
            "delta",
            lang.text(refusal.zh(), refusal.to_string()),
        )),
        Err(PointsError::Store(e)) => Err(e.into()),
        Err(other) => Err(Refused::App(AppError::Internal(anyhow::anyhow!("{other}")))),
    }
}
