//! Tiles and the style, from the street network's extract (see [`crate::circle::network`]).

use std::sync::Arc;

use serde_json::Value;
use xingfu_basemap::{StyleOptions, TileError, TileId, cut_tile, style_json};

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// How many cut tiles are kept (a district's extract at zooms 10–16 is a few thousand).
const CACHED_TILES: usize = 4096;

/// Why a tile cannot be given.
pub enum NoTile {
    /// The server runs without an extract.
    NoBasemap,
    /// Not a tile of the grid (zoom outside 10–16, x or y outside it).
    NotATile(TileError),
}

/// One tile as Mapbox Vector Tile bytes (empty but valid where the extract has nothing).
pub async fn tile(
    state: &AppState,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Result<Arc<[u8]>, NoTile>, AppError> {
    let id = match TileId::new(z, x, y) {
        Ok(id) => id,
        Err(e) => return Ok(Err(NoTile::NotATile(e))),
    };
    let cache = &state.maps.cache;
    if let Some(bytes) = cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
        return Ok(Ok(bytes));
    }
    let Some(map) = state.network.basemap().await? else {
        return Ok(Err(NoTile::NoBasemap));
    };
    let bytes: Arc<[u8]> = tokio::task::spawn_blocking(move || cut_tile(&map, id))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cutting tile: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("tile {z}/{x}/{y}: {e}")))?
        .into();
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= CACHED_TILES {
            cache.clear();
        }
        cache.insert(id, bytes.clone());
    }
    Ok(Ok(bytes))
}

/// The MapLibre style for this site, labels in the reader's language; none without an extract.
pub async fn style(state: &AppState, base: &str, lang: Lang) -> Result<Option<Value>, AppError> {
    let Some(map) = state.network.basemap().await? else {
        return Ok(None);
    };
    Ok(Some(style_json(
        &map,
        &StyleOptions {
            base,
            english: lang.is_en(),
            tianditu_key: state.maps.tianditu_key.as_deref(),
        },
    )))
}
