//! The people work's metrics for a period.

use super::*;

async fn metrics_for_a_period(server: &Server) {
    let store = &server.state.store;
    let worker = user_id(server, "gulou").await;
    let household = store
        .create_household(
            &NewHousehold {
                community_code: GULOU,
                grid_id: None,
                building: None,
                address: "1号",
                contact_name: None,
                phone: None,
            },
            by(&worker, 1),
        )
        .await
        .unwrap();
    // Visits on 1 May 09:00, 31 May 23:59 and 1 June 00:00 (China time).
    let june = people::parse_day("2024-06-01").unwrap();
    for at in [MAY_DAY_9, june - MINUTE, june] {
        store
            .record_visit(
                &NewVisit {
                    household_id: &household.id,
                    visitor_id: &worker,
                    visited_at: at,
                    purpose: "routine",
                    notes: "",
                    follow_ups: vec![],
                },
                at,
            )
            .await
            .unwrap();
    }
    // Two activities in May (one cancelled), one in June; 331 volunteer minutes in May.
    let make = |title: &'static str, starts_at: i64| async move {
        store
            .create_activity(
                &NewActivity {
                    community_code: GULOU,
                    title,
                    activity_type: "general",
                    station_id: None,
                    team_id: None,
                    starts_at,
                    ends_at: starts_at + 6 * HOUR,
                },
                by("gulou", 1),
            )
            .await
            .unwrap()
    };
    let may = make("义诊", MAY_DAY_9).await;
    let cancelled = make("取消的活动", MAY_DAY_9 + HOUR).await;
    let june_activity = make("六月活动", june).await;
    store.cancel_activity(&cancelled.id).await.unwrap();
    store.set_people_served(&may.id, 30).await.unwrap();
    store.set_people_served(&june_activity.id, 7).await.unwrap();
    for (i, minutes) in [90, 241].into_iter().enumerate() {
        let v = store
            .create_volunteer(
                &NewVolunteer {
                    community_code: GULOU,
                    name: if i == 0 { "甲" } else { "乙" },
                    team_id: None,
                    user_id: None,
                    phone: None,
                },
                1,
            )
            .await
            .unwrap();
        store
            .sign_in(&may.id, &v.id, by("gulou", MAY_DAY_9))
            .await
            .unwrap();
        store
            .sign_out(
                &may.id,
                &v.id,
                minutes,
                None,
                by("gulou", MAY_DAY_9 + minutes * MINUTE),
            )
            .await
            .unwrap();
    }

    let may_first = people::parse_day("2024-05-01").unwrap();
    let values = people::people_metrics(&server.state, GULOU, may_first, june)
        .await
        .unwrap();
    let value = |key: &str| values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    assert_eq!(value(metrics::VISITS_COUNT), Some(Dec2::from_int(2)));
    assert_eq!(value(metrics::ACTIVITIES_COUNT), Some(Dec2::from_int(1)));
    // 331 minutes = 5.5166… h → 5.52
    assert_eq!(value(metrics::VOLUNTEERS_HOURS), Some(Dec2(552)));
    assert_eq!(
        value(metrics::PEOPLE_SERVED_COUNT),
        Some(Dec2::from_int(30))
    );
    assert_eq!(values.len(), 4, "only the keys this half feeds");
    // One millisecond more takes in the June visit and activity.
    let values = people::people_metrics(&server.state, GULOU, may_first, june + 1)
        .await
        .unwrap();
    let value = |key: &str| values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    assert_eq!(value(metrics::VISITS_COUNT), Some(Dec2::from_int(3)));
    assert_eq!(
        value(metrics::PEOPLE_SERVED_COUNT),
        Some(Dec2::from_int(37))
    );
    assert!(
        people::people_metrics(&server.state, GULOU, june, june)
            .await
            .is_err()
    );
    // Another community has nothing.
    let values = people::people_metrics(&server.state, MOCHI, may_first, june)
        .await
        .unwrap();
    assert!(values.iter().all(|(_, v)| *v == Dec2::ZERO));

    // The page (both dates included) and the API show the same values.
    let staff = browser(server, "gulou").await;
    let (status, page, _) = server
        .get(
            "/people/metrics?from=2024-05-01&to=2024-05-31",
            &staff.cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td class=\"num\">5.52</td>") && page.contains("<td class=\"num\">30</td>")
    );
    let (status, page, _) = server
        .get(
            "/people/metrics?from=2024-05-31&to=2024-05-01",
            &staff.cookie,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("结束日期不能早于开始日期"));
    let resident = browser(server, "gulou-resident").await;
    let (status, _, _) = server.get("/people/metrics", &resident.cookie).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = api_token(server, "wuma").await;
    let reply = api(
        server,
        Method::GET,
        &format!("/api/v1/communities/{GULOU}/people-metrics?from={may_first}&to={june}"),
        &token,
        None,
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    let hours = reply
        .1
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "volunteers.hours")
        .unwrap();
    assert_eq!(hours["value"], 5.52);
}
on_both!(metrics_for_a_period);
