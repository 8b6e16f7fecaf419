//! Signing in and out, the CSRF header a session cookie needs, and permissions that mirror the
//! pages.

use super::*;

const QINGNIANFANG: &str = "330302026003";

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
    assert!(reply.body["expires_at"].as_i64().unwrap() > xingfu_server::app::clock::now_ms());

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
