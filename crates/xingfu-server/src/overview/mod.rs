//! 一张图: the programme at a glance for city, district and street administrators — per unit
//! the star distribution, target progress, 随手拍 figures and rectification, drilled down city →
//! district → street → community, with rankings, commendation and reminder lists; the page and
//! `GET /api/v1/overview` from one service function.

pub mod api;
pub mod figures;
pub mod map;
pub mod pages;
pub mod service;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default().pages(pages::routes()).api(api::routes())
}
