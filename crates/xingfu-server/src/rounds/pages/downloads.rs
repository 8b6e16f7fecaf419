//! The round's downloads from the pages: an evidence file and the round's workbooks (results
//! and score sheet), made by the service and handed over as attachments.

use axum::extract::{Path, State};
use axum_extra::extract::CookieJar;

use crate::app::auth::CurrentUser;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::evidence::{Download, evidence_file};
use crate::rounds::report::{round_workbook, score_sheet_workbook};
use crate::web::download::attachment;
use crate::web::page::PageResult;

fn handed(download: Download) -> PageResult {
    Ok(attachment(
        &download.content_type,
        &download.file_name,
        download.bytes,
    ))
}

/// GET /evidence/{id}: the file as uploaded, for anyone whose area covers the community.
pub async fn evidence(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult {
    handed(evidence_file(&state, &user, &id, Lang::from_jar(&jar)).await?)
}

/// GET /rounds/{round}/export.xlsx: the round's results in the user's area, as the command
/// line's report workbook (communities, streets, districts, the whole, and those not rated).
pub async fn export_round(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> PageResult {
    handed(round_workbook(&state, &user, &round_id, Lang::from_jar(&jar)).await?)
}

/// GET /rounds/{round}/score-sheet.xlsx: a row per community in the user's area, a column per
/// clause with the points earned (the assessors' mean), the total and the star.
pub async fn score_sheet(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> PageResult {
    handed(score_sheet_workbook(&state, &user, &round_id, Lang::from_jar(&jar)).await?)
}
