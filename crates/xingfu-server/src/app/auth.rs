//! Passwords (argon2id), database sessions, CSRF tokens and login throttling.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use xingfu_core::workflow::{Actor, Role};
use xingfu_store::accounts::UserRow;

use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "xingfu_session";
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per user name in the window before it is locked for the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token: 256 bits as hex.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// The signed-in user, their session's CSRF token, and what their role covers.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub role: Role,
    pub region_level: String,
    pub region_name: String,
    pub csrf: String,
    /// Unread notifications, for the bell (read with the session).
    pub unread: i64,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            role: self.role,
            region: &self.user.region_code,
            region_level: &self.region_level,
        }
    }

    /// May this user see the community's entry, score card and change log? Anyone whose area
    /// covers it (the community page's rule).
    pub fn may_view(&self, community: &str, lang: Lang) -> Result<(), AppError> {
        if self.actor().covers(community) {
            Ok(())
        } else {
            Err(AppError::Forbidden(lang.text(
                format!("社区 {community} 不在您的管辖范围内"),
                format!("community {community} is outside your area"),
            )))
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden("csrf".into()))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Not signed in: pages send the browser to the sign-in page.
pub struct SignInFirst(String);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `target` when it is a path on this site, safe to send the browser to after signing in or
/// changing a preference; `None` otherwise. It starts with one `/`; neither it nor its path
/// percent-decoded holds a `\`, a control character or whitespace or starts with `//`:
/// browsers read `/\evil.example` as `//evil.example` (another site) and drop tabs and line
/// breaks from addresses, so `/<TAB>/evil.example` would become one too.
pub fn same_site_path(target: &str) -> Option<&str> {
    // The query may carry encoded spaces; the path itself never does.
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let safe = |path: &str| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    };
    (safe(target) && safe(&decoded)).then_some(target)
}

/// The person a session token belongs to, and when the session ends; `None` for an unknown or
/// ended session, or an account whose role or region no longer exists. The pages' cookie and
/// the API's bearer token both come here.
pub async fn session_user(
    state: &AppState,
    token: &str,
) -> Result<Option<(CurrentUser, i64)>, xingfu_store::StoreError> {
    let Some((session, user)) = state.store.session(token, now_ms()).await? else {
        return Ok(None);
    };
    Ok(person(state, user, session.csrf_token, session.unread)
        .await?
        .map(|user| (user, session.expires_at)))
}

/// An account as the person the services act for (no session: the sweep, the demo loader);
/// `None` when its role or region no longer exists.
pub async fn person(
    state: &AppState,
    user: UserRow,
    csrf: String,
    unread: i64,
) -> Result<Option<CurrentUser>, xingfu_store::StoreError> {
    let Some(role) = Role::parse(&user.role) else {
        return Ok(None);
    };
    let Some(region) = state.store.region(&user.region_code).await? else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        user,
        role,
        region_level: region.level,
        region_name: region.name,
        csrf,
        unread,
    }))
}

async fn current_user(parts: &Parts, state: &AppState) -> Option<CurrentUser> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE)?.value().to_string();
    let (user, _) = session_user(state, &token).await.ok()??;
    Some(user)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = SignInFirst;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        current_user(parts, state).await.ok_or(SignInFirst(path))
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(current_user(parts, state).await)
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time_hours(SESSION_HOURS))
        .build()
}

fn time_hours(hours: i64) -> cookie::time::Duration {
    cookie::time::Duration::hours(hours)
}

/// Outcome of a sign-in attempt.
pub enum SignIn {
    Ok { token: String },
    Wrong,
    Throttled,
}

/// Checks a user name and password, with throttling, and opens a session on success.
pub async fn sign_in(state: &AppState, username: &str, password: &str) -> Result<SignIn, AppError> {
    let now = now_ms();
    let store = &state.store;
    // Reserved before the password is checked, so parallel guesses cannot outrun the count.
    if !store
        .reserve_login_attempt(username, now, now - FAILURE_WINDOW_MS, MAX_FAILURES)
        .await?
    {
        return Ok(SignIn::Throttled);
    }
    let user = store.user_by_username(username).await?;
    let ok = match &user {
        Some(user) if !user.disabled => verify_password(password, &user.password_hash),
        // Spend the same time for unknown users, so timing does not reveal which names exist.
        _ => {
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    if ok {
        store.record_login_attempt(username, now, true).await?;
    }
    match (ok, user) {
        (true, Some(user)) => {
            let token = random_token();
            store
                .create_session(
                    &token,
                    &user.id,
                    &random_token(),
                    now,
                    now + SESSION_HOURS * 3_600_000,
                )
                .await?;
            Ok(SignIn::Ok { token })
        }
        _ => Ok(SignIn::Wrong),
    }
}

/// An argon2id hash of a random password, for the unknown-user path.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$K4oUQBjv6Dx1ABYLvrzN07W+OeRSvf3+1wFsAymM2Xs";

#[cfg(test)]
mod tests {
    use super::same_site_path;

    #[test]
    fn only_same_site_paths_are_redirect_targets() {
        for good in [
            "/rounds",
            "/rounds/abc/communities/330302006044?tab=1#top",
            "/",
            "/surveys/%E9%BC%93",
            "/rounds?q=%E9%BC%93%20%E6%A5%BC",
        ] {
            assert_eq!(same_site_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "rounds",
            "//evil.example/x",
            "/\\evil.example/x",
            "\\\\evil.example",
            "/%5Cevil.example/x",
            "/%5cevil.example/x",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\u{3000}/evil.example",
            "/\u{85}/evil.example",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
        }
    }
}
