//! A server on a real database (a fresh SQLite file, or a fresh PostgreSQL schema), with the
//! divisions of 鹿城区 that the tests use, the Lucheng standard, and one account per role.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use xingfu_core::workflow::{Role, Stage};
use xingfu_server::app::auth::{CurrentUser, hash_password};
use xingfu_server::{AppState, router};
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, EntryChange, NewRound};

pub mod browser;
pub mod events;
pub mod replica;
pub mod s3;

pub const PASSWORD: &str = "correct horse 幸福";

/// Makes `async fn name(&Server)` two tests, `name::sqlite` and `name::postgres`, each on a
/// fresh database (take it with `#[macro_use] mod common;`).
#[allow(unused_macros)]
macro_rules! on_both {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test]
            async fn sqlite() {
                let server = super::common::sqlite().await;
                super::$name(&server).await;
                server.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let server = super::common::postgres().await;
                super::$name(&server).await;
                server.finish().await;
            }
        }
    };
}

pub fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

pub struct Server {
    pub state: AppState,
    pub app: Router,
    /// The database URL, so a second instance can open the same database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

/// The demo data set on a new SQLite file, with the street network the demo ships (Beijing
/// 学院路, whose facilities and coverage the demo loads); the folder lives as long as the guard.
pub async fn demo_with_its_network() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = Store::connect(&url).await.unwrap();
    let state = AppState::new(store, false)
        .with_network(xingfu_server::circle::network::network_for(None, true));
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    (state, dir)
}

pub async fn sqlite() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    setup(Store::connect(&url).await.unwrap(), &url, Some(dir), None).await
}

pub fn postgres_url() -> String {
    std::env::var("XINGFU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema in the test PostgreSQL database: its name and a URL whose connections use it.
pub async fn fresh_postgres_schema() -> (String, String) {
    let base = postgres_url();
    let schema = format!("xingfu_test_{}", xingfu_store::new_id());
    let admin = Store::connect_without_migrations(&base)
        .await
        .expect("PostgreSQL must be running");
    admin
        .execute_admin(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await;
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    (schema, url)
}

pub async fn postgres() -> Server {
    let (schema, url) = fresh_postgres_schema().await;
    setup(
        Store::connect(&url).await.unwrap(),
        &url,
        None,
        Some(schema),
    )
    .await
}

impl Server {
    /// 鼓楼社区 approved at `star` (no assessors' sheets) in a new 2014 round whose objection
    /// period is 7 days; returns the round's id. For tests that start at publication.
    #[allow(dead_code)]
    /// Opens a round of Lucheng district under the 2012 standard (7 days of 公示), as "city".
    pub async fn lucheng_round(&self, year: i64) -> String {
        self.state
            .store
            .create_round(
                &NewRound {
                    year,
                    region_code: "330302000000",
                    standard_id: "lucheng-2012",
                    standard_version: "2012.1",
                    objection_days: 7,
                },
                "city",
                1,
            )
            .await
            .unwrap()
            .id
    }

    pub async fn approved_gulou(&self, star: i64) -> String {
        let store = &self.state.store;
        let round = self.lucheng_round(2014).await;
        let gulou = "330302006044";
        let entry = store.declare(&round, gulou, 0, "gulou", 2).await.unwrap();
        let approved = EntryChange {
            stage: Some(Stage::Approved),
            total: Some(85_000),
            star: Some(star),
            star_by_score: Some(star),
            ..EntryChange::default()
        };
        let by = By {
            actor: "test",
            at: 3,
        };
        store
            .update_entry(&round, gulou, entry.version, &approved, "approve", by)
            .await
            .unwrap()
            .unwrap();
        round
    }

    /// `code` declared into `round` and put straight at `computed` with `star` (no sheets), for
    /// tests of what the deciding levels see and do.
    pub async fn computed_entry(&self, round: &str, code: &str, star: i64) {
        let store = &self.state.store;
        let entry = store.declare(round, code, 0, "district", 2).await.unwrap();
        let change = EntryChange {
            stage: Some(Stage::Computed),
            total: Some(70_000),
            star: Some(star),
            star_by_score: Some(star),
            decision: Some("new".into()),
            ..EntryChange::default()
        };
        let by = By {
            actor: "district",
            at: 3,
        };
        store
            .update_entry(round, code, entry.version, &change, "compute", by)
            .await
            .unwrap()
            .unwrap();
    }

    /// Moves an entry on to `stage` (`published`, `named`) with the dates that stage carries:
    /// published ten days ago, its objection period over three days ago.
    pub async fn move_entry(&self, round: &str, code: &str, stage: &str) {
        let store = &self.state.store;
        let entry = store.entry(round, code).await.unwrap().unwrap();
        let now = xingfu_server::app::clock::now_ms();
        let change = EntryChange {
            stage: Some(Stage::parse(stage).expect("a stage key")),
            published_at: Some(now - 10 * 86_400_000),
            objection_until: Some(now - 3 * 86_400_000),
            named_at: (stage == "named").then_some(now),
            ..EntryChange::default()
        };
        let by = By {
            actor: "district",
            at: now,
        };
        store
            .update_entry(round, code, entry.version, &change, stage, by)
            .await
            .unwrap()
            .unwrap();
    }

    pub async fn finish(self) {
        self.state.store.close().await;
        if let Some(schema) = self.schema
            && let Ok(admin) = Store::connect_without_migrations(&postgres_url()).await
        {
            let _ = admin
                .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }

    /// One more account, with the tests' password.
    pub async fn account(&self, username: &str, role: Role, region: &str) {
        self.state
            .store
            .create_user(
                &NewUser {
                    username,
                    display_name: username,
                    password_hash: &hash_password(PASSWORD).unwrap(),
                    role: role.key(),
                    region_code: region,
                },
                0,
            )
            .await
            .unwrap();
    }

    /// The kinds and subjects of a person's messages, newest first.
    pub async fn messages_of(&self, username: &str) -> Vec<(String, String)> {
        let user = self.user(username).await;
        let messages = self.state.store.notifications_for(&user.user.id, 100);
        messages
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.kind, m.subject))
            .collect()
    }

    pub async fn user(&self, username: &str) -> CurrentUser {
        let user = self
            .state
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let region = self
            .state
            .store
            .region(&user.region_code)
            .await
            .unwrap()
            .unwrap();
        CurrentUser {
            role: Role::parse(&user.role).unwrap(),
            region_level: region.level,
            region_name: region.name,
            csrf: String::new(),
            unread: 0,
            user,
        }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> (StatusCode, String, Option<String>) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        send(&self.app, request).await
    }

    /// A GET whose answer is kept as bytes (a PDF, a workbook), with its headers.
    pub async fn get_bytes(
        &self,
        path: &str,
        cookie: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
        (parts.status, parts.headers, bytes.to_vec())
    }

    /// A multipart POST of one file (field `file`) and no cookie: what a public form sends.
    pub async fn post_file(
        &self,
        path: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> (StatusCode, String) {
        let boundary = "xingfu-test-boundary-7d3c";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let (status, body, _) = send(&self.app, request).await;
        (status, body)
    }

    pub async fn post(
        &self,
        path: &str,
        cookie: &str,
        form: &str,
    ) -> (StatusCode, String, Option<String>) {
        let form_type = "application/x-www-form-urlencoded";
        self.post_body(path, cookie, form_type, form.to_string())
            .await
    }

    /// A POST of any body, with the session cookie: the status, the body and the redirect.
    pub async fn post_body(
        &self,
        path: &str,
        cookie: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> (StatusCode, String, Option<String>) {
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap();
        send(&self.app, request).await
    }

    /// A JSON API call, with a bearer token when given: the status and the body as JSON (`null`
    /// when it is empty or not JSON).
    pub async fn api_json(
        &self,
        method: axum::http::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    /// Signs in through the API; returns the bearer token.
    pub async fn api_token(&self, username: &str) -> String {
        let request = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({"username": username, "password": PASSWORD}).to_string(),
            ))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "API sign-in of {username}"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value["token"].as_str().unwrap().to_string()
    }

    /// Signs in through the login form; returns the session cookie header value.
    pub async fn sign_in(&self, username: &str) -> String {
        let (_, body, set_cookie) = self.get("/login", "").await;
        let csrf = between(&body, "name=\"csrf\" value=\"", "\"");
        let pre = set_cookie.unwrap();
        let pre = pre.split(';').next().unwrap().to_string();
        let form = format!(
            "username={username}&password={}&csrf={csrf}&next=/rounds",
            urlencode(PASSWORD)
        );
        let (status, _, set_cookie) = self.post("/login", &pre, &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {username}");
        set_cookie.unwrap().split(';').next().unwrap().to_string()
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token of the page's first form.
pub fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_string()
}

/// The version carried by the page's form that posts to `action`.
pub fn version_of(page: &str, action: &str) -> String {
    let form = between(page, &format!("action=\"{action}\""), "</form>");
    between(form, "name=\"version\" value=\"", "\"").to_string()
}

pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or(0);
    let to = text[from..]
        .find(end)
        .map(|i| from + i)
        .unwrap_or(text.len());
    &text[from..to]
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String, Option<String>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| !c.contains("Max-Age=0"))
        .map(str::to_string);
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    let mut body = String::from_utf8_lossy(&bytes).to_string();
    if let Some(location) = location {
        body = format!("{location}\n{body}");
    }
    (status, body, cookie)
}

pub async fn setup(
    store: Store,
    url: &str,
    dir: Option<tempfile::TempDir>,
    schema: Option<String>,
) -> Server {
    store
        .upsert_regions(&[
            region("330300000000", "温州市", "city", None),
            region("330302000000", "鹿城区", "district", Some("330300000000")),
            region("330302006000", "五马街道", "street", Some("330302000000")),
            region(
                "330302006044",
                "鼓楼社区",
                "community",
                Some("330302006000"),
            ),
            region(
                "330302006045",
                "墨池社区",
                "community",
                Some("330302006000"),
            ),
            region("330302026000", "松台街道", "street", Some("330302000000")),
            region(
                "330302026003",
                "庆年坊社区",
                "community",
                Some("330302026000"),
            ),
            region("330303000000", "龙湾区", "district", Some("330300000000")),
        ])
        .await
        .unwrap();
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "lucheng-2012")
        .unwrap()
        .1;
    store
        .save_standard("lucheng-2012", "2012.1", text, 0)
        .await
        .unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (username, role, region) in [
        ("city", Role::CityAdmin, "330300000000"),
        ("district", Role::DistrictAdmin, "330302000000"),
        ("longwan", Role::DistrictAdmin, "330303000000"),
        ("wuma", Role::StreetAdmin, "330302006000"),
        ("gulou", Role::CommunityWorker, "330302006044"),
        ("assessor", Role::Assessor, "330302000000"),
        ("assessor2", Role::Assessor, "330302000000"),
        ("gulou-assessor", Role::Assessor, "330302006044"),
        ("gulou-resident", Role::Resident, "330302006044"),
        ("mochi-resident", Role::Resident, "330302006045"),
    ] {
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: username,
                    password_hash: &hash,
                    role: role.key(),
                    region_code: region,
                },
                0,
            )
            .await
            .unwrap();
    }
    let state = AppState::new(store, false).with_files(s3::test_files());
    Server {
        app: router(state.clone()),
        url: url.to_string(),
        state,
        _dir: dir,
        schema,
    }
}

/// Whether `c` is Chinese text for punctuation: a Chinese character, a CJK or full-width mark,
/// or a Chinese quotation mark.
fn chinese(c: char) -> bool {
    matches!(u32::from(c),
        0x3000..=0x303f | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0xff00..=0xffef
        | 0x201c | 0x201d | 0x20000..=0x2ffff)
}

/// Every ASCII , : ; ? ! ( ) in `text` that touches Chinese text, each with the text around it.
/// The one exception is the typed time format 时:分 (people type 14:30).
pub fn ascii_marks_in_chinese(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if !",:;?!()".contains(*c) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        if before == Some('\u{65f6}') && *c == ':' && after == Some('\u{5206}') {
            continue;
        }
        if before.is_some_and(chinese) || after.is_some_and(chinese) {
            let from = i.saturating_sub(12);
            let to = (i + 13).min(chars.len());
            found.push(
                chars[from..to]
                    .iter()
                    .collect::<String>()
                    .replace('\n', " "),
            );
        }
    }
    found
}

/// Chinese text uses full-width punctuation: panics listing every ASCII , : ; ? ! ( ) in
/// `text` that touches Chinese text.
pub fn assert_chinese_punctuation(text: &str) {
    let found = ascii_marks_in_chinese(text);
    assert!(
        found.is_empty(),
        "ASCII punctuation in Chinese text (write ，：；？！（）):\n{}",
        found.join("\n")
    );
}

/// Every text cell of a downloaded workbook: (sheet, row, column, text).
pub fn workbook_cells(bytes: &[u8]) -> Vec<(String, u32, u32, String)> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let mut cells = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let (top, left) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Data::String(text) = cell {
                    cells.push((name.clone(), top + r as u32, left + c as u32, text.clone()));
                }
            }
        }
    }
    cells
}

/// The column widths each sheet sets, sheet by sheet in the workbook's order: column → width.
pub fn workbook_column_widths(bytes: &[u8]) -> Vec<std::collections::HashMap<u32, f64>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheets = Vec::new();
    for n in 1.. {
        let Ok(mut part) = archive.by_name(&format!("xl/worksheets/sheet{n}.xml")) else {
            break;
        };
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        let mut widths = std::collections::HashMap::new();
        for col in xml.split("<col ").skip(1) {
            let attr = |name: &str| -> Option<f64> {
                let from = col.find(&format!("{name}=\""))? + name.len() + 2;
                col[from..].split('"').next()?.parse().ok()
            };
            if let (Some(min), Some(max), Some(width)) = (attr("min"), attr("max"), attr("width")) {
                for c in min as u32..=max as u32 {
                    widths.insert(c - 1, width);
                }
            }
        }
        sheets.push(widths);
    }
    sheets
}

/// What officials expect of a workbook the server hands out: every text column as wide as its
/// longest value (a Chinese character counting two; long texts wrap at the widest column),
/// no blank name cell in a row that has data, and when it is Chinese (`chinese`), full-width
/// punctuation and no English keys (`satisfied`, `not met`) in any cell.
pub fn assert_workbook_for_officials(bytes: &[u8], chinese: bool) {
    use xingfu_formats::columns::{MAX_WIDTH, display_width};
    let cells = workbook_cells(bytes);
    let widths = workbook_column_widths(bytes);
    let sheets: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        for (sheet, ..) in &cells {
            if !names.contains(sheet) {
                names.push(sheet.clone());
            }
        }
        names
    };
    let mut problems = Vec::new();
    let mut longest: std::collections::HashMap<(String, u32), usize> = Default::default();
    for (sheet, _, col, text) in &cells {
        let entry = longest.entry((sheet.clone(), *col)).or_default();
        *entry = (*entry).max(display_width(text));
    }
    let order = {
        use calamine::Reader;
        let book: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        book.sheet_names()
    };
    for ((sheet, col), need) in &longest {
        let index = order.iter().position(|s| s == sheet).unwrap();
        let have = widths.get(index).and_then(|w| w.get(col)).copied();
        let need = (*need).min(MAX_WIDTH) as f64;
        if have.is_none_or(|w| w < need) {
            problems.push(format!(
                "{sheet} column {col}: width {have:?}, its longest value needs {need}"
            ));
        }
    }
    // Name columns (社区名称, 名称, 社区 or Name, Community in the first row) have no blank cell
    // in a row with data.
    for sheet in &sheets {
        let of_sheet: Vec<&(String, u32, u32, String)> =
            cells.iter().filter(|(s, ..)| s == sheet).collect();
        let name_cols: Vec<u32> = of_sheet
            .iter()
            .filter(|(_, row, _, text)| {
                *row == 0
                    && ["社区名称", "名称", "社区", "Name", "Community"].contains(&text.as_str())
            })
            .map(|(_, _, col, _)| *col)
            .collect();
        let rows: std::collections::BTreeSet<u32> = of_sheet
            .iter()
            .map(|(_, row, ..)| *row)
            .filter(|row| *row > 0)
            .collect();
        for col in name_cols {
            for row in &rows {
                let filled = of_sheet
                    .iter()
                    .any(|(_, r, c, text)| r == row && *c == col && !text.trim().is_empty());
                if !filled {
                    problems.push(format!("{sheet} row {row}: the name cell is blank"));
                }
            }
        }
    }
    if chinese {
        for (sheet, row, col, text) in &cells {
            for found in ascii_marks_in_chinese(text) {
                problems.push(format!("{sheet} row {row} column {col}: {found}"));
            }
            let key = !text.is_empty()
                && text
                    .split([' ', '_'])
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()));
            if key {
                problems.push(format!(
                    "{sheet} row {row} column {col}: {text:?} is an English key in a Chinese workbook"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "workbook problems:\n{}",
        problems.join("\n")
    );
}
