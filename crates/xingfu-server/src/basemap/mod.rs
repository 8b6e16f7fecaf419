//! The basemap: vector tiles cut from the server's own OpenStreetMap extract, the MapLibre
//! style that draws them, and the map library and script the map pages load (never a public
//! tile server).

pub mod pages;
pub mod runtime;
pub mod service;

use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default().pages(
        Router::new()
            .route("/tiles/style.json", get(pages::style))
            .route("/tiles/{z}/{x}/{y}", get(pages::tile))
            .route("/static/map.js", get(pages::map_script))
            .route("/static/vendor/maplibre-gl/{file}", get(pages::map_library))
            // MapLibre is 1 MB of script and tiles are uncompressed protobuf: gzip takes both
            // to about a quarter for phones on a weak signal (browsers ask with Accept-Encoding).
            .layer(CompressionLayer::new().gzip(true)),
    )
}
