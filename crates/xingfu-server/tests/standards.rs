//! Standard versions through the pages and the API: the clause table's download, an edited
//! table imported as a new version (usable for a round), and every way an import is refused;
//! over HTTP to the real router, on SQLite and on PostgreSQL.

#[macro_use]
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

/// Whether the error summary links `field` with a message containing `message`.
fn summary_has(page: &str, field: &str, message: &str) -> bool {
    let summary = between(page, "class=\"error-summary\"", "</div>");
    summary
        .split("<li>")
        .any(|item| item.starts_with(&format!("<a href=\"#{field}\">")) && item.contains(message))
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

async fn the_clause_table_downloads_in_either_language(server: &Server) {
    let standard = lucheng();
    let clauses: Vec<_> = standard.clauses().collect();
    // Any signed-in user: a community worker.
    let cookie = server.sign_in("gulou").await;
    let (status, page, _) = server.get("/standards", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&standard.name), "{page}");
    assert!(page.contains("<td>2012.1</td>"));
    assert!(page.contains(&format!("<td class=\"num\">{}</td>", clauses.len())));
    assert!(page.contains(&format!("<td class=\"num\">{}</td>", standard.total_points)));
    assert!(page.contains(&format!("href=\"{TABLE}\"")));
    assert!(
        page.contains("href=\"/standards\""),
        "the navigation links the page"
    );
    assert!(
        !page.contains("action=\"/standards/import\""),
        "a community worker gets no import form"
    );

    let (status, headers, bytes) = get_bytes(server, TABLE, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    common::assert_workbook_for_officials(&bytes, true);
    let book = sheets(&bytes);
    assert_eq!(book[0].0, "条款");
    assert_eq!(book[1].0, "星级");
    let rows = &book[0].1;
    assert_eq!(rows[0][0].to_string(), "类别编号");
    assert_eq!(rows.len(), clauses.len() + 1, "a row per clause");
    let (id, points) = (column(rows, "条款编号"), column(rows, "分值"));
    for (row, clause) in rows[1..].iter().zip(&clauses) {
        assert_eq!(row[id].to_string(), clause.id);
        assert_eq!(
            number(&row[points]),
            clause.points.to_f64(),
            "{}",
            clause.id
        );
    }
    assert_eq!(book[1].1.len(), standard.stars.len() + 1);

    // English headers: asked for, or the English pages.
    let (_, _, english) = get_bytes(server, &format!("{TABLE}?lang=en"), &cookie).await;
    common::assert_workbook_for_officials(&english, false);
    let book = sheets(&english);
    assert_eq!(book[0].0, "Clauses");
    assert_eq!(book[0].1[0][0].to_string(), "Category id");
    let english_ui = format!("{cookie}; lang=en");
    let (_, _, english) = get_bytes(server, TABLE, &english_ui).await;
    assert_eq!(sheets(&english)[0].0, "Clauses");
    let (_, _, chinese) = get_bytes(server, &format!("{TABLE}?lang=zh"), &english_ui).await;
    assert_eq!(sheets(&chinese)[0].0, "条款");

    let (status, _, _) =
        get_bytes(server, "/standards/lucheng-2012/1999/clauses.xlsx", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, headers, _) = get_bytes(server, TABLE, "").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "signed out: to the sign-in page"
    );
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // The same over the API: Chinese by default, English by Accept-Language or ?lang=en.
    let bearer = token(server, "gulou").await;
    let path = "/api/v1/standards/lucheng-2012/2012.1/clauses.xlsx";
    let (status, headers, bytes) = api(server, Method::GET, path, &bearer, &[], vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    assert_eq!(sheets(&bytes)[0].0, "条款");
    assert_eq!(clause_rows(&bytes).len(), clauses.len() + 1);
    let en = [("accept-language", "en")];
    let (_, _, bytes) = api(server, Method::GET, path, &bearer, &en, vec![]).await;
    assert_eq!(sheets(&bytes)[0].0, "Clauses");
    let (_, _, bytes) = api(
        server,
        Method::GET,
        &format!("{path}?lang=zh"),
        &bearer,
        &en,
        vec![],
    )
    .await;
    assert_eq!(sheets(&bytes)[0].0, "条款");
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards/lucheng-2012/1999/clauses.xlsx",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
on_both!(the_clause_table_downloads_in_either_language);

async fn an_edited_table_becomes_a_version_a_round_can_run_on(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let (_, page, _) = server.get("/standards", &cookie).await;
    assert!(page.contains("action=\"/standards/import\""));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains(&format!("<option value=\"{BASE}\"")));

    let table = edited_table(server, &cookie).await;
    let (status, body) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("条款表-修订.xlsx", &table)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = body.lines().next().unwrap();
    assert_eq!(location, "/standards?imported=lucheng-2012%2F2013.1");

    let (status, page, _) = server.get(location, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("class=\"notice\""), "{page}");
    assert!(page.contains("已导入 lucheng-2012 的 2013.1 版"));
    assert!(page.contains("<td>2013.1</td>"));
    assert!(page.contains("href=\"/standards/lucheng-2012/2013.1/clauses.xlsx\""));
    assert_eq!(
        stored_versions(server).await,
        ["lucheng-2012/2012.1", "lucheng-2012/2013.1"]
    );

    // The new version loads, with the edit and everything else from the base.
    let base = lucheng();
    let new = server.state.standard(ID, "2013.1").await.unwrap();
    assert_eq!(new.version, "2013.1");
    assert_eq!(new.total_points, base.total_points);
    let (old_json, new_json) = (
        serde_json::to_value(&base).unwrap(),
        serde_json::to_value(&*new).unwrap(),
    );
    for kept in ["name", "stars", "rewards", "targets", "notes", "rating"] {
        assert_eq!(new_json[kept], old_json[kept], "{kept} comes from the base");
    }
    assert_eq!(new.clauses().count(), base.clauses().count());
    let (old_a, new_a) = (base.clause("ZZ1.1").unwrap(), new.clause("ZZ1.1").unwrap());
    assert_eq!(new_a.text, "社区党组织每季度召开一次居民议事会(2013年修订)");
    assert_eq!(new_a.points.to_f64(), old_a.points.to_f64() + 3.0);
    assert_eq!(
        new.clause("ZZ1.2").unwrap().points.to_f64(),
        base.clause("ZZ1.2").unwrap().points.to_f64() - 3.0
    );
    for (old, new) in base.clauses().zip(new.clauses()) {
        if !["ZZ1.1", "ZZ1.2"].contains(&old.id.as_str()) {
            assert_eq!(
                (&old.id, &old.text, old.points),
                (&new.id, &new.text, new.points)
            );
        }
    }
    // The stored text is the base file's, comments kept, with the new label.
    let text = server
        .state
        .store
        .standard_body(ID, "2013.1")
        .await
        .unwrap()
        .unwrap();
    assert!(
        text.starts_with("# 鹿城区(城市)社区幸福指数测评体系"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("version = \"2013.1\""));
    assert!(!text.contains("version = \"2012.1\""));
    // The base is untouched.
    assert_eq!(
        server
            .state
            .standard(ID, "2012.1")
            .await
            .unwrap()
            .clause("ZZ1.1")
            .unwrap()
            .text,
        base.clause("ZZ1.1").unwrap().text
    );

    // Audited: who, and what exactly was stored.
    let audit = server.state.store.standard_imports().await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "district");
    assert_eq!(audit[0].action, "import_standard");
    assert_eq!(audit[0].community_code, None);
    let after: Value = serde_json::from_str(audit[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["id"], ID);
    assert_eq!(after["version"], "2013.1");
    assert_eq!(after["clauses"], base.clauses().count());
    assert_eq!(after["sha256"], body_sha256(&text));
    assert_eq!(after["based_on"], "2012.1");
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);

    // Its own clause table carries the edit.
    let (_, _, bytes) = get_bytes(
        server,
        "/standards/lucheng-2012/2013.1/clauses.xlsx",
        &cookie,
    )
    .await;
    let rows = clause_rows(&bytes);
    let at = row_of(&rows, "ZZ1.1");
    assert_eq!(
        rows[at][column(&rows, "条款内容")].to_string(),
        "社区党组织每季度召开一次居民议事会(2013年修订)"
    );

    // A round can be opened on it, as on any stored version.
    let district = server.user("district").await;
    let round = service::open_round(
        &server.state,
        &district,
        &NewRound {
            year: 2013,
            region_code: "330302000000",
            standard_id: ID,
            standard_version: "2013.1",
            objection_days: 7,
        },
        Lang::Zh,
    )
    .await
    .unwrap();
    assert_eq!(round.standard_version, "2013.1");
    let worker = server.user("gulou").await;
    service::declare(&server.state, &worker, &round.id, "330302006044", Lang::Zh)
        .await
        .unwrap();

    // The API lists both stored versions.
    let bearer = token(server, "district").await;
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Value = serde_json::from_slice(&body).unwrap();
    let versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2012.1", "2013.1"]);

    // And imports over the API the same way.
    let (status, body) = api_import(server, &bearer, "version=2013.2", table).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], ID);
    assert_eq!(body["version"], "2013.2");
    assert_eq!(body["based_on"], "2012.1");
    assert_eq!(body["clauses"], base.clauses().count());
    assert_eq!(body["total_points"], base.total_points.to_f64());
    assert!(server.state.standard(ID, "2013.2").await.is_ok());
    let audit = server.state.store.standard_imports().await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].actor, "district");
}
on_both!(an_edited_table_becomes_a_version_a_round_can_run_on);

async fn a_bad_table_is_refused_row_by_row_and_nothing_is_stored(server: &Server) {
    let cookie = server.sign_in("city").await;
    let token_value = csrf(server, &cookie).await;
    let (_, _, bytes) = get_bytes(server, TABLE, &cookie).await;
    let mut rows = clause_rows(&bytes);
    let (id, points, judge) = (
        column(&rows, "条款编号"),
        column(&rows, "分值"),
        column(&rows, "判定方式"),
    );
    // Points that are not a number, a judge that does not exist, and a row without its id.
    let (a, b, c) = (
        row_of(&rows, "ZZ1.1"),
        row_of(&rows, "ZZ2.2"),
        row_of(&rows, "ZZ2.3"),
    );
    rows[a][points] = Data::String("十五".into());
    rows[b][judge] = Data::String("抽签".into());
    rows[c][id] = Data::Empty;
    // And points that no longer add up to the standard's total.
    let d = row_of(&rows, "ZZ2.4");
    rows[d][points] = Data::Float(number(&rows[d][points]) + 5.0);
    let table = workbook(&rows);

    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, "2013.5", Some(("bad.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("class=\"error-summary\""));
    assert!(summary_has(&page, "file", "条款表有"), "{page}");
    assert!(page.contains("id=\"table-problems\""));
    // Excel rows are 1-based with the header as row 1.
    let letter = |c: usize| char::from(b'A' + c as u8);
    for expected in [
        format!(
            "第 {} 行 {} 列（分值）：分值应是最多两位小数的数字",
            a + 1,
            letter(points)
        ),
        format!(
            "第 {} 行 {} 列（判定方式）：未知的判定方式 &#34;抽签&#34;",
            b + 1,
            letter(judge)
        ),
        format!(
            "第 {} 行 {} 列（条款编号）：条款编号为空",
            c + 1,
            letter(id)
        ),
    ] {
        assert!(
            page.contains(&expected),
            "missing {expected} in {}",
            between(&page, "<ul id=\"table-problems\">", "</ul>")
        );
    }
    assert!(
        page.contains("<li>总分声明为 1000"),
        "the total no longer adds up: {page}"
    );
    // The typed label and the chosen base are kept.
    assert!(page.contains("name=\"version\" type=\"text\" value=\"2013.5\""));
    assert!(page.contains(&format!("<option value=\"{BASE}\" selected")));
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
    assert!(
        server
            .state
            .store
            .standard_imports()
            .await
            .unwrap()
            .is_empty()
    );

    // In English for the English pages.
    let (status, page) = import(
        server,
        &format!("{cookie}; lang=en"),
        form(&token_value, BASE, "2013.5", Some(("bad.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!(
        "row {}, column {} (Judged by): unknown judge",
        b + 1,
        letter(judge)
    )));

    // Over the API: 422 with every problem and its row.
    let bearer = token(server, "city").await;
    let (status, body) = api_import(server, &bearer, "version=2013.5", table).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_file");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(problems.len() >= 4, "{body}");
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == b + 1 && p["message"].as_str().unwrap().contains("抽签"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == c + 1 && p["message"].as_str().unwrap().contains("条款编号为空"))
    );
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);

    // More problems than the page lists: the first 200, and a count of the rest.
    let category = column(&rows, "类别编号");
    let item = column(&rows, "项目编号");
    let text = column(&rows, "条款内容");
    let methods = column(&rows, "测评方法");
    // The unedited table, with 250 rows more whose judge does not exist.
    let mut many = clause_rows(&bytes);
    let template = many[a].clone();
    for i in 0..250 {
        let mut row = vec![Data::Empty; template.len()];
        row[category] = template[category].clone();
        row[item] = template[item].clone();
        row[id] = Data::String(format!("X{i}"));
        row[text] = Data::String(format!("补充条款 {i}"));
        row[points] = Data::Float(0.0);
        row[judge] = Data::String("抽签".into());
        row[methods] = template[methods].clone();
        many.push(row);
    }
    let many = workbook(&many);
    let found = xingfu_formats::standard_xlsx::clauses_from_xlsx("many.xlsx", &many, &lucheng())
        .unwrap_err()
        .len();
    assert!(found > 200, "{found}");
    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, "2013.5", Some(("many.xlsx", &many))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = between(&page, "<ul id=\"table-problems\">", "</ul>");
    assert_eq!(list.matches("<li>").count(), 200);
    assert!(page.contains(&format!("条款表有 {found} 处问题")));
    assert!(page.contains(&format!("还有 {} 个问题未列出", found - 200)));
    // The API lists the same first 200 and counts the rest.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2013.5", many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"].as_array().unwrap().len(), 200);
    assert_eq!(body["error"]["unlisted"], found - 200);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("还有 {} 个问题未列出", found - 200)),
        "{message}"
    );
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
}
on_both!(a_bad_table_is_refused_row_by_row_and_nothing_is_stored);

/// Half a million one-cell rows: a 57 KB workbook, built once for every test here.
fn half_a_million_rows() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| many_rows_xlsx("条款", 500_000))
}

/// Small files that declare or inflate to huge sheets are refused before they are allocated:
/// 422 with a short answer naming the limit and the cell, on the page and through the API.
async fn a_table_past_the_reader_limits_is_refused_naming_the_limit(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let bearer = token(server, "district").await;
    let inflated = CLAUSE_TABLE_LIMITS.part_bytes + 1;
    let cases = [
        (
            "far.xlsx",
            far_cell_xlsx("条款", &["类别编号", "项目编号", "条款编号"]),
            "第 1048576 行超出上限 5000 行\u{ff08}单元格 XFD1048576\u{ff09}",
        ),
        (
            "rows.xlsx",
            half_a_million_rows().to_vec(),
            "第 5001 行超出上限 5000 行\u{ff08}单元格 A5001\u{ff09}",
        ),
        (
            "bomb.xlsx",
            inflating_xlsx("条款", inflated, inflated),
            "文件中的部件 xl/media/padding.bin 解压后超过 64 MB 的上限",
        ),
    ];
    for (name, bytes, message) in cases {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some((name, &bytes))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let list = between(&page, "<ul id=\"table-problems\">", "</ul>");
        assert_eq!(list.matches("<li>").count(), 1, "{name}: {list}");
        assert!(list.contains(message), "{name}: {list}");
        assert!(
            page.len() < 64 * 1024,
            "{name}: a page of {} bytes",
            page.len()
        );

        let (status, _, body) = api(
            server,
            Method::POST,
            "/api/v1/standards/lucheng-2012/2012.1/versions?version=2013.1",
            &bearer,
            &[("content-type", XLSX)],
            bytes,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.len() < 2048, "{name}: a body of {} bytes", body.len());
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "invalid_file");
        let problems = body["error"]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{name}: {body}");
        assert!(
            problems[0]["message"].as_str().unwrap().contains(message),
            "{name}: {body}"
        );
    }
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
}
on_both!(a_table_past_the_reader_limits_is_refused_naming_the_limit);

async fn a_taken_or_malformed_label_names_the_field(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let table = edited_table(server, &cookie).await;
    for (label, message) in [
        ("2012.1", "评价标准 lucheng-2012 已有版本 2012.1"),
        ("2013 1", "不能有空格"),
        ("", "请填写新版本号"),
        (&"9".repeat(33), "版本号最多 32 个字符"),
    ] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, label, Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {page}");
        assert!(summary_has(&page, "version", message), "{label}: {page}");
        assert!(page.contains("id=\"version-error\""));
        assert!(!page.contains("href=\"#file\""), "the table itself is fine");
    }
    // At the limit: 32 characters are a label.
    let longest = "9".repeat(32);
    let (status, body) = import(
        server,
        &cookie,
        form(&token_value, BASE, &longest, Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // A label imported once is taken afterwards.
    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, &longest, Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("已有版本 {longest}")));
    // No base chosen, and a base that is not stored.
    for base in ["", "lucheng-2012/1999"] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, base, "2013.1", Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(summary_has(&page, "base", "基础"), "{base}: {page}");
    }
    assert_eq!(
        stored_versions(server).await,
        [
            "lucheng-2012/2012.1".to_string(),
            format!("lucheng-2012/{longest}")
        ]
    );

    // The API names the field too.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2012.1", table.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("version:"),
        "{body}"
    );
    let (status, body) = api_import(server, &bearer, "version=a%2Fb", table.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("version:"),
        "{body}"
    );
    let (status, body) = api_import(server, &bearer, "", table.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version")
    );
    let (status, _, _) = api(
        server,
        Method::POST,
        "/api/v1/standards/lucheng-2012/1999/versions?version=2013.1",
        &bearer,
        &[("content-type", XLSX)],
        table,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(stored_versions(server).await.len(), 2);
}
on_both!(a_taken_or_malformed_label_names_the_field);

async fn only_city_and_district_administrators_import(server: &Server) {
    let admin = server.sign_in("district").await;
    let table = edited_table(server, &admin).await;
    for username in ["wuma", "gulou", "assessor"] {
        let cookie = server.sign_in(username).await;
        let token_value = csrf(server, &cookie).await;
        let (_, page, _) = server.get("/standards", &cookie).await;
        assert!(!page.contains("action=\"/standards/import\""), "{username}");
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        assert!(page.contains("只有市级或区级管理员可以导入"), "{page}");
        let bearer = token(server, username).await;
        let (status, body) = api_import(server, &bearer, "version=2013.1", table.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // An administrator's form without the session's token is refused.
    let (status, page) = import(
        server,
        &admin,
        form("not-the-token", BASE, "2013.1", Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("页面已过期"));
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
    assert!(
        server
            .state
            .store
            .standard_imports()
            .await
            .unwrap()
            .is_empty()
    );

    // A city administrator may.
    let city = server.sign_in("city").await;
    let token_value = csrf(server, &city).await;
    let (status, body) = import(
        server,
        &city,
        form(&token_value, BASE, "2013.1", Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        server.state.store.standard_imports().await.unwrap()[0].actor,
        "city"
    );
}
on_both!(only_city_and_district_administrators_import);

async fn oversize_and_non_xlsx_files_are_refused_clearly(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let zip_of = |size: usize| {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.resize(size, 0);
        bytes
    };

    // Over the limit by one byte: 413, the page says the limit, the label is kept.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("big.xlsx", &zip_of(MAX_TABLE + 1))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(summary_has(&page, "file", "文件超过 5 MB 的上限"), "{page}");
    assert!(page.contains("value=\"2013.1\""));
    // Far over it (past what the route reads at all): the same answer.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("huge.xlsx", &zip_of(4 * MAX_TABLE))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("文件超过 5 MB 的上限"));
    // At the limit the size is fine; the content is then read, and is not a workbook.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("edge.xlsx", &zip_of(MAX_TABLE))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.contains("文件超过"));
    assert!(page.contains("无法读取 Excel 文件"), "{page}");

    let old_excel = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    for (name, bytes, message) in [
        (
            "table.xlsx",
            &b"%PDF-1.4 not a table"[..],
            "文件内容不是 Excel 工作簿（.xlsx）",
        ),
        ("table.xls", &old_excel[..], "旧版 Excel 文件（.xls）"),
        (
            "table.csv",
            &b"id,text\nZZ1.1,x\n"[..],
            "文件内容不是 Excel 工作簿（.xlsx）",
        ),
        ("empty.xlsx", &b""[..], "文件是空的"),
    ] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some((name, bytes))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(summary_has(&page, "file", message), "{name}: {page}");
    }
    let (status, page) = import(server, &cookie, form(&token_value, BASE, "2013.1", None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(summary_has(&page, "file", "请选择要导入的条款表"));

    // The API: 413 and 422 with their codes, and a multipart body pointed to the raw body.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2013.1", zip_of(MAX_TABLE + 1)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (status, body) = api_import(server, &bearer, "version=2013.1", b"%PDF-1.4".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_file");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("file:")
    );
    let (status, _, body) = api(
        server,
        Method::POST,
        "/api/v1/standards/lucheng-2012/2012.1/versions?version=2013.1",
        &bearer,
        &[("content-type", "multipart/form-data; boundary=x")],
        b"--x--".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("multipart"));

    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
    assert!(
        server
            .state
            .store
            .standard_imports()
            .await
            .unwrap()
            .is_empty()
    );
}
on_both!(oversize_and_non_xlsx_files_are_refused_clearly);

/// The OpenAPI document describes the import as a raw .xlsx body with the label as a query
/// parameter, and its refusals with the problems' schema.
#[test]
fn the_openapi_document_describes_the_import() {
    let doc: Value = serde_json::from_str(&xingfu_server::openapi_text()).unwrap();
    let import = &doc["paths"]["/api/v1/standards/{id}/{version}/versions"]["post"];
    let body = &import["requestBody"]["content"][XLSX]["schema"];
    assert_eq!(body["type"], "string", "{import}");
    assert_eq!(body["format"], "binary");
    let parameters = import["parameters"].as_array().unwrap();
    assert!(
        parameters
            .iter()
            .any(|p| p["in"] == "query" && p["name"] == "version" && p["required"] == true)
    );
    for status in ["201", "400", "403", "404", "409", "413", "422"] {
        assert!(import["responses"][status].is_object(), "{status}");
    }
    assert_eq!(
        import["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ImportErrorBody"
    );
    let table = &doc["paths"]["/api/v1/standards/{id}/{version}/clauses.xlsx"]["get"];
    assert_eq!(
        table["responses"]["200"]["content"][XLSX]["schema"]["format"], "binary",
        "{table}"
    );
}

async fn an_unreadable_stored_version_hides_nothing_else(server: &Server) {
    server
        .state
        .store
        .save_standard("broken", "1", "[standard]\nid = \"broken\"\n", 5)
        .await
        .unwrap();
    let cookie = server.sign_in("district").await;
    let (status, page, _) = server.get("/standards", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("无法读取该版本"), "{page}");
    assert!(page.contains("<td>2012.1</td>"));
    assert!(
        !page.contains("<option value=\"broken/1\""),
        "an unreadable version is not offered as a base"
    );
    let bearer = token(server, "district").await;
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], ID);
    // Importing on it is refused, naming the base.
    let table = edited_table(server, &cookie).await;
    let (status, _, body) = api(
        server,
        Method::POST,
        "/api/v1/standards/broken/1/versions?version=2",
        &bearer,
        &[("content-type", XLSX)],
        table,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("无法读取"),
        "{body}"
    );
    assert_eq!(stored_versions(server).await.len(), 2);
}
on_both!(an_unreadable_stored_version_hides_nothing_else);
