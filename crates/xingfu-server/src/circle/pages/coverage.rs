//! Coverage pages: shares per community and function as tables, the gaps with most homes out
//! of reach, the map, recomputing a district's coverage, and every home's distances as CSV.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use xingfu_core::Dec2;
use xingfu_core::region;
use xingfu_geo::WalkingSpeed;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::{CoverageRow, OriginRow, from_e6};

use super::kit::{
    Choice, Posted, Said, TitledPage, Visit, community_names, datum_choices, functions_text, go,
    name_of, percent,
};
use super::map::{MapView, facility_marks, map_view};
use crate::app::error::AppError;
use crate::circle::service::areas::{self, district_of, may_compute, viewable_area};
use crate::circle::service::convert::{ALL_SIX, function_name};
use crate::circle::service::coverage::{AUTOMATIC, RunSummary, recompute as compute};
use crate::circle::service::locate::BoundarySource;
use crate::i18n::Lang;
use crate::people::service::local_text;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};

pub struct ShareCell {
    pub share: String,
    pub counts: String,
}

pub struct CoverageLine {
    pub code: String,
    pub name: String,
    pub homes: i64,
    pub cells: Vec<ShareCell>,
}

pub struct GapLine {
    pub community: String,
    pub function: String,
    pub uncovered: i64,
    pub share: String,
}

pub struct RunInfo {
    pub computed_at: String,
    pub computed_by: String,
    pub network: String,
    pub speed: String,
    pub scope_note: String,
    pub boundaries: Vec<(String, String)>,
    pub missing: String,
    pub graph: String,
}

#[derive(Template)]
#[template(path = "circle_coverage.html")]
struct CoveragePage {
    page: Page,
    code: String,
    name: String,
    /// Where the siting link goes: the street itself, else the district.
    siting: String,
    run: Option<RunInfo>,
    columns: Vec<String>,
    lines: Vec<CoverageLine>,
    gaps: Vec<GapLine>,
    map: Option<MapView>,
    map_function: String,
    map_choices: Vec<Choice>,
    can_compute: bool,
    network: String,
    csrf: String,
    speeds: Vec<Choice>,
    datums: Vec<Choice>,
    errors: Vec<Problem>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    computed: Option<String>,
    #[serde(default)]
    saved: Option<usize>,
}

/// Column keys of the coverage table: the nine functions, then all six.
fn column_keys() -> Vec<String> {
    ServiceFunction::ALL
        .iter()
        .map(|f| f.key().to_string())
        .chain(std::iter::once(ALL_SIX.to_string()))
        .collect()
}

fn map_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    column_keys()
        .into_iter()
        .map(|key| Choice {
            label: function_name(&key, lang),
            selected: key == chosen,
            value: key,
        })
        .collect()
}

pub async fn render_coverage(v: &Visit, code: &str, function: &str, said: Said) -> PageResult {
    let (status, errors, notice) = said.parts();
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let area = viewable_area(state, user, code, lang).await?;
    let Some(district) = district_of(&area) else {
        return go(&format!("/circle/areas/{code}"));
    };
    let function = if column_keys().iter().any(|k| k == function) {
        function.to_string()
    } else {
        ALL_SIX.to_string()
    };
    let names = community_names(state, &areas::area(state, &district).await?).await?;
    let run = state.store.circle_run(&district).await?;
    let summary = run
        .as_ref()
        .map(|r| RunSummary::parse(&r.summary_json))
        .unwrap_or_default();
    let within = |c: &str| region::within(c, &area.code, &area.level);
    let rows: Vec<CoverageRow> = state
        .store
        .circle_coverage_of_district(&district)
        .await?
        .into_iter()
        .filter(|r| {
            (area.level == "district" && r.area_code == district)
                || (r.area_code != district && within(&r.area_code))
        })
        .collect();
    let mut by_area: BTreeMap<String, BTreeMap<String, CoverageRow>> = BTreeMap::new();
    for row in rows {
        by_area
            .entry(row.area_code.clone())
            .or_default()
            .insert(row.function.clone(), row);
    }
    let district_label = match run.as_ref().map(|r| r.scope.as_str()) {
        Some("extract") => lang.text(
            "全区（路网范围内全部住宅）",
            "District (every home in the network)",
        ),
        _ => lang.text("全区（各社区合计）", "District (its communities together)"),
    };
    let keys = column_keys();
    let mut lines: Vec<CoverageLine> = Vec::new();
    let mut gaps: Vec<GapLine> = Vec::new();
    for (area_code, cells) in &by_area {
        let name = if *area_code == district {
            district_label.clone()
        } else {
            names
                .get(area_code)
                .cloned()
                .unwrap_or_else(|| area_code.clone())
        };
        let homes = cells.values().map(|c| c.total).max().unwrap_or(0);
        let line = CoverageLine {
            code: area_code.clone(),
            name: name.clone(),
            homes,
            cells: keys
                .iter()
                .map(|k| match cells.get(k) {
                    Some(c) => ShareCell {
                        share: percent(c.share),
                        counts: format!("{}/{}", c.covered, c.total),
                    },
                    None => ShareCell {
                        share: "—".into(),
                        counts: String::new(),
                    },
                })
                .collect(),
        };
        if *area_code == district {
            lines.insert(0, line);
        } else {
            lines.push(line);
            for (key, cell) in cells {
                if cell.covered < cell.total
                    && !summary.functions_without_facilities.contains(key)
                    && key != ALL_SIX
                {
                    gaps.push(GapLine {
                        community: name.clone(),
                        function: function_name(key, lang),
                        uncovered: cell.total - cell.covered,
                        share: percent(cell.share),
                    });
                }
            }
        }
    }
    gaps.sort_by(|a, b| b.uncovered.cmp(&a.uncovered).then(a.share.cmp(&b.share)));
    gaps.truncate(20);
    let origins = state
        .store
        .circle_origins(
            &district,
            (area.level == "community").then_some(area.code.as_str()),
        )
        .await?;
    let shown: Vec<&OriginRow> = origins
        .iter()
        .filter(|o| area.level == "district" || o.community_code.as_deref().is_some_and(&within))
        .collect();
    let facilities = facility_marks(state, &district, &function).await?;
    // Who computed it, by name (the run keeps the account).
    let computed_by = match &run {
        Some(r) => state
            .store
            .user_by_username(&r.computed_by)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_else(|| {
                if r.computed_by == AUTOMATIC {
                    lang.pick(
                        "系统（设施变更后自动重算）",
                        "the system (recomputed after facilities changed)",
                    )
                    .to_string()
                } else {
                    r.computed_by.clone()
                }
            }),
        None => String::new(),
    };
    let run_info = run.as_ref().map(|r| RunInfo {
        computed_at: local_text(r.computed_at),
        computed_by: computed_by.clone(),
        network: r.network.clone(),
        speed: format!("{}", Dec2(r.speed_m_per_h / 10)),
        scope_note: if r.scope == "extract" {
            lang.text("本区还没有任何社区边界（上传的边界、网格或同名小区），数字按路网范围内的全部住宅计算，没有分社区的数字。",
                "No community of the district has a boundary yet (uploaded, grids or a compound of that name): the figures count every home in the network, with none per community.",
            )
        } else {
            String::new()
        },
        boundaries: summary
            .boundaries
            .iter()
            .map(|(code, source): (&String, &BoundarySource)| {
                (name_of(&names, code), source.label(lang))
            })
            .collect(),
        missing: functions_text(&summary.functions_without_facilities, lang),
        graph: lang.text(format!("路网 {} 个节点、{} 条边；住宅 {} 处；设施 {} 处", summary.graph_nodes, summary.graph_edges, summary.origins, summary.facilities),
            format!("network {} nodes, {} edges; {} homes; {} facilities", summary.graph_nodes, summary.graph_edges, summary.origins, summary.facilities),
        ),
    });
    let speeds = [
        (
            "4",
            "4 千米/小时（15 分钟 1000 米）",
            "4 km/h (1000 m in 15 minutes)",
        ),
        (
            "3.2",
            "3.2 千米/小时（15 分钟 800 米，适合老年人）",
            "3.2 km/h (800 m in 15 minutes, for older walkers)",
        ),
    ]
    .into_iter()
    .map(|(value, zh, en_text)| Choice {
        selected: run.as_ref().map_or(value == "4", |r| {
            format!("{}", Dec2(r.speed_m_per_h / 10)) == value
        }),
        value: value.into(),
        label: lang.text(zh, en_text),
    })
    .collect();
    let html = render(CoveragePage {
        page: v.page(
            &format!("/circle/areas/{code}/coverage"),
            ("15分钟服务圈覆盖率", "15-minute circle coverage"),
            &area.name,
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        siting: if area.level == "street" {
            area.code.clone()
        } else {
            district.clone()
        },
        run: run_info,
        columns: keys.iter().map(|k| function_name(k, lang)).collect(),
        lines,
        gaps,
        map: map_view(&shown, &function, &facilities, &[]),
        map_choices: map_choices(lang, &function),
        map_function: function_name(&function, lang),
        can_compute: area.level == "district" && may_compute(user, &area.code),
        network: state.network.label().unwrap_or_default(),
        csrf: user.csrf.clone(),
        speeds,
        datums: datum_choices(lang, ""),
        errors,
        notice,
    })?;
    Ok((status, html).into_response())
}

/// GET /circle/areas/{code}/coverage?function=elderly_care
pub async fn coverage(
    v: Visit,
    Path(code): Path<String>,
    Query(query): Query<CoverageQuery>,
) -> PageResult {
    let lang = v.lang;
    let notice = match (&query.computed, query.saved) {
        (Some(_), _) => Some(lang.text("覆盖率已重新计算", "Coverage computed again")),
        (None, Some(n)) => Some(lang.text(
            format!("已保存 {n} 个社区边界，请重新计算覆盖率"),
            format!("Saved {n} community boundaries: compute coverage again"),
        )),
        _ => None,
    };
    let function = query.function.as_deref().unwrap_or(ALL_SIX);
    render_coverage(&v, &code, function, Said::Notice(notice)).await
}

/// POST /circle/areas/{code}/coverage (csrf, speed): computes the district's coverage again.
pub async fn recompute(Path(code): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    let lang = v.lang;
    let speed = match fields.text("speed").trim() {
        "" => WalkingSpeed::DEFAULT,
        text => Dec2::parse(text)
            .ok()
            .and_then(|kmh| WalkingSpeed::from_km_per_hour(kmh).ok())
            .ok_or_else(|| {
                AppError::BadRequest(lang.text(
                    "步行速度须在 0.5–20 千米/小时之间",
                    "the walking speed must be within 0.5–20 km/h",
                ))
            })?,
    };
    compute(&v.state, &v.user, &code, speed, lang).await?;
    go(&format!("/circle/areas/{code}/coverage?computed=1"))
}

/// GET /circle/areas/{code}/origins.csv: every home of the area with its walking distance (m)
/// to the nearest facility of each function.
pub async fn origins_csv(v: Visit, Path(code): Path<String>) -> PageResult {
    let lang = v.lang;
    let area = viewable_area(&v.state, &v.user, &code, lang).await?;
    let district = district_of(&area).ok_or(AppError::NotFound)?;
    let origins = v.state.store.circle_origins(&district, None).await?;
    let mut text = String::from("\u{feff}");
    let mut header = vec![
        lang.text("编号", "id"),
        lang.text("经度", "lon"),
        lang.text("纬度", "lat"),
        lang.text("社区", "community"),
    ];
    header.extend(
        ServiceFunction::ALL
            .iter()
            .map(|f| format!("{}{}", f.name(lang.is_en()), lang.pick("（米）", " (m)"))),
    );
    text.push_str(&header.join(","));
    text.push('\n');
    for o in origins.iter().filter(|o| {
        area.level == "district"
            || o.community_code
                .as_deref()
                .is_some_and(|c| region::within(c, &area.code, &area.level))
    }) {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            o.origin_ref,
            from_e6(o.lon_e6),
            from_e6(o.lat_e6),
            o.community_code.clone().unwrap_or_default(),
            o.distances_m.replace(';', ",")
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"circle-homes.csv\"",
            ),
        ],
        text,
    )
        .into_response())
}
