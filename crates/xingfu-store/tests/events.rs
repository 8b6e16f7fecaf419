//! Grids and 随手拍 events in storage, on SQLite and PostgreSQL: grids round-trip exactly,
//! events are numbered, steps are written only from the version the actor saw, and the
//! deadline sweep's query finds exactly the events past their deadline.

mod common;

use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::{
    Action, ActionKind, Decision, Event, EventId, EventRefusal, EventRules, EventState, HOUR_MS,
    NewReport, decide, open, validate_report,
};
use xingfu_core::ops::grid::{Area, Building, Duty, Grid, GridMember, Polygon};
use xingfu_core::ops::sla::{DueAction, escalations_due};
use xingfu_core::ops::{Actor, Level, OpsRole};
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::events::{Extras, NewPhoto, PhotoStage, StateFilter, StepConflict};
use xingfu_store::regions::RegionRow;

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const T0: i64 = 1_704_038_400_000;

fn region(code: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: format!("区划{code}"),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

async fn setup(store: &Store) {
    store
        .upsert_regions(&[
            region("330302000000", "district", None),
            region("330302006000", "street", Some("330302000000")),
            region(GULOU, "community", Some("330302006000")),
            region(MOCHI, "community", Some("330302006000")),
        ])
        .await
        .unwrap();
    for (username, role, code) in [
        ("gulou", "community_worker", GULOU),
        ("member", "resident", GULOU),
        ("head", "resident", GULOU),
        ("resident", "resident", GULOU),
        ("wuma", "street_admin", "330302006000"),
        ("mochi", "community_worker", MOCHI),
    ] {
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: username,
                    password_hash: "x",
                    role,
                    region_code: code,
                },
                0,
            )
            .await
            .unwrap();
    }
}

fn p(lon: f64, lat: f64) -> GeoPoint {
    GeoPoint { lon, lat }
}

/// A square grid whose corners are not round numbers, to check exact storage.
fn grid(id: &str, lon: f64) -> Grid {
    let side = 0.003_141_592_653_589_793;
    let corners = vec![
        p(lon, 28.0125),
        p(lon + side, 28.0125),
        p(lon + side, 28.0125 + side),
        p(lon, 28.0125 + side),
    ];
    Grid {
        id: id.into(),
        name: format!("第{id}网格"),
        community: GULOU.into(),
        area: Area::new(vec![Polygon::new(corners, vec![]).unwrap()]).unwrap(),
        members: vec![GridMember {
            person: "member".into(),
            duty: Duty::PartTime,
        }],
        buildings: vec![Building {
            id: "b1".into(),
            name: "1幢".into(),
            location: Some(p(lon + side / 3.0, 28.0125 + side / 7.0)),
            head: Some("head".into()),
        }],
    }
}

on_both!(grids_round_trip_exactly, |store: Store| async move {
    setup(&store).await;
    let g1 = grid("g1", 120.6553);
    let g2 = grid("g2", 120.6553 + 0.003_141_592_653_589_793);
    store
        .save_grids(GULOU, &[g1.clone(), g2.clone()], "gulou", T0)
        .await
        .unwrap();
    let read = store.grids_of(GULOU).await.unwrap();
    assert_eq!(read, vec![g1.clone(), g2.clone()]);
    assert!(store.grids_of(MOCHI).await.unwrap().is_empty());

    // Saving again replaces the grid whole: the building and member lists too.
    let mut changed = g1.clone();
    changed.name = "改名网格".into();
    changed.members.clear();
    changed.buildings.clear();
    store
        .save_grids(GULOU, &[changed.clone()], "gulou", T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        store.grids_of(GULOU).await.unwrap(),
        vec![changed, g2.clone()]
    );
    let audit = store.audit_for_community(GULOU).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].action, "save_grids");

    // By bounding box: a point inside g2 only, and one on the shared edge (both boxes).
    let inside = p(120.6553 + 0.0045, 28.0135);
    let around: Vec<String> = store
        .grids_around(inside)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(around, ["g2"]);
    let edge = p(120.6553 + 0.003_141_592_653_589_793, 28.0135);
    assert_eq!(store.grids_around(edge).await.unwrap().len(), 2);
    assert!(store.grids_around(p(121.0, 28.0)).await.unwrap().is_empty());

    let assignments = store.assignments("member").await.unwrap();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].grid_id, "g2");
    assert_eq!(assignments[0].duty, Some(Duty::PartTime));
    let heads = store.assignments("head").await.unwrap();
    assert_eq!(heads[0].building_id.as_deref(), Some("b1"));

    let staff = store
        .people_within("330302006", &["community_worker", "street_admin"])
        .await
        .unwrap();
    let names: Vec<&str> = staff.iter().map(|s| s.username.as_str()).collect();
    assert_eq!(names, ["gulou", "mochi", "wuma"]);
});

fn report(description: &str, at: GeoPoint) -> NewReport {
    NewReport {
        category: "sanitation".into(),
        description: description.into(),
        location: at,
        datum: Datum::Wgs84,
        address: None,
        photos: vec![],
    }
}

async fn reported(store: &Store, description: &str, at: GeoPoint, now: i64) -> Event {
    let rules = EventRules::baseline();
    let valid = validate_report(report(description, at), &rules).unwrap();
    let resident = Actor::new("resident", OpsRole::Resident, GULOU);
    store
        .create_event(
            |id| open(id, valid, GULOU, Some("g1"), Some(&resident), now, &rules),
            &[],
            &Extras::default(),
        )
        .await
        .unwrap()
        .unwrap()
}

fn worker() -> Actor<'static> {
    Actor::new("gulou", OpsRole::CommunityWorker, GULOU)
}

fn step(event: &Event, action: Action, actor: &Actor, now: i64) -> Decision {
    decide(
        event,
        &action,
        actor,
        now,
        event.version,
        &EventRules::baseline(),
    )
    .unwrap()
}

on_both!(
    events_are_numbered_and_steps_need_the_seen_version,
    |store: Store| async move {
        setup(&store).await;
        let photo = NewPhoto {
            id: "photo-1".into(),
            stage: PhotoStage::Before,
            file_key: "aa/bb/photo-1".into(),
            content_type: "image/jpeg".into(),
            size: 1234,
            width: 64,
            height: 48,
            sha256: "0".repeat(64),
        };
        let rules = EventRules::baseline();
        let valid = validate_report(
            NewReport {
                photos: vec![photo.id.clone()],
                ..report("楼道堆物", p(120.6561, 28.0131))
            },
            &rules,
        )
        .unwrap();
        let extras = Extras {
            contact: Some(r#"{"phone":"13800000000"}"#.into()),
            external_media: None,
        };
        let first = store
            .create_event(
                |id| open(id, valid, GULOU, None, None, T0, &rules),
                std::slice::from_ref(&photo),
                &extras,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.id, EventId(1));
        let second = reported(&store, "垃圾桶满了", p(120.6562, 28.0132), T0 + 5).await;
        assert_eq!(second.id, EventId(2));
        // A refusal from the core writes nothing and uses no visible number.
        let refused = store
            .create_event(
                |_| Err::<Decision, _>(EventRefusal::UnknownCategory("x".into())),
                &[],
                &Extras::default(),
            )
            .await
            .unwrap();
        assert!(refused.is_err());

        let stored = store.event(first.id).await.unwrap().unwrap();
        assert_eq!(stored.photos, vec!["photo-1".to_string()]);
        assert_eq!(stored.location, p(120.6561, 28.0131));
        assert_eq!(store.event_extras(first.id).await.unwrap(), extras);
        let photos = store.event_photos(first.id).await.unwrap();
        assert_eq!(photos[0].uploaded_by, "anonymous");
        assert_eq!(photos[0].step_version, 1);
        assert_eq!(
            store
                .event_photo("photo-1")
                .await
                .unwrap()
                .unwrap()
                .file_key,
            "aa/bb/photo-1"
        );

        // Two people accept the same version: the first is written, the second is not.
        let other = Actor::new("gulou2", OpsRole::CommunityWorker, GULOU);
        let a = step(&second, Action::Accept, &worker(), T0 + 10);
        let b = step(&second, Action::Accept, &other, T0 + 11);
        assert_eq!(
            store
                .apply_event_step(second.version, &a, &[])
                .await
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            store
                .apply_event_step(second.version, &b, &[])
                .await
                .unwrap(),
            Err(StepConflict::Stale { actual: Some(2) })
        );
        let now = store.event(second.id).await.unwrap().unwrap();
        assert_eq!((now.state, now.version), (EventState::Accepted, 2));
        let steps = store.event_steps(second.id).await.unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].actor, "gulou");
        assert_eq!(steps[1], a.step);
        assert_eq!(steps[0].actor, "resident");

        // Merge the first into the second, then the other way round is refused by the store when
        // the primary became final in between.
        let merge = step(
            &stored,
            Action::MergeInto {
                primary: second.id,
                primary_state: now.state,
            },
            &worker(),
            T0 + 20,
        );
        assert_eq!(
            store
                .apply_event_step(stored.version, &merge, &[])
                .await
                .unwrap(),
            Ok(())
        );
        assert_eq!(store.merged_into(second.id).await.unwrap(), vec![first.id]);
        let third = reported(&store, "又满了", p(120.6562, 28.0132), T0 + 30).await;
        let dispatch = step(&now, Action::Dispatch { to: "gulou" }, &worker(), T0 + 31);
        store
            .apply_event_step(now.version, &dispatch, &[])
            .await
            .unwrap()
            .unwrap();
        let merge_third = step(
            &third,
            Action::MergeInto {
                primary: first.id,
                primary_state: EventState::InProgress,
            },
            &worker(),
            T0 + 32,
        );
        assert_eq!(
            store
                .apply_event_step(third.version, &merge_third, &[])
                .await
                .unwrap(),
            Err(StepConflict::PrimaryFinal {
                primary: first.id,
                state: EventState::Merged
            })
        );
    }
);

on_both!(
    the_sweep_query_finds_deadlines_strictly_past,
    |store: Store| async move {
        setup(&store).await;
        let limit = 48 * HOUR_MS; // sanitation
        let a = reported(&store, "一", p(120.6561, 28.0131), T0).await;
        let b = reported(&store, "二", p(120.6561, 28.0131), T0 + 1).await;
        let deadline = a.deadline.unwrap();
        assert_eq!(deadline, T0 + limit);
        assert!(store.sla_entries_due(deadline).await.unwrap().is_empty());
        let due = store.sla_entries_due(deadline + 1).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].id, a.id);
        let both = store.sla_entries_due(deadline + 2).await.unwrap();
        assert_eq!(
            escalations_due(deadline + 2, &both)
                .iter()
                .map(|d| (d.id, d.action))
                .collect::<Vec<_>>(),
            vec![
                (a.id, DueAction::Escalate { to: Level::Street }),
                (b.id, DueAction::Escalate { to: Level::Street })
            ]
        );
        // Final events leave the index.
        let rejected = step(&b, Action::Reject { reason: "重复" }, &worker(), T0 + 2);
        store
            .apply_event_step(b.version, &rejected, &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.sla_entries_due(i64::MAX).await.unwrap().len(), 1);

        let live = store
            .events_within("330302006", StateFilter::Live, 10)
            .await
            .unwrap();
        assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), vec![a.id]);
        let all = store
            .events_within("330302006", StateFilter::All, 10)
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![b.id, a.id]
        );
        let overdue = store
            .events_within(GULOU, StateFilter::Overdue { now: deadline + 1 }, 10)
            .await
            .unwrap();
        assert_eq!(overdue.len(), 1);
        assert!(
            store
                .events_within(MOCHI, StateFilter::All, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .events_reported_by("resident", 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let candidates = store
            .live_events_between("330302", "sanitation", T0, T0 + 1)
            .await
            .unwrap();
        assert_eq!(candidates.len(), 1);
        let facts = store.event_facts(GULOU, T0, T0 + 2).await.unwrap();
        assert_eq!(facts.len(), 2);
        assert!(facts.iter().any(|f| f.state == EventState::Rejected));
        let listed = store
            .events_reported_between(
                None,
                T0,
                T0 + 10,
                Some("sanitation"),
                Some(&[EventState::Rejected]),
                10,
            )
            .await
            .unwrap();
        assert_eq!(listed.iter().map(|e| e.id).collect::<Vec<_>>(), vec![b.id]);
    }
);

on_both!(
    bulk_loaded_events_keep_the_numbering,
    |store: Store| async move {
        setup(&store).await;
        let template = reported(&store, "模板", p(120.6561, 28.0131), T0).await;
        let mut many = Vec::new();
        for i in 2..=450u64 {
            let mut e = template.clone();
            e.id = EventId(i);
            e.deadline = if i % 3 == 0 {
                None
            } else {
                Some(T0 + i as i64)
            };
            e.state = if i % 3 == 0 {
                EventState::Closed
            } else {
                EventState::Accepted
            };
            many.push(e);
        }
        store.bulk_events(&many).await.unwrap();
        let next = reported(&store, "新的", p(120.6561, 28.0131), T0).await;
        assert_eq!(next.id, EventId(451));
        let due = store.sla_entries_due(T0 + 451).await.unwrap();
        // 449 loaded, of which 150 closed (i divisible by 3): 299 with deadlines before T0 + 451.
        assert_eq!(due.len(), 299);
        assert_eq!(
            store.event(EventId(300)).await.unwrap().unwrap().state,
            EventState::Closed
        );
    }
);

/// The roll-up an area's overview reads equals the tally of its events counted afresh, at every
/// level, after reports, steps, a merge, a refusal and a report in the year before; and it is
/// rebuilt the same from the events when it is missing.
async fn assert_roll_up_matches_the_events(store: &Store, year: i64) {
    use std::collections::BTreeMap;
    use xingfu_core::overview::EventTally;
    let (from, to) = xingfu_core::dates::cst_year_period(year);
    for (level, digits) in [
        ("community", 12),
        ("street", 9),
        ("district", 6),
        ("city", 4),
    ] {
        let mut expected: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for (community, fact) in store.event_facts_within("33", from, to).await.unwrap() {
            let unit = format!("{:0<12}", &community[..digits]);
            expected.entry(unit).or_default().push(fact);
        }
        let expected: Vec<(String, EventTally)> = expected
            .into_iter()
            .map(|(unit, facts)| (unit, EventTally::of(&facts, from, to)))
            .filter(|(_, t)| t.counts() != [0; 4])
            .collect();
        let rolled: Vec<(String, EventTally)> = store
            .event_tallies_by_area("33", level, year)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, t)| t.counts() != [0; 4])
            .collect();
        assert_eq!(rolled, expected, "{level} {year}");
    }
}

on_both!(
    the_event_roll_up_follows_every_write,
    |store: Store| async move {
        setup(&store).await;
        let a = reported(&store, "楼道堆物", p(120.6561, 28.0131), T0 + 1).await;
        let b = reported(&store, "垃圾桶满了", p(120.6562, 28.0132), T0 + 2).await;
        let c = reported(&store, "路灯坏了", p(120.6563, 28.0133), T0 + 3).await;
        let _last_year = reported(&store, "去年的事", p(120.6564, 28.0134), T0 - 1).await;
        let accept = step(&a, Action::Accept, &worker(), T0 + 10);
        store
            .apply_event_step(a.version, &accept, &[])
            .await
            .unwrap()
            .unwrap();
        let reject = step(
            &b,
            Action::Reject {
                reason: "不属实"
            },
            &worker(),
            T0 + 11,
        );
        store
            .apply_event_step(b.version, &reject, &[])
            .await
            .unwrap()
            .unwrap();
        let merge = step(
            &c,
            Action::MergeInto {
                primary: a.id,
                primary_state: EventState::Accepted,
            },
            &worker(),
            T0 + 12,
        );
        store
            .apply_event_step(c.version, &merge, &[])
            .await
            .unwrap()
            .unwrap();
        // 2024: a is reported and open; b rejected and c merged count for nothing.
        let this_year = store
            .event_tallies_by_area("330302006", "street", 2024)
            .await
            .unwrap();
        assert_eq!(this_year.len(), 1);
        assert_eq!(this_year[0].0, "330302006000");
        assert_eq!(this_year[0].1.counts(), [1, 0, 0, 0]);
        assert_eq!(
            store
                .event_tallies_by_area("3303", "city", 2023)
                .await
                .unwrap()[0]
                .1
                .reported,
            1
        );
        for year in [2023, 2024] {
            assert_roll_up_matches_the_events(&store, year).await;
        }
        // Missing (a database from before the roll-up): built again from the events, the same.
        store
            .execute_admin("DELETE FROM event_area_tallies")
            .await
            .unwrap();
        assert!(
            store
                .event_tallies_by_area("33", "city", 2024)
                .await
                .unwrap()
                .is_empty()
        );
        store.fill_event_tallies_if_empty().await.unwrap();
        for year in [2023, 2024] {
            assert_roll_up_matches_the_events(&store, year).await;
        }
    }
);

on_both!(
    reporters_steps_are_read_newest_first_within_bounds,
    |store: Store| async move {
        setup(&store).await;
        let kinds = [ActionKind::Accept, ActionKind::Resolve];
        // An anonymous report, accepted: never read.
        let rules = EventRules::baseline();
        let valid = validate_report(report("匿名", p(120.6561, 28.0131)), &rules).unwrap();
        let anonymous = store
            .create_event(
                |id| open(id, valid, GULOU, None, None, T0, &rules),
                &[],
                &Extras::default(),
            )
            .await
            .unwrap()
            .unwrap();
        let accepted = step(&anonymous, Action::Accept, &worker(), T0 + 10);
        store
            .apply_event_step(anonymous.version, &accepted, &[])
            .await
            .unwrap()
            .unwrap();
        // The resident's report: accepted, dispatched, started, resolved.
        let mut event = reported(&store, "井盖松动", p(120.6562, 28.0132), T0).await;
        let mut at = T0;
        for action in [
            Action::Accept,
            Action::Dispatch { to: "gulou" },
            Action::Start,
            Action::Resolve,
        ] {
            at += HOUR_MS;
            let decision = step(&event, action, &worker(), at);
            store
                .apply_event_step(event.version, &decision, &[])
                .await
                .unwrap()
                .unwrap();
            event = decision.event;
        }
        let read = store.reporter_steps_since(T0, &kinds, 10).await.unwrap();
        let seen: Vec<(u64, &str, &str)> = read
            .iter()
            .map(|r| (r.step.version, r.step.action.key(), r.reporter.as_str()))
            .collect();
        assert_eq!(
            seen,
            [(5, "resolve", "resident"), (2, "accept", "resident")]
        );
        assert_eq!(read[0].description, "井盖松动");
        assert_eq!(read[0].category, "sanitation");
        assert_eq!(read[0].step.to_state, EventState::Resolved);
        assert_eq!(read[0].step.at, T0 + 4 * HOUR_MS);
        // Bounded in time and in number.
        let later = store
            .reporter_steps_since(T0 + 2 * HOUR_MS, &kinds, 10)
            .await
            .unwrap();
        assert_eq!(later.len(), 1);
        let one = store.reporter_steps_since(T0, &kinds, 1).await.unwrap();
        assert_eq!(one[0].step.version, 5);
        assert!(
            store
                .reporter_steps_since(T0, &[], 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
