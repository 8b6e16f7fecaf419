//! Read your own writes: every form or API call that changes something and succeeds leaves a
//! short-lived cookie with the time, and a request carrying a recent one reads from the
//! primary database, never from a lagging replica (see [`crate::app::reads`]).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;

use crate::app::clock::now_ms;
use crate::app::reads::{Freshness, OWN_WRITES_MS, freshness_after};
use crate::app::state::AppState;

/// The cookie holding the time (ms) of the person's last successful write.
pub const WROTE_COOKIE: &str = "xf_wrote";

/// Marks responses to successful writes (any method but GET, HEAD and OPTIONS, answered below
/// 400) with the time.
pub async fn mark_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = next.run(request).await;
    if writes && response.status().as_u16() < 400 {
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{WROTE_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            now_ms(),
            OWN_WRITES_MS / 1000
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Freshness {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let wrote = jar
            .get(WROTE_COOKIE)
            .and_then(|c| c.value().parse::<i64>().ok());
        Ok(freshness_after(wrote))
    }
}
