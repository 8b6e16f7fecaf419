//! Headings several round pages share: the round with its region ("2013年度 鹿城区") and the
//! round alone ("2013年度").

use xingfu_store::rounds::RoundRow;

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::page::Page;
use crate::web::visit::Visit;

/// The round alone: "Round 2013" / "2013年度".
pub fn round_title(lang: Lang, year: i64) -> String {
    if lang.is_en() {
        format!("Round {year}")
    } else {
        format!("{year}年度")
    }
}

/// The round with its region's name: "2013 Lucheng" / "2013年度 鹿城区".
pub fn year_and_region(lang: Lang, year: i64, region: &str) -> String {
    if lang.is_en() {
        format!("{year} {region}")
    } else {
        format!("{year}年度 {region}")
    }
}

/// The region's name (empty when it is not known).
pub async fn region_name(state: &AppState, code: &str) -> Result<String, AppError> {
    Ok(state.store.region_name(code).await?.unwrap_or_default())
}

/// A round and its heading with the region's name; not found when there is no such round.
pub async fn round_heading(
    state: &AppState,
    lang: Lang,
    round_id: &str,
) -> Result<(RoundRow, String), AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = region_name(state, &round.region_code).await?;
    let heading = year_and_region(lang, round.year, &region);
    Ok((round, heading))
}

/// The layout of a round's page at /rounds/{round}/`what`, titled "`title` · `heading`".
pub fn round_page(visit: &Visit, round_id: &str, what: &str, title: &str, heading: &str) -> Page {
    visit.page_titled(
        &format!("/rounds/{round_id}/{what}"),
        format!("{title} · {heading}"),
    )
}
