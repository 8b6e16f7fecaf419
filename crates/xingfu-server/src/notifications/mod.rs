//! Notifications: an outbox in the database. Messages in the app (the bell with the unread
//! count on every page, the message list), by e-mail over SMTP, and through a signed webhook
//! the deployment points at its SMS or WeChat gateway; each person chooses the channels per
//! kind. The reminder sweep makes messages (new 待办, deadlines near, objection periods ending,
//! the administrators' weekly digest) and the worker sends them, once across several servers;
//! both run as jobs of the queue (`crate::jobs`).

pub mod api;
pub mod channels;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(
            Router::new()
                .route("/notifications", get(pages::list))
                .route("/notifications/read-all", post(pages::read_all))
                .route("/notifications/{id}/read", post(pages::read))
                .route(
                    "/notifications/settings",
                    get(pages::settings).post(pages::save_settings),
                ),
        )
        .api(api::routes())
}
