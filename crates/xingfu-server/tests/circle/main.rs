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
#[path = "../common/mod.rs"]
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

mod coverage;
mod demo;
mod facilities;
mod street_siting;
mod through_the_api;

/// Runs `async fn $name(&Server)` on both databases.
const WUMA: &str = "330302006000";
const GULOU: &str = "330302006044";

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

const REGISTRY_CSV: &str = "编号,名称,功能,经度,纬度,开放时间,容量\n\
    gl-1,鼓楼社区卫生服务站,病有所医;老有所养,120.6551,28.0123,8:00-17:00,20\n\
    gl-2,鼓楼社区食堂,食有所安,120.6560,28.0130,,\n";

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
