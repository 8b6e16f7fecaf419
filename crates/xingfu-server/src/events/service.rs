//! 随手拍 events and grids as the server runs them: who someone is in operations, photos made
//! safe to publish, intake (routing to a grid), acting on an event with the core's rules and
//! optimistic concurrency, duplicate suggestions, the deadline sweep, grid import from
//! GeoJSON, and the figures events feed into ratings.
//!
//! Choices made here (the seeds do not say):
//! - Accounts map onto operations roles as the core says, with assignments on top: a
//!   `resident` account that serves a grid acts as a grid member (兼职网格员) there, one that
//!   heads a building as a 楼栋长; a `community_worker` account acts community-wide whether or
//!   not it is also listed as a grid member (the grid list then only marks "my grids").
//! - Photos: only JPEG, PNG and WebP, judged by their content (the file name and declared type
//!   are not trusted, since nothing is stored as sent); each is decoded, turned upright by its
//!   EXIF orientation, scaled down to at most [`MAX_PHOTO_SIDE`] pixels a side and re-encoded as
//!   a JPEG, which drops every metadata block (EXIF with GPS position, XMP, comments). Photos
//!   are public at `/event-photos/{id}`, as Open311 `media_url`s are.
//! - The categories and time limits are the core's [`EventRules::baseline`].

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use xingfu_core::decimal::Dec2;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::dedupe::{Candidate, DedupeWindow, Suggestion, suggest_for};
use xingfu_core::ops::events::{
    Action, Event, EventId, EventRefusal, EventRules, NewReport, ReportError, decide, open,
    validate_report,
};
use xingfu_core::ops::grid::{Area, Building, Duty, Geometry, Grid, GridError, GridMember, Route};
use xingfu_core::ops::metrics::{Period, compute};
use xingfu_core::ops::sla::{DueAction, escalations_due};
use xingfu_core::ops::{Actor, Level, OpsRole, grid};
use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::Store;
use xingfu_store::accounts::UserRow;
use xingfu_store::events::{Extras, NewPhoto, PhotoStage, StepConflict};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::files::{
    ImageDecoding, Kind, MAX_UPLOAD, Refused, Undecoded, decode_image, too_big,
};
use crate::app::state::AppState;

/// A report or an action may carry up to nine photos of up to 10 MB each; the body as a whole
/// is capped at three times one photo's limit, like evidence uploads.
pub const EVENT_BODY_LIMIT: usize = 3 * MAX_UPLOAD;

/// The rules events are handled by.
pub fn rules() -> &'static EventRules {
    static RULES: OnceLock<EventRules> = OnceLock::new();
    RULES.get_or_init(EventRules::baseline)
}

/// Someone acting in operations, owning what the core's [`Actor`] borrows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsPerson {
    pub username: String,
    pub display_name: String,
    pub role: OpsRole,
    /// The region the account covers (a community for community roles).
    pub region: String,
    /// Grids served, in the account's community.
    pub grids: Vec<String>,
    /// Buildings headed, as "grid/building".
    pub buildings: Vec<String>,
}

impl OpsPerson {
    pub fn actor(&self) -> Actor<'_> {
        Actor::new(&self.username, self.role, &self.region)
            .with_grids(&self.grids)
            .with_buildings(&self.buildings)
    }

    /// Staff see every event in their area; residents (building heads included) their own.
    pub fn is_staff(&self) -> bool {
        !matches!(self.role, OpsRole::Resident | OpsRole::BuildingHead)
    }

    /// May this person see `event`?
    pub fn may_see(&self, event: &Event) -> bool {
        event.reporter.as_deref() == Some(self.username.as_str())
            || (self.is_staff() && self.actor().covers(&event.community))
    }
}

/// The operations person of an account, with its grid and building assignments; `None` for
/// roles outside operations (assessors).
pub async fn ops_person_of(
    store: &Store,
    user: &UserRow,
    role: Role,
) -> Result<Option<OpsPerson>, AppError> {
    let Some(mut ops_role) = OpsRole::from_account(role) else {
        return Ok(None);
    };
    let mut grids = Vec::new();
    let mut buildings = Vec::new();
    if matches!(ops_role, OpsRole::Resident | OpsRole::CommunityWorker) {
        for a in store.assignments(&user.username).await? {
            if a.community_code != user.region_code {
                continue;
            }
            match a.building_id {
                Some(building) => buildings.push(format!("{}/{building}", a.grid_id)),
                None => grids.push(a.grid_id),
            }
        }
        if ops_role == OpsRole::Resident {
            if !grids.is_empty() {
                ops_role = OpsRole::GridMember;
            } else if !buildings.is_empty() {
                ops_role = OpsRole::BuildingHead;
            }
        }
    }
    Ok(Some(OpsPerson {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: ops_role,
        region: user.region_code.clone(),
        grids,
        buildings,
    }))
}

pub async fn ops_person(store: &Store, user: &CurrentUser) -> Result<Option<OpsPerson>, AppError> {
    ops_person_of(store, &user.user, user.role).await
}

/// A refusal in the caller's language.
pub fn refusal_text(refusal: &EventRefusal, en: bool) -> String {
    if en { refusal.en() } else { refusal.zh() }
}

pub fn report_error_text(error: &ReportError, en: bool) -> String {
    if en { error.to_string() } else { error.zh() }
}

// ---------------------------------------------------------------------------------------------
// Photos

/// Longest side of a stored photo, in pixels: sharp on any phone, a fraction of a camera's size.
pub const MAX_PHOTO_SIDE: u32 = 2560;
/// JPEG quality of stored photos.
pub const PHOTO_QUALITY: u8 = 85;

/// A photo ready to store: re-encoded, without metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn refused(zh: &str, en: &str) -> Refused {
    Refused {
        zh: zh.into(),
        en: en.into(),
        too_big: false,
    }
}

/// Checks a photo (not empty, at most [`MAX_UPLOAD`], a JPEG, PNG or WebP by its content, and
/// decodable within limits) and re-encodes it as described in the module comment. CPU work:
/// call it from a blocking task.
pub fn clean_photo(bytes: &[u8]) -> Result<CleanPhoto, Refused> {
    if bytes.is_empty() {
        return Err(refused(
            "照片文件是空的,请重新选择",
            "the photo file is empty: choose it again",
        ));
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(too_big());
    }
    let format = match Kind::sniff(bytes) {
        Some(Kind::Jpeg) => image::ImageFormat::Jpeg,
        Some(Kind::Png) => image::ImageFormat::Png,
        Some(Kind::WebP) => image::ImageFormat::WebP,
        _ => {
            return Err(refused(
                "照片须为 JPEG、PNG 或 WebP 图片,这个文件不是图片",
                "a photo must be a JPEG, PNG or WebP image; this file is not one",
            ));
        }
    };
    let damaged = || {
        refused(
            "照片已损坏或不完整,无法打开。请重新拍摄后再上传",
            "the photo is damaged or incomplete and cannot be opened; take it again",
        )
    };
    // The JPEG decoder fills in a picture cut short in transfer; refuse it instead.
    if format == image::ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(damaged());
    }
    let (mut picture, orientation) = match decode_image(bytes, format) {
        Ok(decoded) => decoded,
        Err(Undecoded::TooLarge(refusal)) => return Err(refusal),
        Err(Undecoded::Damaged) => return Err(damaged()),
    };
    picture.apply_orientation(orientation);
    if picture.width() > MAX_PHOTO_SIDE || picture.height() > MAX_PHOTO_SIDE {
        picture = picture.resize(
            MAX_PHOTO_SIDE,
            MAX_PHOTO_SIDE,
            image::imageops::FilterType::Triangle,
        );
    }
    let rgb = picture.to_rgb8();
    let mut out = Vec::with_capacity(bytes.len().min(4 * 1024 * 1024));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, PHOTO_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| damaged())?;
    Ok(CleanPhoto {
        width: rgb.width(),
        height: rgb.height(),
        bytes: out,
    })
}

/// True when a JPEG's segments run from its start to an end-of-image marker: each marker
/// segment is skipped by its length (so thumbnails inside EXIF do not count), and the
/// entropy-coded data after each start-of-scan is followed to the next marker.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => i += 1,
            0xD9 => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(length) = bytes
                    .get(i + 2..i + 4)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    return false;
                };
                i += 2 + length;
                if marker == 0xDA {
                    // Entropy-coded data: up to the next marker that is neither a stuffed
                    // 0xFF00 nor a restart marker.
                    loop {
                        match (bytes.get(i), bytes.get(i + 1)) {
                            (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                            (Some(0xFF), Some(_)) => break,
                            (Some(_), _) => i += 1,
                            (None, _) => return false,
                        }
                    }
                }
            }
        }
    }
    false
}

/// Cleans photos through the server's decoding gate; the first refusal is returned with the
/// photo's position.
pub async fn clean_photos(
    decoding: &ImageDecoding,
    raw: Vec<Vec<u8>>,
) -> Result<Result<Vec<CleanPhoto>, (usize, Refused)>, AppError> {
    decoding
        .run(move || {
            raw.iter()
                .enumerate()
                .map(|(i, bytes)| clean_photo(bytes).map_err(|r| (i, r)))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| AppError::Internal(e.context("cleaning photos")))
}

/// Puts cleaned photos in the file store; on failure, those already stored are removed.
async fn store_photos(
    state: &AppState,
    photos: Vec<CleanPhoto>,
    stage: PhotoStage,
) -> Result<Vec<NewPhoto>, AppError> {
    let mut stored = Vec::with_capacity(photos.len());
    for photo in photos {
        let sha256 = hex::encode(Sha256::digest(&photo.bytes));
        let size = photo.bytes.len() as i64;
        match state.files.put(photo.bytes).await {
            Ok(key) => stored.push(NewPhoto {
                id: xingfu_store::new_id(),
                stage,
                file_key: key,
                content_type: "image/jpeg".into(),
                size,
                width: i64::from(photo.width),
                height: i64::from(photo.height),
                sha256,
            }),
            Err(e) => {
                discard(state, &stored).await;
                return Err(AppError::Internal(e));
            }
        }
    }
    Ok(stored)
}

/// Removes stored photos whose rows were not written.
async fn discard(state: &AppState, photos: &[NewPhoto]) {
    for photo in photos {
        if let Err(e) = state.files.delete(&photo.file_key).await {
            tracing::error!("removing an unrecorded photo {}: {e:#}", photo.file_key);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Intake

/// A report as received, before checking.
#[derive(Debug, Clone)]
pub struct Intake {
    pub category: String,
    pub description: String,
    pub location: GeoPoint,
    pub datum: Datum,
    pub address: Option<String>,
    pub photos: Vec<CleanPhoto>,
    pub extras: Extras,
}

/// The grid of a community that contains `point` (WGS-84), by the core's routing rule.
pub async fn route_in_community(
    store: &Store,
    community: &str,
    point: GeoPoint,
) -> Result<Option<String>, AppError> {
    let grids = store.grids_of(community).await?;
    Ok(match grid::route(point, &grids) {
        Route::Grid(g) => Some(g.id.clone()),
        Route::Community => None,
    })
}

/// Checks, routes and records a report in `community`; the photos are stored first and removed
/// again if the event cannot be written. `reporter` is `None` for an anonymous report.
pub async fn report_event(
    state: &AppState,
    community: &str,
    reporter: Option<&OpsPerson>,
    intake: Intake,
    now: i64,
) -> Result<Result<Event, ReportError>, AppError> {
    let photo_ids: Vec<String> = intake.photos.iter().map(|_| String::new()).collect();
    let report = NewReport {
        category: intake.category,
        description: intake.description,
        location: intake.location,
        datum: intake.datum,
        address: intake.address,
        photos: photo_ids,
    };
    let mut valid = match validate_report(report, rules()) {
        Ok(valid) => valid,
        Err(e) => return Ok(Err(e)),
    };
    let grid = route_in_community(&state.store, community, valid.location).await?;
    let stored = store_photos(state, intake.photos, PhotoStage::Before).await?;
    valid.photos = stored.iter().map(|p| p.id.clone()).collect();
    let actor = reporter.map(OpsPerson::actor);
    let created = state
        .store
        .create_event(
            |id| {
                open(
                    id,
                    valid,
                    community,
                    grid.as_deref(),
                    actor.as_ref(),
                    now,
                    rules(),
                )
            },
            &stored,
            &intake.extras,
        )
        .await;
    match created {
        Ok(Ok(event)) => Ok(Ok(event)),
        Ok(Err(refusal)) => {
            discard(state, &stored).await;
            Err(AppError::Internal(anyhow::anyhow!(
                "a checked report was refused: {refusal}"
            )))
        }
        Err(e) => {
            discard(state, &stored).await;
            Err(e.into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Acting on an event

/// An action as a form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept,
    Reject { reason: String },
    Dispatch { to: String },
    Start,
    Resolve,
    Confirm,
    Reopen { reason: String },
    Close,
    Escalate,
    HandDown { to: Level },
    MergeInto { primary: EventId },
}

impl Command {
    /// Reads an action from form fields: `action`, and `reason`, `to`, `level` or `primary`.
    pub fn parse(field: impl Fn(&str) -> Option<String>, en: bool) -> Result<Command, String> {
        let text = |name: &str| field(name).unwrap_or_default();
        let action = text("action");
        Ok(match action.as_str() {
            "accept" => Command::Accept,
            "reject" => Command::Reject {
                reason: text("reason"),
            },
            "dispatch" => Command::Dispatch { to: text("to") },
            "start" => Command::Start,
            "resolve" => Command::Resolve,
            "confirm" => Command::Confirm,
            "reopen" => Command::Reopen {
                reason: text("reason"),
            },
            "close" => Command::Close,
            "escalate" => Command::Escalate,
            "hand_down" => Command::HandDown {
                to: Level::parse(&text("level")).ok_or_else(|| {
                    pick(en, "请选择交回的层级", "choose the level to hand down to")
                })?,
            },
            "merge_into" => Command::MergeInto {
                primary: text("primary")
                    .trim()
                    .trim_start_matches('#')
                    .parse::<u64>()
                    .map(EventId)
                    .map_err(|_| {
                        pick(
                            en,
                            "请填写要合并到的事件编号",
                            "give the number of the event to merge into",
                        )
                    })?,
            },
            other => {
                return Err(if en {
                    format!("unknown action {other:?}")
                } else {
                    format!("未知的操作:{other}")
                });
            }
        })
    }
}

fn pick(en: bool, zh: &str, en_text: &str) -> String {
    if en { en_text } else { zh }.to_string()
}

/// Why acting on an event did not happen.
#[derive(Debug)]
pub enum ActError {
    /// The rules refuse it, or the input is wrong: the message, in the caller's language.
    Refused(String),
    /// Someone else changed the event first (HTTP 409).
    Conflict(String),
    App(AppError),
}

impl From<AppError> for ActError {
    fn from(e: AppError) -> ActError {
        ActError::App(e)
    }
}

impl From<xingfu_store::StoreError> for ActError {
    fn from(e: xingfu_store::StoreError) -> ActError {
        ActError::App(e.into())
    }
}

fn stale_message(id: EventId, en: bool) -> String {
    let refusal = EventRefusal::StaleVersion {
        event: id,
        expected: 0,
        actual: 0,
    };
    if en {
        format!("event {id} has changed since you loaded it; reload the page and try again")
    } else {
        refusal.zh()
    }
}

/// Acts on event `id` as `person`, from the version they saw, with `note` recorded on the step
/// when the rules keep none of their own, and `after_photos` (cleaned) with a resolution.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    state: &AppState,
    person: &OpsPerson,
    id: EventId,
    seen_version: u64,
    command: &Command,
    note: Option<&str>,
    after_photos: Vec<CleanPhoto>,
    now: i64,
    en: bool,
) -> Result<Event, ActError> {
    let event = state
        .store
        .event(id)
        .await?
        .ok_or(ActError::App(AppError::NotFound))?;
    if !person.may_see(&event) {
        return Err(ActError::App(AppError::NotFound));
    }
    if !after_photos.is_empty() && *command != Command::Resolve {
        return Err(ActError::Refused(pick(
            en,
            "处置后的照片只能在“处置完成”时上传",
            "photos of the result go with “resolve”",
        )));
    }
    let primary = match command {
        Command::MergeInto { primary } => {
            let found = state.store.event_state(*primary).await?;
            match found {
                Some(p) if person.actor().covers(&p.community) => Some(p),
                _ => {
                    return Err(ActError::Refused(if en {
                        format!("there is no event {primary} in your area")
                    } else {
                        format!("您的管辖范围内没有事件 {primary}")
                    }));
                }
            }
        }
        _ => None,
    };
    if let Command::Dispatch { to } = command {
        let to = to.trim();
        if !to.is_empty()
            && state
                .store
                .user_by_username(to)
                .await?
                .is_none_or(|u| u.disabled)
        {
            return Err(ActError::Refused(if en {
                format!("there is no account {to:?} to dispatch to")
            } else {
                format!("没有账号“{to}”,无法派遣")
            }));
        }
    }
    let action = match command {
        Command::Accept => Action::Accept,
        Command::Reject { reason } => Action::Reject { reason },
        Command::Dispatch { to } => Action::Dispatch { to: to.trim() },
        Command::Start => Action::Start,
        Command::Resolve => Action::Resolve,
        Command::Confirm => Action::Confirm,
        Command::Reopen { reason } => Action::Reopen { reason },
        Command::Close => Action::Close,
        Command::Escalate => Action::Escalate,
        Command::HandDown { to } => Action::HandDown { to: *to },
        Command::MergeInto { primary: p } => Action::MergeInto {
            primary: *p,
            primary_state: primary
                .as_ref()
                .map_or(xingfu_core::ops::events::EventState::Closed, |e| e.state),
        },
    };
    let mut decision = match decide(&event, &action, &person.actor(), now, seen_version, rules()) {
        Ok(d) => d,
        Err(EventRefusal::StaleVersion { .. }) => {
            return Err(ActError::Conflict(stale_message(id, en)));
        }
        Err(refusal) => return Err(ActError::Refused(refusal_text(&refusal, en))),
    };
    if decision.step.note.is_none()
        && let Some(note) = note.map(str::trim).filter(|n| !n.is_empty())
    {
        decision.step.note = Some(note.chars().take(500).collect());
    }
    let stored = store_photos(state, after_photos, PhotoStage::After).await?;
    match state
        .store
        .apply_event_step(seen_version, &decision, &stored)
        .await
    {
        Ok(Ok(())) => Ok(decision.event),
        Ok(Err(conflict)) => {
            discard(state, &stored).await;
            Err(match conflict {
                StepConflict::Stale { .. } => ActError::Conflict(stale_message(id, en)),
                StepConflict::PrimaryFinal { primary, state: s } => ActError::Conflict(
                    refusal_text(&EventRefusal::PrimaryFinal { primary, state: s }, en),
                ),
            })
        }
        Err(e) => {
            discard(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Live events that may be the same problem as `event` (same category, within the default
/// window of distance and time, anywhere in its district), nearest first.
pub async fn duplicate_suggestions(
    store: &Store,
    event: &Event,
) -> Result<Vec<(Suggestion, Event)>, AppError> {
    let window = DedupeWindow::default();
    let Some(district) = region::district_of(&event.community) else {
        return Ok(Vec::new());
    };
    let others = store
        .live_events_between(
            &district[..6],
            &event.category,
            event.reported_at.saturating_sub(window.max_ms),
            event.reported_at.saturating_add(window.max_ms),
        )
        .await?;
    let candidates: Vec<Candidate> = others.iter().map(Candidate::from).collect();
    let found = suggest_for(&Candidate::from(event), &candidates, window);
    Ok(found
        .into_iter()
        .filter_map(|s| {
            let other = if s.primary == event.id {
                s.duplicate
            } else {
                s.primary
            };
            others
                .iter()
                .find(|e| e.id == other)
                .map(|e| (s, e.clone()))
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The deadline sweep

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Overdue events moved up one level.
    pub escalated: usize,
    /// Resolved events closed after the confirmation window.
    pub closed: usize,
    /// Overdue at the district: listed for supervision, unchanged.
    pub supervised: usize,
    /// Changed by someone (or another server's sweep) between the query and the write.
    pub skipped: usize,
}

/// Escalates overdue events and closes unconfirmed resolved ones, as of `now`. Safe to run on
/// several servers at once: each change is written only from the version the sweep read.
pub async fn sweep(store: &Store, now: i64) -> Result<SweepReport, xingfu_store::StoreError> {
    sweep_at_most(store, now, usize::MAX).await
}

/// [`sweep`], acting on at most `max` events (the most overdue first); the rest wait for the
/// next sweep.
pub async fn sweep_at_most(
    store: &Store,
    now: i64,
    max: usize,
) -> Result<SweepReport, xingfu_store::StoreError> {
    let entries = store.sla_entries_due(now).await?;
    let mut report = SweepReport::default();
    for due in escalations_due(now, &entries).into_iter().take(max) {
        let action = match due.action {
            DueAction::Escalate { .. } => Action::Escalate,
            DueAction::Close => Action::Close,
            DueAction::Supervise => {
                report.supervised += 1;
                continue;
            }
        };
        let Some(event) = store.event_state(due.id).await? else {
            report.skipped += 1;
            continue;
        };
        let Ok(decision) = decide(
            &event,
            &action,
            &Actor::system(),
            now,
            event.version,
            rules(),
        ) else {
            report.skipped += 1;
            continue;
        };
        match store
            .apply_event_step(event.version, &decision, &[])
            .await?
        {
            Ok(()) if action == Action::Close => report.closed += 1,
            Ok(()) => report.escalated += 1,
            Err(_) => report.skipped += 1,
        }
    }
    Ok(report)
}

/// Runs [`sweep`] every `every` for as long as the server runs.
pub fn spawn_sla_sweep(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep(&state.store, crate::app::state::now_ms()).await {
                Ok(r) if r.escalated + r.closed > 0 => tracing::info!(
                    "deadline sweep: {} escalated, {} closed, {} for supervision, {} skipped",
                    r.escalated,
                    r.closed,
                    r.supervised,
                    r.skipped
                ),
                Ok(_) => {}
                Err(e) => tracing::error!("deadline sweep: {e:#}"),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Ratings

/// The events figures of a community for [from, to) (`events.*` of `ops::metrics`): reported,
/// closed, closure rate, on-time rate, median and mean hours to close.
pub async fn event_metrics(
    state: &AppState,
    community_code: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(&'static str, Dec2)>, AppError> {
    let period = Period::new(from_ms, to_ms).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let facts = state
        .store
        .event_facts(community_code, from_ms, to_ms)
        .await?;
    Ok(compute(period, &facts, &[], &[])
        .into_iter()
        .filter(|(key, _)| key.starts_with("events."))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Grid import

/// One problem in a GeoJSON grid file, naming the feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridProblem {
    pub zh: String,
    pub en: String,
}

impl GridProblem {
    pub fn text(&self, en: bool) -> &str {
        if en { &self.en } else { &self.zh }
    }
}

/// "features[2] (g-03)" / "第 3 个要素(g-03)"; an over-long id is cut short here (its own
/// problem says how long it is), so a message never repeats a huge id.
fn feature_label(index: usize, id: Option<&str>) -> (String, String) {
    let shown = id.map(
        |id| match id.char_indices().nth(xingfu_core::ops::grid::MAX_ID_CHARS) {
            Some((cut, _)) => format!("{}…", &id[..cut]),
            None => id.to_string(),
        },
    );
    match shown {
        Some(id) => (
            format!("第 {} 个要素(网格 {id})", index + 1),
            format!("features[{index}] (grid {id})"),
        ),
        None => (
            format!("第 {} 个要素", index + 1),
            format!("features[{index}]"),
        ),
    }
}

fn problem(index: usize, id: Option<&str>, zh: String, en: String) -> GridProblem {
    let (lz, le) = feature_label(index, id);
    GridProblem {
        zh: format!("{lz}:{zh}"),
        en: format!("{le}: {en}"),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_duty(text: &str) -> Option<Duty> {
    match text.trim() {
        "full_time" | "专职" | "专职网格员" => Some(Duty::FullTime),
        "part_time" | "兼职" | "兼职网格员" => Some(Duty::PartTime),
        _ => None,
    }
}

/// Reads grids of `community` from a GeoJSON FeatureCollection (or one Feature) whose
/// positions are in `datum`. Each feature is a grid:
///
/// ```json
/// { "type": "Feature", "id": "g1",
///   "geometry": { "type": "Polygon", "coordinates": [[[lon, lat], …]] },
///   "properties": { "name": "第一网格",
///     "members": ["wang", { "username": "li", "duty": "part_time" }],
///     "buildings": [{ "id": "3", "name": "3幢", "lon": 120.65, "lat": 28.01, "head": "zhao" }] } }
/// ```
///
/// The id is the feature's `id` or `properties.id`; members default to full-time (专职).
/// Members and building heads must be existing accounts of the community (community workers or
/// residents). Every problem is reported, each naming its feature.
pub async fn read_grid_geojson(
    store: &Store,
    community: &str,
    text: &str,
    datum: Datum,
) -> Result<Result<Vec<Grid>, Vec<GridProblem>>, AppError> {
    let whole = |zh: &str, en: &str| {
        Ok(Err(vec![GridProblem {
            zh: zh.into(),
            en: en.into(),
        }]))
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Ok(Err(vec![GridProblem {
                zh: format!(
                    "不是有效的 GeoJSON(第 {} 行第 {} 列):{e}",
                    e.line(),
                    e.column()
                ),
                en: format!(
                    "not valid GeoJSON (line {}, column {}): {e}",
                    e.line(),
                    e.column()
                ),
            }]));
        }
    };
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match value.get("features").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None => {
                return whole(
                    "FeatureCollection 缺少 features 数组",
                    "the FeatureCollection has no features array",
                );
            }
        },
        Some("Feature") => vec![&value],
        _ => {
            return whole(
                "GeoJSON 须为 FeatureCollection 或 Feature,每个要素是一个网格",
                "the GeoJSON must be a FeatureCollection or a Feature, one feature per grid",
            );
        }
    };
    if features.is_empty() {
        return whole("文件中没有网格", "the file has no grids");
    }
    let people: Vec<String> = store
        .people_within(community, &["community_worker", "resident"])
        .await?
        .into_iter()
        .map(|p| p.username)
        .collect();
    let mut problems = Vec::new();
    let mut grids: Vec<Grid> = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").cloned().unwrap_or(Value::Null);
        let id = feature
            .get("id")
            .and_then(text_of)
            .or_else(|| properties.get("id").and_then(text_of));
        let Some(id) = id else {
            problems.push(problem(
                index,
                None,
                "缺少网格编号(要素的 id 或 properties.id)".into(),
                "no grid id (the feature's id or properties.id)".into(),
            ));
            continue;
        };
        let fail = |zh: String, en: String| problem(index, Some(&id), zh, en);
        if grids.iter().any(|g| g.id == id) {
            problems.push(fail(
                "网格编号重复".into(),
                "the grid id is used twice".into(),
            ));
            continue;
        }
        if let Some(other) = properties.get("community").and_then(text_of)
            && other != community
        {
            problems.push(fail(
                format!("属于社区 {other},不是本社区 {community}"),
                format!("belongs to community {other}, not {community}"),
            ));
            continue;
        }
        let geometry: Geometry = match feature
            .get("geometry")
            .cloned()
            .map(serde_json::from_value::<Geometry>)
        {
            Some(Ok(g)) => g,
            _ => {
                problems.push(fail(
                    "geometry 须为 Polygon 或 MultiPolygon".into(),
                    "the geometry must be a Polygon or a MultiPolygon".into(),
                ));
                continue;
            }
        };
        let area = match Area::from_geojson(&geometry, datum) {
            Ok(a) => a,
            Err(e) => {
                // Positions are named from the geometry: "geometry.coordinates[0][3]".
                let (zh, en) = (e.zh(), e.to_string());
                let prefix = if en.starts_with("coordinates") {
                    "geometry."
                } else {
                    ""
                };
                problems.push(fail(format!("{prefix}{zh}"), format!("{prefix}{en}")));
                continue;
            }
        };
        let mut members = Vec::new();
        let mut member_problem = false;
        for (m, member) in properties
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (person, duty) = match member {
                Value::Object(o) => (
                    o.get("username").and_then(text_of),
                    o.get("duty").and_then(Value::as_str).map(parse_duty),
                ),
                other => (text_of(other), None),
            };
            let duty = match duty {
                None => Some(Duty::FullTime),
                Some(d) => d,
            };
            match (person, duty) {
                (Some(person), Some(duty)) if people.contains(&person) => {
                    members.push(GridMember { person, duty })
                }
                (Some(person), Some(_)) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("网格员 {person} 不是本社区的账号"),
                        format!("member {person} is not an account of this community"),
                    ));
                }
                (_, None) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("members[{m}] 的 duty 须为 full_time(专职)或 part_time(兼职)"),
                        format!("members[{m}]: duty must be full_time or part_time"),
                    ));
                }
                (None, _) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("members[{m}] 缺少用户名"),
                        format!("members[{m}] has no username"),
                    ));
                }
            }
        }
        let mut buildings = Vec::new();
        for (b, building) in properties
            .get("buildings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(building_id) = building.get("id").and_then(text_of) else {
                member_problem = true;
                problems.push(fail(
                    format!("buildings[{b}] 缺少楼栋编号"),
                    format!("buildings[{b}] has no id"),
                ));
                continue;
            };
            let location = match (
                building.get("lon").and_then(Value::as_f64),
                building.get("lat").and_then(Value::as_f64),
            ) {
                (Some(lon), Some(lat)) => match GeoPoint::new(lon, lat) {
                    Ok(p) => Some(xingfu_core::ops::coords::to_wgs84(p, datum)),
                    Err(e) => {
                        member_problem = true;
                        problems.push(fail(
                            format!("buildings[{b}]:{}", e.zh()),
                            format!("buildings[{b}]: {e}"),
                        ));
                        continue;
                    }
                },
                _ => None,
            };
            let head = building.get("head").and_then(text_of);
            if let Some(head) = &head
                && !people.contains(head)
            {
                member_problem = true;
                problems.push(fail(
                    format!("楼栋长 {head} 不是本社区的账号"),
                    format!("building head {head} is not an account of this community"),
                ));
                continue;
            }
            buildings.push(Building {
                name: building
                    .get("name")
                    .and_then(text_of)
                    .unwrap_or_else(|| building_id.clone()),
                id: building_id,
                location,
                head,
            });
        }
        if member_problem {
            continue;
        }
        let grid = Grid {
            name: properties
                .get("name")
                .and_then(text_of)
                .unwrap_or_else(|| id.clone()),
            id: id.clone(),
            community: community.to_string(),
            area,
            members,
            buildings,
        };
        match grid.validate() {
            Ok(()) => grids.push(grid),
            Err(e) => problems.push(grid_problem(index, &id, &e)),
        }
    }
    Ok(if problems.is_empty() {
        Ok(grids)
    } else {
        Err(problems)
    })
}

fn grid_problem(index: usize, id: &str, error: &GridError) -> GridProblem {
    problem(index, Some(id), error.zh(), error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&picture)
            .unwrap();
        out
    }

    /// `jpeg` with an APP1 EXIF segment right after the start-of-image marker.
    fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// EXIF with only IFD0's Orientation (0x0112) set to `value`.
    fn orientation_exif(value: u16) -> Vec<u8> {
        let mut exif = b"Exif\0\0MM\x00\x2a\x00\x00\x00\x08".to_vec();
        exif.extend_from_slice(&1u16.to_be_bytes());
        exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
        exif.extend_from_slice(&value.to_be_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        exif
    }

    #[test]
    fn a_jpeg_must_run_to_its_end_marker() {
        let whole = jpeg(40, 30);
        assert!(jpeg_is_complete(&whole));
        assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
        assert!(!jpeg_is_complete(&whole[..whole.len() / 2]));
        assert!(!jpeg_is_complete(b"not a jpeg"));
        // A thumbnail inside EXIF has its own end marker; it must not make a cut photo whole.
        let mut thumbnail_exif = b"Exif\0\0".to_vec();
        thumbnail_exif.extend_from_slice(&jpeg(8, 8));
        let with_thumbnail = with_app1(&whole, &thumbnail_exif);
        assert!(jpeg_is_complete(&with_thumbnail));
        assert!(!jpeg_is_complete(
            &with_thumbnail[..with_thumbnail.len() - 100]
        ));
        // Bytes after the end marker (some phones append data) are fine.
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"trailer");
        assert!(jpeg_is_complete(&trailing));
    }

    #[test]
    fn photos_are_turned_upright_scaled_and_stripped() {
        // Orientation 6: the camera was turned; the stored photo is upright (sides swapped).
        let turned = with_app1(&jpeg(40, 30), &orientation_exif(6));
        let clean = clean_photo(&turned).unwrap();
        assert_eq!((clean.width, clean.height), (30, 40));
        assert!(!clean.bytes.windows(4).any(|w| w == b"Exif"));
        let upright = clean_photo(&with_app1(&jpeg(40, 30), &orientation_exif(1))).unwrap();
        assert_eq!((upright.width, upright.height), (40, 30));

        // Larger than the limit: scaled to it, keeping proportions; PNG with alpha → JPEG.
        let wide = image::RgbaImage::new(MAX_PHOTO_SIDE * 2, 100);
        let mut png = Vec::new();
        wide.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let clean = clean_photo(&png).unwrap();
        assert_eq!((clean.width, clean.height), (MAX_PHOTO_SIDE, 50));
        assert_eq!(Kind::sniff(&clean.bytes), Some(Kind::Jpeg));
        let at_limit = clean_photo(&jpeg(MAX_PHOTO_SIDE, 10)).unwrap();
        assert_eq!((at_limit.width, at_limit.height), (MAX_PHOTO_SIDE, 10));
    }

    #[test]
    fn what_is_not_a_photo_is_refused() {
        assert!(clean_photo(b"").unwrap_err().zh.contains("空"));
        assert!(
            clean_photo(b"%PDF-1.4\n%%EOF")
                .unwrap_err()
                .zh
                .contains("不是图片")
        );
        let mut big = jpeg(8, 8);
        big.resize(MAX_UPLOAD + 1, 0);
        assert!(clean_photo(&big).unwrap_err().too_big);
        let mut exactly = jpeg(8, 8);
        let pad = MAX_UPLOAD - exactly.len();
        exactly.extend(std::iter::repeat_n(0u8, pad));
        assert_eq!(exactly.len(), MAX_UPLOAD);
        assert!(clean_photo(&exactly).is_ok());
    }

    #[test]
    fn actions_are_read_from_form_fields() {
        let form = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Command::parse(
                form(&[("action", "merge_into"), ("primary", " #12 ")]),
                false
            ),
            Ok(Command::MergeInto {
                primary: EventId(12)
            })
        );
        assert_eq!(
            Command::parse(form(&[("action", "hand_down"), ("level", "街道")]), false),
            Ok(Command::HandDown { to: Level::Street })
        );
        assert!(
            Command::parse(form(&[("action", "hand_down"), ("level", "city")]), false).is_err()
        );
        assert!(Command::parse(form(&[("action", "merge_into")]), true).is_err());
        assert_eq!(
            Command::parse(form(&[("action", "fly")]), false),
            Err("未知的操作:fly".to_string())
        );
    }
}
