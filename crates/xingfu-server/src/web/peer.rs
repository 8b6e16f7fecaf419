//! The sender's network address, for pages and API routes that record where an answer came
//! from.

use std::net::IpAddr;

/// The sender's network address: the connection's peer, or, when the peer is a reverse proxy on
/// this machine (loopback), the address that proxy put last in `X-Forwarded-For`. Other
/// `X-Forwarded-For` values are ignored: a sender could write anything there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = peer.filter(IpAddr::is_loopback).and_then(|_| {
            parts
                .headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse::<IpAddr>()
                .ok()
        });
        Ok(PeerAddress(forwarded.or(peer)))
    }
}
