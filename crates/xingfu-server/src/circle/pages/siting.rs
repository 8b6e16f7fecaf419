//! Siting suggestions for a district or a street: where new facilities of a function would
//! bring the most homes within 15 minutes, with the gain of each, why there are fewer than
//! asked for when so, and the map.

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use xingfu_core::Dec2;
use xingfu_core::region;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::OriginRow;

use super::kit::{Choice, TitledPage, Visit, form_reply, function_choices};
use super::map::{MapView, facility_marks, map_view};
use crate::circle::service::areas::{district_of, viewable_area};
use crate::circle::service::siting::{MAX_SITES, SitingOutcome, siting as suggest};
use crate::web::forms::{Problem, error_for};
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
    street: bool,
    district: String,
    functions: Vec<Choice>,
    count: String,
    max_sites: usize,
    errors: Vec<Problem>,
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
    count: Option<String>,
}

fn share_text(part: u64, whole: u64) -> String {
    let share = Dec2::percent_of(Dec2::from_int(part as i64), Dec2::from_int(whole as i64));
    format!("{part}/{whole}({share}%)")
}

/// GET /circle/areas/{code}/siting?function=elderly_care&count=3 (a district or a street)
pub async fn siting(
    v: Visit,
    Path(code): Path<String>,
    Query(query): Query<SitingQuery>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let en = lang.is_en();
    let area = viewable_area(state, user, &code, lang).await?;
    let function = query.function.as_deref().and_then(ServiceFunction::parse);
    let typed = query.count.unwrap_or_else(|| "3".into());
    let mut errors: Vec<Problem> = Vec::new();
    let count = match typed.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_SITES).contains(&n) => Some(n),
        _ => {
            errors.push((
                "count".into(),
                lang.text(
                    format!("建议几处：请填 1 到 {MAX_SITES} 之间的整数"),
                    format!("How many sites: enter a whole number from 1 to {MAX_SITES}"),
                ),
            ));
            None
        }
    };
    let outcome = match (function, count) {
        (Some(f), Some(n)) => Some(suggest(state, user, &code, f, n, lang).await?),
        _ => None,
    };
    let district = district_of(&area).unwrap_or_else(|| area.code.clone());
    let (sites, map, before) = match &outcome {
        Some(o) => {
            let sites: Vec<SiteLine> = o
                .sites
                .iter()
                .map(|s| SiteLine {
                    rank: s.rank,
                    position: format!("{:.6}, {:.6}", s.lon, s.lat),
                    community: s.community_name.clone().unwrap_or_else(|| {
                        lang.text("不在任何社区范围内", "not within any community")
                    }),
                    gain: s.gain,
                    covered_after: share_text(s.covered_after, o.total),
                })
                .collect();
            let origins = state.store.circle_origins(&district, None).await?;
            let refs: Vec<&OriginRow> = origins
                .iter()
                .filter(|o| {
                    area.level == "district"
                        || o.community_code
                            .as_deref()
                            .is_some_and(|c| region::within(c, &area.code, &area.level))
                })
                .collect();
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
    let html = render(SitingPage {
        page: v.page(
            &format!("/circle/areas/{code}/siting"),
            ("选址建议", "Siting suggestions"),
            &area.name,
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        street: area.level == "street",
        district,
        functions: function_choices(lang, |f| Some(f) == function),
        count: typed,
        max_sites: MAX_SITES,
        errors: errors.clone(),
        function_name: function.map(|f| f.name(en).to_string()).unwrap_or_default(),
        outcome,
        before,
        sites,
        map,
    })?;
    form_reply(html, &errors)
}

impl SitingPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}
