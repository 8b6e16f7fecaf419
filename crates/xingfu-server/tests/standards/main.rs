//! Standard versions through the pages and the API: the clause table's download, an edited
//! table imported as a new version (usable for a round), and every way an import is refused;
//! over HTTP to the real router, on SQLite and on PostgreSQL.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use std::io::Cursor;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use common::{PASSWORD, Server, between};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::Standard;
use xingfu_formats::crafted_sheets::{far_cell_xlsx, inflating_xlsx, many_rows_xlsx};
use xingfu_formats::sheet::CLAUSE_TABLE_LIMITS;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_server::standards::service::MAX_TABLE;
use xingfu_store::rounds::NewRound;
use xingfu_store::standards::body_sha256;

mod downloads;
mod import_access;
mod refusals;
mod versions;

const ID: &str = "lucheng-2012";
const BASE: &str = "lucheng-2012/2012.1";
const TABLE: &str = "/standards/lucheng-2012/2012.1/clauses.xlsx";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The base standard as shipped.
fn lucheng() -> Standard {
    xingfu_formats::shipped::shipped(ID).unwrap().unwrap()
}

/// The status, headers and raw body of a request.
async fn send(server: &Server, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

async fn get_bytes(server: &Server, path: &str, cookie: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(server, request).await
}

/// The session's CSRF token, from the standards page.
async fn csrf(server: &Server, cookie: &str) -> String {
    let (_, body, _) = server.get("/standards", cookie).await;
    between(&body, "name=\"csrf\" value=\"", "\"").to_string()
}

const BOUNDARY: &str = "----xingfu-standards-boundary-51c2";

/// The import form as a browser sends it: csrf, base, version, then the file.
fn form(csrf: &str, base: &str, version: &str, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("base", base), ("version", version)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {XLSX}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the import form; the body is prefixed with the redirect's location, if any.
async fn import(server: &Server, cookie: &str, body: Vec<u8>) -> (StatusCode, String) {
    let request = Request::post("/standards/import")
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, headers, body) = send(server, request).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| format!("{l}\n"))
        .unwrap_or_default();
    (
        status,
        format!("{location}{}", String::from_utf8_lossy(&body)),
    )
}

/// A bearer token for the API.
async fn token(server: &Server, username: &str) -> String {
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    assert_eq!(status, StatusCode::CREATED, "API sign-in of {username}");
    let body: Value = serde_json::from_slice(&body).unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(server, request.body(Body::from(body)).unwrap()).await
}

async fn api_import(
    server: &Server,
    token: &str,
    query: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let (status, _, body) = api(
        server,
        Method::POST,
        &format!("/api/v1/standards/lucheng-2012/2012.1/versions?{query}"),
        token,
        &[("content-type", XLSX)],
        bytes,
    )
    .await;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, body)
}

/// Every cell of a workbook's sheets, by sheet name.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

/// The clause sheet's rows (the header first).
fn clause_rows(bytes: &[u8]) -> Vec<Vec<Data>> {
    sheets(bytes).into_iter().next().unwrap().1
}

/// Writes rows back as a one-sheet workbook, as someone who edited the table in Excel would.
fn workbook(rows: &[Vec<Data>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("条款").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Data::String(text) => {
                    sheet.write_string(r, c, text).unwrap();
                }
                Data::Float(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Data::Int(n) => {
                    sheet.write_number(r, c, *n as f64).unwrap();
                }
                Data::Empty => {}
                other => panic!("unexpected cell {other:?}"),
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The index of a header in the first row.
fn column(rows: &[Vec<Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| *h == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

/// The row (0-based, header = 0) of a clause.
fn row_of(rows: &[Vec<Data>], clause: &str) -> usize {
    let id = column(rows, "条款编号");
    rows.iter()
        .position(|r| r[id] == clause)
        .unwrap_or_else(|| panic!("no row for {clause}"))
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(n) => *n,
        Data::Int(n) => *n as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The base table with ZZ1.1 reworded and 3 of ZZ1.2's points moved to it (the total stays).
async fn edited_table(server: &Server, cookie: &str) -> Vec<u8> {
    let (status, _, bytes) = get_bytes(server, TABLE, cookie).await;
    assert_eq!(status, StatusCode::OK);
    let mut rows = clause_rows(&bytes);
    let (text, points) = (column(&rows, "条款内容"), column(&rows, "分值"));
    let (a, b) = (row_of(&rows, "ZZ1.1"), row_of(&rows, "ZZ1.2"));
    rows[a][text] = Data::String("社区党组织每季度召开一次居民议事会(2013年修订)".into());
    rows[a][points] = Data::Float(number(&rows[a][points]) + 3.0);
    rows[b][points] = Data::Float(number(&rows[b][points]) - 3.0);
    workbook(&rows)
}

async fn stored_versions(server: &Server) -> Vec<String> {
    server
        .state
        .store
        .stored_standards()
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{}/{}", s.id, s.version))
        .collect()
}
