//! The Open311 GeoReport v2 view of events: service list and definitions from categories,
//! service requests from events, the POST form to a report, W3C datetimes, and errors, with
//! the JSON field names of the specification. XML rendering is left to the server.
//!
//! GeoReport has two statuses. Our richer states map as: reported, accepted, dispatched,
//! in progress and resolved are `open` (resolved still waits for the reporter, who may reopen
//! it, so the loop is not closed); closed, rejected and merged are `closed`, with
//! `status_notes` saying which. `service_code` is the category key. `lat`/`long` are WGS-84.
//! Datetimes are written in China Standard Time (+08:00). A request must carry `lat` and
//! `long`: events are routed to grids by location, so an address alone is refused.

use serde::{Deserialize, Serialize};

use super::coords::{Datum, GeoPoint};
use super::events::{Event, EventRules, EventState, NewReport};
use crate::dates::{Moment, civil_from_days, days_from_civil, days_in_month};

/// China Standard Time, minutes east of UTC.
pub const CHINA_OFFSET_MINUTES: i32 = 8 * 60;
/// GeoReport v2: without dates, GET requests covers the last 90 days…
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
/// …and returns at most 1000 requests.
pub const MAX_REQUESTS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn of(state: EventState) -> Status {
        match state {
            EventState::Reported
            | EventState::Accepted
            | EventState::Dispatched
            | EventState::InProgress
            | EventState::Resolved => Status::Open,
            EventState::Closed | EventState::Rejected | EventState::Merged => Status::Closed,
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text.trim() {
            "open" => Some(Status::Open),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

/// One entry of `GET services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    /// True when the service has extra attributes (a service definition); ours have none.
    pub metadata: bool,
    /// `realtime`: requests get an id at once.
    #[serde(rename = "type")]
    pub kind: String,
    pub keywords: String,
    pub group: String,
}

/// `GET services/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<ServiceAttribute>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAttribute {
    pub variable: bool,
    pub code: String,
    pub datatype: String,
    pub required: bool,
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

pub fn services(rules: &EventRules, language: Language) -> Vec<Service> {
    rules
        .categories
        .iter()
        .map(|c| {
            let name = match language {
                Language::Zh => c.zh.clone(),
                Language::En => c.en.clone(),
            };
            Service {
                service_code: c.key.clone(),
                description: name.clone(),
                service_name: name,
                metadata: false,
                kind: "realtime".into(),
                keywords: String::new(),
                group: match language {
                    Language::Zh => "随手拍".into(),
                    Language::En => "event reports".into(),
                },
            }
        })
        .collect()
}

pub fn service_definition(rules: &EventRules, code: &str) -> Option<ServiceDefinition> {
    rules.category(code).map(|c| ServiceDefinition {
        service_code: c.key.clone(),
        attributes: Vec::new(),
    })
}

/// One entry of `GET requests` / `GET requests/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: Status,
    pub status_notes: Option<String>,
    pub service_name: Option<String>,
    pub service_code: String,
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    /// `None` for a report given without a position (a grid or an address instead).
    pub lat: Option<f64>,
    #[serde(rename = "long")]
    pub lon: Option<f64>,
    pub media_url: Option<String>,
}

impl ServiceRequest {
    /// The request view of an event. `media_url` is the public URL of its first photo, which
    /// only the server can build.
    pub fn from_event(
        event: &Event,
        rules: &EventRules,
        media_url: Option<String>,
        language: Language,
    ) -> ServiceRequest {
        let category = rules.category(&event.category);
        let (service_name, state, level) = match language {
            Language::Zh => (
                category.map(|c| c.zh.clone()),
                event.state.zh(),
                event.level.zh(),
            ),
            Language::En => (
                category.map(|c| c.en.clone()),
                event.state.en(),
                event.level.en(),
            ),
        };
        let status_notes = match (event.merged_into, language) {
            (Some(primary), Language::Zh) => format!("已合并到事件 {primary}"),
            (Some(primary), Language::En) => format!("merged into request {primary}"),
            (None, _) => state.to_string(),
        };
        ServiceRequest {
            service_request_id: event.id.to_string(),
            status: Status::of(event.state),
            status_notes: Some(status_notes),
            service_name,
            service_code: event.category.clone(),
            description: (!event.description.is_empty()).then(|| event.description.clone()),
            agency_responsible: Some(level.to_string()),
            service_notice: None,
            requested_datetime: w3c_datetime(event.reported_at, CHINA_OFFSET_MINUTES),
            updated_datetime: w3c_datetime(event.updated_at, CHINA_OFFSET_MINUTES),
            expected_datetime: event
                .deadline
                .filter(|_| event.state.is_open())
                .map(|d| w3c_datetime(d, CHINA_OFFSET_MINUTES)),
            address: event.address.clone(),
            address_id: None,
            zipcode: None,
            lat: event.position().map(|p| p.lat),
            lon: event.position().map(|p| p.lon),
            media_url,
        }
    }
}

/// `POST requests`, as form fields. Unknown fields are ignored, as the specification expects
/// of servers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostServiceRequest {
    pub jurisdiction_id: Option<String>,
    pub service_code: String,
    pub lat: Option<f64>,
    #[serde(rename = "long")]
    pub lon: Option<f64>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
}

impl PostServiceRequest {
    /// The report this request makes. `media_url` is kept as the report's photo reference.
    /// The report still goes through `validate_report`.
    pub fn to_report(&self, rules: &EventRules) -> Result<NewReport, Open311Error> {
        if rules.category(&self.service_code).is_none() {
            return Err(Open311Error::new(
                404,
                format!("service_code {:?} not found", self.service_code),
            ));
        }
        let (Some(lat), Some(lon)) = (self.lat, self.lon) else {
            return Err(Open311Error::new(
                400,
                "lat and long are required: requests are routed to grids by location",
            ));
        };
        let location =
            GeoPoint::new(lon, lat).map_err(|e| Open311Error::new(400, e.to_string()))?;
        Ok(NewReport {
            category: self.service_code.clone(),
            description: self.description.clone().unwrap_or_default(),
            location,
            datum: Datum::Wgs84,
            address: self.address_string.clone(),
            photos: self.media_url.iter().cloned().collect(),
        })
    }
}

/// The answer to `POST requests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostResponse {
    pub service_request_id: String,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
}

/// GeoReport's error shape; responses carry a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open311Error {
    pub code: u16,
    pub description: String,
}

impl Open311Error {
    pub fn new(code: u16, description: impl Into<String>) -> Open311Error {
        Open311Error {
            code,
            description: description.into(),
        }
    }
}

/// The filters of `GET requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestsQuery {
    pub service_code: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub status: Option<Status>,
}

impl RequestsQuery {
    /// Whether `event` is selected at `now`: by code, status, and requested time within
    /// [start, end] (inclusive, as the specification's "after"/"before" are usually read);
    /// without a start, the last [`DEFAULT_WINDOW_DAYS`] before the end (or now).
    pub fn selects(&self, event: &Event, now: i64) -> bool {
        let end = self.end.unwrap_or(now);
        let start = self
            .start
            .unwrap_or(end.saturating_sub(DEFAULT_WINDOW_DAYS * 86_400_000));
        self.service_code
            .as_deref()
            .is_none_or(|code| code == event.category)
            && self.status.is_none_or(|s| s == Status::of(event.state))
            && (start..=end).contains(&event.reported_at)
    }
}

/// Unix milliseconds as a W3C datetime at the given offset, to the second:
/// `2024-05-01T08:30:00+08:00`.
pub fn w3c_datetime(unix_ms: i64, offset_minutes: i32) -> String {
    let local_s = unix_ms.div_euclid(1000) + i64::from(offset_minutes) * 60;
    let (days, secs) = (local_s.div_euclid(86_400), local_s.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatetimeError {
    #[error("{0:?} is not a datetime like 2024-05-01T08:30:00+08:00")]
    Malformed(String),
    #[error("{text:?}: the {field} is out of range")]
    OutOfRange { text: String, field: &'static str },
}

/// Reads a W3C datetime with seconds, optional fraction and a `Z` or `±hh:mm` offset, as
/// GeoReport's `start_date`/`end_date` carry; fractions beyond milliseconds are dropped.
pub fn parse_w3c_datetime(text: &str) -> Result<i64, DatetimeError> {
    let t = text.trim();
    let malformed = || DatetimeError::Malformed(t.to_string());
    let b = t.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Result<i64, DatetimeError> {
        let digits = b.get(range).ok_or_else(malformed)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(malformed());
        }
        Ok(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(malformed());
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let out_of_range = |field| DatetimeError::OutOfRange {
        text: t.to_string(),
        field,
    };
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(out_of_range("day"));
    }
    if hour > 23 {
        return Err(out_of_range("hour"));
    }
    if minute > 59 {
        return Err(out_of_range("minute"));
    }
    if second > 59 {
        return Err(out_of_range("second"));
    }
    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(malformed());
        }
        let kept = &t[start..i.min(start + 3)];
        millis = number(start..start + kept.len())? * 10_i64.pow(3 - kept.len() as u32);
    }
    let offset_minutes = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let hours = number(i + 1..i + 3)?;
            let minutes = number(i + 4..i + 6)?;
            if hours > 23 || minutes > 59 {
                return Err(out_of_range("offset"));
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' { -total } else { total }
        }
        _ => return Err(malformed()),
    };
    let days = days_from_civil(year, month, day);
    let local_s = days * 86_400 + hour * 3600 + minute * 60 + second;
    Moment::from_unix_ms((local_s - offset_minutes * 60) * 1000 + millis)
        .map(Moment::unix_ms)
        .map_err(|_| out_of_range("date (2000-01-01 to 2100-12-31)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Level;
    use crate::ops::events::EventId;

    #[test]
    fn every_state_maps_to_open_or_closed() {
        use EventState::*;
        for state in [Reported, Accepted, Dispatched, InProgress, Resolved] {
            assert_eq!(Status::of(state), Status::Open, "{state:?}");
        }
        for state in [Closed, Rejected, Merged] {
            assert_eq!(Status::of(state), Status::Closed, "{state:?}");
        }
        assert_eq!(serde_json::to_string(&Status::Open).unwrap(), r#""open""#);
        assert_eq!(Status::parse("closed"), Some(Status::Closed));
        assert_eq!(Status::parse("resolved"), None);
    }

    #[test]
    fn datetimes_in_china_standard_time() {
        // 2024-05-01T00:30:00Z = 08:30 in Beijing.
        let ms = 1_714_523_400_000;
        assert_eq!(
            w3c_datetime(ms, CHINA_OFFSET_MINUTES),
            "2024-05-01T08:30:00+08:00"
        );
        assert_eq!(w3c_datetime(ms, 0), "2024-05-01T00:30:00+00:00");
        assert_eq!(w3c_datetime(ms, -480), "2024-04-30T16:30:00-08:00");
        assert_eq!(w3c_datetime(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(w3c_datetime(-1, 0), "1969-12-31T23:59:59+00:00");
        // A leap day.
        assert_eq!(
            w3c_datetime(1_709_164_800_000, 0),
            "2024-02-29T00:00:00+00:00"
        );
        assert_eq!(parse_w3c_datetime("2024-05-01T08:30:00+08:00"), Ok(ms));
        assert_eq!(parse_w3c_datetime("2024-05-01T00:30:00Z"), Ok(ms));
        assert_eq!(parse_w3c_datetime("2024-04-30T16:30:00-08:00"), Ok(ms));
        assert_eq!(parse_w3c_datetime("2024-05-01T00:30:00.25Z"), Ok(ms + 250));
        assert_eq!(
            parse_w3c_datetime("2024-05-01T00:30:00.123456Z"),
            Ok(ms + 123)
        );
        assert_eq!(
            parse_w3c_datetime("2024-02-29T00:00:00Z"),
            Ok(1_709_164_800_000)
        );
    }

    #[test]
    fn datetimes_are_checked() {
        let out = |text: &str, field| {
            assert_eq!(
                parse_w3c_datetime(text),
                Err(DatetimeError::OutOfRange {
                    text: text.into(),
                    field
                })
            )
        };
        out("2023-02-29T00:00:00Z", "day");
        out("2024-13-01T00:00:00Z", "month");
        out("2024-04-31T00:00:00Z", "day");
        out("2024-04-30T24:00:00Z", "hour");
        out("2024-04-30T23:60:00Z", "minute");
        out("2024-04-30T23:59:60Z", "second");
        out("2024-04-30T23:59:59+24:00", "offset");
        out("0001-01-01T00:00:00Z", "date (2000-01-01 to 2100-12-31)");
        out(
            "2101-01-01T00:00:00+08:00",
            "date (2000-01-01 to 2100-12-31)",
        );
        for bad in [
            "2024-05-01",
            "2024-05-01 08:30:00Z",
            "2024-05-01T08:30:00",
            "2024-05-01T08:30:00+0800",
            "2024-05-01T08:30:00.Z",
            "２０24-05-01T08:30:00Z",
            "",
        ] {
            assert!(
                matches!(parse_w3c_datetime(bad), Err(DatetimeError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn round_trips_through_text_to_the_second() {
        for ms in [
            946_684_800_000_i64,
            946_684_801_000,
            1_714_523_400_000,
            4_102_444_799_000,
        ] {
            for offset in [0, 480, -300] {
                assert_eq!(parse_w3c_datetime(&w3c_datetime(ms, offset)), Ok(ms));
            }
        }
    }

    fn event(state: EventState) -> Event {
        Event {
            id: EventId(10234),
            category: "sanitation".into(),
            description: "垃圾桶满了".into(),
            location: GeoPoint {
                lon: 107.149,
                lat: 34.372,
            },
            located: true,
            address: Some("渭工路 12 号".into()),
            photos: vec!["p/1.jpg".into()],
            community: "610302001003".into(),
            grid: Some("g1".into()),
            reporter: Some("u1".into()),
            state,
            level: Level::Street,
            assignee: None,
            reported_at: 1_714_523_400_000,
            deadline: Some(1_714_523_400_000 + 48 * 3_600_000),
            resolved_at: None,
            closed_at: None,
            late: false,
            escalations: 1,
            reopens: 0,
            merged_into: None,
            updated_at: 1_714_527_000_000,
            version: 3,
        }
    }

    #[test]
    fn a_request_uses_the_georeport_field_names() {
        let rules = EventRules::baseline();
        let request = ServiceRequest::from_event(
            &event(EventState::InProgress),
            &rules,
            Some("https://x/p/1.jpg".into()),
            Language::Zh,
        );
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["service_request_id"], "10234");
        assert_eq!(json["status"], "open");
        assert_eq!(json["status_notes"], "处置中");
        assert_eq!(json["service_code"], "sanitation");
        assert_eq!(json["service_name"], "环境卫生");
        assert_eq!(json["agency_responsible"], "街道");
        assert_eq!(json["requested_datetime"], "2024-05-01T08:30:00+08:00");
        assert_eq!(json["updated_datetime"], "2024-05-01T09:30:00+08:00");
        assert_eq!(json["expected_datetime"], "2024-05-03T08:30:00+08:00");
        assert_eq!(json["long"], 107.149);
        assert_eq!(json["lat"], 34.372);
        assert_eq!(json["address"], "渭工路 12 号");
        assert_eq!(json["media_url"], "https://x/p/1.jpg");
        assert!(json.get("lon").is_none());

        let mut merged = event(EventState::Merged);
        merged.merged_into = Some(EventId(10200));
        let en = ServiceRequest::from_event(&merged, &rules, None, Language::En);
        assert_eq!(en.status, Status::Closed);
        assert_eq!(
            en.status_notes.as_deref(),
            Some("merged into request 10200")
        );
        assert_eq!(en.expected_datetime, None);
        assert_eq!(en.service_name.as_deref(), Some("sanitation"));
    }

    #[test]
    fn a_request_given_without_a_position_has_no_lat_long() {
        let rules = EventRules::baseline();
        let mut described = event(EventState::Reported);
        described.located = false;
        let request = ServiceRequest::from_event(&described, &rules, None, Language::Zh);
        let json = serde_json::to_value(&request).unwrap();
        assert!(json["lat"].is_null() && json["long"].is_null(), "{json}");
        assert_eq!(json["address"], "渭工路 12 号");
    }

    #[test]
    fn services_come_from_categories() {
        let rules = EventRules::baseline();
        let list = services(&rules, Language::Zh);
        assert_eq!(list.len(), rules.categories.len());
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(json["service_code"], "safety_hazard");
        assert_eq!(json["service_name"], "安全隐患");
        assert_eq!(json["type"], "realtime");
        assert_eq!(json["metadata"], false);
        assert_eq!(
            service_definition(&rules, "sanitation")
                .unwrap()
                .attributes
                .len(),
            0
        );
        assert_eq!(service_definition(&rules, "potholes"), None);
    }

    #[test]
    fn a_post_becomes_a_report_or_an_error() {
        let rules = EventRules::baseline();
        let post: PostServiceRequest = serde_json::from_str(
            r#"{"service_code":"sanitation","lat":34.372,"long":107.149,"description":"垃圾桶满了","media_url":"https://x/1.jpg","api_key":"k"}"#,
        )
        .unwrap();
        let report = post.to_report(&rules).unwrap();
        assert_eq!(
            report.location,
            GeoPoint {
                lon: 107.149,
                lat: 34.372
            }
        );
        assert_eq!(report.datum, Datum::Wgs84);
        assert_eq!(report.photos, vec!["https://x/1.jpg".to_string()]);
        let mut no_place = post.clone();
        no_place.lat = None;
        assert_eq!(no_place.to_report(&rules).unwrap_err().code, 400);
        let mut unknown = post.clone();
        unknown.service_code = "potholes".into();
        assert_eq!(unknown.to_report(&rules).unwrap_err().code, 404);
        let mut wild = post;
        wild.lat = Some(91.0);
        assert_eq!(wild.to_report(&rules).unwrap_err().code, 400);
        let errors = vec![Open311Error::new(400, "lat and long are required")];
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"[{"code":400,"description":"lat and long are required"}]"#
        );
    }

    #[test]
    fn queries_filter_by_code_status_and_a_default_window() {
        let e = event(EventState::Closed);
        let now = e.reported_at + 10 * 86_400_000;
        assert!(RequestsQuery::default().selects(&e, now));
        let later = e.reported_at + DEFAULT_WINDOW_DAYS * 86_400_000;
        assert!(RequestsQuery::default().selects(&e, later));
        assert!(!RequestsQuery::default().selects(&e, later + 1));
        let closed = RequestsQuery {
            status: Some(Status::Closed),
            ..Default::default()
        };
        assert!(closed.selects(&e, now));
        let open = RequestsQuery {
            status: Some(Status::Open),
            ..Default::default()
        };
        assert!(!open.selects(&e, now));
        let other = RequestsQuery {
            service_code: Some("other".into()),
            ..Default::default()
        };
        assert!(!other.selects(&e, now));
        let window = RequestsQuery {
            start: Some(e.reported_at),
            end: Some(e.reported_at),
            ..Default::default()
        };
        assert!(window.selects(&e, now));
        let after = RequestsQuery {
            start: Some(e.reported_at + 1),
            ..Default::default()
        };
        assert!(!after.selects(&e, now));
    }
}
