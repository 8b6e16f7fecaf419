//! The demo's circle: Beijing divisions around 学院路, and, on the demo's own street network,
//! its facilities imported and the district's coverage computed.

use xingfu_core::ops::coords::Datum;
use xingfu_geo::WalkingSpeed;

use super::coverage::recompute;
use super::imports::{ImportFrom, import_facilities};
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::demo::kit::{acting_as, load_regions_csv};
use crate::i18n::Lang;

/// The demo's divisions for it: 学院路街道 and its communities (data/regions/).
pub const DEMO_REGIONS: &str = include_str!("../../../../../data/regions/haidian-xueyuanlu.csv");
/// 海淀区, the demo's circle district.
pub const DEMO_DISTRICT: &str = "110108000000";
/// The demo account that administers it.
pub const DEMO_ACCOUNT: &str = "haidian";

/// Loads the demo's Beijing divisions (海淀区学院路街道).
pub async fn load_demo_regions(store: &xingfu_store::Store) -> anyhow::Result<usize> {
    load_regions_csv(store, "data/regions/haidian-xueyuanlu.csv", DEMO_REGIONS).await
}

/// The demo's circle, when the server runs on the demo's own extract: its OpenStreetMap
/// facilities registered in 海淀区 and the district's coverage computed, as the `haidian`
/// account would.
pub async fn load_demo(state: &AppState) -> Result<(), AppError> {
    if !state.network.is_embedded() {
        return Ok(());
    }
    if state.store.user_by_username(DEMO_ACCOUNT).await?.is_none() {
        return Ok(());
    }
    let admin = acting_as(state, DEMO_ACCOUNT).await?;
    import_facilities(
        state,
        &admin,
        DEMO_DISTRICT,
        ImportFrom::Network,
        None,
        Datum::Wgs84,
        Lang::Zh,
    )
    .await?
    .map_err(|problems| internal(format!("demo facilities: {}", problems.join("; "))))?;
    recompute(
        state,
        &admin,
        DEMO_DISTRICT,
        WalkingSpeed::DEFAULT,
        Lang::Zh,
    )
    .await?;
    Ok(())
}
