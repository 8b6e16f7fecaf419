//! 一张图 over HTTP on the demo data, on SQLite and on PostgreSQL: the city sees 鹿城区 with the
//! right counts, drills down to 五马街道 and its communities, a street administrator cannot see
//! another street, the page, the API and the round's Excel export agree on 五马街道, and the
//! rankings' lists follow their rule.

mod common;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use tower::ServiceExt;
use xingfu_core::overview::{COMMEND_MIN_RATED, COMMEND_TOP, Standing, StarDistribution};
use xingfu_server::rounds::report::standing;
use xingfu_server::{AppState, router};
use xingfu_store::Store;

const CITY: &str = "330300000000";
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
    let base = common::postgres_url();
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

fn by_star(unit: &Value) -> Vec<u64> {
    unit["stars"]["by_star"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
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

async fn the_city_sees_lucheng_with_the_right_counts(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let page = demo.page("/overview", &admin).await;
    assert!(page.contains("温州市"), "{page}");
    assert!(page.contains(&format!("href=\"/overview?region={LUCHENG}&year=2013\"")));
    let expected = demo.distribution("330302").await;
    assert!(expected.rated() > 0 && expected.refused > 0, "{expected:?}");
    let api = demo.api("/api/v1/overview", &admin).await;
    assert_eq!(api["region_code"], CITY);
    assert_eq!(api["year"], 2013);
    let lucheng = unit(&api, LUCHENG);
    assert_eq!(lucheng["declared"], expected.declared() as u64);
    assert_eq!(lucheng["rated"], expected.rated() as u64);
    assert_eq!(lucheng["stars"]["refused"], expected.refused as u64);
    assert_eq!(
        by_star(lucheng),
        expected.by_star.map(|n| n as u64).to_vec()
    );
    // The page's row holds the same counts: declared, rated, no star … 5★, refused, pending.
    let cells = row_numbers(&page, "star-table", &format!("data-code=\"{LUCHENG}\""));
    let mut want: Vec<String> = vec![
        expected.declared().to_string(),
        expected.rated().to_string(),
    ];
    want.extend(expected.by_star.iter().map(|n| n.to_string()));
    want.push(expected.refused.to_string());
    want.push(expected.pending.to_string());
    assert_eq!(&cells[..want.len()], &want[..]);
    // Another district of the city has no round: shown with nothing declared.
    assert_eq!(unit(&api, "330303000000")["declared"], 0);
    // The page says where its figures come from and what behind target means.
    assert!(page.contains("数据来源与口径"));
    assert!(page.contains("落后于目标"));
}
on_both!(the_city_sees_lucheng_with_the_right_counts);

async fn drilling_down_reaches_wuma_and_its_communities(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let district = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    assert!(district.contains(&format!("href=\"/overview?region={WUMA}&year=2013\"")));
    assert!(district.contains(&format!("href=\"/overview?region={CITY}&year=2013\"")));
    let street = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    let round = demo.round_2013().await;
    let entries = demo
        .state
        .store
        .entries_in_area(&round, "330302006")
        .await
        .unwrap();
    assert!(entries.len() > 5);
    for entry in &entries {
        assert!(
            street.contains(&entry.community_name),
            "{}",
            entry.community_name
        );
        assert!(street.contains(&format!(
            "href=\"/rounds/{round}/communities/{}\"",
            entry.community_code
        )));
    }
    // A community has no units below it.
    let (status, _) = demo
        .get(
            &format!("/overview?region={}", entries[0].community_code),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both!(drilling_down_reaches_wuma_and_its_communities);

async fn a_street_sees_only_its_own_area(demo: &Demo) {
    let wuma = demo.sign_in("wuma").await;
    let own = demo.api("/api/v1/overview", &wuma).await;
    assert_eq!(own["region_code"], WUMA);
    assert_eq!(own["parent"], Value::Null);
    for path in [
        format!("/overview?region={SONGTAI}"),
        format!("/api/v1/overview?region={SONGTAI}"),
        format!("/overview?region={LUCHENG}"),
    ] {
        let (status, _) = demo.get(&path, &wuma).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Community workers and residents have no overview.
    let gulou = demo.sign_in("gulou").await;
    let (status, _) = demo.get("/overview", &gulou).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Administrators find it in the navigation; others do not.
    assert!(
        demo.page("/rounds", &wuma)
            .await
            .contains("href=\"/overview\"")
    );
    assert!(
        !demo
            .page("/rounds", &gulou)
            .await
            .contains("href=\"/overview\"")
    );
}
on_both!(a_street_sees_only_its_own_area);

async fn page_api_and_excel_agree_on_wuma(demo: &Demo) {
    let district = demo.sign_in("lucheng").await;
    let round = demo.round_2013().await;
    let expected = demo.distribution("330302006").await;
    // The refused community is declared, not rated.
    assert!(expected.refused >= 1, "{expected:?}");
    // The API.
    let api = demo
        .api(
            &format!("/api/v1/overview?region={LUCHENG}&year=2013"),
            &district,
        )
        .await;
    let wuma = unit(&api, WUMA);
    let rated = wuma["rated"].as_u64().unwrap();
    assert_eq!(rated, expected.rated() as u64);
    let stars = by_star(wuma);
    let five_percent = wuma["targets"][0]["percent"].as_f64().unwrap();
    assert_eq!(wuma["targets"][0]["min_stars"], 5);
    let shown = format!("{:.2}%", five_percent);
    // The overview page.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &district)
        .await;
    let cells = row_numbers(&page, "star-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(cells[1], rated.to_string());
    let page_stars: Vec<u64> = cells[2..8].iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(page_stars, stars);
    let targets = common::between(&page, "id=\"target-table\"", "</table>");
    let row = common::between(targets, "五马街道", "</tr>");
    assert!(row.contains(&shown), "{shown} in {row}");
    // The rewards page.
    let rewards = demo
        .page(&format!("/rounds/{round}/rewards"), &district)
        .await;
    let cells = row_numbers(&rewards, "stars", "<th scope=\"row\">五马街道</th>");
    assert_eq!(cells[0], rated.to_string(), "{cells:?}");
    let reward_stars: Vec<u64> = cells[1..7].iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(reward_stars, stars);
    assert_eq!(cells[7], expected.refused.to_string());
    let targets = common::between(&rewards, "id=\"targets\"", "</table>");
    let row = common::between(targets, "五马街道", "</tr>");
    assert!(row.contains(&shown), "{shown} in {row}");
    // The Excel export: the streets' sheet.
    let (status, bytes) = demo
        .get(&format!("/rounds/{round}/export.xlsx"), &district)
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("街道进度").unwrap();
    let row = sheet
        .rows()
        .find(|r| r[0] == Data::String(WUMA.to_string()))
        .expect("五马街道 in the streets' sheet");
    let number = |cell: &Data| match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("{other:?}"),
    };
    assert_eq!(number(&row[2]) as u64, rated);
    let excel_stars: Vec<u64> = row[3..9].iter().map(|c| number(c) as u64).collect();
    assert_eq!(excel_stars, stars);
    assert_eq!(number(&row[10]), five_percent);
    // The page says how it counts.
    assert!(page.contains("id=\"denominator-note\""));
    assert!(rewards.contains("id=\"denominator-note\""));
}
on_both!(page_api_and_excel_agree_on_wuma);

async fn the_rankings_follow_their_rule(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let api = demo
        .api(
            &format!("/api/v1/overview?region={LUCHENG}&year=2013"),
            &admin,
        )
        .await;
    let units = api["units"].as_array().unwrap();
    let average = |u: &Value| u["average_star"].as_f64();
    // By average star: never rising down the list.
    let order: Vec<&Value> = api["by_average_star"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| unit(&api, c.as_str().unwrap()))
        .collect();
    assert_eq!(order.len(), units.len());
    for pair in order.windows(2) {
        assert!(average(pair[0]).unwrap_or(-1.0) >= average(pair[1]).unwrap_or(-1.0));
    }
    // 通报表扬: the first units of that order with enough rated, at most COMMEND_TOP.
    let expected: Vec<&Value> = order
        .iter()
        .filter(|u| u["rated"].as_u64().unwrap() >= COMMEND_MIN_RATED as u64)
        .take(COMMEND_TOP)
        .map(|u| &u["code"])
        .collect();
    let commended: Vec<&Value> = api["commended"].as_array().unwrap().iter().collect();
    assert_eq!(commended, expected);
    assert!(!commended.is_empty());
    // 约谈提醒: exactly the units with a target unmet (some rated) or a slow on-time rate.
    let mut behind = BTreeMap::new();
    for u in units {
        let target_unmet = u["rated"].as_u64().unwrap() > 0
            && u["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["met"] == false);
        let events = &u["events"];
        let slow = events["closed"].as_u64().unwrap() > 0
            && (events["on_time"].as_u64().unwrap() as f64)
                < 0.9 * events["closed"].as_u64().unwrap() as f64;
        if target_unmet || slow {
            behind.insert(u["code"].as_str().unwrap().to_string(), u["name"].clone());
        }
    }
    let reminded: BTreeMap<String, Value> = api["reminded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["reasons"].as_array().unwrap().is_empty());
            (r["code"].as_str().unwrap().to_string(), r["name"].clone())
        })
        .collect();
    assert_eq!(reminded, behind);
    assert!(!reminded.is_empty());
    // The page shows both lists with their rules, names not codes.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    let list = common::between(&page, "id=\"commended-list\"", "</ol>");
    for code in &commended {
        let name = unit(&api, code.as_str().unwrap())["name"].as_str().unwrap();
        assert!(list.contains(name), "{name}");
    }
    let list = common::between(&page, "id=\"reminded-list\"", "</ul>\n");
    for name in behind.values() {
        assert!(list.contains(name.as_str().unwrap()));
    }
    assert!(page.contains(&format!("前{COMMEND_TOP}名")));
    // The street is judged on the rated, not the declared.
    let wuma = unit(&api, WUMA);
    let d = demo.distribution("330302006").await;
    assert_eq!(wuma["targets"][0]["of"].as_u64().unwrap(), d.rated() as u64);
    assert!(d.declared() > d.rated());
    assert_eq!(
        StarDistribution::of([Standing::Refused]).rated(),
        0,
        "a refused community is never rated"
    );
}
on_both!(the_rankings_follow_their_rule);
