//! Siting suggestions: where new facilities of a function would bring the most homes within
//! 15 minutes, with the gain of each and the map.

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use xingfu_core::Dec2;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::OriginRow;

use super::kit::{Choice, TitledPage, Visit, community_names, function_choices, name_of};
use super::map::{MapView, facility_marks, map_view};
use crate::circle::service::areas::viewable_area;
use crate::circle::service::siting::{MAX_SITES, SitingOutcome, siting as suggest};
use crate::web::page::{Page, PageResult, render};

pub struct SiteLine {
    pub rank: usize,
    pub position: String,
    pub community: String,
    pub gain: u64,
    pub covered_after: String,
}

#[derive(Template)]
#[template(path = "circle_siting.html")]
struct SitingPage {
    page: Page,
    code: String,
    name: String,
    functions: Vec<Choice>,
    count: usize,
    max_sites: usize,
    outcome: Option<SitingOutcome>,
    function_name: String,
    before: String,
    sites: Vec<SiteLine>,
    map: Option<MapView>,
}

#[derive(Deserialize, Default)]
pub struct SitingQuery {
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    count: Option<usize>,
}

fn share_text(part: u64, whole: u64) -> String {
    let share = Dec2::percent_of(Dec2::from_int(part as i64), Dec2::from_int(whole as i64));
    format!("{part}/{whole}({share}%)")
}

/// GET /circle/areas/{code}/siting?function=elderly_care&count=3
pub async fn siting(
    v: Visit,
    Path(code): Path<String>,
    Query(query): Query<SitingQuery>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let en = lang.is_en();
    let area = viewable_area(state, user, &code, lang).await?;
    let function = query.function.as_deref().and_then(ServiceFunction::parse);
    let count = query.count.unwrap_or(3).clamp(1, MAX_SITES);
    let outcome = match function {
        Some(f) => Some(suggest(state, user, &code, f, count, lang).await?),
        None => None,
    };
    let district = area.code.clone();
    let names = community_names(state, &area).await?;
    let (sites, map, before) = match &outcome {
        Some(o) => {
            let sites: Vec<SiteLine> = o
                .sites
                .iter()
                .map(|s| SiteLine {
                    rank: s.rank,
                    position: format!("{:.6}, {:.6}", s.lon, s.lat),
                    community: s
                        .community
                        .as_ref()
                        .map(|c| name_of(&names, c))
                        .unwrap_or_default(),
                    gain: s.gain,
                    covered_after: share_text(s.covered_after, o.total),
                })
                .collect();
            let origins = state.store.circle_origins(&district, None).await?;
            let refs: Vec<&OriginRow> = origins.iter().collect();
            let marks: Vec<(f64, f64, String)> = o
                .sites
                .iter()
                .map(|s| (s.lon, s.lat, s.rank.to_string()))
                .collect();
            let facilities = facility_marks(state, &district, o.function.key()).await?;
            let map = map_view(&refs, o.function.key(), &facilities, &marks);
            (sites, map, share_text(o.covered_before, o.total))
        }
        None => (Vec::new(), None, String::new()),
    };
    render(SitingPage {
        page: v.page(
            &format!("/circle/areas/{code}/siting"),
            ("选址建议", "Siting suggestions"),
            &area.name,
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        functions: function_choices(lang, |f| Some(f) == function),
        count,
        max_sites: MAX_SITES,
        function_name: function.map(|f| f.name(en).to_string()).unwrap_or_default(),
        outcome,
        before,
        sites,
        map,
    })
}
