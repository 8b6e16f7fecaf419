//! People: home visits and special-attention lists, volunteers and their activities, points and
//! the love mall (爱心商城).

pub mod api;
pub mod pages;
pub mod service;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default().pages(pages::routes()).api(api::routes())
}
