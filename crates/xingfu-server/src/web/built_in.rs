//! Files built into the binary (scripts, the stylesheet, icons), served with their type and how
//! long a browser may keep them, so the server runs from any directory.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// How long a browser may keep a built-in file.
#[derive(Clone, Copy)]
pub enum Keep {
    /// Asked again on every use (the service worker, whose updates must reach phones).
    Revalidate,
    Hour,
    Day,
}

impl Keep {
    fn header(self) -> &'static str {
        match self {
            Keep::Revalidate => "no-cache",
            Keep::Hour => "public, max-age=3600",
            Keep::Day => "public, max-age=86400",
        }
    }
}

pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// A built-in file as a response.
pub fn built_in(content_type: &'static str, keep: Keep, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, keep.header()),
        ],
        body,
    )
        .into_response()
}

/// For pages whose every view is access-logged (special-attention lists, a household's record,
/// the access log): neither the browser nor the phone's service worker keeps a copy, so each
/// look goes through the server and its log.
pub fn never_kept() -> tower_http::set_header::SetResponseHeaderLayer<axum::http::HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    )
}
