//! Handling an event: the closed loop through the pages, reopening, duplicates merged and
//! conflicting handlers.

use super::*;

const WINDOW: i64 = 72 * HOUR_MS;

on_both!(the_whole_closed_loop_through_page_posts);
async fn the_whole_closed_loop_through_page_posts(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let before = jpeg_with_gps(64, 48);
    let (lon, lat) = at(IN_G1);
    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "楼下垃圾桶满了"),
            ("lon", &lon),
            ("lat", &lat),
        ],
        &[("photo", "IMG_0001.jpg", "image/jpeg", &before)],
    )
    .await;
    let (_, body, _) = server
        .get(&format!("/events/{}?reported=1", id.0), &resident)
        .await;
    assert!(body.contains(&format!("已收到您的上报，编号 #{}", id.0)));

    // The reporter cannot handle it; the community worker accepts and dispatches to the grid
    // member, who starts and resolves with a photo of the result.
    let (status, _) = act(server, &resident, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("value=\"accept\"") && page.contains("value=\"reject\""));
    assert_eq!(
        act(server, &worker, id, &[("action", "accept")]).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("<option value=\"member1\""), "{page}");
    assert_eq!(
        act(
            server,
            &worker,
            id,
            &[
                ("action", "dispatch"),
                ("to", "member1"),
                ("note", "请今天处理")
            ]
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let (status, body) = act(
        server,
        &worker,
        id,
        &[("action", "dispatch"), ("to", "nobody")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("没有账号“nobody”"));
    let member = server.sign_in("member1").await;
    assert_eq!(
        act(server, &member, id, &[("action", "start")]).await.0,
        StatusCode::SEE_OTHER
    );
    let after = jpeg_with_gps(32, 32);
    let token = csrf(server, &member).await;
    let version = event(server, id).await.version.to_string();
    let (status, headers, body) = post_multipart(
        server,
        &format!("/events/{}", id.0),
        &member,
        multipart(
            &[
                ("csrf", &token),
                ("version", &version),
                ("action", "resolve"),
                ("note", "已清运"),
            ],
            &[("photo", "after.jpg", "image/jpeg", &after)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&headers), format!("/events/{}?done=resolve", id.0));
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Resolved);
    assert!(!e.late);

    // Closing early is refused while the reporter may still confirm; the reporter confirms.
    let (status, body) = act(server, &worker, id, &[("action", "close")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("上报人确认期未满"), "{body}");
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &resident).await;
    assert!(page.contains("value=\"confirm\"") && page.contains("value=\"reopen\""));
    assert_eq!(
        act(server, &resident, id, &[("action", "confirm")]).await.0,
        StatusCode::SEE_OTHER
    );
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Closed);
    assert_eq!(e.deadline, None);

    // Every step with who and when; photos before and after.
    let steps = server.state.store.event_steps(id).await.unwrap();
    let record: Vec<(&str, &str, Option<EventState>)> = steps
        .iter()
        .map(|s| (s.action.key(), s.actor.as_str(), Some(s.to_state)))
        .collect();
    assert_eq!(
        record,
        vec![
            ("report", "gulou-resident", Some(EventState::Reported)),
            ("accept", "gulou", Some(EventState::Accepted)),
            ("dispatch", "gulou", Some(EventState::Dispatched)),
            ("start", "member1", Some(EventState::InProgress)),
            ("resolve", "member1", Some(EventState::Resolved)),
            ("confirm", "gulou-resident", Some(EventState::Closed)),
        ]
    );
    assert_eq!(steps[2].note.as_deref(), Some("请今天处理"));
    assert_eq!(steps[4].note.as_deref(), Some("已清运"));
    assert!(steps.windows(2).all(|w| w[0].at <= w[1].at));
    let photos = server.state.store.event_photos(id).await.unwrap();
    let stages: Vec<(PhotoStage, &str)> = photos
        .iter()
        .map(|p| (p.stage, p.uploaded_by.as_str()))
        .collect();
    assert_eq!(
        stages,
        vec![
            (PhotoStage::Before, "gulou-resident"),
            (PhotoStage::After, "member1")
        ]
    );
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("上报时的照片") && page.contains("处置后的照片"));
    assert!(page.contains(&format!("/event-photos/{}", photos[1].id)));
    assert!(page.contains("已清运") && page.contains("已结案"));

    // The closed event feeds the rating figures.
    let second = report_at(server, &resident, IN_G2, "另一件").await;
    let reported = event(server, second).await.reported_at;
    let metrics = event_metrics(&server.state, GULOU, 0, reported + 1)
        .await
        .unwrap();
    let value = |key: &str| metrics.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    assert_eq!(value("events.reported"), Some(Dec2::from_int(2)));
    assert_eq!(value("events.closed"), Some(Dec2::from_int(1)));
    assert_eq!(value("events.closure_rate"), Some(Dec2::from_int(50)));
    assert_eq!(value("events.on_time_rate"), Some(Dec2::from_int(100)));
    assert!(metrics.iter().all(|(k, _)| k.starts_with("events.")));
    assert!(event_metrics(&server.state, GULOU, 5, 5).await.is_err());
}

on_both!(reopening_needs_a_reason_and_goes_back_to_the_handler);
async fn reopening_needs_a_reason_and_goes_back_to_the_handler(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "路面积水").await;
    for fields in [
        vec![("action", "accept")],
        vec![("action", "dispatch"), ("to", "gulou")],
        vec![("action", "start")],
        vec![("action", "resolve")],
    ] {
        let (status, body) = act(server, &worker, id, &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {body}");
    }
    let (status, body) = act(
        server,
        &resident,
        id,
        &[("action", "reopen"), ("reason", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("重新处理须填写理由"), "{body}");
    let (status, _) = act(
        server,
        &resident,
        id,
        &[("action", "reopen"), ("reason", "还是有积水")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let e = event(server, id).await;
    assert_eq!(
        (e.state, e.assignee.as_deref(), e.reopens),
        (EventState::InProgress, Some("gulou"), 1)
    );
    let steps = server.state.store.event_steps(id).await.unwrap();
    assert_eq!(steps.last().unwrap().note.as_deref(), Some("还是有积水"));
    // Resolved again and not confirmed: the sweep closes it once the window has passed.
    assert_eq!(
        act(server, &worker, id, &[("action", "resolve")]).await.0,
        StatusCode::SEE_OTHER
    );
    let resolved_at = event(server, id).await.resolved_at.unwrap();
    let store = &server.state.store;
    assert_eq!(sweep(store, resolved_at + WINDOW).await.unwrap().closed, 0);
    assert_eq!(
        sweep(store, resolved_at + WINDOW + 1).await.unwrap().closed,
        1
    );
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Closed);
    let last = server
        .state
        .store
        .event_steps(id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.key()),
        ("system", "close")
    );
}

on_both!(duplicates_are_suggested_and_merged);
async fn duplicates_are_suggested_and_merged(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let first = report_at(server, &resident, IN_G1, "垃圾堆在路口").await;
    // 11 m east, minutes later, same category: a duplicate. Another category: not.
    let near = (IN_G1.0 + 0.0001, IN_G1.1);
    let second = report_at(server, &server.sign_in("member2").await, near, "路口有垃圾").await;
    let (lon, lat) = at(near);
    let other = report(
        server,
        &resident,
        &[
            ("category", "public_facility"),
            ("description", "栏杆坏了"),
            ("lon", &lon),
            ("lat", &lat),
        ],
        &[],
    )
    .await;
    let (_, page, _) = server.get(&format!("/events/{}", second.0), &worker).await;
    assert!(page.contains("可能重复的上报"), "{page}");
    assert!(page.contains(&format!("将 #{} 合并到 #{}", second.0, first.0)));
    assert!(!page.contains(&format!("/events/{}\">#{}", other.0, other.0)));
    // The reporter sees no suggestions.
    let (_, page, _) = server.get(&format!("/events/{}", first.0), &resident).await;
    assert!(!page.contains("可能重复的上报"));

    let (status, body) = act(
        server,
        &worker,
        second,
        &[("action", "merge_into"), ("primary", &first.0.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(body.starts_with(&format!("/events/{}?done=merge_into", first.0)));
    let merged = event(server, second).await;
    assert_eq!(
        (merged.state, merged.merged_into),
        (EventState::Merged, Some(first))
    );
    let (_, page, _) = server.get(&format!("/events/{}", first.0), &worker).await;
    assert!(page.contains("已合并进来的重复上报"));
    // Merging into an event that is itself merged is refused.
    let (status, body) = act(
        server,
        &worker,
        other,
        &[("action", "merge_into"), ("primary", &second.0.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能再合并"), "{body}");
}

on_both!(two_handlers_at_once_get_one_conflict);
async fn two_handlers_at_once_get_one_conflict(server: &Server) {
    let worker = with_grids(server).await;
    add_account(server, "gulou2", "community_worker", GULOU).await;
    let other = server.sign_in("gulou2").await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "噪音扰民").await;
    let seen = event(server, id).await.version.to_string();
    let (a, b) = tokio::join!(
        act_from(server, &worker, id, &seen, &[("action", "accept")]),
        act_from(
            server,
            &other,
            id,
            &seen,
            &[("action", "reject"), ("reason", "不是本社区的事")]
        ),
    );
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let loser = if a.0 == StatusCode::CONFLICT {
        &a.1
    } else {
        &b.1
    };
    assert!(loser.contains("已被他人更新，请刷新页面后重试"), "{loser}");
    let e = event(server, id).await;
    assert_eq!(e.version, 2);
    assert_eq!(server.state.store.event_steps(id).await.unwrap().len(), 2);
    // A form from an old version is refused the same way, in English too.
    let (status, body) = act_from(server, &worker, id, &seen, &[("action", "escalate")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("已被他人更新"));
    let english = format!("{worker}; lang=en");
    let (status, body) = act_from(server, &english, id, &seen, &[("action", "escalate")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("has changed since you loaded it"), "{body}");
}
