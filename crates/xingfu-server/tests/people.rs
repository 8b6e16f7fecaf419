//! Home visits, volunteers and the love mall over HTTP, on SQLite and on PostgreSQL: who sees
//! which special-attention list (and that every view is logged), a visit with follow-ups, an
//! activity from sign-in to points, redemptions refused with a clear message, the mall page,
//! and the figures for a period.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, Server, between, urlencode};
use serde_json::{Value, json};
use xingfu_core::Dec2;
use xingfu_core::ops::coords::GeoPoint;
use xingfu_core::ops::grid::{Area, Building, Duty, Grid, GridMember, Polygon};
use xingfu_core::ops::metrics;
use xingfu_server::app::auth::hash_password;
use xingfu_server::people::service as people;
use xingfu_store::accounts::NewUser;
use xingfu_store::rounds::By;
use xingfu_store::visits::{AccessFilter, AccessRow, NewHousehold, NewVisit};
use xingfu_store::volunteers::{NewActivity, NewVolunteer};

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// 2024-05-01 09:00 in China.
const MAY_DAY_9: i64 = 1_714_525_200_000;

fn by(actor: &str, at: i64) -> By<'_> {
    By { actor, at }
}

fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_string()
}

fn form(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut text = format!("csrf={}", urlencode(csrf));
    for (name, value) in fields {
        text.push_str(&format!("&{}={}", urlencode(name), urlencode(value)));
    }
    text
}

/// A signed-in browser: its cookie and its session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn browser(server: &Server, username: &str) -> Browser {
    let cookie = server.sign_in(username).await;
    let (status, page, _) = server.get("/visits", &cookie).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::FORBIDDEN,
        "{username}: {status}"
    );
    Browser {
        csrf: csrf_of(&page),
        cookie,
    }
}

async fn user_id(server: &Server, username: &str) -> String {
    server
        .state
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
}

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

/// A volunteer linked to gulou-resident with `points`, and two items in 鼓楼's mall.
async fn mall_setup(server: &Server, points: i64) -> (String, String, String) {
    let store = &server.state.store;
    let account = user_id(server, "gulou-resident").await;
    let v = store
        .create_volunteer(
            &NewVolunteer {
                community_code: GULOU,
                name: "张三",
                team_id: None,
                user_id: Some(&account),
                phone: None,
            },
            1,
        )
        .await
        .unwrap();
    if points > 0 {
        store
            .adjust_points(
                &format!("adjust:{}:seed", v.id),
                &v.id,
                points,
                "补录往年积分",
                by("gulou", 1),
            )
            .await
            .unwrap();
    }
    let rice = store
        .create_item(GULOU, "大米 5kg", 100, 3, by("gulou", 1))
        .await
        .unwrap();
    let soap = store
        .create_item(GULOU, "肥皂", 10, 1, by("gulou", 1))
        .await
        .unwrap();
    (v.id, rice.id, soap.id)
}

fn request_key_for(page: &str, item: &str) -> String {
    let form = between(page, &format!("name=\"item\" value=\"{item}\""), "</form>");
    between(form, "name=\"request_key\" value=\"", "\"").to_string()
}

async fn redemptions_are_refused_clearly_and_applied_once(server: &Server) {
    let (volunteer, rice, soap) = mall_setup(server, 22).await;
    let resident = browser(server, "gulou-resident").await;
    let (status, page, _) = server.get("/mall", &resident.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("大米 5kg") && page.contains("肥皂"));
    assert!(page.contains("<strong>22</strong>"), "the balance is shown");
    assert!(
        page.contains("<form method=\"post\" action=\"/mall/redeem\""),
        "plain forms, no script"
    );
    assert!(!page.contains("<script"));

    // Not enough points: the message says how many are needed and held; the quantity is kept.
    let key = request_key_for(&page, &rice);
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("community", GULOU),
                    ("item", &rice),
                    ("quantity", "1"),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("积分不足：兑换需要 100 分，现有 22 分。"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"#quantity_{rice}\"")));
    // Not enough stock: 2 wanted, 1 left.
    let (page_status, page, _) = server.get("/mall", &resident.cookie).await;
    assert_eq!(page_status, StatusCode::OK);
    let key = request_key_for(&page, &soap);
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("community", GULOU),
                    ("item", &soap),
                    ("quantity", "2"),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“肥皂”库存不足：剩余 1 件，您要兑换 2 件。"));
    assert!(page.contains(&format!(
        "id=\"quantity_{soap}\" name=\"quantity\" type=\"text\" inputmode=\"numeric\" value=\"2\""
    )));
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(22)
    );

    // One soap: exchanged; the same form sent again exchanges nothing more.
    let exchange = form(
        &resident.csrf,
        &[
            ("community", GULOU),
            ("item", &soap),
            ("quantity", "1"),
            ("request_key", &key),
        ],
    );
    let (status, body, _) = server
        .post("/mall/redeem", &resident.cookie, &exchange)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &resident.cookie)
        .await;
    assert!(
        page.contains("兑换成功：肥皂 × 1，用去 10 积分，现有 12 积分。"),
        "{page}"
    );
    let (status, body, _) = server
        .post("/mall/redeem", &resident.cookie, &exchange)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(body.contains("repeated=1"));
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &resident.cookie)
        .await;
    assert!(page.contains("没有重复扣分"));
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(12)
    );
    assert_eq!(
        server.state.store.item(&soap).await.unwrap().unwrap().stock,
        0
    );

    // A resident cannot spend someone else's points; staff must say whose.
    let (status, _, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("item", &rice),
                    ("quantity", "1"),
                    ("volunteer", "someone-else"),
                    ("request_key", "abcdefgh12"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let worker = browser(server, "gulou").await;
    let (_, page, _) = server.get("/mall", &worker.cookie).await;
    assert!(page.contains("上架商品") && page.contains("补货"));
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("community", GULOU),
                    ("item", &rice),
                    ("quantity", "1"),
                    ("volunteer", ""),
                    ("request_key", "abcdefgh13"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择兑换的志愿者"));
    assert!(page.contains(&format!("href=\"#volunteer-{rice}\"")));
    // Staff restock, and refund the soap from the volunteer's page: points and stock return.
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{rice}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "0")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{rice}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "2")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        server.state.store.item(&rice).await.unwrap().unwrap().stock,
        5
    );
    let ledger = server.state.store.ledger_of(&volunteer).await.unwrap();
    let redemption = ledger
        .iter()
        .find(|r| r.kind == "redeem")
        .unwrap()
        .key
        .clone();
    let (status, _, _) = server
        .post(
            &format!("/volunteers/people/{volunteer}/refund"),
            &worker.cookie,
            &form(&worker.csrf, &[("key", &redemption)]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(22)
    );
    assert_eq!(
        server.state.store.item(&soap).await.unwrap().unwrap().stock,
        1
    );

    // The API: 201 for the exchange, 200 for the same request again, 400 when short.
    let token = api_token(server, "gulou-resident").await;
    let body = json!({"item_id": soap, "quantity": 1, "request_key": "api-request-1"});
    let first = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(
        (first.1["balance"].as_i64(), first.1["repeated"].as_bool()),
        (Some(12), Some(false))
    );
    let again = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(body),
    )
    .await;
    assert_eq!(again.0, StatusCode::OK);
    assert_eq!(again.1["repeated"], true);
    let short = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(json!({"item_id": rice, "quantity": 1, "request_key": "api-request-2"})),
    )
    .await;
    assert_eq!(short.0, StatusCode::BAD_REQUEST);
    assert!(
        short.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("积分不足")
    );
    let mall = api(
        server,
        Method::GET,
        &format!("/api/v1/communities/{GULOU}/mall"),
        &token,
        None,
    )
    .await;
    assert_eq!(mall.1["balance"], 12);
    assert_eq!(mall.1["items"].as_array().unwrap().len(), 2);

    // At the station's counter a worker exchanges on behalf of a volunteer.
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{soap}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "1")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get("/mall", &worker.cookie).await;
    let key = request_key_for(&page, &soap);
    let (status, body, _) = server
        .post(
            "/mall/redeem",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("community", GULOU),
                    ("item", &soap),
                    ("quantity", "1"),
                    ("volunteer", &volunteer),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &worker.cookie)
        .await;
    assert!(page.contains("现有 2 积分"), "{page}");
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(2)
    );
}
on_both!(redemptions_are_refused_clearly_and_applied_once);

async fn the_mall_page_for_people_without_points(server: &Server) {
    mall_setup(server, 0).await;
    // A resident who is not a volunteer is told how to become one; no exchange buttons.
    let other = browser(server, "mochi-resident").await;
    let (status, page, _) = server.get("/mall", &other.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("还没有登记为志愿者"));
    assert!(!page.contains("action=\"/mall/redeem\""));
    // A volunteer with no points sees why an exchange would not go through, in English too.
    let resident = browser(server, "gulou-resident").await;
    let (_, page, _) = server.get("/mall", &resident.cookie).await;
    assert!(page.contains("暂时不够兑换一件"));
    assert!(page.contains("lang=\"zh-CN\""));
    let english = format!("{}; lang=en", resident.cookie);
    let (_, page, _) = server.get("/mall", &english).await;
    assert!(page.contains("Love mall") && page.contains("lang=\"en\""));
    // Administrators choose a community; the assessor has no mall.
    let street = browser(server, "wuma").await;
    let (status, page, _) = server.get("/mall", &street.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区") && !page.contains("大米 5kg"));
    let (_, page, _) = server
        .get(&format!("/mall?community={GULOU}"), &street.cookie)
        .await;
    assert!(page.contains("大米 5kg"));
    let (status, _, _) = server
        .get("/mall?community=330303001001", &street.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
on_both!(the_mall_page_for_people_without_points);

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

async fn api_token(server: &Server, username: &str) -> String {
    let (status, body) = api_raw(
        server,
        Method::POST,
        "/api/v1/session",
        None,
        Some(json!({"username": username, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "sign-in of {username}");
    body["token"].as_str().unwrap().to_string()
}

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api_json(method, path, Some(token), body).await
}

async fn api_raw(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api_json(method, path, token, body).await
}
