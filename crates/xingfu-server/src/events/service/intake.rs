//! Intake: a report checked, routed to its grid and recorded with its photos.

use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::{Event, NewReport, ReportError, open, validate_report};
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

/// The grid of a community that contains `point` (WGS-84), by the core's routing rule.
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
