//! 一张图 over HTTP on the demo data, on SQLite and on PostgreSQL: the city sees 鹿城区 with the
//! right counts, drills down to 五马街道 and its communities, a street administrator cannot see
//! another street, the page, the API and the round's Excel export agree on 五马街道, and the
//! rankings' lists follow their rule; survey returns and satisfaction, re-review outcomes and
//! rewards owed agree with the surveys' and the round's own figures; attention-list visits,
//! volunteer hours and 15-minute coverage count constructed data exactly; the map draws units
//! by their boundaries or a dot and links each to its drill-down.

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use tower::ServiceExt;
use xingfu_core::overview::{COMMEND_MIN_RATED, COMMEND_TOP};
use xingfu_core::stars::{Standing, StarDistribution};
use xingfu_server::rounds::report::standing;
use xingfu_server::{AppState, router};
use xingfu_store::Store;

const LUCHENG: &str = "330302000000";
const WUMA: &str = "330302006000";
const SONGTAI: &str = "330302026000";

/// A server on a fresh database holding the demo, and the demo's password.
struct Demo {
    state: AppState,
    app: Router,
    password: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

async fn demo_on(store: Store, dir: Option<tempfile::TempDir>, schema: Option<String>) -> Demo {
    let state = AppState::new(store, false);
    let login = xingfu_server::demo::load(&state).await.unwrap().unwrap();
    Demo {
        app: router(state.clone()),
        state,
        password: login.password,
        _dir: dir,
        schema,
    }
}

async fn demo_sqlite() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    demo_on(Store::connect(&url).await.unwrap(), Some(dir), None).await
}

async fn demo_postgres() -> Demo {
    let (schema, url) = common::fresh_postgres_schema().await;
    demo_on(Store::connect(&url).await.unwrap(), None, Some(schema)).await
}

impl Demo {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>, Option<String>) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| !c.contains("Max-Age=0"))
            .map(|c| c.split(';').next().unwrap().to_string());
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        (status, bytes.to_vec(), cookie)
    }

    async fn get(&self, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    async fn page(&self, path: &str, cookie: &str) -> String {
        let (status, body) = self.get(path, cookie).await;
        let body = String::from_utf8(body).unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        // Links as a browser reads them (the template escapes `&`).
        body.replace("&#38;", "&").replace("&amp;", "&")
    }

    async fn api(&self, path: &str, cookie: &str) -> Value {
        let (status, body) = self.get(path, cookie).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        serde_json::from_slice(&body).unwrap()
    }

    /// The overview of `region` for `year` as the API gives it.
    async fn overview(&self, region: &str, year: i64, cookie: &str) -> Value {
        self.api(
            &format!("/api/v1/overview?region={region}&year={year}"),
            cookie,
        )
        .await
    }

    async fn sign_in(&self, username: &str) -> String {
        let (_, body, pre) = self
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let body = String::from_utf8(body).unwrap();
        let csrf = common::between(&body, "name=\"csrf\" value=\"", "\"").to_string();
        let form = format!(
            "username={username}&password={}&csrf={csrf}&next=/rounds",
            common::urlencode(&self.password)
        );
        let request = Request::post("/login")
            .header(header::COOKIE, pre.unwrap())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (status, _, cookie) = self.send(request).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {username}");
        cookie.unwrap()
    }

    /// The demo's 2013 round.
    async fn round_2013(&self) -> String {
        self.state
            .store
            .rounds_overlapping("330302")
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.year == 2013)
            .unwrap()
            .id
    }

    /// The star distribution of the communities under `prefix`, read straight from the store.
    async fn distribution(&self, prefix: &str) -> StarDistribution {
        let round = self.round_2013().await;
        let entries = self
            .state
            .store
            .entries_in_area(&round, prefix)
            .await
            .unwrap();
        StarDistribution::of(entries.iter().map(standing))
    }

    async fn finish(self) {
        self.state.store.close().await;
        if let Some(schema) = self.schema
            && let Ok(admin) = Store::connect_without_migrations(&common::postgres_url()).await
        {
            let _ = admin
                .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }
}

macro_rules! on_both {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test]
            async fn sqlite() {
                let demo = super::demo_sqlite().await;
                super::$name(&demo).await;
                demo.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let demo = super::demo_postgres().await;
                super::$name(&demo).await;
                demo.finish().await;
            }
        }
    };
}

fn unit<'a>(overview: &'a Value, code: &str) -> &'a Value {
    overview["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not a unit of {}", overview["region_code"]))
}

/// The numbers in the cells of the table row that starts with `<tr …data-code="code"` or whose
/// row heading is `name`.
fn row_numbers(html: &str, table_id: &str, marker: &str) -> Vec<String> {
    let table = common::between(html, &format!("id=\"{table_id}\""), "</table>");
    let start = table
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {table_id}"));
    let row = common::between(&table[start..], "", "</tr>");
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|cell| cell.split('<').next().unwrap().trim().to_string())
        .collect()
}

/// 1 January 2013 00:00 China Standard Time, in Unix milliseconds.
const NEW_YEAR_2013: i64 = 1_356_969_600_000;

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";

fn by(at: i64) -> xingfu_store::rounds::By<'static> {
    xingfu_store::rounds::By { actor: "admin", at }
}

/// The `<td class="num">` cells of the row of `table_id` holding `marker`, as on the page.
fn cells(page: &str, table_id: &str, marker: &str) -> Vec<String> {
    row_numbers(page, table_id, marker)
}

fn percent(value: &Value) -> String {
    match value.as_f64() {
        Some(p) => format!("{p:.2}%"),
        None => "\u{2014}".to_string(),
    }
}

mod drill_down;
mod figures;
mod map_and_coverage;
mod rankings;
