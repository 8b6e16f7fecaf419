//! The JSON API over HTTP requests to the real router, on SQLite and on PostgreSQL.

#[macro_use]
#[path = "../common/mod.rs"]
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

mod access;
mod malformed_bodies;
mod openapi;
mod rounds;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";

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
