//! Survey results and the feed into the rating. Results read only the tally rows: a
//! community's, or the sum of those under a street's or district's code range.
//!
//! **Feed.** When a community has survey answers in a round that runs a survey, its survey
//! clauses come from the survey alone: the rates replace any figure assessors typed, and a clause
//! whose dimension is below the round's quota is left "not assessed" (see [`apply_feed`]). A
//! community without any survey answer keeps the assessors' figures (its survey was run outside
//! Xingfu).

use std::collections::BTreeMap;
use std::sync::Arc;

use xingfu_core::Standard;
use xingfu_core::region;
use xingfu_core::scoring::Assessment;
use xingfu_core::survey::{CounterKey, Questionnaire, Quota, SurveyFeed, Tally, feed};
use xingfu_core::workflow::Role;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::RoundRow;
use xingfu_store::surveys::ReviewCounts;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::model::RoundSurvey;
use crate::surveys::service::{
    cached_round_survey, chosen_area, in_round_area, round_of, running_survey,
};

/// A tally from stored counters; a counter name that does not parse is logged and left out.
pub fn tally_of(q: &Questionnaire, counters: impl IntoIterator<Item = (String, i64)>) -> Tally {
    Tally::from_counters(
        &q.id,
        &q.version,
        counters
            .into_iter()
            .filter_map(|(name, count)| match name.parse::<CounterKey>() {
                Ok(key) => Some((key, count.max(0) as u64)),
                Err(e) => {
                    tracing::warn!("survey tally: {e}");
                    None
                }
            }),
    )
}

/// One community's tally in an area's results.
#[derive(Debug, Clone)]
pub struct CommunityTally {
    pub code: String,
    pub name: String,
    pub tally: Tally,
}

/// Everything the results of an area (a community, street or district) are built from.
#[derive(Debug, Clone)]
pub struct AreaResults {
    pub round: RoundRow,
    pub standard: Arc<Standard>,
    pub survey: RoundSurvey,
    pub area: RegionRow,
    /// The area's tally: its communities' tallies summed.
    pub tally: Tally,
    /// The round's quota, when the area is one community (a quota is per community).
    pub quota: Option<Quota>,
    /// Every community of the area (just the one for a community), with its tally.
    pub communities: Vec<CommunityTally>,
    /// Answers of the area held for review and rejected; the tally holds the counted ones only.
    pub review: ReviewCounts,
}

/// Results for `area` in the round, for a user whose area contains it. Residents see none.
pub async fn area_results(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    area: Option<&str>,
    lang: Lang,
) -> Result<AreaResults, AppError> {
    let round = round_of(state, round_id).await?;
    if user.role == Role::Resident {
        return Err(AppError::Forbidden(lang.text(
            "调查结果只向工作人员显示",
            "survey results are shown to staff only",
        )));
    }
    let area = chosen_area(user, &round, area, lang)?;
    if !region::is_division_code(&area) || !in_round_area(&round, &area) {
        return Err(AppError::BadRequest(lang.text(
            format!("{area} 不在本评选年度的范围内"),
            format!("{area} is outside the round's area"),
        )));
    }
    user.may_view(&area, lang)?;
    let area_row = state.store.region(&area).await?.ok_or(AppError::NotFound)?;
    let survey = running_survey(state, round_id, lang).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let prefix = region::subtree_prefix(&area_row.code, &area_row.level).to_string();
    let q = survey.questionnaire.clone();
    let is_community = area_row.level == "community";
    let (tally, communities) = if is_community {
        let tally = tally_of(&q, state.store.survey_tally(round_id, &prefix).await?);
        let one = CommunityTally {
            code: area_row.code.clone(),
            name: area_row.name.clone(),
            tally: tally.clone(),
        };
        (tally, vec![one])
    } else {
        // One read of the communities' rows gives both their tallies and the area's sum.
        let mut sums: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_community: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for (community, counter, count) in state
            .store
            .survey_tallies_by_community(round_id, &prefix)
            .await?
        {
            *sums.entry(counter.clone()).or_insert(0) += count;
            by_community
                .entry(community)
                .or_default()
                .push((counter, count));
        }
        let communities = state
            .store
            .regions_within(&area_row, "community")
            .await?
            .into_iter()
            .map(|c| CommunityTally {
                tally: tally_of(&q, by_community.remove(&c.code).unwrap_or_default()),
                code: c.code,
                name: c.name,
            })
            .collect();
        (tally_of(&q, sums), communities)
    };
    let mut review = ReviewCounts::default();
    for counts in state
        .store
        .survey_review_counts(round_id, &prefix)
        .await?
        .values()
    {
        review.held += counts.held;
        review.rejected += counts.rejected;
    }
    Ok(AreaResults {
        review,
        quota: is_community.then(|| survey.quota()),
        round,
        standard,
        survey,
        area: area_row,
        tally,
        communities,
    })
}

impl AreaResults {
    /// The communities an area's results list one by one: none for a community itself.
    pub fn listed_communities(&self) -> &[CommunityTally] {
        if self.area.level == "community" {
            &[]
        } else {
            &self.communities
        }
    }
}

/// What the survey gives the rating core for one community's entry: `None` when the round runs
/// no survey or the community has no survey answer (its assessors' figures stand).
pub async fn survey_feed(
    state: &AppState,
    round_id: &str,
    community: &str,
) -> Result<Option<SurveyFeed>, AppError> {
    let Some(survey) = cached_round_survey(state, round_id).await? else {
        return Ok(None);
    };
    let tally = tally_of(
        &survey.questionnaire,
        state.store.survey_tally(round_id, community).await?,
    );
    if tally.respondents() == 0 {
        return Ok(None);
    }
    let round = round_of(state, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    feed(
        &survey.questionnaire,
        &tally,
        &standard,
        Some(survey.quota()),
    )
    .map(Some)
    .map_err(|e| internal(format!("survey feed of {community}: {e}")))
}

/// Puts the survey into one assessor's sheet: its rates replace the sheet's answers for those
/// clauses, and the clauses it withholds (below quota, no counted answer) lose any figure typed
/// for them, so they are "not assessed" as the survey rules say.
pub fn apply_feed(feed: &SurveyFeed, sheet: &mut Assessment) {
    feed.apply_to(sheet);
    for withheld in &feed.withheld {
        sheet.answers.remove(&withheld.clause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_clauses_lose_the_assessors_figure() {
        use xingfu_core::Dec2;
        use xingfu_core::scoring::Answer;
        use xingfu_core::survey::results::{Withheld, WithheldReason};
        let mut feed = SurveyFeed::default();
        feed.answers
            .insert("ZG1.1".into(), Answer::number(Dec2(9_500)));
        feed.withheld.push(Withheld {
            clause: "ZG1.2".into(),
            dimension: "environment".into(),
            reason: WithheldReason::BelowQuota { have: 3, need: 30 },
        });
        let mut sheet = Assessment::default();
        for clause in ["ZG1.1", "ZG1.2", "ZZ1.1"] {
            sheet
                .answers
                .insert(clause.into(), Answer::number(Dec2(8_000)));
        }
        apply_feed(&feed, &mut sheet);
        assert_eq!(sheet.answers["ZG1.1"].number, Some(Dec2(9_500)));
        assert!(!sheet.answers.contains_key("ZG1.2"));
        assert_eq!(sheet.answers["ZZ1.1"].number, Some(Dec2(8_000)));
    }
}
