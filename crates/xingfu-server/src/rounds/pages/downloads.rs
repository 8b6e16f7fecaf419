//! The round's downloads from the pages: an evidence file and the round's workbooks (results
//! and score sheet), made by the service and handed over as attachments.

use axum::extract::Path;

use crate::app::reads::Freshness;
use crate::rounds::evidence::{Download, evidence_file};
use crate::rounds::report::{round_workbook, score_sheet_workbook};
use crate::web::download::attachment;
use crate::web::page::PageResult;
use crate::web::visit::Visit;

fn handed(download: Download) -> PageResult {
    Ok(attachment(
        &download.content_type,
        &download.file_name,
        download.bytes,
    ))
}

/// GET /evidence/{id}: the file as uploaded, for anyone whose area covers the community.
pub async fn evidence(visit: Visit, Path(id): Path<String>) -> PageResult {
    handed(evidence_file(&visit.state, &visit.user, &id, visit.lang).await?)
}

/// GET /rounds/{round}/export.xlsx: the round's results in the user's area, as the command
/// line's report workbook (communities, streets, districts, the whole, and those not rated).
pub async fn export_round(
    visit: Visit,
    freshness: Freshness,
    Path(round_id): Path<String>,
) -> PageResult {
    handed(round_workbook(&visit.state, &visit.user, &round_id, freshness, visit.lang).await?)
}

/// GET /rounds/{round}/score-sheet.xlsx: a row per community in the user's area, a column per
/// clause with the points earned (the assessors' mean), the total and the star.
pub async fn score_sheet(visit: Visit, Path(round_id): Path<String>) -> PageResult {
    handed(score_sheet_workbook(&visit.state, &visit.user, &round_id, visit.lang).await?)
}
