//! Home visits, the access log, volunteers, the points ledger and love-mall redemptions, on
//! both databases; redemptions also under concurrent requests.

mod common;

use xingfu_core::ops::points::{LedgerRefusal, verify};
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::By;
use xingfu_store::visits::{AccessFilter, NewAccess, NewFollowUp, NewHousehold, NewVisit};
use xingfu_store::volunteers::{
    Applied, NewActivity, NewVolunteer, PointsError, SignedOut, VolunteerRow,
};

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const T0: i64 = 1_714_521_600_000; // 2024-05-01T08:00:00+08:00
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

fn by(actor: &str, at: i64) -> By<'_> {
    By { actor, at }
}

/// Regions of 五马街道 and one community-worker account in 鼓楼社区; returns its id.
async fn seeded(store: &Store) -> String {
    store
        .upsert_regions(&[
            region("330302000000", "鹿城区", "district", None),
            region("330302006000", "五马街道", "street", Some("330302000000")),
            region(GULOU, "鼓楼社区", "community", Some("330302006000")),
            region(MOCHI, "墨池社区", "community", Some("330302006000")),
        ])
        .await
        .unwrap();
    store
        .create_user(
            &NewUser {
                username: "grid-1",
                display_name: "网格员甲",
                password_hash: "x",
                role: "community_worker",
                region_code: GULOU,
            },
            0,
        )
        .await
        .unwrap()
        .id
}

on_both!(
    assignments_are_kept_once_and_audited,
    |store: Store| async move {
        let user = seeded(&store).await;
        store
            .assign(&user, "grid_member", GULOU, "G01", by("admin", 1))
            .await
            .unwrap();
        store
            .assign(&user, "building_head", GULOU, "3幢", by("admin", 2))
            .await
            .unwrap();
        let twice = store
            .assign(&user, "grid_member", GULOU, "G01", by("admin", 3))
            .await;
        assert!(matches!(
            twice,
            Err(xingfu_store::StoreError::Duplicate { .. })
        ));
        let mine = store.assignments_of(&user).await.unwrap();
        let scopes: Vec<(&str, &str)> = mine
            .iter()
            .map(|a| (a.kind.as_str(), a.scope.as_str()))
            .collect();
        assert_eq!(scopes, [("building_head", "3幢"), ("grid_member", "G01")]);
        assert_eq!(mine[0].username, "grid-1");
        assert_eq!(store.assignments_in(MOCHI).await.unwrap().len(), 0);
        assert!(
            store
                .unassign(&user, "building_head", GULOU, "3幢", by("admin", 4))
                .await
                .unwrap()
        );
        assert!(
            !store
                .unassign(&user, "building_head", GULOU, "3幢", by("admin", 5))
                .await
                .unwrap()
        );
        assert_eq!(store.assignments_in(GULOU).await.unwrap().len(), 1);
        let actions: Vec<String> = store
            .audit_for_community(GULOU)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions, ["assign", "assign", "unassign"]);
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    households_lists_and_visits_with_follow_ups,
    |store: Store| async move {
        let user = seeded(&store).await;
        let household = store
            .create_household(
                &NewHousehold {
                    community_code: GULOU,
                    grid_id: Some("G01"),
                    building: Some("3幢"),
                    address: "3幢2单元401",
                    contact_name: Some("李奶奶"),
                    phone: None,
                },
                by(&user, T0),
            )
            .await
            .unwrap();
        let other = store
            .create_household(
                &NewHousehold {
                    community_code: MOCHI,
                    grid_id: None,
                    building: None,
                    address: "墨池坊 5 号",
                    contact_name: None,
                    phone: Some("13800000000"),
                },
                by(&user, T0),
            )
            .await
            .unwrap();
        assert_eq!(
            store.household(&household.id).await.unwrap().as_ref(),
            Some(&household)
        );
        assert_eq!(store.households_within("330302006").await.unwrap().len(), 2);
        assert_eq!(store.households_within(GULOU).await.unwrap().len(), 1);

        let alone = store
            .add_attention(
                &household,
                "李奶奶",
                "elderly_alone",
                Some("行动不便"),
                by(&user, T0),
            )
            .await
            .unwrap();
        store
            .add_attention(&other, "王某", "low_income", None, by(&user, T0))
            .await
            .unwrap();
        let listed = store.attention_within(GULOU).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].grid_id.as_deref(), Some("G01"));
        assert_eq!(listed[0].building.as_deref(), Some("3幢"));
        assert_eq!(listed[0].address, "3幢2单元401");
        assert_eq!(store.attention_within("330302006").await.unwrap().len(), 2);
        assert!(
            store
                .remove_attention(&alone, by(&user, T0 + 1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .remove_attention(&alone, by(&user, T0 + 2))
                .await
                .unwrap()
        );
        assert!(store.attention_of(&household.id).await.unwrap().is_empty());
        assert!(store.attention_entry(&alone).await.unwrap().is_none());

        let visit = store
            .record_visit(
                &NewVisit {
                    household_id: &household.id,
                    visitor_id: &user,
                    visited_at: T0,
                    purpose: "care_visit",
                    notes: "身体尚好,需要换煤气",
                    follow_ups: vec![
                        NewFollowUp {
                            what: "联系燃气公司",
                            due: Some(T0 + 24 * HOUR),
                        },
                        NewFollowUp {
                            what: "下周再访",
                            due: None,
                        },
                    ],
                },
                T0 + 5,
            )
            .await
            .unwrap();
        assert_eq!(visit.grid_id.as_deref(), Some("G01"));
        assert_eq!(visit.follow_ups.len(), 2);
        let stored = store.visits_of(&household.id).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].visitor_name.as_deref(), Some("网格员甲"));
        assert_eq!(stored[0].follow_ups, visit.follow_ups);
        assert_eq!(
            store.visit_household(&visit.id).await.unwrap().as_deref(),
            Some(household.id.as_str())
        );

        // Dated follow-ups first, soonest due first.
        let open = store.open_follow_ups_within(GULOU).await.unwrap();
        let whats: Vec<&str> = open.iter().map(|f| f.what.as_str()).collect();
        assert_eq!(whats, ["联系燃气公司", "下周再访"]);
        assert!(
            store
                .complete_follow_up(&visit.id, 1, by(&user, T0 + HOUR))
                .await
                .unwrap()
        );
        // Done once: the first completion is kept.
        assert!(
            !store
                .complete_follow_up(&visit.id, 1, by("someone", T0 + 2 * HOUR))
                .await
                .unwrap()
        );
        assert!(
            !store
                .complete_follow_up(&visit.id, 9, by(&user, T0))
                .await
                .unwrap()
        );
        let after = store.visits_of(&household.id).await.unwrap();
        assert_eq!(after[0].follow_ups[0].done_at, Some(T0 + HOUR));
        assert_eq!(
            after[0].follow_ups[0].done_by.as_deref(),
            Some(user.as_str())
        );
        assert_eq!(store.open_follow_ups_within(GULOU).await.unwrap().len(), 1);

        // Visit times: the period is half-open.
        assert_eq!(store.visit_times(GULOU, T0, T0 + 1).await.unwrap(), [T0]);
        assert!(
            store
                .visit_times(GULOU, T0 - 1, T0)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .visit_times(MOCHI, T0, T0 + 1)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

on_both!(
    the_access_log_filters_and_pages,
    |store: Store| async move {
        seeded(&store).await;
        let rows = [
            (1, "grid-1", GULOU, "attention_list"),
            (2, "grid-1", GULOU, "household"),
            (3, "worker", MOCHI, "household"),
            (3, "grid-1", GULOU, "household"),
            (4, "worker", "330302026003", "household"),
        ];
        for (at, name, community, subject) in rows {
            store
                .log_access(&NewAccess {
                    at,
                    actor_id: name,
                    actor_name: name,
                    actor_role: "grid_member",
                    community_code: community,
                    subject,
                    target: "x",
                    shown: 1,
                })
                .await
                .unwrap();
        }
        let wuma = AccessFilter {
            prefix: "330302006",
            limit: 100,
            ..AccessFilter::default()
        };
        let all = store.access_log(&wuma).await.unwrap();
        assert_eq!(all.len(), 4, "松台街道's row is outside 五马街道");
        let ats: Vec<i64> = all.iter().map(|r| r.at).collect();
        assert_eq!(ats, [3, 3, 2, 1], "newest first");
        let only = |f: AccessFilter<'static>| {
            let store = store.clone();
            async move { store.access_log(&f).await.unwrap().len() }
        };
        assert_eq!(
            only(AccessFilter {
                community_code: Some(MOCHI),
                ..wuma.clone()
            })
            .await,
            1
        );
        assert_eq!(
            only(AccessFilter {
                actor_name: Some("grid-1"),
                subject: Some("household"),
                ..wuma.clone()
            })
            .await,
            2
        );
        // Paging: two at a time, each page older than the last row of the one before.
        let first = store
            .access_log(&AccessFilter {
                limit: 2,
                ..wuma.clone()
            })
            .await
            .unwrap();
        let last = first.last().unwrap();
        let second = store
            .access_log(&AccessFilter {
                limit: 2,
                before: Some((last.at, &last.id)),
                ..wuma.clone()
            })
            .await
            .unwrap();
        let mut seen: Vec<String> = first.iter().chain(&second).map(|r| r.id.clone()).collect();
        assert_eq!(seen.len(), 4);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 4, "no row on two pages");
    }
);

/// A volunteer in 鼓楼社区 with `points` earned from one activity.
async fn volunteer_with(store: &Store, name: &str, points: i64) -> VolunteerRow {
    let volunteer = store
        .create_volunteer(
            &NewVolunteer {
                community_code: GULOU,
                name,
                team_id: None,
                user_id: None,
                phone: None,
            },
            T0,
        )
        .await
        .unwrap();
    if points > 0 {
        let activity = store
            .create_activity(
                &NewActivity {
                    community_code: GULOU,
                    title: "助老理发",
                    activity_type: "general",
                    station_id: None,
                    team_id: None,
                    starts_at: T0,
                    ends_at: T0 + 2 * HOUR,
                },
                by("worker", T0),
            )
            .await
            .unwrap();
        assert!(
            store
                .sign_in(&activity.id, &volunteer.id, by("worker", T0))
                .await
                .unwrap()
        );
        let key = format!("earn:{}:{}", activity.id, volunteer.id);
        store
            .sign_out(
                &activity.id,
                &volunteer.id,
                60,
                Some((&key, points)),
                by("worker", T0 + HOUR),
            )
            .await
            .unwrap();
    }
    volunteer
}

on_both!(
    activities_sign_in_and_award_points_once,
    |store: Store| async move {
        seeded(&store).await;
        let station = store
            .create_station(GULOU, "鼓楼志愿者驿站", T0)
            .await
            .unwrap();
        assert!(
            store
                .create_station(GULOU, "鼓楼志愿者驿站", T0)
                .await
                .is_err()
        );
        let team = store
            .create_team(GULOU, "红色管家", Some(&station.id), T0)
            .await
            .unwrap();
        assert_eq!(store.teams_in(GULOU).await.unwrap(), vec![team.clone()]);
        assert_eq!(
            store.stations_in(GULOU).await.unwrap(),
            vec![station.clone()]
        );
        let user = store
            .create_user(
                &NewUser {
                    username: "v-user",
                    display_name: "志愿者",
                    password_hash: "x",
                    role: "resident",
                    region_code: GULOU,
                },
                0,
            )
            .await
            .unwrap();
        let volunteer = store
            .create_volunteer(
                &NewVolunteer {
                    community_code: GULOU,
                    name: "张三",
                    team_id: Some(&team.id),
                    user_id: Some(&user.id),
                    phone: None,
                },
                T0,
            )
            .await
            .unwrap();
        // One account, one volunteer.
        let again = store
            .create_volunteer(
                &NewVolunteer {
                    community_code: GULOU,
                    name: "张三二",
                    team_id: None,
                    user_id: Some(&user.id),
                    phone: None,
                },
                T0,
            )
            .await;
        assert!(again.is_err());
        assert_eq!(
            store
                .volunteer_of_user(&user.id)
                .await
                .unwrap()
                .map(|v| v.id),
            Some(volunteer.id.clone())
        );
        let activity = store
            .create_activity(
                &NewActivity {
                    community_code: GULOU,
                    title: "关爱空巢老人",
                    activity_type: "care",
                    station_id: Some(&station.id),
                    team_id: Some(&team.id),
                    starts_at: T0,
                    ends_at: T0 + 2 * HOUR,
                },
                by("worker", T0 - HOUR),
            )
            .await
            .unwrap();
        assert!(
            store
                .sign_in(&activity.id, &volunteer.id, by("worker", T0))
                .await
                .unwrap()
        );
        assert!(
            !store
                .sign_in(&activity.id, &volunteer.id, by("worker", T0 + 1))
                .await
                .unwrap(),
            "signed in once"
        );
        assert!(!store.cancel_activity(&activity.id).await.unwrap());
        let key = format!("earn:{}:{}", activity.id, volunteer.id);
        let out = store
            .sign_out(
                &activity.id,
                &volunteer.id,
                120,
                Some((&key, 30)),
                by("worker", T0 + 2 * HOUR),
            )
            .await
            .unwrap();
        let SignedOut::Done { award: Some(award) } = out else {
            panic!("expected an award, got {out:?}");
        };
        assert_eq!(
            (award.points, award.seq, award.kind.as_str()),
            (30, 1, "earn")
        );
        assert_eq!(
            store
                .sign_out(
                    &activity.id,
                    &volunteer.id,
                    120,
                    Some((&key, 30)),
                    by("worker", T0 + 3 * HOUR)
                )
                .await
                .unwrap(),
            SignedOut::Already
        );
        assert_eq!(
            store
                .sign_out(&activity.id, "nobody", 1, None, by("worker", T0))
                .await
                .unwrap(),
            SignedOut::NotSignedIn
        );
        assert_eq!(store.balance(&volunteer.id).await.unwrap(), Some(30));
        let record = store.service_record(&volunteer.id).await.unwrap();
        assert_eq!(record.len(), 1);
        assert_eq!(
            (record[0].0.minutes, record[0].1.as_str()),
            (120, "关爱空巢老人")
        );

        // A signed-out volunteer whose time earned nothing: time kept, no ledger row.
        let late = volunteer_with(&store, "李四", 0).await;
        store
            .sign_in(&activity.id, &late.id, by("worker", T0))
            .await
            .unwrap();
        assert_eq!(
            store
                .sign_out(
                    &activity.id,
                    &late.id,
                    3,
                    None,
                    by("worker", T0 + 3 * MINUTE)
                )
                .await
                .unwrap(),
            SignedOut::Done { award: None }
        );
        assert!(store.ledger_of(&late.id).await.unwrap().is_empty());

        // Metric figures: minutes summed per activity, cancelled kept as a flag.
        let empty = store
            .create_activity(
                &NewActivity {
                    community_code: GULOU,
                    title: "取消的活动",
                    activity_type: "general",
                    station_id: None,
                    team_id: None,
                    starts_at: T0 + HOUR,
                    ends_at: T0 + 2 * HOUR,
                },
                by("worker", T0),
            )
            .await
            .unwrap();
        assert!(store.cancel_activity(&empty.id).await.unwrap());
        assert!(!store.cancel_activity(&empty.id).await.unwrap());
        assert!(store.set_people_served(&activity.id, 12).await.unwrap());
        let mut figures = store
            .activity_figures(GULOU, T0, T0 + 24 * HOUR)
            .await
            .unwrap();
        figures.sort_by_key(|f| f.starts_at);
        assert_eq!(figures.len(), 2);
        assert_eq!(
            (
                figures[0].volunteer_minutes,
                figures[0].people_served,
                figures[0].cancelled
            ),
            (123, 12, false)
        );
        assert!(figures[1].cancelled);
        assert!(
            store
                .activity_figures(GULOU, T0 + HOUR + 1, T0 + 24 * HOUR)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

on_both!(
    redemptions_refuse_shortages_and_apply_a_key_once,
    |store: Store| async move {
        seeded(&store).await;
        let volunteer = volunteer_with(&store, "张三", 150).await;
        let rice = store
            .create_item(GULOU, "大米 5kg", 100, 1, by("worker", T0))
            .await
            .unwrap();
        let soap = store
            .create_item(GULOU, "肥皂", 10, 50, by("worker", T0))
            .await
            .unwrap();
        let elsewhere = store
            .create_item(MOCHI, "毛巾", 10, 5, by("worker", T0))
            .await
            .unwrap();
        let at = by("v", T0 + 10 * HOUR);

        // Stock short: 2 wanted, 1 left.
        let short = store
            .redeem("redeem:a", &volunteer.id, &rice.id, 2, at)
            .await;
        assert!(matches!(
            short,
            Err(PointsError::Refused(LedgerRefusal::NotEnoughStock {
                stock: 1,
                wanted: 2,
                ..
            }))
        ));
        // Points short: 16 soaps cost 160 of 150.
        let poor = store
            .redeem("redeem:b", &volunteer.id, &soap.id, 16, at)
            .await;
        assert!(matches!(
            poor,
            Err(PointsError::Refused(LedgerRefusal::NotEnoughPoints {
                balance: 150,
                cost: 160
            }))
        ));
        assert!(matches!(
            store
                .redeem("redeem:c", &volunteer.id, &elsewhere.id, 1, at)
                .await,
            Err(PointsError::OtherCommunity)
        ));
        assert!(matches!(
            store
                .redeem("redeem:d", &volunteer.id, "no-such-item", 1, at)
                .await,
            Err(PointsError::Refused(LedgerRefusal::UnknownItem(_)))
        ));
        // Exactly the balance: 15 soaps cost 150.
        let spent = store
            .redeem("redeem:e", &volunteer.id, &soap.id, 15, at)
            .await
            .unwrap();
        assert!(matches!(spent, Applied::New(_)));
        assert_eq!(spent.row().points, -150);
        assert_eq!(spent.row().item_name.as_deref(), Some("肥皂"));
        assert_eq!(store.balance(&volunteer.id).await.unwrap(), Some(0));
        // The same request again: applied before, nothing taken twice.
        let retry = store
            .redeem("redeem:e", &volunteer.id, &soap.id, 15, at)
            .await
            .unwrap();
        assert!(matches!(retry, Applied::Before(_)));
        assert_eq!(store.item(&soap.id).await.unwrap().unwrap().stock, 35);
        // The same key for another request is refused.
        assert!(matches!(
            store
                .redeem("redeem:e", &volunteer.id, &soap.id, 1, at)
                .await,
            Err(PointsError::KeyReused(_))
        ));
        // An inactive item is refused even with points.
        store
            .adjust_points("adjust:1", &volunteer.id, 100, "补录活动积分", at)
            .await
            .unwrap();
        assert!(store.set_item_active(&rice.id, false).await.unwrap());
        assert!(matches!(
            store
                .redeem("redeem:f", &volunteer.id, &rice.id, 1, at)
                .await,
            Err(PointsError::Refused(LedgerRefusal::ItemInactive(_)))
        ));
        // Refund once: points and stock come back.
        store.refund("redeem:e", at).await.unwrap();
        assert_eq!(store.balance(&volunteer.id).await.unwrap(), Some(250));
        assert_eq!(store.item(&soap.id).await.unwrap().unwrap().stock, 50);
        assert!(matches!(
            store.refund("redeem:e", at).await.unwrap(),
            Applied::Before(_)
        ));
        assert_eq!(store.balance(&volunteer.id).await.unwrap(), Some(250));
        assert!(matches!(
            store.refund("adjust:1", at).await,
            Err(PointsError::Refused(LedgerRefusal::UnknownRedemption(_)))
        ));
        // Adjustments never take a balance below zero; exactly to zero is allowed.
        assert!(matches!(
            store
                .adjust_points("adjust:2", &volunteer.id, -251, "纠错", at)
                .await,
            Err(PointsError::Refused(LedgerRefusal::WouldGoNegative {
                result: -1
            }))
        ));
        assert!(matches!(
            store
                .adjust_points("adjust:3", &volunteer.id, -5, " ", at)
                .await,
            Err(PointsError::Refused(LedgerRefusal::NoReason))
        ));
        store
            .adjust_points("adjust:4", &volunteer.id, -250, "纠错", at)
            .await
            .unwrap();
        assert_eq!(store.balance(&volunteer.id).await.unwrap(), Some(0));

        // The stored ledger replays cleanly and adds up to the stored balance.
        let ledger = store.ledger_of(&volunteer.id).await.unwrap();
        let seqs: Vec<i64> = ledger.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (1..=ledger.len() as i64).collect::<Vec<_>>());
        let core: Vec<_> = ledger.iter().map(|r| r.to_core()).collect();
        assert_eq!(verify(&core), Ok(()));
        assert_eq!(ledger.iter().map(|r| r.points).sum::<i64>(), 0);
    }
);

on_both!(
    concurrent_redemptions_never_oversell,
    |store: Store| async move {
        seeded(&store).await;
        let item = store
            .create_item(GULOU, "食用油", 30, 5, by("worker", T0))
            .await
            .unwrap();
        // 20 volunteers with points enough for one each, asking at once for 5 bottles.
        let mut volunteers = Vec::new();
        for i in 0..20 {
            volunteers.push(volunteer_with(&store, &format!("志愿者{i}"), 30).await);
        }
        let mut tasks = Vec::new();
        for (i, v) in volunteers.iter().enumerate() {
            let store = store.clone();
            let (volunteer, item) = (v.id.clone(), item.id.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .redeem(
                        &format!("redeem:{volunteer}:{i}"),
                        &volunteer,
                        &item,
                        1,
                        by("v", T0),
                    )
                    .await
            }));
        }
        let mut applied = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(Applied::New(_)) => applied += 1,
                Ok(Applied::Before(_)) => panic!("no request was retried"),
                Err(PointsError::Refused(LedgerRefusal::NotEnoughStock { .. })) => {}
                Err(other) => panic!("unexpected refusal: {other:?}"),
            }
        }
        assert_eq!(applied, 5);
        assert_eq!(store.item(&item.id).await.unwrap().unwrap().stock, 0);
        let mut spent = 0;
        for v in &volunteers {
            let balance = store.balance(&v.id).await.unwrap().unwrap();
            assert!(balance == 0 || balance == 30);
            spent += 30 - balance;
            let core: Vec<_> = store
                .ledger_of(&v.id)
                .await
                .unwrap()
                .iter()
                .map(|r| r.to_core())
                .collect();
            assert_eq!(verify(&core), Ok(()));
        }
        assert_eq!(spent, 5 * 30);

        // One volunteer with points for 2, asking 10 times at once, each a new request.
        let plenty = store
            .create_item(GULOU, "肥皂", 10, 100, by("worker", T0))
            .await
            .unwrap();
        let one = volunteer_with(&store, "王五", 20).await;
        let mut tasks = Vec::new();
        for i in 0..10 {
            let store = store.clone();
            let (volunteer, item) = (one.id.clone(), plenty.id.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .redeem(
                        &format!("redeem:{volunteer}:n{i}"),
                        &volunteer,
                        &item,
                        1,
                        by("v", T0),
                    )
                    .await
            }));
        }
        let mut applied = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(Applied::New(_)) => applied += 1,
                Err(PointsError::Refused(LedgerRefusal::NotEnoughPoints { .. })) => {}
                other => panic!("unexpected outcome: {other:?}"),
            }
        }
        assert_eq!(applied, 2);
        assert_eq!(store.balance(&one.id).await.unwrap(), Some(0));
        assert_eq!(store.item(&plenty.id).await.unwrap().unwrap().stock, 98);

        // The same request sent 8 times at once (a retried form): applied once.
        let again = volunteer_with(&store, "赵六", 100).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            let (volunteer, item) = (again.id.clone(), plenty.id.clone());
            tasks.push(tokio::spawn(async move {
                let key = format!("redeem:{volunteer}:same");
                store.redeem(&key, &volunteer, &item, 3, by("v", T0)).await
            }));
        }
        let (mut new, mut before) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(Applied::New(_)) => new += 1,
                Ok(Applied::Before(row)) => {
                    assert_eq!(row.points, -30);
                    before += 1;
                }
                Err(other) => panic!("a retry must not be refused: {other:?}"),
            }
        }
        assert_eq!((new, before), (1, 7));
        assert_eq!(store.balance(&again.id).await.unwrap(), Some(70));
        assert_eq!(store.item(&plenty.id).await.unwrap().unwrap().stock, 95);
        assert_eq!(store.ledger_of(&again.id).await.unwrap().len(), 2);
    }
);
