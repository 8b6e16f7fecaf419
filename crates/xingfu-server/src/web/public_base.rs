//! The site's own address, for links printed on paper.

use axum::http::{HeaderMap, header};

use crate::app::state::AppState;

/// The site's absolute address for links that leave it (resident links, QR codes on posters
/// and documents, Open311's photo links): `XINGFU_PUBLIC_URL` when set, else the request's host.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Ok(url) = std::env::var("XINGFU_PUBLIC_URL")
        && !url.trim().is_empty()
    {
        return url.trim().trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
