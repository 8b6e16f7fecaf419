//! The tile, style and map-library addresses. Public: the basemap is OpenStreetMap's open
//! data and the map pages that use it check who may see what they draw on it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::service::{self, NoTile};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::built_in::{CSS, JAVASCRIPT, Keep, built_in};
use crate::web::public_base::public_base;

const TILE_TYPE: &str = "application/vnd.mapbox-vector-tile";

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn no_basemap(lang: Lang) -> Response {
    plain(
        StatusCode::NOT_FOUND,
        lang.pick(
            "服务器没有配置底图：请以 xingfu serve --osm 文件.osm.pbf 启动",
            "the server has no basemap: start it with xingfu serve --osm FILE.osm.pbf",
        )
        .to_string(),
    )
}

/// `/tiles/{z}/{x}/{y}` (a `.pbf` or `.mvt` ending is accepted too).
pub async fn tile(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((z, x, y)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(&jar);
    let y = y.trim_end_matches(".pbf").trim_end_matches(".mvt");
    let (Ok(z), Ok(x), Ok(y)) = (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) else {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            lang.pick(
                "地图瓦片的地址应为 /tiles/缩放级别/列/行（都是整数）",
                "a tile's address is /tiles/zoom/x/y (whole numbers)",
            )
            .to_string(),
        ));
    };
    Ok(match service::tile(&state, z, x, y).await? {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, TILE_TYPE),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            bytes.to_vec(),
        )
            .into_response(),
        Err(NoTile::NoBasemap) => no_basemap(lang),
        Err(NoTile::NotATile(e)) => plain(StatusCode::NOT_FOUND, e.to_string()),
    })
}

/// `/tiles/style.json`: the MapLibre style, labels in the reader's language.
pub async fn style(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(&jar);
    let base = public_base(&state, &headers);
    Ok(match service::style(&state, &base, lang).await? {
        Some(style) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            style.to_string(),
        )
            .into_response(),
        None => no_basemap(lang),
    })
}

/// The map pages' own script (draws a page's data over the basemap; see `static/map.js`).
pub async fn map_script() -> Response {
    built_in(
        JAVASCRIPT,
        Keep::Hour,
        include_bytes!("../../static/map.js"),
    )
}

/// MapLibre GL JS, vendored from npm at the version in `static/vendor/maplibre-gl/VERSION`
/// (`package.json` pins the same; a test checks they agree).
pub async fn map_library(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &'static str) = match file.as_str() {
        "maplibre-gl.js" => (
            include_bytes!("../../static/vendor/maplibre-gl/maplibre-gl.js"),
            JAVASCRIPT,
        ),
        "maplibre-gl.css" => (
            include_bytes!("../../static/vendor/maplibre-gl/maplibre-gl.css"),
            CSS,
        ),
        "LICENSE.txt" => (
            include_bytes!("../../static/vendor/maplibre-gl/LICENSE.txt"),
            "text/plain; charset=utf-8",
        ),
        _ => return plain(StatusCode::NOT_FOUND, "not found".into()),
    };
    built_in(kind, Keep::Day, body)
}
