//! 一张图 over HTTP on the demo data, on SQLite and on PostgreSQL: the city sees 鹿城区 with the
//! right counts, drills down to 五马街道 and its communities, a street administrator cannot see
//! another street, the page, the API and the round's Excel export agree on 五马街道, and the
//! rankings' lists follow their rule; survey returns and satisfaction, re-review outcomes and
//! rewards owed agree with the surveys' and the round's own figures; attention-list visits,
//! volunteer hours and 15-minute coverage count constructed data exactly; the map draws units
//! by their boundaries or a dot and links each to its drill-down.

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

/// 1 January 2013 00:00 China Standard Time, in Unix milliseconds.
const NEW_YEAR_2013: i64 = 1_356_969_600_000;
const DAY: i64 = 86_400_000;
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const BAXIANLOU: &str = "330302006071";

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

async fn survey_returns_and_satisfaction_add_up_per_unit(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let round = demo.round_2013().await;
    let api = demo.overview(LUCHENG, 2013, &admin).await;
    // Returns per street, from the store's per-community counts.
    let mut by_street: BTreeMap<String, u64> = BTreeMap::new();
    for (community, n) in demo
        .state
        .store
        .survey_respondents_by_community(&round, "330302")
        .await
        .unwrap()
    {
        *by_street
            .entry(format!("{}000", &community[..9]))
            .or_default() += n as u64;
    }
    assert!(!by_street.is_empty());
    assert_eq!(
        api["total"]["survey"]["respondents"],
        by_street.values().sum::<u64>()
    );
    for (street, n) in &by_street {
        assert_eq!(unit(&api, street)["survey"]["respondents"], *n, "{street}");
    }
    // Satisfaction per dimension as the survey's own area tally gives it for 五马街道.
    let survey = xingfu_server::surveys::service::cached_round_survey(&demo.state, &round)
        .await
        .unwrap()
        .unwrap();
    let q = &survey.questionnaire;
    let tally = xingfu_server::surveys::results::tally_of(
        q,
        demo.state
            .store
            .survey_tally(&round, "330302006")
            .await
            .unwrap(),
    );
    let wuma = unit(&api, WUMA);
    assert_eq!(
        wuma["survey"]["respondents"].as_u64().unwrap(),
        tally.respondents()
    );
    assert!(tally.respondents() > 0);
    let dims = wuma["survey"]["dimensions"].as_array().unwrap();
    assert_eq!(dims.len(), q.dimensions.len());
    let (mut all_satisfied, mut all_counted) = (0, 0);
    for (d, figures) in q.dimensions.iter().zip(dims) {
        let (rate, _) = xingfu_core::survey::results::dimension_rate(q, &tally, &d.id);
        assert_eq!(figures["id"], d.id.as_str());
        assert_eq!(figures["satisfied"], rate.satisfied);
        assert_eq!(figures["counted"], rate.counted);
        let want = xingfu_core::overview::percent_half_up(rate.satisfied, rate.counted);
        assert_eq!(
            figures["rate"].as_f64().unwrap(),
            want.hundredths() as f64 / 100.0
        );
        all_satisfied += rate.satisfied;
        all_counted += rate.counted;
    }
    assert_eq!(wuma["survey"]["satisfied"], all_satisfied);
    assert_eq!(wuma["survey"]["counted"], all_counted);
    // The page's row has the same numbers: returns, overall, each dimension.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    let row = cells(&page, "survey-table", &format!("data-code=\"{WUMA}\""));
    let mut want = vec![
        wuma["survey"]["respondents"].to_string(),
        percent(&wuma["survey"]["rate"]),
    ];
    want.extend(dims.iter().map(|d| percent(&d["rate"])));
    assert_eq!(row, want);
    for d in &q.dimensions {
        assert!(page.contains(&format!(">{}</th>", d.name)), "{}", d.name);
    }
    // Ranked by overall satisfaction, those without a counted answer last.
    let order: Vec<&str> = api["by_satisfaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let rates: Vec<f64> = order
        .iter()
        .map(|c| unit(&api, c)["survey"]["rate"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    assert!(page.contains("id=\"rank-satisfaction\""));
}
on_both!(survey_returns_and_satisfaction_add_up_per_unit);

async fn re_review_and_rewards_agree_with_the_round(demo: &Demo) {
    let district = demo.sign_in("lucheng").await;
    let round = demo.round_2013().await;
    let api = demo.overview(LUCHENG, 2013, &district).await;
    // Re-review: the decisions kept with 五马街道's rated entries.
    let entries = demo
        .state
        .store
        .entries_in_area(&round, "330302006")
        .await
        .unwrap();
    let mut want: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &entries {
        if let Standing::Rated(star) = standing(e) {
            let decision = e.decision.clone().unwrap_or_else(|| {
                xingfu_core::round::Decision::of(e.previous_star as u8, star)
                    .key()
                    .to_string()
            });
            let key = match decision.as_str() {
                "keep" => "kept",
                "upgrade" => "raised",
                "downgrade" => "lowered",
                "revoke" => "lost",
                "new" => "new",
                _ => continue,
            };
            *want.entry(key).or_default() += 1;
        }
    }
    let wuma = unit(&api, WUMA);
    for key in ["kept", "raised", "lowered", "lost", "new"] {
        assert_eq!(
            wuma["re_review"][key].as_u64().unwrap(),
            want.get(key).copied().unwrap_or(0),
            "{key}"
        );
    }
    let reviewed: u64 = ["kept", "raised", "lowered", "lost"]
        .iter()
        .map(|k| want.get(k).copied().unwrap_or(0))
        .sum();
    assert!(reviewed > 0, "{want:?}");
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &district)
        .await;
    let row = cells(&page, "re-review-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(row[0], reviewed.to_string());
    assert_eq!(row[5], percent(&wuma["re_review_held_rate"]));
    // Rewards owed per level: the round's rewards page has the same amounts for 五马街道.
    let levels = api["reward_levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3, "{levels:?}"); // city, district, street
    let rewards = demo
        .page(&format!("/rounds/{round}/rewards"), &district)
        .await;
    let budget = common::between(&rewards, "id=\"budget\"", "</table>");
    let line = common::between(budget, "<th scope=\"row\">五马街道</th>", "</tr>");
    let from_rewards: Vec<String> = line
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect();
    let row = cells(&page, "owed-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(row, from_rewards);
    let owed: i64 = wuma["owed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(wuma["owed_total_fen"].as_i64().unwrap(), owed);
    assert!(owed > 0);
    assert_eq!(row.last().unwrap(), &xingfu_core::Fen(owed).to_string());
}
on_both!(re_review_and_rewards_agree_with_the_round);

async fn attention_visits_and_volunteer_hours_count_the_year(demo: &Demo) {
    let store = &demo.state.store;
    let mid = NEW_YEAR_2013 + 100 * DAY;
    let household = |community: &'static str, address: &'static str| async move {
        store
            .create_household(
                &xingfu_store::visits::NewHousehold {
                    community_code: community,
                    grid_id: None,
                    building: None,
                    address,
                    contact_name: None,
                    phone: None,
                },
                by(NEW_YEAR_2013 - 400 * DAY),
            )
            .await
            .unwrap()
    };
    let visit = |household: String, at: i64| async move {
        store
            .record_visit(
                &xingfu_store::visits::NewVisit {
                    household_id: &household,
                    visitor_id: "admin",
                    visited_at: at,
                    purpose: "care",
                    notes: "",
                    follow_ups: Vec::new(),
                },
                at,
            )
            .await
            .unwrap();
    };
    // 鼓楼社区: three on lists in 2013, two visited in it (one twice, one the year before);
    // a fourth removed before 2013 and visited is not counted.
    let a = household(GULOU, "1号").await;
    let b = household(GULOU, "2号").await;
    let c = household(GULOU, "3号").await;
    let gone = household(GULOU, "4号").await;
    for h in [&a, &b, &c, &gone] {
        store
            .add_attention(
                h,
                "张老伯",
                "elderly_alone",
                None,
                by(NEW_YEAR_2013 - 300 * DAY),
            )
            .await
            .unwrap();
    }
    // Two lists for one household count it once.
    store
        .add_attention(
            &a,
            "张老伯",
            "disabled",
            None,
            by(NEW_YEAR_2013 - 300 * DAY),
        )
        .await
        .unwrap();
    let gone_entry = store.attention_of(&gone.id).await.unwrap().remove(0);
    store
        .remove_attention(&gone_entry.id, by(NEW_YEAR_2013 - 10 * DAY))
        .await
        .unwrap();
    visit(a.id.clone(), mid).await;
    visit(a.id.clone(), mid + DAY).await;
    visit(b.id.clone(), mid).await;
    visit(c.id.clone(), NEW_YEAR_2013 - DAY).await;
    visit(gone.id.clone(), mid).await;
    // 墨池社区: one on a list, added after the year: not counted.
    let late = household(MOCHI, "5号").await;
    store
        .add_attention(
            &late,
            "李阿姨",
            "low_income",
            None,
            by(NEW_YEAR_2013 + 400 * DAY),
        )
        .await
        .unwrap();
    // Volunteering in 墨池社区: 90 + 241 minutes at a held activity, 60 at one in 2012, and a
    // cancelled one: 1 activity, 331 minutes, 5.52 hours.
    let volunteer = |name: &'static str| async move {
        store
            .create_volunteer(
                &xingfu_store::volunteers::NewVolunteer {
                    community_code: MOCHI,
                    name,
                    team_id: None,
                    user_id: None,
                    phone: None,
                },
                NEW_YEAR_2013 - 400 * DAY,
            )
            .await
            .unwrap()
            .id
    };
    let (v1, v2) = (volunteer("志愿者甲").await, volunteer("志愿者乙").await);
    let activity = |starts_at: i64| async move {
        store
            .create_activity(
                &xingfu_store::volunteers::NewActivity {
                    community_code: MOCHI,
                    title: "义诊",
                    activity_type: "health",
                    station_id: None,
                    team_id: None,
                    starts_at,
                    ends_at: starts_at + 3 * 3_600_000,
                },
                by(starts_at - DAY),
            )
            .await
            .unwrap()
            .id
    };
    let held = activity(mid).await;
    let cancelled = activity(mid + DAY).await;
    let last_year = activity(NEW_YEAR_2013 - 30 * DAY).await;
    for (activity, volunteer, minutes) in
        [(&held, &v1, 90), (&held, &v2, 241), (&last_year, &v1, 60)]
    {
        store.sign_in(activity, volunteer, by(mid)).await.unwrap();
        store
            .sign_out(activity, volunteer, minutes, None, by(mid + 3_600_000))
            .await
            .unwrap();
    }
    assert!(store.cancel_activity(&cancelled).await.unwrap());

    let admin = demo.sign_in("admin").await;
    let street = demo.overview(WUMA, 2013, &admin).await;
    let gulou = unit(&street, GULOU);
    assert_eq!(gulou["attention"]["households"], 3);
    assert_eq!(gulou["attention"]["visited"], 2);
    assert_eq!(gulou["attention"]["rate"].as_f64(), Some(66.67));
    let mochi = unit(&street, MOCHI);
    assert_eq!(mochi["attention"]["households"], 0);
    assert_eq!(mochi["attention"]["rate"], Value::Null);
    assert_eq!(mochi["volunteering"]["activities"], 1);
    assert_eq!(mochi["volunteering"]["minutes"], 331);
    assert_eq!(mochi["volunteering"]["hours"].as_f64(), Some(5.52));
    assert_eq!(street["total"]["attention"]["households"], 3);
    assert_eq!(street["total"]["volunteering"]["minutes"], 331);
    // The district sees the same for 五马街道, and 2012 sees only the 2012 activity.
    let district = demo.overview(LUCHENG, 2013, &admin).await;
    let wuma = unit(&district, WUMA);
    assert_eq!(
        (
            wuma["attention"]["households"].as_i64(),
            wuma["attention"]["visited"].as_i64(),
            wuma["volunteering"]["minutes"].as_i64()
        ),
        (Some(3), Some(2), Some(331))
    );
    let before = demo.overview(LUCHENG, 2012, &admin).await;
    assert_eq!(unit(&before, WUMA)["volunteering"]["minutes"], 60);
    assert_eq!(unit(&before, WUMA)["attention"]["visited"], 1);
    // The page: households, visited, coverage, activities, hours; and the ranking.
    let page = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    assert_eq!(
        cells(&page, "care-table", &format!("data-code=\"{GULOU}\"")),
        ["3", "2", "66.67%", "0", "0.00"]
    );
    assert_eq!(
        cells(&page, "care-table", &format!("data-code=\"{MOCHI}\"")),
        ["0", "0", "\u{2014}", "1", "5.52"]
    );
    assert_eq!(street["by_visit_coverage"][0], GULOU);
}
on_both!(attention_visits_and_volunteer_hours_count_the_year);

async fn save_wuma_circle(demo: &Demo) {
    let store = &demo.state.store;
    let row = |area: &str, covered: i64, total: i64| xingfu_store::facilities::CoverageRow {
        area_code: area.to_string(),
        function: "all_six".to_string(),
        covered,
        total,
        share: covered * 10_000 / total.max(1),
        computed_at: NEW_YEAR_2013,
    };
    store
        .save_circle_run(
            &xingfu_store::facilities::CircleRun {
                district_code: LUCHENG.to_string(),
                computed_at: NEW_YEAR_2013,
                computed_by: "admin".to_string(),
                network: "test".to_string(),
                minutes: 15,
                speed_m_per_h: 4_500,
                scope: "communities".to_string(),
                summary_json: "{}".to_string(),
            },
            &[
                row(GULOU, 30, 40),
                row(MOCHI, 10, 60),
                // The district's own row is not a community's.
                row(LUCHENG, 1, 1_000),
                // Another function is not all six.
                xingfu_store::facilities::CoverageRow {
                    function: "medical".to_string(),
                    ..row(BAXIANLOU, 5, 5)
                },
            ],
            &[],
        )
        .await
        .unwrap();
}

async fn fifteen_minute_coverage_is_weighted_by_homes(demo: &Demo) {
    save_wuma_circle(demo).await;
    let admin = demo.sign_in("admin").await;
    let district = demo.overview(LUCHENG, 2013, &admin).await;
    // (30 + 10) of (40 + 60) homes: 40.00%, not the mean of 75% and 16.67%.
    let wuma = unit(&district, WUMA);
    assert_eq!(wuma["circle"]["communities"], 2);
    assert_eq!(wuma["circle"]["covered"], 40);
    assert_eq!(wuma["circle"]["homes"], 100);
    assert_eq!(wuma["circle"]["rate"].as_f64(), Some(40.0));
    assert_eq!(district["total"]["circle"]["homes"], 100);
    assert_eq!(unit(&district, SONGTAI)["circle"]["rate"], Value::Null);
    assert_eq!(district["by_circle_coverage"][0], WUMA);
    let street = demo.overview(WUMA, 2013, &admin).await;
    assert_eq!(unit(&street, GULOU)["circle"]["rate"].as_f64(), Some(75.0));
    assert_eq!(unit(&street, MOCHI)["circle"]["rate"].as_f64(), Some(16.67));
    assert_eq!(unit(&street, BAXIANLOU)["circle"]["communities"], 0);
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    assert_eq!(
        cells(&page, "circle-table", &format!("data-code=\"{WUMA}\"")),
        ["2", "40", "100", "40.00%"]
    );
    assert!(page.contains("按住宅数加权"));
}
on_both!(fifteen_minute_coverage_is_weighted_by_homes);

fn square(lon: f64, lat: f64) -> String {
    let d = 0.002;
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}"#,
        lon + d,
        lon + d,
        lat + d,
        lat + d
    )
}

async fn the_map_draws_units_and_links_to_their_drill_down(demo: &Demo) {
    let store = &demo.state.store;
    save_wuma_circle(demo).await;
    // Boundaries for two communities of 五马街道; a facility in 松台街道 (a dot).
    store
        .save_circle_boundaries(
            &[
                (GULOU.to_string(), square(120.650, 28.010)),
                (MOCHI.to_string(), square(120.653, 28.010)),
            ],
            "admin",
            NEW_YEAR_2013,
        )
        .await
        .unwrap();
    store
        .add_facility(
            &xingfu_store::facilities::FacilityInput {
                district_code: LUCHENG.to_string(),
                region_code: SONGTAI.to_string(),
                community_code: None,
                name: "松台街道卫生服务中心".to_string(),
                functions: vec!["medical".to_string()],
                lon_e6: 120_640_000,
                lat_e6: 28_000_000,
                hours: None,
                capacity: None,
                source: "manual".to_string(),
                source_ref: None,
            },
            "admin",
            NEW_YEAR_2013,
        )
        .await
        .unwrap();
    let admin = demo.sign_in("admin").await;
    // The district: 五马街道 drawn by its communities' boundaries, 松台街道 as a dot, each a link
    // to its own overview; the others listed as not on the map.
    let page = demo
        .page(
            &format!("/overview?region={LUCHENG}&year=2013&map=circle"),
            &admin,
        )
        .await;
    let map = common::between(&page, "<svg id=\"map\"", "</svg>");
    let wuma_link = format!("<a href=\"/overview?region={WUMA}&year=2013\"");
    let wuma = common::between(map, &wuma_link, "</a>");
    assert_eq!(wuma.matches("<path d=\"M").count(), 2, "{wuma}");
    assert!(wuma.contains("五马街道\u{ff1a}40.00%"), "{wuma}");
    // 40.00% is in the lowest band.
    assert!(wuma.contains("fill=\"#f2f8fd\""), "{wuma}");
    let songtai = common::between(
        map,
        &format!("<a href=\"/overview?region={SONGTAI}&year=2013\""),
        "</a>",
    );
    assert!(songtai.contains("<circle"), "{songtai}");
    assert!(songtai.contains("松台街道\u{ff1a}\u{2014}"));
    let missing = common::between(&page, "id=\"map-missing\"", "</p>");
    assert!(missing.contains("七都街道"));
    assert!(!missing.contains("五马街道"));
    // The indicator chosen, the legend, and the table beside the map with the same value.
    assert!(page.contains("<option value=\"circle\" selected>"));
    let legend = common::between(&page, "class=\"legend\"", "</ul>");
    assert!(legend.contains("低于50%") && legend.contains("95%及以上"));
    assert_eq!(
        cells(&page, "map-table", &format!("data-code=\"{WUMA}\"")),
        ["40.00%"]
    );
    // The street: each community drawn, linking to its page in the round.
    let round = demo.round_2013().await;
    let street = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    let map = common::between(&street, "<svg id=\"map\"", "</svg>");
    for community in [GULOU, MOCHI] {
        assert!(
            map.contains(&format!(
                "<a href=\"/rounds/{round}/communities/{community}\""
            )),
            "{community}"
        );
    }
    // Shaded by the average star by default.
    assert!(street.contains("<option value=\"average_star\" selected>"));
    // Without any place stored the page says so and keeps the table.
    let city = demo.page("/overview?year=2013", &admin).await;
    assert!(city.contains("id=\"map\"") || city.contains("id=\"map-empty\""));
    assert!(city.contains("id=\"map-table\""));
}
on_both!(the_map_draws_units_and_links_to_their_drill_down);
