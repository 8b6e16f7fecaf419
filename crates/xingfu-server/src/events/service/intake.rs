//! Intake: a report checked, routed to its grid and recorded with its photos.

use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::{
    Event, NewReport, ReportError, Without, open, validate_report, validate_unlocated_report,
};
use xingfu_store::events::{Extras, PhotoStage};

use super::grids::route_in_community;
use super::ops::{OpsPerson, rules};
use super::photos::{CleanPhoto, discard, store_photos};
use crate::app::error::AppError;
use crate::app::state::AppState;

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

/// Where the reporter says the problem is.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// The intake's `location` in its `datum` (the phone's position, typed, or a building's).
    Position,
    /// A grid of the community chosen from its list, with no position.
    Grid(String),
    /// Only described in words: the intake's `address` says where.
    Words,
}

/// Checks, routes and records a report at the intake's position; see [`report_event_at`].
pub async fn report_event(
    state: &AppState,
    community: &str,
    reporter: Option<&OpsPerson>,
    intake: Intake,
    now: i64,
) -> Result<Result<Event, ReportError>, AppError> {
    report_event_at(state, community, reporter, intake, Place::Position, now).await
}

/// Checks, routes and records a report in `community`; the photos are stored first and removed
/// again if the event cannot be written. `reporter` is `None` for an anonymous report. A report
/// at a position goes to the grid containing it; one in a chosen grid to that grid (when it is
/// the community's); one described in words to the community. Without a position the intake's
/// `location` and `datum` are not read.
pub async fn report_event_at(
    state: &AppState,
    community: &str,
    reporter: Option<&OpsPerson>,
    intake: Intake,
    place: Place,
    now: i64,
) -> Result<Result<Event, ReportError>, AppError> {
    let photo_ids: Vec<String> = intake.photos.iter().map(|_| String::new()).collect();
    let checked = match place {
        Place::Position => validate_report(
            NewReport {
                category: intake.category,
                description: intake.description,
                location: intake.location,
                datum: intake.datum,
                address: intake.address,
                photos: photo_ids,
            },
            rules(),
        ),
        Place::Grid(_) | Place::Words => validate_unlocated_report(
            intake.category,
            intake.description,
            intake.address,
            photo_ids,
            if place == Place::Words {
                Without::Words
            } else {
                Without::Grid
            },
            rules(),
        ),
    };
    let mut valid = match checked {
        Ok(valid) => valid,
        Err(e) => return Ok(Err(e)),
    };
    let grid = match &place {
        Place::Position => route_in_community(&state.store, community, valid.location).await?,
        Place::Grid(chosen) => {
            let grids = state.store.grids_of(community).await?;
            grids.into_iter().map(|g| g.id).find(|id| id == chosen)
        }
        Place::Words => None,
    };
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
