//! The 15-minute service circle for programs: the facility registry (list, add, import CSV or
//! GeoJSON), a district's coverage (read, compute), a community's metric values, siting
//! suggestions, and neighbourhood centres' ratings. Same operations and permissions as the
//! pages ([`crate::circle::service`]). Shares are percentages with two decimals at most, rounded down.

use std::collections::BTreeMap;

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xingfu_core::Dec2;
use xingfu_core::ops::coords::Datum;
use xingfu_geo::WalkingSpeed;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::{FacilityRow, RatingRow, from_e6};

use crate::app::state::AppState;
use crate::circle::service::areas::{district_of, may_view, prefix_of, viewable_area};
use crate::circle::service::centres::viewable_centre;
use crate::circle::service::coverage::recompute;
use crate::circle::service::facilities::create_facility;
use crate::circle::service::form::{FacilityForm, FieldError};
use crate::circle::service::imports::{ImportFrom, import_facilities};
use crate::circle::service::metrics::circle_metrics;
use crate::circle::service::rating::rate_centre;
use crate::circle::service::siting::{MAX_SITES, SitingOutcome, siting as suggest};
use crate::web::api_answers::{NoRegion, OutsideArea};
use crate::web::api_call::{Api, ApiCreated, ApiResult, created, listed};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::web::api_paths::CommunityPath;

// Answers several of this file's operations share, described once for the OpenAPI document.
crate::error_answers! {
    NotDistrictAdmin: 403, "Not a district or city administrator covering it";
    NoCentre: 404, "No such centre";
}

fn field_errors(errors: Vec<FieldError>) -> ApiError {
    ApiError::bad_request(FieldError::in_one_line(&errors))
}

/// A registered facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityView {
    pub id: String,
    pub name: String,
    /// Function keys: `childcare`, `elderly_care`, `medical`, `food`, `leisure`, `affairs`,
    /// `party_centre`, `party_station`, `volunteer_station`.
    #[schema(example = json!(["elderly_care", "medical"]))]
    pub functions: Vec<String>,
    /// WGS-84 longitude, six decimals.
    pub lon: f64,
    pub lat: f64,
    pub hours: Option<String>,
    pub capacity: Option<i64>,
    pub district_code: String,
    /// The region keeping the record: its community when known, else a street or the district.
    pub region_code: String,
    pub community_code: Option<String>,
    /// `osm`, `csv`, `geojson` or `manual`.
    pub source: String,
    pub source_ref: Option<String>,
    pub centre: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

impl From<FacilityRow> for FacilityView {
    fn from(f: FacilityRow) -> Self {
        FacilityView {
            id: f.id,
            name: f.name,
            functions: f.functions,
            lon: from_e6(f.lon_e6),
            lat: from_e6(f.lat_e6),
            hours: f.hours,
            capacity: f.capacity,
            district_code: f.district_code,
            region_code: f.region_code,
            community_code: f.community_code,
            source: f.source,
            source_ref: f.source_ref,
            centre: f.centre,
            updated_at: f.updated_at,
            updated_by: f.updated_by,
        }
    }
}

/// Facilities kept in an area (a city, district, street or community), by name.
#[utoipa::path(
    get,
    path = "/circle/areas/{code}/facilities",
    operation_id = "circle_facilities",
    tag = "circle",
    params(("code" = String, Path, description = "Region code")),
    responses(
        (status = 200, description = "The facilities", body = Vec<FacilityView>),
        OutsideArea,
        NoRegion,
    )
)]
pub async fn facilities(api: Api, ApiPath(code): ApiPath<String>) -> ApiResult<Vec<FacilityView>> {
    let area = viewable_area(&api.state, &api.user, &code, api.lang)
        .await
        .map_err(api.app())?;
    let rows = api
        .read(api.state.store.facilities_within(prefix_of(&area)))
        .await?;
    listed(rows)
}

/// A facility to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFacilityRequest {
    #[schema(example = "鼓楼社区卫生服务站")]
    pub name: String,
    /// Function keys or names (`elderly_care` or `老有所养`).
    pub functions: Vec<String>,
    #[schema(example = 120.655123)]
    pub lon: f64,
    #[schema(example = 28.012345)]
    pub lat: f64,
    /// `wgs84` (default), `gcj02` or `bd09`: converted to WGS-84 before storing.
    pub datum: Option<String>,
    pub hours: Option<String>,
    pub capacity: Option<u32>,
    /// The community it belongs to; by default the one its position lies in.
    pub community: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// Registers a facility in an area (community workers and the administrators above them).
#[utoipa::path(
    post,
    path = "/circle/areas/{code}/facilities",
    operation_id = "circle_add_facility",
    tag = "circle",
    params(("code" = String, Path, description = "District, street or community code")),
    request_body = NewFacilityRequest,
    responses(
        (status = 201, description = "Registered", body = Created),
        (status = 400, description = "A field is wrong (each named)", body = ErrorBody),
        OutsideArea,
    )
)]
pub async fn add_facility(
    api: Api,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NewFacilityRequest>,
) -> ApiCreated<Created> {
    let form = FacilityForm {
        name: body.name,
        functions: body.functions,
        lon: body.lon.to_string(),
        lat: body.lat.to_string(),
        datum: body.datum.unwrap_or_default(),
        hours: body.hours.unwrap_or_default(),
        capacity: body.capacity.map(|c| c.to_string()).unwrap_or_default(),
        community: body.community.unwrap_or_default(),
    };
    let id = create_facility(&api.state, &api.user, &code, &form, api.lang)
        .await
        .map_err(api.app())?
        .map_err(field_errors)?;
    created(Created { id })
}

/// A registry file to import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The file's text: CSV (id, name, functions, lon, lat, hours, capacity; Chinese or English
    /// headers) or a GeoJSON FeatureCollection, told apart by content.
    pub content: String,
    /// Every row belongs to this community; by default the one each position lies in.
    pub community: Option<String>,
    /// `wgs84` (default), `gcj02` or `bd09`.
    pub datum: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub added: usize,
    pub updated: usize,
    pub skipped: usize,
    /// `csv` or `geojson`.
    pub format: String,
}

/// Imports facilities from a registry file; with any problem (each naming its line or feature)
/// nothing is saved. A row whose id is already registered in the district updates it.
#[utoipa::path(
    post,
    path = "/circle/areas/{code}/facilities/import",
    operation_id = "circle_import_facilities",
    tag = "circle",
    params(("code" = String, Path, description = "District, street or community code")),
    request_body = ImportRequest,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "Problems, each with its line or feature", body = ErrorBody),
        OutsideArea,
    )
)]
pub async fn import(
    api: Api,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ImportRequest>,
) -> ApiResult<ImportResult> {
    let datum = Datum::parse(body.datum.as_deref().unwrap_or("wgs84")).ok_or_else(|| {
        ApiError::bad_request(api.lang.pick(
            "datum:须为 wgs84、gcj02 或 bd09",
            "datum: must be wgs84, gcj02 or bd09",
        ))
    })?;
    let done = import_facilities(
        &api.state,
        &api.user,
        &code,
        ImportFrom::Upload(body.content.into_bytes()),
        body.community.as_deref(),
        datum,
        api.lang,
    )
    .await
    .map_err(api.app())?
    .map_err(|problems| ApiError::bad_request(problems.join("; ")))?;
    Ok(Json(ImportResult {
        added: done.added,
        updated: done.updated,
        skipped: done.skipped,
        format: done.format.to_string(),
    }))
}

/// One area's share of homes within 15 minutes of one function.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    /// A community code, or the district's code for all the run's homes.
    pub area_code: String,
    /// A function key, or `all_six`.
    pub function: String,
    pub covered: i64,
    pub total: i64,
    /// Percent, rounded down to hundredths.
    #[schema(value_type = f64, example = 72.47)]
    pub share: Dec2,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub district_code: String,
    pub computed_at: i64,
    pub computed_by: String,
    pub network: String,
    pub minutes: i64,
    pub speed_m_per_h: i64,
    /// `communities` (homes inside the district's community boundaries) or `extract` (no
    /// boundary known: every home of the network).
    pub scope: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageView {
    /// None until the district's coverage is computed.
    pub run: Option<RunView>,
    pub shares: Vec<ShareView>,
}

fn run_view(run: xingfu_store::facilities::CircleRun) -> RunView {
    RunView {
        district_code: run.district_code,
        computed_at: run.computed_at,
        computed_by: run.computed_by,
        network: run.network,
        minutes: run.minutes,
        speed_m_per_h: run.speed_m_per_h,
        scope: run.scope,
    }
}

/// The stored coverage of an area: its district's run and the shares of the area (a
/// district: the district and its communities; a street or community: its communities).
#[utoipa::path(
    get,
    path = "/circle/areas/{code}/coverage",
    operation_id = "circle_coverage",
    tag = "circle",
    params(("code" = String, Path, description = "District, street or community code")),
    responses(
        (status = 200, description = "The stored figures", body = CoverageView),
        OutsideArea,
        NoRegion,
    )
)]
pub async fn coverage(api: Api, ApiPath(code): ApiPath<String>) -> ApiResult<CoverageView> {
    let area = viewable_area(&api.state, &api.user, &code, api.lang)
        .await
        .map_err(api.app())?;
    let district = district_of(&area).ok_or_else(|| ApiError::not_found(api.lang))?;
    let run = api.read(api.state.store.circle_run(&district)).await?;
    let shares = api
        .read(api.state.store.circle_coverage_of_district(&district))
        .await?
        .into_iter()
        .filter(|r| {
            (area.level == "district" && r.area_code == district)
                || (r.area_code != district
                    && xingfu_core::region::within(&r.area_code, &area.code, &area.level))
        })
        .map(|r| ShareView {
            area_code: r.area_code,
            function: r.function,
            covered: r.covered,
            total: r.total,
            share: Dec2(r.share),
        })
        .collect();
    Ok(Json(CoverageView {
        run: run.map(run_view),
        shares,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeRequest {
    /// Walking speed in km/h, 0.5–20 (default 4: 1000 m in 15 minutes).
    #[schema(example = "3.2")]
    pub speed_kmh: Option<String>,
}

/// Computes a district's coverage again from the server's street network and its registered
/// facilities, and stores it (district and city administrators).
#[utoipa::path(
    post,
    path = "/circle/districts/{code}/coverage",
    operation_id = "circle_compute",
    tag = "circle",
    params(("code" = String, Path, description = "District code")),
    request_body = ComputeRequest,
    responses(
        (status = 200, description = "Computed and stored", body = RunView),
        (status = 400, description = "Not a district, or a bad speed", body = ErrorBody),
        NotDistrictAdmin,
        (status = 409, description = "The server has no street network, or not this district's", body = ErrorBody),
    )
)]
pub async fn compute(
    api: Api,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ComputeRequest>,
) -> ApiResult<RunView> {
    let speed = match body.speed_kmh.as_deref().map(str::trim) {
        None | Some("") => WalkingSpeed::DEFAULT,
        Some(text) => Dec2::parse(text)
            .ok()
            .and_then(|kmh| WalkingSpeed::from_km_per_hour(kmh).ok())
            .ok_or_else(|| {
                ApiError::bad_request(api.lang.pick(
                    "speed_kmh:须在 0.5–20 之间",
                    "speed_kmh: must be within 0.5–20",
                ))
            })?,
    };
    let run = recompute(&api.state, &api.user, &code, speed, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(run_view(run)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CircleMetric {
    /// `circle.share_within_15min`, `circle.all_six.share` or `circle.<function>.share`.
    #[schema(example = "circle.share_within_15min")]
    pub key: String,
    /// Percent, rounded down to hundredths.
    #[schema(value_type = f64, example = 83.33)]
    pub value: Dec2,
}

/// A community's circle figures as the metric values standards reference (empty until its
/// district's coverage is computed with the community's boundary known).
#[utoipa::path(
    get,
    path = "/communities/{code}/circle-metrics",
    operation_id = "circle_metrics",
    tag = "circle",
    params(CommunityPath),
    responses(
        (status = 200, description = "The values", body = Vec<CircleMetric>),
        OutsideArea,
    )
)]
pub async fn metrics(
    api: Api,
    ApiPath(CommunityPath { code }): ApiPath<CommunityPath>,
) -> ApiResult<Vec<CircleMetric>> {
    if !may_view(&api.user, &code) {
        return Err(ApiError::forbidden(
            api.lang,
            "只有管辖该社区的工作人员可以查看",
            "only staff covering the community see its figures",
        ));
    }
    let values = circle_metrics(&api.state, &code).await.map_err(api.app())?;
    Ok(Json(
        values
            .into_iter()
            .map(|(key, value)| CircleMetric { key, value })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SitingQuery {
    /// The function key (`elderly_care` …).
    pub function: String,
    /// How many sites, 1–10 (default 3).
    pub count: Option<usize>,
}

/// Where new facilities of a function would bring the most homes within 15 minutes (greedy
/// maximal coverage), with the gain of each. For a district: its homes, every street-network
/// node a candidate. For a street (its code in the same path): only the homes inside its
/// communities' boundaries, and candidates only inside them; every facility of the district
/// counts.
#[utoipa::path(
    get,
    path = "/circle/districts/{code}/siting",
    operation_id = "circle_siting",
    tag = "circle",
    params(("code" = String, Path, description = "District or street code"), SitingQuery),
    responses(
        (status = 200, description = "The suggestions, in the order picked", body = SitingOutcome),
        (status = 400, description = "Unknown function, a count outside 1–10, or not a district or street", body = ErrorBody),
        OutsideArea,
        (status = 409, description = "The server has no street network", body = ErrorBody),
    )
)]
pub async fn siting(
    api: Api,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<SitingQuery>,
) -> ApiResult<SitingOutcome> {
    let function = ServiceFunction::parse(&query.function).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{}{}",
            api.lang
                .pick("未知的服务功能：", "unknown service function: "),
            query.function
        ))
    })?;
    let count = query.count.unwrap_or(3);
    if !(1..=MAX_SITES).contains(&count) {
        return Err(ApiError::bad_request(api.lang.text(
            format!("count：须在 1 到 {MAX_SITES} 之间"),
            format!("count: must be from 1 to {MAX_SITES}"),
        )));
    }
    let outcome = suggest(&api.state, &api.user, &code, function, count, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(outcome))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    pub id: String,
    pub facility_id: String,
    pub community_code: String,
    pub year: i64,
    pub standard_id: String,
    pub standard_version: String,
    #[schema(value_type = f64, example = 81.5)]
    pub total: Dec2,
    pub star: i64,
    /// The answers and where each came from (`entered`, `platform`, `survey:<round>`,
    /// `circle`), as stored.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// The scorecard (categories, clauses, next star), as stored.
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
    pub rated_by: String,
    pub rated_at: i64,
}

impl From<RatingRow> for RatingView {
    fn from(r: RatingRow) -> Self {
        RatingView {
            answers: serde_json::from_str(&r.answers_json).unwrap_or_default(),
            result: serde_json::from_str(&r.result_json).unwrap_or_default(),
            id: r.id,
            facility_id: r.facility_id,
            community_code: r.community_code,
            year: r.year,
            standard_id: r.standard_id,
            standard_version: r.standard_version,
            total: Dec2(r.total),
            star: r.star,
            rated_by: r.rated_by,
            rated_at: r.rated_at,
        }
    }
}

/// A centre's ratings, newest first.
#[utoipa::path(
    get,
    path = "/circle/centres/{id}/ratings",
    operation_id = "circle_centre_ratings",
    tag = "circle",
    params(("id" = String, Path, description = "The centre's facility id")),
    responses(
        (status = 200, description = "The ratings", body = Vec<RatingView>),
        OutsideArea,
        NoCentre,
    )
)]
pub async fn ratings(api: Api, ApiPath(id): ApiPath<String>) -> ApiResult<Vec<RatingView>> {
    viewable_centre(&api.state, &api.user, &id, api.lang)
        .await
        .map_err(api.app())?;
    let rows = api.read(api.state.store.centre_ratings(&id)).await?;
    listed(rows)
}

/// One clause's answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseAnswer {
    /// For met / not met clauses.
    pub met: Option<bool>,
    /// Points (graded), a count (numeric) or a rate in percent (survey).
    #[schema(value_type = Option<f64>)]
    pub number: Option<Dec2>,
    /// For counts and rates: `platform` (the platform's figure for the year), `survey:<round
    /// id>` (that round's satisfaction rate) or `entered` (default: `number`).
    pub source: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    pub year: i64,
    /// By clause id; clauses left out are not assessed. The circle clause is always the
    /// platform's.
    pub answers: BTreeMap<String, ClauseAnswer>,
}

/// Rates a centre with the fengze-centre standard (district and city administrators) and
/// stores the rating.
#[utoipa::path(
    post,
    path = "/circle/centres/{id}/ratings",
    operation_id = "circle_rate_centre",
    tag = "circle",
    params(("id" = String, Path, description = "The centre's facility id")),
    request_body = RateRequest,
    responses(
        (status = 201, description = "Scored and stored", body = RatingView),
        (status = 400, description = "An answer does not fit its clause (each named)", body = ErrorBody),
        NotDistrictAdmin,
        NoCentre,
    )
)]
pub async fn rate(
    api: Api,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RateRequest>,
) -> ApiCreated<RatingView> {
    let mut fields = vec![("year".to_string(), body.year.to_string())];
    for (clause, answer) in body.answers {
        let value = match (answer.met, answer.number) {
            (Some(true), _) => "yes".to_string(),
            (Some(false), _) => "no".to_string(),
            (None, Some(n)) => n.to_string(),
            (None, None) => String::new(),
        };
        fields.push((format!("c.{clause}"), value));
        if let Some(source) = answer.source {
            fields.push((format!("src.{clause}"), source));
        }
    }
    let row = rate_centre(&api.state, &api.user, &id, &fields, api.lang)
        .await
        .map_err(api.app())?
        .map_err(field_errors)?;
    created(row.into())
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(facilities, add_facility))
        .routes(routes!(import))
        .routes(routes!(coverage))
        .routes(routes!(compute))
        .routes(routes!(siting))
        .routes(routes!(metrics))
        .routes(routes!(ratings, rate))
}
