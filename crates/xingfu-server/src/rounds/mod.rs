//! Rating rounds: declaration, self-assessment sheets, checking, scoring, approval, publication
//! (公示) with objections, naming, rectification, evidence, rewards and the round's exports.

pub mod api;
pub mod decisions;
pub mod evidence;
pub mod history;
pub mod opening;
pub mod pages;
pub mod public;
pub mod rectifications;
pub mod report;
pub mod service;
pub mod todo;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(pages::routes())
        .uploads(pages::evidence::upload_routes())
        .api(api::routes())
        .api_uploads(api::upload_routes())
}
