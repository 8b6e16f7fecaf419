//! Volunteer activities: sign-in, hours and points.

use super::*;

async fn an_activity_with_sign_in_hours_and_points(server: &Server) {
    let worker = browser(server, "gulou").await;
    let community = [("community", GULOU)];
    let post = |path: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let mut all: Vec<(&str, &str)> = community.to_vec();
        all.extend(fields);
        let body = form(&worker.csrf, &all);
        let cookie = &worker.cookie;
        async move { server.post(path, cookie, &body).await }
    };
    let (status, _, _) = post(
        "/volunteers/stations",
        vec![("station_name", "鼓楼志愿者驿站")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = post(
        "/volunteers/stations",
        vec![("station_name", "鼓楼志愿者驿站")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("已有同名的驿站"));
    let (status, _, _) = post(
        "/volunteers/teams",
        vec![("team_name", "红色管家"), ("team_station", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A volunteer linked to an account of another community is refused; of this one, accepted.
    let (status, page, _) = post(
        "/volunteers/people",
        vec![
            ("volunteer_name", "张三"),
            ("volunteer_username", "mochi-resident"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#volunteer_username\"") && page.contains("value=\"张三\""));
    let (status, _, _) = post(
        "/volunteers/people",
        vec![
            ("volunteer_name", "张三"),
            ("volunteer_username", "gulou-resident"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let volunteer = server
        .state
        .store
        .volunteer_of_user(&user_id(server, "gulou-resident").await)
        .await
        .unwrap()
        .unwrap();
    // An activity whose end is before its start is refused with the field named.
    let (status, page, _) = post(
        "/volunteers/activities",
        vec![
            ("title", "关爱空巢老人"),
            ("activity_type", "care"),
            ("starts_at", "2024-05-01T11:00"),
            ("ends_at", "2024-05-01T09:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("结束时间须晚于开始时间") && page.contains("value=\"关爱空巢老人\""));
    let (status, _, _) = post(
        "/volunteers/activities",
        vec![
            ("title", "关爱空巢老人"),
            ("activity_type", "care"),
            ("starts_at", "2024-05-01T09:00"),
            ("ends_at", "2024-05-01T11:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let activity = server
        .state
        .store
        .activities_in(GULOU)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(activity.starts_at, MAY_DAY_9);

    // Signed in before the start, out half-way through the second hour: 90 minutes count.
    let path = format!("/volunteers/activities/{}", activity.id);

    // People served: the figure the page showed is the form's version, so a second save from
    // a page read before the first is refused with the figure now stored.
    let (_, page, _) = server.get(&path, &worker.cookie).await;
    assert!(page.contains("name=\"served_read\" value=\"0\""), "{page}");
    let served = format!("{path}/served");
    let (cookie, csrf) = (&worker.cookie, &worker.csrf);
    let save = |read: &'static str, people: &'static str| {
        let body = form(csrf, &[("served_read", read), ("people_served", people)]);
        let served = served.clone();
        async move { server.post(&served, cookie, &body).await }
    };
    let (status, _, _) = save("0", "12").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = save("0", "15").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("服务人次已被他人改为 12"), "{page}");
    assert!(page.contains("name=\"served_read\" value=\"12\""), "{page}");
    let stored = |server: &Server| {
        let store = server.state.store.clone();
        async move { store.activities_in(GULOU).await.unwrap()[0].people_served }
    };
    assert_eq!(stored(server).await, 12);
    let (status, _, _) = save("12", "15").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(stored(server).await, 15);
    let (status, page, _) = server
        .post(
            &format!("{path}/sign-in"),
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("volunteer", &volunteer.id),
                    ("signed_in_at", "2024-05-01 八点半"),
                ],
            ),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a time in words is not read"
    );
    assert!(page.contains("href=\"#signed_in_at\""));
    let (status, _, _) = server
        .post(
            &format!("{path}/sign-in"),
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("volunteer", &volunteer.id),
                    ("signed_in_at", "2024-05-01T08:30"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body, _) = server
        .post(
            &format!("{path}/sign-out"),
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("volunteer", &volunteer.id),
                    ("signed_out_at", "2024-05-01T10:30"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = body.lines().next().unwrap().to_string();
    let (_, page, _) = server.get(&location, &worker.cookie).await;
    // Care counts ×1.5: 1.5 h × 10 × 1.5 = 22.5, rounded down to 22.
    assert!(
        page.contains("1.5 小时") && page.contains("22 积分"),
        "{page}"
    );
    let (status, _, _) = server
        .post(
            &format!("{path}/sign-out"),
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("volunteer", &volunteer.id),
                    ("signed_out_at", "2024-05-01T11:00"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "signed out once");
    let (status, _, _) = server
        .post(
            &format!("{path}/served"),
            &worker.cookie,
            &form(&worker.csrf, &[("people_served", "12")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = server
        .post(
            &format!("{path}/served"),
            &worker.cookie,
            &form(&worker.csrf, &[("people_served", "十二")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#people_served\""));
    assert_eq!(
        server.state.store.balance(&volunteer.id).await.unwrap(),
        Some(22)
    );

    // The volunteer sees their own points and hours.
    let resident = browser(server, "gulou-resident").await;
    let (status, body, _) = server.get("/volunteers/me", &resident.cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = server
        .get(body.lines().next().unwrap(), &resident.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<strong>22</strong>") && page.contains("<strong>1.5</strong>"));
    assert!(page.contains("关爱空巢老人"));
    // Another resident may not.
    let other = browser(server, "mochi-resident").await;
    let (status, _, _) = server
        .get(
            &format!("/volunteers/people/{}", volunteer.id),
            &other.cookie,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only the community's workers run the sheet.
    let (status, _, _) = server
        .post(
            &format!("{path}/served"),
            &resident.cookie,
            &form(&resident.csrf, &[("people_served", "99")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The same through the API: a second volunteer, 60 minutes of an emergency activity = 20.
    let token = api_token(server, "gulou").await;
    let second = server
        .state
        .store
        .create_volunteer(
            &NewVolunteer {
                community_code: GULOU,
                name: "李四",
                team_id: None,
                user_id: None,
                phone: None,
            },
            1,
        )
        .await
        .unwrap();
    let reply = api(
        server,
        Method::POST,
        &format!("/api/v1/communities/{GULOU}/activities"),
        &token,
        Some(json!({"title": "防汛", "activity_type": "emergency", "starts_at": MAY_DAY_9, "ends_at": MAY_DAY_9 + 3 * HOUR})),
    )
    .await;
    assert_eq!(reply.0, StatusCode::CREATED);
    let id = reply.1["id"].as_str().unwrap().to_string();
    let reply = api(
        server,
        Method::POST,
        &format!("/api/v1/activities/{id}/sign-ins"),
        &token,
        Some(json!({"volunteer_id": second.id, "at": MAY_DAY_9})),
    )
    .await;
    assert_eq!(reply.0, StatusCode::NO_CONTENT);
    let reply = api(
        server,
        Method::POST,
        &format!("/api/v1/activities/{id}/sign-outs"),
        &token,
        Some(json!({"volunteer_id": second.id, "at": MAY_DAY_9 + HOUR})),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    assert_eq!(
        (reply.1["minutes"].as_i64(), reply.1["points"].as_i64()),
        (Some(60), Some(20))
    );
    let reply = api(
        server,
        Method::GET,
        &format!("/api/v1/volunteers/{}/ledger", second.id),
        &token,
        None,
    )
    .await;
    assert_eq!(reply.1["balance"], 20);
    assert_eq!(reply.1["entries"][0]["kind"], "earn");
}
on_both!(an_activity_with_sign_in_hours_and_points);
