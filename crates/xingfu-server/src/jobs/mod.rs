//! The job queue: work that runs outside requests — the deadline sweep, reminders, notification
//! delivery, a district's coverage after its facilities changed, clearing out old jobs — kept in
//! the database and run by whichever server is free, each job once (`docs/deploy.md`). On
//! SQLite the same code runs in the one process.
//!
//! `queue` puts jobs in (features call it), `worker` takes them out and runs them (it calls the
//! features' services), `service` is what administrators see (`/jobs`, `GET /api/v1/jobs`).

pub mod api;
pub mod pages;
pub mod queue;
pub mod service;
pub mod worker;

use axum::Router;
use axum::routing::{get, post};

use crate::web::Routes;

pub use worker::spawn_worker;

pub fn routes() -> Routes {
    Routes::default()
        .pages(
            Router::new()
                .route("/jobs", get(pages::list))
                .route("/jobs/{id}/requeue", post(pages::requeue)),
        )
        .api(api::routes())
}
