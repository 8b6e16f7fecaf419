//! Resident satisfaction surveys: settings, links and QR posters, the resident's pages, staff
//! entry, group-commit ingest, results, fraud signals and the 待核实 review.

pub mod answers;
pub mod api;
pub mod demo;
pub mod fraud;
pub mod households;
pub mod ingest;
pub mod links;
pub mod model;
pub mod pages;
pub mod results;
pub mod review;
pub mod service;
pub mod settings;
pub mod todo;
pub mod workbook;

// What other code takes from surveys without knowing its files.
pub use answers::{Respondent, SubmitError, submit};
pub use results::{apply_feed, area_results, survey_feed};
pub use service::round_survey;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default().pages(pages::routes()).api(api::routes())
}
