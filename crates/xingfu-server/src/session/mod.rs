//! Signing in and out, the language and text-size switches, and API tokens.

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(
            Router::new()
                .route("/login", get(pages::login_page).post(pages::login))
                .route("/logout", post(pages::logout))
                .route("/lang/{code}", get(pages::set_lang))
                .route("/text/{size}", get(pages::set_text_size)),
        )
        .api(api::routes())
}
