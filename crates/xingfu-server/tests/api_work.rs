//! Evidence, the Excel exports and rectification tasks over the JSON API, on SQLite and on
//! PostgreSQL: the same checks and permissions as the pages.

#[macro_use]
mod common;

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, Server};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::{EntryChange, NewRound};

const GULOU: &str = "330302006044";

/// Status, content type and body bytes.
async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(kind) = content_type {
        request = request.header(header::CONTENT_TYPE, kind);
    }
    let response = server
        .app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 32 * 1024 * 1024)
        .await
        .unwrap();
    (status, kind, bytes.to_vec())
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(bytes)))
}

async fn token(server: &Server, username: &str) -> String {
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    json_of(&bytes)["token"].as_str().unwrap().to_string()
}

fn png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 5, y as u8 * 7, 90]));
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn declared_round(server: &Server) -> String {
    let store = &server.state.store;
    let round = store
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
        .id;
    store.declare(&round, GULOU, 0, "gulou", 2).await.unwrap();
    round
}

async fn evidence_goes_up_and_comes_back_through_the_api(server: &Server) {
    let round = declared_round(server).await;
    let gulou = token(server, "gulou").await;
    let assessor = token(server, "assessor").await;
    let base = format!("/api/v1/rounds/{round}/entries/{GULOU}/evidence");
    let upload = |clause: &str| format!("{base}?clause={clause}&file_name=%E5%90%88%E5%90%8C.png");

    // A real image for a real clause is kept.
    let image = png();
    let (status, _, body) = send(
        server,
        Method::POST,
        &upload("ZZ1.1"),
        &gulou,
        Some("image/png"),
        image.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let kept = json_of(&body);
    assert_eq!(kept["clause_id"], "ZZ1.1");
    assert_eq!(kept["file_name"], "合同.png");
    assert_eq!(kept["content_type"], "image/png");
    assert_eq!(kept["size"].as_i64(), Some(image.len() as i64));

    // Refusals name the field; nothing is kept.
    let (status, _, body) = send(
        server,
        Method::POST,
        &upload("NO.SUCH"),
        &gulou,
        Some("image/png"),
        image.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json_of(&body)["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("clause:")
    );
    let (status, _, body) = send(
        server,
        Method::POST,
        &upload("ZZ1.1"),
        &gulou,
        Some("image/png"),
        b"not an image at all".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json_of(&body)["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("file:")
    );
    let (status, _, _) = send(
        server,
        Method::POST,
        &upload("ZZ1.1"),
        &gulou,
        Some("image/png"),
        vec![0; xingfu_server::app::files::MAX_UPLOAD + 1],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // An assessor does not add the community's evidence.
    let (status, _, _) = send(
        server,
        Method::POST,
        &upload("ZZ1.1"),
        &assessor,
        Some("image/png"),
        image.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _, body) = send(server, Method::GET, &base, &assessor, None, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let list = json_of(&body);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_str().unwrap();
    let (status, kind, bytes) = send(
        server,
        Method::GET,
        &format!("/api/v1/evidence/{id}"),
        &assessor,
        None,
        vec![],
    )
    .await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(bytes, image, "the same bytes come back");
    let longwan = token(server, "longwan").await;
    let (status, _, _) = send(
        server,
        Method::GET,
        &format!("/api/v1/evidence/{id}"),
        &longwan,
        None,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another district's file");

    // The exports are the pages' workbooks.
    let district = token(server, "district").await;
    for export in ["export.xlsx", "score-sheet.xlsx"] {
        let (status, kind, bytes) = send(
            server,
            Method::GET,
            &format!("/api/v1/rounds/{round}/{export}"),
            &district,
            None,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{export}");
        assert!(kind.contains("spreadsheetml"), "{export}: {kind}");
        assert!(bytes.starts_with(b"PK"), "{export} is a zip (xlsx)");
        let (status, _, _) = send(
            server,
            Method::GET,
            &format!("/api/v1/rounds/{round}/{export}"),
            &longwan,
            None,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{export} outside the area");
    }
}
on_both!(evidence_goes_up_and_comes_back_through_the_api);

async fn rectification_tasks_move_through_the_api(server: &Server) {
    let round = declared_round(server).await;
    let store = &server.state.store;
    let entry = store.entry(&round, GULOU).await.unwrap().unwrap();
    let computed = EntryChange {
        stage: Some(Stage::Computed),
        ..EntryChange::default()
    };
    let by = xingfu_store::rounds::By {
        actor: "test",
        at: 3,
    };
    store
        .update_entry(&round, GULOU, entry.version, &computed, "compute", by)
        .await
        .unwrap()
        .unwrap();
    store
        .open_rectifications(&round, GULOU, &["ZZ1.1".to_string()], "鼓楼社区", 10_000, 4)
        .await
        .unwrap();
    let gulou = token(server, "gulou").await;
    let wuma = token(server, "wuma").await;
    let longwan = token(server, "longwan").await;
    let list = format!("/api/v1/rounds/{round}/rectifications");
    let (_, _, body) = send(server, Method::GET, &list, &wuma, None, vec![]).await;
    let tasks = json_of(&body);
    assert_eq!(tasks[0]["status"], "open", "{tasks}");
    let task = tasks[0]["id"].as_str().unwrap().to_string();
    let (_, _, body) = send(server, Method::GET, &list, &longwan, None, vec![]).await;
    assert_eq!(json_of(&body), json!([]), "another district sees none");

    let act = |step: &str| format!("{list}/{task}/{step}");
    let report = |text: &str| json!({"report": text}).to_string().into_bytes();
    // Only the community submits, with a report.
    let (status, _, _) = send(
        server,
        Method::POST,
        &act("submit"),
        &wuma,
        Some("application/json"),
        report("已整改"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(
        server,
        Method::POST,
        &act("submit"),
        &gulou,
        Some("application/json"),
        report("  "),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        json_of(&body)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("整改情况")
    );
    let (status, _, body) = send(
        server,
        Method::POST,
        &act("submit"),
        &gulou,
        Some("application/json"),
        report("已建立道德讲堂,见照片"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["status"], "submitted");
    // The street verifies; a second verification finds it moved on.
    let (status, _, _) = send(server, Method::POST, &act("verify"), &gulou, None, vec![]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(server, Method::POST, &act("verify"), &wuma, None, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["verified_by"], "wuma");
    let (status, _, _) = send(server, Method::POST, &act("reopen"), &wuma, None, vec![]).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "verified tasks are not at that step"
    );
    let trail = store.audit_for_community(GULOU).await.unwrap();
    assert_eq!(
        trail.iter().filter(|r| r.action == "rectification").count(),
        2
    );
}
on_both!(rectification_tasks_move_through_the_api);
