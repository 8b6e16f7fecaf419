//! Grids, 随手拍 events and Open311 over HTTP to the real router, on SQLite and PostgreSQL:
//! GeoJSON import, coordinates, routing, the closed loop through page posts, the deadline
//! sweep with a fake clock, hand-down, reopening, duplicates, concurrent handling, photo
//! cleaning and refusals, and the GeoReport v2 endpoint in JSON and XML.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{PASSWORD, Server, between, urlencode};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::decimal::Dec2;
use xingfu_core::ops::Level;
use xingfu_core::ops::coords::{GeoPoint, gcj02_to_wgs84, wgs84_to_gcj02};
use xingfu_core::ops::events::{Event, EventId, EventState, HOUR_MS};
use xingfu_core::ops::grid::haversine_m;
use xingfu_server::app::auth::hash_password;
use xingfu_server::events::service::{event_metrics, sweep};
use xingfu_store::accounts::NewUser;
use xingfu_store::events::PhotoStage;

mod escalation;
mod handling;
mod open311;
mod photos;
mod routing;

const GULOU: &str = "330302006044";

const BOUNDARY: &str = "----xingfu-events-boundary-51c2";

fn p(lon: f64, lat: f64) -> GeoPoint {
    GeoPoint { lon, lat }
}

/// Two grids side by side in 鼓楼社区 (WGS-84): g1 west, g2 east.
fn square(lon: f64, lat: f64, side: f64) -> Value {
    json!([[
        [lon, lat],
        [lon + side, lat],
        [lon + side, lat + side],
        [lon, lat + side],
        [lon, lat]
    ]])
}

const IN_G1: (f64, f64) = (120.651, 28.021);
const IN_G2: (f64, f64) = (120.653, 28.021);

fn grids_geojson() -> String {
    json!({
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "g1",
                "geometry": { "type": "Polygon", "coordinates": square(120.650, 28.020, 0.002) },
                "properties": {
                    "name": "鼓楼第一网格",
                    "members": ["member1"],
                    "buildings": [{ "id": "3", "name": "3幢", "lon": 120.6505, "lat": 28.0205, "head": "gulou-resident" }]
                }
            },
            {
                "type": "Feature",
                "id": "g2",
                "geometry": { "type": "Polygon", "coordinates": square(120.652, 28.020, 0.002) },
                "properties": { "name": "鼓楼第二网格", "members": [{ "username": "member2", "duty": "part_time" }] }
            }
        ]
    })
    .to_string()
}

async fn add_account(server: &Server, username: &str, role: &str, region: &str) {
    server
        .state
        .store
        .create_user(
            &NewUser {
                username,
                display_name: username,
                password_hash: &hash_password(PASSWORD).unwrap(),
                role,
                region_code: region,
            },
            0,
        )
        .await
        .unwrap();
}

async fn send(server: &Server, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

fn location(headers: &HeaderMap) -> String {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The session's CSRF token, from a page it can see.
async fn csrf(server: &Server, cookie: &str) -> String {
    let (_, body, _) = server.get("/events", cookie).await;
    between(&body, "name=\"csrf\" value=\"", "\"").to_string()
}

/// A multipart body: text fields, then files as (field, file name, content type, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(
    server: &Server,
    path: &str,
    cookie: &str,
    body: Vec<u8>,
) -> (StatusCode, HeaderMap, String) {
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, headers, bytes) = send(server, request).await;
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

/// Grid members, and the two grids imported through the page by the community worker.
async fn with_grids(server: &Server) -> String {
    add_account(server, "member1", "resident", GULOU).await;
    add_account(server, "member2", "resident", GULOU).await;
    let cookie = server.sign_in("gulou").await;
    let token = csrf(server, &cookie).await;
    let geojson = grids_geojson();
    let (status, headers, body) = post_multipart(
        server,
        &format!("/communities/{GULOU}/grids"),
        &cookie,
        multipart(
            &[("csrf", &token), ("datum", "wgs84"), ("geojson", &geojson)],
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(location(&headers).contains("saved=g1%2Cg2"));
    cookie
}

/// A report through the page; returns the new event's number.
async fn report(
    server: &Server,
    cookie: &str,
    fields: &[(&str, &str)],
    photos: &[(&str, &str, &str, &[u8])],
) -> EventId {
    let (status, headers, body) = report_raw(server, cookie, fields, photos).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let to = location(&headers);
    let id = to
        .trim_start_matches("/events/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    EventId(id)
}

async fn report_raw(
    server: &Server,
    cookie: &str,
    fields: &[(&str, &str)],
    photos: &[(&str, &str, &str, &[u8])],
) -> (StatusCode, HeaderMap, String) {
    let token = csrf(server, cookie).await;
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    post_multipart(
        server,
        &format!("/communities/{GULOU}/report"),
        cookie,
        multipart(&all, photos),
    )
    .await
}

fn at(point: (f64, f64)) -> (String, String) {
    (point.0.to_string(), point.1.to_string())
}

async fn report_at(server: &Server, cookie: &str, point: (f64, f64), text: &str) -> EventId {
    let (lon, lat) = at(point);
    report(
        server,
        cookie,
        &[
            ("category", "sanitation"),
            ("description", text),
            ("lon", &lon),
            ("lat", &lat),
            ("datum", "wgs84"),
        ],
        &[],
    )
    .await
}

async fn event(server: &Server, id: EventId) -> Event {
    server.state.store.event(id).await.unwrap().unwrap()
}

/// Posts an action on the event page's form, from the version stored now.
async fn act(
    server: &Server,
    cookie: &str,
    id: EventId,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let version = event(server, id).await.version.to_string();
    act_from(server, cookie, id, &version, fields).await
}

async fn act_from(
    server: &Server,
    cookie: &str,
    id: EventId,
    version: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let token = csrf(server, cookie).await;
    let mut form = format!("csrf={token}&version={version}");
    for (k, v) in fields {
        form.push_str(&format!("&{k}={}", urlencode(v)));
    }
    let (status, body, _) = server
        .post(&format!("/events/{}", id.0), cookie, &form)
        .await;
    (status, body)
}

/// A JPEG of the given size with an EXIF block carrying a GPS position (28°1'12.34"N,
/// 120°39'19.99"E), written by hand: TIFF big-endian, IFD0 with a GPSInfo pointer, a GPS IFD.
fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let mut plain = Vec::new();
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 128])
    });
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&picture)
        .unwrap();
    let mut tiff: Vec<u8> = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08");
    // IFD0: one entry, GPSInfo (0x8825, LONG) → GPS IFD at 26.
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
    tiff.extend_from_slice(&26u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD: four entries; rationals after it, at 80 and 104.
    tiff.extend_from_slice(&4u16.to_be_bytes());
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        tiff.extend_from_slice(&tag.to_be_bytes());
        tiff.extend_from_slice(&kind.to_be_bytes());
        tiff.extend_from_slice(&count.to_be_bytes());
        tiff.extend_from_slice(&value);
    };
    entry(&mut tiff, 1, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 2, 5, 3, 80u32.to_be_bytes());
    entry(&mut tiff, 3, 2, 2, *b"E\0\0\0");
    entry(&mut tiff, 4, 5, 3, 104u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 80);
    for (n, d) in [
        (28u32, 1u32),
        (1, 1),
        (1234, 100),
        (120, 1),
        (39, 1),
        (1999, 100),
    ] {
        tiff.extend_from_slice(&n.to_be_bytes());
        tiff.extend_from_slice(&d.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The GPS latitude's seconds as stored: 1234/100, big-endian.
const GPS_SECONDS: [u8; 8] = [0, 0, 0x04, 0xD2, 0, 0, 0, 100];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn open311_get(server: &Server, path: &str) -> (StatusCode, String) {
    open311_get_lang(server, path, "zh-CN").await
}

async fn open311_get_lang(server: &Server, path: &str, lang: &str) -> (StatusCode, String) {
    let request = Request::get(format!("/open311/v2/{path}"))
        .header(header::HOST, "xingfu.example")
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(server, request).await;
    (status, String::from_utf8(body).unwrap())
}
