//! Grids, 随手拍 events and Open311 over HTTP to the real router, on SQLite and PostgreSQL:
//! GeoJSON import, coordinates, routing, the closed loop through page posts, the deadline
//! sweep with a fake clock, hand-down, reopening, duplicates, concurrent handling, photo
//! cleaning and refusals, and the GeoReport v2 endpoint in JSON and XML.

#[macro_use]
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

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const BOUNDARY: &str = "----xingfu-events-boundary-51c2";
/// Sanitation's time limit at every level, and the reporter's confirmation window.
const LIMIT: i64 = 48 * HOUR_MS;
const WINDOW: i64 = 72 * HOUR_MS;

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
const OUTSIDE: (f64, f64) = (120.660, 28.030);

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

// ---------------------------------------------------------------------------------------------

on_both!(geojson_import_names_the_feature_and_converts_gcj02);
async fn geojson_import_names_the_feature_and_converts_gcj02(server: &Server) {
    add_account(server, "member1", "resident", GULOU).await;
    let cookie = server.sign_in("gulou").await;
    let token = csrf(server, &cookie).await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("enctype=\"multipart/form-data\""));

    // Three features with problems, one good: nothing is saved, and each problem names its
    // feature.
    let broken = json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature", "id": "ok", "geometry": { "type": "Polygon", "coordinates": square(120.650, 28.020, 0.002) }, "properties": {} },
            { "type": "Feature", "id": "open-ring", "geometry": { "type": "Polygon", "coordinates": [[[120.652, 28.020], [120.654, 28.020], [120.654, 28.022], [120.652, 28.022]]] }, "properties": {} },
            { "type": "Feature", "properties": { "name": "没有编号" }, "geometry": { "type": "Polygon", "coordinates": square(120.656, 28.020, 0.002) } },
            { "type": "Feature", "id": "stranger", "geometry": { "type": "Polygon", "coordinates": square(120.658, 28.020, 0.002) }, "properties": { "members": ["nobody"] } }
        ]
    })
    .to_string();
    let (status, _, body) = post_multipart(
        server,
        &format!("/communities/{GULOU}/grids"),
        &cookie,
        multipart(
            &[("csrf", &token), ("datum", "wgs84")],
            &[(
                "file",
                "grids.geojson",
                "application/geo+json",
                broken.as_bytes(),
            )],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(
            "第 2 个要素（网格 open-ring）：geometry.coordinates[0]:GeoJSON 环的首尾坐标必须相同"
        ),
        "{body}"
    );
    assert!(body.contains("第 3 个要素：缺少网格编号"), "{body}");
    assert!(body.contains("第 4 个要素（网格 stranger）：网格员 nobody 不是本社区的账号"));
    assert!(!body.contains("第 1 个要素"));
    assert!(server.state.store.grids_of(GULOU).await.unwrap().is_empty());

    // The same grid drawn in GCJ-02 (as AMap exports it) is stored in WGS-84.
    let corners = [
        (120.650, 28.020),
        (120.652, 28.020),
        (120.652, 28.022),
        (120.650, 28.022),
    ];
    let ring: Vec<Value> = corners
        .iter()
        .chain(corners.first())
        .map(|(lon, lat)| json!([lon, lat]))
        .collect();
    let gcj = json!({
        "type": "Feature",
        "id": "g1",
        "geometry": { "type": "Polygon", "coordinates": [ring] },
        "properties": { "name": "鼓楼第一网格", "members": [{ "username": "member1", "duty": "兼职" }],
            "buildings": [{ "id": "3", "name": "3幢", "lon": 120.6505, "lat": 28.0205 }] }
    })
    .to_string();
    let (status, headers, body) = post_multipart(
        server,
        &format!("/communities/{GULOU}/grids"),
        &cookie,
        multipart(
            &[("csrf", &token), ("datum", "gcj02"), ("geojson", &gcj)],
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location(&headers),
        format!("/communities/{GULOU}/grids?saved=g1")
    );
    let grids = server.state.store.grids_of(GULOU).await.unwrap();
    assert_eq!(grids.len(), 1);
    let stored = grids[0].area.polygons()[0].exterior();
    for (got, (lon, lat)) in stored.iter().zip(corners) {
        assert_eq!(*got, gcj02_to_wgs84(p(lon, lat)));
        // Hundreds of metres from the numbers given: the GCJ-02 offset.
        assert!(haversine_m(*got, p(lon, lat)) > 100.0);
    }
    assert_eq!(
        grids[0].buildings[0].location,
        Some(gcj02_to_wgs84(p(120.6505, 28.0205)))
    );
    assert_eq!(grids[0].members[0].person, "member1");

    // Exported in GCJ-02, the corners come back as given.
    let (status, body, _) = server
        .get(
            &format!("/communities/{GULOU}/grids.geojson?datum=gcj02"),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let exported: Value = serde_json::from_str(&body).unwrap();
    let first = &exported["features"][0]["geometry"]["coordinates"][0][0][1];
    assert!(
        (first[0].as_f64().unwrap() - 120.652).abs() < 1e-9,
        "{first}"
    );
    assert!(
        (first[1].as_f64().unwrap() - 28.020).abs() < 1e-9,
        "{first}"
    );

    // The map page draws it and lists it; residents may not see it, grid members may not import.
    let (_, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &cookie)
        .await;
    assert!(body.contains("<svg") && body.contains("<path d=\"M"));
    assert!(body.contains("鼓楼第一网格") && body.contains("member1（兼职）"));
    let resident = server.sign_in("mochi-resident").await;
    let (status, _, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &resident)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let member = server.sign_in("member1").await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &member)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("enctype=\"multipart/form-data\""));
}

on_both!(reports_are_routed_to_their_grid_in_wgs84);
async fn reports_are_routed_to_their_grid_in_wgs84(server: &Server) {
    with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/report"), &resident)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("accept=\"image/*\" capture"));
    assert!(body.contains("鼓楼第一网格 · 3幢"));

    // A phone map in GCJ-02: the point sent is the GCJ-02 image of a point inside g1.
    let sent = wgs84_to_gcj02(p(IN_G1.0, IN_G1.1));
    let (lon, lat) = (sent.lon.to_string(), sent.lat.to_string());
    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "垃圾桶满了"),
            ("lon", &lon),
            ("lat", &lat),
            ("datum", "gcj02"),
        ],
        &[],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!(e.location, gcj02_to_wgs84(sent));
    assert!(haversine_m(e.location, p(IN_G1.0, IN_G1.1)) < 0.001);
    assert_eq!(e.grid.as_deref(), Some("g1"));
    assert_eq!(e.reporter.as_deref(), Some("gulou-resident"));
    assert_eq!((e.state, e.level), (EventState::Reported, Level::Community));

    // Sent as WGS-84, the same numbers land hundreds of metres away: outside both grids.
    let stray = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "x"),
            ("lon", &lon),
            ("lat", &lat),
            ("datum", "wgs84"),
        ],
        &[],
    )
    .await;
    assert_eq!(event(server, stray).await.grid, None);

    // Without coordinates, the chosen building's position.
    let by_building = report(
        server,
        &resident,
        &[
            ("category", "public_facility"),
            ("description", "路灯坏了"),
            ("building", "g1/3"),
        ],
        &[],
    )
    .await;
    let e = event(server, by_building).await;
    assert_eq!(e.location, p(120.6505, 28.0205));
    assert_eq!(e.grid.as_deref(), Some("g1"));
    let in_g2 = report_at(server, &resident, IN_G2, "东边").await;
    assert_eq!(event(server, in_g2).await.grid.as_deref(), Some("g2"));

    // Nothing says where, or nothing is said at all: the form again, with the reasons.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("category", "sanitation"), ("description", "哪里?")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("请选择所在楼栋，或使用手机定位填写坐标"),
        "{body}"
    );
    assert!(body.contains("class=\"error-summary\""));
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("category", "sanitation"), ("building", "g1/3")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请描述问题或上传照片"), "{body}");
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("description", "x"), ("building", "g1/3")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请选择问题类别"));

    // Grid members handle their own grid only.
    let member2 = server.sign_in("member2").await;
    let (status, body) = act(server, &member2, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("网格 g1 不是您负责的网格"), "{body}");
    let member1 = server.sign_in("member1").await;
    let (status, body) = act(server, &member1, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(event(server, id).await.state, EventState::Accepted);
    // The stray event is at community level: no grid member's.
    let (status, body) = act(server, &member1, stray, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不属于任何网格"), "{body}");

    // Other residents do not see it; the reporter and the area's staff do.
    let (status, _, _) = server
        .get(
            &format!("/events/{}", id.0),
            &server.sign_in("mochi-resident").await,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body, _) = server.get(&format!("/events/{}", id.0), &resident).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("垃圾桶满了"));
    let (_, body, _) = server.get("/events", &server.sign_in("wuma").await).await;
    assert!(body.contains(&format!("/events/{}", id.0)));
    let (_, body, _) = server.get("/events", &resident).await;
    assert!(body.contains("我上报的问题") && body.contains(&format!("#{}", id.0)));
}

on_both!(the_whole_closed_loop_through_page_posts);
async fn the_whole_closed_loop_through_page_posts(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let before = jpeg_with_gps(64, 48);
    let (lon, lat) = at(IN_G1);
    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "楼下垃圾桶满了"),
            ("lon", &lon),
            ("lat", &lat),
        ],
        &[("photo", "IMG_0001.jpg", "image/jpeg", &before)],
    )
    .await;
    let (_, body, _) = server
        .get(&format!("/events/{}?reported=1", id.0), &resident)
        .await;
    assert!(body.contains(&format!("已收到您的上报，编号 #{}", id.0)));

    // The reporter cannot handle it; the community worker accepts and dispatches to the grid
    // member, who starts and resolves with a photo of the result.
    let (status, _) = act(server, &resident, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("value=\"accept\"") && page.contains("value=\"reject\""));
    assert_eq!(
        act(server, &worker, id, &[("action", "accept")]).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("<option value=\"member1\""), "{page}");
    assert_eq!(
        act(
            server,
            &worker,
            id,
            &[
                ("action", "dispatch"),
                ("to", "member1"),
                ("note", "请今天处理")
            ]
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let (status, body) = act(
        server,
        &worker,
        id,
        &[("action", "dispatch"), ("to", "nobody")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("没有账号“nobody”"));
    let member = server.sign_in("member1").await;
    assert_eq!(
        act(server, &member, id, &[("action", "start")]).await.0,
        StatusCode::SEE_OTHER
    );
    let after = jpeg_with_gps(32, 32);
    let token = csrf(server, &member).await;
    let version = event(server, id).await.version.to_string();
    let (status, headers, body) = post_multipart(
        server,
        &format!("/events/{}", id.0),
        &member,
        multipart(
            &[
                ("csrf", &token),
                ("version", &version),
                ("action", "resolve"),
                ("note", "已清运"),
            ],
            &[("photo", "after.jpg", "image/jpeg", &after)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&headers), format!("/events/{}?done=resolve", id.0));
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Resolved);
    assert!(!e.late);

    // Closing early is refused while the reporter may still confirm; the reporter confirms.
    let (status, body) = act(server, &worker, id, &[("action", "close")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("上报人确认期未满"), "{body}");
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &resident).await;
    assert!(page.contains("value=\"confirm\"") && page.contains("value=\"reopen\""));
    assert_eq!(
        act(server, &resident, id, &[("action", "confirm")]).await.0,
        StatusCode::SEE_OTHER
    );
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Closed);
    assert_eq!(e.deadline, None);

    // Every step with who and when; photos before and after.
    let steps = server.state.store.event_steps(id).await.unwrap();
    let record: Vec<(&str, &str, Option<EventState>)> = steps
        .iter()
        .map(|s| (s.action.key(), s.actor.as_str(), Some(s.to_state)))
        .collect();
    assert_eq!(
        record,
        vec![
            ("report", "gulou-resident", Some(EventState::Reported)),
            ("accept", "gulou", Some(EventState::Accepted)),
            ("dispatch", "gulou", Some(EventState::Dispatched)),
            ("start", "member1", Some(EventState::InProgress)),
            ("resolve", "member1", Some(EventState::Resolved)),
            ("confirm", "gulou-resident", Some(EventState::Closed)),
        ]
    );
    assert_eq!(steps[2].note.as_deref(), Some("请今天处理"));
    assert_eq!(steps[4].note.as_deref(), Some("已清运"));
    assert!(steps.windows(2).all(|w| w[0].at <= w[1].at));
    let photos = server.state.store.event_photos(id).await.unwrap();
    let stages: Vec<(PhotoStage, &str)> = photos
        .iter()
        .map(|p| (p.stage, p.uploaded_by.as_str()))
        .collect();
    assert_eq!(
        stages,
        vec![
            (PhotoStage::Before, "gulou-resident"),
            (PhotoStage::After, "member1")
        ]
    );
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &worker).await;
    assert!(page.contains("上报时的照片") && page.contains("处置后的照片"));
    assert!(page.contains(&format!("/event-photos/{}", photos[1].id)));
    assert!(page.contains("已清运") && page.contains("已结案"));

    // The closed event feeds the rating figures.
    let second = report_at(server, &resident, IN_G2, "另一件").await;
    let reported = event(server, second).await.reported_at;
    let metrics = event_metrics(&server.state, GULOU, 0, reported + 1)
        .await
        .unwrap();
    let value = |key: &str| metrics.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    assert_eq!(value("events.reported"), Some(Dec2::from_int(2)));
    assert_eq!(value("events.closed"), Some(Dec2::from_int(1)));
    assert_eq!(value("events.closure_rate"), Some(Dec2::from_int(50)));
    assert_eq!(value("events.on_time_rate"), Some(Dec2::from_int(100)));
    assert!(metrics.iter().all(|(k, _)| k.starts_with("events.")));
    assert!(event_metrics(&server.state, GULOU, 5, 5).await.is_err());
}

on_both!(reopening_needs_a_reason_and_goes_back_to_the_handler);
async fn reopening_needs_a_reason_and_goes_back_to_the_handler(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "路面积水").await;
    for fields in [
        vec![("action", "accept")],
        vec![("action", "dispatch"), ("to", "gulou")],
        vec![("action", "start")],
        vec![("action", "resolve")],
    ] {
        let (status, body) = act(server, &worker, id, &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {body}");
    }
    let (status, body) = act(
        server,
        &resident,
        id,
        &[("action", "reopen"), ("reason", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("重新处理须填写理由"), "{body}");
    let (status, _) = act(
        server,
        &resident,
        id,
        &[("action", "reopen"), ("reason", "还是有积水")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let e = event(server, id).await;
    assert_eq!(
        (e.state, e.assignee.as_deref(), e.reopens),
        (EventState::InProgress, Some("gulou"), 1)
    );
    let steps = server.state.store.event_steps(id).await.unwrap();
    assert_eq!(steps.last().unwrap().note.as_deref(), Some("还是有积水"));
    // Resolved again and not confirmed: the sweep closes it once the window has passed.
    assert_eq!(
        act(server, &worker, id, &[("action", "resolve")]).await.0,
        StatusCode::SEE_OTHER
    );
    let resolved_at = event(server, id).await.resolved_at.unwrap();
    let store = &server.state.store;
    assert_eq!(sweep(store, resolved_at + WINDOW).await.unwrap().closed, 0);
    assert_eq!(
        sweep(store, resolved_at + WINDOW + 1).await.unwrap().closed,
        1
    );
    let e = event(server, id).await;
    assert_eq!(e.state, EventState::Closed);
    let last = server
        .state
        .store
        .event_steps(id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.key()),
        ("system", "close")
    );
}

on_both!(the_sweep_escalates_overdue_events_and_each_level_hands_down);
async fn the_sweep_escalates_overdue_events_and_each_level_hands_down(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "井盖松动").await;
    let store = &server.state.store;
    let deadline = event(server, id).await.deadline.unwrap();
    assert_eq!(deadline, event(server, id).await.reported_at + LIMIT);

    // At the deadline it is still on time; a millisecond later it goes to the street, once,
    // even with two servers sweeping at the same moment.
    assert_eq!(sweep(store, deadline).await.unwrap().escalated, 0);
    let second = xingfu_store::Store::connect(&server.url).await.unwrap();
    let (a, b) = tokio::join!(sweep(store, deadline + 1), sweep(&second, deadline + 1));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.escalated + b.escalated, 1, "{a:?} {b:?}");
    second.close().await;
    let e = event(server, id).await;
    assert_eq!(
        (e.level, e.state, e.escalations, e.late),
        (Level::Street, EventState::Accepted, 1, true)
    );
    assert_eq!(e.deadline, Some(deadline + 1 + LIMIT));
    assert_eq!(sweep(store, deadline + 2).await.unwrap().escalated, 0);

    // The community can no longer act; the street hands it back down.
    let (status, body) = act(
        server,
        &worker,
        id,
        &[("action", "dispatch"), ("to", "gulou")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("此事件当前由街道级处理"), "{body}");
    let street = server.sign_in("wuma").await;
    let (_, page, _) = server.get(&format!("/events/{}", id.0), &street).await;
    assert!(page.contains("value=\"hand_down\""));
    let (status, _) = act(
        server,
        &street,
        id,
        &[
            ("action", "hand_down"),
            ("level", "community"),
            ("note", "请社区处理"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let e = event(server, id).await;
    assert_eq!(
        (e.level, e.state, e.escalations),
        (Level::Community, EventState::Accepted, 1)
    );

    // Overdue again twice: street, then district; the district is overdue at the top and is
    // listed for supervision, and it hands down to the street.
    let d1 = e.deadline.unwrap();
    assert_eq!(sweep(store, d1 + 1).await.unwrap().escalated, 1);
    let d2 = event(server, id).await.deadline.unwrap();
    assert_eq!(sweep(store, d2 + 1).await.unwrap().escalated, 1);
    let e = event(server, id).await;
    assert_eq!((e.level, e.escalations), (Level::District, 3));
    let top = sweep(store, e.deadline.unwrap() + 1).await.unwrap();
    assert_eq!((top.escalated, top.supervised), (0, 1));
    let district = server.sign_in("district").await;
    let (_, body, _) = server.get("/events?show=all", &district).await;
    assert!(body.contains(&format!("#{}", id.0)));
    let (status, _) = act(
        server,
        &district,
        id,
        &[("action", "hand_down"), ("level", "street")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(event(server, id).await.level, Level::Street);
    let steps = store.event_steps(id).await.unwrap();
    let escalations: Vec<&str> = steps
        .iter()
        .filter(|s| s.action.key() == "escalate")
        .map(|s| s.actor.as_str())
        .collect();
    assert_eq!(escalations, ["system", "system", "system"]);
}

on_both!(duplicates_are_suggested_and_merged);
async fn duplicates_are_suggested_and_merged(server: &Server) {
    let worker = with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let first = report_at(server, &resident, IN_G1, "垃圾堆在路口").await;
    // 11 m east, minutes later, same category: a duplicate. Another category: not.
    let near = (IN_G1.0 + 0.0001, IN_G1.1);
    let second = report_at(server, &server.sign_in("member2").await, near, "路口有垃圾").await;
    let (lon, lat) = at(near);
    let other = report(
        server,
        &resident,
        &[
            ("category", "public_facility"),
            ("description", "栏杆坏了"),
            ("lon", &lon),
            ("lat", &lat),
        ],
        &[],
    )
    .await;
    let (_, page, _) = server.get(&format!("/events/{}", second.0), &worker).await;
    assert!(page.contains("可能重复的上报"), "{page}");
    assert!(page.contains(&format!("将 #{} 合并到 #{}", second.0, first.0)));
    assert!(!page.contains(&format!("/events/{}\">#{}", other.0, other.0)));
    // The reporter sees no suggestions.
    let (_, page, _) = server.get(&format!("/events/{}", first.0), &resident).await;
    assert!(!page.contains("可能重复的上报"));

    let (status, body) = act(
        server,
        &worker,
        second,
        &[("action", "merge_into"), ("primary", &first.0.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(body.starts_with(&format!("/events/{}?done=merge_into", first.0)));
    let merged = event(server, second).await;
    assert_eq!(
        (merged.state, merged.merged_into),
        (EventState::Merged, Some(first))
    );
    let (_, page, _) = server.get(&format!("/events/{}", first.0), &worker).await;
    assert!(page.contains("已合并进来的重复上报"));
    // Merging into an event that is itself merged is refused.
    let (status, body) = act(
        server,
        &worker,
        other,
        &[("action", "merge_into"), ("primary", &second.0.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能再合并"), "{body}");
}

on_both!(two_handlers_at_once_get_one_conflict);
async fn two_handlers_at_once_get_one_conflict(server: &Server) {
    let worker = with_grids(server).await;
    add_account(server, "gulou2", "community_worker", GULOU).await;
    let other = server.sign_in("gulou2").await;
    let resident = server.sign_in("gulou-resident").await;
    let id = report_at(server, &resident, IN_G1, "噪音扰民").await;
    let seen = event(server, id).await.version.to_string();
    let (a, b) = tokio::join!(
        act_from(server, &worker, id, &seen, &[("action", "accept")]),
        act_from(
            server,
            &other,
            id,
            &seen,
            &[("action", "reject"), ("reason", "不是本社区的事")]
        ),
    );
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let loser = if a.0 == StatusCode::CONFLICT {
        &a.1
    } else {
        &b.1
    };
    assert!(loser.contains("已被他人更新，请刷新页面后重试"), "{loser}");
    let e = event(server, id).await;
    assert_eq!(e.version, 2);
    assert_eq!(server.state.store.event_steps(id).await.unwrap().len(), 2);
    // A form from an old version is refused the same way, in English too.
    let (status, body) = act_from(server, &worker, id, &seen, &[("action", "escalate")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("已被他人更新"));
    let english = format!("{worker}; lang=en");
    let (status, body) = act_from(server, &english, id, &seen, &[("action", "escalate")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("has changed since you loaded it"), "{body}");
}

on_both!(photos_lose_their_position_and_bad_files_are_refused);
async fn photos_lose_their_position_and_bad_files_are_refused(server: &Server) {
    with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let photo = jpeg_with_gps(80, 60);
    assert!(contains(&photo, b"Exif\0\0") && contains(&photo, &GPS_SECONDS));
    assert!(image::load_from_memory(&photo).is_ok());
    let (lon, lat) = at(IN_G1);
    let fields = [
        ("category", "safety_hazard"),
        ("description", "电线裸露"),
        ("lon", lon.as_str()),
        ("lat", lat.as_str()),
    ];
    let id = report(
        server,
        &resident,
        &fields,
        &[("photo", "photo.jpg", "image/jpeg", &photo)],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!(e.photos.len(), 1);
    let (status, headers, stored) = send(
        server,
        Request::get(format!("/event-photos/{}", e.photos[0]))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(!contains(&stored, b"Exif"), "EXIF kept");
    assert!(!contains(&stored, &GPS_SECONDS), "GPS kept");
    assert!(!contains(&stored, &[0xFF, 0xE1]), "an APP1 segment kept");
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (80, 60));

    let count = || async {
        server
            .state
            .store
            .events_within(GULOU, xingfu_store::events::StateFilter::All, 100)
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    // Over 10 MB: 413, nothing kept.
    let mut big = jpeg_with_gps(16, 16);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[("photo", "big.jpg", "image/jpeg", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("10 MB"), "{body}");
    // Not an image, whatever its name says.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[("photo", "photo.jpg", "image/jpeg", b"%PDF-1.4\n%%EOF\n")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("第 1 张照片：照片须为 JPEG、PNG 或 WebP 图片"),
        "{body}"
    );
    // A JPEG cut short.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[
            ("photo", "ok.jpg", "image/jpeg", &photo),
            ("photo", "cut.jpg", "image/jpeg", &photo[..photo.len() / 2]),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("第 2 张照片：照片已损坏或不完整"), "{body}");
    // Ten photos: one too many.
    let ten: Vec<(&str, &str, &str, &[u8])> = (0..10)
        .map(|_| ("photo", "p.jpg", "image/jpeg", photo.as_slice()))
        .collect();
    let (status, _, body) = report_raw(server, &resident, &fields, &ten).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("共 10 张照片，最多 9 张"), "{body}");
    assert_eq!(count().await, before);
}

// ---------------------------------------------------------------------------------------------
// Open311

async fn api_token(server: &Server, username: &str) -> String {
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    assert_eq!(status, StatusCode::CREATED);
    let value: Value = serde_json::from_slice(&body).unwrap();
    value["token"].as_str().unwrap().to_string()
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

async fn open311_post(server: &Server, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    let request = Request::post(format!("/open311/v2/{path}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    (status, String::from_utf8(body).unwrap())
}

fn xml_value<'a>(xml: &'a str, element: &str) -> &'a str {
    between(xml, &format!("<{element}>"), &format!("</{element}>"))
}

on_both!(open311_round_trip_in_json_and_xml);
async fn open311_round_trip_in_json_and_xml(server: &Server) {
    let worker = with_grids(server).await;
    // Services, in both formats and languages.
    let (status, body) = open311_get(server, "services.json").await;
    assert_eq!(status, StatusCode::OK);
    let services: Value = serde_json::from_str(&body).unwrap();
    let sanitation = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "sanitation")
        .unwrap();
    assert_eq!(sanitation["service_name"], "环境卫生");
    assert_eq!(sanitation["type"], "realtime");
    let (_, body) = open311_get_lang(server, "services.json", "en-GB,en;q=0.8").await;
    assert!(body.contains("\"service_name\":\"sanitation\""), "{body}");
    let (_, xml) = open311_get(server, "services.xml").await;
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<services><service><service_code>safety_hazard</service_code>")
    );
    let (status, body) = open311_get(server, "services/sanitation.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"service_code": "sanitation", "attributes": []})
    );
    let (status, body) = open311_get(server, "services/potholes.xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<errors><error><code>404</code>"));

    // POST: an api_key is required and must be a live token.
    let (lon, lat) = at(IN_G1);
    let request = [
        ("service_code", "sanitation"),
        ("lat", lat.as_str()),
        ("long", lon.as_str()),
        ("description", "小区门口垃圾没人清"),
        ("address_string", "鼓楼街 1 号"),
        ("phone", "13800000000"),
    ];
    let (status, body) = open311_post(server, "requests.json", &request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
        403
    );
    let token = api_token(server, "gulou-resident").await;
    let mut with_key = request.to_vec();
    with_key.push(("api_key", "not-a-token"));
    assert_eq!(
        open311_post(server, "requests.json", &with_key).await.0,
        StatusCode::FORBIDDEN
    );
    with_key.pop();
    with_key.push(("api_key", &token));
    let (status, body) = open311_post(server, "requests.json", &with_key).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id: u64 = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let e = event(server, EventId(id)).await;
    assert_eq!(
        (
            e.community.as_str(),
            e.grid.as_deref(),
            e.reporter.as_deref()
        ),
        (GULOU, Some("g1"), Some("gulou-resident"))
    );
    assert_eq!(e.location, p(IN_G1.0, IN_G1.1));
    let extras = server.state.store.event_extras(e.id).await.unwrap();
    assert_eq!(
        extras.contact.as_deref(),
        Some(r#"{"phone":"13800000000"}"#)
    );

    // GET by id: open, with our state in the notes; contact details never appear.
    let (status, body) = open311_get(server, &format!("requests/{id}.json")).await;
    assert_eq!(status, StatusCode::OK);
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got[0]["status"], "open");
    assert_eq!(got[0]["status_notes"], "已上报");
    assert_eq!(got[0]["service_code"], "sanitation");
    assert_eq!(got[0]["address"], "鼓楼街 1 号");
    assert_eq!(got[0]["long"], IN_G1.0);
    assert!(!body.contains("13800000000"));
    assert!(
        got[0]["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );

    // XML POST with a photo (multipart), then GET by id in XML: the photo is ours, cleaned.
    let photo = jpeg_with_gps(40, 30);
    let (lon2, lat2) = at(IN_G2);
    let body = multipart(
        &[
            ("api_key", &token),
            ("service_code", "public_facility"),
            ("lat", &lat2),
            ("long", &lon2),
        ],
        &[("media", "m.jpg", "image/jpeg", &photo)],
    );
    let request = Request::post("/open311/v2/requests.xml")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    let xml = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::CREATED, "{xml}");
    let id2: u64 = xml_value(&xml, "service_request_id").parse().unwrap();
    let (_, xml) = open311_get(server, &format!("requests/{id2}.xml")).await;
    assert_eq!(xml_value(&xml, "status"), "open");
    assert_eq!(xml_value(&xml, "service_code"), "public_facility");
    let media = xml_value(&xml, "media_url");
    assert!(
        media.starts_with("http://xingfu.example/event-photos/"),
        "{xml}"
    );
    let (status, _, stored) = send(
        server,
        Request::get(media.trim_start_matches("http://xingfu.example"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!contains(&stored, &GPS_SECONDS));

    // Richer states map onto closed, with notes; a merge says into which.
    let (status, _) = act(
        server,
        &worker,
        EventId(id2),
        &[("action", "reject"), ("reason", "已在维修计划中")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, body) = open311_get(server, &format!("requests/{id2}.json")).await;
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (got[0]["status"].as_str(), got[0]["status_notes"].as_str()),
        (Some("closed"), Some("不予受理"))
    );
    assert_eq!(got[0]["expected_datetime"], Value::Null);
    let dup = report_at(
        server,
        &server.sign_in("gulou-resident").await,
        IN_G1,
        "同一堆垃圾",
    )
    .await;
    act(
        server,
        &worker,
        dup,
        &[("action", "merge_into"), ("primary", &id.to_string())],
    )
    .await;
    let (_, body) = open311_get_lang(server, &format!("requests/{}.json", dup.0), "en").await;
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got[0]["status"], "closed");
    assert_eq!(got[0]["status_notes"], format!("merged into request {id}"));

    // GET the list with filters.
    let (_, body) = open311_get(server, "requests.json?status=closed").await;
    let closed: Vec<String> = serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(closed, vec![dup.0.to_string(), id2.to_string()]);
    let (_, body) = open311_get(server, "requests.json?service_code=sanitation&status=open").await;
    let open: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["service_request_id"], id.to_string());
    let (_, body) = open311_get(
        server,
        "requests.json?start_date=2001-01-01T00:00:00Z&end_date=2001-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(body, "[]");
    let (status, body) = open311_get(server, "requests.json?status=resolved").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("status"));
    let (status, _) = open311_get(server, "requests.json?start_date=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, xml) = open311_get(
        server,
        &format!("requests.xml?service_request_id={id},{id2}"),
    )
    .await;
    assert_eq!(xml.matches("<request>").count(), 2);
    let (status, _) = open311_get(server, "requests/999999.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Outside every grid: the jurisdiction, else the account's own community; a street
    // administrator's account names no community.
    let (lon3, lat3) = at(OUTSIDE);
    let post_owned = |form: Vec<(String, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        open311_post(server, "requests.json", &pairs).await
    };
    let base = |key: &str, jurisdiction: Option<&str>| {
        let mut form = vec![
            ("api_key".to_string(), key.to_string()),
            ("service_code".to_string(), "other".to_string()),
            ("lat".to_string(), lat3.clone()),
            ("long".to_string(), lon3.clone()),
            ("description".to_string(), "远处".to_string()),
        ];
        if let Some(j) = jurisdiction {
            form.push(("jurisdiction_id".to_string(), j.to_string()));
        }
        form
    };
    let (status, body) = post_owned(base(&token, Some(MOCHI))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let n: u64 = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let e = event(server, EventId(n)).await;
    assert_eq!((e.community.as_str(), e.grid.as_deref()), (MOCHI, None));
    let (status, body) = post_owned(base(&token, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let street_token = api_token(server, "wuma").await;
    let (status, body) = post_owned(base(&street_token, None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("jurisdiction_id"), "{body}");
    let assessor = api_token(server, "assessor").await;
    assert_eq!(
        post_owned(base(&assessor, None)).await.0,
        StatusCode::FORBIDDEN
    );
    // Unknown services and missing positions are refused.
    let mut form = base(&token, None);
    form[1].1 = "potholes".into();
    assert_eq!(post_owned(form).await.0, StatusCode::NOT_FOUND);
    let form: Vec<(String, String)> = base(&token, None)
        .into_iter()
        .filter(|(k, _)| k != "lat")
        .collect();
    assert_eq!(post_owned(form).await.0, StatusCode::BAD_REQUEST);
    let (status, body) =
        open311_get(server, &format!("requests.json?jurisdiction_id={MOCHI}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// A report with no position: said in words, stored without coordinates (on both databases),
/// handled by the community, and answered in Open311 without lat/long; without a script the
/// form does not offer the phone's position, and only staff see coordinate fields.
async fn reports_may_say_where_in_words(server: &Server) {
    let resident = server.sign_in("gulou-resident").await;
    let (_, page, _) = server
        .get(&format!("/communities/{GULOU}/report"), &resident)
        .await;
    assert!(
        !page.contains("坐标来源") && page.contains("使用手机定位"),
        "{page}"
    );
    let worker = server.sign_in("gulou").await;
    let (_, page, _) = server
        .get(&format!("/communities/{GULOU}/report"), &worker)
        .await;
    assert!(page.contains("坐标来源"), "staff may type coordinates");

    let (status, _, body) = report_raw(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "哪里"),
            ("no_script", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写地址或位置说明"), "{body}");
    assert!(
        !body.contains("使用手机定位填写坐标"),
        "no script, no phone: {body}"
    );
    assert!(body.contains("href=\"#address\""), "{body}");

    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "垃圾桶满了"),
            ("address", "仓桥街菜场后门"),
        ],
        &[],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!((e.position(), e.grid.as_deref()), (None, None));
    assert_eq!(e.address.as_deref(), Some("仓桥街菜场后门"));
    let (status, body) = open311_get(server, &format!("requests/{}.json", id.0)).await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert!(
        json[0]["lat"].is_null() && json[0]["long"].is_null(),
        "{json}"
    );
    assert_eq!(json[0]["address"], "仓桥街菜场后门");
}
on_both!(reports_may_say_where_in_words);
