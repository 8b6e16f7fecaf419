//! Malformed request bodies answered with 400 naming the problem.

use super::*;

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
