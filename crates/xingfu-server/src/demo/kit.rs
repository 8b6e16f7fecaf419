//! What every part of the demo loader needs: divisions from a shipped CSV file, and a known
//! account acting as if signed in.

use xingfu_formats::problems_in_one_line;
use xingfu_store::Store;
use xingfu_store::regions::RegionRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;

/// Reads a divisions CSV shipped with the demo (`file` names it in errors) and stores its regions;
/// returns how many were written.
pub async fn load_regions_csv(store: &Store, file: &str, text: &str) -> anyhow::Result<usize> {
    let regions = xingfu_formats::regions::read_regions_csv(file, text)
        .map_err(|p| anyhow::anyhow!("demo regions: {}", problems_in_one_line(&p)))?;
    let rows: Vec<RegionRow> = regions
        .into_iter()
        .map(|r| RegionRow {
            code: r.code,
            name: r.name,
            level: r.level.key().to_string(),
            parent: r.parent,
            urban_rural: r.urban_rural,
        })
        .collect();
    Ok(store.upsert_regions(&rows).await?)
}

/// The demo account `username` as a signed-in person, for the loader to act through the services.
pub async fn acting_as(state: &AppState, username: &str) -> Result<CurrentUser, AppError> {
    let user = state
        .store
        .user_by_username(username)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::app::auth::person(state, user, String::new(), 0)
        .await?
        .ok_or(AppError::NotFound)
}
