mod common;

use xingfu_core::rectification::RectificationStatus;
use xingfu_core::workflow::Stage;
use xingfu_store::Store;
use xingfu_store::audit::AuditEvent;
use xingfu_store::objections::Outcome;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, Conflict, EntryChange, NewRound, SheetRefusal, SheetWrite, TaskAt};

fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

async fn seeded(store: &Store) -> String {
    store
        .upsert_regions(&[
            region("330302000000", "鹿城区", "district", None),
            region("330302006000", "五马街道", "street", Some("330302000000")),
            region(
                "330302006044",
                "鼓楼社区",
                "community",
                Some("330302006000"),
            ),
            region(
                "330302006045",
                "墨池社区",
                "community",
                Some("330302006000"),
            ),
        ])
        .await
        .unwrap();
    store
        .save_standard("lucheng-2012", "2012.1", "[standard]", 1)
        .await
        .unwrap();
    let round = store
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
        .unwrap();
    round.id
}

on_both!(
    a_round_from_declaration_to_naming_is_audited,
    |store: Store| async move {
        let round = seeded(&store).await;
        assert!(
            store
                .create_round(
                    &NewRound {
                        year: 2013,
                        region_code: "330302000000",
                        standard_id: "lucheng-2012",
                        standard_version: "2012.1",
                        objection_days: 7
                    },
                    "admin",
                    11
                )
                .await
                .is_err(),
            "one round per year, region and standard"
        );

        let entry = store
            .declare(&round, "330302006044", 3, "worker", 20)
            .await
            .unwrap();
        assert_eq!(
            (entry.stage.as_str(), entry.previous_star, entry.version),
            ("declared", 3, 1)
        );
        assert_eq!(entry.community_name, "鼓楼社区");
        assert_eq!(entry.street_name.as_deref(), Some("五马街道"));
        assert!(
            store
                .declare(&round, "330302006044", 3, "worker", 21)
                .await
                .is_err(),
            "declared once"
        );

        let answers = vec![
            ("ZZ1.1".to_string(), r#"{"met":true}"#.to_string()),
            ("ZG1.1".to_string(), r#"{"number":96.5}"#.to_string()),
        ];
        let sheet = |expected_version, at| SheetWrite {
            round_id: &round,
            community: "330302006044",
            sheet: "assessor-1",
            open_at: "declared",
            expected_version,
            by: By {
                actor: "assessor-1",
                at,
            },
        };
        let saved = store
            .save_answers(&sheet(Some(0), 30), &answers)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((saved.changed, saved.version.version), (2, 1));
        // Saving the same answers again changes nothing and records nothing.
        let again = store
            .save_answers(&sheet(Some(1), 31), &answers)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.changed, again.version.version), (0, 1));
        assert_eq!(
            store.answers(&round, "330302006044").await.unwrap().len(),
            2
        );
        // A form read before that save is refused whole, and told who saved since.
        let other = vec![("ZZ1.1".to_string(), r#"{"met":false}"#.to_string())];
        match store
            .save_answers(&sheet(Some(0), 32), &other)
            .await
            .unwrap()
        {
            Err(SheetRefusal::Stale(now)) => assert_eq!(
                (now.version, now.updated_by.as_deref()),
                (1, Some("assessor-1"))
            ),
            other => panic!("a stale sheet must be refused: {other:?}"),
        }
        // The save raised the entry's version (1 → 2): a step computed from older answers fails.
        let entry = store.entry(&round, "330302006044").await.unwrap().unwrap();
        assert_eq!(entry.version, 2);

        let computed = EntryChange {
            stage: Some(Stage::Computed),
            total: Some(84_650),
            star: Some(4),
            star_by_score: Some(4),
            decision: Some("upgrade".into()),
            reward_shares: Some(vec![
                ("city".into(), 15_000_000),
                ("district".into(), 15_000_000),
            ]),
            ..EntryChange::default()
        };
        let after = store
            .update_entry(
                &round,
                "330302006044",
                2,
                &computed,
                "compute",
                By {
                    actor: "system",
                    at: 40,
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (after.stage.as_str(), after.total, after.star, after.version),
            ("computed", Some(84_650), Some(4), 3)
        );
        // Once computed, the sheet takes no answer: the stage is checked inside the write.
        assert_eq!(
            store.save_answers(&sheet(None, 42), &other).await.unwrap(),
            Err(SheetRefusal::Stage("computed".into()))
        );
        // A second writer holding the old version is refused, and nothing changes.
        let stale = EntryChange {
            stage: Some(Stage::Approved),
            reward_shares: Some(vec![("city".into(), 1)]),
            ..EntryChange::default()
        };
        assert_eq!(
            store
                .update_entry(
                    &round,
                    "330302006044",
                    1,
                    &stale,
                    "approve",
                    By {
                        actor: "someone",
                        at: 41
                    }
                )
                .await
                .unwrap(),
            Err(Conflict)
        );
        assert_eq!(
            store
                .entry(&round, "330302006044")
                .await
                .unwrap()
                .unwrap()
                .stage,
            "computed"
        );

        // The shares came with the compute step, in its transaction; a stale writer's shares did not.
        assert_eq!(
            store.reward_budget(&round).await.unwrap(),
            [
                ("city".to_string(), 15_000_000),
                ("district".to_string(), 15_000_000)
            ]
        );

        let trail = store.audit_for_community("330302006044").await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["declare", "score", "score", "compute"]);
        let compute = trail.last().unwrap();
        assert!(compute.before.as_deref().unwrap().contains("\"declared\""));
        assert!(compute.after.as_deref().unwrap().contains("84650"));
        assert_eq!(store.verify_audit().await.unwrap(), None);

        let history = store.history("330302006044").await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].0.year, 2013);
    }
);

on_both!(the_audit_log_cannot_be_edited, |store: Store| async move {
    for i in 0..3 {
        store
            .record(&AuditEvent {
                at: i,
                actor: "a",
                action: "test",
                ..AuditEvent::default()
            })
            .await
            .unwrap();
    }
    assert_eq!(store.verify_audit().await.unwrap(), None);
    let update = sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        .execute(store.pool())
        .await;
    assert!(update.is_err(), "updates are refused by the database");
    let delete = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(store.pool())
        .await;
    assert!(delete.is_err(), "deletes are refused by the database");
});

on_both!(
    rectification_tasks_close_the_loop,
    |store: Store| async move {
        let round = seeded(&store).await;
        store
            .declare(&round, "330302006045", 0, "worker", 20)
            .await
            .unwrap();
        let clauses = vec!["WH1.1".to_string(), "ST2.1".to_string()];
        assert_eq!(
            store
                .open_rectifications(&round, "330302006045", &clauses, "墨池社区", 1_000, 50)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .open_rectifications(&round, "330302006045", &clauses, "墨池社区", 1_000, 51)
                .await
                .unwrap(),
            0
        );
        let tasks = store
            .rectifications(&round, Some("330302006045"))
            .await
            .unwrap();
        assert_eq!(tasks.len(), 2);
        let worker = By {
            actor: "moshi-worker",
            at: 60,
        };
        let submitted = store
            .update_rectification(
                &tasks[0].id,
                TaskAt {
                    status: RectificationStatus::Open,
                    version: tasks[0].version,
                },
                RectificationStatus::Submitted,
                Some("已建立道德讲堂"),
                None,
                worker,
            )
            .await
            .unwrap()
            .expect("an open task can be submitted");
        assert_eq!(submitted.status, "submitted");
        let verifier = By {
            actor: "street-admin",
            at: 70,
        };
        store
            .update_rectification(
                &tasks[0].id,
                TaskAt {
                    status: RectificationStatus::Submitted,
                    version: submitted.version,
                },
                RectificationStatus::Verified,
                None,
                Some("street-admin"),
                verifier,
            )
            .await
            .unwrap()
            .expect("a submitted task can be verified");
        // A second verifier who read the task as submitted finds it already moved: nothing changes.
        let late = By {
            actor: "district-admin",
            at: 71,
        };
        assert!(
            store
                .update_rectification(
                    &tasks[0].id,
                    TaskAt {
                        status: RectificationStatus::Submitted,
                        version: submitted.version,
                    },
                    RectificationStatus::Reopened,
                    None,
                    Some("district-admin"),
                    late
                )
                .await
                .unwrap()
                .is_err()
        );
        // Both real steps are in the community's audit trail, the refused one is not.
        let trail = store.audit_for_community("330302006045").await.unwrap();
        let steps: Vec<_> = trail
            .iter()
            .filter(|e| e.action == "rectification")
            .map(|e| e.actor.as_str())
            .collect();
        assert_eq!(steps, ["moshi-worker", "street-admin"]);
        let tasks = store.rectifications(&round, None).await.unwrap();
        let done = tasks.iter().find(|t| t.status == "verified").unwrap();
        assert_eq!(done.report.as_deref(), Some("已建立道德讲堂"));
        assert_eq!(
            (done.verified_by.as_deref(), done.verified_at),
            (Some("street-admin"), Some(70))
        );
    }
);

on_both!(
    an_upheld_objection_sends_the_entry_back_to_scoring_in_one_step,
    |store: Store| async move {
        let round = seeded(&store).await;
        let gulou = "330302006044";
        let entry = store.declare(&round, gulou, 0, "worker", 20).await.unwrap();
        let published = EntryChange {
            stage: Some(Stage::Published),
            published_at: Some(30),
            objection_until: Some(1_000),
            ..EntryChange::default()
        };
        let by = |actor, at| By { actor, at };
        let entry = store
            .update_entry(
                &round,
                gulou,
                entry.version,
                &published,
                "publish",
                by("street", 30),
            )
            .await
            .unwrap()
            .unwrap();

        let first = store
            .lodge_objection(&round, gulou, "道德讲堂从未开展活动", by("resident-1", 40))
            .await
            .unwrap();
        let second = store
            .lodge_objection(&round, gulou, "满意度调查只问了楼长", by("resident-2", 41))
            .await
            .unwrap();
        assert_eq!(
            store.open_objection_counts(&round).await.unwrap(),
            [(gulou.to_string(), 2)]
        );

        // Dismissing needs nothing of the entry.
        let (dismissed, moved) = store
            .decide_objection(
                &first.id,
                Outcome::Dismissed,
                "活动记录齐全",
                by("city", 50),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!((dismissed.status.as_str(), moved), ("dismissed", None));
        // Deciding it again is a conflict, and changes nothing.
        assert_eq!(
            store
                .decide_objection(&first.id, Outcome::Dismissed, "再次", by("city", 51))
                .await
                .unwrap(),
            Err(Conflict)
        );
        // Upholding with a stale entry version writes nothing at all.
        let stale = Outcome::Upheld {
            entry_version: Some(entry.version - 1),
        };
        assert_eq!(
            store
                .decide_objection(&second.id, stale, "属实", by("city", 52))
                .await
                .unwrap(),
            Err(Conflict)
        );
        assert_eq!(
            store.objection(&second.id).await.unwrap().unwrap().status,
            "open"
        );
        let current = Outcome::Upheld {
            entry_version: Some(entry.version),
        };
        let (upheld, moved) = store
            .decide_objection(&second.id, current, "属实,重新评审", by("city", 53))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(upheld.status, "upheld");
        assert_eq!(moved.unwrap().stage, "scoring");
        assert!(
            store
                .open_objection_counts(&round)
                .await
                .unwrap()
                .is_empty()
        );

        let trail = store.audit_for_community(gulou).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "declare",
                "publish",
                "object",
                "object",
                "decide_objection",
                "decide_objection",
                "uphold_objection"
            ]
        );
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    entries_are_counted_by_stage_within_an_area,
    |store: Store| async move {
        let round = seeded(&store).await;
        let (gulou, mochi) = ("330302006044", "330302006045");
        store.declare(&round, gulou, 0, "worker", 20).await.unwrap();
        let entry = store.declare(&round, mochi, 0, "worker", 21).await.unwrap();
        let starred = EntryChange {
            stage: Some(Stage::Computed),
            star: Some(2),
            ..EntryChange::default()
        };
        let by = By {
            actor: "system",
            at: 30,
        };
        store
            .update_entry(&round, mochi, entry.version, &starred, "compute", by)
            .await
            .unwrap()
            .unwrap();

        let street = store.stage_counts(&round, "330302006").await.unwrap();
        assert_eq!((street.total(), street.starred()), (2, 1));
        assert_eq!(street.at(Stage::Declared), 1);
        assert_eq!(
            (
                street.at(Stage::Computed),
                street.starred_at(Stage::Computed)
            ),
            (1, 1)
        );
        assert_eq!(street.at(Stage::Named), 0);
        assert_eq!(
            street.stages().collect::<Vec<_>>(),
            [Stage::Declared, Stage::Computed]
        );
        let gulou_only = store.stage_counts(&round, gulou).await.unwrap();
        assert_eq!((gulou_only.total(), gulou_only.starred()), (1, 0));
        let elsewhere = store.stage_counts(&round, "330303").await.unwrap();
        assert_eq!(elsewhere.stages().count(), 0);
    }
);
