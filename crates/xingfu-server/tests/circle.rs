//! The 15-minute service circle over HTTP, on SQLite and PostgreSQL: the facility registry
//! (CSV import with bad rows named by line, the add form's error summary), who may do what, an
//! OpenStreetMap extract's points of interest imported, coverage computed and shown, the
//! metric values standards reference (checked against shares computed here from the same
//! extract), siting suggestions with their gains, and a neighbourhood centre rated with the
//! fengze-centre standard (its total worked out here from the standard's own rules).
//!
//! The street network is the Beijing 学院路 extract of crates/xingfu-geo/tests/data (see its
//! SOURCE.md); the divisions of 海淀区学院路街道 are the demo's (data/regions/).

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{PASSWORD, Server, between, urlencode};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::Dec2;
use xingfu_core::workflow::Role;
use xingfu_geo::coverage::{CircleAnalysis, Origin};
use xingfu_geo::facility::Facility;
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::geometry::LonLat;
use xingfu_geo::osm::{CommunitySource, OriginKind, OsmExtract, OsmOptions, import_file};
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::snap::Snapped;
use xingfu_geo::{TimeBudget, WalkingSpeed};
use xingfu_server::app::auth::hash_password;
use xingfu_server::circle::network::CircleNetwork;
use xingfu_server::circle::service::demo::load_demo_regions;
use xingfu_server::circle::service::metrics::circle_metrics;
use xingfu_server::router;
use xingfu_store::accounts::NewUser;
use xingfu_store::facilities::{FacilityInput, from_e6};
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::By;
use xingfu_store::volunteers::NewActivity;

/// Runs `async fn $name(&Server)` on both databases.
const WUMA: &str = "330302006000";
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIAN: &str = "330302026003";
const HAIDIAN: &str = "110108000000";
const JINGSHUYUAN: &str = "110108010024";
const SHUANGQUAN: &str = "110108010038";
const FURUN: &str = "110108010031";
/// West, south, east, north.
type LonLatBox = (f64, f64, f64, f64);
/// The rectangle uploaded as 富润社区's boundary (around the 富润家园 compound).
const FURUN_BOX: LonLatBox = (116.3470, 39.9975, 116.3490, 39.9993);

fn extract_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../xingfu-geo/tests/data/beijing-haidian-xueyuanlu.osm.pbf")
}

/// An app on the test's database whose street network is the Beijing extract.
fn app_with_network(server: &Server) -> Router {
    router(
        server
            .state
            .clone()
            .with_network(CircleNetwork::file(extract_path())),
    )
}

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    Reply {
        status,
        location,
        body: String::from_utf8_lossy(&bytes).to_string(),
    }
}

async fn get(app: &Router, path: &str, cookie: &str) -> Reply {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

async fn post(app: &Router, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

async fn post_file(
    app: &Router,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: &[u8],
) -> Reply {
    let boundary = "xingfu-circle-test-boundary";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

async fn api_get(app: &Router, path: &str, cookie: &str) -> (StatusCode, Value) {
    let reply = get(app, path, cookie).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_string()
}

/// Signs in and returns the cookie and the session's CSRF token.
async fn browser(server: &Server, app: &Router, username: &str) -> (String, String) {
    let cookie = server.sign_in(username).await;
    let page = get(app, "/circle", &cookie).await;
    let page = get(app, &page.location, &cookie).await;
    (cookie, csrf_of(&page.body))
}

/// The visible text of a page, tags removed, for checks on what people read.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// The registry, its errors and its permissions (温州 accounts, no network needed)

const REGISTRY_CSV: &str = "编号,名称,功能,经度,纬度,开放时间,容量\n\
    gl-1,鼓楼社区卫生服务站,病有所医;老有所养,120.6551,28.0123,8:00-17:00,20\n\
    gl-2,鼓楼社区食堂,食有所安,120.6560,28.0130,,\n";

async fn registry_import_names_bad_rows_and_keeps_to_the_area(server: &Server) {
    let app = router(server.state.clone());
    let store = &server.state.store;
    let (wuma, csrf) = browser(server, &app, "wuma").await;

    // Line 3 names an unknown function, line 4 has a longitude out of range: both are named
    // with their lines, the error summary is at the top, and nothing is saved.
    let bad = "编号,名称,功能,经度,纬度\n\
        w-1,五马街道卫生站,medical,120.6551,28.0123\n\
        w-2,五马街道学堂,school,120.6552,28.0124\n\
        w-3,五马街道食堂,food,200,28.0125\n";
    let reply = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        bad.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = between(&reply.body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("第 3 行"), "{summary}");
    assert!(summary.contains("school"), "{summary}");
    assert!(summary.contains("第 4 行"), "{summary}");
    assert!(!summary.contains("第 2 行"), "line 2 is fine: {summary}");
    assert!(summary.contains("href=\"#file\""));
    assert!(store.facilities_within("330302").await.unwrap().is_empty());

    // A good file, into 鼓楼社区; importing it again updates by id.
    let reply = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(reply.location.contains("added=2"), "{}", reply.location);
    let again = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert!(
        again.location.contains("added=0&updated=2"),
        "{}",
        again.location
    );
    let rows = store.facilities_within(GULOU).await.unwrap();
    assert_eq!(rows.len(), 2);
    let clinic = rows
        .iter()
        .find(|f| f.name == "鼓楼社区卫生服务站")
        .unwrap();
    assert_eq!(clinic.functions, vec!["elderly_care", "medical"]);
    assert_eq!((clinic.lon_e6, clinic.lat_e6), (120_655_100, 28_012_300));
    assert_eq!(clinic.capacity, Some(20));
    assert_eq!(clinic.source, "csv");
    let page = get(&app, &format!("/circle/areas/{WUMA}"), &wuma).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = text_of(&page.body);
    assert!(text.contains("鼓楼社区卫生服务站"), "{text}");
    assert!(text.contains("老有所养、病有所医"), "{text}");

    // The add form: every problem named at its field, linked from the summary.
    let reply = post(
        &app,
        &format!("/circle/areas/{WUMA}/facilities"),
        &wuma,
        &[
            ("csrf", &csrf),
            ("name", " "),
            ("lon", "120.65"),
            ("lat", "28.01"),
            ("capacity", "-3"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = between(&reply.body, "class=\"error-summary\"", "</div>");
    for anchor in ["#name", "#functions", "#capacity"] {
        assert!(summary.contains(anchor), "{anchor}: {summary}");
    }
    assert!(reply.body.contains("id=\"capacity-error\""));
    let reply = post(
        &app,
        &format!("/circle/areas/{WUMA}/facilities"),
        &wuma,
        &[
            ("csrf", &csrf),
            ("name", "墨池社区志愿服务站"),
            ("functions", "volunteer_station"),
            ("functions", "party_station"),
            ("lon", "120.6570"),
            ("lat", "28.0140"),
            ("community", MOCHI),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let added = store.facilities_within(MOCHI).await.unwrap();
    assert_eq!(
        added[0].functions,
        vec!["party_station", "volunteer_station"]
    );

    // The street administrator keeps to 五马街道.
    let other_street = get(&app, "/circle/areas/330302026000", &wuma).await;
    assert_eq!(other_street.status, StatusCode::FORBIDDEN);
    let into_other = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", QINGNIAN)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert_eq!(into_other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&into_other.body).contains(QINGNIAN));
    let create_there = post(
        &app,
        &format!("/circle/areas/{QINGNIAN}/facilities"),
        &wuma,
        &[("csrf", &csrf), ("name", "x"), ("functions", "food")],
    )
    .await;
    assert_eq!(create_there.status, StatusCode::FORBIDDEN);
    let compute = post(
        &app,
        "/circle/areas/330302000000/coverage",
        &wuma,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        compute.status,
        StatusCode::FORBIDDEN,
        "coverage is the district's"
    );

    // A community worker keeps its own community only; another district sees nothing here.
    let (gulou, gulou_csrf) = browser(server, &app, "gulou").await;
    let mochi_facility = &added[0].id;
    let edit = post(
        &app,
        &format!("/circle/facilities/{mochi_facility}"),
        &gulou,
        &[
            ("csrf", &gulou_csrf),
            ("version", "1"),
            ("name", "改名"),
            ("functions", "food"),
            ("lon", "120.6570"),
            ("lat", "28.0140"),
        ],
    )
    .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let (longwan, _) = browser(server, &app, "longwan").await;
    let seen = get(&app, &format!("/circle/facilities/{}", clinic.id), &longwan).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
    // Deleting: the keeper may, and the facility is gone; but not from a page read before
    // the facility's last change (the page carries its version).
    let victim = &store.facilities_within(GULOU).await.unwrap()[0];
    let page = get(&app, &format!("/circle/facilities/{}", victim.id), &wuma).await;
    let shown = format!("name=\"version\" value=\"{}\"", victim.version);
    assert_eq!(
        page.body.matches(&shown).count(),
        3,
        "edit, centre and delete forms"
    );
    let before = victim.version - 1;
    let stale = post(
        &app,
        &format!("/circle/facilities/{}/delete", victim.id),
        &wuma,
        &[("csrf", &csrf), ("version", &before.to_string())],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("该设施的信息已被"), "{}", stale.body);
    assert!(store.facility(&victim.id).await.unwrap().is_some());
    let deleted = post(
        &app,
        &format!("/circle/facilities/{}/delete", victim.id),
        &wuma,
        &[("csrf", &csrf), ("version", &victim.version.to_string())],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(store.facility(&victim.id).await.unwrap().is_none());
    let resident = server.sign_in("gulou-resident").await;
    assert_eq!(
        get(&app, "/circle", &resident).await.status,
        StatusCode::FORBIDDEN
    );

    // A district's coverage refuses a network that covers none of its facilities.
    let with_network = app_with_network(server);
    let (district, district_csrf) = browser(server, &with_network, "district").await;
    let wrong = post(
        &with_network,
        "/circle/areas/330302000000/coverage",
        &district,
        &[("csrf", &district_csrf)],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{}", wrong.body);
    assert!(store.circle_run("330302000000").await.unwrap().is_none());
    assert_eq!(store.verify_audit().await.unwrap(), None);
}
on_both!(registry_import_names_bad_rows_and_keeps_to_the_area);

/// Two people edit one facility; the second's page was read before the first saved. The second
/// edit is refused (409) and writes nothing; the form comes back with what they typed, who
/// changed the facility and when, the fields saved since with their values, and the current
/// version, so that saving again is a decision taken knowing the other change.
async fn a_stale_facility_edit_is_refused(server: &Server) {
    let app = router(server.state.clone());
    let store = &server.state.store;
    let canteen = FacilityInput {
        district_code: "330302000000".into(),
        region_code: GULOU.into(),
        community_code: Some(GULOU.into()),
        name: "鼓楼社区食堂".into(),
        functions: vec!["food".into()],
        lon_e6: 120_655_100,
        lat_e6: 28_012_300,
        hours: None,
        capacity: None,
        source: "manual".into(),
        source_ref: None,
    };
    let id = store.add_facility(&canteen, "gulou", 1).await.unwrap();
    let path = format!("/circle/facilities/{id}");
    let (gulou, gulou_csrf) = browser(server, &app, "gulou").await;
    let (wuma, wuma_csrf) = browser(server, &app, "wuma").await;
    let first = get(&app, &path, &gulou).await;
    let second = get(&app, &path, &wuma).await;
    let version_of = |page: &str| between(page, "name=\"version\" value=\"", "\"").to_string();
    assert_eq!(version_of(&second.body), "1");
    let saved = post(
        &app,
        &path,
        &gulou,
        &[
            ("csrf", &gulou_csrf),
            ("version", &version_of(&first.body)),
            ("name", "鼓楼社区老年食堂"),
            ("functions", "food"),
            ("lon", "120.6551"),
            ("lat", "28.0123"),
            ("hours", "11:00-13:00"),
            ("community", GULOU),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stale = post(
        &app,
        &path,
        &wuma,
        &[
            ("csrf", &wuma_csrf),
            ("version", &version_of(&second.body)),
            ("name", "鼓楼社区食堂"),
            ("functions", "food"),
            ("lon", "120.6551"),
            ("lat", "28.0123"),
            ("capacity", "30"),
            ("community", GULOU),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let row = store.facility(&id).await.unwrap().unwrap();
    assert_eq!(
        (row.name.as_str(), row.hours.as_deref(), row.capacity),
        ("鼓楼社区老年食堂", Some("11:00-13:00"), None),
        "the stale edit wrote nothing"
    );
    let summary = between(&stale.body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("该设施的信息已被 gulou 于 "), "{summary}");
    assert!(
        summary.contains("鼓楼社区老年食堂"),
        "the saved name: {summary}"
    );
    assert!(
        summary.contains("11:00-13:00"),
        "the saved hours: {summary}"
    );
    assert!(
        stale.body.contains("value=\"30\""),
        "what was typed stays in the form"
    );
    assert_eq!(version_of(&stale.body), "2");
}
on_both!(a_stale_facility_edit_is_refused);

// ---------------------------------------------------------------------------------------------
// OpenStreetMap import, coverage, metrics, siting and a centre's rating (Beijing 学院路)

/// Shares of one community computed here: (covered, total) per function key and `all_six`.
fn shares_of(analysis: &CircleAnalysis, members: &[usize]) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let total = members.len() as u64;
    for function in ServiceFunction::ALL {
        let covered = members
            .iter()
            .filter(|&&o| analysis.covers(o, function))
            .count() as u64;
        out.insert(function.key().to_string(), (covered, total));
    }
    let six = members
        .iter()
        .filter(|&&o| ServiceFunction::SIX.iter().all(|&f| analysis.covers(o, f)))
        .count() as u64;
    out.insert("all_six".to_string(), (six, total));
    out
}

/// Percent rounded down to hundredths, as the platform shows shares.
fn share(covered: u64, total: u64) -> Dec2 {
    Dec2((covered * 10_000 / total) as i64)
}

fn in_box(p: LonLat) -> bool {
    let (w, s, e, n) = FURUN_BOX;
    p.lon >= w && p.lon <= e && p.lat >= s && p.lat <= n
}

/// The community a point lies in, as the server finds it here: 富润's uploaded box first, then
/// the compounds named as 静淑苑 and 双泉嘉苑 communities.
fn community_at(extract: &OsmExtract, p: LonLat) -> Option<&'static str> {
    if in_box(p) {
        return Some(FURUN);
    }
    let compound = extract
        .community_areas
        .community_of(p)
        .map(|c| extract.community_areas.names()[c as usize].as_str());
    match compound {
        Some("静淑苑") => Some(JINGSHUYUAN),
        Some("双泉嘉苑") => Some(SHUANGQUAN),
        _ => None,
    }
}

/// 富润社区's boundary (the box around its compound), uploaded by the district.
fn furun_boundary() -> String {
    boxes_geojson(&[(FURUN, FURUN_BOX)])
}

/// The district's stored facilities as the circle reads them.
async fn stored_facilities(server: &Server) -> Vec<Facility> {
    server
        .state
        .store
        .facilities_of_district(HAIDIAN)
        .await
        .unwrap()
        .into_iter()
        .map(|f| Facility {
            id: f.id,
            name: f.name,
            functions: f
                .functions
                .iter()
                .map(|k| ServiceFunction::parse(k).unwrap())
                .collect(),
            location: LonLat {
                lon: from_e6(f.lon_e6),
                lat: from_e6(f.lat_e6),
            },
            hours: None,
            capacity: None,
        })
        .collect()
}

async fn add_user(server: &Server, username: &str, role: Role, region: &str) {
    server
        .state
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

/// 2024-03-01 10:00 in China.
const MARCH_2024: i64 = 1_709_258_400_000;

async fn osm_coverage_metrics_siting_and_a_centre_rating(server: &Server) {
    let store = &server.state.store;
    load_demo_regions(store).await.unwrap();
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "fengze-centre")
        .unwrap()
        .1;
    store
        .save_standard("fengze-centre", "2022.1", text, 0)
        .await
        .unwrap();
    add_user(server, "haidian", Role::DistrictAdmin, HAIDIAN).await;
    let app = app_with_network(server);
    let (haidian, csrf) = browser(server, &app, "haidian").await;

    // The extract's points of interest, uploaded as an .osm.pbf file.
    let options = OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    };
    let extract = import_file(&extract_path(), &options).unwrap();
    let pbf = std::fs::read(extract_path()).unwrap();
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import"),
        &haidian,
        &[("csrf", &csrf)],
        &pbf,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location,
        format!(
            "/circle/areas/{HAIDIAN}?added={}&updated=0&skipped=0",
            extract.facilities.len()
        )
    );
    let stored = store.facilities_of_district(HAIDIAN).await.unwrap();
    assert_eq!(stored.len(), extract.facilities.len());
    assert!(stored.iter().all(|f| f.source == "osm"));
    let refs: BTreeSet<&str> = stored
        .iter()
        .filter_map(|f| f.source_ref.as_deref())
        .collect();
    for facility in &extract.facilities {
        assert!(refs.contains(facility.id.as_str()), "{}", facility.id);
    }
    // The same points again, from the server's own network file: updated, not doubled.
    let again = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import-network"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert!(
        again
            .location
            .contains(&format!("added=0&updated={}", extract.facilities.len())),
        "{}",
        again.location
    );

    // 双泉嘉苑's homes, and a centre with all six functions among them.
    let shuangquan_homes: Vec<LonLat> = extract
        .origins
        .iter()
        .filter(|o| {
            extract
                .community_areas
                .community_of(o.location)
                .map(|i| extract.community_areas.names()[i as usize].as_str())
                == Some("双泉嘉苑")
        })
        .map(|o| o.location)
        .collect();
    assert!(!shuangquan_homes.is_empty());
    let n = shuangquan_homes.len() as f64;
    let centre_at = LonLat {
        lon: shuangquan_homes.iter().map(|p| p.lon).sum::<f64>() / n,
        lat: shuangquan_homes.iter().map(|p| p.lat).sum::<f64>() / n,
    };
    let (lon, lat) = (
        format!("{:.6}", centre_at.lon),
        format!("{:.6}", centre_at.lat),
    );
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("name", "双泉嘉苑邻里中心"),
        ("lon", lon.as_str()),
        ("lat", lat.as_str()),
        ("hours", "8:00-21:00"),
        ("capacity", "120"),
    ];
    fields.extend(ServiceFunction::SIX.iter().map(|f| ("functions", f.key())));
    let reply = post(
        &app,
        &format!("/circle/areas/{SHUANGQUAN}/facilities"),
        &haidian,
        &fields,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let centre_id = between(&reply.location, "/circle/facilities/", "?").to_string();

    // 富润社区's boundary uploaded (静淑苑 and 双泉嘉苑 are found by their compounds' names).
    let boundary = furun_boundary();
    let bad_boundary = boundary.replace(FURUN, "110108010999");
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/boundaries"),
        &haidian,
        &[("csrf", &csrf)],
        bad_boundary.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&reply.body).contains("第 1 个要素"));
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/boundaries"),
        &haidian,
        &[("csrf", &csrf)],
        boundary.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Coverage computed and stored.
    let reply = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/coverage"),
        &haidian,
        &[("csrf", &csrf), ("speed", "4")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let run = store.circle_run(HAIDIAN).await.unwrap().unwrap();
    assert_eq!((run.scope.as_str(), run.minutes), ("communities", 15));

    // The same figures computed here from the extract and the stored facilities.
    let facilities = stored_facilities(server).await;
    let origins: Vec<Origin> = extract.origins.clone();
    let analysis = CircleAnalysis::run(
        &extract.graph,
        &facilities,
        &origins,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, origin) in origins.iter().enumerate() {
        if let Some(code) = community_at(&extract, origin.location) {
            members.entry(code).or_default().push(i);
        }
    }
    assert_eq!(members.len(), 3, "{members:?}");
    for (code, list) in &members {
        let expected = shares_of(&analysis, list);
        let metrics: BTreeMap<String, Dec2> = circle_metrics(&server.state, code)
            .await
            .unwrap()
            .into_iter()
            .collect();
        let mut keys: BTreeSet<String> = ServiceFunction::ALL
            .iter()
            .map(|f| format!("circle.{}.share", f.key()))
            .collect();
        keys.insert("circle.all_six.share".into());
        keys.insert("circle.share_within_15min".into());
        assert_eq!(metrics.keys().cloned().collect::<BTreeSet<_>>(), keys);
        for function in ServiceFunction::ALL {
            let (covered, total) = expected[function.key()];
            assert_eq!(
                metrics[&format!("circle.{}.share", function.key())],
                share(covered, total),
                "{code} {function}"
            );
        }
        let (six, total) = expected["all_six"];
        assert_eq!(metrics["circle.share_within_15min"], share(six, total));
        assert_eq!(metrics["circle.all_six.share"], share(six, total));
        // The API gives the same values.
        let (status, body) = api_get(
            &app,
            &format!("/api/v1/communities/{code}/circle-metrics"),
            &haidian,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let from_api: BTreeMap<String, f64> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["key"].as_str().unwrap().to_string(),
                    m["value"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            from_api["circle.share_within_15min"],
            share(six, total).to_f64()
        );
    }
    let all_homes: Vec<usize> = members.values().flatten().copied().collect();
    let district = shares_of(&analysis, &all_homes);
    let shuangquan = shares_of(&analysis, &members[SHUANGQUAN]);

    // The coverage page shows the shares and the gap map.
    let page = get(&app, &format!("/circle/areas/{HAIDIAN}/coverage"), &haidian).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = text_of(&page.body);
    for name in ["静淑苑社区居委会", "双泉嘉苑社区居委会", "富润社区居委会"]
    {
        assert!(text.contains(name), "{name}: {text}");
    }
    let (medical, homes) = district["medical"];
    assert!(
        text.contains(&format!("{}% {medical}/{homes}", share(medical, homes))),
        "{text}"
    );
    assert!(page.body.contains("<svg"));
    let drawn_gaps = page.body.matches("stroke=\"#d4351c\"").count();
    let drawn_covered = page.body.matches("fill=\"#00703c\"").count();
    let (six, _) = district["all_six"];
    assert_eq!(drawn_covered as u64, six, "covered homes drawn");
    assert_eq!(drawn_gaps as u64, homes - six, "gaps drawn");
    let csv = get(
        &app,
        &format!("/circle/areas/{SHUANGQUAN}/origins.csv"),
        &haidian,
    )
    .await;
    assert_eq!(csv.body.lines().count(), 1 + members[SHUANGQUAN].len());

    // Siting: the same greedy picks as computed here, with their gains, on the page and in the API.
    let scope: Vec<Origin> = all_homes.iter().map(|&i| origins[i].clone()).collect();
    let scoped = CircleAnalysis::run(
        &extract.graph,
        &facilities,
        &scope,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let picks = suggest_sites(
        &extract.graph,
        &scoped,
        &scope,
        ServiceFunction::ElderlyCare,
        &every_node(&extract.graph),
        2,
    );
    let gains: Vec<u64> = picks.iter().map(|p| p.gain).collect();
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{HAIDIAN}/siting?function=elderly_care&count=2"),
        &haidian,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let api_gains: Vec<u64> = body["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["gain"].as_u64().unwrap())
        .collect();
    assert_eq!(api_gains, gains);
    assert!(!gains.is_empty() && gains.iter().all(|&g| g > 0));
    let node = extract.graph.position(picks[0].candidate as u32);
    assert_eq!(body["sites"][0]["lon"].as_f64().unwrap(), node.lon);
    let page = get(
        &app,
        &format!("/circle/areas/{HAIDIAN}/siting?function=elderly_care&count=2"),
        &haidian,
    )
    .await;
    let text = text_of(&page.body);
    let (before, total) = shares_of(&scoped, &(0..scope.len()).collect::<Vec<_>>())["elderly_care"];
    let mut after = before;
    for pick in &picks {
        after += pick.gain;
        assert!(
            text.contains(&format!("{} {after}/{total}", pick.gain)),
            "gain {}: {text}",
            pick.gain
        );
    }

    // Volunteer activities in 双泉嘉苑 in 2024: 24 held (2500 people served), one cancelled and
    // one in 2023, which do not count.
    let by = By {
        actor: "haidian",
        at: MARCH_2024,
    };
    for (i, at) in (0..26).map(|i| (i, MARCH_2024 + i * 86_400_000)) {
        let starts_at = if i == 25 {
            MARCH_2024 - 200 * 86_400_000
        } else {
            at
        };
        let activity = store
            .create_activity(
                &NewActivity {
                    community_code: SHUANGQUAN,
                    title: "邻里活动",
                    activity_type: "service",
                    station_id: None,
                    team_id: None,
                    starts_at,
                    ends_at: starts_at + 3_600_000,
                },
                by,
            )
            .await
            .unwrap();
        let served = match i {
            0 => 200,
            24 | 25 => 999,
            _ => 100,
        };
        store.set_people_served(&activity.id, served).await.unwrap();
        if i == 24 {
            assert!(store.cancel_activity(&activity.id).await.unwrap());
        }
    }

    // The centre, rated for 2024.
    let reply = post(
        &app,
        &format!("/circle/facilities/{centre_id}/centre"),
        &haidian,
        &[
            ("csrf", &csrf),
            ("centre_community", SHUANGQUAN),
            ("service_area", "双泉嘉苑小区"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let kept = post(
        &app,
        &format!("/circle/facilities/{centre_id}/delete"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "a centre is not deleted");
    let form = get(
        &app,
        &format!("/circle/centres/{centre_id}?year=2024"),
        &haidian,
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    let text = text_of(&form.body);
    assert!(text.contains("平台记录：24 场"), "{text}");
    assert!(text.contains("平台记录：2500 人次"), "{text}");
    let rating_fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("year", "2024"),
        ("c.DJ1.1", "3.5"),
        ("c.DJ2.1", "yes"),
        ("c.DJ3.1", "3"),
        ("c.GN1.1", "yes"),
        ("c.GN1.2", "2.5"),
        ("c.GN2.1", "yes"),
        ("c.GN2.2", "3"),
        ("c.GN3.1", "no"),
        ("c.GN3.2", "1"),
        ("c.GN4.1", "yes"),
        ("c.GN4.2", ""),
        ("c.GN5.1", "yes"),
        ("c.GN5.2", "2"),
        ("c.GN6.1", "yes"),
        ("c.GN6.2", "3"),
        ("c.TS1.1", "yes"),
        ("c.TS1.2", "0"),
        ("src.CX1.1", "entered"),
        ("c.CX1.1", "92.5"),
        ("src.CX2.1", "platform"),
        ("c.CX2.1", ""),
        ("src.CX3.1", "platform"),
        ("c.CX3.1", ""),
    ];
    // A graded answer above its clause's points is refused, named at its clause.
    let mut too_many = rating_fields.clone();
    too_many.retain(|(k, _)| *k != "c.DJ1.1");
    too_many.push(("c.DJ1.1", "4.5"));
    let refused = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &haidian,
        &too_many,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(between(&refused.body, "class=\"error-summary\"", "</div>").contains("#c-DJ1-1"));
    let reply = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &haidian,
        &rating_fields,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Worked out from fengze-centre's clauses: "1" 3.5 + 3 + 3; "6" 2 + 2.5 + 2 + 3 + 0 + 1 +
    // 2 + 0 (not assessed) + 2 + 2 + 2 + 3; "X" 2 + 0; results: satisfaction 20 × 92.5 / 100,
    // activities 15 × 24 / 48, people served 15 × 2500 / 5000, and the circle 5 points when at
    // least 80% of 双泉嘉苑's homes reach all six within 15 minutes.
    let (six, total) = shuangquan["all_six"];
    let circle_points = if six * 100 >= 80 * total { 5.0 } else { 0.0 };
    let expected_total = (3.5 + 3.0 + 3.0)
        + (2.0 + 2.5 + 2.0 + 3.0 + 0.0 + 1.0 + 2.0 + 0.0 + 2.0 + 2.0 + 2.0 + 3.0)
        + (2.0 + 0.0)
        + (20.0 * 92.5 / 100.0 + 15.0 * 24.0 / 48.0 + 15.0 * 2500.0 / 5000.0 + circle_points);
    let expected_star = [(90.0, 5), (85.0, 4), (80.0, 3), (70.0, 2), (60.0, 1)]
        .iter()
        .find(|(min, _)| expected_total >= *min)
        .map_or(0, |(_, star)| *star);
    let ratings = store.centre_ratings(&centre_id).await.unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(Dec2(ratings[0].total).to_f64(), expected_total);
    assert_eq!(ratings[0].star, expected_star);
    assert_eq!(
        (ratings[0].year, ratings[0].standard_id.as_str()),
        (2024, "fengze-centre")
    );
    let answers: Value = serde_json::from_str(&ratings[0].answers_json).unwrap();
    assert_eq!(answers["answers"]["CX2.1"]["source"], "platform");
    assert_eq!(answers["answers"]["CX2.1"]["number"], 24);
    assert_eq!(answers["answers"]["CX4.1"]["source"], "circle");
    let page = get(
        &app,
        &format!("/circle/centres/{centre_id}?year=2024"),
        &haidian,
    )
    .await;
    let text = text_of(&page.body);
    assert!(
        text.contains(&format!(
            "总分： {} / 100",
            Dec2::from_f64(expected_total).unwrap()
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{expected_star}星")), "{text}");
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/centres/{centre_id}/ratings"),
        &haidian,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["total"].as_f64().unwrap(), expected_total);
    let audit: Vec<String> = store
        .audit_for_community(SHUANGQUAN)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(audit.contains(&"flag_centre".to_string()), "{audit:?}");
    assert!(audit.contains(&"rate_centre".to_string()), "{audit:?}");
    assert_eq!(store.verify_audit().await.unwrap(), None);

    // Only the district rates: a street administrator of 学院路 sees the centre, not the form.
    add_user(server, "xueyuanlu", Role::StreetAdmin, "110108010000").await;
    let (street, street_csrf) = browser(server, &app, "xueyuanlu").await;
    let page = get(&app, &format!("/circle/centres/{centre_id}"), &street).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("name=\"c.DJ1.1\""));
    let refused = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &street,
        &[("csrf", &street_csrf), ("year", "2024")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(store.centre_ratings(&centre_id).await.unwrap().len(), 1);
}
on_both!(osm_coverage_metrics_siting_and_a_centre_rating);

// ---------------------------------------------------------------------------------------------
// Siting for a street (海淀区学院路街道)

const XUEYUANLU: &str = "110108010000";
/// A second street of the district, with one community.
const QINGHE: &str = "110108017000";
const QINGHE_COMMUNITY: &str = "110108017001";

/// Boxes (west, south, east, north) as a GeoJSON file of community boundaries.
fn boxes_geojson(boxes: &[(&str, LonLatBox)]) -> String {
    let features: Vec<String> = boxes
        .iter()
        .map(|(code, (w, s, e, n))| {
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// The extract cut in four at (116.3519, 40.0033), a hair's gap between the boxes: three
/// quarters for communities of 学院路街道, the south-east one for 清河街道's community.
const QUARTERS: [(&str, LonLatBox); 4] = [
    (JINGSHUYUAN, (116.30, 40.00331, 116.35189, 40.05)),
    (SHUANGQUAN, (116.35191, 40.00331, 116.40, 40.05)),
    (FURUN, (116.30, 39.95, 116.35189, 40.00329)),
    (QINGHE_COMMUNITY, (116.35191, 39.95, 116.40, 40.00329)),
];

fn quarter_at(_: &OsmExtract, p: LonLat) -> Option<&'static str> {
    QUARTERS.iter().find_map(|(code, (w, s, e, n))| {
        (p.lon >= *w && p.lon <= *e && p.lat >= *s && p.lat <= *n).then_some(*code)
    })
}

type CommunityAt = fn(&OsmExtract, LonLat) -> Option<&'static str>;

/// A street's siting as worked out here.
struct StreetSiting {
    /// Homes within 15 minutes now, of how many.
    before: u64,
    total: u64,
    /// Each site, its community and its gain, in the order picked.
    sites: Vec<(LonLat, &'static str, u64)>,
}

/// What 学院路街道's siting must be, worked out here: its homes are those inside its
/// communities (as `community_at` places them), its candidate sites the network nodes inside
/// them; every facility of the district counts.
fn street_picks(
    extract: &OsmExtract,
    community_at: CommunityAt,
    facilities: &[Facility],
    function: ServiceFunction,
    count: usize,
) -> StreetSiting {
    let graph = &extract.graph;
    let in_street = |p: LonLat| community_at(extract, p).filter(|c| c.starts_with("110108010"));
    let homes: Vec<Origin> = extract
        .origins
        .iter()
        .filter(|o| in_street(o.location).is_some())
        .cloned()
        .collect();
    let candidates: Vec<Snapped> = (0..graph.node_count() as u32)
        .filter(|&node| in_street(graph.position(node)).is_some())
        .map(|node| Snapped { node, access_mm: 0 })
        .collect();
    let analysis = CircleAnalysis::run(
        graph,
        facilities,
        &homes,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let before = (0..homes.len())
        .filter(|&o| analysis.covers(o, function))
        .count() as u64;
    let picks = suggest_sites(graph, &analysis, &homes, function, &candidates, count)
        .into_iter()
        .map(|pick| {
            let p = graph.position(candidates[pick.candidate].node);
            (p, in_street(p).unwrap(), pick.gain)
        })
        .collect();
    StreetSiting {
        before,
        total: homes.len() as u64,
        sites: picks,
    }
}

/// The street's siting page and API give the sites worked out here, each named by its
/// community; returns the page's text.
async fn street_siting_matches(
    app: &Router,
    cookie: &str,
    expected: &StreetSiting,
    query: &str,
) -> String {
    let names: BTreeMap<&str, &str> = [
        (FURUN, "富润社区居委会"),
        (JINGSHUYUAN, "静淑苑社区居委会"),
        (SHUANGQUAN, "双泉嘉苑社区居委会"),
    ]
    .into_iter()
    .collect();
    let StreetSiting {
        before,
        total,
        sites: picks,
    } = expected;
    let page = get(
        app,
        &format!("/circle/areas/{XUEYUANLU}/siting?{query}"),
        cookie,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = text_of(&page.body);
    assert!(
        text.contains(&format!("现在 15 分钟内可达：{before}/{total}")),
        "{text}"
    );
    let api = format!("/api/v1/circle/districts/{XUEYUANLU}/siting?{query}");
    let (status, body) = api_get(app, &api, cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["level"], "street");
    assert_eq!(body["total"].as_u64(), Some(*total));
    assert_eq!(body["sites"].as_array().unwrap().len(), picks.len());
    let mut after = *before;
    for (i, (p, code, gain)) in picks.iter().enumerate() {
        after += gain;
        let row = format!(
            "{} {:.6}, {:.6} {} {gain} {after}/{total}",
            i + 1,
            p.lon,
            p.lat,
            names[code]
        );
        assert!(text.contains(&row), "{row}: {text}");
        let site = &body["sites"][i];
        assert_eq!(site["gain"].as_u64(), Some(*gain));
        assert_eq!(
            (site["lon"].as_f64(), site["lat"].as_f64()),
            (Some(p.lon), Some(p.lat))
        );
        assert_eq!(
            (&site["community"], &site["community_name"]),
            (&json!(code), &json!(names[code]))
        );
    }
    text
}

async fn a_street_gets_siting_of_its_own(server: &Server) {
    let store = &server.state.store;
    load_demo_regions(store).await.unwrap();
    let qinghe = |code: &str, name: &str, level: &str, parent: &str| RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: Some(parent.into()),
        urban_rural: None,
    };
    store
        .upsert_regions(&[
            qinghe(QINGHE, "清河街道", "street", HAIDIAN),
            qinghe(QINGHE_COMMUNITY, "清河社区居委会", "community", QINGHE),
        ])
        .await
        .unwrap();
    add_user(server, "haidian", Role::DistrictAdmin, HAIDIAN).await;
    add_user(server, "xueyuanlu", Role::StreetAdmin, XUEYUANLU).await;
    let app = app_with_network(server);
    let (haidian, csrf) = browser(server, &app, "haidian").await;
    let (street, _) = browser(server, &app, "xueyuanlu").await;
    let reply = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import-network"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let upload = |geojson: String| {
        let (app, haidian, csrf) = (&app, &haidian, &csrf);
        async move {
            let path = format!("/circle/areas/{HAIDIAN}/boundaries");
            let reply = post_file(app, &path, haidian, &[("csrf", csrf)], geojson.as_bytes()).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
            let path = format!("/circle/areas/{HAIDIAN}/coverage");
            let reply = post(app, &path, haidian, &[("csrf", csrf), ("speed", "4")]).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        }
    };
    let options = OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    };
    let extract = import_file(&extract_path(), &options).unwrap();
    let facilities = stored_facilities(server).await;

    // 富润's box uploaded, 静淑苑 and 双泉嘉苑 found by their compounds: the street's homes are
    // those inside them and its sites must be too; few network nodes lie inside the
    // compounds, so three sites are asked for and two given, with the reason.
    upload(furun_boundary()).await;
    let elderly = ServiceFunction::ElderlyCare;
    let expected = street_picks(&extract, community_at, &facilities, elderly, 3);
    assert_eq!(expected.sites.len(), 2, "{:?}", expected.sites);
    let text =
        street_siting_matches(&app, &street, &expected, "function=elderly_care&count=3").await;
    let left = expected.total - expected.before - expected.sites.iter().map(|p| p.2).sum::<u64>();
    assert!(
        text.contains(&format!(
            "只建议了 2 处（要求 3 处）：还有 {left} 处住宅不在 15 分钟内：学院路街道范围内可选的"
        )),
        "{text}"
    );
    // Every home already within reach of food: nothing to suggest, and it says so.
    let expected = street_picks(
        &extract,
        community_at,
        &facilities,
        ServiceFunction::Food,
        3,
    );
    assert_eq!((expected.before, expected.sites.len()), (expected.total, 0));
    let text = street_siting_matches(&app, &street, &expected, "function=food&count=3").await;
    assert!(
        text.contains("每处住宅都已在 15 分钟内可达食有所安设施，无需新增。"),
        "{text}"
    );
    let (_, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{XUEYUANLU}/siting?function=food&count=3"),
        &street,
    )
    .await;
    assert_eq!(body["shortfall"], "all_covered");

    // 清河街道's community has no boundary yet: it says so and points to the district's siting.
    let page = get(
        &app,
        &format!("/circle/areas/{QINGHE}/siting?function=elderly_care&count=3"),
        &haidian,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text_of(&page.body).contains("清河街道的社区都还没有边界（上传的边界、网格或 OpenStreetMap 同名小区），无法只计本街道的住宅。"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("href=\"/circle/areas/{HAIDIAN}/siting\""))
    );

    // Boundaries that share the extract out: three sites asked for, three given, from the
    // street's three quarters only (the district's 清河 quarter counts for neither).
    upload(boxes_geojson(&QUARTERS)).await;
    let expected = street_picks(&extract, quarter_at, &facilities, elderly, 3);
    assert_eq!(expected.sites.len(), 3);
    assert!(expected.total < extract.origins.len() as u64);
    let text =
        street_siting_matches(&app, &street, &expected, "function=elderly_care&count=3").await;
    assert!(!text.contains("只建议了"), "{text}");

    // The street's pages offer its own siting.
    for page in ["", "/coverage"] {
        let page = get(&app, &format!("/circle/areas/{XUEYUANLU}{page}"), &street).await;
        let link = format!("href=\"/circle/areas/{XUEYUANLU}/siting\"");
        assert!(page.body.contains(&link), "{}", page.body);
    }

    // A count that is not 1–10 is named at its field, what was typed kept; nothing computed.
    let page = get(
        &app,
        &format!("/circle/areas/{XUEYUANLU}/siting?function=elderly_care&count=30"),
        &street,
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(between(&page.body, "class=\"error-summary\"", "</div>").contains("#count"));
    assert!(text_of(&page.body).contains("建议几处：请填 1 到 10 之间的整数"));
    assert!(page.body.contains("value=\"30\""));
    assert!(!page.body.contains("result-heading"));
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{XUEYUANLU}/siting?function=elderly_care&count=0"),
        &street,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("count"), "{body}");
    // A community is not an area siting is computed for.
    let reply = get(
        &app,
        &format!("/circle/areas/{FURUN}/siting?function=elderly_care&count=3"),
        &haidian,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(text_of(&reply.body).contains("选址建议按区或街道计算"));
}
on_both!(a_street_gets_siting_of_its_own);

// ---------------------------------------------------------------------------------------------
// The same through the JSON API

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

async fn token(app: &Router, username: &str) -> String {
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"username": username, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["token"].as_str().unwrap().to_string()
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

/// The demo loads 海淀区学院路街道 with the extract's facilities and the district's coverage.
#[tokio::test]
async fn the_demo_shows_the_circle_in_haidian() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = xingfu_server::AppState::new(store, false)
        .with_network(xingfu_server::circle::network::network_for(None, true));
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    let extract = import_file(
        &extract_path(),
        &OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::ResidentialAreas,
        },
    )
    .unwrap();
    let facilities = state.store.facilities_of_district(HAIDIAN).await.unwrap();
    assert_eq!(facilities.len(), extract.facilities.len());
    let run = state.store.circle_run(HAIDIAN).await.unwrap().unwrap();
    assert_eq!(run.computed_by, "haidian");
    assert_eq!(run.network, "beijing-haidian-xueyuanlu.osm.pbf");
    let metrics = circle_metrics(&state, JINGSHUYUAN).await.unwrap();
    assert_eq!(metrics.len(), ServiceFunction::ALL.len() + 2);
    // Without a network of the demo's own, nothing of Beijing is imported.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plain.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = xingfu_server::AppState::new(store, false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    assert!(
        state
            .store
            .facilities_of_district(HAIDIAN)
            .await
            .unwrap()
            .is_empty()
    );
}
