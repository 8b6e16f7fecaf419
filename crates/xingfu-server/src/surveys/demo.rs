//! Survey answers for the demo: the 2013 round runs the Lucheng questionnaire, and a few
//! communities get answers, made the same way every time.

use std::collections::BTreeMap;
use std::net::IpAddr;

use xingfu_core::survey::Channel;
use xingfu_core::survey::household::HouseholdId;
use xingfu_core::workflow::Stage;

use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::answers::{Respondent, SubmitError, submit};
use crate::surveys::links::resident_link;
use crate::surveys::service::round_survey;
use crate::surveys::settings::{SurveyChoice, save_settings};

/// Loads survey answers into the demo: the 2013 round runs the Lucheng questionnaire with a quota
/// of 30, and a few communities still being scored get 30–45 answers each (mostly from residents'
/// phones, some entered by staff), with one burst from one address to show the signals.
pub async fn load_demo(state: &AppState, district: &str) -> Result<(), AppError> {
    let store = &state.store;
    let Some(round) = store
        .rounds_overlapping(district)
        .await?
        .into_iter()
        .find(|r| r.year == 2013 && r.standard_id == "lucheng-2012")
    else {
        return Ok(());
    };
    let admin = crate::demo::kit::acting_as(state, "lucheng").await?;
    // Closing in two weeks: the page shows the day, and the reminder comes two days before.
    let in_two_weeks = xingfu_core::dates::local_text(now_ms() + 14 * 86_400_000);
    let choice = SurveyChoice {
        quota: 30,
        closes_on: &in_two_weeks[..10],
    };
    save_settings(state, &admin, &round.id, choice, None, Lang::Zh).await?;
    let Some(survey) = round_survey(state, &round.id).await? else {
        return Ok(());
    };
    let open: Vec<String> = store
        .entries(&round.id)
        .await?
        .into_iter()
        .filter(|e| matches!(e.stage, Stage::Scoring | Stage::Declared))
        .map(|e| e.community_code)
        .take(4)
        .collect();
    let mut rng = DemoRng(2013);
    for (index, community) in open.iter().enumerate() {
        resident_link(state, &admin, &round.id, community, Lang::Zh).await?;
        // Satisfaction differs by community: 97%, 90%, 80%, … chosen per answer.
        let satisfied_percent = 97 - 8 * index as u64;
        let households = 30 + 5 * index;
        for n in 0..households {
            let answers: BTreeMap<String, xingfu_core::survey::Response> = survey
                .questionnaire
                .questions
                .iter()
                .filter_map(|question| {
                    let scale = survey.questionnaire.scale_of(question)?;
                    let roll = rng.below(100);
                    let option = if roll < satisfied_percent {
                        ["very_satisfied", "satisfied", "fairly_satisfied"][rng.below(3) as usize]
                    } else if roll < 98 {
                        ["dissatisfied", "very_dissatisfied"][rng.below(2) as usize]
                    } else {
                        "dont_know"
                    };
                    scale.option(option).map(|o| {
                        (
                            question.id.clone(),
                            xingfu_core::survey::Response::Choice(o.id.clone()),
                        )
                    })
                })
                .collect();
            let channel = match n % 10 {
                8 => Channel::Phone,
                9 => Channel::Paper,
                _ => Channel::ResidentLink,
            };
            let token = format!("demo-{index}-{n:04}-{:06}", rng.below(1_000_000));
            let phone = HouseholdId::Phone(format!("139{:04}{:04}", index * 1000 + n, n));
            // The first community's first six answers come from one address within minutes.
            let address = if index == 0 && n < 6 {
                Some(IpAddr::from([10, 0, 0, 1]))
            } else {
                Some(IpAddr::from([10, 1, index as u8, (n % 250) as u8]))
            };
            let respondent = Respondent {
                client_token: &token,
                household: phone,
                channel,
                entered_by: channel.staff_entered().then_some("lucheng"),
                address: address.filter(|_| !channel.staff_entered()),
                location: None,
            };
            match submit(state, &survey, community, answers, respondent).await {
                Ok(_) => {}
                Err(SubmitError::App(e)) => return Err(e),
                Err(other) => return Err(internal(format!("demo survey answer: {other:?}"))),
            }
        }
    }
    Ok(())
}

/// A small deterministic generator, so the demo is the same every time.
struct DemoRng(u64);

impl DemoRng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}
