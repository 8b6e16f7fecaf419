//! The basemap served by the server itself: the style, the vector tiles cut from its own
//! OpenStreetMap extract, and the vendored map library.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use xingfu_server::circle::network::network_for;
use xingfu_server::router;

async fn fetch(app: &Router, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::HOST, "xingfu.test:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, body.to_vec())
}

#[tokio::test]
async fn without_an_extract_there_is_no_basemap_and_the_server_says_why() {
    let server = common::sqlite().await;
    let (status, _, body) = fetch(&server.app, "/tiles/style.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("xingfu serve --osm"),
        "the answer names the way to configure one"
    );
    let (status, _, _) = fetch(&server.app, "/tiles/14/13487/6203").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.finish().await;
}

#[tokio::test]
async fn the_demo_extract_gives_a_style_and_tiles() {
    let server = common::sqlite().await;
    let app = router(server.state.clone().with_network(network_for(None, true)));
    let (status, kind, body) = fetch(&app, "/tiles/style.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/json");
    let style: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        style["sources"]["osm"]["tiles"][0],
        "http://xingfu.test:8080/tiles/{z}/{x}/{y}"
    );
    assert!(!String::from_utf8_lossy(&body).contains("tile.openstreetmap.org"));

    // The tile under the style's centre has streets; the same tile again is the same bytes.
    let (lon, lat) = (
        style["center"][0].as_f64().unwrap(),
        style["center"][1].as_f64().unwrap(),
    );
    let (x, y) = tile_of(lon, lat, 15);
    let (status, kind, tile) = fetch(&app, &format!("/tiles/15/{x}/{y}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/vnd.mapbox-vector-tile");
    assert!(
        tile.windows(4).any(|w| w == b"road"),
        "the tile has a road layer"
    );
    let (_, _, again) = fetch(&app, &format!("/tiles/15/{x}/{y}.pbf")).await;
    assert_eq!(tile, again);

    // Far from the extract: an empty tile, not an error.
    let (status, _, empty) = fetch(&app, "/tiles/12/0/0").await;
    assert_eq!((status, empty.len()), (StatusCode::OK, 0));
    // Not a tile: refused with the reason.
    for (path, reason) in [
        ("/tiles/9/0/0", "zoom 9"),
        ("/tiles/12/4096/0", "outside the grid"),
        ("/tiles/12/x/0", "/tiles/"),
    ] {
        let (status, _, body) = fetch(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(String::from_utf8(body).unwrap().contains(reason), "{path}");
    }
    server.finish().await;
}

#[tokio::test]
async fn a_tianditu_key_adds_its_layers_to_the_style() {
    let server = common::sqlite().await;
    let app = router(
        server
            .state
            .clone()
            .with_network(network_for(None, true))
            .with_tianditu_key(Some(" abc123 ".into())),
    );
    let (_, _, body) = fetch(&app, "/tiles/style.json").await;
    let style: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let url = style["sources"]["tianditu-vec"]["tiles"][0]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("https://t0.tianditu.gov.cn/vec_w/"),
        "{url}"
    );
    assert!(url.ends_with("&tk=abc123"), "{url}");
    server.finish().await;
}

#[tokio::test]
async fn the_vendored_map_library_is_the_pinned_one() {
    let server = common::sqlite().await;
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../../package.json")).unwrap();
    let pinned = manifest["devDependencies"]["maplibre-gl"].as_str().unwrap();
    let vendored = include_str!("../static/vendor/maplibre-gl/VERSION").trim();
    assert_eq!(
        pinned, vendored,
        "package.json and static/vendor/maplibre-gl/VERSION agree"
    );
    let (status, kind, body) =
        fetch(&server.app, "/static/vendor/maplibre-gl/maplibre-gl.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/javascript"));
    let head = String::from_utf8_lossy(&body[..300]).to_string();
    assert!(head.contains(&format!("v{pinned}/LICENSE.txt")), "{head}");
    let (status, _, _) = fetch(&server.app, "/static/vendor/maplibre-gl/other.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, kind, _) = fetch(&server.app, "/static/map.js").await;
    assert_eq!(
        (status, kind.starts_with("text/javascript")),
        (StatusCode::OK, true)
    );
    server.finish().await;
}

fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    (x as u32, y as u32)
}

/// The map library (1 MB) goes out gzipped to a browser that asks, and unchanged to one that
/// does not (tiles and the style pass through the same layer).
#[tokio::test]
async fn the_map_library_is_gzipped_when_asked() {
    use std::io::Read;
    let server = common::sqlite().await;
    let path = "/static/vendor/maplibre-gl/maplibre-gl.js";
    let response = server
        .app
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_ENCODING).unwrap(),
        "gzip"
    );
    let gzipped = response.into_body().collect().await.unwrap().to_bytes();
    let mut library = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut library)
        .unwrap();
    let (_, _, plain) = fetch(&server.app, path).await;
    assert_eq!(library, plain, "the same library, only compressed");
    assert!(
        gzipped.len() * 3 < plain.len(),
        "{} bytes gzipped of {}",
        gzipped.len(),
        plain.len()
    );
    server.finish().await;
}
