//! What every request can reach: the store, and the standards rounds run on (parsed once).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use xingfu_core::Standard;
use xingfu_store::Store;

use crate::app::error::AppError;
use crate::app::files::FileStore;

/// Parsed standards by (id, version).
type StandardCache = Arc<RwLock<HashMap<(String, String), Arc<Standard>>>>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    standards: StandardCache,
    /// Cookies are marked Secure when the server is reached over HTTPS.
    pub secure_cookies: bool,
    /// Uploaded evidence: in memory until [`AppState::with_files`] sets the real store.
    pub files: FileStore,
    /// Survey ingest (the group-commit writer) and its caches.
    pub surveys: crate::surveys::ingest::SurveyRuntime,
    /// The street network the 15-minute circle is computed on (none until configured).
    pub network: crate::circle::network::CircleNetwork,
    /// Bounds how many images are decoded at once, across all requests.
    pub decoding: crate::app::files::ImageDecoding,
    /// What the audit log's start-up check found (none when the server has no audit key).
    pub audit: Option<Arc<crate::app::audit::AuditStatus>>,
    /// The notification channels beyond the app (e-mail, the SMS or WeChat gateway): none
    /// until configured.
    pub channels: crate::notifications::channels::Channels,
    /// The typesetter of official documents and the programme's templates folder.
    pub documents: crate::documents::runtime::DocumentRuntime,
    /// The basemap's settings (a 天地图 key) and the tiles cut so far.
    pub maps: crate::basemap::runtime::MapRuntime,
    /// Whether the server is shutting down (its health check then says so to the load balancer).
    pub lifecycle: crate::health::lifecycle::Lifecycle,
    /// A streaming replica for reads that may lag (see [`crate::app::reads`]); none by default.
    pub replica: Option<crate::app::replica::Replica>,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState {
            store,
            standards: Arc::default(),
            secure_cookies,
            files: FileStore::memory(),
            surveys: Default::default(),
            network: Default::default(),
            decoding: Default::default(),
            audit: None,
            channels: Default::default(),
            documents: Default::default(),
            maps: Default::default(),
            lifecycle: Default::default(),
            replica: None,
        }
    }

    /// Sends notifications on these channels too.
    pub fn with_channels(mut self, channels: crate::notifications::channels::Channels) -> AppState {
        self.channels = channels;
        self
    }

    /// Keeps what the audit log's start-up check found, for city administrators' pages.
    pub fn with_audit_status(mut self, status: crate::app::audit::AuditStatus) -> AppState {
        self.audit = Some(Arc::new(status));
        self
    }

    /// Serves reads that may lag from this replica while it is caught up.
    /// The replica checks the audit chain with the primary's key (`/verify` reads from it).
    pub fn with_replica(mut self, mut replica: crate::app::replica::Replica) -> AppState {
        replica.store = replica.store.with_audit_key_of(&self.store);
        self.replica = Some(replica);
        self
    }

    /// Keeps uploaded files in `files` (a local directory or an S3 bucket).
    pub fn with_files(mut self, files: FileStore) -> AppState {
        self.files = files;
        self
    }

    /// Offers 天地图 layers on every map with this key.
    pub fn with_tianditu_key(mut self, key: Option<String>) -> AppState {
        self.maps = crate::basemap::runtime::MapRuntime::with_tianditu_key(key);
        self
    }

    /// Computes the 15-minute circle on this street network.
    pub fn with_network(mut self, network: crate::circle::network::CircleNetwork) -> AppState {
        self.network = network;
        self
    }

    /// The exact standard version a round runs on, from the text kept in the database.
    pub async fn standard(&self, id: &str, version: &str) -> Result<Arc<Standard>, AppError> {
        let key = (id.to_string(), version.to_string());
        if let Some(found) = self
            .standards
            .read()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(found);
        }
        let body = self
            .store
            .standard_body(id, version)
            .await?
            .ok_or(AppError::NotFound)?;
        let standard =
            xingfu_formats::standard_file::load_standard(&format!("{id} {version}"), &body)
                .map_err(|problems| {
                    AppError::Internal(anyhow::anyhow!(
                        "stored standard {id} {version} does not load: {}",
                        problems
                            .iter()
                            .map(|p| p.render(true))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ))
                })?;
        let standard = Arc::new(standard);
        if let Ok(mut map) = self.standards.write() {
            map.insert(key, standard.clone());
        }
        Ok(standard)
    }
}
