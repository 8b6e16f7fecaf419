//! Open311 GeoReport v2 at `/open311/v2/`, so existing reporting apps and city systems can send
//! and follow 随手拍 events: `services.json|xml`, `services/{code}.json|xml`,
//! `requests.json|xml` (GET and POST) and `requests/{id}.json|xml`.
//!
//! - `api_key` (required to POST) is an API token of an account: the token
//!   `POST /api/v1/session` gives. The account is the reporter of what it posts.
//! - A request is routed by its `lat`/`long` (WGS-84): to the grid that contains it, in that
//!   grid's community; outside every grid, to the community named by `jurisdiction_id`
//!   (a 12-digit community code), else to the reporting account's own community.
//! - A photo may come as a `media` file (multipart), checked and re-encoded like every photo;
//!   a `media_url` is kept as given, never fetched, and shown only as a link.
//! - Statuses: the core's mapping (reported … resolved are `open`; closed, rejected, merged are
//!   `closed`, with `status_notes` saying which). `GET requests` is public, as the specification
//!   intends: descriptions, positions, statuses and photos, never contact details.
//! - Language: `locale=en` or `Accept-Language: en…` for English, else Chinese.
//! - Errors are GeoReport's list of `{code, description}` with the same HTTP status.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::{Event, EventId, EventState};
use xingfu_core::ops::grid::{self, Route};
use xingfu_core::ops::open311::{
    DEFAULT_WINDOW_DAYS, Language, MAX_REQUESTS, Open311Error, PostServiceRequest, Service,
    ServiceRequest, Status, parse_w3c_datetime, service_definition, services,
};
use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::Store;
use xingfu_store::events::Extras;

use crate::app::clock::now_ms;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::events::service::{
    EVENT_BODY_LIMIT, Intake, clean_photos, ops_person_of, report_error_text, report_event, rules,
};
use crate::i18n::Lang;
use crate::web::upload::read_form;

/// Where the endpoint is mounted.
pub const BASE: &str = "/open311/v2";

/// The GeoReport routes. Mounted outside the site-wide form limit: a POST may carry a photo.
pub fn routes() -> Router<AppState> {
    let v2 = Router::new()
        .route("/services.json", get(services_json))
        .route("/services.xml", get(services_xml))
        .route("/services/{file}", get(definition))
        .route("/requests.json", get(requests_json).post(post_json))
        .route("/requests.xml", get(requests_xml).post(post_xml))
        .route("/requests/{file}", get(request_by_id))
        .layer(axum::extract::DefaultBodyLimit::max(EVENT_BODY_LIMIT));
    Router::new().nest(BASE, v2)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

fn split_format(file: &str) -> Option<(&str, Format)> {
    if let Some(stem) = file.strip_suffix(".json") {
        Some((stem, Format::Json))
    } else {
        file.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
    }
}

/// The stem and format of a `{stem}.json|xml` file in the path, and the answer's language; any
/// other file is a 404 (answered in JSON) that says how to ask.
fn addressed<'f>(
    file: &'f str,
    headers: &HeaderMap,
    q: &[(String, String)],
    usage: &str,
) -> Result<(&'f str, Format, Language), Open311Error> {
    match split_format(file) {
        Some((stem, format)) => Ok((stem, format, language(headers, q))),
        None => Err(Open311Error::new(404, usage)),
    }
}

fn language(headers: &HeaderMap, query: &[(String, String)]) -> Language {
    let locale = query
        .iter()
        .find(|(k, _)| k == "locale")
        .map(|(_, v)| v.to_lowercase());
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_lowercase);
    let english = match locale {
        Some(l) => l.starts_with("en"),
        None => accept.is_some_and(|a| a.trim_start().starts_with("en")),
    };
    if english { Language::En } else { Language::Zh }
}

/// The server's language for a GeoReport one.
fn lang_of(language: Language) -> Lang {
    match language {
        Language::Zh => Lang::Zh,
        Language::En => Lang::En,
    }
}

fn text(language: Language, zh: &str, en: &str) -> String {
    match language {
        Language::Zh => zh.to_string(),
        Language::En => en.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, value: Option<&str>) {
    match value {
        Some(v) => out.push_str(&format!("<{name}>{}</{name}>", escape(v))),
        None => out.push_str(&format!("<{name}/>")),
    }
}

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

fn respond(status: StatusCode, format: Format, body: String) -> Response {
    let content_type = match format {
        Format::Json => "application/json; charset=utf-8",
        Format::Xml => "application/xml; charset=utf-8",
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn error(format: Format, e: Open311Error) -> Response {
    let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
    let body = match format {
        Format::Json => json!([{ "code": e.code, "description": e.description }]).to_string(),
        Format::Xml => {
            let mut out = format!("{XML_HEAD}<errors><error>");
            element(&mut out, "code", Some(&e.code.to_string()));
            element(&mut out, "description", Some(&e.description));
            out.push_str("</error></errors>");
            out
        }
    };
    respond(status, format, body)
}

fn internal(format: Format, e: impl std::fmt::Display) -> Response {
    tracing::error!("open311: {e}");
    error(
        format,
        Open311Error::new(500, "internal error; nothing was saved"),
    )
}

/// A list as JSON, or as XML: `<outer>` holding one `<inner>` element per item.
fn list_body<T: serde::Serialize>(
    format: Format,
    list: &[T],
    (outer, inner): (&str, &str),
    fields: impl Fn(&mut String, &T),
) -> String {
    match format {
        Format::Json => serde_json::to_string(list).unwrap_or_else(|_| "[]".into()),
        Format::Xml => {
            let mut out = format!("{XML_HEAD}<{outer}>");
            for item in list {
                out.push_str(&format!("<{inner}>"));
                fields(&mut out, item);
                out.push_str(&format!("</{inner}>"));
            }
            out.push_str(&format!("</{outer}>"));
            out
        }
    }
}

fn services_body(format: Format, list: &[Service]) -> String {
    list_body(format, list, ("services", "service"), |out, s| {
        element(out, "service_code", Some(&s.service_code));
        element(out, "service_name", Some(&s.service_name));
        element(out, "description", Some(&s.description));
        element(
            out,
            "metadata",
            Some(if s.metadata { "true" } else { "false" }),
        );
        element(out, "type", Some(&s.kind));
        element(out, "keywords", Some(&s.keywords));
        element(out, "group", Some(&s.group));
    })
}

fn requests_body(format: Format, list: &[ServiceRequest]) -> String {
    list_body(format, list, ("service_requests", "request"), |out, r| {
        element(out, "service_request_id", Some(&r.service_request_id));
        element(
            out,
            "status",
            Some(match r.status {
                Status::Open => "open",
                Status::Closed => "closed",
            }),
        );
        element(out, "status_notes", r.status_notes.as_deref());
        element(out, "service_name", r.service_name.as_deref());
        element(out, "service_code", Some(&r.service_code));
        element(out, "description", r.description.as_deref());
        element(out, "agency_responsible", r.agency_responsible.as_deref());
        element(out, "service_notice", r.service_notice.as_deref());
        element(out, "requested_datetime", Some(&r.requested_datetime));
        element(out, "updated_datetime", Some(&r.updated_datetime));
        element(out, "expected_datetime", r.expected_datetime.as_deref());
        element(out, "address", r.address.as_deref());
        element(out, "address_id", r.address_id.as_deref());
        element(out, "zipcode", r.zipcode.as_deref());
        element(out, "lat", r.lat.map(|v| v.to_string()).as_deref());
        element(out, "long", r.lon.map(|v| v.to_string()).as_deref());
        element(out, "media_url", r.media_url.as_deref());
    })
}

/// Events as GeoReport requests: the first report photo (ours) as `media_url`, else the
/// `media_url` the reporting system gave.
async fn service_requests(
    state: &AppState,
    store: &Store,
    headers: &HeaderMap,
    events: &[Event],
    language: Language,
) -> Result<Vec<ServiceRequest>, xingfu_store::StoreError> {
    let base = crate::web::public_base::public_base(state, headers);
    let without_photo: Vec<EventId> = events
        .iter()
        .filter(|e| e.photos.is_empty())
        .map(|e| e.id)
        .collect();
    let external = store.external_media(&without_photo).await?;
    Ok(events
        .iter()
        .map(|e| {
            let media = match e.photos.first() {
                Some(photo) => Some(format!("{base}/event-photos/{photo}")),
                None => external
                    .iter()
                    .find(|(id, _)| *id == e.id)
                    .map(|(_, url)| url.clone()),
            };
            ServiceRequest::from_event(e, rules(), media, language)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Services

async fn services_json(headers: HeaderMap, Query(q): Query<Vec<(String, String)>>) -> Response {
    list_services(Format::Json, &headers, &q)
}

async fn services_xml(headers: HeaderMap, Query(q): Query<Vec<(String, String)>>) -> Response {
    list_services(Format::Xml, &headers, &q)
}

fn list_services(format: Format, headers: &HeaderMap, q: &[(String, String)]) -> Response {
    let list = services(rules(), language(headers, q));
    respond(StatusCode::OK, format, services_body(format, &list))
}

async fn definition(
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let (code, format, language) =
        match addressed(&file, &headers, &q, "use services/{code}.json or .xml") {
            Ok(found) => found,
            Err(e) => return error(Format::Json, e),
        };
    let Some(found) = service_definition(rules(), code) else {
        return error(
            format,
            Open311Error::new(
                404,
                match language {
                    Language::Zh => format!("没有服务代码 {code}"),
                    Language::En => format!("service_code {code:?} not found"),
                },
            ),
        );
    };
    let body = match format {
        Format::Json => serde_json::to_string(&found).unwrap_or_default(),
        Format::Xml => {
            let mut out = format!("{XML_HEAD}<service_definition>");
            element(&mut out, "service_code", Some(&found.service_code));
            out.push_str("<attributes/></service_definition>");
            out
        }
    };
    respond(StatusCode::OK, format, body)
}

// ---------------------------------------------------------------------------------------------
// GET requests

async fn requests_json(
    State(state): State<AppState>,
    freshness: Freshness,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    get_requests(&state, freshness, &headers, &q, Format::Json).await
}

async fn requests_xml(
    State(state): State<AppState>,
    freshness: Freshness,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    get_requests(&state, freshness, &headers, &q, Format::Xml).await
}

fn param<'q>(q: &'q [(String, String)], name: &str) -> Option<&'q str> {
    q.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn list_param(q: &[(String, String)], name: &str) -> Vec<String> {
    param(q, name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads may come from the replica (see `crate::app::reads`); one that fails there is read
/// again from the primary.
async fn get_requests(
    state: &AppState,
    freshness: Freshness,
    headers: &HeaderMap,
    q: &[(String, String)],
    format: Format,
) -> Response {
    let store = state.reads(freshness);
    let answer = match requests_from(state, store, headers, q, format).await {
        Err(e) if state.is_replica(store) => {
            state.replica_failed(&e);
            requests_from(state, &state.store, headers, q, format).await
        }
        other => other,
    };
    answer.unwrap_or_else(|e| internal(format, e))
}

async fn requests_from(
    state: &AppState,
    store: &Store,
    headers: &HeaderMap,
    q: &[(String, String)],
    format: Format,
) -> Result<Response, xingfu_store::StoreError> {
    let language = language(headers, q);
    let events = match select_requests(store, q, language).await? {
        Ok(events) => events,
        Err(e) => return Ok(error(format, e)),
    };
    let list = service_requests(state, store, headers, &events, language).await?;
    Ok(respond(
        StatusCode::OK,
        format,
        requests_body(format, &list),
    ))
}

/// Events answered as GeoReport requests (read from the primary).
async fn answer_requests(
    state: &AppState,
    headers: &HeaderMap,
    events: &[Event],
    language: Language,
    format: Format,
) -> Response {
    match service_requests(state, &state.store, headers, events, language).await {
        Ok(list) => respond(StatusCode::OK, format, requests_body(format, &list)),
        Err(e) => internal(format, e),
    }
}

async fn select_requests(
    store: &Store,
    q: &[(String, String)],
    language: Language,
) -> Result<Result<Vec<Event>, Open311Error>, xingfu_store::StoreError> {
    // By id, the other filters are ignored (GeoReport v2).
    let ids = list_param(q, "service_request_id");
    if !ids.is_empty() {
        let mut events = Vec::new();
        for id in ids.iter().take(MAX_REQUESTS) {
            if let Ok(n) = id.parse::<u64>()
                && let Some(e) = store.event(EventId(n)).await?
            {
                events.push(e);
            }
        }
        return Ok(Ok(events));
    }
    let bad = |field: &str, e: String| Open311Error::new(400, format!("{field}: {e}"));
    let date = |name: &str| -> Result<Option<i64>, Open311Error> {
        param(q, name)
            .map(|t| parse_w3c_datetime(t).map_err(|e| bad(name, e.to_string())))
            .transpose()
    };
    let (start, end) = match (date("start_date"), date("end_date")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    let end = end.unwrap_or_else(now_ms);
    let start = start.unwrap_or(end.saturating_sub(DEFAULT_WINDOW_DAYS * 86_400_000));
    let mut statuses = Vec::new();
    for s in list_param(q, "status") {
        match Status::parse(&s) {
            Some(status) => statuses.push(status),
            None => {
                return Ok(Err(bad(
                    "status",
                    text(language, "须为 open 或 closed", "must be open or closed"),
                )));
            }
        }
    }
    let states: Option<Vec<EventState>> = (!statuses.is_empty()).then(|| {
        EventState::ALL
            .into_iter()
            .filter(|s| statuses.contains(&Status::of(*s)))
            .collect()
    });
    let codes = list_param(q, "service_code");
    let prefix = match param(q, "jurisdiction_id") {
        None => None,
        Some(code) => match store.region(code).await? {
            Some(r) => Some(region::subtree_prefix(&r.code, &r.level).to_string()),
            None => {
                return Ok(Err(Open311Error::new(
                    404,
                    match language {
                        Language::Zh => format!("没有区划 {code}"),
                        Language::En => format!("jurisdiction_id {code:?} not found"),
                    },
                )));
            }
        },
    };
    let one_code = (codes.len() == 1).then(|| codes[0].as_str());
    let mut events = store
        .events_reported_between(
            prefix.as_deref(),
            start,
            end,
            one_code,
            states.as_deref(),
            MAX_REQUESTS as i64,
        )
        .await?;
    if codes.len() > 1 {
        events.retain(|e| codes.contains(&e.category));
    }
    Ok(Ok(events))
}

async fn request_by_id(
    State(state): State<AppState>,
    freshness: Freshness,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let (id, format, language) =
        match addressed(&file, &headers, &q, "use requests/{id}.json or .xml") {
            Ok(found) => found,
            Err(e) => return error(Format::Json, e),
        };
    let not_found = || {
        Open311Error::new(
            404,
            match language {
                Language::Zh => format!("没有编号为 {id} 的请求"),
                Language::En => format!("service_request_id {id} not found"),
            },
        )
    };
    let Ok(n) = id.parse::<u64>() else {
        return error(format, not_found());
    };
    // A request just posted may not be on a lagging replica yet: absent there, ask the primary.
    let store = state.reads(freshness);
    let found = match store.event(EventId(n)).await {
        Ok(Some(e)) => Ok(Some(e)),
        Ok(None) if state.is_replica(store) => state.store.event(EventId(n)).await,
        Err(e) if state.is_replica(store) => {
            state.replica_failed(&e);
            state.store.event(EventId(n)).await
        }
        other => other,
    };
    let event = match found {
        Ok(Some(e)) => e,
        Ok(None) => return error(format, not_found()),
        Err(e) => return internal(format, e),
    };
    answer_requests(&state, &headers, &[event], language, format).await
}

// ---------------------------------------------------------------------------------------------
// POST requests

async fn post_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    post_request(&state, &headers, request, Format::Json).await
}

async fn post_xml(State(state): State<AppState>, headers: HeaderMap, request: Request) -> Response {
    post_request(&state, &headers, request, Format::Xml).await
}

/// The longest `media_url` kept.
const MAX_MEDIA_URL: usize = 2048;

async fn post_request(
    state: &AppState,
    headers: &HeaderMap,
    request: Request,
    format: Format,
) -> Response {
    let query: Vec<(String, String)> = Query::try_from_uri(request.uri())
        .map(|Query(q)| q)
        .unwrap_or_default();
    let form = read_form(state, request).await;
    let mut fields = query;
    fields.extend(form.fields.iter().cloned());
    let language = language(headers, &fields);
    let t = |zh: &str, en: &str| text(language, zh, en);
    if form.incomplete {
        return error(
            format,
            Open311Error::new(400, t("请求不完整", "the request did not arrive whole")),
        );
    }
    let Some(api_key) = param(&fields, "api_key") else {
        return error(
            format,
            Open311Error::new(403, t("缺少 api_key", "api_key is required")),
        );
    };
    let now = now_ms();
    let (user, reporter) = match state.store.session(api_key, now).await {
        Ok(Some((_, user))) => {
            let role = Role::parse(&user.role);
            let person = match role {
                Some(role) => match ops_person_of(&state.store, &user, role).await {
                    Ok(p) => p,
                    Err(e) => return internal(format, e),
                },
                None => None,
            };
            match person {
                Some(p) => (user, p),
                None => {
                    return error(
                        format,
                        Open311Error::new(
                            403,
                            t("该账号不能上报事件", "this account cannot report events"),
                        ),
                    );
                }
            }
        }
        Ok(None) => {
            return error(
                format,
                Open311Error::new(403, t("api_key 无效或已过期", "api_key is not valid")),
            );
        }
        Err(e) => return internal(format, e),
    };
    let number = |name: &str| -> Result<Option<f64>, Open311Error> {
        match param(&fields, name) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| Open311Error::new(400, format!("{name}: {v:?} is not a number"))),
        }
    };
    let (lat, lon) = match (number("lat"), number("long")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return error(format, e),
    };
    let get = |name: &str| param(&fields, name).map(str::to_string);
    let post = PostServiceRequest {
        jurisdiction_id: get("jurisdiction_id"),
        service_code: get("service_code").unwrap_or_default(),
        lat,
        lon,
        address_string: get("address_string"),
        address_id: get("address_id"),
        email: get("email"),
        device_id: get("device_id"),
        account_id: get("account_id"),
        first_name: get("first_name"),
        last_name: get("last_name"),
        phone: get("phone"),
        description: get("description"),
        media_url: get("media_url"),
    };
    let report = match post.to_report(rules()) {
        Ok(r) => r,
        Err(e) => return error(format, e),
    };
    if let Some(url) = &post.media_url
        && (url.len() > MAX_MEDIA_URL
            || !(url.starts_with("https://") || url.starts_with("http://")))
    {
        return error(
            format,
            Open311Error::new(
                400,
                t(
                    "media_url 须为 http(s) 链接，且不超过 2048 个字符",
                    "media_url must be an http(s) URL of at most 2048 characters",
                ),
            ),
        );
    }
    let Ok(media) = form.files_named("media") else {
        let r = crate::app::files::too_big();
        return error(
            format,
            Open311Error::new(413, if language == Language::En { r.en } else { r.zh }),
        );
    };
    let media = media.into_iter().map(<[u8]>::to_vec).collect();
    let photos = match clean_photos(&state.decoding, media).await {
        Ok(Ok(p)) => p,
        Ok(Err((_, refusal))) => {
            let status = if refusal.too_big { 413 } else { 400 };
            return error(
                format,
                Open311Error::new(
                    status,
                    if language == Language::En {
                        refusal.en
                    } else {
                        refusal.zh
                    },
                ),
            );
        }
        Err(e) => return internal(format, e),
    };
    let location = report.location;
    let community = match community_for(
        state,
        location,
        post.jurisdiction_id.as_deref(),
        &user.region_code,
    )
    .await
    {
        Ok(Some(c)) => c,
        Ok(None) => {
            return error(
                format,
                Open311Error::new(
                    400,
                    t(
                        "该位置不在任何网格内：请以 jurisdiction_id 给出 12 位社区代码",
                        "the position lies in no grid: give the 12-digit community code as jurisdiction_id",
                    ),
                ),
            );
        }
        Err(e) => return internal(format, e),
    };
    let contact: serde_json::Map<String, serde_json::Value> = [
        ("first_name", &post.first_name),
        ("last_name", &post.last_name),
        ("phone", &post.phone),
        ("email", &post.email),
        ("device_id", &post.device_id),
        ("account_id", &post.account_id),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), json!(v))))
    .collect();
    let intake = Intake {
        category: report.category,
        description: report.description,
        location,
        datum: Datum::Wgs84,
        address: report.address,
        photos,
        extras: Extras {
            contact: (!contact.is_empty()).then(|| serde_json::Value::Object(contact).to_string()),
            external_media: post.media_url.clone(),
        },
    };
    // An external media_url counts as the report's picture for the "say something" rule.
    let intake = if intake.description.trim().is_empty()
        && intake.photos.is_empty()
        && intake.extras.external_media.is_some()
    {
        Intake {
            description: t("（见图片链接）", "(see the media link)"),
            ..intake
        }
    } else {
        intake
    };
    match report_event(state, &community, Some(&reporter), intake, now).await {
        Ok(Ok(event)) => {
            let id = event.id.to_string();
            let body = match format {
                Format::Json => json!([{
                    "service_request_id": id,
                    "service_notice": null,
                    "account_id": null,
                }])
                .to_string(),
                Format::Xml => {
                    let mut out = format!("{XML_HEAD}<service_requests><request>");
                    element(&mut out, "service_request_id", Some(&id));
                    element(&mut out, "service_notice", None);
                    element(&mut out, "account_id", None);
                    out.push_str("</request></service_requests>");
                    out
                }
            };
            respond(StatusCode::CREATED, format, body)
        }
        Ok(Err(e)) => error(
            format,
            Open311Error::new(400, report_error_text(&e, lang_of(language))),
        ),
        Err(e) => internal(format, e),
    }
}

/// The community a posted request belongs to (see the module comment).
async fn community_for(
    state: &AppState,
    point: GeoPoint,
    jurisdiction: Option<&str>,
    account_region: &str,
) -> Result<Option<String>, xingfu_store::StoreError> {
    let grids = state.store.grids_around(point).await?;
    if let Route::Grid(g) = grid::route(point, &grids) {
        return Ok(Some(g.community.clone()));
    }
    for code in jurisdiction
        .into_iter()
        .chain(std::iter::once(account_region))
    {
        if let Some(r) = state.store.region(code).await?
            && r.level == "community"
        {
            return Ok(Some(r.code));
        }
    }
    Ok(None)
}
