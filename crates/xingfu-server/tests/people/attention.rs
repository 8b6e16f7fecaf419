//! Attention lists seen by role with every view logged, and visits with their follow-ups.

use super::*;

async fn add_user(server: &Server, username: &str, role: &str, region: &str) -> String {
    server
        .state
        .store
        .create_user(
            &NewUser {
                username,
                display_name: username,
                password_hash: &hash_password(PASSWORD).unwrap(),
                role,
                region_code: region,
            },
            0,
        )
        .await
        .unwrap()
        .id
}

/// Every access-log row of 鹿城区, newest first.
async fn log_rows(server: &Server) -> Vec<AccessRow> {
    server
        .state
        .store
        .access_log(&AccessFilter {
            prefix: "330302",
            limit: 1000,
            ..AccessFilter::default()
        })
        .await
        .unwrap()
}

/// Fetches a page and checks that exactly one access-log row was written for it, by `username`,
/// about `subject`; returns the page.
async fn logged_get(
    server: &Server,
    path: &str,
    b: &Browser,
    username: &str,
    subject: &str,
) -> (StatusCode, String) {
    let before = log_rows(server).await.len();
    let (status, page, _) = server.get(path, &b.cookie).await;
    let rows = log_rows(server).await;
    assert_eq!(
        rows.len(),
        before + 1,
        "{path} by {username} writes one log row"
    );
    assert_eq!(rows[0].actor_name, username);
    assert_eq!(rows[0].subject, subject);
    (status, page)
}

struct Households {
    near: String,
    far: String,
    mochi: String,
}

/// 鼓楼社区: one household in grid G01 (building 3幢) with 李奶奶 living alone and on 低保,
/// one in grid G02 (5幢) with 张爷爷 living alone; 墨池社区: one with 王叔 (残疾人).
async fn households(server: &Server) -> Households {
    let store = &server.state.store;
    let make = |community: &'static str,
                grid: &'static str,
                building: &'static str,
                address: &'static str| async move {
        store
            .create_household(
                &NewHousehold {
                    community_code: community,
                    grid_id: Some(grid),
                    building: Some(building),
                    address,
                    contact_name: None,
                    phone: None,
                },
                by("setup", 1),
            )
            .await
            .unwrap()
    };
    let near = make(GULOU, "G01", "3幢", "3幢2单元401").await;
    let far = make(GULOU, "G02", "5幢", "5幢1单元101").await;
    let mochi = make(MOCHI, "M01", "1幢", "墨池坊5号").await;
    store
        .add_attention(
            &near,
            "李奶奶",
            "elderly_alone",
            Some("行动不便"),
            by("setup", 1),
        )
        .await
        .unwrap();
    store
        .add_attention(&near, "李奶奶", "low_income", None, by("setup", 1))
        .await
        .unwrap();
    store
        .add_attention(&far, "张爷爷", "elderly_alone", None, by("setup", 1))
        .await
        .unwrap();
    store
        .add_attention(&mochi, "王叔", "disabled", None, by("setup", 1))
        .await
        .unwrap();
    Households {
        near: near.id,
        far: far.id,
        mochi: mochi.id,
    }
}

async fn attention_lists_are_seen_by_role_and_every_view_is_logged(server: &Server) {
    let h = households(server).await;
    let store = &server.state.store;
    let grid = add_user(server, "gulou-grid", "community_worker", GULOU).await;
    store
        .assign(&grid, "grid_member", GULOU, "G01", by("gulou", 2))
        .await
        .unwrap();
    let head = add_user(server, "gulou-head", "resident", GULOU).await;
    store
        .assign(&head, "building_head", GULOU, "3幢", by("gulou", 2))
        .await
        .unwrap();

    // Community staff: every list of the community, nothing of 墨池.
    let worker = browser(server, "gulou").await;
    let (status, page) = logged_get(
        server,
        "/visits/lists/elderly_alone",
        &worker,
        "gulou",
        "attention_list",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("李奶奶") && page.contains("张爷爷"));
    assert!(!page.contains("王叔"));
    assert_eq!(log_rows(server).await[0].target, "elderly_alone");
    assert_eq!(log_rows(server).await[0].shown, 2);

    // A grid member: their own grid only, on every list.
    let member = browser(server, "gulou-grid").await;
    let (status, page) = logged_get(
        server,
        "/visits/lists/elderly_alone",
        &member,
        "gulou-grid",
        "attention_list",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("李奶奶"));
    assert!(!page.contains("张爷爷"), "G02 is not their grid");
    let (_, page) = logged_get(
        server,
        "/visits/lists/low_income",
        &member,
        "gulou-grid",
        "attention_list",
    )
    .await;
    assert!(page.contains("李奶奶"));
    let (status, page) = logged_get(
        server,
        &format!("/visits/households/{}", h.near),
        &member,
        "gulou-grid",
        "household",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("行动不便"));
    assert_eq!(log_rows(server).await[0].target, h.near);
    let (status, _, _) = server
        .get(&format!("/visits/households/{}", h.far), &member.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = server
        .get(&format!("/visits/households/{}", h.mochi), &worker.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A building head: the elderly lists of their building; no other list, no records.
    let building = browser(server, "gulou-head").await;
    let (status, page) = logged_get(
        server,
        "/visits/lists/elderly_alone",
        &building,
        "gulou-head",
        "attention_list",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("李奶奶") && !page.contains("张爷爷"));
    let (status, _, _) = server
        .get("/visits/lists/low_income", &building.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = server
        .get(&format!("/visits/households/{}", h.near), &building.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The street: counts per community, never names; the list pages are refused.
    let street = browser(server, "wuma").await;
    let (status, page) = logged_get(server, "/visits", &street, "wuma", "attention_counts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区") && page.contains("墨池社区"));
    assert!(!page.contains("李奶奶") && !page.contains("王叔"));
    let (status, page, _) = server
        .get("/visits/lists/elderly_alone", &street.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("人数"), "the refusal says counts only");

    // A resident sees no list at all, and nothing is logged for them.
    let resident = browser(server, "gulou-resident").await;
    let before = log_rows(server).await.len();
    let (status, _, _) = server
        .get("/visits/lists/elderly_alone", &resident.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page, _) = server.get("/visits", &resident.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("李奶奶"));
    assert_eq!(log_rows(server).await.len(), before);

    // Members and 楼栋长 drawn on the grid map count too: G02 and its building 5幢.
    add_user(server, "map-member", "resident", GULOU).await;
    add_user(server, "map-head", "resident", GULOU).await;
    let corner = |lon: f64, lat: f64| GeoPoint { lon, lat };
    let square = vec![
        corner(120.65, 28.01),
        corner(120.66, 28.01),
        corner(120.66, 28.02),
        corner(120.65, 28.02),
    ];
    let g02 = Grid {
        id: "G02".into(),
        name: "第二网格".into(),
        community: GULOU.into(),
        area: Area::new(vec![Polygon::new(square, vec![]).unwrap()]).unwrap(),
        members: vec![GridMember {
            person: "map-member".into(),
            duty: Duty::PartTime,
        }],
        buildings: vec![Building {
            id: "5幢".into(),
            name: "5幢".into(),
            location: None,
            head: Some("map-head".into()),
        }],
    };
    store.save_grids(GULOU, &[g02], "gulou", 3).await.unwrap();
    let map_member = browser(server, "map-member").await;
    let (status, page, _) = server
        .get("/visits/lists/elderly_alone", &map_member.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("张爷爷") && !page.contains("李奶奶"));
    let (status, _, _) = server
        .get(&format!("/visits/households/{}", h.far), &map_member.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    let map_head = browser(server, "map-head").await;
    let (_, page, _) = server
        .get("/visits/lists/elderly_alone", &map_head.cookie)
        .await;
    assert!(page.contains("张爷爷") && !page.contains("李奶奶"));

    // The JSON API logs its reads too.
    let token = api_token(server, "gulou-grid").await;
    let before = log_rows(server).await.len();
    let reply = api(
        server,
        Method::GET,
        "/api/v1/attention/elderly_alone",
        &token,
        None,
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    assert_eq!(reply.1.as_array().unwrap().len(), 1);
    assert_eq!(reply.1[0]["person"], "李奶奶");
    let reply = api(
        server,
        Method::GET,
        &format!("/api/v1/households/{}", h.near),
        &token,
        None,
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    assert_eq!(reply.1["attention"].as_array().unwrap().len(), 2);
    assert_eq!(log_rows(server).await.len(), before + 2);

    // District staff read the log; the street and community staff may not.
    let district = browser(server, "district").await;
    let (status, page, _) = server
        .get("/visits/access-log?username=gulou-grid", &district.cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("gulou-grid"));
    assert!(page.contains(&h.near), "the household viewed is named");
    assert!(!page.contains("<td>gulou-head</td>"), "filtered by viewer");
    for who in [&street, &worker] {
        let (status, _, _) = server.get("/visits/access-log", &who.cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let district_token = api_token(server, "district").await;
    let reply = api(
        server,
        Method::GET,
        "/api/v1/access-log?subject=household",
        &district_token,
        None,
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK);
    let rows = reply.1.as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["subject"] == "household"));
    let other = api(
        server,
        Method::GET,
        "/api/v1/access-log?community=330303001001",
        &district_token,
        None,
    )
    .await;
    assert_eq!(other.0, StatusCode::FORBIDDEN);
}
on_both!(attention_lists_are_seen_by_role_and_every_view_is_logged);

async fn a_visit_with_follow_ups(server: &Server) {
    let worker = browser(server, "gulou").await;
    // A household with mistakes: the form comes back with the errors and what was typed.
    let (status, page, _) = server
        .post(
            "/visits/households",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("address", ""),
                    ("contact_name", "李奶奶"),
                    ("phone", "12ab"),
                    ("grid", "G01"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"));
    assert!(page.contains("href=\"#address\"") && page.contains("href=\"#phone\""));
    assert!(page.contains("value=\"李奶奶\""), "typed values are kept");
    assert!(page.contains("value=\"12ab\""));
    let (status, body, _) = server
        .post(
            "/visits/households",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("address", "3幢2单元401"),
                    ("contact_name", "李奶奶"),
                    ("phone", ""),
                    ("grid", "G01"),
                    ("building", "3幢"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let household = between(&body, "/visits/households/", "?").to_string();
    let stored = server
        .state
        .store
        .household(&household)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.phone, stored.grid_id.as_deref()),
        (None, Some("G01"))
    );

    let path = format!("/visits/households/{household}/visits");
    let (status, page, _) = server.get(&format!("{path}/new"), &worker.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("type=\"datetime-local\""));
    // A visit in the future is refused, with the field named and the notes kept.
    let (status, page, _) = server
        .post(
            &path,
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("visited_at", "2099-01-01T10:00"),
                    ("purpose", "care_visit"),
                    ("notes", "送米送油"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("走访时间不能晚于现在") && page.contains("href=\"#visited_at\""));
    assert!(page.contains("送米送油"));
    // A follow-up due before the visit, and an unreadable date.
    let (status, page, _) = server
        .post(
            &path,
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("visited_at", "2024-05-01T09:30"),
                    ("purpose", "care_visit"),
                    ("notes", "n"),
                    ("what_1", "联系燃气公司"),
                    ("due_1", "2024-04-30"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("第 1 条后续事项的期限早于走访时间"));
    let (status, page, _) = server
        .post(
            &path,
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("visited_at", "2024-05-01T09:30"),
                    ("purpose", "care_visit"),
                    ("notes", "n"),
                    ("what_2", "复查"),
                    ("due_2", "五月八日"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#due_2\""));
    // Due the same day as the visit is fine: due by the end of that day.
    let (status, _, _) = server
        .post(
            &path,
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("visited_at", "2024-05-01T09:30"),
                    ("purpose", "care_visit"),
                    ("notes", "身体尚好,需要换煤气"),
                    ("what_1", "联系燃气公司"),
                    ("due_1", "2024-05-01"),
                    ("what_2", "下周再访"),
                    ("due_2", ""),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let visits = server.state.store.visits_of(&household).await.unwrap();
    assert_eq!(visits.len(), 1);
    let visit = &visits[0];
    assert_eq!(
        visit.visited_at,
        people::parse_local("2024-05-01 09:30").unwrap()
    );
    assert_eq!(visit.follow_ups.len(), 2);
    assert_eq!(
        visit.follow_ups[0].due,
        Some(people::parse_day("2024-05-02").unwrap() - 1)
    );

    // The record shows the visit; the overview lists the open follow-ups, the dated one overdue.
    let (_, page, _) = server
        .get(&format!("/visits/households/{household}"), &worker.cookie)
        .await;
    assert!(page.contains("身体尚好,需要换煤气") && page.contains("关爱探访"));
    let (_, page, _) = server.get("/visits", &worker.cookie).await;
    assert!(page.contains("联系燃气公司") && page.contains("下周再访"));
    assert!(page.contains("已逾期"));
    let done = format!("/visits/visits/{}/follow-ups/1/done", visit.id);
    let (status, body, _) = server
        .post(&done, &worker.cookie, &form(&worker.csrf, &[]))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(body.contains("done=follow_up"));
    let (_, body, _) = server
        .post(&done, &worker.cookie, &form(&worker.csrf, &[]))
        .await;
    assert!(body.contains("done=follow_up_already"));
    let (_, page, _) = server.get("/visits", &worker.cookie).await;
    assert!(!page.contains("联系燃气公司") && page.contains("下周再访"));

    // A grid member of another grid may not record a visit here; the API records one for G01.
    let grid = add_user(server, "gulou-grid2", "community_worker", GULOU).await;
    server
        .state
        .store
        .assign(&grid, "grid_member", GULOU, "G02", by("gulou", 2))
        .await
        .unwrap();
    let other = browser(server, "gulou-grid2").await;
    let (status, _, _) = server
        .post(
            &path,
            &other.cookie,
            &form(
                &other.csrf,
                &[
                    ("visited_at", "2024-05-02T09:30"),
                    ("purpose", "routine"),
                    ("notes", ""),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = api_token(server, "gulou").await;
    let reply = api(
        server,
        Method::POST,
        &format!("/api/v1/households/{household}/visits"),
        &token,
        Some(json!({"visited_at": MAY_DAY_9 + 24 * HOUR, "purpose": "safety_check", "notes": "燃气已更换", "follow_ups": [{"what": "", "due": null}]})),
    )
    .await;
    assert_eq!(reply.0, StatusCode::BAD_REQUEST);
    assert!(
        reply.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第 1 条后续事项没有内容")
    );
    let reply = api(
        server,
        Method::POST,
        &format!("/api/v1/households/{household}/visits"),
        &token,
        Some(json!({"visited_at": MAY_DAY_9 + 24 * HOUR, "purpose": "safety_check", "notes": "燃气已更换"})),
    )
    .await;
    assert_eq!(reply.0, StatusCode::CREATED);
    assert_eq!(reply.1["purpose"], "safety_check");
    assert_eq!(
        server
            .state
            .store
            .visits_of(&household)
            .await
            .unwrap()
            .len(),
        2
    );
}
on_both!(a_visit_with_follow_ups);
