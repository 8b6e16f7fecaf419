//! Survey storage on both databases: settings, links, batches of answers with their tallies, the
//! one-answer-per-household rule inside and across batches, closed communities, sums over code
//! ranges, and concurrent writers.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use xingfu_core::survey::fraud::HoldSignal;
use xingfu_core::survey::household::Refusal;
use xingfu_core::workflow::Stage;
use xingfu_store::Store;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, EntryChange, NewRound};
use xingfu_store::surveys::{
    NewSurveyAnswer, NewSurveySettings, RecordOutcome, ReviewCounts, ReviewDecision, SURVEY_SECRET,
    SettingsSaved,
};

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIANFANG: &str = "330302026003";

fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

/// 鹿城区 with two streets and three communities, and a 2013 round; returns the round id.
async fn seeded(store: &Store) -> String {
    store
        .upsert_regions(&[
            region("330302000000", "鹿城区", "district", None),
            region("330302006000", "五马街道", "street", Some("330302000000")),
            region(GULOU, "鼓楼社区", "community", Some("330302006000")),
            region(MOCHI, "墨池社区", "community", Some("330302006000")),
            region("330302026000", "松台街道", "street", Some("330302000000")),
            region(
                QINGNIANFANG,
                "庆年坊社区",
                "community",
                Some("330302026000"),
            ),
        ])
        .await
        .unwrap();
    store
        .save_standard("lucheng-2012", "2012.1", "[standard]", 1)
        .await
        .unwrap();
    store
        .create_round(
            &NewRound {
                year: 2013,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 7,
            },
            "admin",
            10,
        )
        .await
        .unwrap()
        .id
}

fn by(actor: &str) -> By<'_> {
    By { actor, at: 100 }
}

/// An answer from `household` with `token`, choosing `option` for Q1, from an address of its own
/// (so that no fraud signal holds it; [`burst`] makes answers that do).
fn answer(
    round: &str,
    community: &str,
    household: &str,
    token: &str,
    option: &str,
) -> NewSurveyAnswer {
    NewSurveyAnswer {
        id: xingfu_store::new_id(),
        round_id: round.into(),
        community_code: community.into(),
        questionnaire_id: "lucheng-2012".into(),
        questionnaire_version: "2012.1".into(),
        household: household.into(),
        client_token: token.into(),
        channel: "resident_link".into(),
        entered_by: None,
        source: Some(format!("src-{household}")),
        location_e6: None,
        // Unique, so that many answers of one option are no identical-pattern cluster.
        pattern: format!("Q1={option};{household}"),
        answers: format!("{{\"Q1\":{{\"choice\":\"{option}\"}}}}"),
        increments: vec![
            "respondents".into(),
            "channel:resident_link".into(),
            format!("option:Q1:{option}"),
        ],
        at: 1_000,
        hold: BTreeSet::new(),
    }
}

async fn tally(store: &Store, round: &str, prefix: &str) -> BTreeMap<String, i64> {
    store
        .survey_tally(round, prefix)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

on_both!(
    settings_keep_the_questionnaire_once_answers_exist,
    |store: Store| async move {
        let round = seeded(&store).await;
        assert_eq!(store.survey_settings(&round).await.unwrap(), None);
        let first = NewSurveySettings {
            read_at: None,
            round_id: &round,
            questionnaire_id: "lucheng-2012",
            questionnaire_version: "2012.1",
            questionnaire_body: "[questionnaire]",
            quota: 30,
            closes_at: None,
        };
        let SettingsSaved::Saved(saved) = store
            .set_survey_settings(&first, by("lucheng"))
            .await
            .unwrap()
        else {
            panic!("saved")
        };
        assert_eq!(saved.quota, 30);
        assert_eq!(store.survey_settings(&round).await.unwrap(), Some(saved));

        // Before any answer the questionnaire may change.
        let other = NewSurveySettings {
            read_at: None,
            questionnaire_version: "2012.2",
            ..first.clone()
        };
        assert!(matches!(
            store
                .set_survey_settings(&other, by("lucheng"))
                .await
                .unwrap(),
            SettingsSaved::Saved(_)
        ));
        store
            .set_survey_settings(&first, by("lucheng"))
            .await
            .unwrap();
        store
            .record_survey_answers(&[answer(
                &round,
                GULOU,
                "h1",
                "token-000000000001",
                "satisfied",
            )])
            .await
            .unwrap();
        // After one, only the quota may.
        assert_eq!(
            store
                .set_survey_settings(&other, by("lucheng"))
                .await
                .unwrap(),
            SettingsSaved::QuestionnaireLocked { answers: 1 }
        );
        let quota = NewSurveySettings { quota: 40, ..first };
        assert!(matches!(
            store
                .set_survey_settings(&quota, by("lucheng"))
                .await
                .unwrap(),
            SettingsSaved::Saved(_)
        ));
        let stored = store.survey_settings(&round).await.unwrap().unwrap();
        assert_eq!(
            (stored.questionnaire_version.as_str(), stored.quota),
            ("2012.1", 40)
        );
        // Every saved change is audited; the refused one is not.
        let audited: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'survey_settings'")
                .fetch_one(store.pool())
                .await
                .unwrap(),
            "n",
        );
        assert_eq!(audited, 4);
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    one_link_per_community_and_round,
    |store: Store| async move {
        let round = seeded(&store).await;
        let link = store
            .create_survey_link(&round, GULOU, "link-token-aaaaaaaaaaaa", by("gulou"))
            .await
            .unwrap();
        assert_eq!(link.token, "link-token-aaaaaaaaaaaa");
        // Asking again gives the same link, whatever token is offered.
        let again = store
            .create_survey_link(&round, GULOU, "link-token-bbbbbbbbbbbb", by("wuma"))
            .await
            .unwrap();
        assert_eq!(again, link);
        assert_eq!(
            store.survey_link("link-token-aaaaaaaaaaaa").await.unwrap(),
            Some(link.clone())
        );
        assert_eq!(
            store.survey_link("link-token-bbbbbbbbbbbb").await.unwrap(),
            None
        );
        assert_eq!(
            store.survey_link_for(&round, GULOU).await.unwrap(),
            Some(link)
        );
        assert_eq!(store.survey_link_for(&round, MOCHI).await.unwrap(), None);
        let trail = store.audit_for_community(GULOU).await.unwrap();
        assert_eq!(
            trail.iter().filter(|r| r.action == "survey_link").count(),
            1
        );
    }
);

on_both!(
    one_answer_per_household_across_batches,
    |store: Store| async move {
        let round = seeded(&store).await;
        let first = answer(&round, GULOU, "h1", "token-000000000001", "satisfied");
        assert_eq!(
            store
                .record_survey_answers(std::slice::from_ref(&first))
                .await
                .unwrap(),
            vec![RecordOutcome::Accepted]
        );
        let outcomes = store
            .record_survey_answers(&[
                // The same form again (a retry after a dropped connection).
                NewSurveyAnswer {
                    id: xingfu_store::new_id(),
                    ..first.clone()
                },
                // The same household with a new form.
                answer(&round, GULOU, "h1", "token-000000000002", "dissatisfied"),
                // Another household replaying the first form.
                answer(&round, GULOU, "h2", "token-000000000001", "dissatisfied"),
                // Another household, new form: counted.
                answer(&round, GULOU, "h3", "token-000000000003", "dissatisfied"),
            ])
            .await
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                RecordOutcome::AlreadyRecorded,
                RecordOutcome::Refused {
                    reason: Refusal::HouseholdAnswered
                },
                RecordOutcome::Refused {
                    reason: Refusal::TokenOfAnotherHousehold
                },
                RecordOutcome::Accepted,
            ]
        );
        let counted = tally(&store, &round, GULOU).await;
        assert_eq!(counted["respondents"], 2);
        assert_eq!(counted["option:Q1:satisfied"], 1);
        assert_eq!(counted["option:Q1:dissatisfied"], 1);
        assert_eq!(store.count_survey_answers(&round, GULOU).await.unwrap(), 2);
        let stored = store.survey_answers_of(&round, GULOU).await.unwrap();
        let tokens: Vec<(&str, &str)> = stored
            .iter()
            .map(|a| (a.client_token.as_str(), a.household.as_str()))
            .collect();
        assert_eq!(tokens.len(), 2);
        assert!(tokens.contains(&("token-000000000001", "h1")));
        assert!(tokens.contains(&("token-000000000003", "h3")));
    }
);

on_both!(
    a_double_tap_inside_one_batch_counts_once,
    |store: Store| async move {
        let round = seeded(&store).await;
        let tap = answer(&round, GULOU, "h1", "token-000000000001", "satisfied");
        let outcomes = store
            .record_survey_answers(&[
                tap.clone(),
                NewSurveyAnswer {
                    id: xingfu_store::new_id(),
                    ..tap.clone()
                },
                // And the same household on a second form in the same batch.
                answer(&round, GULOU, "h1", "token-000000000002", "satisfied"),
            ])
            .await
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                RecordOutcome::Accepted,
                RecordOutcome::AlreadyRecorded,
                RecordOutcome::Refused {
                    reason: Refusal::HouseholdAnswered
                },
            ]
        );
        assert_eq!(tally(&store, &round, GULOU).await["respondents"], 1);
    }
);

on_both!(
    a_computed_community_takes_no_more_answers,
    |store: Store| async move {
        let round = seeded(&store).await;
        // 鼓楼 declared and being scored: open. 墨池 computed: closed. 庆年坊 never declared: open.
        let gulou = store.declare(&round, GULOU, 0, "gulou", 20).await.unwrap();
        let scoring = EntryChange {
            stage: Some(Stage::Scoring),
            ..EntryChange::default()
        };
        store
            .update_entry(
                &round,
                GULOU,
                gulou.version,
                &scoring,
                "check",
                by("lucheng"),
            )
            .await
            .unwrap()
            .unwrap();
        let mochi = store.declare(&round, MOCHI, 0, "wuma", 20).await.unwrap();
        let computed = EntryChange {
            stage: Some(Stage::Computed),
            ..EntryChange::default()
        };
        store
            .update_entry(
                &round,
                MOCHI,
                mochi.version,
                &computed,
                "compute",
                by("lucheng"),
            )
            .await
            .unwrap()
            .unwrap();
        let outcomes = store
            .record_survey_answers(&[
                answer(&round, GULOU, "h1", "token-000000000001", "satisfied"),
                answer(&round, MOCHI, "h2", "token-000000000002", "satisfied"),
                answer(
                    &round,
                    QINGNIANFANG,
                    "h3",
                    "token-000000000003",
                    "satisfied",
                ),
            ])
            .await
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                RecordOutcome::Accepted,
                RecordOutcome::Closed {
                    stage: Stage::Computed
                },
                RecordOutcome::Accepted,
            ]
        );
        assert_eq!(store.count_survey_answers(&round, MOCHI).await.unwrap(), 0);
        assert!(tally(&store, &round, MOCHI).await.is_empty());
    }
);

on_both!(
    areas_sum_their_communities_tallies,
    |store: Store| async move {
        let round = seeded(&store).await;
        let mut batch = Vec::new();
        for (i, (community, option)) in [
            (GULOU, "satisfied"),
            (GULOU, "satisfied"),
            (GULOU, "dissatisfied"),
            (MOCHI, "satisfied"),
            (QINGNIANFANG, "dissatisfied"),
            (QINGNIANFANG, "dissatisfied"),
        ]
        .into_iter()
        .enumerate()
        {
            batch.push(answer(
                &round,
                community,
                &format!("h{i}"),
                &format!("token-00000000000{i}"),
                option,
            ));
        }
        let outcomes = store.record_survey_answers(&batch).await.unwrap();
        assert!(outcomes.iter().all(|o| *o == RecordOutcome::Accepted));

        let district = tally(&store, &round, "330302").await;
        assert_eq!(district["respondents"], 6);
        assert_eq!(district["option:Q1:satisfied"], 3);
        assert_eq!(district["option:Q1:dissatisfied"], 3);
        let wuma = tally(&store, &round, "330302006").await;
        assert_eq!(wuma["respondents"], 4);
        assert_eq!(wuma["option:Q1:dissatisfied"], 1);
        let gulou = tally(&store, &round, GULOU).await;
        assert_eq!(gulou["respondents"], 3);
        // Another district, or another round, holds nothing.
        assert!(tally(&store, &round, "330303").await.is_empty());
        assert!(tally(&store, "another-round", "330302").await.is_empty());

        let by_community = store
            .survey_tallies_by_community(&round, "330302")
            .await
            .unwrap();
        let respondents: Vec<(&str, i64)> = by_community
            .iter()
            .filter(|(_, counter, _)| counter == "respondents")
            .map(|(c, _, n)| (c.as_str(), *n))
            .collect();
        assert_eq!(respondents, vec![(GULOU, 3), (MOCHI, 1), (QINGNIANFANG, 2)]);
        // The roll-ups per street and per district hold the same sums, one row per counter.
        let respondents_of = |rows: Vec<(String, String, i64)>| -> Vec<(String, i64)> {
            rows.into_iter()
                .filter(|(_, counter, _)| counter == "respondents")
                .map(|(area, _, n)| (area, n))
                .collect()
        };
        let streets = store
            .survey_tallies_by_area(&round, "330302", "street")
            .await
            .unwrap();
        let qingnianfang_street = format!("{}000", &QINGNIANFANG[..9]);
        let mut expected = vec![("330302006000".to_string(), 4), (qingnianfang_street, 2)];
        expected.sort();
        assert_eq!(respondents_of(streets.clone()), expected);
        assert!(streets.contains(&(
            "330302006000".to_string(),
            "option:Q1:dissatisfied".to_string(),
            1
        )));
        let districts = store
            .survey_tallies_by_area(&round, "3303", "district")
            .await
            .unwrap();
        assert_eq!(
            respondents_of(districts),
            vec![("330302000000".to_string(), 6)]
        );
        assert!(
            store
                .survey_tallies_by_area("another-round", "3303", "district")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .count_survey_answers(&round, "330302006")
                .await
                .unwrap(),
            4
        );

        let metas = store
            .survey_answer_metas(&round, "330302006", 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(metas.len(), 4);
        assert!(
            metas
                .iter()
                .all(|m| m.source.as_deref().is_some_and(|s| s.starts_with("src-h")))
        );
        // More answers than the limit: none are returned.
        assert_eq!(
            store
                .survey_answer_metas(&round, "330302006", 3)
                .await
                .unwrap(),
            None
        );
    }
);

on_both!(
    concurrent_batches_count_each_form_once,
    |store: Store| async move {
        let round = seeded(&store).await;
        // Four writers send overlapping forms: each of 40 households twice, from two writers.
        let mut writers = Vec::new();
        for writer in 0..4usize {
            let store = store.clone();
            let round = round.clone();
            writers.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for step in 0..5usize {
                    let batch: Vec<NewSurveyAnswer> = (0..4usize)
                        .map(|k| {
                            // Writers 0 and 1 send the same forms; so do 2 and 3.
                            let n = (writer / 2) * 20 + step * 4 + k;
                            answer(
                                &round,
                                if n % 2 == 0 { GULOU } else { MOCHI },
                                &format!("household-{n}"),
                                &format!("client-token-{n:05}"),
                                "satisfied",
                            )
                        })
                        .collect();
                    outcomes.extend(store.record_survey_answers(&batch).await.unwrap());
                }
                outcomes
            }));
        }
        let mut all = Vec::new();
        for writer in writers {
            all.extend(writer.await.unwrap());
        }
        let accepted = all
            .iter()
            .filter(|o| **o == RecordOutcome::Accepted)
            .count();
        let again = all
            .iter()
            .filter(|o| **o == RecordOutcome::AlreadyRecorded)
            .count();
        assert_eq!((accepted, again), (40, 40));
        assert_eq!(
            store.count_survey_answers(&round, "330302").await.unwrap(),
            40
        );
        let district = tally(&store, &round, "330302").await;
        assert_eq!(district["respondents"], 40);
        assert_eq!(district["option:Q1:satisfied"], 40);
    }
);

on_both!(bulk_loading_and_the_raw_insert, |store: Store| async move {
    let round = seeded(&store).await;
    let batch: Vec<NewSurveyAnswer> = (0..250)
        .map(|i| {
            answer(
                &round,
                [GULOU, MOCHI][i % 2],
                &format!("h{i}"),
                &format!("bulk-token-{i:06}"),
                ["satisfied", "dissatisfied"][i % 3 % 2],
            )
        })
        .collect();
    store.bulk_survey_answers(&batch).await.unwrap();
    let district = tally(&store, &round, "330302").await;
    assert_eq!(district["respondents"], 250);
    assert_eq!(
        district["option:Q1:satisfied"] + district["option:Q1:dissatisfied"],
        250
    );
    store
        .insert_survey_answer_raw(&answer(
            &round,
            GULOU,
            "raw",
            "raw-token-0000001",
            "satisfied",
        ))
        .await
        .unwrap();
    // The raw insert is not counted: it measures the table alone.
    assert_eq!(
        store.count_survey_answers(&round, "330302").await.unwrap(),
        251
    );
    assert_eq!(tally(&store, &round, "330302").await["respondents"], 250);
});

on_both!(the_secret_is_made_once, |store: Store| async move {
    let first = store.server_secret(SURVEY_SECRET, 1).await.unwrap();
    assert_eq!(first.len(), 64);
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(store.server_secret(SURVEY_SECRET, 2).await.unwrap(), first);
    assert_ne!(store.server_secret("another", 2).await.unwrap(), first);
});

on_both!(
    community_areas_are_kept_and_audited,
    |store: Store| async move {
        seeded(&store).await;
        assert_eq!(store.survey_area(GULOU).await.unwrap(), None);
        let circle = r#"{"kind":"circle","centre":{"lat":28.0,"lon":120.65},"radius_m":400.0}"#;
        store
            .set_survey_area(GULOU, circle, by("lucheng"))
            .await
            .unwrap();
        assert_eq!(
            store.survey_area(GULOU).await.unwrap().as_deref(),
            Some(circle)
        );
        let wider = circle.replace("400.0", "600.0");
        store
            .set_survey_area(GULOU, &wider, by("lucheng"))
            .await
            .unwrap();
        assert_eq!(store.survey_area(GULOU).await.unwrap(), Some(wider.clone()));
        let trail = store.audit_for_community(GULOU).await.unwrap();
        let changes: Vec<_> = trail.iter().filter(|r| r.action == "survey_area").collect();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].before.as_deref(), Some(circle));
    }
);

/// The 15 made-up household codes `9-000` … `9-014`, sent one by one a minute apart from one
/// address.
fn burst(round: &str) -> Vec<NewSurveyAnswer> {
    (0..15)
        .map(|n| NewSurveyAnswer {
            source: Some("one-address".into()),
            at: 1_000 + n * 60_000,
            ..answer(
                round,
                GULOU,
                &format!("code:9-{n:03}"),
                &format!("made-up-form-{n:04}"),
                "very_satisfied",
            )
        })
        .collect()
}

async fn review_counts(store: &Store, round: &str, prefix: &str) -> ReviewCounts {
    let mut sum = ReviewCounts::default();
    for counts in store
        .survey_review_counts(round, prefix)
        .await
        .unwrap()
        .values()
    {
        sum.held += counts.held;
        sum.rejected += counts.rejected;
    }
    sum
}

on_both!(
    a_burst_from_one_address_is_held_until_accepted_and_then_counted_once,
    |store: Store| async move {
        let round = seeded(&store).await;
        // An honest household first.
        store
            .record_survey_answers(&[answer(
                &round,
                GULOU,
                "h-honest",
                "honest-form-0001",
                "satisfied",
            )])
            .await
            .unwrap();
        // The first four are counted as they arrive: four from one address are not a burst.
        let made_up = burst(&round);
        let mut outcomes = Vec::new();
        for one in &made_up {
            outcomes.extend(
                store
                    .record_survey_answers(std::slice::from_ref(one))
                    .await
                    .unwrap(),
            );
            if outcomes.len() == 4 {
                assert_eq!(tally(&store, &round, GULOU).await["respondents"], 5);
            }
        }
        assert_eq!(outcomes[..4], [RecordOutcome::Accepted; 4]);
        assert_eq!(outcomes[4..], [RecordOutcome::Held; 11]);
        // The fifth completed the burst and took the first four out of the tally with it.
        let counted = tally(&store, &round, GULOU).await;
        assert_eq!(counted["respondents"], 1, "{counted:?}");
        assert_eq!(
            counted
                .get("option:Q1:very_satisfied")
                .copied()
                .unwrap_or(0),
            0
        );
        assert_eq!(
            review_counts(&store, &round, "330302").await,
            ReviewCounts {
                held: 15,
                rejected: 0
            }
        );
        let held = store.held_survey_answers(&round, GULOU, 100).await.unwrap();
        assert_eq!(held.len(), 15);
        assert!(held.iter().all(|a| a.signals == [HoldSignal::Burst]));
        let ids: Vec<String> = held.iter().map(|a| a.id.clone()).collect();

        // Two officers accept the same ten at once: each is decided once, counted once.
        let (first, second) = tokio::join!(
            store.decide_survey_answers(
                &round,
                GULOU,
                &ids[..10],
                ReviewDecision::Accept,
                by("district")
            ),
            store.decide_survey_answers(
                &round,
                GULOU,
                &ids[..10],
                ReviewDecision::Accept,
                by("district2")
            ),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first.decided.len() + second.decided.len(), 10);
        assert_eq!(first.stale.len() + second.stale.len(), 10);
        let counted = tally(&store, &round, GULOU).await;
        assert_eq!(counted["respondents"], 11);
        assert_eq!(counted["option:Q1:very_satisfied"], 10);

        // The other five are rejected: never counted, and a later accept of them is stale.
        let rejected = store
            .decide_survey_answers(
                &round,
                GULOU,
                &ids[10..],
                ReviewDecision::Reject,
                by("district"),
            )
            .await
            .unwrap();
        assert_eq!(rejected.decided.len(), 5);
        let late = store
            .decide_survey_answers(
                &round,
                GULOU,
                &ids[10..],
                ReviewDecision::Accept,
                by("district2"),
            )
            .await
            .unwrap();
        assert_eq!((late.decided.len(), late.stale.len()), (0, 5));
        assert_eq!(tally(&store, &round, GULOU).await["respondents"], 11);
        assert_eq!(
            review_counts(&store, &round, GULOU).await,
            ReviewCounts {
                held: 0,
                rejected: 5
            }
        );
        // An accepted answer is not held again by later answers from the same address.
        let sixteenth = NewSurveyAnswer {
            source: Some("one-address".into()),
            at: 1_000 + 15 * 60_000,
            ..answer(
                &round,
                GULOU,
                "code:9-015",
                "made-up-form-0015",
                "satisfied",
            )
        };
        assert_eq!(
            store.record_survey_answers(&[sixteenth]).await.unwrap(),
            [RecordOutcome::Held]
        );
        assert_eq!(tally(&store, &round, GULOU).await["respondents"], 11);
        let statuses: Vec<String> = store
            .survey_answers_of(&round, GULOU)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.status.key().to_string())
            .collect();
        assert_eq!(statuses.iter().filter(|s| *s == "counted").count(), 11);
        assert_eq!(statuses.iter().filter(|s| *s == "rejected").count(), 5);
        assert_eq!(statuses.iter().filter(|s| *s == "held").count(), 1);
        // Each decision is in the audit chain with who made it.
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    a_burst_in_one_batch_is_held_whole,
    |store: Store| async move {
        let round = seeded(&store).await;
        let outcomes = store.record_survey_answers(&burst(&round)).await.unwrap();
        assert!(
            outcomes.iter().all(|o| *o == RecordOutcome::Held),
            "{outcomes:?}"
        );
        assert!(
            tally(&store, &round, GULOU)
                .await
                .get("respondents")
                .is_none_or(|n| *n == 0)
        );
        assert_eq!(review_counts(&store, &round, GULOU).await.held, 15);
    }
);

on_both!(
    identical_paper_forms_and_answers_from_outside_are_held,
    |store: Store| async move {
        let round = seeded(&store).await;
        // Ten identical paper forms typed in by staff within minutes: no address, same answers.
        let forms: Vec<NewSurveyAnswer> = (0..10)
            .map(|n| NewSurveyAnswer {
                channel: "paper".into(),
                entered_by: Some("gulou".into()),
                source: None,
                pattern: "Q1=very_satisfied".into(),
                at: 1_000 + n * 60_000,
                ..answer(
                    &round,
                    MOCHI,
                    &format!("paper-{n}"),
                    &format!("paper-form-{n:05}"),
                    "very_satisfied",
                )
            })
            .collect();
        let mut outcomes = Vec::new();
        for form in &forms {
            outcomes.extend(
                store
                    .record_survey_answers(std::slice::from_ref(form))
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(outcomes[..9], [RecordOutcome::Accepted; 9]);
        assert_eq!(outcomes[9], RecordOutcome::Held);
        assert!(
            tally(&store, &round, MOCHI)
                .await
                .get("respondents")
                .is_none_or(|n| *n == 0)
        );
        let held = store.held_survey_answers(&round, MOCHI, 100).await.unwrap();
        assert_eq!(held.len(), 10);
        assert!(
            held.iter()
                .all(|a| a.signals == [HoldSignal::IdenticalPattern])
        );

        // A home visit the caller found outside the community is stored held.
        let outside = NewSurveyAnswer {
            channel: "home_visit".into(),
            hold: BTreeSet::from([HoldSignal::OutsideCommunity]),
            ..answer(
                &round,
                QINGNIANFANG,
                "far-away",
                "far-away-form-0001",
                "satisfied",
            )
        };
        assert_eq!(
            store.record_survey_answers(&[outside]).await.unwrap(),
            [RecordOutcome::Held]
        );
        assert!(tally(&store, &round, QINGNIANFANG).await.is_empty());
        let ids: Vec<String> = store
            .held_survey_answers(&round, QINGNIANFANG, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        store
            .decide_survey_answers(
                &round,
                QINGNIANFANG,
                &ids,
                ReviewDecision::Accept,
                by("district"),
            )
            .await
            .unwrap();
        assert_eq!(tally(&store, &round, QINGNIANFANG).await["respondents"], 1);
    }
);

on_both!(
    accepting_is_refused_once_the_result_is_computed,
    |store: Store| async move {
        let round = seeded(&store).await;
        store.record_survey_answers(&burst(&round)).await.unwrap();
        let ids: Vec<String> = store
            .held_survey_answers(&round, GULOU, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        close_gulou(&store, &round).await;
        let refused = store
            .decide_survey_answers(&round, GULOU, &ids, ReviewDecision::Accept, by("district"))
            .await
            .unwrap();
        assert!(refused.closed.is_some());
        assert!(refused.decided.is_empty());
        assert!(
            tally(&store, &round, GULOU)
                .await
                .get("respondents")
                .is_none_or(|n| *n == 0)
        );
        // Rejecting changes no tally and is still possible.
        let rejected = store
            .decide_survey_answers(&round, GULOU, &ids, ReviewDecision::Reject, by("district"))
            .await
            .unwrap();
        assert_eq!(rejected.decided.len(), 15);
    }
);

/// 鼓楼 declared, then its result computed.
async fn close_gulou(store: &Store, round: &str) {
    let gulou = store.declare(round, GULOU, 0, "gulou", 20).await.unwrap();
    let computed = EntryChange {
        stage: Some(Stage::Computed),
        ..EntryChange::default()
    };
    store
        .update_entry(
            round,
            GULOU,
            gulou.version,
            &computed,
            "compute",
            by("lucheng"),
        )
        .await
        .unwrap()
        .unwrap();
}
