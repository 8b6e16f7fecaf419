//! Path parameters that several features' API routes share, described once for the OpenAPI
//! document: the handler's `ApiPath` reads the same struct the document names.

use serde::Deserialize;
use utoipa::IntoParams;

/// `…/rounds/{id}/…/{code}`: one community in a round (its entry, its survey).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundCommunityPath {
    /// Round id
    pub id: String,
    /// Community code
    pub code: String,
}

/// `…/rounds/{id}…`: one round.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundPath {
    /// Round id
    pub id: String,
}

/// `…/communities/{code}/…`: one community.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommunityPath {
    /// Community code
    pub code: String,
}
