//! Held answers (待核实): an answer that trips a fraud signal is stored but held out of the
//! tallies, and so out of the rating (see [`xingfu_store::surveys`]). District officers list a
//! community's held answers and accept or reject them ([`decide`]).

use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::RoundRow;
use xingfu_store::surveys::{ReviewAnswerRow, ReviewCounts, ReviewDecision, ReviewOutcome};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::model::RoundSurvey;
use crate::surveys::service::{by, community_of_round, may_see_signals, round_of, running_survey};

/// Held answers read at most for one 待核实 list.
pub const MAX_REVIEW_ANSWERS: i64 = 2_000;

/// One community's 待核实 list.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub round: RoundRow,
    pub community: RegionRow,
    pub survey: RoundSurvey,
    pub held: Vec<ReviewAnswerRow>,
    pub counts: ReviewCounts,
}

/// A community's answers held for review, for the district officers who see the fraud page.
pub async fn review_list(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<ReviewView, AppError> {
    may_see_signals(user, community, lang)?;
    let round = round_of(state, round_id).await?;
    let community_row = community_of_round(state, &round, community, lang).await?;
    let survey = running_survey(state, round_id, lang).await?;
    let held = state
        .store
        .held_survey_answers(round_id, community, MAX_REVIEW_ANSWERS)
        .await?;
    let counts = state
        .store
        .survey_review_counts(round_id, community)
        .await?
        .remove(community)
        .unwrap_or_default();
    Ok(ReviewView {
        round,
        community: community_row,
        survey,
        held,
        counts,
    })
}

/// Accepts or rejects held answers of a community (one, several, or all listed). Answers another
/// officer decided first are reported stale, not decided twice.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    ids: &[String],
    decision: ReviewDecision,
    lang: Lang,
) -> Result<ReviewOutcome, AppError> {
    may_see_signals(user, community, lang)?;
    let round = round_of(state, round_id).await?;
    community_of_round(state, &round, community, lang).await?;
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            lang.text("请至少选择一份答卷", "choose at least one answer"),
        ));
    }
    if ids.len() as i64 > MAX_REVIEW_ANSWERS {
        return Err(AppError::BadRequest(lang.text(
            format!("一次最多处理 {MAX_REVIEW_ANSWERS} 份答卷"),
            format!("at most {MAX_REVIEW_ANSWERS} answers at once"),
        )));
    }
    let outcome = state
        .store
        .decide_survey_answers(round_id, community, ids, decision, by(user))
        .await?;
    if outcome.closed.is_some() {
        return Err(AppError::Conflict(lang.text("本社区本年度的评分已经完成\u{ff0c}答卷不能再计入\u{ff1b}可以不予计入",
            "this community's result is computed: answers can no longer be counted (they may be rejected)",
        )));
    }
    Ok(outcome)
}
