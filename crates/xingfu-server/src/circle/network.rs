//! The street network the 15-minute circle is computed on: where it comes from (a file given to
//! `xingfu serve --osm`, or the demo's extract built into the binary) and the extract, read once
//! on first use. Kept apart from the circle's services so the server's state can hold it.

use std::path::PathBuf;
use std::sync::Arc;

use xingfu_basemap::Basemap;
use xingfu_geo::osm::{CommunitySource, OriginKind, OsmExtract, OsmOptions, import_bytes};

use crate::app::error::{AppError, internal};
use crate::i18n::Lang;

#[derive(Clone)]
enum NetworkSource {
    File(PathBuf),
    Embedded {
        label: &'static str,
        bytes: &'static [u8],
    },
}

/// The server's street network: where it comes from, and the extract once read.
#[derive(Clone, Default)]
pub struct CircleNetwork {
    source: Option<NetworkSource>,
    loaded: Arc<tokio::sync::OnceCell<Arc<OsmExtract>>>,
    /// The same extract read as a basemap (streets, buildings, water …) for the map tiles.
    basemap: Arc<tokio::sync::OnceCell<Arc<Basemap>>>,
}

/// What the server reads from the extract: residential buildings as homes, named residential
/// compounds as the areas community names are matched against.
pub(crate) fn osm_options() -> OsmOptions {
    OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    }
}

impl CircleNetwork {
    /// An .osm.pbf file read on first use.
    pub fn file(path: PathBuf) -> CircleNetwork {
        CircleNetwork {
            source: Some(NetworkSource::File(path)),
            loaded: Arc::default(),
            basemap: Arc::default(),
        }
    }

    /// An extract built into the binary (the demo's).
    pub fn embedded(label: &'static str, bytes: &'static [u8]) -> CircleNetwork {
        CircleNetwork {
            source: Some(NetworkSource::Embedded { label, bytes }),
            loaded: Arc::default(),
            basemap: Arc::default(),
        }
    }

    /// Whether this is the demo's own extract (its facilities and coverage may then be loaded).
    pub fn is_embedded(&self) -> bool {
        matches!(self.source, Some(NetworkSource::Embedded { .. }))
    }

    pub fn is_configured(&self) -> bool {
        self.source.is_some()
    }

    /// The network's name as shown to people: the file name, never its folder.
    pub fn label(&self) -> Option<String> {
        match self.source.as_ref()? {
            NetworkSource::File(path) => Some(
                path.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
            ),
            NetworkSource::Embedded { label, .. } => Some(label.to_string()),
        }
    }

    /// The extract, read once (a failed read is tried again next time).
    pub async fn extract(&self, lang: Lang) -> Result<Arc<OsmExtract>, AppError> {
        let Some(source) = self.source.clone() else {
            return Err(AppError::Conflict(
                lang.pick(
                    "服务器没有配置路网文件：请以 xingfu serve --osm 文件.osm.pbf 启动",
                    "the server has no street network: start it with xingfu serve --osm FILE.osm.pbf",
                )
                .into(),
            ));
        };
        let label = self.label().unwrap_or_default();
        let extract = self
            .loaded
            .get_or_try_init(|| async move {
                let read = tokio::task::spawn_blocking(move || match source {
                    NetworkSource::File(path) => {
                        xingfu_geo::osm::import_file(&path, &osm_options())
                    }
                    NetworkSource::Embedded { label, bytes } => {
                        import_bytes(label, bytes, &osm_options())
                    }
                })
                .await
                .map_err(|e| internal(format!("reading the street network: {e}")))?;
                read.map(Arc::new).map_err(|e| {
                    tracing::error!("street network {label}: {e}");
                    internal(format!("street network {label}: {e}"))
                })
            })
            .await?;
        Ok(extract.clone())
    }
}

impl CircleNetwork {
    /// The extract as a basemap, read once; none when the server has no extract.
    pub async fn basemap(&self) -> Result<Option<Arc<Basemap>>, AppError> {
        let Some(source) = self.source.clone() else {
            return Ok(None);
        };
        let label = self.label().unwrap_or_default();
        let map = self
            .basemap
            .get_or_try_init(|| async move {
                let read = tokio::task::spawn_blocking(move || match source {
                    NetworkSource::File(path) => Basemap::from_file(&path),
                    NetworkSource::Embedded { label, bytes } => Basemap::from_bytes(label, bytes),
                })
                .await
                .map_err(|e| internal(format!("reading the basemap: {e}")))?;
                read.map(Arc::new).map_err(|e| {
                    tracing::error!("basemap {label}: {e}");
                    internal(format!("basemap {label}: {e}"))
                })
            })
            .await?;
        Ok(Some(map.clone()))
    }
}

/// The demo's street network: OpenStreetMap around 学院路, Beijing 海淀区 (© OpenStreetMap
/// contributors, ODbL; see crates/xingfu-geo/tests/data/SOURCE.md).
const DEMO_EXTRACT: &[u8] =
    include_bytes!("../../../xingfu-geo/tests/data/beijing-haidian-xueyuanlu.osm.pbf");
const DEMO_EXTRACT_LABEL: &str = "beijing-haidian-xueyuanlu.osm.pbf";

/// The network `xingfu serve` runs with: the file given, else the demo's extract when the
/// demo may load, else none.
pub fn network_for(osm: Option<PathBuf>, demo: bool) -> CircleNetwork {
    match osm {
        Some(path) => CircleNetwork::file(path),
        None if demo => CircleNetwork::embedded(DEMO_EXTRACT_LABEL, DEMO_EXTRACT),
        None => CircleNetwork::default(),
    }
}
