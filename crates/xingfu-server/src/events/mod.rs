//! 随手拍 events in a closed loop across community, street and district: reports with photos,
//! grids that route them, the SLA sweep, and Open311 GeoReport v2.

pub mod open311;
pub mod pages;
pub mod service;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(pages::routes())
        .uploads(pages::upload_routes())
        // Open311 reads its own bodies (photos included) with its own limit.
        .uploads(open311::routes())
}
