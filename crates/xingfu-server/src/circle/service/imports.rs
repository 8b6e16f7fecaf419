//! Imports: facilities from a registry file (CSV, GeoJSON) or OpenStreetMap, and community
//! boundaries for the circle from GeoJSON. With any problem nothing is saved.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use xingfu_core::ops::coords::Datum;
use xingfu_core::region;
use xingfu_geo::facility::Facility;
use xingfu_geo::osm::{OsmExtract, import_bytes};
use xingfu_geo::registry::{parse_facilities_csv, parse_facilities_geojson};
use xingfu_store::facilities::{FacilityInput, ImportCount, to_e6};

use super::areas::{allow, area, keeping_area, may_compute, may_edit, viewable_area};
use super::convert::{convert_coordinates, function_keys, function_name, problem_text, to_wgs};
use super::locate::{boundary_area, locator, normalise_name, optional_extract};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::circle::network::osm_options;
use crate::i18n::Lang;

/// Where imported facilities come from.
pub enum ImportFrom {
    /// An uploaded file: CSV, GeoJSON or .osm.pbf, told apart by content.
    Upload(Vec<u8>),
    /// The points of interest of the server's street network.
    Network,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub added: usize,
    pub updated: usize,
    /// OpenStreetMap points outside the area's communities, left out.
    pub skipped: usize,
    /// `csv`, `geojson` or `osm`.
    pub format: &'static str,
}

/// An .osm.pbf file starts with a 4-byte header length, then a BlobHeader whose first field
/// (tag 0x0a, 9 bytes) is the block type "OSMHeader".
fn is_pbf(bytes: &[u8]) -> bool {
    bytes.len() >= 15 && bytes[4] == 0x0a && bytes[5] == 9 && &bytes[6..15] == b"OSMHeader"
}

/// Registry ids the parser makes up for rows without one (`line3`, `feature2`).
fn is_generated_id(id: &str) -> bool {
    let digits = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    id.strip_prefix("line").is_some_and(digits) || id.strip_prefix("feature").is_some_and(digits)
}

/// Imports facilities into `area_code`: parsed, placed in communities, checked against the
/// user's area, then saved in one transaction. Problems name their line or feature; with any
/// problem nothing is saved.
pub async fn import_facilities(
    state: &AppState,
    user: &CurrentUser,
    area_code: &str,
    from: ImportFrom,
    community: Option<&str>,
    datum: Datum,
    lang: Lang,
) -> Result<Result<ImportOutcome, Vec<String>>, AppError> {
    let (area, district_code) =
        keeping_area(state, user, area_code, lang, ("导入", "import")).await?;
    // The extract an OpenStreetMap import comes from also names its compounds (for placing).
    let mut own_extract: Option<Arc<OsmExtract>> = None;
    let (format, parsed): (&'static str, Result<Vec<Facility>, Vec<String>>) = match from {
        ImportFrom::Network => {
            let extract = state.network.extract(lang).await?;
            let facilities = extract.facilities.clone();
            own_extract = Some(extract);
            ("osm", Ok(facilities))
        }
        ImportFrom::Upload(bytes) if is_pbf(&bytes) => {
            let read = tokio::task::spawn_blocking(move || {
                import_bytes("upload.osm.pbf", &bytes, &osm_options()).map(Arc::new)
            })
            .await
            .map_err(|e| internal(format!("reading an uploaded extract: {e}")))?;
            if let Ok(extract) = &read {
                own_extract = Some(extract.clone());
            }
            (
                "osm",
                read.map(|e| e.facilities.clone()).map_err(|e| {
                    vec![lang.text(
                        format!("无法读取 OpenStreetMap 文件：{e}"),
                        format!("cannot read the OpenStreetMap file: {e}"),
                    )]
                }),
            )
        }
        ImportFrom::Upload(bytes) => match String::from_utf8(bytes) {
            Err(_) => (
                "csv",
                Err(vec![lang.text(
                    "文件不是 UTF-8 编码的文本（CSV 请另存为 UTF-8）",
                    "the file is not UTF-8 text (save the CSV as UTF-8)",
                )]),
            ),
            Ok(text) => {
                let body = text.trim_start_matches('\u{feff}').trim_start();
                let (format, read) = if body.starts_with('{') {
                    let converted = match serde_json::from_str::<Value>(body) {
                        Ok(mut value) => {
                            if let Some(features) = value.get_mut("features") {
                                for feature in features.as_array_mut().into_iter().flatten() {
                                    if let Some(g) = feature.get_mut("geometry") {
                                        convert_coordinates(g, datum);
                                    }
                                }
                            }
                            value.to_string()
                        }
                        Err(_) => body.to_string(),
                    };
                    ("geojson", parse_facilities_geojson("upload", &converted))
                } else {
                    let read = parse_facilities_csv("upload", &text).map(|mut list| {
                        for f in &mut list {
                            f.location = to_wgs(f.location, datum);
                        }
                        list
                    });
                    ("csv", read)
                };
                (
                    format,
                    read.map_err(|problems| {
                        problems.iter().map(|p| problem_text(p, lang)).collect()
                    }),
                )
            }
        },
    };
    let facilities = match parsed {
        Ok(list) => list,
        Err(problems) => return Ok(Err(problems)),
    };
    let chosen = match community.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let ok = state.store.region(code).await?.is_some_and(|r| {
                r.level == "community" && region::within(code, &area.code, &area.level)
            }) && may_edit(user, code);
            if !ok {
                return Ok(Err(vec![lang.text(
                    format!("社区 {code} 不在 {} 内或不在您的管辖范围内", area.name),
                    format!(
                        "community {code} is not in {} or not in your area",
                        area.name
                    ),
                )]));
            }
            Some(code.to_string())
        }
        None if area.level == "community" => Some(area.code.clone()),
        None => None,
    };
    let district = self::area(state, &district_code).await?;
    let extract = match own_extract {
        Some(extract) => Some(extract),
        None => optional_extract(state).await,
    };
    let locator = locator(state, &district, extract).await?;
    let existing = state.store.facility_refs(&district_code).await?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    for facility in facilities {
        let label = lang.text(
            format!("{}\u{ff08}{}\u{ff09}", facility.id, facility.name),
            format!("{} ({})", facility.id, facility.name),
        );
        let located = chosen
            .clone()
            .or_else(|| locator.community_of(facility.location));
        let inside = |code: &str| region::within(code, &area.code, &area.level);
        let (community, region_code) = match located {
            Some(code) if inside(&code) && may_edit(user, &code) => (Some(code.clone()), code),
            Some(code) => {
                if format == "osm" {
                    skipped += 1;
                    continue;
                }
                problems.push(lang.text(
                    format!(
                        "{label}：位于社区 {code}，不在 {} 或您的管辖范围内",
                        area.name
                    ),
                    format!(
                        "{label}: lies in community {code}, outside {} or your area",
                        area.name
                    ),
                ));
                continue;
            }
            None if format == "osm" && area.level != "district" => {
                skipped += 1;
                continue;
            }
            None => (None, area.code.clone()),
        };
        let source_ref = match format {
            "osm" => Some(facility.id.clone()),
            _ if is_generated_id(&facility.id) => None,
            _ => Some(facility.id.clone()),
        };
        if let Some(kept_by) = source_ref.as_ref().and_then(|r| existing.get(r))
            && !may_edit(user, kept_by)
        {
            if format == "osm" {
                skipped += 1;
            } else {
                problems.push(lang.text(
                    format!("{label}：编号已由 {kept_by} 登记，您不能修改"),
                    format!("{label}: this id is registered by {kept_by}; you may not change it"),
                ));
            }
            continue;
        }
        rows.push(FacilityInput {
            district_code: district_code.clone(),
            region_code,
            community_code: community,
            name: facility.name.clone(),
            functions: function_keys(&facility.functions),
            lon_e6: to_e6(facility.location.lon),
            lat_e6: to_e6(facility.location.lat),
            hours: facility.hours.clone(),
            capacity: facility.capacity.map(i64::from),
            source: format.to_string(),
            source_ref,
        });
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    // OSM names are free text and may be empty; the registry's are checked by the parser.
    for row in &mut rows {
        if row.name.trim().is_empty() {
            row.name = row
                .functions
                .first()
                .map_or_else(|| "?".to_string(), |k| function_name(k, lang));
        }
    }
    let ImportCount { added, updated } = state
        .store
        .import_facilities(&district_code, &rows, &user.user.username, now_ms())
        .await?;
    crate::jobs::queue::coverage_after_change(state, &district_code, now_ms()).await?;
    Ok(Ok(ImportOutcome {
        added,
        updated,
        skipped,
        format,
    }))
}

// ---------------------------------------------------------------------------------------------
// Boundaries

/// Saves community boundaries for the circle from a GeoJSON FeatureCollection: each feature a
/// Polygon or MultiPolygon whose `code` (or `编号`) is a community code, or whose `name`
/// (`名称`) is a community's name, in `district_code`. Returns how many were saved.
pub async fn save_boundaries(
    state: &AppState,
    user: &CurrentUser,
    district_code: &str,
    text: &str,
    datum: Datum,
    lang: Lang,
) -> Result<Result<usize, Vec<String>>, AppError> {
    let district = viewable_area(state, user, district_code, lang).await?;
    let allowed = district.level == "district" && may_compute(user, &district.code);
    let who = (
        "社区边界由区级或市级管理员上传",
        "community boundaries are uploaded by district or city administrators",
    );
    allow(allowed, lang, who)?;
    let whole = |zh: &str, english: &str| Ok(Err(vec![lang.text(zh, english)]));
    let value: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            return Ok(Err(vec![lang.text(
                format!("第 {} 行：不是有效的 JSON:{e}", e.line()),
                format!("line {}: not valid JSON: {e}", e.line()),
            )]));
        }
    };
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        return whole(
            "不是 GeoJSON FeatureCollection",
            "not a GeoJSON FeatureCollection",
        );
    };
    let communities = state.store.regions_within(&district, "community").await?;
    let mut problems = Vec::new();
    let mut saved = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let n = i + 1;
        let properties = feature.get("properties").unwrap_or(&Value::Null);
        let text_of = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| properties.get(*k).and_then(Value::as_str))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let found = match (text_of(&["code", "编号"]), text_of(&["name", "名称"])) {
            (Some(code), _) => communities.iter().find(|c| c.code == code),
            (None, Some(name)) => communities
                .iter()
                .find(|c| c.name == name || normalise_name(&c.name) == normalise_name(name)),
            (None, None) => None,
        };
        let Some(community) = found else {
            problems.push(lang.text(
                format!(
                    "第 {n} 个要素：没有找到 {} 内对应的社区（需要 code 或 name）",
                    district.name
                ),
                format!(
                    "feature {n}: no community of {} matches (code or name needed)",
                    district.name
                ),
            ));
            continue;
        };
        let mut geometry = feature.get("geometry").cloned().unwrap_or(Value::Null);
        convert_coordinates(&mut geometry, datum);
        let geometry_text = geometry.to_string();
        match boundary_area(&geometry_text) {
            Ok(_) => saved.push((community.code.clone(), geometry_text)),
            Err(found) => {
                for p in found {
                    let message = if lang.is_en() { p.en } else { p.zh };
                    problems.push(lang.text(
                        format!("第 {n} 个要素：{message}"),
                        format!("feature {n}: {message}"),
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    if saved.is_empty() {
        return whole("文件中没有边界", "the file holds no boundary");
    }
    state
        .store
        .save_circle_boundaries(&saved, &user.user.username, now_ms())
        .await?;
    Ok(Ok(saved.len()))
}
