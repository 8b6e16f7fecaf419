//! Routes that share a long path prefix (`/rounds/{round}/communities/{code}`), written once.
//!
//! Not `Router::nest`: a nested router sees the request's path with the prefix taken off, and
//! the sign-in redirect reads that path to come back to the page.

use axum::Router;
use axum::routing::MethodRouter;

use crate::app::state::AppState;

pub trait PrefixedRoutes {
    /// Adds each `(path, methods)` at `prefix` + `path` (`""` for the prefix itself).
    fn under<'a>(
        self,
        prefix: &str,
        routes: impl IntoIterator<Item = (&'a str, MethodRouter<AppState>)>,
    ) -> Self;
}

impl PrefixedRoutes for Router<AppState> {
    fn under<'a>(
        self,
        prefix: &str,
        routes: impl IntoIterator<Item = (&'a str, MethodRouter<AppState>)>,
    ) -> Self {
        routes.into_iter().fold(self, |router, (path, methods)| {
            router.route(&format!("{prefix}{path}"), methods)
        })
    }
}
