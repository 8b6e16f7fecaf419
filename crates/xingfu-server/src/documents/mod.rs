//! Official documents: 公示 notices, 命名 decisions, star certificates, 整改通知书, 通报 and score
//! reports typeset as PDF (the `xingfu-typeset` crate), each with a serial and a QR code that
//! opens the public verification page.

pub mod api;
pub mod content;
pub mod pages;
pub mod runtime;
pub mod service;

use axum::Router;
use axum::routing::get;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(
            Router::new()
                .route("/rounds/{round}/documents", get(pages::list))
                .route(
                    "/rounds/{round}/documents/{kind}/{target}",
                    get(pages::download),
                )
                .route("/verify", get(pages::verify_form))
                .route("/verify/{serial}", get(pages::verify)),
        )
        .uploads(Router::new().route("/verify/{serial}", axum::routing::post(pages::verify_file)))
        .api(api::routes())
}
