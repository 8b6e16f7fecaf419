//! Requests at the edges: parallel sign-ins, oversized bodies and images, redirect targets,
//! other areas' rounds and communities, dates out of range, addresses a page cannot read, on
//! SQLite and on PostgreSQL.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, Server};
use serde_json::{Value, json};
use sqlx::Row;
use tower::ServiceExt;
use xingfu_store::rounds::NewRound;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const QINGNIANFANG: &str = "330302026003";

/// One API request: status, content type and body (JSON, or `Null` when empty or not JSON).
async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, String, Value) {
    let body = body.map(|text| ("application/json", text.into_bytes()));
    send(server, method, path, token, body).await
}

async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> (StatusCode, String, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some((content_type, bytes)) => request
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes)),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, content_type, body)
}

async fn token(server: &Server, username: &str) -> String {
    let body = json!({"username": username, "password": PASSWORD}).to_string();
    let (status, _, reply) = api(server, Method::POST, "/api/v1/session", None, Some(body)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "sign-in of {username}: {reply}"
    );
    reply["token"].as_str().unwrap().to_string()
}

async fn open_round(server: &Server, region_code: &str) -> String {
    server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2013,
                region_code,
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 0,
            },
            "city",
            1,
        )
        .await
        .unwrap()
        .id
}

/// Attempts recorded for a user name: each one is a password that was checked.
async fn attempts(server: &Server, username: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE username = $1")
        .bind(username)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap()
        .get("n")
}

/// Thirty wrong passwords at once for one account: at most five are checked, the others are
/// throttled, and then the right password is refused too while the account is locked.
async fn parallel_wrong_passwords_check_at_most_five(server: &Server) {
    let mut guesses = tokio::task::JoinSet::new();
    for guess in 0..30 {
        let app = server.app.clone();
        guesses.spawn(async move {
            let body = json!({"username": "district", "password": format!("guess {guess}")});
            let request = Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            app.oneshot(request).await.unwrap().status()
        });
    }
    let mut wrong = 0;
    let mut throttled = 0;
    while let Some(status) = guesses.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let checked = attempts(server, "district").await;
    assert!(
        checked <= 5,
        "{checked} passwords checked against a limit of 5"
    );
    assert_eq!(wrong, checked);
    assert_eq!(wrong + throttled, 30);
    let right = json!({"username": "district", "password": PASSWORD}).to_string();
    let (status, _, _) = api(server, Method::POST, "/api/v1/session", None, Some(right)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked after the guesses"
    );
    assert_eq!(
        attempts(server, "district").await,
        checked,
        "nothing checked while locked"
    );
    // A right password on another account still signs in, and its success is recorded.
    token(server, "city").await;
}
on_both!(parallel_wrong_passwords_check_at_most_five);

/// A JSON body over the 2 MiB limit gets the API's JSON error, naming the limit.
async fn an_oversized_json_body_gets_the_api_error_shape(server: &Server) {
    let city = token(server, "city").await;
    let padding = "x".repeat(3 * 1024 * 1024);
    let body = json!({"year": 2013, "region_code": padding}).to_string();
    let (status, content_type, reply) = api(
        server,
        Method::POST,
        "/api/v1/rounds",
        Some(&city),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(reply["error"]["code"], "payload_too_large");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("2 MB"), "{message}");
}
on_both!(an_oversized_json_body_gets_the_api_error_shape);

/// Every redirect target from input goes through one same-site check: the language switch's
/// `back` and the sign-in's `next` fall back to a page of the site.
async fn redirects_only_to_same_site_paths(server: &Server) {
    for back in [
        "/%5Cevil.example/x",
        "/%09/evil.example",
        "//evil.example",
        "/%2F/evil",
    ] {
        let (status, body, _) = server.get(&format!("/lang/en?back={back}"), "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = body.lines().next().unwrap();
        assert_eq!(location, "/workbench", "back={back}");
    }
    let (_, body, _) = server.get("/lang/en?back=/rounds%3Fpage%3D2", "").await;
    assert_eq!(body.lines().next().unwrap(), "/rounds?page=2");
    for next in ["%2F%5Cevil", "%2F%09%2Fevil", "%2F%0D%0A%2Fevil"] {
        let (_, page, set_cookie) = server.get("/login", "").await;
        let csrf = common::between(&page, "name=\"csrf\" value=\"", "\"").to_string();
        let cookie = set_cookie.unwrap().split(';').next().unwrap().to_string();
        let form = format!(
            "username=wuma&password={}&csrf={csrf}&next={next}",
            common::urlencode(PASSWORD)
        );
        let (status, body, _) = server.post("/login", &cookie, &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "next={next}");
        assert_eq!(body.lines().next().unwrap(), "/workbench", "next={next}");
    }
}
on_both!(redirects_only_to_same_site_paths);

/// An address a page cannot read (a page number that is not a number) is answered with the
/// error page in the person's language and with their navigation, not axum's plain text.
async fn an_unreadable_address_is_a_page_in_the_persons_language(server: &Server) {
    let round = open_round(server, "330302000000").await;
    let cookie = server.sign_in("district").await;
    let path = format!("/rounds/{round}?page=abc");
    let (status, page, _) = server.get(&path, &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("页码不是数字"), "{page}");
    assert!(page.contains("没有保存任何内容"), "{page}");
    assert!(
        page.contains("退出登录"),
        "the person's own navigation: {page}"
    );
    let (status, page, _) = server.get(&path, &format!("{cookie}; lang=en")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("nothing was saved"), "{page}");
    assert!(!page.contains("Failed to deserialize"), "{page}");
    // Signed out, on the public list.
    let (status, page, _) = server
        .get(&format!("/notices?round={round}&page=x"), "")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("页码不是数字"), "{page}");
    // The same address with a number is the page itself.
    let (status, _, _) = server
        .get(&format!("/rounds/{round}?page=2"), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
}
on_both!(an_unreadable_address_is_a_page_in_the_persons_language);

/// A public page's error (a damaged upload on the document check) is drawn with the navigation
/// of whoever asked: a signed-in official keeps theirs, someone signed out sees none.
async fn a_public_pages_error_keeps_the_persons_navigation(server: &Server) {
    let signed_in = server.sign_in("district").await;
    for (cookie, own_navigation) in [(signed_in.as_str(), true), ("", false)] {
        let cut_off = "--cut\r\nContent-Disposition: form-data; name=\"file\"";
        let multipart = "multipart/form-data; boundary=cut";
        let (status, page, _) = server
            .post_body("/verify/XF-2026-0000001", cookie, multipart, cut_off)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("<html"), "{page}");
        assert_eq!(page.contains("退出登录"), own_navigation, "{page}");
    }
}
on_both!(a_public_pages_error_keeps_the_persons_navigation);

/// Another district's round is not found, as the list of rounds leaves it out; the pages agree.
async fn another_areas_round_is_not_found(server: &Server) {
    let longwan_round = open_round(server, "330303000000").await;
    let district = token(server, "district").await;
    let path = format!("/api/v1/rounds/{longwan_round}");
    let (status, _, reply) = api(server, Method::GET, &path, Some(&district), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{reply}");
    assert_eq!(reply["error"]["code"], "not_found");
    let (_, _, list) = api(server, Method::GET, "/api/v1/rounds", Some(&district), None).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let longwan = token(server, "longwan").await;
    let (status, _, _) = api(server, Method::GET, &path, Some(&longwan), None).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = server.sign_in("district").await;
    let (status, _, _) = server
        .get(&format!("/rounds/{longwan_round}"), &cookie)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both!(another_areas_round_is_not_found);

/// Another street's community answers the same whether or not it declared: nothing is learnt
/// about other areas from objecting to it or deciding on it.
async fn another_streets_community_answers_alike_declared_or_not(server: &Server) {
    let round = open_round(server, "330302000000").await;
    let store = &server.state.store;
    store
        .declare(&round, QINGNIANFANG, 0, "test", 2)
        .await
        .unwrap();
    store.declare(&round, GULOU, 0, "test", 2).await.unwrap();
    let wuma = token(server, "wuma").await;
    let undeclared = "330302026099";
    let mut answers = Vec::new();
    for community in [QINGNIANFANG, undeclared] {
        let lodge = format!("/api/v1/rounds/{round}/entries/{community}/objections");
        let text = json!({"text": "公示材料与实际不符"}).to_string();
        let (lodged, _, lodge_reply) =
            api(server, Method::POST, &lodge, Some(&wuma), Some(text)).await;
        let decide = format!("{lodge}/x/decide");
        let note = json!({"outcome": "dismiss", "note": "不成立"}).to_string();
        let (decided, _, decide_reply) =
            api(server, Method::POST, &decide, Some(&wuma), Some(note)).await;
        answers.push((
            lodged,
            lodge_reply["error"]["code"].clone(),
            decided,
            decide_reply["error"]["code"].clone(),
        ));
    }
    assert_eq!(
        answers[0], answers[1],
        "declared and undeclared answer alike"
    );
    assert_eq!(answers[0].0, StatusCode::FORBIDDEN);
    // Inside the area the entry's own state decides: 鼓楼 has not been published.
    let own = format!("/api/v1/rounds/{round}/entries/{GULOU}/objections");
    let text = json!({"text": "公示材料与实际不符"}).to_string();
    let (status, _, _) = api(server, Method::POST, &own, Some(&wuma), Some(text)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let missing = format!("/api/v1/rounds/{round}/entries/330302006099/objections");
    let text = json!({"text": "公示材料与实际不符"}).to_string();
    let (status, _, _) = api(server, Method::POST, &missing, Some(&wuma), Some(text)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "inside the area, a missing entry is 404"
    );
}
on_both!(another_streets_community_answers_alike_declared_or_not);

/// A picture of many pixels in a small file (8000×7000 grey, 56 million pixels, a few hundred
/// kilobytes) is refused from its header with a 422 naming the limit; nothing is kept.
async fn images_over_the_pixel_limit_are_refused_naming_it(server: &Server) {
    let round = open_round(server, "330302000000").await;
    server
        .state
        .store
        .declare(&round, GULOU, 0, "gulou", 2)
        .await
        .unwrap();
    let gulou = token(server, "gulou").await;
    let mut big = Vec::new();
    image::GrayImage::new(8000, 7000)
        .write_to(&mut std::io::Cursor::new(&mut big), image::ImageFormat::Png)
        .unwrap();
    let list = format!("/api/v1/rounds/{round}/entries/{GULOU}/evidence");
    let upload = format!("{list}?clause=ZZ1.1&file_name=big.png");
    let (status, _, reply) = send(
        server,
        Method::POST,
        &upload,
        Some(&gulou),
        Some(("image/png", big)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    let message = reply.to_string();
    assert!(message.contains("8000×7000"), "{message}");
    assert!(message.contains("5000 万像素"), "{message}");
    let (_, _, kept) = api(server, Method::GET, &list, Some(&gulou), None).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(0), "{kept}");
}
on_both!(images_over_the_pixel_limit_are_refused_naming_it);

/// Unix milliseconds outside 2000–2100 are refused naming the field, wherever the API takes a
/// time; nothing is stored.
async fn times_outside_2000_to_2100_are_refused_naming_the_field(server: &Server) {
    let gulou = token(server, "gulou").await;
    let far_past = -1_000_000_000_000_000_i64;
    let may_day = 1_714_521_600_000_i64;
    let activities = format!("/api/v1/communities/{GULOU}/activities");
    let body = |starts_at: i64| {
        json!({"title": "防汛", "activity_type": "emergency", "starts_at": starts_at,
               "ends_at": may_day + 3_600_000})
        .to_string()
    };
    let (status, _, reply) = api(
        server,
        Method::POST,
        &activities,
        Some(&gulou),
        Some(body(far_past)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("starts_at"), "{message}");
    assert!(message.contains("2000-01-01"), "{message}");
    let (_, _, listed) = api(server, Method::GET, &activities, Some(&gulou), None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");

    // A household, then a visit dated in year -29719.
    let household = json!({"address": "3幢2单元401"}).to_string();
    let (status, _, created) = api(
        server,
        Method::POST,
        "/api/v1/households",
        Some(&gulou),
        Some(household),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let visits = format!(
        "/api/v1/households/{}/visits",
        created["id"].as_str().unwrap()
    );
    let visit = json!({"visited_at": far_past, "purpose": "care_visit", "notes": ""}).to_string();
    let (status, _, reply) = api(server, Method::POST, &visits, Some(&gulou), Some(visit)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("visited_at")
    );
    let follow_up = json!({"visited_at": may_day, "purpose": "care_visit", "notes": "",
                           "follow_ups": [{"what": "送药", "due": 4_200_000_000_000_i64}]});
    let (status, _, reply) = api(
        server,
        Method::POST,
        &visits,
        Some(&gulou),
        Some(follow_up.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(reply["error"]["message"].as_str().unwrap().contains("due"));

    // Query parameters too.
    let metrics =
        format!("/api/v1/communities/{GULOU}/people-metrics?from={far_past}&to={may_day}");
    let (status, _, reply) = api(server, Method::GET, &metrics, Some(&gulou), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2000-01-01")
    );
}
on_both!(times_outside_2000_to_2100_are_refused_naming_the_field);

fn closed_square(lon: f64, lat: f64, side: f64) -> Value {
    json!([
        [lon, lat],
        [lon + side, lat],
        [lon + side, lat + side],
        [lon, lat + side],
        [lon, lat]
    ])
}

/// A grid file with a 100,000-character name, a 10,000-character id and a hole outside its
/// shell is refused whole: each problem names its feature and why, and nothing is stored.
async fn grid_files_are_checked_for_lengths_and_geometry(server: &Server) {
    let cookie = server.sign_in("gulou").await;
    let (_, page, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &cookie)
        .await;
    let csrf = common::between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let feature = |id: &str, name: &str, rings: Value| {
        json!({"type": "Feature", "id": id, "properties": {"name": name},
               "geometry": {"type": "Polygon", "coordinates": rings}})
    };
    let shell = closed_square(120.650, 28.020, 0.002);
    let long_id = "g".repeat(10_000);
    let geojson = json!({"type": "FeatureCollection", "features": [
        feature("g1", "鼓楼第一网格", json!([shell])),
        feature("g2", &"x".repeat(100_000), json!([closed_square(120.653, 28.020, 0.002)])),
        feature(&long_id, "长编号", json!([closed_square(120.656, 28.020, 0.002)])),
        feature("g4", "洞在外面", json!([shell, closed_square(120.700, 28.020, 0.001)])),
    ]})
    .to_string();
    let form = format!(
        "csrf={csrf}&datum=wgs84&geojson={}",
        common::urlencode(&geojson)
    );
    let path = format!("/communities/{GULOU}/grids");
    let (status, body, _) = server.post(&path, &cookie, &form).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &body[..body.len().min(2000)]
    );
    assert!(body.contains("第 2 个要素"), "the long name's feature");
    assert!(
        body.contains("name 有 100000 个字"),
        "the long name's length"
    );
    assert!(body.contains("id 有 10000 个字"), "the long id's length");
    // The pasted text comes back in its box; the problem names the feature by a short id.
    assert!(
        !body.contains(&format!("网格 {long_id}")),
        "the long id is not repeated whole in a message"
    );
    assert!(body.contains("第 4 个要素"), "the hole's feature");
    assert!(body.contains("不在外环之内"), "the hole's problem");
    let (_, stored, _) = server.get(&format!("{path}.geojson"), &cookie).await;
    assert!(
        !stored.contains("鼓楼第一网格"),
        "nothing is stored: {stored}"
    );
}
on_both!(grid_files_are_checked_for_lengths_and_geometry);
