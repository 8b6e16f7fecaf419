//! Special-attention lists, households, visits and the access log for programs. Reading a list
//! or a household's record writes an access-log row, here as on the pages.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::dates::Moment;
use xingfu_core::ops::visits::AttentionCategory;
use xingfu_store::visits::{AccessRow, AttentionRow, HouseholdRow, VisitRow};

use super::errors::{FieldWrong, NoHousehold, NotInCare, identity, refused};
use crate::i18n::Lang;
use crate::people::service::{self as people, HouseholdInput, VisitInput};
use crate::web::api_call::{Api, ApiCreated, ApiResult, created, listed};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};

/// One list in numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListCount {
    /// `elderly_alone`, `disabled`, `low_income`, `left_behind_child`, `left_behind_woman` or
    /// `left_behind_elderly`.
    #[schema(example = "elderly_alone")]
    pub category: String,
    #[schema(example = "独居老人")]
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityCount {
    pub community_code: String,
    pub counts: Vec<ListCount>,
}

/// The special-attention lists as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttentionOverview {
    /// The caller's operations role: `grid_member`, `building_head`, `community_worker`,
    /// `street_admin`, `district_admin`, `city_admin` or `resident`.
    #[schema(example = "grid_member")]
    pub role: String,
    /// Whether the caller may see names (else counts only).
    pub names_visible: bool,
    /// Every list the caller has access to, for their whole area. Empty: no access.
    pub counts: Vec<ListCount>,
    /// Per community, for administrators who see counts.
    pub communities: Vec<CommunityCount>,
}

fn list_count(lang: Lang, category: AttentionCategory, count: usize) -> ListCount {
    ListCount {
        category: category.key().to_string(),
        name: lang.pick(category.zh(), category.en()).to_string(),
        count: i64::try_from(count).unwrap_or(i64::MAX),
    }
}

/// The special-attention lists in numbers (logged as a view).
#[utoipa::path(
    get,
    path = "/attention",
    operation_id = "attention_counts",
    tag = "visits",
    responses(
        (status = 200, description = "Counts per list", body = AttentionOverview),
        (status = 403, description = "An assessor account", body = ErrorBody),
    )
)]
pub async fn attention_counts(api: Api) -> ApiResult<AttentionOverview> {
    let who = identity(&api).await?;
    let (total, per_community) = people::attention_counts(&api.state, &who)
        .await
        .map_err(api.app())?;
    Ok(Json(AttentionOverview {
        role: who.role.key().to_string(),
        names_visible: who.sees_names(),
        counts: total
            .into_iter()
            .map(|(c, n)| list_count(api.lang, c, n))
            .collect(),
        communities: if who.sees_names() {
            Vec::new()
        } else {
            per_community
                .into_iter()
                .map(|c| CommunityCount {
                    community_code: c.community_code,
                    counts: c
                        .counts
                        .into_iter()
                        .map(|(cat, n)| list_count(api.lang, cat, n))
                        .collect(),
                })
                .collect()
        },
    }))
}

/// A person on a special-attention list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttentionEntry {
    pub id: String,
    pub household_id: String,
    pub community_code: String,
    pub grid: Option<String>,
    pub building: Option<String>,
    pub address: String,
    /// Name or form of address.
    pub person: String,
    pub category: String,
    pub note: Option<String>,
    pub added_at: i64,
}

impl From<AttentionRow> for AttentionEntry {
    fn from(r: AttentionRow) -> Self {
        AttentionEntry {
            id: r.id,
            household_id: r.household_id,
            community_code: r.community_code,
            grid: r.grid_id,
            building: r.building,
            address: r.address,
            person: r.person,
            category: r.category,
            note: r.note,
            added_at: r.added_at,
        }
    }
}

/// The named entries of one list the caller may see (logged as a view).
#[utoipa::path(
    get,
    path = "/attention/{category}",
    operation_id = "attention_list",
    tag = "visits",
    params(("category" = String, Path, description = "The list: elderly_alone, disabled, low_income, left_behind_child, left_behind_woman or left_behind_elderly")),
    responses(
        (status = 200, description = "The entries the caller may see", body = Vec<AttentionEntry>),
        (status = 403, description = "The caller sees counts only, or not this list", body = ErrorBody),
        (status = 404, description = "No such list", body = ErrorBody),
    )
)]
pub async fn attention_list(
    api: Api,
    ApiPath(category): ApiPath<String>,
) -> ApiResult<Vec<AttentionEntry>> {
    let category =
        AttentionCategory::parse(&category).ok_or_else(|| ApiError::not_found(api.lang))?;
    let who = identity(&api).await?;
    let rows = people::attention_list(&api.state, &who, category, api.lang)
        .await
        .map_err(api.app())?;
    listed(rows)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Household {
    pub id: String,
    pub community_code: String,
    pub grid: Option<String>,
    pub building: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
}

impl From<HouseholdRow> for Household {
    fn from(h: HouseholdRow) -> Self {
        Household {
            id: h.id,
            community_code: h.community_code,
            grid: h.grid_id,
            building: h.building,
            address: h.address,
            contact_name: h.contact_name,
            phone: h.phone,
            created_at: h.created_at,
        }
    }
}

/// A household to register. Only what the work needs: no identity numbers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHouseholdRequest {
    /// Door number within the community, 1–100 characters.
    #[schema(example = "3幢2单元401")]
    pub address: String,
    /// Grid id; a grid member must give one of their own grids.
    pub grid: Option<String>,
    pub building: Option<String>,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
}

/// Registers a household in the caller's community (grid members and community workers).
#[utoipa::path(
    post,
    path = "/households",
    operation_id = "create_household",
    tag = "visits",
    request_body = NewHouseholdRequest,
    responses(
        (status = 201, description = "Registered", body = Household),
        FieldWrong,
        (status = 403, description = "The caller keeps no households", body = ErrorBody),
    )
)]
pub async fn create_household(
    api: Api,
    ApiJson(body): ApiJson<NewHouseholdRequest>,
) -> ApiCreated<Household> {
    let who = identity(&api).await?;
    let input = HouseholdInput {
        address: body.address,
        contact_name: body.contact_name.unwrap_or_default(),
        phone: body.phone.unwrap_or_default(),
        grid: body.grid.unwrap_or_default(),
        building: body.building.unwrap_or_default(),
    };
    let row = people::create_household(&api.state, &who, &input, api.lang)
        .await
        .map_err(refused(api.lang))?;
    created(row.into())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub seq: i64,
    pub what: String,
    pub due: Option<i64>,
    pub done_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Visit {
    pub id: String,
    pub household_id: String,
    pub visitor_id: String,
    pub visitor_name: Option<String>,
    pub visited_at: i64,
    /// `care_visit`, `routine`, `safety_check`, `policy_promotion`, `opinion_gathering` or
    /// `other`.
    pub purpose: String,
    pub notes: String,
    pub follow_ups: Vec<FollowUp>,
}

impl From<VisitRow> for Visit {
    fn from(v: VisitRow) -> Self {
        Visit {
            id: v.id,
            household_id: v.household_id,
            visitor_id: v.visitor_id,
            visitor_name: v.visitor_name,
            visited_at: v.visited_at,
            purpose: v.purpose,
            notes: v.notes,
            follow_ups: v
                .follow_ups
                .into_iter()
                .map(|f| FollowUp {
                    seq: f.seq,
                    what: f.what,
                    due: f.due,
                    done_at: f.done_at,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdRecord {
    pub household: Household,
    pub attention: Vec<AttentionEntry>,
    /// Newest first.
    pub visits: Vec<Visit>,
}

/// A household's record: the household, its people on lists, its visits (logged as a view).
#[utoipa::path(
    get,
    path = "/households/{id}",
    operation_id = "household",
    tag = "visits",
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "The record", body = HouseholdRecord),
        NotInCare,
        NoHousehold,
    )
)]
pub async fn household(api: Api, ApiPath(id): ApiPath<String>) -> ApiResult<HouseholdRecord> {
    let who = identity(&api).await?;
    let record = people::household_record(&api.state, &who, &id, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(HouseholdRecord {
        household: record.household.into(),
        attention: record.attention.into_iter().map(Into::into).collect(),
        visits: record.visits.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollowUp {
    pub what: String,
    /// Unix milliseconds, not before the visit (2000–2100).
    #[schema(value_type = Option<i64>)]
    pub due: Option<Moment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisitRequest {
    /// When the visit took place (Unix milliseconds, not in the future, from 2000).
    #[schema(value_type = i64)]
    pub visited_at: Moment,
    #[schema(example = "care_visit")]
    pub purpose: String,
    /// At most 2000 characters.
    pub notes: String,
    #[serde(default)]
    pub follow_ups: Vec<NewFollowUp>,
}

/// Records a visit to a household, with its follow-ups (its grid member or community staff).
#[utoipa::path(
    post,
    path = "/households/{id}/visits",
    operation_id = "record_visit",
    tag = "visits",
    params(("id" = String, Path, description = "Household id")),
    request_body = NewVisitRequest,
    responses(
        (status = 201, description = "Recorded", body = Visit),
        (status = 400, description = "A field is wrong (a time in the future, notes too long, an empty follow-up…)", body = ErrorBody),
        NotInCare,
        NoHousehold,
    )
)]
pub async fn record_visit(
    api: Api,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewVisitRequest>,
) -> ApiCreated<Visit> {
    let who = identity(&api).await?;
    let input = VisitInput {
        visited_at: body.visited_at.unix_ms(),
        purpose: body.purpose,
        notes: body.notes,
        follow_ups: body
            .follow_ups
            .into_iter()
            .map(|f| (f.what, f.due.map(Moment::unix_ms)))
            .collect(),
    };
    let row = people::record_visit(&api.state, &who, &id, &input, api.lang)
        .await
        .map_err(refused(api.lang))?;
    created(row.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// One community's rows.
    pub community: Option<String>,
    /// One viewer's rows (user name).
    pub username: Option<String>,
    /// `attention_counts`, `attention_list`, `household_list`, `household` or
    /// `todo_follow_ups`.
    pub subject: Option<String>,
    /// Paging: rows older than this row's `at` and `id` (both needed).
    #[param(value_type = Option<i64>)]
    pub before_at: Option<Moment>,
    pub before_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntry {
    pub id: String,
    pub at: i64,
    pub actor_name: String,
    pub actor_role: String,
    pub community_code: String,
    pub subject: String,
    /// The list's category or the household's id.
    pub target: String,
    /// Named entries the view showed.
    pub shown: i64,
}

impl From<AccessRow> for AccessEntry {
    fn from(r: AccessRow) -> Self {
        AccessEntry {
            id: r.id,
            at: r.at,
            actor_name: r.actor_name,
            actor_role: r.actor_role,
            community_code: r.community_code,
            subject: r.subject,
            target: r.target,
            shown: r.shown,
        }
    }
}

/// Who viewed which list or household record, newest first, 100 at a time (district and city
/// staff, within their area).
#[utoipa::path(
    get,
    path = "/access-log",
    operation_id = "access_log",
    tag = "visits",
    params(AccessQuery),
    responses(
        (status = 200, description = "Up to 100 rows, newest first", body = Vec<AccessEntry>),
        (status = 403, description = "Not district or city staff, or a community outside the area", body = ErrorBody),
    )
)]
pub async fn access_log(
    api: Api,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> ApiResult<Vec<AccessEntry>> {
    let who = identity(&api).await?;
    let before = match (query.before_at, query.before_id.as_deref()) {
        (Some(at), Some(id)) => Some((at.unix_ms(), id)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(api.lang.pick(
                "before_at 与 before_id 须同时给出",
                "before_at and before_id go together",
            )));
        }
    };
    let rows = people::access_log(
        &api.state,
        &who,
        query.community.as_deref(),
        query.username.as_deref(),
        query.subject.as_deref(),
        before,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    listed(rows)
}
