//! Whether the server is draining (its health check then says so to the load balancer).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the server is draining: told to stop, finishing what it has, taking nothing new.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
}

impl Lifecycle {
    /// From now on the health check answers 503 `draining`.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}
