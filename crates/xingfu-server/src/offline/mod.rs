//! Xingfu on a phone without signal: the web app manifest (so a phone can install it), the
//! service worker, the page script that queues and sends forms, and the outbox page that shows
//! what is still waiting on this phone.
//!
//! Which forms may be queued: the ones a template marks with `data-offline` (随手拍, home
//! visits, staff survey entry). The server saves each queued form once through the web kit's
//! [`crate::web::once`]. See `docs/offline.md`.

pub mod pages;

use axum::Router;
use axum::routing::get;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default().pages(
        Router::new()
            .route("/manifest.webmanifest", get(pages::manifest))
            .route("/sw.js", get(pages::service_worker))
            .route("/static/offline.js", get(pages::page_script))
            .route("/static/outbox.js", get(pages::outbox_script))
            .route("/static/icon.svg", get(pages::icon))
            .route("/offline", get(pages::outbox)),
    )
}
