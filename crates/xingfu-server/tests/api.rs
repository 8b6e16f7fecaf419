//! The JSON API over HTTP requests to the real router, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{PASSWORD, Server};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_store::rounds::NewRound;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIANFANG: &str = "330302026003";

/// How a request proves who sends it.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The pages' cookie, with the X-CSRF-Token header when given.
    Cookie(&'a str, Option<&'a str>),
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

async fn send_raw(
    server: &Server,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        Auth::Cookie(cookie, csrf) => {
            request = request.header(header::COOKIE, cookie);
            if let Some(csrf) = csrf {
                request = request.header("X-CSRF-Token", csrf);
            }
        }
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = match body {
        Some(text) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(text.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{path}: the body is not JSON: {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Reply {
        status,
        headers,
        body,
    }
}

async fn call(
    server: &Server,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Reply {
    let text = body.map(|b| b.to_string());
    send_raw(server, method, path, auth, &[], text.as_deref()).await
}

async fn get(server: &Server, path: &str, token: &str) -> Reply {
    call(server, Method::GET, path, Auth::Bearer(token), None).await
}

async fn post(server: &Server, path: &str, token: &str, body: Value) -> Reply {
    call(server, Method::POST, path, Auth::Bearer(token), Some(body)).await
}

async fn put(server: &Server, path: &str, token: &str, body: Value) -> Reply {
    call(server, Method::PUT, path, Auth::Bearer(token), Some(body)).await
}

/// Signs in through the API; returns the bearer token.
async fn token(server: &Server, username: &str) -> String {
    let reply = call(
        server,
        Method::POST,
        "/api/v1/session",
        Auth::None,
        Some(json!({"username": username, "password": PASSWORD})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "sign-in of {username}");
    reply.body["token"].as_str().unwrap().to_string()
}

async fn open_round(server: &Server) -> String {
    server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2013,
                region_code: "330302000000",
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

async fn signing_in_and_out(server: &Server) {
    // Nothing but the session and the document without signing in.
    let reply = call(server, Method::GET, "/api/v1/rounds", Auth::None, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthorized");
    assert!(reply.message().contains("请先登录"));
    assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE));

    let reply = call(
        server,
        Method::POST,
        "/api/v1/session",
        Auth::None,
        Some(json!({"username": "wuma", "password": PASSWORD})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let bearer = reply.body["token"].as_str().unwrap().to_string();
    assert_eq!(bearer.len(), 64);
    assert_eq!(reply.body["csrf"].as_str().unwrap().len(), 64);
    assert!(reply.body["expires_at"].as_i64().unwrap() > xingfu_server::app::state::now_ms());

    let me = get(server, "/api/v1/session", &bearer).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "wuma");
    assert_eq!(me.body["role"], "street_admin");
    assert_eq!(me.body["region_name"], "五马街道");
    assert_eq!(me.body["csrf"], reply.body["csrf"]);

    let out = call(
        server,
        Method::DELETE,
        "/api/v1/session",
        Auth::Bearer(&bearer),
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = get(server, "/api/v1/session", &bearer).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the session is gone"
    );
    assert_eq!(after.code(), "unauthorized");
    let forged = get(server, "/api/v1/session", "not-a-token").await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);

    // A wrong password: 401, in Chinese, or English on request.
    let wrong = json!({"username": "district", "password": "wrong"});
    for attempt in 0..5 {
        let headers: &[(&str, &str)] = if attempt == 0 {
            &[("Accept-Language", "en-GB,en;q=0.9")]
        } else {
            &[]
        };
        let reply = send_raw(
            server,
            Method::POST,
            "/api/v1/session",
            Auth::None,
            headers,
            Some(&wrong.to_string()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.code(), "unauthorized");
        if attempt == 0 {
            assert_eq!(reply.message(), "The user name or password is not correct.");
        } else {
            assert_eq!(reply.message(), "用户名或密码不正确。");
        }
    }
    // After five failures even the right password is refused for a while.
    let reply = call(
        server,
        Method::POST,
        "/api/v1/session",
        Auth::None,
        Some(json!({"username": "district", "password": PASSWORD})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.code(), "too_many_requests");
    assert!(reply.message().contains("15 分钟"));
    assert_eq!(reply.headers[header::RETRY_AFTER], "900");
    // Other names are not affected.
    token(server, "city").await;
}
on_both!(signing_in_and_out);

/// A full answer sheet built from the standard as `GET /standards/{id}/{version}` shows it:
/// every scored clause at full marks, graded ones `cut` hundredths short.
fn full_sheet(standard: &Value, cut: i64) -> Value {
    let mut answers = serde_json::Map::new();
    for category in standard["categories"].as_array().unwrap() {
        for item in category["items"].as_array().unwrap() {
            for clause in item["clauses"].as_array().unwrap() {
                if clause["veto"] == json!(true) {
                    continue;
                }
                let judge = &clause["judge"];
                let answer = match judge["kind"].as_str().unwrap() {
                    "met" => json!({"met": true}),
                    "graded" => {
                        let points = (clause["points"].as_f64().unwrap() * 100.0).round() as i64;
                        json!({"number": (points - cut.min(points)) as f64 / 100.0})
                    }
                    "survey" => json!({"number": 95}),
                    _ => {
                        let rule = &judge["rule"];
                        let value = match rule["rule"].as_str().unwrap() {
                            "linear" => &rule["full_at"],
                            _ => &rule["value"],
                        };
                        json!({"number": value})
                    }
                };
                answers.insert(clause["id"].as_str().unwrap().to_string(), answer);
            }
        }
    }
    json!({ "answers": answers })
}

async fn a_whole_round_through_the_api(server: &Server) {
    let district = token(server, "district").await;
    let city = token(server, "city").await;
    let wuma = token(server, "wuma").await;
    let longwan = token(server, "longwan").await;
    let gulou = token(server, "gulou").await;
    let assessor = token(server, "assessor").await;
    let assessor2 = token(server, "assessor2").await;
    let own_assessor = token(server, "gulou-assessor").await;

    // Reference data.
    let reply = get(server, "/api/v1/regions/330302006000", &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], "五马街道");
    assert_eq!(reply.body["level"], "street");
    assert_eq!(reply.body["parent"], "330302000000");
    let reply = get(server, "/api/v1/regions/330302006000/children", &wuma).await;
    let codes: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [GULOU, MOCHI]);
    let reply = get(server, "/api/v1/regions/999999999999", &wuma).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let reply = get(server, "/api/v1/regions/999999999999/children", &wuma).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = get(server, "/api/v1/standards", &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!([{
            "id": "lucheng-2012",
            "version": "2012.1",
            "name": "鹿城区（城市）社区幸福指数测评体系（2012版）",
            "name_en": "Lucheng District (Urban) Community Happiness Index Assessment System (2012 edition)",
            "programme": "幸福社区",
        }]),
        "only the stored standards"
    );
    let standard = get(server, "/api/v1/standards/lucheng-2012/2012.1", &district).await;
    assert_eq!(standard.status, StatusCode::OK);
    assert_eq!(standard.body["total_points"], 1000);
    assert_eq!(standard.body["stars"][3]["approval"], "city");
    let standard = standard.body;
    let reply = get(server, "/api/v1/standards/lucheng-2012/1999", &district).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Opening the round: a district administrator of the region.
    let new_round = json!({
        "year": 2013,
        "region_code": "330302000000",
        "standard_id": "lucheng-2012",
        "standard_version": "2012.1",
        "objection_days": 0,
    });
    let reply = post(server, "/api/v1/rounds", &wuma, new_round.clone()).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "a street cannot open a round"
    );
    assert_eq!(reply.code(), "forbidden");
    let reply = post(server, "/api/v1/rounds", &longwan, new_round.clone()).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "another district's region"
    );
    let mut unknown = new_round.clone();
    unknown["standard_version"] = json!("9.9");
    let reply = post(server, "/api/v1/rounds", &district, unknown).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("standard_version"));
    let reply = post(server, "/api/v1/rounds", &district, new_round.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["year"], 2013);
    assert_eq!(reply.body["region_name"], "鹿城区");
    assert_eq!(reply.body["opened_by"], "district");
    assert_eq!(reply.body["entries"], 0);
    let round = reply.body["id"].as_str().unwrap().to_string();
    let reply = post(server, "/api/v1/rounds", &district, new_round).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "conflict");

    let reply = get(server, "/api/v1/rounds", &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body[0]["id"], round.as_str());
    let reply = get(server, "/api/v1/rounds", &longwan).await;
    assert_eq!(reply.body, json!([]), "龙湾区 has no round");
    let reply = get(server, &format!("/api/v1/rounds/{round}"), &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["standard_id"], "lucheng-2012");
    let reply = get(server, "/api/v1/rounds/no-such-round", &district).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Declaring: the community worker, for their own community only, once.
    let entries = format!("/api/v1/rounds/{round}/entries");
    let reply = post(server, &entries, &gulou, json!({"community": MOCHI})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &entries, &gulou, json!({"community": GULOU})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["stage"], "declared");
    assert_eq!(reply.body["stage_label"], "已申报");
    assert_eq!(reply.body["community_name"], "鼓楼社区");
    let reply = post(server, &entries, &gulou, json!({"community": GULOU})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    let entry = format!("/api/v1/rounds/{round}/entries/{GULOU}");
    // The declaration's veto answers.
    let declaration = json!({"answers": {
        "TJ1.1": {"met": true}, "TJ1.2": {"met": true}, "TJ1.3": {"met": true, "note": "无"},
    }});
    let reply = put(server, &format!("{entry}/answers"), &gulou, declaration).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The reply carries the sheet's version after the save (the first save makes it 1).
    assert_eq!(
        reply.body,
        json!({"sheet": "self", "saved": 3, "version": 1})
    );
    // A client that sends the version it read is refused, in the API's error shape, when the
    // sheet was saved since; nothing is written.
    let stale = json!({"answers": {"TJ1.1": {"met": false}}, "version": 0});
    let reply = put(server, &format!("{entry}/answers"), &gulou, stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["error"]["code"], "conflict");
    assert!(
        reply.message().contains("此表已被 gulou 于 "),
        "{}",
        reply.message()
    );
    let reply = get(server, &format!("{entry}/answers"), &gulou).await;
    assert_eq!(reply.body["version"], 1);
    assert_eq!(reply.body["answers"]["TJ1.1"], json!({"met": true}));
    assert_eq!(reply.body["sheet"], "self");
    assert_eq!(
        reply.body["answers"]["TJ1.3"],
        json!({"met": true, "note": "无"})
    );

    // Scoring waits for the eligibility check.
    let sheet = full_sheet(&standard, 0);
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = post(server, &format!("{entry}/check"), &gulou, json!({})).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "only administrators check"
    );
    let reply = post(server, &format!("{entry}/check"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "scoring");

    // An assessor never scores their own community.
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &own_assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.message().contains("自己所在的社区"),
        "{}",
        reply.message()
    );
    // An answer that does not fit its clause: refused whole, naming the clause.
    let mut bad = sheet.clone();
    bad["answers"]["ZG1.1"] = json!({"number": 120});
    let reply = put(server, &format!("{entry}/answers"), &assessor, bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("ZG1.1"), "{}", reply.message());
    let reply = get(server, &format!("{entry}/answers"), &assessor).await;
    assert_eq!(
        reply.body,
        json!({"sheet": "assessor", "version": 0, "answers": {}}),
        "nothing written"
    );

    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["sheet"], "assessor");
    let count = sheet["answers"].as_object().unwrap().len() as u64;
    assert_eq!(reply.body["saved"], count);
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor2,
        full_sheet(&standard, 100),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let reply = post(server, &format!("{entry}/compute"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "computed");
    let star = reply.body["star"].as_i64().unwrap();
    assert!(
        star >= 4,
        "a near-perfect panel is rated 4★ or 5★, got {star}"
    );
    assert_eq!(reply.body["decision"], "new");
    assert_eq!(
        reply.body["reward_fen"].as_i64(),
        Some(if star == 5 { 50_000_000 } else { 30_000_000 })
    );

    // The score card.
    let reply = get(server, &entry, &wuma).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let result = &reply.body["result"];
    assert_eq!(result["assessors"], 2);
    assert_eq!(result["star"].as_i64(), Some(star));
    assert_eq!(result["total"], reply.body["entry"]["total"]);
    assert_eq!(result["vetoed_by"], json!([]));
    assert!(!result["disagreements"].as_array().unwrap().is_empty());
    assert_eq!(result["categories"].as_array().unwrap().len(), 7);
    if star < 5 {
        let next = &result["next_star"];
        assert_eq!(next["level"].as_i64(), Some(star + 1));
        assert!(!next["candidates"].as_array().unwrap().is_empty());
    } else {
        assert_eq!(result["next_star"], Value::Null);
    }
    assert_eq!(reply.body["history"][0]["year"], 2013);
    let reply = send_raw(
        server,
        Method::GET,
        &entry,
        Auth::Bearer(&wuma),
        &[("Accept-Language", "en")],
        None,
    )
    .await;
    assert_eq!(reply.body["entry"]["stage_label"], "awaiting approval");
    assert_eq!(reply.body["result"]["categories"][6]["name"], "Eligibility");

    // 4–5★ are the city's decision.
    let reply = post(server, &format!("{entry}/approve"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "forbidden");
    assert!(reply.message().contains("市级审批"), "{}", reply.message());
    let reply = post(server, &format!("{entry}/approve"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["approved_by"], "city");
    // The level that approved publishes: the district may not put the city's decision up.
    let reply = post(server, &format!("{entry}/publish"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = post(server, &format!("{entry}/publish"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["stage"], "published");
    // This round's objection period is 0 days: it ended as it began.
    let reply = post(
        server,
        &format!("{entry}/objections"),
        &gulou,
        json!({"text": "不同意"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.message().contains("公示期已结束"),
        "{}",
        reply.message()
    );
    // Naming a 4–5★ title is the city's too.
    let reply = post(server, &format!("{entry}/name"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = post(server, &format!("{entry}/name"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "named");
    let reply = post(server, &format!("{entry}/name"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "named only once");

    // The trail, the list and the budget.
    let reply = get(server, &format!("{entry}/audit"), &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    let actions: BTreeSet<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for action in [
        "declare",
        "self_assess",
        "check_eligibility",
        "score",
        "compute",
        "approve",
        "publish",
        "name",
    ] {
        assert!(actions.contains(action), "{action} in the trail");
    }
    let last = reply.body.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "name");
    assert_eq!(last["after"]["star"].as_i64(), Some(star));
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);

    let reply = get(server, &entries, &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["total"], 1);
    assert_eq!(reply.body["entries"][0]["stage"], "named");
    let reply = get(server, &format!("{entries}?limit=0"), &district).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("limit"));

    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    let levels: Vec<&str> = reply.body["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["city", "district"]);
    assert_eq!(
        reply.body["total_fen"].as_i64(),
        Some(if star == 5 { 50_000_000 } else { 30_000_000 })
    );
    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &wuma).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &longwan).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
on_both!(a_whole_round_through_the_api);

async fn objections_are_lodged_while_published_and_decided_by_the_approving_level(server: &Server) {
    let city = token(server, "city").await;
    let district = token(server, "district").await;
    let resident = token(server, "gulou-resident").await;
    let other_resident = token(server, "mochi-resident").await;
    let round = server.approved_gulou(4).await;
    let entry = format!("/api/v1/rounds/{round}/entries/{GULOU}");
    let objections = format!("{entry}/objections");

    // Not yet published: nothing to object to.
    let reply = post(server, &objections, &resident, json!({"text": "有异议"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &format!("{entry}/publish"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Residents of the community may object; of another community may not; text is required.
    let reply = post(
        server,
        &objections,
        &other_resident,
        json!({"text": "有异议"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &objections, &resident, json!({"text": "   "})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("异议内容"), "{}", reply.message());
    let long = "长".repeat(2001);
    let reply = post(server, &objections, &resident, json!({"text": long})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("2000"), "{}", reply.message());
    let reply = post(
        server,
        &objections,
        &resident,
        json!({"text": "道德讲堂全年没有开展过活动"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["status"], "open");
    assert_eq!(reply.body["lodged_by"], "gulou-resident");
    let first = reply.body["id"].as_str().unwrap().to_string();
    let reply = post(
        server,
        &objections,
        &resident,
        json!({"text": "满意度调查只问了楼栋长"}),
    )
    .await;
    let second = reply.body["id"].as_str().unwrap().to_string();

    // A 4★ result is the city's: the district may not decide, nor name.
    let decide = |id: &str| format!("{objections}/{id}/decide");
    let reply = post(
        server,
        &decide(&first),
        &district,
        json!({"outcome": "dismiss", "note": "活动记录齐全"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "maybe", "note": "x"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("outcome"), "{}", reply.message());
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "dismiss", "note": ""}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("处理意见"), "{}", reply.message());
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "dismiss", "note": "活动记录齐全"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "dismissed");
    assert_eq!(reply.body["decided_by"], "city");
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "uphold", "note": "改判"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "decided once only");

    // Upholding sends the result back for scoring; objections then stop.
    let reply = post(
        server,
        &decide(&second),
        &city,
        json!({"outcome": "uphold", "note": "属实,重新评审"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = get(server, &entry, &city).await;
    assert_eq!(reply.body["entry"]["stage"], "scoring", "{}", reply.body);
    let reply = post(server, &objections, &resident, json!({"text": "再提一次"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let reply = get(server, &objections, &resident).await;
    let statuses: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["dismissed", "upheld"]);
    let reply = get(server, &objections, &other_resident).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = get(server, &format!("{entry}/audit"), &city).await;
    let actions: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "declare",
            "approve",
            "publish",
            "object",
            "object",
            "decide_objection",
            "decide_objection",
            "uphold_objection"
        ]
    );
}
on_both!(objections_are_lodged_while_published_and_decided_by_the_approving_level);

/// The pages' rules: an area sees its own communities only (another street's entry is 403, as on
/// the community page, whether or not it declared); an assessor never scores their own
/// community; the district cannot approve 4★.
async fn permissions_mirror_the_pages(server: &Server) {
    let round = open_round(server).await;
    let district = server.user("district").await;
    for code in [GULOU, QINGNIANFANG] {
        service::declare(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
    }
    let wuma = token(server, "wuma").await;
    let gulou = token(server, "gulou").await;

    let reply = get(server, &format!("/api/v1/rounds/{round}/entries"), &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["total"], 1);
    let codes: Vec<&str> = reply.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["community_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [GULOU],
        "松台街道's community is hidden from 五马街道"
    );
    let reply = get(server, &format!("/api/v1/rounds/{round}"), &wuma).await;
    assert_eq!(reply.body["entries"], 1);

    let other = format!("/api/v1/rounds/{round}/entries/{QINGNIANFANG}");
    let reply = get(server, &other, &wuma).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "forbidden");
    assert!(reply.message().contains("不在您的管辖范围内"));
    let reply = send_raw(
        server,
        Method::GET,
        &other,
        Auth::Bearer(&wuma),
        &[("Accept-Language", "en")],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.message(),
        format!("community {QINGNIANFANG} is outside your area")
    );
    for path in [
        format!("{other}/audit"),
        format!("{other}/answers"),
        // Not declared: the same answer, so nothing is learnt about other areas.
        format!("/api/v1/rounds/{round}/entries/330302026099"),
    ] {
        let reply = get(server, &path, &wuma).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    for step in ["check", "compute", "approve", "publish", "name"] {
        let reply = post(server, &format!("{other}/{step}"), &wuma, json!({})).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{step}");
    }
    let reply = get(
        server,
        &format!("/api/v1/rounds/{round}/entries/{GULOU}"),
        &wuma,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["result"], Value::Null, "nobody has scored yet");
    // The community worker sees their own community only.
    let reply = get(
        server,
        &format!("/api/v1/rounds/{round}/entries/{MOCHI}"),
        &gulou,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = get(server, &format!("/api/v1/rounds/{round}/entries"), &gulou).await;
    assert_eq!(reply.body["total"], 1);
    // Own community, not declared: 404.
    let second = server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2014,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 0,
            },
            "city",
            2,
        )
        .await
        .unwrap()
        .id;
    let reply = get(
        server,
        &format!("/api/v1/rounds/{second}/entries/{GULOU}"),
        &gulou,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");

    // The assessor of 鼓楼社区 may read its score card but not score it.
    let checked = service::check(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(checked.stage, "scoring");
    let own = token(server, "gulou-assessor").await;
    let reply = put(
        server,
        &format!("/api/v1/rounds/{round}/entries/{GULOU}/answers"),
        &own,
        json!({"answers": {"ZZ1.1": {"met": true}}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.message().contains("自己所在的社区"));
}
on_both!(permissions_mirror_the_pages);

async fn the_session_cookie_needs_the_csrf_header(server: &Server) {
    let cookie = server.sign_in("district").await;
    let me = call(
        server,
        Method::GET,
        "/api/v1/session",
        Auth::Cookie(&cookie, None),
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "reading needs no CSRF token");
    assert_eq!(me.body["username"], "district");
    let csrf = me.body["csrf"].as_str().unwrap().to_string();

    let body = json!({
        "year": 2013,
        "region_code": "330302006000",
        "standard_id": "lucheng-2012",
        "standard_version": "2012.1",
        "objection_days": 7,
    });
    for header in [None, Some("wrong"), Some("")] {
        let reply = call(
            server,
            Method::POST,
            "/api/v1/rounds",
            Auth::Cookie(&cookie, header),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "CSRF header {header:?}"
        );
        assert_eq!(reply.code(), "forbidden");
        assert!(reply.message().contains("X-CSRF-Token"));
    }
    assert!(
        server
            .state
            .store
            .rounds_overlapping("33")
            .await
            .unwrap()
            .is_empty(),
        "nothing was opened"
    );
    let reply = call(
        server,
        Method::POST,
        "/api/v1/rounds",
        Auth::Cookie(&cookie, Some(&csrf)),
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["region_name"], "五马街道");

    // Signing out needs it too, and ends the pages' session.
    let reply = call(
        server,
        Method::DELETE,
        "/api/v1/session",
        Auth::Cookie(&cookie, None),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = call(
        server,
        Method::DELETE,
        "/api/v1/session",
        Auth::Cookie(&cookie, Some(&csrf)),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let (status, _, _) = server.get("/rounds", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out of the pages too");

    // A bearer token opened by the API works on nothing but the API: the pages want the cookie.
    let bearer = token(server, "district").await;
    let request = Request::get("/rounds")
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
on_both!(the_session_cookie_needs_the_csrf_header);

async fn malformed_bodies_are_400_naming_the_problem(server: &Server) {
    let round = open_round(server).await;
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let gulou = token(server, "gulou").await;
    let answers = format!("/api/v1/rounds/{round}/entries/{GULOU}/answers");
    let entries = format!("/api/v1/rounds/{round}/entries");

    // (method, path, bearer token, body, English?, what the message must say)
    let cases = [
        (
            Method::POST,
            "/api/v1/session",
            None,
            r#"{"username": "wuma"}"#,
            false,
            "missing field `password`",
        ),
        (
            Method::PUT,
            answers.as_str(),
            Some(gulou.as_str()),
            r#"{"answers": {"ZZ1.1": {"met": "yes"}}}"#,
            false,
            "answers.ZZ1.1.met: invalid type: string \"yes\", expected a boolean",
        ),
        (
            Method::PUT,
            answers.as_str(),
            Some(gulou.as_str()),
            r#"{"answers": {"ZZ1.1": {"mett": true}}}"#,
            false,
            "unknown field `mett`",
        ),
        (
            Method::PUT,
            answers.as_str(),
            Some(gulou.as_str()),
            r#"{"answers": {"ZZ1.1": {"met": true}}"#,
            false,
            "不是有效的 JSON",
        ),
        (
            Method::POST,
            entries.as_str(),
            Some(gulou.as_str()),
            r#"{"community": 330302006044}"#,
            true,
            "The request body does not fit: community: invalid type: integer",
        ),
        (
            Method::POST,
            "/api/v1/rounds",
            Some(gulou.as_str()),
            r#"{"year": "2013"}"#,
            false,
            "year: invalid type: string",
        ),
    ];
    for (method, path, token, body, english, expected) in cases {
        let auth = token.map(Auth::Bearer).unwrap_or(Auth::None);
        let headers: &[(&str, &str)] = if english {
            &[("Accept-Language", "en")]
        } else {
            &[]
        };
        let reply = send_raw(server, method, path, auth, headers, Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.code(), "bad_request");
        assert!(
            reply.message().contains(expected),
            "{body}: {} should contain {expected}",
            reply.message()
        );
    }

    // Not JSON at all.
    let request = Request::post(&entries)
        .header(header::AUTHORIZATION, format!("Bearer {gulou}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("community=330302006044"))
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type: application/json")
    );

    // A number with more than two decimals names the clause; nothing is written.
    let reply = put(
        server,
        &answers,
        &gulou,
        json!({"answers": {"TJ1.1": {"met": true}, "ZG1.1": {"number": 96.555}}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.message().contains("answers.ZG1.1.number"),
        "{}",
        reply.message()
    );
    assert!(
        server
            .state
            .store
            .answers(&round, GULOU)
            .await
            .unwrap()
            .is_empty()
    );
}
on_both!(malformed_bodies_are_400_naming_the_problem);

/// Every route the API serves, as (method, path template).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/session"),
    ("get", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/todo"),
    ("get", "/api/v1/notifications"),
    ("post", "/api/v1/notifications/{id}/read"),
    ("get", "/api/v1/regions/{code}"),
    ("get", "/api/v1/regions/{code}/children"),
    ("get", "/api/v1/standards"),
    ("get", "/api/v1/standards/{id}/{version}"),
    ("get", "/api/v1/standards/{id}/{version}/clauses.xlsx"),
    ("post", "/api/v1/standards/{id}/{version}/versions"),
    ("get", "/api/v1/rounds"),
    ("post", "/api/v1/rounds"),
    ("get", "/api/v1/rounds/{id}"),
    ("get", "/api/v1/rounds/{id}/budget"),
    ("get", "/api/v1/rounds/{id}/entries"),
    ("post", "/api/v1/rounds/{id}/entries"),
    ("get", "/api/v1/rounds/{id}/entries/{code}"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/answers"),
    ("put", "/api/v1/rounds/{id}/entries/{code}/answers"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/check"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/compute"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/approve"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/send-back"),
    ("post", "/api/v1/rounds/{id}/approvals"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/publish"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/name"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/audit"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/evidence"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/evidence"),
    ("get", "/api/v1/evidence/{id}"),
    ("get", "/api/v1/rounds/{id}/export.xlsx"),
    ("get", "/api/v1/rounds/{id}/score-sheet.xlsx"),
    ("get", "/api/v1/rounds/{id}/documents"),
    ("get", "/api/v1/rounds/{id}/documents/{kind}/{target}"),
    ("get", "/api/v1/rounds/{id}/rectifications"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/submit"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/verify"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/reopen"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/objections"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/objections"),
    (
        "post",
        "/api/v1/rounds/{id}/entries/{code}/objections/{objection}/decide",
    ),
    ("get", "/api/v1/attention"),
    ("get", "/api/v1/attention/{category}"),
    ("post", "/api/v1/households"),
    ("get", "/api/v1/households/{id}"),
    ("post", "/api/v1/households/{id}/visits"),
    ("get", "/api/v1/access-log"),
    ("get", "/api/v1/communities/{code}/activities"),
    ("post", "/api/v1/communities/{code}/activities"),
    ("post", "/api/v1/activities/{id}/sign-ins"),
    ("post", "/api/v1/activities/{id}/sign-outs"),
    ("get", "/api/v1/communities/{code}/mall"),
    ("post", "/api/v1/mall/redemptions"),
    ("get", "/api/v1/volunteers/{id}/ledger"),
    ("get", "/api/v1/communities/{code}/people-metrics"),
    ("get", "/api/v1/rounds/{id}/survey"),
    ("put", "/api/v1/rounds/{id}/survey"),
    ("post", "/api/v1/rounds/{id}/survey/communities/{code}/link"),
    (
        "post",
        "/api/v1/rounds/{id}/survey/communities/{code}/answers",
    ),
    ("get", "/api/v1/rounds/{id}/survey/results/{code}"),
    ("get", "/api/v1/rounds/{id}/survey/fraud/{code}"),
    ("get", "/api/v1/rounds/{id}/survey/review/{code}"),
    ("post", "/api/v1/rounds/{id}/survey/review/{code}"),
    ("get", "/api/v1/circle/areas/{code}/facilities"),
    ("post", "/api/v1/circle/areas/{code}/facilities"),
    ("post", "/api/v1/circle/areas/{code}/facilities/import"),
    ("get", "/api/v1/circle/areas/{code}/coverage"),
    ("post", "/api/v1/circle/districts/{code}/coverage"),
    ("get", "/api/v1/circle/districts/{code}/siting"),
    ("get", "/api/v1/communities/{code}/circle-metrics"),
    ("get", "/api/v1/circle/centres/{id}/ratings"),
    ("post", "/api/v1/circle/centres/{id}/ratings"),
    ("get", "/api/v1/overview"),
    ("get", "/api/v1/jobs"),
];

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    refs.insert(v.as_str().unwrap().to_string());
                }
                collect_refs(v, refs);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

async fn the_openapi_document_lists_every_route(server: &Server) {
    let reply = call(
        server,
        Method::GET,
        "/api/v1/openapi.json",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    let doc = reply.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "Xingfu API");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);

    // Every operation has a unique id, its responses, and every body a schema that exists.
    let mut ids = BTreeSet::new();
    for (method, path) in &expected {
        let operation = &doc["paths"][path][method];
        let id = operation["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty())
        );
        assert!(operation["summary"].is_string() || operation["description"].is_string());
        let braces = path.matches('{').count();
        let path_params = operation["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "path").count())
            .unwrap_or(0);
        assert_eq!(
            path_params, braces,
            "{method} {path} documents its path parameters"
        );
    }
    assert!(
        doc["paths"]["/api/v1/rounds/{id}/entries/{code}/answers"]["put"]["requestBody"]
            .is_object()
    );
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.contains("#/components/schemas/ErrorBody"));
    for reference in refs {
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference}"
        );
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("csrf"));

    // And the router serves each of them: without a session every one but the two public ones
    // answers 401 (an unknown path is a 404, a wrong method a 405).
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{code}", GULOU)
            .replace("{id}", "some-round")
            .replace("{version}", "2012.1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method == Method::POST || method == Method::PUT).then_some("{}");
        let reply = send_raw(server, method.clone(), &concrete, Auth::None, &[], body).await;
        let expected = match *path {
            "/api/v1/openapi.json" => StatusCode::OK,
            "/api/v1/session" if method == Method::POST => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(reply.status, expected, "{method} {concrete}");
    }
    let reply = call(
        server,
        Method::GET,
        "/api/v1/nothing-here",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let reply = call(server, Method::PATCH, "/api/v1/rounds", Auth::None, None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.code(), "bad_request");
}
on_both!(the_openapi_document_lists_every_route);
