//! What the documents feature keeps for the life of the server: the typesetter and its permits.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;
use xingfu_typeset::Typesetter;

use crate::app::error::AppError;

/// How many documents are typeset at once across all requests: typesetting is CPU-bound.
const TYPESETTING_PERMITS: usize = 2;

/// The typesetter (built on first use) and the folder of a programme's own templates.
#[derive(Clone)]
pub struct DocumentRuntime {
    folder: Option<PathBuf>,
    typesetter: Arc<OnceLock<Result<Typesetter, String>>>,
    pub(super) permits: Arc<Semaphore>,
}

impl Default for DocumentRuntime {
    fn default() -> DocumentRuntime {
        DocumentRuntime {
            folder: None,
            typesetter: Arc::default(),
            permits: Arc::new(Semaphore::new(TYPESETTING_PERMITS)),
        }
    }
}

impl DocumentRuntime {
    /// Templates from `folder` (overriding the built-in ones file by file), checked now so a
    /// bad settings file stops the server at start with the reason.
    pub fn with_folder(folder: PathBuf) -> anyhow::Result<DocumentRuntime> {
        let typesetter = Typesetter::new(Some(&folder))
            .map_err(|e| anyhow::anyhow!("document templates in {}: {e}", folder.display()))?;
        let runtime = DocumentRuntime {
            folder: Some(folder),
            ..DocumentRuntime::default()
        };
        let _ = runtime.typesetter.set(Ok(typesetter));
        Ok(runtime)
    }

    pub fn typesetter(&self) -> Result<&Typesetter, AppError> {
        self.typesetter
            .get_or_init(|| Typesetter::new(self.folder.as_deref()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("document templates: {e}")))
    }
}
