//! The operations' items in the 待办 list, on SQLite and PostgreSQL, through the services with
//! a real store: 随手拍 events at each step of the closed loop (for the person whose step it
//! is, overdue by the core's time limits), home-visit follow-ups due (names only for those
//! who keep the household), volunteer activities to sign off and love-mall redemptions to
//! hand out (for the community's own workers), each gone once done.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::events::{report, step};
use common::{Server, between, urlencode};
use xingfu_core::ops::events::HOUR_MS;
use xingfu_core::todo::{self, TodoItem, TodoKind};
use xingfu_core::workflow::Role;
use xingfu_server::app::clock::now_ms;
use xingfu_server::events::service::{Command, rules, sweep};
use xingfu_server::i18n::Lang;
use xingfu_server::people::service as people;
use xingfu_store::rounds::By;
use xingfu_store::visits::{AccessFilter, NewFollowUp, NewHousehold, NewVisit};
use xingfu_store::volunteers::{NewActivity, NewVolunteer};

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const DAY: i64 = 24 * HOUR_MS;

async fn events_of(server: &Server, username: &str, now: i64) -> Vec<TodoItem> {
    let user = server.user(username).await;
    let mut items = xingfu_server::events::service::todo::todo(&server.state, &user, now)
        .await
        .unwrap();
    todo::order(&mut items);
    items
}

async fn people_of(server: &Server, username: &str, now: i64) -> Vec<TodoItem> {
    let user = server.user(username).await;
    people::todo::todo(&server.state, &user, now).await.unwrap()
}

/// The person's people items of `kind`.
async fn people_kind(server: &Server, username: &str, now: i64, kind: TodoKind) -> Vec<TodoItem> {
    let mut items = people_of(server, username, now).await;
    items.retain(|i| i.kind == kind);
    items
}

fn kinds_for(items: &[TodoItem], link: &str) -> Vec<TodoKind> {
    items
        .iter()
        .filter(|i| i.link == link)
        .map(|i| i.kind)
        .collect()
}

async fn events_follow_the_loop(server: &Server) {
    server
        .account("handler", Role::CommunityWorker, GULOU)
        .await;
    server.account("mochi", Role::CommunityWorker, MOCHI).await;
    let state = &server.state;
    let now = now_ms();
    let limit = rules()
        .limit_ms("sanitation", xingfu_core::ops::Level::Community)
        .unwrap();
    let late = report(
        state,
        Some("gulou-resident"),
        "楼下垃圾桶满了",
        now - limit - HOUR_MS,
    )
    .await;
    let fresh = report(state, Some("gulou-resident"), "路灯不亮", now - HOUR_MS).await;
    let late_link = format!("/events/{}", late.id);
    let fresh_link = format!("/events/{}", fresh.id);

    // Reported: the community's staff accept; the late one first, overdue by the core's limit.
    let items = events_of(server, "gulou", now).await;
    assert_eq!(kinds_for(&items, &late_link), [TodoKind::AcceptEvent]);
    assert_eq!(kinds_for(&items, &fresh_link), [TodoKind::AcceptEvent]);
    assert_eq!(items[0].link, late_link, "overdue first: {items:?}");
    assert_eq!(items[0].due_ms, Some(late.reported_at + limit));
    assert!(items[0].is_overdue(now));
    assert!(!items[1].is_overdue(now));
    assert_eq!(todo::overdue(&items, now), 1);
    assert!(
        items[0].subject.contains("环境卫生"),
        "{}",
        items[0].subject
    );
    assert!(items[0].subject.contains("楼下垃圾桶满了"));
    assert_eq!(items[0].context, "鼓楼社区");
    // Not another community's staff, not the street (it is at community level), not the
    // reporter, not an assessor.
    for other in ["mochi", "wuma", "district", "gulou-resident", "assessor"] {
        assert!(
            events_of(server, other, now).await.is_empty(),
            "{other} has nothing to do"
        );
    }

    // Accepted: its accept item goes, a dispatch item appears for the dispatcher.
    let fresh = step(server, "gulou", &fresh, Command::Accept, now).await;
    let items = events_of(server, "gulou", now).await;
    assert_eq!(kinds_for(&items, &fresh_link), [TodoKind::DispatchEvent]);
    assert_eq!(kinds_for(&items, &late_link), [TodoKind::AcceptEvent]);

    // Dispatched: the handler handles it; the dispatcher has nothing more on it.
    let fresh = step(
        server,
        "gulou",
        &fresh,
        Command::Dispatch {
            to: "handler".into(),
        },
        now,
    )
    .await;
    assert!(kinds_for(&events_of(server, "gulou", now).await, &fresh_link).is_empty());
    let handler = events_of(server, "handler", now).await;
    assert_eq!(kinds_for(&handler, &fresh_link), [TodoKind::HandleEvent]);
    // As a community worker of 鼓楼, the handler may also accept the late one.
    assert_eq!(kinds_for(&handler, &late_link), [TodoKind::AcceptEvent]);
    let fresh = step(server, "handler", &fresh, Command::Start, now).await;
    assert_eq!(
        kinds_for(&events_of(server, "handler", now).await, &fresh_link),
        [TodoKind::HandleEvent]
    );

    // Resolved: the reporter confirms, by the end of the confirmation window.
    let fresh = step(server, "handler", &fresh, Command::Resolve, now).await;
    assert!(kinds_for(&events_of(server, "handler", now).await, &fresh_link).is_empty());
    let mine = events_of(server, "gulou-resident", now).await;
    assert_eq!(kinds_for(&mine, &fresh_link), [TodoKind::ConfirmEvent]);
    assert_eq!(
        mine[0].due_ms,
        Some(now + rules().confirm_window_ms()),
        "due at the end of the window"
    );
    assert!(kinds_for(&events_of(server, "gulou", now).await, &fresh_link).is_empty());
    step(server, "gulou-resident", &fresh, Command::Confirm, now).await;
    assert!(events_of(server, "gulou-resident", now).await.is_empty());

    // An anonymous report, once resolved, is closed by the staff who may close it.
    let anonymous = report(state, None, "井盖松动", now - HOUR_MS).await;
    let link = format!("/events/{}", anonymous.id);
    let anonymous = step(server, "gulou", &anonymous, Command::Accept, now).await;
    let anonymous = step(
        server,
        "gulou",
        &anonymous,
        Command::Dispatch { to: "gulou".into() },
        now,
    )
    .await;
    let anonymous = step(server, "gulou", &anonymous, Command::Start, now).await;
    step(server, "gulou", &anonymous, Command::Resolve, now).await;
    let items = events_of(server, "gulou", now).await;
    assert_eq!(kinds_for(&items, &link), [TodoKind::ConfirmEvent]);
    assert!(kinds_for(&events_of(server, "mochi", now).await, &link).is_empty());

    // Accepting the late one takes it off the handler's list too.
    step(server, "handler", &late, Command::Accept, now).await;
    let handler = events_of(server, "handler", now).await;
    assert_eq!(kinds_for(&handler, &late_link), [TodoKind::DispatchEvent]);
    assert!(handler[0].is_overdue(now), "still overdue: {handler:?}");

    // The deadline sweep takes the overdue one to the street: the street dispatches it now,
    // with a fresh limit, and the community no longer does.
    sweep(&state.store, now).await.unwrap();
    assert!(kinds_for(&events_of(server, "handler", now).await, &late_link).is_empty());
    let street = events_of(server, "wuma", now).await;
    assert_eq!(kinds_for(&street, &late_link), [TodoKind::DispatchEvent]);
    assert_eq!(street[0].due_ms, Some(now + limit));
    assert!(!street[0].is_overdue(now));
    assert!(events_of(server, "longwan", now).await.is_empty());
}
on_both!(events_follow_the_loop);

async fn follow_ups_are_for_the_households_keepers(server: &Server) {
    server.account("mochi", Role::CommunityWorker, MOCHI).await;
    let store = &server.state.store;
    let now = now_ms();
    let by = By {
        actor: "gulou",
        at: now - 3 * DAY,
    };
    let household = store
        .create_household(
            &NewHousehold {
                community_code: GULOU,
                grid_id: None,
                building: None,
                address: "解放街 12 号 301",
                contact_name: Some("张阿姨"),
                phone: None,
            },
            by,
        )
        .await
        .unwrap();
    let visit = store
        .record_visit(
            &NewVisit {
                household_id: &household.id,
                visitor_id: "gulou",
                visited_at: now - 3 * DAY,
                purpose: "care_visit",
                notes: "",
                follow_ups: vec![
                    NewFollowUp {
                        what: "送药上门",
                        due: Some(now - DAY),
                    },
                    NewFollowUp {
                        what: "联系子女",
                        due: Some(now + 3 * DAY),
                    },
                ],
            },
            now - 3 * DAY,
        )
        .await
        .unwrap();

    let follow = people_kind(server, "gulou", now, TodoKind::FollowUpVisit).await;
    assert_eq!(follow.len(), 1, "only the one due: {follow:?}");
    let item = &follow[0];
    assert!(item.subject.contains("张阿姨"), "{}", item.subject);
    assert!(item.subject.contains("送药上门"));
    assert_eq!(item.context, "鼓楼社区");
    assert_eq!(item.due_ms, Some(now - DAY));
    assert!(item.is_overdue(now));
    assert_eq!(item.link, format!("/visits/households/{}", household.id));
    // Showing names is a view of named households, logged like the others.
    let logged = store
        .access_log(&AccessFilter {
            prefix: "330302",
            community_code: None,
            actor_name: Some("gulou"),
            subject: Some("todo_follow_ups"),
            before: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].shown, 1);

    // Those who see only counts (the street, the district) and other communities' staff get
    // no follow-up, and no name anywhere in their list.
    for other in ["wuma", "district", "city", "mochi", "gulou-resident"] {
        let items = people_of(server, other, now).await;
        assert!(
            items.iter().all(|i| i.kind != TodoKind::FollowUpVisit
                && !i.subject.contains("张阿姨")
                && !i.subject.contains("解放街")),
            "{other}: {items:?}"
        );
    }
    // Due later: on the list once its day comes.
    let later = people_kind(server, "gulou", now + 3 * DAY, TodoKind::FollowUpVisit).await;
    assert_eq!(later.len(), 2);

    // Done: gone.
    assert!(
        store
            .complete_follow_up(
                &visit.id,
                1,
                By {
                    actor: "gulou",
                    at: now
                }
            )
            .await
            .unwrap()
    );
    assert!(
        people_kind(server, "gulou", now, TodoKind::FollowUpVisit)
            .await
            .is_empty()
    );
}
on_both!(follow_ups_are_for_the_households_keepers);

async fn activities_and_redemptions_for_the_communitys_workers(server: &Server) {
    server.account("mochi", Role::CommunityWorker, MOCHI).await;
    let state = &server.state;
    let store = &state.store;
    let now = now_ms();
    let by = |at| By { actor: "gulou", at };
    let resident = store
        .user_by_username("gulou-resident")
        .await
        .unwrap()
        .unwrap();
    let volunteer = store
        .create_volunteer(
            &NewVolunteer {
                community_code: GULOU,
                name: "李大爷",
                team_id: None,
                user_id: Some(&resident.id),
                phone: None,
            },
            now - 5 * DAY,
        )
        .await
        .unwrap();
    let ended = store
        .create_activity(
            &NewActivity {
                community_code: GULOU,
                title: "重阳节敬老",
                activity_type: "care",
                station_id: None,
                team_id: None,
                starts_at: now - 2 * DAY,
                ends_at: now - 2 * DAY + 3 * HOUR_MS,
            },
            by(now - 3 * DAY),
        )
        .await
        .unwrap();
    let running = store
        .create_activity(
            &NewActivity {
                community_code: GULOU,
                title: "周末义诊",
                activity_type: "care",
                station_id: None,
                team_id: None,
                starts_at: now - HOUR_MS,
                ends_at: now + HOUR_MS,
            },
            by(now - 3 * DAY),
        )
        .await
        .unwrap();
    for activity in [&ended.id, &running.id] {
        let at = if *activity == ended.id {
            now - 2 * DAY
        } else {
            now - HOUR_MS
        };
        assert!(
            store
                .sign_in(activity, &volunteer.id, by(at))
                .await
                .unwrap()
        );
    }

    let sign_off = people_kind(server, "gulou", now, TodoKind::SignOffActivity).await;
    assert_eq!(sign_off.len(), 1, "only the ended one: {sign_off:?}");
    assert!(sign_off[0].subject.contains("重阳节敬老"));
    assert!(sign_off[0].subject.contains("1 人未签退"));
    assert_eq!(
        sign_off[0].link,
        format!("/volunteers/activities/{}", ended.id)
    );
    assert_eq!(sign_off[0].context, "鼓楼社区");

    // A redemption made online waits at the station; one at the counter does not.
    store
        .adjust_points("adjust:t1", &volunteer.id, 500, "开户", by(now - DAY))
        .await
        .unwrap();
    let towel = store
        .create_item(GULOU, "毛巾", 50, 10, by(now - DAY))
        .await
        .unwrap();
    let resident_user = server.user("gulou-resident").await;
    let online = people::redeem(
        state,
        &resident_user,
        None,
        &towel.id,
        "2",
        "online-request-1",
        Lang::Zh,
    )
    .await
    .unwrap_or_else(|e| panic!("{:?}", e.into_app()));
    let worker = server.user("gulou").await;
    people::redeem(
        state,
        &worker,
        Some(&volunteer.id),
        &towel.id,
        "1",
        "counter-request-1",
        Lang::Zh,
    )
    .await
    .unwrap_or_else(|e| panic!("{:?}", e.into_app()));
    let handouts = people_kind(server, "gulou", now, TodoKind::HandOutRedemption).await;
    assert_eq!(handouts.len(), 1, "{handouts:?}");
    assert!(handouts[0].subject.contains("李大爷"));
    assert!(handouts[0].subject.contains("毛巾"));
    assert!(handouts[0].subject.contains("2"));
    assert_eq!(
        handouts[0].link,
        format!("/mall?community={GULOU}#handouts")
    );

    // Not for another community's workers, the street (it oversees, does not run), or the
    // volunteer.
    for other in ["mochi", "wuma", "district", "gulou-resident"] {
        let items = people_of(server, other, now).await;
        assert!(
            items.iter().all(|i| !matches!(
                i.kind,
                TodoKind::SignOffActivity | TodoKind::HandOutRedemption
            )),
            "{other}: {items:?}"
        );
    }

    // Signed off: the activity goes.
    people::sign_out(
        state,
        &worker,
        &ended.id,
        &volunteer.id,
        now - DAY,
        Lang::Zh,
    )
    .await
    .unwrap_or_else(|e| panic!("{:?}", e.into_app()));
    // Handed out over real HTTP from the mall page: the redemption goes.
    let cookie = server.sign_in("gulou").await;
    let (status, page, _) = server
        .get(&format!("/mall?community={GULOU}"), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("待发放的兑换"));
    assert!(page.contains("李大爷"));
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let form = format!(
        "csrf={}&redemption={}",
        urlencode(&csrf),
        urlencode(&online.key)
    );
    let (status, body, _) = server.post("/mall/hand-out", &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(body.starts_with(&format!("/mall?community={GULOU}&done=handed_out")));
    let items = people_of(server, "gulou", now).await;
    assert!(
        items.iter().all(|i| !matches!(
            i.kind,
            TodoKind::SignOffActivity | TodoKind::HandOutRedemption
        )),
        "{items:?}"
    );
    // Handing out twice is refused.
    let (status, _, _) = server.post("/mall/hand-out", &cookie, &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Another community's worker may not hand it out.
    let refunded = people::redeem(
        state,
        &resident_user,
        None,
        &towel.id,
        "1",
        "online-request-2",
        Lang::Zh,
    )
    .await
    .unwrap_or_else(|e| panic!("{:?}", e.into_app()));
    let mochi = server.user("mochi").await;
    assert!(
        people::hand_out(state, &mochi, &refunded.key, Lang::Zh)
            .await
            .is_err()
    );
    let handouts = people_kind(server, "gulou", now, TodoKind::HandOutRedemption).await;
    assert_eq!(handouts.len(), 1);
    // Refunded: no longer waiting.
    store.refund(&refunded.key, by(now)).await.unwrap();
    assert!(
        people_kind(server, "gulou", now, TodoKind::HandOutRedemption)
            .await
            .is_empty()
    );
}
on_both!(activities_and_redemptions_for_the_communitys_workers);
