//! The basemap's settings and the tiles cut so far, kept for the life of the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use xingfu_basemap::TileId;

/// The deployment's map settings and the tiles cut so far.
#[derive(Clone, Default)]
pub struct MapRuntime {
    /// A 天地图 key (`xingfu serve --tianditu-key`): its layers are offered on every map.
    pub tianditu_key: Option<Arc<str>>,
    pub(super) cache: Arc<Mutex<HashMap<TileId, Arc<[u8]>>>>,
}

impl MapRuntime {
    pub fn with_tianditu_key(key: Option<String>) -> MapRuntime {
        MapRuntime {
            tianditu_key: key
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .map(Arc::from),
            ..MapRuntime::default()
        }
    }
}
