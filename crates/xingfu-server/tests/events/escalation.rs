//! The sweep escalating overdue events, level by level.

use super::*;

/// Sanitation's time limit at every level, and the reporter's confirmation window.
const LIMIT: i64 = 48 * HOUR_MS;

on_both!(the_sweep_escalates_overdue_events_and_each_level_hands_down);
async fn the_sweep_escalates_overdue_events_and_each_level_hands_down(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "井盖松动").await;
    let store = &server.state.store;
    let deadline = event(server, id).await.deadline.unwrap();
    assert_eq!(deadline, event(server, id).await.reported_at + LIMIT);

    // At the deadline it is still on time; a millisecond later it goes to the street, once,
    // even with two servers sweeping at the same moment.
    assert_eq!(sweep(store, deadline).await.unwrap().escalated, 0);
    let second = xingfu_store::Store::connect(&server.url).await.unwrap();
    let (a, b) = tokio::join!(sweep(store, deadline + 1), sweep(&second, deadline + 1));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.escalated + b.escalated, 1, "{a:?} {b:?}");
    second.close().await;
    let e = event(server, id).await;
    assert_eq!(
        (e.level, e.state, e.escalations, e.late),
        (Level::Street, EventState::Accepted, 1, true)
    );
    assert_eq!(e.deadline, Some(deadline + 1 + LIMIT));
    assert_eq!(sweep(store, deadline + 2).await.unwrap().escalated, 0);

    // The community can no longer act; the street hands it back down.
    let (status, body) = act(
        server,
        &worker,
        id,
        &[("action", "dispatch"), ("to", "gulou")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("此事件当前由街道级处理"), "{body}");
    let street = server.sign_in("wuma").await;
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &street).await;
    assert!(page.contains("value=\"hand_down\""));
    let (status, _) = act(
        server,
        &street,
        id,
        &[
            ("action", "hand_down"),
            ("level", "community"),
            ("note", "请社区处理"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let e = event(server, id).await;
    assert_eq!(
        (e.level, e.state, e.escalations),
        (Level::Community, EventState::Accepted, 1)
    );

    // Overdue again twice: street, then district; the district is overdue at the top and is
    // listed for supervision, and it hands down to the street.
    let d1 = e.deadline.unwrap();
    assert_eq!(sweep(store, d1 + 1).await.unwrap().escalated, 1);
    let d2 = event(server, id).await.deadline.unwrap();
    assert_eq!(sweep(store, d2 + 1).await.unwrap().escalated, 1);
    let e = event(server, id).await;
    assert_eq!((e.level, e.escalations), (Level::District, 3));
    let top = sweep(store, e.deadline.unwrap() + 1).await.unwrap();
    assert_eq!((top.escalated, top.supervised), (0, 1));
    let district = server.sign_in("district").await;
    let (_, body, _) = server.get("/events?show=all", &district).await;
    assert!(body.contains(&format!("#{}", id.0)));
    let (status, _) = act(
        server,
        &district,
        id,
        &[("action", "hand_down"), ("level", "street")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(event(server, id).await.level, Level::Street);
    let steps = store.event_steps(id).await.unwrap();
    let escalations: Vec<&str> = steps
        .iter()
        .filter(|s| s.action.key() == "escalate")
        .map(|s| s.actor.as_str())
        .collect();
    assert_eq!(escalations, ["system", "system", "system"]);
}
