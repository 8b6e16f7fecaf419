//! The circle through the JSON API: registering facilities, importing and rating.

use super::*;

async fn api_call(
    app: &Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let reply = send(app, request).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

async fn the_api_registers_imports_and_rates(server: &Server) {
    let app = router(server.state.clone());
    let store = &server.state.store;
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "fengze-centre")
        .unwrap()
        .1;
    store
        .save_standard("fengze-centre", "2022.1", text, 0)
        .await
        .unwrap();
    let wuma = token(&app, "wuma").await;
    let bad = "id,name,functions,lon,lat\nw-1,卫生站,medical,120.6551,28.0123\nw-2,学堂,school,120.6552,28.0124\n";
    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/areas/{WUMA}/facilities/import"),
        &wuma,
        Some(serde_json::json!({"content": bad, "community": GULOU})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("第 3 行"), "{message}");
    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/areas/{WUMA}/facilities/import"),
        &wuma,
        Some(serde_json::json!({"content": REGISTRY_CSV, "community": GULOU})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["added"].as_u64(), body["format"].as_str()),
        (Some(2), Some("csv"))
    );

    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/areas/{GULOU}/facilities"),
        &wuma,
        Some(serde_json::json!({
            "name": "鼓楼邻里中心",
            "functions": ["幼有所育", "elderly_care"],
            "lon": 120.6549,
            "lat": 28.0121,
            "capacity": 80,
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let centre = body["id"].as_str().unwrap().to_string();
    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/areas/{QINGNIAN}/facilities"),
        &wuma,
        Some(serde_json::json!({"name": "x", "functions": ["food"], "lon": 120.6, "lat": 28.0})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = api_call(
        &app,
        "GET",
        &format!("/api/v1/circle/areas/{GULOU}/facilities"),
        &wuma,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed = body.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let mine = listed.iter().find(|f| f["id"] == centre.as_str()).unwrap();
    assert_eq!(
        mine["functions"],
        serde_json::json!(["childcare", "elderly_care"])
    );
    assert_eq!(mine["community_code"], GULOU);

    // No coverage yet: no figures, and a rating leaves the circle clause not assessed.
    let (status, body) = api_call(
        &app,
        "GET",
        "/api/v1/circle/areas/330302000000/coverage",
        &wuma,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the district's figures: {body}"
    );
    let district = token(&app, "district").await;
    let (status, body) = api_call(
        &app,
        "GET",
        "/api/v1/circle/areas/330302000000/coverage",
        &district,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["run"].is_null() && body["shares"].as_array().unwrap().is_empty());
    let (status, body) = api_call(
        &app,
        "GET",
        &format!("/api/v1/communities/{GULOU}/circle-metrics"),
        &district,
        None,
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::json!([])));
    let (status, body) = api_call(
        &app,
        "POST",
        "/api/v1/circle/districts/330302000000/coverage",
        &district,
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "no network: {body}");

    assert_eq!(
        store
            .flag_centre(&centre, None, GULOU, "鼓楼社区", "wuma", 1)
            .await
            .unwrap(),
        xingfu_store::facilities::Flagged::Done
    );
    let rating = |answers: Value| serde_json::json!({"year": 2024, "answers": answers});
    let (status, _) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/centres/{centre}/ratings"),
        &wuma,
        Some(rating(serde_json::json!({"DJ2.1": {"met": true}}))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the district rates");
    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/centres/{centre}/ratings"),
        &district,
        Some(rating(serde_json::json!({"ZZ9.9": {"met": true}}))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("ZZ9.9"));
    // DJ2.1 met: 3 points; 12 activities entered: 15 × 12 / 48 = 3.75.
    let (status, body) = api_call(
        &app,
        "POST",
        &format!("/api/v1/circle/centres/{centre}/ratings"),
        &district,
        Some(rating(serde_json::json!({
            "DJ2.1": {"met": true},
            "CX2.1": {"number": 12, "source": "entered"},
        }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["total"].as_f64(), Some(3.0 + 15.0 * 12.0 / 48.0));
    assert_eq!(body["star"], 0);
    let not_assessed = body["result"]["not_assessed"].as_array().unwrap();
    assert!(not_assessed.contains(&Value::from("CX4.1")));
    assert_eq!(body["answers"]["answers"]["CX2.1"]["source"], "entered");
}
on_both!(the_api_registers_imports_and_rates);
