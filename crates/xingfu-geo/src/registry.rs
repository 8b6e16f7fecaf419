//! The facility registry's files: CSV and GeoJSON, read with every problem located by line
//! (CSV) or feature number (GeoJSON), in Chinese and English.
//!
//! CSV columns (header names in English or Chinese, any order, extra columns ignored):
//! `id`/`编号` (optional, unique), `name`/`名称`, `functions`/`function`/`功能` (keys or names
//! such as `elderly_care;老有所养`, separated by `;` `|` `、`), `lon`/`经度`, `lat`/`纬度`
//! (WGS84), `hours`/`opening_hours`/`开放时间` (optional), `capacity`/`容量` (optional whole
//! number). GeoJSON: a FeatureCollection of Point (or Polygon, placed at its centroid) features
//! with the same names as properties; `functions` may also be an array.
//!
//! Coordinates must be WGS84 as OpenStreetMap's; GCJ-02 positions from Chinese web maps are
//! off by a few hundred metres and must be converted first.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::facility::{Facility, normalise_functions};
use crate::function::ServiceFunction;
use crate::geometry::{Area, LonLat, ring_centroid};

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Place {
    File,
    Line(usize),
    Feature(usize),
}

/// One problem in a registry file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryProblem {
    pub file: String,
    pub place: Place,
    pub zh: String,
    pub en: String,
}

impl RegistryProblem {
    fn new(file: &str, place: Place, zh: String, en: String) -> Self {
        RegistryProblem {
            file: file.to_string(),
            place,
            zh,
            en,
        }
    }

    /// `file:line: message` or `file: feature N: message`, in the chosen language.
    pub fn render(&self, english: bool) -> String {
        let message = if english { &self.en } else { &self.zh };
        match self.place {
            Place::File => format!("{}: {message}", self.file),
            Place::Line(line) => format!("{}:{line}: {message}", self.file),
            Place::Feature(n) if english => format!("{}: feature {n}: {message}", self.file),
            Place::Feature(n) => format!("{}：第 {n} 个要素：{message}", self.file),
        }
    }
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Name,
    Functions,
    Lon,
    Lat,
    Hours,
    Capacity,
}

fn column_of(header: &str) -> Option<Column> {
    let h = header.trim().to_ascii_lowercase();
    Some(match h.as_str() {
        "id" | "编号" => Column::Id,
        "name" | "名称" => Column::Name,
        "functions" | "function" | "功能" => Column::Functions,
        "lon" | "lng" | "longitude" | "经度" => Column::Lon,
        "lat" | "latitude" | "纬度" => Column::Lat,
        "hours" | "opening_hours" | "开放时间" => Column::Hours,
        "capacity" | "容量" => Column::Capacity,
        _ => return None,
    })
}

/// 1-based line where a record starting at a byte offset begins. The csv crate's own line
/// count and offset both include blank lines skipped before the record; skip them here.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut start = (byte as usize).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
        start += 1;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1
}

fn valid_keys() -> String {
    ServiceFunction::ALL
        .iter()
        .map(|f| format!("{}({})", f.key(), f.name_zh()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The function keys with their Chinese names, for Chinese messages: key（名称）、…
fn valid_keys_zh() -> String {
    ServiceFunction::ALL
        .iter()
        .map(|f| format!("{}\u{ff08}{}\u{ff09}", f.key(), f.name_zh()))
        .collect::<Vec<_>>()
        .join("\u{3001}")
}

/// Reads a function list; the error text names the unknown entry.
fn parse_functions(text: &str) -> Result<Vec<ServiceFunction>, (String, String)> {
    let mut functions = Vec::new();
    for part in text.split([';', '|', '、', '；']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match ServiceFunction::parse(part) {
            Some(f) => functions.push(f),
            None => {
                return Err((
                    format!("未知的服务功能 {part:?}；可用：{}", valid_keys_zh()),
                    format!("unknown service function {part:?}; known: {}", valid_keys()),
                ));
            }
        }
    }
    if functions.is_empty() {
        return Err((
            "缺少服务功能".to_string(),
            "no service function given".to_string(),
        ));
    }
    normalise_functions(&mut functions);
    Ok(functions)
}

fn parse_position(lon: &str, lat: &str) -> Result<LonLat, (String, String)> {
    let number = |text: &str, zh: &str, en: &str| {
        text.trim().parse::<f64>().map_err(|_| {
            (
                format!("{zh} {:?} 不是数字", text.trim()),
                format!("{en} {:?} is not a number", text.trim()),
            )
        })
    };
    let lon = number(lon, "经度", "longitude")?;
    let lat = number(lat, "纬度", "latitude")?;
    LonLat::new(lon, lat).map_err(|e| (format!("坐标无效：{e}"), format!("invalid position: {e}")))
}

fn parse_capacity(text: &str) -> Result<Option<u32>, (String, String)> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>().map(Some).map_err(|_| {
        (
            format!("容量 {text:?} 不是非负整数"),
            format!("capacity {text:?} is not a whole number"),
        )
    })
}

/// Parses a facility CSV; on failure, every problem found.
pub fn parse_facilities_csv(file: &str, text: &str) -> Result<Vec<Facility>, Vec<RegistryProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![RegistryProblem::new(
                file,
                Place::Line(1),
                format!("无法读取表头：{e}"),
                format!("cannot read the header: {e}"),
            )]);
        }
    };
    let columns: Vec<Option<Column>> = headers.iter().map(column_of).collect();
    for (required, zh, en) in [
        (Column::Name, "name（名称）", "name"),
        (Column::Functions, "functions（功能）", "functions"),
        (Column::Lon, "lon（经度）", "lon"),
        (Column::Lat, "lat（纬度）", "lat"),
    ] {
        if !columns.contains(&Some(required)) {
            problems.push(RegistryProblem::new(
                file,
                Place::Line(1),
                format!("缺少列 {zh}"),
                format!("missing column {en}"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut facilities = Vec::new();
    let mut ids = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(RegistryProblem::new(
                    file,
                    Place::Line(line),
                    format!("无法读取此行：{e}"),
                    format!("cannot read this line: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let field = |column: Column| -> &str {
            columns
                .iter()
                .position(|c| *c == Some(column))
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let mut fail = |(zh, en): (String, String)| {
            problems.push(RegistryProblem::new(file, Place::Line(line), zh, en));
        };
        let name = field(Column::Name).trim().to_string();
        if name.is_empty() {
            fail(("名称为空".into(), "name is empty".into()));
        }
        let functions = parse_functions(field(Column::Functions))
            .map_err(&mut fail)
            .ok();
        let location = parse_position(field(Column::Lon), field(Column::Lat))
            .map_err(&mut fail)
            .ok();
        let capacity = parse_capacity(field(Column::Capacity))
            .map_err(&mut fail)
            .ok();
        let id = match field(Column::Id).trim() {
            "" => format!("line{line}"),
            given => given.to_string(),
        };
        if !ids.insert(id.clone()) {
            fail((
                format!("编号 {id:?} 重复"),
                format!("id {id:?} is used twice"),
            ));
            continue;
        }
        let hours = Some(field(Column::Hours).trim().to_string()).filter(|h| !h.is_empty());
        if let (false, Some(functions), Some(location), Some(capacity)) =
            (name.is_empty(), functions, location, capacity)
        {
            facilities.push(Facility {
                id,
                name,
                functions,
                location,
                hours,
                capacity,
            });
        }
    }
    if problems.is_empty() {
        Ok(facilities)
    } else {
        Err(problems)
    }
}

/// Parses a facility GeoJSON FeatureCollection; on failure, every problem found.
pub fn parse_facilities_geojson(
    file: &str,
    text: &str,
) -> Result<Vec<Facility>, Vec<RegistryProblem>> {
    let whole = |zh: String, en: String| vec![RegistryProblem::new(file, Place::File, zh, en)];
    let value: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map_err(|e| {
            vec![RegistryProblem::new(
                file,
                Place::Line(e.line()),
                format!("不是有效的 JSON:{e}"),
                format!("not valid JSON: {e}"),
            )]
        })?;
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match value.get("features").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None => {
                return Err(whole(
                    "FeatureCollection 缺少 features 数组".into(),
                    "FeatureCollection without a features array".into(),
                ));
            }
        },
        Some("Feature") => vec![&value],
        _ => {
            return Err(whole(
                "不是 GeoJSON FeatureCollection".into(),
                "not a GeoJSON FeatureCollection".into(),
            ));
        }
    };
    let mut problems = Vec::new();
    let mut facilities = Vec::new();
    let mut ids = HashSet::new();
    for (i, feature) in features.into_iter().enumerate() {
        let number = i + 1;
        let mut fail = |(zh, en): (String, String)| {
            problems.push(RegistryProblem::new(file, Place::Feature(number), zh, en));
        };
        let properties = feature.get("properties").cloned().unwrap_or(Value::Null);
        let text_of = |key: &str| -> Option<String> {
            match properties.get(key)? {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let name = text_of("name")
            .or_else(|| text_of("名称"))
            .unwrap_or_default();
        if name.is_empty() {
            fail(("名称为空".into(), "name is empty".into()));
        }
        let functions_value = ["functions", "function", "功能"]
            .iter()
            .find_map(|k| properties.get(*k));
        let functions = match functions_value {
            Some(Value::String(s)) => parse_functions(s).map_err(&mut fail).ok(),
            Some(Value::Array(items)) => {
                let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                if joined.len() != items.len() {
                    fail((
                        "功能数组只能含文字".into(),
                        "functions must be strings".into(),
                    ));
                    None
                } else {
                    parse_functions(&joined.join(";")).map_err(&mut fail).ok()
                }
            }
            _ => {
                fail(("缺少服务功能".into(), "no service function given".into()));
                None
            }
        };
        let location = feature_position(feature).map_err(&mut fail).ok();
        let capacity = match properties
            .get("capacity")
            .or_else(|| properties.get("容量"))
        {
            None | Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => match n.as_u64().and_then(|v| u32::try_from(v).ok()) {
                Some(v) => Some(Some(v)),
                None => {
                    fail((
                        format!("容量 {n} 不是非负整数"),
                        format!("capacity {n} is not a whole number"),
                    ));
                    None
                }
            },
            Some(Value::String(s)) => parse_capacity(s).map_err(&mut fail).ok(),
            Some(other) => {
                fail((
                    format!("容量 {other} 不是数字"),
                    format!("capacity {other} is not a number"),
                ));
                None
            }
        };
        let hours = ["hours", "opening_hours", "开放时间"]
            .iter()
            .find_map(|k| text_of(k))
            .filter(|h| !h.is_empty());
        let id = match feature.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => text_of("id").unwrap_or_else(|| format!("feature{number}")),
        };
        if !ids.insert(id.clone()) {
            fail((
                format!("编号 {id:?} 重复"),
                format!("id {id:?} is used twice"),
            ));
            continue;
        }
        if let (false, Some(functions), Some(location), Some(capacity)) =
            (name.is_empty(), functions, location, capacity)
        {
            facilities.push(Facility {
                id,
                name,
                functions,
                location,
                hours,
                capacity,
            });
        }
    }
    if problems.is_empty() {
        Ok(facilities)
    } else {
        Err(problems)
    }
}

fn feature_position(feature: &Value) -> Result<LonLat, (String, String)> {
    let geometry = feature.get("geometry").unwrap_or(&Value::Null);
    let pair = |v: &Value| -> Option<LonLat> {
        let c = v.as_array()?;
        LonLat::new(c.first()?.as_f64()?, c.get(1)?.as_f64()?).ok()
    };
    let bad = || {
        (
            "坐标无效（需要 WGS84 经度、纬度）".to_string(),
            "invalid coordinates (WGS84 longitude, latitude expected)".to_string(),
        )
    };
    match geometry.get("type").and_then(Value::as_str) {
        Some("Point") => geometry.get("coordinates").and_then(pair).ok_or_else(bad),
        Some("Polygon") => {
            let ring: Option<Vec<LonLat>> = geometry
                .get("coordinates")
                .and_then(|c| c.get(0))
                .and_then(Value::as_array)
                .and_then(|points| points.iter().map(pair).collect());
            let mut ring = ring.ok_or_else(bad)?;
            if ring.len() > 1 && ring.first() == ring.last() {
                ring.pop();
            }
            ring_centroid(&ring).ok_or_else(bad)
        }
        other => {
            let other = other.unwrap_or("");
            Err((
                format!("几何类型 {other:?} 不支持，需要 Point 或 Polygon"),
                format!("geometry type {other:?} is not supported; Point or Polygon expected"),
            ))
        }
    }
}

/// Parses community boundaries: a GeoJSON FeatureCollection of Polygon or MultiPolygon
/// features with a `name` (or `名称`) property; holes are honoured.
pub fn parse_communities_geojson(
    file: &str,
    text: &str,
) -> Result<Vec<(String, Area)>, Vec<RegistryProblem>> {
    let value: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map_err(|e| {
            vec![RegistryProblem::new(
                file,
                Place::Line(e.line()),
                format!("不是有效的 JSON:{e}"),
                format!("not valid JSON: {e}"),
            )]
        })?;
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        return Err(vec![RegistryProblem::new(
            file,
            Place::File,
            "不是 GeoJSON FeatureCollection".into(),
            "not a GeoJSON FeatureCollection".into(),
        )]);
    };
    let mut problems = Vec::new();
    let mut areas = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let mut fail = |zh: String, en: String| {
            problems.push(RegistryProblem::new(file, Place::Feature(i + 1), zh, en));
        };
        let properties = feature.get("properties").unwrap_or(&Value::Null);
        let name = ["name", "名称"]
            .iter()
            .find_map(|k| properties.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .unwrap_or("");
        if name.is_empty() {
            fail("社区名称为空".into(), "community name is empty".into());
        }
        let geometry = feature.get("geometry").unwrap_or(&Value::Null);
        let coordinates = geometry.get("coordinates").unwrap_or(&Value::Null);
        let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
            Some("Polygon") => vec![coordinates],
            Some("MultiPolygon") => coordinates
                .as_array()
                .map(|p| p.iter().collect())
                .unwrap_or_default(),
            other => {
                let other = other.unwrap_or("");
                fail(
                    format!("几何类型 {other:?} 不支持，需要 Polygon 或 MultiPolygon"),
                    format!(
                        "geometry type {other:?} is not supported; Polygon or MultiPolygon expected"
                    ),
                );
                continue;
            }
        };
        let rings: Option<Vec<Vec<LonLat>>> = polygons
            .iter()
            .filter_map(|p| p.as_array())
            .flatten()
            .map(|ring| {
                ring.as_array()?
                    .iter()
                    .map(|c| {
                        let c = c.as_array()?;
                        LonLat::new(c.first()?.as_f64()?, c.get(1)?.as_f64()?).ok()
                    })
                    .collect()
            })
            .collect();
        match rings.and_then(|r| Area::from_rings(&r)) {
            Some(area) if !name.is_empty() => areas.push((name.to_string(), area)),
            Some(_) => {}
            None => fail(
                "边界坐标无效（需要 WGS84 经度、纬度的闭合环）".into(),
                "invalid boundary coordinates (closed rings of WGS84 longitude, latitude expected)"
                    .into(),
            ),
        }
    }
    if problems.is_empty() {
        Ok(areas)
    } else {
        Err(problems)
    }
}

/// A candidate site for a new facility.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub location: LonLat,
}

/// Parses candidate sites: CSV with `lon`/`经度`, `lat`/`纬度` and optional `id`/`编号`,
/// `name`/`名称` columns.
pub fn parse_sites_csv(file: &str, text: &str) -> Result<Vec<Site>, Vec<RegistryProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().cloned().map_err(|e| {
        vec![RegistryProblem::new(
            file,
            Place::Line(1),
            format!("无法读取表头：{e}"),
            format!("cannot read the header: {e}"),
        )]
    })?;
    let columns: Vec<Option<Column>> = headers.iter().map(column_of).collect();
    if !columns.contains(&Some(Column::Lon)) || !columns.contains(&Some(Column::Lat)) {
        return Err(vec![RegistryProblem::new(
            file,
            Place::Line(1),
            "缺少列 lon（经度）或 lat（纬度）".into(),
            "missing column lon or lat".into(),
        )]);
    }
    let mut problems = Vec::new();
    let mut sites = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(RegistryProblem::new(
                    file,
                    Place::Line(line),
                    format!("无法读取此行：{e}"),
                    format!("cannot read this line: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let field = |column: Column| -> &str {
            columns
                .iter()
                .position(|c| *c == Some(column))
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        match parse_position(field(Column::Lon), field(Column::Lat)) {
            Ok(location) => sites.push(Site {
                id: Some(field(Column::Id))
                    .filter(|id| !id.is_empty())
                    .map_or_else(|| format!("line{line}"), str::to_string),
                name: field(Column::Name).to_string(),
                location,
            }),
            Err((zh, en)) => problems.push(RegistryProblem::new(file, Place::Line(line), zh, en)),
        }
    }
    if problems.is_empty() {
        Ok(sites)
    } else {
        Err(problems)
    }
}

/// Reads facilities by file extension: `.csv`, or `.geojson` / `.json`.
pub fn parse_facilities(file: &str, text: &str) -> Result<Vec<Facility>, Vec<RegistryProblem>> {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".geojson") || lower.ends_with(".json") {
        parse_facilities_geojson(file, text)
    } else {
        parse_facilities_csv(file, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_registry_csv_with_chinese_headers() {
        let text = "\u{feff}编号,名称,功能,经度,纬度,开放时间,容量,备注\n\
            fz-1,丰泽社区邻里中心,幼有所育;老有所养|病有所医、食有所安;居有所乐;事有所办,118.6051,24.9093,周一至周日 8:00-21:00,120,\n\
            fz-2,圣湖社区党群服务中心,party_centre,118.6102,24.9121,,,有备注\n";
        let facilities = parse_facilities_csv("f.csv", text).unwrap();
        assert_eq!(facilities.len(), 2);
        assert_eq!(facilities[0].functions, ServiceFunction::SIX.to_vec());
        assert_eq!(facilities[0].capacity, Some(120));
        assert_eq!(
            facilities[0].hours.as_deref(),
            Some("周一至周日 8:00-21:00")
        );
        assert_eq!(
            facilities[1].functions,
            vec![ServiceFunction::PartyMassCentre]
        );
        assert_eq!(facilities[1].hours, None);
        assert_eq!(
            facilities[1].location,
            LonLat {
                lon: 118.6102,
                lat: 24.9121
            }
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "id,name,functions,lon,lat,capacity\n\
            a,Clinic,medical,24.94,60.17,\n\
            b,,school,24.94,60.17,\n\
            c,Shop,food,200,60.17,\n\
            a,Again,food,24.94,60.17,\n\
            d,Home,elderly_care,24.94,60.17,-5\n";
        let problems = parse_facilities_csv("reg.csv", text).unwrap_err();
        let rendered: Vec<String> = problems.iter().map(|p| p.render(true)).collect();
        assert_eq!(rendered.len(), 5, "{rendered:#?}");
        assert!(rendered[0].starts_with("reg.csv:3: name is empty"));
        assert!(rendered[1].starts_with("reg.csv:3: unknown service function \"school\""));
        assert!(rendered[2].starts_with("reg.csv:4: invalid position: longitude 200"));
        assert!(rendered[3].starts_with("reg.csv:5: id \"a\" is used twice"));
        assert!(rendered[4].starts_with("reg.csv:6: capacity \"-5\""));
        assert!(problems[0].render(false).contains("名称为空"));
    }

    #[test]
    fn missing_columns_are_named() {
        let problems = parse_facilities_csv("x.csv", "name,lon\nA,1\n").unwrap_err();
        let en: Vec<String> = problems.iter().map(|p| p.en.clone()).collect();
        assert_eq!(en, vec!["missing column functions", "missing column lat"]);
        assert_eq!(problems[0].place, Place::Line(1));
    }

    #[test]
    fn reads_geojson_points_and_polygons() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":"n1","geometry":{"type":"Point","coordinates":[116.35,40.0]},
             "properties":{"name":"社区卫生服务站","functions":["medical","老有所养"],"capacity":30}},
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[0.002,0],[0.002,0.002],[0,0.002],[0,0]]]},
             "properties":{"name":"Park","function":"leisure","opening_hours":"24/7"}}
        ]}"#;
        let facilities = parse_facilities("f.geojson", text).unwrap();
        assert_eq!(facilities[0].id, "n1");
        assert_eq!(
            facilities[0].functions,
            vec![ServiceFunction::ElderlyCare, ServiceFunction::Medical]
        );
        assert_eq!(facilities[0].capacity, Some(30));
        assert_eq!(facilities[1].id, "feature2");
        assert!((facilities[1].location.lon - 0.001).abs() < 1e-12);
        assert_eq!(facilities[1].hours.as_deref(), Some("24/7"));
    }

    #[test]
    fn reads_community_boundaries_with_holes() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"丰泽社区"},"geometry":{"type":"Polygon","coordinates":[
                [[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}},
            {"type":"Feature","properties":{"名称":"圣湖社区"},"geometry":{"type":"MultiPolygon","coordinates":[
                [[[20,0],[21,0],[21,1],[20,0]]],[[[30,0],[31,0],[31,1],[30,0]]]]}}
        ]}"#;
        let areas = parse_communities_geojson("c.geojson", text).unwrap();
        assert_eq!(areas.len(), 2);
        assert!(areas[0].1.contains(LonLat { lon: 1.0, lat: 1.0 }));
        assert!(!areas[0].1.contains(LonLat { lon: 5.0, lat: 5.0 }));
        assert!(areas[1].1.contains(LonLat {
            lon: 30.9,
            lat: 0.5
        }));
        let bad = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}},
            {"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,"a"]]]}}
        ]}"#;
        let problems = parse_communities_geojson("c.geojson", bad).unwrap_err();
        let rendered: Vec<String> = problems.iter().map(|p| p.render(true)).collect();
        assert_eq!(rendered.len(), 3, "{rendered:#?}");
        assert!(rendered[0].starts_with("c.geojson: feature 1: community name is empty"));
        assert!(rendered[1].starts_with("c.geojson: feature 1: geometry type \"Point\""));
        assert!(rendered[2].starts_with("c.geojson: feature 2: invalid boundary"));
    }

    #[test]
    fn reads_candidate_sites() {
        let text = "名称,经度,纬度\n空置用房,116.35,40.0\n\n坏,116.35,\n";
        let problems = parse_sites_csv("s.csv", text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place, Place::Line(4));
        let sites = parse_sites_csv("s.csv", "id,lon,lat\nA,116.35,40.0\n,116.36,40.01\n").unwrap();
        assert_eq!(sites[0].id, "A");
        assert_eq!(sites[1].id, "line3");
        assert!(parse_sites_csv("s.csv", "x,y\n1,2\n").is_err());
    }

    #[test]
    fn geojson_problems_name_the_feature() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[116.35,40.0]},"properties":{"name":"A","functions":"food"}},
            {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"name":"B","functions":"food"}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[0,95]},"properties":{"functions":"x","capacity":1.5}}
        ]}"#;
        let problems = parse_facilities_geojson("f.geojson", text).unwrap_err();
        let rendered: Vec<String> = problems.iter().map(|p| p.render(true)).collect();
        assert_eq!(rendered.len(), 5, "{rendered:#?}");
        assert!(rendered[0].starts_with("f.geojson: feature 2: geometry type \"LineString\""));
        assert!(
            rendered
                .iter()
                .skip(1)
                .all(|r| r.starts_with("f.geojson: feature 3:"))
        );
        assert!(
            problems[0]
                .render(false)
                .starts_with("f.geojson：第 2 个要素：")
        );
        let not_json = parse_facilities_geojson("g.json", "{\n  oops").unwrap_err();
        assert_eq!(not_json[0].place, Place::Line(2));
        let not_collection = parse_facilities_geojson("g.json", "[1]").unwrap_err();
        assert_eq!(not_collection[0].place, Place::File);
    }
}
