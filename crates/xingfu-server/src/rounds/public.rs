//! The public 公示 list: every round's results that are published (open to objections) or
//! named, by community, for anyone without signing in, with the round's current 公示 and
//! 命名决定 documents to verify. A page many people open and nobody writes through, so it reads
//! from the replica while that keeps up.

use xingfu_core::documents::DocumentKind;
use xingfu_core::region;
use xingfu_core::workflow::Stage;
use xingfu_store::Store;
use xingfu_store::rounds::{EntryRow, RoundRow};

use crate::app::error::AppError;
use crate::app::reads::Freshness;
use crate::app::state::AppState;

/// Results on one page of the list.
pub const PAGE_SIZE: i64 = 50;

const SHOWN: [Stage; 2] = [Stage::Published, Stage::Named];

/// Which part of the list: a round (default the newest with results shown), an area inside
/// its region, a page from 1.
#[derive(Debug, Clone, Default)]
pub struct NoticeQuery {
    pub round: Option<String>,
    pub area: Option<String>,
    pub page: i64,
}

/// A round that has results to show.
#[derive(Debug, Clone)]
pub struct RoundChoice {
    pub id: String,
    pub year: i64,
    pub region_name: String,
    pub shown: i64,
}

/// The list for one round.
#[derive(Debug, Clone)]
pub struct Notices {
    pub rounds: Vec<RoundChoice>,
    /// The round shown, `None` when no round has results to show.
    pub round: Option<RoundChoice>,
    /// The areas right below the round's region (code, name), to narrow the list.
    pub areas: Vec<(String, String)>,
    /// The area chosen, if it is one of `areas`.
    pub area: Option<String>,
    pub entries: Vec<EntryRow>,
    /// Results shown in the round and area, over all pages; of them on notice (published, not
    /// yet named, whether or not the objection period is over).
    pub total: i64,
    pub open: i64,
    pub page: i64,
    pub pages: i64,
    /// The round's current 公示 and 命名决定 (kind, serial, title, issuer).
    pub documents: Vec<(DocumentKind, String, String, String)>,
}

/// The list `query` asks for.
pub async fn notices(
    state: &AppState,
    freshness: Freshness,
    query: &NoticeQuery,
) -> Result<Notices, AppError> {
    state
        .read_on(freshness, |store| async move {
            notices_from(&store, query).await
        })
        .await
}

async fn notices_from(store: &Store, query: &NoticeQuery) -> Result<Notices, AppError> {
    let mut rounds = Vec::new();
    for round in store.rounds_overlapping("").await? {
        let shown = shown_count(store, &round, "").await?;
        if shown.0 > 0 {
            rounds.push(choice(store, &round, shown.0).await?);
        }
    }
    let picked = query
        .round
        .as_deref()
        .and_then(|id| rounds.iter().find(|r| r.id == id))
        .or(rounds.first())
        .cloned();
    let Some(round_choice) = picked else {
        return Ok(Notices {
            rounds,
            round: None,
            areas: Vec::new(),
            area: None,
            entries: Vec::new(),
            total: 0,
            open: 0,
            page: 1,
            pages: 1,
            documents: Vec::new(),
        });
    };
    let round = store
        .round(&round_choice.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let areas: Vec<(String, String)> = store
        .children(&round.region_code)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let area = query
        .area
        .as_deref()
        .filter(|code| areas.iter().any(|(c, _)| c == code))
        .map(str::to_string);
    let prefix = match &area {
        Some(code) => region::subtree_prefix(code, region::level_of_code(code)),
        None => "",
    };
    let (total, open) = shown_count(store, &round, prefix).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query.page.clamp(1, pages);
    let entries = store
        .entries_at_stages_page(&round.id, prefix, &SHOWN, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        .await?;
    let documents = store
        .current_documents(&round.id)
        .await?
        .into_iter()
        .filter_map(|d| {
            let kind = DocumentKind::parse(&d.kind)?;
            matches!(kind, DocumentKind::Notice | DocumentKind::Decision)
                .then_some((kind, d.serial, d.title, d.issuer))
        })
        .collect();
    Ok(Notices {
        rounds,
        round: Some(round_choice),
        areas,
        area,
        entries,
        total,
        open,
        page,
        pages,
        documents,
    })
}

/// How many of the round's results in the area are shown, and how many are still published.
async fn shown_count(
    store: &Store,
    round: &RoundRow,
    prefix: &str,
) -> Result<(i64, i64), AppError> {
    let counts = store.stage_counts(&round.id, prefix).await?;
    let published = counts.at(Stage::Published);
    Ok((published + counts.at(Stage::Named), published))
}

async fn choice(store: &Store, round: &RoundRow, shown: i64) -> Result<RoundChoice, AppError> {
    let region_name = store
        .region(&round.region_code)
        .await?
        .map_or_else(|| round.region_code.clone(), |r| r.name);
    Ok(RoundChoice {
        id: round.id.clone(),
        year: round.year,
        region_name,
        shown,
    })
}
