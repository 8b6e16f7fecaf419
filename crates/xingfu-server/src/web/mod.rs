//! The web kit every feature's pages and API stand on: the page layout and error page, the API's
//! error shape, and [`Routes`], which is how a feature hands its routes to the server.

pub mod api;
pub mod api_answers;
pub mod api_call;
pub mod api_error;
pub mod api_paths;
pub mod api_user;
pub mod built_in;
pub mod download;
pub mod fields;
pub mod forms;
pub mod live_map;
pub mod once;
pub mod one_file_form;
pub mod own_writes;
pub mod page;
pub mod peer;
pub mod posted;
pub mod preferences;
pub mod prefixed_routes;
pub mod public_base;
pub mod svg_map;
pub mod upload;
pub mod visit;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::app::state::AppState;

pub use page::{Page, error_page, render};

/// What one feature serves. Pages share the site-wide body limit; `uploads` carry their own;
/// API routes are mounted under [`api::BASE`] with the API's limit and error shape. API routes are
/// registered with `utoipa_axum::routes!`, which reads each handler's path and method from its
/// `#[utoipa::path]`, so an endpoint's path is written once and its description comes with it.
#[derive(Default)]
pub struct Routes {
    pub pages: Router<AppState>,
    pub uploads: Router<AppState>,
    pub api: OpenApiRouter<AppState>,
    pub api_uploads: OpenApiRouter<AppState>,
}

impl Routes {
    pub fn pages(mut self, routes: Router<AppState>) -> Routes {
        self.pages = self.pages.merge(routes);
        self
    }

    pub fn uploads(mut self, routes: Router<AppState>) -> Routes {
        self.uploads = self.uploads.merge(routes);
        self
    }

    pub fn api(mut self, routes: OpenApiRouter<AppState>) -> Routes {
        self.api = self.api.merge(routes);
        self
    }

    pub fn api_uploads(mut self, routes: OpenApiRouter<AppState>) -> Routes {
        self.api_uploads = self.api_uploads.merge(routes);
        self
    }

    /// Both features' routes together.
    pub fn merge(self, other: Routes) -> Routes {
        Routes {
            pages: self.pages.merge(other.pages),
            uploads: self.uploads.merge(other.uploads),
            api: self.api.merge(other.api),
            api_uploads: self.api_uploads.merge(other.api_uploads),
        }
    }
}
