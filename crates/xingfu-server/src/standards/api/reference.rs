//! Reference data every signed-in user may read: regions and the stored standards.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use xingfu_store::regions::RegionRow;

use super::NoStandardVersion;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::api_answers::NoRegion;
use crate::web::api_call::{Api, ApiResult, listed};
use crate::web::api_error::{ApiError, ApiPath, store};

/// A division of the administrative hierarchy.
#[derive(Debug, Serialize, ToSchema)]
pub struct Region {
    /// 12-digit national statistical division code.
    #[schema(example = "330302006000")]
    pub code: String,
    #[schema(example = "五马街道")]
    pub name: String,
    /// `province`, `city`, `district`, `street` or `community`.
    #[schema(example = "street")]
    pub level: String,
    pub parent: Option<String>,
    /// The statistical urban-rural classification code, when known.
    pub urban_rural: Option<String>,
}

impl From<RegionRow> for Region {
    fn from(row: RegionRow) -> Region {
        Region {
            code: row.code,
            name: row.name,
            level: row.level,
            parent: row.parent,
            urban_rural: row.urban_rural,
        }
    }
}

/// The region with this code, or 404.
async fn known_region(state: &AppState, code: &str, lang: Lang) -> Result<RegionRow, ApiError> {
    state
        .store
        .region(code)
        .await
        .map_err(store(lang))?
        .ok_or_else(|| ApiError::not_found(lang))
}

/// One region by its code.
#[utoipa::path(
    get,
    path = "/regions/{code}",
    operation_id = "region",
    tag = "reference",
    params(("code" = String, Path, description = "12-digit division code")),
    responses(
        (status = 200, description = "The region", body = Region),
        NoRegion,
    )
)]
pub async fn region(api: Api, ApiPath(code): ApiPath<String>) -> ApiResult<Region> {
    Ok(Json(
        known_region(&api.state, &code, api.lang).await?.into(),
    ))
}

/// The regions directly inside one region, by code.
#[utoipa::path(
    get,
    path = "/regions/{code}/children",
    operation_id = "region_children",
    tag = "reference",
    params(("code" = String, Path, description = "12-digit division code")),
    responses(
        (status = 200, description = "The regions one level down", body = Vec<Region>),
        NoRegion,
    )
)]
pub async fn children(api: Api, ApiPath(code): ApiPath<String>) -> ApiResult<Vec<Region>> {
    known_region(&api.state, &code, api.lang).await?;
    let rows = api.read(api.state.store.children(&code)).await?;
    listed(rows)
}

/// A standard version kept in the database.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardSummary {
    #[schema(example = "lucheng-2012")]
    pub id: String,
    #[schema(example = "2012.1")]
    pub version: String,
    pub name: String,
    pub name_en: Option<String>,
    pub programme: String,
}

/// Every standard version stored in this database, shipped or imported: the ones a round can
/// run on. A stored version that no longer reads as a standard is left out (and logged).
#[utoipa::path(
    get,
    path = "/standards",
    operation_id = "standards",
    tag = "reference",
    responses(
        (status = 200, description = "Stored standard versions, by id, oldest first", body = Vec<StandardSummary>),
    )
)]
pub async fn standards(api: Api) -> ApiResult<Vec<StandardSummary>> {
    let stored = api.read(api.state.store.stored_standards()).await?;
    let mut out = Vec::with_capacity(stored.len());
    for version in stored {
        match api.state.standard(&version.id, &version.version).await {
            Ok(standard) => out.push(StandardSummary {
                id: standard.id.clone(),
                version: standard.version.clone(),
                name: standard.name.clone(),
                name_en: standard.name_en.clone(),
                programme: standard.programme.clone(),
            }),
            Err(AppError::Internal(error)) => tracing::error!("{error:#}"),
            Err(e) => return Err(ApiError::from_app(e, api.lang)),
        }
    }
    Ok(Json(out))
}

/// One standard version as the rules read it: categories → items → clauses (with how each is
/// judged, points, effort and veto), star levels and approval, rewards, targets and notes.
#[utoipa::path(
    get,
    path = "/standards/{id}/{version}",
    operation_id = "standard",
    tag = "reference",
    params(
        ("id" = String, Path, description = "Standard id, e.g. lucheng-2012"),
        ("version" = String, Path, description = "Version, e.g. 2012.1"),
    ),
    responses(
        (status = 200, description = "The parsed standard (the model of docs/standard-format.md)",
         body = Object),
        NoStandardVersion,
    )
)]
pub async fn standard(
    api: Api,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> ApiResult<serde_json::Value> {
    let standard = api.state.standard(&id, &version).await.map_err(api.app())?;
    serde_json::to_value(&*standard)
        .map(Json)
        .map_err(|e| ApiError::from_app(AppError::Internal(e.into()), api.lang))
}
