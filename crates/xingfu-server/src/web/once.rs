//! Forms sent with an `Idempotency-Key` header are saved once, however often they arrive.
//!
//! The phone's service worker (see `crate::offline`) sends every form it may have to resend with
//! a key: a form queued without signal and sent later, or a send whose answer was lost on a weak
//! connection. The first request with a key claims it; if it ends in a redirect (the form was
//! saved), the redirect's target answers every repeat; if it ends otherwise (the form came back
//! with errors), the key is freed for the corrected send. A repeat that arrives while the first
//! is still being handled is told so (409) and the phone tries again later.
//!
//! Requests without the header (a browser without the service worker) pass untouched.

use axum::extract::OptionalFromRequestParts;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use xingfu_store::submissions::Claim;

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A key as the service worker makes them (a UUID) or any client may: 16 to 100 letters,
/// digits, `-` and `_`.
fn valid_key(key: &str) -> bool {
    (16..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn key_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.to_str().unwrap_or(""))
}

pub async fn once_per_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = key_of(request.headers()).map(str::to_string) else {
        return next.run(request).await;
    };
    let lang = Lang::from_jar(&CookieJar::from_headers(request.headers()));
    if !valid_key(&key) {
        return AppError::BadRequest(lang.text(
            "Idempotency-Key 须为 16 到 100 个字母、数字、“-”或“_”",
            "the Idempotency-Key must be 16 to 100 letters, digits, '-' or '_'",
        ))
        .into_response();
    }
    let (mut parts, body) = request.into_parts();
    let user =
        <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, &state)
            .await
            .unwrap_or(None);
    let request = Request::from_parts(parts, body);
    // Not signed in: the handler sends the person to sign in and nothing is saved.
    let Some(user) = user else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_string();
    let claim = state
        .store
        .claim_submission(&key, &user.user.username, &path, now_ms())
        .await;
    match claim {
        Err(e) => AppError::from(e).into_response(),
        Ok(Claim::Answered(location)) => Redirect::to(&location).into_response(),
        Ok(Claim::InProgress) => AppError::Conflict(lang.text(
            "这份内容正在保存，请稍后再看",
            "this form is being saved right now; look again in a moment",
        ))
        .into_response(),
        Ok(Claim::Mismatch) => AppError::BadRequest(lang.text(
            "这个 Idempotency-Key 已用于另一份内容，没有保存",
            "this Idempotency-Key was used for something else; nothing was saved",
        ))
        .into_response(),
        Ok(Claim::First) => {
            let response = next.run(request).await;
            let location = response
                .status()
                .is_redirection()
                .then(|| response.headers().get(header::LOCATION))
                .flatten()
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let recorded = match location {
                Some(location) => state.store.settle_submission(&key, &location).await,
                None => state.store.release_submission(&key).await,
            };
            match recorded {
                Ok(()) => response,
                Err(e) => AppError::from(e).into_response(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_are_uuids_or_alike() {
        assert!(valid_key("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(valid_key(&"a".repeat(16)));
        assert!(!valid_key(&"a".repeat(15)));
        assert!(valid_key(&"a".repeat(100)));
        assert!(!valid_key(&"a".repeat(101)));
        assert!(!valid_key("0f8fad5b d9cb 469f a165 70867728950e"));
        assert!(!valid_key("钥匙钥匙钥匙钥匙钥匙钥匙钥匙钥匙"));
    }
}
