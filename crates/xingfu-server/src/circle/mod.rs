//! Service facilities, the 15-minute service circle on the street network, siting, and
//! neighbourhood-centre ratings.

pub mod api;
pub mod network;
pub mod pages;
pub mod service;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(pages::routes())
        .uploads(pages::upload_routes())
        .api(api::routes())
}
