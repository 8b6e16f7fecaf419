//! Pages of the 15-minute service circle: the facility registry of an area (list, add / edit
//! with an error summary, CSV / GeoJSON / OpenStreetMap import with numbered problems),
//! coverage per community as tables and an inline SVG map of homes within reach and gaps (no
//! JavaScript: the map is drawn on the server and repeated in the tables), siting suggestions
//! with their gains, and neighbourhood centres with their star ratings. The rules are in
//! [`crate::circle::service`].

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::Value;
use xingfu_core::Dec2;
use xingfu_core::ops::coords::Datum;
use xingfu_core::region;
use xingfu_core::standard::{Judge, Standard};
use xingfu_geo::WalkingSpeed;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::{CoverageRow, FacilityRow, OriginRow, from_e6};
use xingfu_store::regions::RegionRow;

use crate::app::auth::{CurrentUser, urlencode};
use crate::app::error::AppError;
use crate::app::files::MAX_UPLOAD;
use crate::app::state::AppState;
use crate::circle::service::{
    self as circle, ALL_SIX, BoundarySource, FacilityForm, FieldError, ImportFrom, PlatformFigures,
    RunSummary, SitingOutcome, may_compute, may_edit, may_rate, platform_measure,
};
use crate::i18n::Lang;
use crate::people::service::local_text;
use crate::web::page::{Page, error_page, render};
use crate::web::upload::{FormData, read_form};

/// The import and boundary routes, with room for a 10 MB file.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/circle/areas/{code}/import",
            post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route(
            "/circle/areas/{code}/boundaries",
            post(boundaries).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
}

fn pick(lang: Lang, zh: impl Into<String>, en: impl Into<String>) -> String {
    if lang.is_en() { en.into() } else { zh.into() }
}

fn percent(hundredths: i64) -> String {
    format!("{}%", Dec2(hundredths))
}

fn functions_text(keys: &[String], lang: Lang) -> String {
    keys.iter()
        .map(|k| circle::function_name(k, lang.is_en()))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

fn position_text(lon_e6: i64, lat_e6: i64) -> String {
    format!("{:.6}, {:.6}", from_e6(lon_e6), from_e6(lat_e6))
}

fn source_label(source: &str, lang: Lang) -> String {
    match source {
        "osm" => "OpenStreetMap".into(),
        "csv" => "CSV".into(),
        "geojson" => "GeoJSON".into(),
        _ => pick(lang, "手工登记", "typed in"),
    }
}

/// A choice in a select or a set of boxes.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn datum_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    [
        (
            "wgs84",
            "WGS-84(GPS、OpenStreetMap)",
            "WGS-84 (GPS, OpenStreetMap)",
        ),
        ("gcj02", "GCJ-02(高德、腾讯)", "GCJ-02 (AMap, Tencent)"),
        ("bd09", "BD-09(百度)", "BD-09 (Baidu)"),
    ]
    .into_iter()
    .map(|(value, zh, en)| Choice {
        value: value.into(),
        label: pick(lang, zh, en),
        selected: value == chosen || (chosen.is_empty() && value == "wgs84"),
    })
    .collect()
}

/// The communities of an area the user may keep facilities in, as choices.
async fn community_choices(
    state: &AppState,
    user: &CurrentUser,
    area: &RegionRow,
    chosen: &str,
) -> Result<Vec<Choice>, AppError> {
    let communities = if area.level == "community" {
        vec![area.clone()]
    } else {
        state.store.regions_within(area, "community").await?
    };
    Ok(communities
        .into_iter()
        .filter(|c| may_edit(user, &c.code))
        .map(|c| Choice {
            selected: c.code == chosen,
            label: format!("{}({})", c.name, c.code),
            value: c.code,
        })
        .collect())
}

fn error_pairs(errors: &[FieldError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.field.replace('.', "-"), e.message.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The registry of an area

pub struct FacilityLine {
    pub id: String,
    pub name: String,
    pub functions: String,
    pub community: String,
    pub position: String,
    pub hours: String,
    pub capacity: String,
    pub source: String,
    pub centre: bool,
}

pub struct CentreLine {
    pub id: String,
    pub name: String,
    pub community: String,
    pub service_area: String,
    pub rating: String,
}

pub struct AreaLink {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "circle_facilities.html")]
struct FacilitiesPage {
    page: Page,
    code: String,
    name: String,
    level: String,
    children: Vec<AreaLink>,
    facilities: Vec<FacilityLine>,
    centres: Vec<CentreLine>,
    can_edit: bool,
    can_import_network: bool,
    network: String,
    communities: Vec<Choice>,
    datums: Vec<Choice>,
    csrf: String,
    errors: Vec<(String, String)>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    updated: Option<usize>,
    #[serde(default)]
    skipped: Option<usize>,
    #[serde(default)]
    deleted: Option<String>,
}

fn import_notice(lang: Lang, q: &NoticeQuery) -> Option<String> {
    if let Some(name) = &q.deleted {
        return Some(pick(
            lang,
            format!("已删除:{name}"),
            format!("Deleted: {name}"),
        ));
    }
    let (added, updated) = (q.added?, q.updated.unwrap_or(0));
    let skipped = q.skipped.unwrap_or(0);
    Some(pick(
        lang,
        format!("导入完成:新增 {added} 处,更新 {updated} 处,跳过辖区外 {skipped} 处"),
        format!("Imported: {added} added, {updated} updated, {skipped} outside your area left out"),
    ))
}

async fn render_facilities(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let area = circle::viewable_area(state, user, code, en).await?;
    let child_level = match area.level.as_str() {
        "city" => Some("district"),
        "district" => Some("street"),
        "street" => Some("community"),
        _ => None,
    };
    let children = match child_level {
        Some(level) => state
            .store
            .regions_within(&area, level)
            .await?
            .into_iter()
            .map(|r| AreaLink {
                code: r.code,
                name: r.name,
            })
            .collect(),
        None => Vec::new(),
    };
    let names: BTreeMap<String, String> = state
        .store
        .regions_within(&area, "community")
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let community_name = |code: &Option<String>| {
        code.as_ref()
            .map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone()))
            .unwrap_or_default()
    };
    let rows = state
        .store
        .facilities_within(circle::prefix_of(&area))
        .await?;
    let facilities = rows
        .iter()
        .map(|f| FacilityLine {
            id: f.id.clone(),
            name: f.name.clone(),
            functions: functions_text(&f.functions, lang),
            community: community_name(&f.community_code),
            position: position_text(f.lon_e6, f.lat_e6),
            hours: f.hours.clone().unwrap_or_default(),
            capacity: f.capacity.map(|c| c.to_string()).unwrap_or_default(),
            source: source_label(&f.source, lang),
            centre: f.centre,
        })
        .collect();
    let mut centres = Vec::new();
    for c in state.store.centres_within(circle::prefix_of(&area)).await? {
        let latest = state.store.centre_ratings(&c.facility.id).await?;
        let rating = match latest.first() {
            Some(r) => pick(
                lang,
                format!(
                    "{} 年度 {} 分 {}",
                    r.year,
                    Dec2(r.total),
                    crate::web::page::star_text(lang, Some(r.star))
                ),
                format!(
                    "{}: {} points, {}",
                    r.year,
                    Dec2(r.total),
                    crate::web::page::star_text(lang, Some(r.star))
                ),
            ),
            None => pick(lang, "尚未评定", "not rated yet"),
        };
        centres.push(CentreLine {
            id: c.facility.id.clone(),
            name: c.facility.name.clone(),
            community: community_name(&Some(c.community_code.clone())),
            service_area: c.service_area.clone(),
            rating,
        });
    }
    let can_edit = area.level != "city" && may_edit(user, &area.code);
    let html = render(FacilitiesPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/circle/areas/{code}"),
            format!(
                "{} · {}",
                pick(lang, "服务设施", "Service facilities"),
                area.name
            ),
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        level: area.level.clone(),
        children,
        facilities,
        centres,
        can_edit,
        can_import_network: can_edit && state.network.is_configured(),
        network: state.network.label().unwrap_or_default(),
        communities: community_choices(state, user, &area, "").await?,
        datums: datum_choices(lang, ""),
        csrf: user.csrf.clone(),
        errors,
        notice,
    })?;
    Ok((status, html).into_response())
}

/// GET /circle: the user's own area.
pub async fn home(jar: CookieJar, user: CurrentUser) -> Response {
    if user.role == xingfu_core::workflow::Role::Resident {
        let en = Lang::from_jar(&jar).is_en();
        return error_page(
            &jar,
            Some(user),
            AppError::Forbidden(if en {
                "the service circle pages are for staff".into()
            } else {
                "服务圈页面仅供工作人员使用".into()
            }),
        );
    }
    Redirect::to(&format!("/circle/areas/{}", user.user.region_code)).into_response()
}

/// GET /circle/areas/{code}: the area's facilities and centres.
pub async fn facilities(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let notice = import_notice(Lang::from_jar(&jar), &query);
    render_facilities(
        &state,
        &jar,
        &user,
        &code,
        Vec::new(),
        notice,
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/areas/{code}/import (multipart: csrf, file, community, datum).
pub async fn import(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let form: FormData = read_form(&state, request).await;
        if form.incomplete {
            return Err(AppError::BadRequest(pick(
                lang,
                "上传没有完成,请重试",
                "the upload did not complete; please try again",
            )));
        }
        user.check_csrf(&form.get("csrf").unwrap_or_default())?;
        let file = form.files.iter().find(|f| f.name == "file");
        let problem = |zh: &str, en: &str| vec![("file".to_string(), pick(lang, zh, en))];
        let bytes = match file {
            Some(f) if f.too_big => Err(problem(
                "文件超过 10 MB 的上限",
                "the file is larger than the 10 MB limit",
            )),
            Some(f) => Ok(f.bytes.clone()),
            None if form.body_too_big => Err(problem(
                "文件超过 10 MB 的上限",
                "the file is larger than the 10 MB limit",
            )),
            None => Err(problem(
                "请选择要导入的文件(CSV、GeoJSON 或 .osm.pbf)",
                "choose a file to import (CSV, GeoJSON or .osm.pbf)",
            )),
        };
        let outcome = match bytes {
            Ok(bytes) => {
                let datum = form
                    .get("datum")
                    .as_deref()
                    .and_then(Datum::parse)
                    .unwrap_or(Datum::Wgs84);
                circle::import_facilities(
                    &state,
                    &user,
                    &code,
                    ImportFrom::Upload(bytes),
                    form.get("community").as_deref(),
                    datum,
                    lang.is_en(),
                )
                .await?
                .map_err(|problems| {
                    problems
                        .into_iter()
                        .map(|p| ("file".to_string(), p))
                        .collect::<Vec<_>>()
                })
            }
            Err(errors) => Err(errors),
        };
        match outcome {
            Ok(done) => Ok(Redirect::to(&format!(
                "/circle/areas/{code}?added={}&updated={}&skipped={}",
                done.added, done.updated, done.skipped
            ))
            .into_response()),
            Err(errors) => {
                render_facilities(
                    &state,
                    &jar,
                    &user,
                    &code,
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/areas/{code}/import-network: the network extract's points of interest.
pub async fn import_network(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        user.check_csrf(&field("csrf"))?;
        match circle::import_facilities(
            &state,
            &user,
            &code,
            ImportFrom::Network,
            None,
            Datum::Wgs84,
            lang.is_en(),
        )
        .await?
        {
            Ok(done) => Ok(Redirect::to(&format!(
                "/circle/areas/{code}?added={}&updated={}&skipped={}",
                done.added, done.updated, done.skipped
            ))
            .into_response()),
            Err(problems) => {
                render_facilities(
                    &state,
                    &jar,
                    &user,
                    &code,
                    problems
                        .into_iter()
                        .map(|p| ("file".to_string(), p))
                        .collect(),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

// ---------------------------------------------------------------------------------------------
// One facility: add, edit, delete, run as a centre

#[derive(Template)]
#[template(path = "circle_facility.html")]
struct FacilityPage {
    page: Page,
    /// Where the form posts.
    action: String,
    back: String,
    area_name: String,
    editing: Option<FacilityRow>,
    form: FacilityForm,
    functions: Vec<Choice>,
    communities: Vec<Choice>,
    datums: Vec<Choice>,
    csrf: String,
    can_edit: bool,
    centre_area: String,
    errors: Vec<(String, String)>,
    notice: Option<String>,
}

impl FacilityPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

fn function_choices(lang: Lang, chosen: &[String]) -> Vec<Choice> {
    ServiceFunction::ALL
        .iter()
        .map(|f| Choice {
            value: f.key().to_string(),
            label: f.name(lang.is_en()).to_string(),
            selected: chosen.iter().any(|c| ServiceFunction::parse(c) == Some(*f)),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_facility_form(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    area: &RegionRow,
    editing: Option<FacilityRow>,
    form: FacilityForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let (action, title, can_edit) = match &editing {
        Some(row) => (
            format!("/circle/facilities/{}", row.id),
            row.name.clone(),
            may_edit(user, &row.region_code),
        ),
        None => (
            format!("/circle/areas/{}/facilities", area.code),
            pick(lang, "登记服务设施", "Register a facility"),
            true,
        ),
    };
    let centre_area = match &editing {
        Some(row) if row.centre => state
            .store
            .centre(&row.id)
            .await?
            .map(|c| c.service_area)
            .unwrap_or_default(),
        _ => String::new(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(FacilityPage {
        page: Page::new(jar, Some(user.clone()), &action, title),
        back: format!("/circle/areas/{}", area.code),
        area_name: area.name.clone(),
        functions: function_choices(lang, &form.functions),
        communities: community_choices(state, user, area, &form.community).await?,
        datums: datum_choices(lang, &form.datum),
        csrf: user.csrf.clone(),
        can_edit,
        centre_area,
        errors: error_pairs(&errors),
        notice,
        action,
        editing,
        form,
    })?;
    Ok((status, html).into_response())
}

/// GET /circle/areas/{code}/facilities/new
pub async fn new_facility(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Response {
    let result = async {
        let en = Lang::from_jar(&jar).is_en();
        let area = circle::viewable_area(&state, &user, &code, en).await?;
        if !may_edit(&user, &area.code) {
            return Err(AppError::Forbidden(if en {
                "only community workers and the administrators above them register facilities"
                    .into()
            } else {
                "只有社区工作者及其上级管理员可以登记设施".into()
            }));
        }
        let form = FacilityForm {
            community: if area.level == "community" {
                area.code.clone()
            } else {
                String::new()
            },
            ..FacilityForm::default()
        };
        render_facility_form(&state, &jar, &user, &area, None, form, Vec::new(), None).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/areas/{code}/facilities
pub async fn create(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let en = Lang::from_jar(&jar).is_en();
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        user.check_csrf(csrf)?;
        let form = FacilityForm::from_fields(&fields);
        match circle::create_facility(&state, &user, &code, &form, en).await? {
            Ok(id) => Ok(Redirect::to(&format!("/circle/facilities/{id}?saved=1")).into_response()),
            Err(errors) => {
                let area = circle::area(&state, &code).await?;
                render_facility_form(&state, &jar, &user, &area, None, form, errors, None).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// The area a facility's page goes back to: the region keeping it.
async fn home_area(state: &AppState, row: &FacilityRow) -> Result<RegionRow, AppError> {
    circle::area(state, &row.region_code).await
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /circle/facilities/{id}
pub async fn facility(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let row = circle::viewable_facility(&state, &user, &id, lang.is_en()).await?;
        let area = home_area(&state, &row).await?;
        let notice = query.saved.map(|_| pick(lang, "已保存", "Saved"));
        let form = FacilityForm::of_row(&row);
        render_facility_form(
            &state,
            &jar,
            &user,
            &area,
            Some(row),
            form,
            Vec::new(),
            notice,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// The fields whose saved value differs from what the user sent, each with the saved value.
fn changed_fields(lang: Lang, saved: &FacilityForm, sent: &FacilityForm) -> Vec<FieldError> {
    let mut functions = sent.functions.clone();
    functions.sort();
    let mut saved_functions = saved.functions.clone();
    saved_functions.sort();
    let pairs = [
        ("name", lang.pick("名称", "Name"), &saved.name, &sent.name),
        ("lon", lang.pick("经度", "Longitude"), &saved.lon, &sent.lon),
        ("lat", lang.pick("纬度", "Latitude"), &saved.lat, &sent.lat),
        (
            "hours",
            lang.pick("开放时间", "Opening hours"),
            &saved.hours,
            &sent.hours,
        ),
        (
            "capacity",
            lang.pick("容量", "Capacity"),
            &saved.capacity,
            &sent.capacity,
        ),
        (
            "community",
            lang.pick("所在社区", "Community"),
            &saved.community,
            &sent.community,
        ),
    ];
    let mut changed: Vec<FieldError> = pairs
        .iter()
        .filter(|(_, _, saved, sent)| saved.trim() != sent.trim())
        .map(|(field, label, saved, _)| FieldError {
            field: (*field).into(),
            message: saved_now(lang, label, saved),
        })
        .collect();
    if functions != saved_functions {
        changed.push(FieldError {
            field: "functions".into(),
            message: saved_now(
                lang,
                lang.pick("服务功能", "Service functions"),
                &saved.functions.join(lang.pick("、", ", ")),
            ),
        });
    }
    changed
}

fn saved_now(lang: Lang, label: &str, value: &str) -> String {
    if lang.is_en() {
        format!("{label}: saved now as “{value}”")
    } else {
        format!("{label}\u{ff1a}现在保存的是“{value}”")
    }
}

/// POST /circle/facilities/{id}
pub async fn update(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let en = lang.is_en();
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        user.check_csrf(csrf)?;
        let version = fields
            .iter()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v.as_str());
        let read_at = crate::web::page::form_version(lang, version)?;
        let form = FacilityForm::from_fields(&fields);
        let errors = match circle::update_facility(&state, &user, &id, (&form, read_at), en).await {
            Ok(Ok(())) => {
                return Ok(
                    Redirect::to(&format!("/circle/facilities/{id}?saved=1")).into_response()
                );
            }
            Ok(Err(errors)) => errors,
            // Changed since the form was read: the form again with what was typed, the message
            // first, then each field whose saved value now differs from it.
            Err(AppError::Stale(stale)) => {
                let row = circle::viewable_facility(&state, &user, &id, en).await?;
                let mut errors = vec![FieldError {
                    field: "name".into(),
                    message: stale.message,
                }];
                errors.extend(changed_fields(lang, &FacilityForm::of_row(&row), &form));
                let area = home_area(&state, &row).await?;
                let mut response =
                    render_facility_form(&state, &jar, &user, &area, Some(row), form, errors, None)
                        .await?;
                *response.status_mut() = StatusCode::CONFLICT;
                return Ok(response);
            }
            Err(e) => return Err(e),
        };
        let row = circle::viewable_facility(&state, &user, &id, en).await?;
        let area = home_area(&state, &row).await?;
        render_facility_form(&state, &jar, &user, &area, Some(row), form, errors, None).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/facilities/{id}/delete
pub async fn delete(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let en = Lang::from_jar(&jar).is_en();
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        user.check_csrf(csrf)?;
        let read_at = fields
            .iter()
            .find(|(k, _)| k == "version")
            .and_then(|(_, v)| v.trim().parse::<i64>().ok());
        let row = circle::delete_facility(&state, &user, &id, read_at, en).await?;
        Ok::<_, AppError>(
            Redirect::to(&format!(
                "/circle/areas/{}?deleted={}",
                row.region_code,
                urlencode(&row.name)
            ))
            .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/facilities/{id}/centre: run it as a centre (`service_area`, `centre_community`)
/// or stop (`stop=1`).
pub async fn centre_flag(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let en = lang.is_en();
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        user.check_csrf(&field("csrf"))?;
        // The facility's version the page was read at (a form without one saves regardless).
        let read_at = field("version").trim().parse::<i64>().ok();
        let row = circle::viewable_facility(&state, &user, &id, en).await?;
        if field("stop") == "1" {
            if !may_edit(&user, &row.region_code) {
                return Err(AppError::Forbidden(pick(
                    lang,
                    "您不能修改这个设施",
                    "you may not change this facility",
                )));
            }
            return match state
                .store
                .unflag_centre(
                    &id,
                    read_at,
                    &user.user.username,
                    crate::app::state::now_ms(),
                )
                .await?
            {
                xingfu_store::facilities::Unflagged::HasRatings => Err(AppError::Conflict(pick(
                    lang,
                    "这个邻里中心已有星级评定记录,不能取消",
                    "this centre has ratings on record and stays a centre",
                ))),
                xingfu_store::facilities::Unflagged::Stale(now) => {
                    Err(circle::stale_facility(&state, en, &now).await)
                }
                _ => Ok(Redirect::to(&format!("/circle/facilities/{id}?saved=1")).into_response()),
            };
        }
        match circle::flag_centre(
            &state,
            &user,
            &id,
            read_at,
            &field("centre_community"),
            &field("service_area"),
            en,
        )
        .await?
        {
            Ok(()) => Ok(Redirect::to(&format!("/circle/centres/{id}")).into_response()),
            Err(errors) => {
                let area = home_area(&state, &row).await?;
                let form = FacilityForm::of_row(&row);
                render_facility_form(&state, &jar, &user, &area, Some(row), form, errors, None)
                    .await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

// ---------------------------------------------------------------------------------------------
// The map

/// A home on the map: a filled circle within reach, a cross for a gap.
pub struct HomeDot {
    pub x: String,
    pub y: String,
    pub covered: bool,
}

/// A facility or a suggested site on the map.
pub struct Mark {
    pub x: String,
    pub y: String,
    pub label: String,
}

pub struct MapView {
    pub width: u32,
    pub height: u32,
    pub homes: Vec<HomeDot>,
    pub facilities: Vec<Mark>,
    pub sites: Vec<Mark>,
    /// Homes drawn, of how many.
    pub drawn: usize,
    pub total: usize,
}

/// The most homes drawn; beyond it every n-th is drawn (the tables count them all).
const MAX_MAP_HOMES: usize = 3000;

/// Equirectangular projection fitted to the points, x scaled by cos(latitude).
struct Projection {
    min_lon: f64,
    max_lat: f64,
    k: f64,
    scale: f64,
    margin: f64,
}

impl Projection {
    fn fit(points: &[(f64, f64)], width: f64) -> Option<(Projection, f64)> {
        let first = points.first()?;
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (first.0, first.0, first.1, first.1);
        for &(lon, lat) in points {
            min_lon = min_lon.min(lon);
            max_lon = max_lon.max(lon);
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
        }
        let pad = 0.0005;
        if max_lon - min_lon < pad {
            min_lon -= pad / 2.0;
            max_lon += pad / 2.0;
        }
        if max_lat - min_lat < pad {
            min_lat -= pad / 2.0;
            max_lat += pad / 2.0;
        }
        let k = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.01);
        let margin = 16.0;
        let inner = width - 2.0 * margin;
        let scale = (inner / ((max_lon - min_lon) * k)).min(inner / (max_lat - min_lat));
        let height = (max_lat - min_lat) * scale + 2.0 * margin;
        Some((
            Projection {
                min_lon,
                max_lat,
                k,
                scale,
                margin,
            },
            height,
        ))
    }

    fn xy(&self, lon: f64, lat: f64) -> (String, String) {
        let x = self.margin + (lon - self.min_lon) * self.k * self.scale;
        let y = self.margin + (self.max_lat - lat) * self.scale;
        (format!("{x:.1}"), format!("{y:.1}"))
    }
}

/// Bits of the six functions in an origin's mask.
const SIX_MASK: i64 = 0b11_1111;

fn covers(mask: i64, function: &str) -> bool {
    match ServiceFunction::parse(function) {
        Some(f) => mask & (1 << f.index()) != 0,
        None => mask & SIX_MASK == SIX_MASK,
    }
}

fn map_view(
    origins: &[&OriginRow],
    function: &str,
    facilities: &[(f64, f64, String)],
    sites: &[(f64, f64, String)],
) -> Option<MapView> {
    let step = origins.len().div_ceil(MAX_MAP_HOMES).max(1);
    let drawn: Vec<&&OriginRow> = origins.iter().step_by(step).collect();
    let mut points: Vec<(f64, f64)> = drawn
        .iter()
        .map(|o| (from_e6(o.lon_e6), from_e6(o.lat_e6)))
        .collect();
    points.extend(sites.iter().map(|(lon, lat, _)| (*lon, *lat)));
    if points.is_empty() {
        points.extend(facilities.iter().map(|(lon, lat, _)| (*lon, *lat)));
    }
    let width = 640.0;
    let (projection, height) = Projection::fit(&points, width)?;
    let (min_x, max_x, max_y) = (0.0, width, height);
    let inside = |x: &str, y: &str| {
        let (x, y): (f64, f64) = (x.parse().unwrap_or(-1.0), y.parse().unwrap_or(-1.0));
        x >= min_x && x <= max_x && y >= 0.0 && y <= max_y
    };
    let homes = drawn
        .iter()
        .map(|o| {
            let (x, y) = projection.xy(from_e6(o.lon_e6), from_e6(o.lat_e6));
            HomeDot {
                x,
                y,
                covered: covers(o.covered_mask, function),
            }
        })
        .collect();
    let marks = |list: &[(f64, f64, String)]| {
        list.iter()
            .filter_map(|(lon, lat, label)| {
                let (x, y) = projection.xy(*lon, *lat);
                inside(&x, &y).then(|| Mark {
                    x,
                    y,
                    label: label.clone(),
                })
            })
            .collect::<Vec<_>>()
    };
    Some(MapView {
        width: width as u32,
        height: height.ceil() as u32,
        homes,
        facilities: marks(facilities),
        sites: marks(sites),
        drawn: drawn.len(),
        total: origins.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// Coverage

pub struct ShareCell {
    pub share: String,
    pub counts: String,
}

pub struct CoverageLine {
    pub code: String,
    pub name: String,
    pub homes: i64,
    pub cells: Vec<ShareCell>,
}

pub struct GapLine {
    pub community: String,
    pub function: String,
    pub uncovered: i64,
    pub share: String,
}

pub struct RunInfo {
    pub computed_at: String,
    pub computed_by: String,
    pub network: String,
    pub speed: String,
    pub scope_note: String,
    pub boundaries: Vec<(String, String)>,
    pub missing: String,
    pub graph: String,
}

#[derive(Template)]
#[template(path = "circle_coverage.html")]
struct CoveragePage {
    page: Page,
    code: String,
    name: String,
    district: String,
    run: Option<RunInfo>,
    columns: Vec<String>,
    lines: Vec<CoverageLine>,
    gaps: Vec<GapLine>,
    map: Option<MapView>,
    map_function: String,
    map_choices: Vec<Choice>,
    can_compute: bool,
    network: String,
    csrf: String,
    speeds: Vec<Choice>,
    datums: Vec<Choice>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    computed: Option<String>,
    #[serde(default)]
    saved: Option<usize>,
}

/// Column keys of the coverage table: the nine functions, then all six.
fn column_keys() -> Vec<String> {
    ServiceFunction::ALL
        .iter()
        .map(|f| f.key().to_string())
        .chain(std::iter::once(ALL_SIX.to_string()))
        .collect()
}

fn map_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    column_keys()
        .into_iter()
        .map(|key| Choice {
            label: circle::function_name(&key, lang.is_en()),
            selected: key == chosen,
            value: key,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_coverage(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    function: &str,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let area = circle::viewable_area(state, user, code, en).await?;
    let Some(district) = circle::district_of(&area) else {
        return Ok(Redirect::to(&format!("/circle/areas/{code}")).into_response());
    };
    let function = if column_keys().iter().any(|k| k == function) {
        function.to_string()
    } else {
        ALL_SIX.to_string()
    };
    let names: BTreeMap<String, String> = state
        .store
        .regions_within(&circle::area(state, &district).await?, "community")
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let run = state.store.circle_run(&district).await?;
    let summary = run
        .as_ref()
        .map(|r| RunSummary::parse(&r.summary_json))
        .unwrap_or_default();
    let within = |c: &str| region::within(c, &area.code, &area.level);
    let rows: Vec<CoverageRow> = state
        .store
        .circle_coverage_of_district(&district)
        .await?
        .into_iter()
        .filter(|r| {
            (area.level == "district" && r.area_code == district)
                || (r.area_code != district && within(&r.area_code))
        })
        .collect();
    let mut by_area: BTreeMap<String, BTreeMap<String, CoverageRow>> = BTreeMap::new();
    for row in rows {
        by_area
            .entry(row.area_code.clone())
            .or_default()
            .insert(row.function.clone(), row);
    }
    let district_label = match run.as_ref().map(|r| r.scope.as_str()) {
        Some("extract") => pick(
            lang,
            "全区(路网范围内全部住宅)",
            "District (every home in the network)",
        ),
        _ => pick(
            lang,
            "全区(各社区合计)",
            "District (its communities together)",
        ),
    };
    let keys = column_keys();
    let mut lines: Vec<CoverageLine> = Vec::new();
    let mut gaps: Vec<GapLine> = Vec::new();
    for (area_code, cells) in &by_area {
        let name = if *area_code == district {
            district_label.clone()
        } else {
            names
                .get(area_code)
                .cloned()
                .unwrap_or_else(|| area_code.clone())
        };
        let homes = cells.values().map(|c| c.total).max().unwrap_or(0);
        let line = CoverageLine {
            code: area_code.clone(),
            name: name.clone(),
            homes,
            cells: keys
                .iter()
                .map(|k| match cells.get(k) {
                    Some(c) => ShareCell {
                        share: percent(c.share),
                        counts: format!("{}/{}", c.covered, c.total),
                    },
                    None => ShareCell {
                        share: "—".into(),
                        counts: String::new(),
                    },
                })
                .collect(),
        };
        if *area_code == district {
            lines.insert(0, line);
        } else {
            lines.push(line);
            for (key, cell) in cells {
                if cell.covered < cell.total
                    && !summary.functions_without_facilities.contains(key)
                    && key != ALL_SIX
                {
                    gaps.push(GapLine {
                        community: name.clone(),
                        function: circle::function_name(key, en),
                        uncovered: cell.total - cell.covered,
                        share: percent(cell.share),
                    });
                }
            }
        }
    }
    gaps.sort_by(|a, b| b.uncovered.cmp(&a.uncovered).then(a.share.cmp(&b.share)));
    gaps.truncate(20);
    let origins = state
        .store
        .circle_origins(
            &district,
            (area.level == "community").then_some(area.code.as_str()),
        )
        .await?;
    let shown: Vec<&OriginRow> = origins
        .iter()
        .filter(|o| area.level == "district" || o.community_code.as_deref().is_some_and(&within))
        .collect();
    let facilities: Vec<(f64, f64, String)> = state
        .store
        .facilities_of_district(&district)
        .await?
        .into_iter()
        .filter(|f| function == ALL_SIX || f.functions.contains(&function))
        .map(|f| (from_e6(f.lon_e6), from_e6(f.lat_e6), f.name))
        .collect();
    let run_info = run.as_ref().map(|r| RunInfo {
        computed_at: local_text(r.computed_at),
        computed_by: r.computed_by.clone(),
        network: r.network.clone(),
        speed: format!("{}", Dec2(r.speed_m_per_h / 10)),
        scope_note: if r.scope == "extract" {
            pick(
                lang,
                "本区还没有任何社区边界(上传的边界、网格或同名小区),数字按路网范围内的全部住宅计算,没有分社区的数字。",
                "No community of the district has a boundary yet (uploaded, grids or a compound of that name): the figures count every home in the network, with none per community.",
            )
        } else {
            String::new()
        },
        boundaries: summary
            .boundaries
            .iter()
            .map(|(code, source): (&String, &BoundarySource)| {
                (
                    names.get(code).cloned().unwrap_or_else(|| code.clone()),
                    source.label(en),
                )
            })
            .collect(),
        missing: functions_text(&summary.functions_without_facilities, lang),
        graph: pick(
            lang,
            format!("路网 {} 个节点、{} 条边;住宅 {} 处;设施 {} 处", summary.graph_nodes, summary.graph_edges, summary.origins, summary.facilities),
            format!("network {} nodes, {} edges; {} homes; {} facilities", summary.graph_nodes, summary.graph_edges, summary.origins, summary.facilities),
        ),
    });
    let speeds = [
        (
            "4",
            "4 千米/小时(15 分钟 1000 米)",
            "4 km/h (1000 m in 15 minutes)",
        ),
        (
            "3.2",
            "3.2 千米/小时(15 分钟 800 米,适合老年人)",
            "3.2 km/h (800 m in 15 minutes, for older walkers)",
        ),
    ]
    .into_iter()
    .map(|(value, zh, en_text)| Choice {
        selected: run.as_ref().map_or(value == "4", |r| {
            format!("{}", Dec2(r.speed_m_per_h / 10)) == value
        }),
        value: value.into(),
        label: pick(lang, zh, en_text),
    })
    .collect();
    let html = render(CoveragePage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/circle/areas/{code}/coverage"),
            format!(
                "{} · {}",
                pick(lang, "15分钟服务圈覆盖率", "15-minute circle coverage"),
                area.name
            ),
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        district: district.clone(),
        run: run_info,
        columns: keys.iter().map(|k| circle::function_name(k, en)).collect(),
        lines,
        gaps,
        map: map_view(&shown, &function, &facilities, &[]),
        map_choices: map_choices(lang, &function),
        map_function: circle::function_name(&function, en),
        can_compute: area.level == "district" && may_compute(user, &area.code),
        network: state.network.label().unwrap_or_default(),
        csrf: user.csrf.clone(),
        speeds,
        datums: datum_choices(lang, ""),
        errors,
        notice,
    })?;
    Ok((status, html).into_response())
}

/// GET /circle/areas/{code}/coverage?function=elderly_care
pub async fn coverage(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<CoverageQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = match (&query.computed, query.saved) {
        (Some(_), _) => Some(pick(lang, "覆盖率已重新计算", "Coverage computed again")),
        (None, Some(n)) => Some(pick(
            lang,
            format!("已保存 {n} 个社区边界,请重新计算覆盖率"),
            format!("Saved {n} community boundaries: compute coverage again"),
        )),
        _ => None,
    };
    render_coverage(
        &state,
        &jar,
        &user,
        &code,
        query.function.as_deref().unwrap_or(ALL_SIX),
        Vec::new(),
        notice,
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/areas/{code}/coverage (csrf, speed): computes the district's coverage again.
pub async fn recompute(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        user.check_csrf(&field("csrf"))?;
        let speed = match field("speed").trim() {
            "" => WalkingSpeed::DEFAULT,
            text => Dec2::parse(text)
                .ok()
                .and_then(|kmh| WalkingSpeed::from_km_per_hour(kmh).ok())
                .ok_or_else(|| {
                    AppError::BadRequest(pick(
                        lang,
                        "步行速度须在 0.5–20 千米/小时之间",
                        "the walking speed must be within 0.5–20 km/h",
                    ))
                })?,
        };
        circle::recompute(&state, &user, &code, speed, lang.is_en()).await?;
        Ok::<_, AppError>(
            Redirect::to(&format!("/circle/areas/{code}/coverage?computed=1")).into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/areas/{code}/boundaries (multipart: csrf, datum, file or geojson).
pub async fn boundaries(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let form: FormData = read_form(&state, request).await;
        if form.incomplete {
            return Err(AppError::BadRequest(pick(
                lang,
                "上传没有完成,请重试",
                "the upload did not complete; please try again",
            )));
        }
        user.check_csrf(&form.get("csrf").unwrap_or_default())?;
        let datum = form
            .get("datum")
            .as_deref()
            .and_then(Datum::parse)
            .unwrap_or(Datum::Wgs84);
        let text = match form.files.iter().find(|f| f.name == "file") {
            Some(f) if f.too_big => Err(pick(
                lang,
                "文件超过 10 MB 的上限",
                "the file is larger than the 10 MB limit",
            )),
            Some(f) => String::from_utf8(f.bytes.clone()).map_err(|_| {
                pick(
                    lang,
                    "文件不是 UTF-8 编码的文本",
                    "the file is not UTF-8 text",
                )
            }),
            None => match form.get("geojson") {
                Some(text) if !text.trim().is_empty() => Ok(text),
                _ => Err(pick(
                    lang,
                    "请选择 GeoJSON 文件或粘贴其内容",
                    "choose a GeoJSON file or paste its content",
                )),
            },
        };
        let outcome = match text {
            Ok(text) => {
                circle::save_boundaries(&state, &user, &code, &text, datum, lang.is_en()).await?
            }
            Err(e) => Err(vec![e]),
        };
        match outcome {
            Ok(n) => Ok(
                Redirect::to(&format!("/circle/areas/{code}/coverage?saved={n}")).into_response(),
            ),
            Err(problems) => {
                render_coverage(
                    &state,
                    &jar,
                    &user,
                    &code,
                    ALL_SIX,
                    problems
                        .into_iter()
                        .map(|p| ("boundary-file".to_string(), p))
                        .collect(),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// GET /circle/areas/{code}/origins.csv: every home of the area with its walking distance (m)
/// to the nearest facility of each function.
pub async fn origins_csv(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let area = circle::viewable_area(&state, &user, &code, lang.is_en()).await?;
        let district = circle::district_of(&area).ok_or(AppError::NotFound)?;
        let origins = state.store.circle_origins(&district, None).await?;
        let mut text = String::from("\u{feff}");
        let mut header = vec![
            pick(lang, "编号", "id"),
            pick(lang, "经度", "lon"),
            pick(lang, "纬度", "lat"),
            pick(lang, "社区", "community"),
        ];
        header.extend(
            ServiceFunction::ALL
                .iter()
                .map(|f| format!("{}{}", f.name(lang.is_en()), lang.pick("(米)", " (m)"))),
        );
        text.push_str(&header.join(","));
        text.push('\n');
        for o in origins.iter().filter(|o| {
            area.level == "district"
                || o.community_code
                    .as_deref()
                    .is_some_and(|c| region::within(c, &area.code, &area.level))
        }) {
            text.push_str(&format!(
                "{},{},{},{},{}\n",
                o.origin_ref,
                from_e6(o.lon_e6),
                from_e6(o.lat_e6),
                o.community_code.clone().unwrap_or_default(),
                o.distances_m.replace(';', ",")
            ));
        }
        Ok::<_, AppError>(
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"circle-homes.csv\"",
                    ),
                ],
                text,
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

// ---------------------------------------------------------------------------------------------
// Siting

pub struct SiteLine {
    pub rank: usize,
    pub position: String,
    pub community: String,
    pub gain: u64,
    pub covered_after: String,
}

#[derive(Template)]
#[template(path = "circle_siting.html")]
struct SitingPage {
    page: Page,
    code: String,
    name: String,
    functions: Vec<Choice>,
    count: usize,
    max_sites: usize,
    outcome: Option<SitingOutcome>,
    function_name: String,
    before: String,
    sites: Vec<SiteLine>,
    map: Option<MapView>,
}

#[derive(Deserialize, Default)]
pub struct SitingQuery {
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    count: Option<usize>,
}

fn share_text(part: u64, whole: u64) -> String {
    let share = Dec2::percent_of(Dec2::from_int(part as i64), Dec2::from_int(whole as i64));
    format!("{part}/{whole}({share}%)")
}

/// GET /circle/areas/{code}/siting?function=elderly_care&count=3
pub async fn siting(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<SitingQuery>,
) -> Response {
    let result = async {
        let lang = Lang::from_jar(&jar);
        let en = lang.is_en();
        let area = circle::viewable_area(&state, &user, &code, en).await?;
        let function = query.function.as_deref().and_then(ServiceFunction::parse);
        let count = query.count.unwrap_or(3).clamp(1, circle::MAX_SITES);
        let outcome = match function {
            Some(f) => Some(circle::siting(&state, &user, &code, f, count, en).await?),
            None => None,
        };
        let district = area.code.clone();
        let names: BTreeMap<String, String> = state
            .store
            .regions_within(&area, "community")
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
        let (sites, map, before) = match &outcome {
            Some(o) => {
                let sites: Vec<SiteLine> = o
                    .sites
                    .iter()
                    .map(|s| SiteLine {
                        rank: s.rank,
                        position: format!("{:.6}, {:.6}", s.lon, s.lat),
                        community: s
                            .community
                            .as_ref()
                            .map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone()))
                            .unwrap_or_default(),
                        gain: s.gain,
                        covered_after: share_text(s.covered_after, o.total),
                    })
                    .collect();
                let origins = state.store.circle_origins(&district, None).await?;
                let refs: Vec<&OriginRow> = origins.iter().collect();
                let marks: Vec<(f64, f64, String)> = o
                    .sites
                    .iter()
                    .map(|s| (s.lon, s.lat, s.rank.to_string()))
                    .collect();
                let facilities: Vec<(f64, f64, String)> = state
                    .store
                    .facilities_of_district(&district)
                    .await?
                    .into_iter()
                    .filter(|f| f.functions.iter().any(|k| k == o.function.key()))
                    .map(|f| (from_e6(f.lon_e6), from_e6(f.lat_e6), f.name))
                    .collect();
                let map = map_view(&refs, o.function.key(), &facilities, &marks);
                (sites, map, share_text(o.covered_before, o.total))
            }
            None => (Vec::new(), None, String::new()),
        };
        render(SitingPage {
            page: Page::new(
                &jar,
                Some(user.clone()),
                &format!("/circle/areas/{code}/siting"),
                format!(
                    "{} · {}",
                    pick(lang, "选址建议", "Siting suggestions"),
                    area.name
                ),
            ),
            code: area.code.clone(),
            name: area.name.clone(),
            functions: ServiceFunction::ALL
                .iter()
                .map(|f| Choice {
                    value: f.key().to_string(),
                    label: f.name(en).to_string(),
                    selected: Some(*f) == function,
                })
                .collect(),
            count,
            max_sites: circle::MAX_SITES,
            function_name: function.map(|f| f.name(en).to_string()).unwrap_or_default(),
            outcome,
            before,
            sites,
            map,
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

// ---------------------------------------------------------------------------------------------
// Centres and ratings

pub struct ClauseField {
    pub id: String,
    pub anchor: String,
    pub text: String,
    pub points: String,
    /// `met`, `graded`, `numeric`, `survey` or `metric`.
    pub kind: &'static str,
    pub value: String,
    pub source: String,
    pub platform: String,
    pub surveys: Vec<Choice>,
    pub unit: String,
    pub error: String,
}

pub struct CategoryFields {
    pub name: String,
    pub points: String,
    pub clauses: Vec<ClauseField>,
}

pub struct ResultLine {
    pub name: String,
    pub earned: String,
    pub max: String,
}

pub struct RatingLine {
    pub year: i64,
    pub total: String,
    pub star: String,
    pub rated_by: String,
    pub rated_at: String,
    pub version: String,
}

pub struct LatestResult {
    pub year: i64,
    pub total: String,
    pub max: String,
    pub star: String,
    pub categories: Vec<ResultLine>,
    pub not_assessed: String,
}

#[derive(Template)]
#[template(path = "circle_centre.html")]
struct CentrePage {
    page: Page,
    id: String,
    name: String,
    community: String,
    community_code: String,
    service_area: String,
    standard: String,
    latest: Option<LatestResult>,
    history: Vec<RatingLine>,
    can_rate: bool,
    csrf: String,
    year: String,
    categories: Vec<CategoryFields>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
}

fn category_fields(
    standard: &Standard,
    figures: &PlatformFigures,
    fields: &[(String, String)],
    errors: &[FieldError],
    lang: Lang,
) -> Vec<CategoryFields> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let en = lang.is_en();
    standard
        .categories
        .iter()
        .map(|category| CategoryFields {
            name: if en {
                category
                    .name_en
                    .clone()
                    .unwrap_or_else(|| category.name.clone())
            } else {
                category.name.clone()
            },
            points: category
                .items
                .iter()
                .flat_map(|i| i.clauses.iter())
                .map(|c| c.points)
                .sum::<Dec2>()
                .to_string(),
            clauses: category
                .items
                .iter()
                .flat_map(|i| i.clauses.iter())
                .map(|clause| {
                    let id = clause.id.clone();
                    let error = errors
                        .iter()
                        .filter(|e| e.field == format!("c.{id}"))
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(";");
                    let value = field(&format!("c.{id}")).unwrap_or_default();
                    let mut unit = String::new();
                    let mut platform = String::new();
                    let mut surveys = Vec::new();
                    let (kind, default_source) = match &clause.judge {
                        _ if clause.veto => ("met", ""),
                        Judge::Met => ("met", ""),
                        Judge::Graded => ("graded", ""),
                        Judge::Numeric {
                            measure, unit: u, ..
                        } => {
                            unit = u.clone().unwrap_or_default();
                            let figure = match platform_measure(measure) {
                                Some("activities.count") => figures.activities,
                                Some("people_served.count") => figures.people_served,
                                _ => None,
                            };
                            match figure {
                                Some(v) => {
                                    platform = v.to_string();
                                    (
                                        "numeric",
                                        if v > Dec2::ZERO {
                                            "platform"
                                        } else {
                                            "entered"
                                        },
                                    )
                                }
                                None => ("numeric", "entered"),
                            }
                        }
                        Judge::Survey { .. } => {
                            unit = "%".into();
                            let chosen = field(&format!("src.{id}"));
                            surveys = figures
                                .surveys
                                .iter()
                                .enumerate()
                                .map(|(i, s)| Choice {
                                    value: format!("survey:{}", s.round_id),
                                    label: pick(
                                        lang,
                                        format!(
                                            "{} 年度调查:满意率 {}%({} 人)",
                                            s.year, s.rate, s.respondents
                                        ),
                                        format!(
                                            "{} survey: {}% satisfied ({} respondents)",
                                            s.year, s.rate, s.respondents
                                        ),
                                    ),
                                    selected: chosen
                                        .as_deref()
                                        .map_or(i == 0, |c| c == format!("survey:{}", s.round_id)),
                                })
                                .collect();
                            (
                                "survey",
                                if surveys.is_empty() {
                                    "entered"
                                } else {
                                    "survey"
                                },
                            )
                        }
                        Judge::Metric {
                            metric, unit: u, ..
                        } => {
                            unit = u.clone().unwrap_or_default();
                            platform = figures
                                .circle
                                .get(metric)
                                .map(|v| v.to_string())
                                .unwrap_or_default();
                            ("metric", "circle")
                        }
                    };
                    let source =
                        field(&format!("src.{id}")).unwrap_or_else(|| default_source.to_string());
                    let source = if source.starts_with("survey:") {
                        "survey".to_string()
                    } else {
                        source
                    };
                    ClauseField {
                        anchor: format!("c-{}", id.replace('.', "-")),
                        text: if en {
                            clause
                                .text_en
                                .clone()
                                .unwrap_or_else(|| clause.text.clone())
                        } else {
                            clause.text.clone()
                        },
                        points: clause.points.to_string(),
                        kind,
                        value,
                        source,
                        platform,
                        surveys,
                        unit,
                        error,
                        id,
                    }
                })
                .collect(),
        })
        .collect()
}

fn latest_result(row: &xingfu_store::facilities::RatingRow, lang: Lang) -> LatestResult {
    let card: Value = serde_json::from_str(&row.result_json).unwrap_or(Value::Null);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    LatestResult {
        year: row.year,
        total: Dec2(row.total).to_string(),
        max: text(&card["max"]),
        star: crate::web::page::star_text(lang, Some(row.star)),
        categories: card["categories"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| ResultLine {
                        name: text(&c["name"]),
                        earned: text(&c["earned"]),
                        max: text(&c["max"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        not_assessed: card["not_assessed"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(text)
                    .collect::<Vec<_>>()
                    .join(lang.pick("、", ", "))
            })
            .unwrap_or_default(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_centre(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    year: i64,
    fields: &[(String, String)],
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let (centre, community) = circle::viewable_centre(state, user, id, en).await?;
    let standard = circle::centre_standard(state, None, en).await?;
    let figures = circle::platform_figures(state, user, &community.code, year, en).await?;
    let ratings = state.store.centre_ratings(id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(CentrePage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/circle/centres/{id}"),
            format!(
                "{} · {}",
                pick(lang, "邻里中心", "Neighbourhood centre"),
                centre.facility.name
            ),
        ),
        id: id.to_string(),
        name: centre.facility.name.clone(),
        community: community.name.clone(),
        community_code: community.code.clone(),
        service_area: centre.service_area.clone(),
        standard: format!(
            "{} {}",
            if en {
                standard
                    .name_en
                    .clone()
                    .unwrap_or_else(|| standard.name.clone())
            } else {
                standard.name.clone()
            },
            standard.version
        ),
        latest: ratings.first().map(|r| latest_result(r, lang)),
        history: ratings
            .iter()
            .map(|r| RatingLine {
                year: r.year,
                total: Dec2(r.total).to_string(),
                star: crate::web::page::star_text(lang, Some(r.star)),
                rated_by: r.rated_by.clone(),
                rated_at: local_text(r.rated_at),
                version: format!("{} {}", r.standard_id, r.standard_version),
            })
            .collect(),
        can_rate: may_rate(user, &community.code),
        csrf: user.csrf.clone(),
        year: year.to_string(),
        categories: category_fields(&standard, &figures, fields, &errors, lang),
        errors: error_pairs(&errors),
        notice,
    })?;
    Ok((status, html).into_response())
}

fn this_year() -> i64 {
    circle::year_of(crate::app::state::now_ms())
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    rated: Option<String>,
}

/// GET /circle/centres/{id}?year=2024
pub async fn centre(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<YearQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(this_year);
    let notice = query
        .rated
        .map(|_| pick(lang, "评定已保存", "Rating saved"));
    render_centre(&state, &jar, &user, &id, year, &[], Vec::new(), notice)
        .await
        .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /circle/centres/{id}: rates the centre.
pub async fn rate(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let en = Lang::from_jar(&jar).is_en();
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        user.check_csrf(csrf)?;
        match circle::rate_centre(&state, &user, &id, &fields, en).await? {
            Ok(row) => Ok(
                Redirect::to(&format!("/circle/centres/{id}?year={}&rated=1", row.year))
                    .into_response(),
            ),
            Err(errors) => {
                let year = fields
                    .iter()
                    .find(|(k, _)| k == "year")
                    .and_then(|(_, v)| v.trim().parse::<i64>().ok())
                    .filter(|y| (2000..=2100).contains(y))
                    .unwrap_or_else(this_year);
                render_centre(&state, &jar, &user, &id, year, &fields, errors, None).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

pub fn routes() -> axum::Router<crate::app::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/circle", get(home))
        .route("/circle/areas/{code}", get(facilities))
        .route("/circle/areas/{code}/facilities", post(create))
        .route("/circle/areas/{code}/facilities/new", get(new_facility))
        .route("/circle/areas/{code}/import-network", post(import_network))
        .route(
            "/circle/areas/{code}/coverage",
            get(coverage).post(recompute),
        )
        .route("/circle/areas/{code}/origins.csv", get(origins_csv))
        .route("/circle/areas/{code}/siting", get(siting))
        .route("/circle/facilities/{id}", get(facility).post(update))
        .route("/circle/facilities/{id}/delete", post(delete))
        .route("/circle/facilities/{id}/centre", post(centre_flag))
        .route("/circle/centres/{id}", get(centre).post(rate))
}
