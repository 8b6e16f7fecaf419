//! An area's registry page: its facilities and centres, links to the areas below it, and the
//! forms that add and import facilities.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use serde::Deserialize;
use xingfu_core::Dec2;
use xingfu_store::facilities::from_e6;

use super::kit::{
    Choice, Said, TitledPage, Visit, community_choices, community_names, datum_choices,
    functions_text, go, name_of, position_text,
};
use crate::app::error::AppError;
use crate::circle::service::areas::{may_edit, prefix_of, viewable_area};
use crate::i18n::Lang;
use crate::web::forms::Problem;
use crate::web::live_map::{LiveMap, Mark};
use crate::web::page::{Page, PageResult, render, star_text};

pub struct FacilityLine {
    pub id: String,
    pub name: String,
    pub functions: String,
    pub community: String,
    pub position: String,
    pub hours: String,
    pub capacity: String,
    pub source: String,
    pub centre: bool,
}

pub struct CentreLine {
    pub id: String,
    pub name: String,
    pub community: String,
    pub service_area: String,
    pub rating: String,
}

pub struct AreaLink {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "circle_facilities.html")]
struct FacilitiesPage {
    page: Page,
    code: String,
    name: String,
    level: String,
    children: Vec<AreaLink>,
    facilities: Vec<FacilityLine>,
    centres: Vec<CentreLine>,
    can_edit: bool,
    can_import_network: bool,
    network: String,
    communities: Vec<Choice>,
    datums: Vec<Choice>,
    csrf: String,
    errors: Vec<Problem>,
    notice: Option<String>,
    /// The facilities as GeoJSON for the map over the basemap (`static/map.js`).
    live_map: String,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    updated: Option<usize>,
    #[serde(default)]
    skipped: Option<usize>,
    #[serde(default)]
    deleted: Option<String>,
}

fn import_notice(lang: Lang, q: &NoticeQuery) -> Option<String> {
    if let Some(name) = &q.deleted {
        return Some(lang.text(format!("已删除：{name}"), format!("Deleted: {name}")));
    }
    let (added, updated) = (q.added?, q.updated.unwrap_or(0));
    let skipped = q.skipped.unwrap_or(0);
    Some(lang.text(
        format!("导入完成：新增 {added} 处，更新 {updated} 处，跳过辖区外 {skipped} 处"),
        format!("Imported: {added} added, {updated} updated, {skipped} outside your area left out"),
    ))
}

fn source_label(source: &str, lang: Lang) -> String {
    match source {
        "osm" => "OpenStreetMap".into(),
        "csv" => "CSV".into(),
        "geojson" => "GeoJSON".into(),
        _ => lang.text("手工登记", "typed in"),
    }
}

/// The registry page of an area, with `errors` from a failed import (then 422).
pub async fn render_facilities(v: &Visit, code: &str, said: Said) -> PageResult {
    let (status, errors, notice) = said.parts();
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let area = viewable_area(state, user, code, lang).await?;
    let child_level = match area.level.as_str() {
        "city" => Some("district"),
        "district" => Some("street"),
        "street" => Some("community"),
        _ => None,
    };
    let children = match child_level {
        Some(level) => state
            .store
            .regions_within(&area, level)
            .await?
            .into_iter()
            .map(|r| AreaLink {
                code: r.code,
                name: r.name,
            })
            .collect(),
        None => Vec::new(),
    };
    let names = community_names(state, &area).await?;
    let community_name = |code: &Option<String>| {
        code.as_ref()
            .map(|c| name_of(&names, c))
            .unwrap_or_default()
    };
    let rows = state.store.facilities_within(prefix_of(&area)).await?;
    let mut live_map = LiveMap::default();
    for f in &rows {
        live_map.point(
            from_e6(f.lon_e6),
            from_e6(f.lat_e6),
            Mark {
                color: if f.centre { "#b35c00" } else { "#1d70b8" },
                radius: if f.centre { 9 } else { 6 },
                hollow: false,
                label: Some(&f.name),
                href: Some(format!("/circle/facilities/{}", f.id)),
            },
        );
    }
    let facilities = rows
        .iter()
        .map(|f| FacilityLine {
            id: f.id.clone(),
            name: f.name.clone(),
            functions: functions_text(&f.functions, lang),
            community: community_name(&f.community_code),
            position: position_text(f.lon_e6, f.lat_e6),
            hours: f.hours.clone().unwrap_or_default(),
            capacity: f.capacity.map(|c| c.to_string()).unwrap_or_default(),
            source: source_label(&f.source, lang),
            centre: f.centre,
        })
        .collect();
    let mut centres = Vec::new();
    for c in state.store.centres_within(prefix_of(&area)).await? {
        let latest = state.store.centre_ratings(&c.facility.id).await?;
        let rating = match latest.first() {
            Some(r) => lang.text(
                format!(
                    "{} 年度 {} 分 {}",
                    r.year,
                    Dec2(r.total),
                    star_text(lang, Some(r.star))
                ),
                format!(
                    "{}: {} points, {}",
                    r.year,
                    Dec2(r.total),
                    star_text(lang, Some(r.star))
                ),
            ),
            None => lang.text("尚未评定", "not rated yet"),
        };
        centres.push(CentreLine {
            id: c.facility.id.clone(),
            name: c.facility.name.clone(),
            community: community_name(&Some(c.community_code.clone())),
            service_area: c.service_area.clone(),
            rating,
        });
    }
    let can_edit = area.level != "city" && may_edit(user, &area.code);
    let html = render(FacilitiesPage {
        page: v.page(
            &format!("/circle/areas/{code}"),
            ("服务设施", "Service facilities"),
            &area.name,
        ),
        code: area.code.clone(),
        name: area.name.clone(),
        level: area.level.clone(),
        children,
        facilities,
        centres,
        can_edit,
        can_import_network: can_edit && state.network.is_configured(),
        network: state.network.label().unwrap_or_default(),
        communities: community_choices(state, lang, user, &area, "").await?,
        datums: datum_choices(lang, ""),
        csrf: user.csrf.clone(),
        errors,
        notice,
        live_map: live_map.to_script_json(),
    })?;
    Ok((status, html).into_response())
}

/// GET /circle: the user's own area.
pub async fn home(v: Visit) -> PageResult {
    if v.user.role == xingfu_core::workflow::Role::Resident {
        return Err(AppError::Forbidden(v.lang.text(
            "服务圈页面仅供工作人员使用",
            "the service circle pages are for staff",
        )));
    }
    go(&format!("/circle/areas/{}", v.user.user.region_code))
}

/// GET /circle/areas/{code}: the area's facilities and centres.
pub async fn facilities(
    v: Visit,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = import_notice(v.lang, &q);
    render_facilities(&v, &code, Said::Notice(notice)).await
}
