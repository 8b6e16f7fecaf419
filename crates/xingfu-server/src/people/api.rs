//! Home visits, volunteers and the love mall for programs: the same operations and permissions
//! as the pages ([`crate::people::service`]). Reading a special-attention list or a household's record
//! writes an access-log row, here as on the pages. Times are Unix milliseconds.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::dates::Moment;
use xingfu_core::ops::visits::AttentionCategory;
use xingfu_store::visits::{AccessRow, AttentionRow, HouseholdRow, VisitRow};
use xingfu_store::volunteers::{ActivityRow, ItemRow, LedgerRow};

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::people::service::{self as people, ActivityInput, HouseholdInput, Refused, VisitInput};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::web::api_user::ApiUser;

fn app(lang: Lang) -> impl Fn(AppError) -> ApiError {
    move |e| ApiError::from_app(e, lang)
}

fn refused(lang: Lang) -> impl Fn(Refused) -> ApiError {
    move |r| ApiError::from_app(r.into_app(), lang)
}

fn store(lang: Lang) -> impl Fn(xingfu_store::StoreError) -> ApiError {
    move |e| ApiError::from_app(e.into(), lang)
}

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
    path = "/api/v1/attention",
    operation_id = "attention_counts",
    tag = "visits",
    responses(
        (status = 200, description = "Counts per list", body = AttentionOverview),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "An assessor account", body = ErrorBody),
    )
)]
pub async fn attention_counts(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<AttentionOverview>, ApiError> {
    let lang = user.lang;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
    let (total, per_community) = people::attention_counts(&state, &who)
        .await
        .map_err(app(lang))?;
    Ok(Json(AttentionOverview {
        role: who.role.key().to_string(),
        names_visible: who.sees_names(),
        counts: total
            .into_iter()
            .map(|(c, n)| list_count(lang, c, n))
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
                        .map(|(cat, n)| list_count(lang, cat, n))
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
    path = "/api/v1/attention/{category}",
    operation_id = "attention_list",
    tag = "visits",
    params(("category" = String, Path, description = "The list: elderly_alone, disabled, low_income, left_behind_child, left_behind_woman or left_behind_elderly")),
    responses(
        (status = 200, description = "The entries the caller may see", body = Vec<AttentionEntry>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller sees counts only, or not this list", body = ErrorBody),
        (status = 404, description = "No such list", body = ErrorBody),
    )
)]
pub async fn attention_list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(category): ApiPath<String>,
) -> Result<Json<Vec<AttentionEntry>>, ApiError> {
    let lang = user.lang;
    let category = AttentionCategory::parse(&category).ok_or_else(|| ApiError::not_found(lang))?;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
    let rows = people::attention_list(&state, &who, category, user.lang)
        .await
        .map_err(app(lang))?;
    Ok(Json(rows.into_iter().map(AttentionEntry::from).collect()))
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
    path = "/api/v1/households",
    operation_id = "create_household",
    tag = "visits",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    request_body = NewHouseholdRequest,
    responses(
        (status = 201, description = "Registered", body = Household),
        (status = 400, description = "A field is wrong", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller keeps no households", body = ErrorBody),
    )
)]
pub async fn create_household(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewHouseholdRequest>,
) -> Result<(StatusCode, Json<Household>), ApiError> {
    let lang = user.lang;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
    let input = HouseholdInput {
        address: body.address,
        contact_name: body.contact_name.unwrap_or_default(),
        phone: body.phone.unwrap_or_default(),
        grid: body.grid.unwrap_or_default(),
        building: body.building.unwrap_or_default(),
    };
    let row = people::create_household(&state, &who, &input, user.lang)
        .await
        .map_err(refused(lang))?;
    Ok((StatusCode::CREATED, Json(row.into())))
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
    path = "/api/v1/households/{id}",
    operation_id = "household",
    tag = "visits",
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "The record", body = HouseholdRecord),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not in the caller's care", body = ErrorBody),
        (status = 404, description = "No such household", body = ErrorBody),
    )
)]
pub async fn household(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HouseholdRecord>, ApiError> {
    let lang = user.lang;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
    let record = people::household_record(&state, &who, &id, user.lang)
        .await
        .map_err(app(lang))?;
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
    path = "/api/v1/households/{id}/visits",
    operation_id = "record_visit",
    tag = "visits",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    params(("id" = String, Path, description = "Household id")),
    request_body = NewVisitRequest,
    responses(
        (status = 201, description = "Recorded", body = Visit),
        (status = 400, description = "A field is wrong (a time in the future, notes too long, an empty follow-up…)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not in the caller's care", body = ErrorBody),
        (status = 404, description = "No such household", body = ErrorBody),
    )
)]
pub async fn record_visit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewVisitRequest>,
) -> Result<(StatusCode, Json<Visit>), ApiError> {
    let lang = user.lang;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
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
    let row = people::record_visit(&state, &who, &id, &input, user.lang)
        .await
        .map_err(refused(lang))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// One community's rows.
    pub community: Option<String>,
    /// One viewer's rows (user name).
    pub username: Option<String>,
    /// `attention_counts`, `attention_list`, `household_list` or `household`.
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
    path = "/api/v1/access-log",
    operation_id = "access_log",
    tag = "visits",
    params(AccessQuery),
    responses(
        (status = 200, description = "Up to 100 rows, newest first", body = Vec<AccessEntry>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not district or city staff, or a community outside the area", body = ErrorBody),
    )
)]
pub async fn access_log(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    let lang = user.lang;
    let who = people::identity(&state, &user.current, user.lang)
        .await
        .map_err(app(lang))?;
    let before = match (query.before_at, query.before_id.as_deref()) {
        (Some(at), Some(id)) => Some((at.unix_ms(), id)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(lang.pick(
                "before_at 与 before_id 须同时给出",
                "before_at and before_id go together",
            )));
        }
    };
    let rows = people::access_log(
        &state,
        &who,
        query.community.as_deref(),
        query.username.as_deref(),
        query.subject.as_deref(),
        before,
        user.lang,
    )
    .await
    .map_err(app(lang))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub community_code: String,
    pub title: String,
    /// A key of the points rules: general, care, emergency, environment, culture, safety.
    pub activity_type: String,
    pub station_id: Option<String>,
    pub team_id: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub people_served: i64,
    pub cancelled: bool,
}

impl From<ActivityRow> for Activity {
    fn from(a: ActivityRow) -> Self {
        Activity {
            id: a.id,
            community_code: a.community_code,
            title: a.title,
            activity_type: a.activity_type,
            station_id: a.station_id,
            team_id: a.team_id,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            people_served: a.people_served,
            cancelled: a.cancelled,
        }
    }
}

fn covers(user: &ApiUser, code: &str) -> Result<(), ApiError> {
    if user.current.actor().covers(code) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            user.lang,
            &format!("社区 {code} 不在您的管辖范围内"),
            &format!("community {code} is outside your area"),
        ))
    }
}

/// A community's volunteer activities, latest first (anyone whose area covers it).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{code}/activities",
    operation_id = "activities",
    tag = "volunteers",
    params(("code" = String, Path, description = "Community code")),
    responses(
        (status = 200, description = "Activities", body = Vec<Activity>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Outside the caller's area", body = ErrorBody),
    )
)]
pub async fn activities(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<Activity>>, ApiError> {
    covers(&user, &code)?;
    let rows = state
        .store
        .activities_in(&code)
        .await
        .map_err(store(user.lang))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivityRequest {
    #[schema(example = "关爱空巢老人")]
    pub title: String,
    #[schema(example = "care")]
    pub activity_type: String,
    pub station_id: Option<String>,
    pub team_id: Option<String>,
    /// Unix milliseconds (2000–2100).
    #[schema(value_type = i64)]
    pub starts_at: Moment,
    /// Unix milliseconds (2000–2100), after `starts_at`.
    #[schema(value_type = i64)]
    pub ends_at: Moment,
}

/// Publishes an activity (the community's own workers).
#[utoipa::path(
    post,
    path = "/api/v1/communities/{code}/activities",
    operation_id = "create_activity",
    tag = "volunteers",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    params(("code" = String, Path, description = "Community code")),
    request_body = NewActivityRequest,
    responses(
        (status = 201, description = "Published", body = Activity),
        (status = 400, description = "A field is wrong", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a worker of the community", body = ErrorBody),
    )
)]
pub async fn create_activity(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NewActivityRequest>,
) -> Result<(StatusCode, Json<Activity>), ApiError> {
    let lang = user.lang;
    let input = ActivityInput {
        title: body.title,
        activity_type: body.activity_type,
        station: body.station_id.unwrap_or_default(),
        team: body.team_id.unwrap_or_default(),
        starts_at: body.starts_at.unix_ms(),
        ends_at: body.ends_at.unix_ms(),
    };
    let row = people::create_activity(&state, &user.current, &code, &input, user.lang)
        .await
        .map_err(refused(lang))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    pub volunteer_id: String,
    /// When (Unix milliseconds, not in the future, from 2000).
    #[schema(value_type = i64)]
    pub at: Moment,
}

/// Signs a volunteer in to an activity (the community's own workers).
#[utoipa::path(
    post,
    path = "/api/v1/activities/{id}/sign-ins",
    operation_id = "volunteer_sign_in",
    tag = "volunteers",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    params(("id" = String, Path, description = "Activity id")),
    request_body = SignRequest,
    responses(
        (status = 204, description = "Signed in"),
        (status = 400, description = "Already signed in, not a volunteer of the community, or a time in the future or after the end", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a worker of the community", body = ErrorBody),
        (status = 404, description = "No such activity", body = ErrorBody),
        (status = 409, description = "The activity was cancelled", body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> Result<StatusCode, ApiError> {
    let lang = user.lang;
    people::sign_in(
        &state,
        &user.current,
        &id,
        &body.volunteer_id,
        body.at.unix_ms(),
        user.lang,
    )
    .await
    .map_err(refused(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a sign-out counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedOut {
    pub volunteer_name: String,
    /// Whole minutes within the activity's schedule.
    pub minutes: i64,
    /// Points credited (per the points rules, rounded down).
    pub points: i64,
}

/// Signs a volunteer out: the time within the schedule is counted and points credited once.
#[utoipa::path(
    post,
    path = "/api/v1/activities/{id}/sign-outs",
    operation_id = "volunteer_sign_out",
    tag = "volunteers",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    params(("id" = String, Path, description = "Activity id")),
    request_body = SignRequest,
    responses(
        (status = 200, description = "Signed out", body = SignedOut),
        (status = 400, description = "Not signed in, or a time before the sign-in or in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a worker of the community", body = ErrorBody),
        (status = 404, description = "No such activity", body = ErrorBody),
        (status = 409, description = "Already signed out", body = ErrorBody),
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> Result<Json<SignedOut>, ApiError> {
    let lang = user.lang;
    let outcome = people::sign_out(
        &state,
        &user.current,
        &id,
        &body.volunteer_id,
        body.at.unix_ms(),
        user.lang,
    )
    .await
    .map_err(refused(lang))?;
    Ok(Json(SignedOut {
        volunteer_name: outcome.volunteer_name,
        minutes: outcome.minutes,
        points: outcome.points,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MallItem {
    pub id: String,
    pub name: String,
    /// Points per unit.
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
}

impl From<ItemRow> for MallItem {
    fn from(i: ItemRow) -> Self {
        MallItem {
            id: i.id,
            name: i.name,
            cost: i.cost,
            stock: i.stock,
            active: i.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Mall {
    pub community_code: String,
    /// The caller's own volunteer record and balance, when their account is linked to one.
    pub volunteer_id: Option<String>,
    pub balance: Option<i64>,
    /// Items on the shelf (and, for the community's workers, those taken off it).
    pub items: Vec<MallItem>,
}

/// A community's love mall (爱心商城).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{code}/mall",
    operation_id = "mall",
    tag = "volunteers",
    params(("code" = String, Path, description = "Community code")),
    responses(
        (status = 200, description = "The catalogue", body = Mall),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Outside the caller's area", body = ErrorBody),
    )
)]
pub async fn mall(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Mall>, ApiError> {
    let lang = user.lang;
    covers(&user, &code)?;
    let own = people::own_volunteer(&state, &user.current)
        .await
        .map_err(app(lang))?;
    let manages = people::may_manage(&user.current, &code);
    let items = state
        .store
        .items_in(&code)
        .await
        .map_err(store(lang))?
        .into_iter()
        .filter(|i| i.active || manages)
        .map(Into::into)
        .collect();
    Ok(Json(Mall {
        community_code: code,
        volunteer_id: own.as_ref().map(|v| v.id.clone()),
        balance: own.map(|v| v.balance),
        items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    pub item_id: String,
    pub quantity: i64,
    /// The volunteer exchanging: required for a community worker at the station's counter,
    /// left out by a resident spending their own points.
    pub volunteer_id: Option<String>,
    /// One key per exchange, 8–64 letters, digits, `-` or `_`: sending the same request again
    /// (a retry) exchanges once.
    #[schema(example = "3f1c9a7e5b2d4c6a")]
    pub request_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Redemption {
    /// The ledger key of the exchange.
    pub key: String,
    pub volunteer_id: String,
    pub item_name: String,
    pub quantity: i64,
    /// Points taken (negative).
    pub points: i64,
    /// The balance after the exchange.
    pub balance: i64,
    /// True when this request had been applied before: nothing was taken twice.
    pub repeated: bool,
}

/// Exchanges points for an item. Never oversells and never takes a balance below zero, under
/// any number of concurrent requests.
#[utoipa::path(
    post,
    path = "/api/v1/mall/redemptions",
    operation_id = "redeem",
    tag = "volunteers",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    request_body = RedeemRequest,
    responses(
        (status = 201, description = "Exchanged", body = Redemption),
        (status = 200, description = "The same request was exchanged before (a retry)", body = Redemption),
        (status = 400, description = "Not enough points or stock, an item off the shelf, or a bad quantity or key", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the caller's points, or another community's mall", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The key was used for another request, or the price changed", body = ErrorBody),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<RedeemRequest>,
) -> Result<(StatusCode, Json<Redemption>), ApiError> {
    let lang = user.lang;
    let done = people::redeem(
        &state,
        &user.current,
        body.volunteer_id.as_deref(),
        &body.item_id,
        &body.quantity.to_string(),
        &body.request_key,
        user.lang,
    )
    .await
    .map_err(refused(lang))?;
    let status = if done.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(Redemption {
            key: done.key,
            volunteer_id: done.volunteer_id,
            item_name: done.item_name,
            quantity: done.quantity,
            points: done.points,
            balance: done.balance,
            repeated: done.repeated,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub key: String,
    /// The volunteer's own order: 1, 2, …
    pub seq: i64,
    pub at: i64,
    /// Signed: earned positive, spent negative.
    pub points: i64,
    /// `earn`, `redeem`, `refund` or `adjust`.
    pub kind: String,
    pub activity_id: Option<String>,
    pub item_id: Option<String>,
    pub quantity: Option<i64>,
    pub refund_of: Option<String>,
    pub reason: Option<String>,
}

impl From<LedgerRow> for LedgerEntry {
    fn from(r: LedgerRow) -> Self {
        LedgerEntry {
            key: r.key,
            seq: r.seq,
            at: r.at,
            points: r.points,
            kind: r.kind,
            activity_id: r.activity_id,
            item_id: r.item_id,
            quantity: r.quantity,
            refund_of: r.refund_of,
            reason: r.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ledger {
    pub volunteer_id: String,
    pub name: String,
    pub balance: i64,
    pub entries: Vec<LedgerEntry>,
}

/// A volunteer's points ledger (the volunteer themself, or staff covering their community).
#[utoipa::path(
    get,
    path = "/api/v1/volunteers/{id}/ledger",
    operation_id = "ledger",
    tag = "volunteers",
    params(("id" = String, Path, description = "Volunteer id")),
    responses(
        (status = 200, description = "The ledger in order", body = Ledger),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Someone else's points", body = ErrorBody),
        (status = 404, description = "No such volunteer", body = ErrorBody),
    )
)]
pub async fn ledger(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Ledger>, ApiError> {
    let lang = user.lang;
    let v = people::volunteer(&state, &user.current, &id, user.lang)
        .await
        .map_err(app(lang))?;
    let entries = state.store.ledger_of(&v.id).await.map_err(store(lang))?;
    Ok(Json(Ledger {
        volunteer_id: v.id,
        name: v.name,
        balance: v.balance,
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Start of the period, Unix milliseconds (included; 2000–2100).
    #[param(value_type = i64)]
    pub from: Moment,
    /// End of the period, Unix milliseconds (excluded; 2000–2100).
    #[param(value_type = i64)]
    pub to: Moment,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricValue {
    /// `visits.count`, `activities.count`, `volunteers.hours` or `people_served.count`.
    #[schema(example = "volunteers.hours")]
    pub key: String,
    pub name: String,
    /// Two decimals at most.
    #[schema(value_type = f64, example = 5.52)]
    pub value: xingfu_core::Dec2,
}

/// Visits made, activities held, volunteer hours and people served in a community for the
/// period [from, to): the values standards' metric clauses can use (staff covering it).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{code}/people-metrics",
    operation_id = "people_metrics",
    tag = "volunteers",
    params(("code" = String, Path, description = "Community code"), PeriodQuery),
    responses(
        (status = 200, description = "The values", body = Vec<MetricValue>),
        (status = 400, description = "The period ends before it starts", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff covering the community", body = ErrorBody),
    )
)]
pub async fn metrics(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiQuery(period): ApiQuery<PeriodQuery>,
) -> Result<Json<Vec<MetricValue>>, ApiError> {
    let lang = user.lang;
    if period.to <= period.from {
        return Err(ApiError::bad_request(
            lang.pick("to:须晚于 from", "to: must be after from"),
        ));
    }
    if !people::may_oversee(&user.current, &code) {
        return Err(ApiError::forbidden(
            lang,
            "只有管辖该社区的工作人员可以查看运行指标",
            "only staff covering the community see its figures",
        ));
    }
    let (from, to) = (period.from.unix_ms(), period.to.unix_ms());
    let values = people::people_metrics(&state, &code, from, to)
        .await
        .map_err(app(lang))?;
    Ok(Json(
        values
            .into_iter()
            .map(|(key, value)| MetricValue {
                key: key.to_string(),
                name: people::metric_label(key, user.lang).to_string(),
                value,
            })
            .collect(),
    ))
}

pub fn routes() -> axum::Router<crate::app::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/attention", get(attention_counts))
        .route("/attention/{category}", get(attention_list))
        .route("/households", post(create_household))
        .route("/households/{id}", get(household))
        .route("/households/{id}/visits", post(record_visit))
        .route("/access-log", get(access_log))
        .route(
            "/communities/{code}/activities",
            get(activities).post(create_activity),
        )
        .route("/activities/{id}/sign-ins", post(sign_in))
        .route("/activities/{id}/sign-outs", post(sign_out))
        .route("/communities/{code}/mall", get(mall))
        .route("/mall/redemptions", post(redeem))
        .route("/volunteers/{id}/ledger", get(ledger))
        .route("/communities/{code}/people-metrics", get(metrics))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    attention_counts,
    attention_list,
    create_household,
    household,
    record_visit,
    access_log,
    activities,
    create_activity,
    sign_in,
    sign_out,
    mall,
    redeem,
    ledger,
    metrics,
))]
pub struct Doc;
