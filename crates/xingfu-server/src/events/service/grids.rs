//! Grids: routing a point to the grid that contains it, and importing grids from GeoJSON.

use serde_json::Value;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::grid::{
    self, Area, Building, Duty, Geometry, Grid, GridError, GridMember, Route,
};
use xingfu_store::Store;

use crate::app::error::AppError;
use crate::i18n::Lang;

/// The grid of a community that contains `point` (WGS-84), by the core's routing rule.
pub async fn route_in_community(
    store: &Store,
    community: &str,
    point: GeoPoint,
) -> Result<Option<String>, AppError> {
    let grids = store.grids_of(community).await?;
    Ok(match grid::route(point, &grids) {
        Route::Grid(g) => Some(g.id.clone()),
        Route::Community => None,
    })
}

/// Checks, routes and records a report in `community`; the photos are stored first and removed
/// One problem in a GeoJSON grid file, naming the feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridProblem {
    pub zh: String,
    pub en: String,
}

impl GridProblem {
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// "features[2] (g-03)" / "第 3 个要素(g-03)"; an over-long id is cut short here (its own
/// problem says how long it is), so a message never repeats a huge id.
fn feature_label(index: usize, id: Option<&str>) -> (String, String) {
    let shown = id.map(
        |id| match id.char_indices().nth(xingfu_core::ops::grid::MAX_ID_CHARS) {
            Some((cut, _)) => format!("{}…", &id[..cut]),
            None => id.to_string(),
        },
    );
    match shown {
        Some(id) => (
            format!("第 {} 个要素（网格 {id}）", index + 1),
            format!("features[{index}] (grid {id})"),
        ),
        None => (
            format!("第 {} 个要素", index + 1),
            format!("features[{index}]"),
        ),
    }
}

fn problem(index: usize, id: Option<&str>, zh: String, en: String) -> GridProblem {
    let (lz, le) = feature_label(index, id);
    GridProblem {
        zh: format!("{lz}\u{ff1a}{zh}"),
        en: format!("{le}: {en}"),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The numbered entries of an array property; none when it is missing or not an array.
fn entries<'a>(properties: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    properties
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn parse_duty(text: &str) -> Option<Duty> {
    match text.trim() {
        "full_time" | "专职" | "专职网格员" => Some(Duty::FullTime),
        "part_time" | "兼职" | "兼职网格员" => Some(Duty::PartTime),
        _ => None,
    }
}

/// Reads grids of `community` from a GeoJSON FeatureCollection (or one Feature) whose
/// positions are in `datum`. Each feature is a grid:
///
/// ```json
/// { "type": "Feature", "id": "g1",
///   "geometry": { "type": "Polygon", "coordinates": [[[lon, lat], …]] },
///   "properties": { "name": "第一网格",
///     "members": ["wang", { "username": "li", "duty": "part_time" }],
///     "buildings": [{ "id": "3", "name": "3幢", "lon": 120.65, "lat": 28.01, "head": "zhao" }] } }
/// ```
///
/// The id is the feature's `id` or `properties.id`; members default to full-time (专职).
/// Members and building heads must be existing accounts of the community (community workers or
/// residents). Every problem is reported, each naming its feature.
pub async fn read_grid_geojson(
    store: &Store,
    community: &str,
    text: &str,
    datum: Datum,
) -> Result<Result<Vec<Grid>, Vec<GridProblem>>, AppError> {
    let whole = |zh: &str, en: &str| {
        Ok(Err(vec![GridProblem {
            zh: zh.into(),
            en: en.into(),
        }]))
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Ok(Err(vec![GridProblem {
                zh: format!(
                    "不是有效的 GeoJSON（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                ),
                en: format!(
                    "not valid GeoJSON (line {}, column {}): {e}",
                    e.line(),
                    e.column()
                ),
            }]));
        }
    };
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match value.get("features").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None => {
                return whole(
                    "FeatureCollection 缺少 features 数组",
                    "the FeatureCollection has no features array",
                );
            }
        },
        Some("Feature") => vec![&value],
        _ => {
            return whole(
                "GeoJSON 须为 FeatureCollection 或 Feature，每个要素是一个网格",
                "the GeoJSON must be a FeatureCollection or a Feature, one feature per grid",
            );
        }
    };
    if features.is_empty() {
        return whole("文件中没有网格", "the file has no grids");
    }
    let people: Vec<String> = store
        .people_within(community, &["community_worker", "resident"])
        .await?
        .into_iter()
        .map(|p| p.username)
        .collect();
    let mut problems = Vec::new();
    let mut grids: Vec<Grid> = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").cloned().unwrap_or(Value::Null);
        let id = feature
            .get("id")
            .and_then(text_of)
            .or_else(|| properties.get("id").and_then(text_of));
        let Some(id) = id else {
            problems.push(problem(
                index,
                None,
                "缺少网格编号（要素的 id 或 properties.id）".into(),
                "no grid id (the feature's id or properties.id)".into(),
            ));
            continue;
        };
        let fail = |zh: String, en: String| problem(index, Some(&id), zh, en);
        if grids.iter().any(|g| g.id == id) {
            problems.push(fail(
                "网格编号重复".into(),
                "the grid id is used twice".into(),
            ));
            continue;
        }
        if let Some(other) = properties.get("community").and_then(text_of)
            && other != community
        {
            problems.push(fail(
                format!("属于社区 {other}，不是本社区 {community}"),
                format!("belongs to community {other}, not {community}"),
            ));
            continue;
        }
        let geometry: Geometry = match feature
            .get("geometry")
            .cloned()
            .map(serde_json::from_value::<Geometry>)
        {
            Some(Ok(g)) => g,
            _ => {
                problems.push(fail(
                    "geometry 须为 Polygon 或 MultiPolygon".into(),
                    "the geometry must be a Polygon or a MultiPolygon".into(),
                ));
                continue;
            }
        };
        let area = match Area::from_geojson(&geometry, datum) {
            Ok(a) => a,
            Err(e) => {
                // Positions are named from the geometry: "geometry.coordinates[0][3]".
                let (zh, en) = (e.zh(), e.to_string());
                let prefix = if en.starts_with("coordinates") {
                    "geometry."
                } else {
                    ""
                };
                problems.push(fail(format!("{prefix}{zh}"), format!("{prefix}{en}")));
                continue;
            }
        };
        let mut members = Vec::new();
        let mut member_problem = false;
        for (m, member) in entries(&properties, "members") {
            let (person, duty) = match member {
                Value::Object(o) => (
                    o.get("username").and_then(text_of),
                    o.get("duty").and_then(Value::as_str).map(parse_duty),
                ),
                other => (text_of(other), None),
            };
            let duty = match duty {
                None => Some(Duty::FullTime),
                Some(d) => d,
            };
            match (person, duty) {
                (Some(person), Some(duty)) if people.contains(&person) => {
                    members.push(GridMember { person, duty })
                }
                (Some(person), Some(_)) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("网格员 {person} 不是本社区的账号"),
                        format!("member {person} is not an account of this community"),
                    ));
                }
                (_, None) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("members[{m}] 的 duty 须为 full_time（专职）或 part_time（兼职）"),
                        format!("members[{m}]: duty must be full_time or part_time"),
                    ));
                }
                (None, _) => {
                    member_problem = true;
                    problems.push(fail(
                        format!("members[{m}] 缺少用户名"),
                        format!("members[{m}] has no username"),
                    ));
                }
            }
        }
        let mut buildings = Vec::new();
        for (b, building) in entries(&properties, "buildings") {
            let Some(building_id) = building.get("id").and_then(text_of) else {
                member_problem = true;
                problems.push(fail(
                    format!("buildings[{b}] 缺少楼栋编号"),
                    format!("buildings[{b}] has no id"),
                ));
                continue;
            };
            let location = match (
                building.get("lon").and_then(Value::as_f64),
                building.get("lat").and_then(Value::as_f64),
            ) {
                (Some(lon), Some(lat)) => match GeoPoint::new(lon, lat) {
                    Ok(p) => Some(xingfu_core::ops::coords::to_wgs84(p, datum)),
                    Err(e) => {
                        member_problem = true;
                        problems.push(fail(
                            format!("buildings[{b}]:{}", e.zh()),
                            format!("buildings[{b}]: {e}"),
                        ));
                        continue;
                    }
                },
                _ => None,
            };
            let head = building.get("head").and_then(text_of);
            if let Some(head) = &head
                && !people.contains(head)
            {
                member_problem = true;
                problems.push(fail(
                    format!("楼栋长 {head} 不是本社区的账号"),
                    format!("building head {head} is not an account of this community"),
                ));
                continue;
            }
            buildings.push(Building {
                name: building
                    .get("name")
                    .and_then(text_of)
                    .unwrap_or_else(|| building_id.clone()),
                id: building_id,
                location,
                head,
            });
        }
        if member_problem {
            continue;
        }
        let grid = Grid {
            name: properties
                .get("name")
                .and_then(text_of)
                .unwrap_or_else(|| id.clone()),
            id: id.clone(),
            community: community.to_string(),
            area,
            members,
            buildings,
        };
        match grid.validate() {
            Ok(()) => grids.push(grid),
            Err(e) => problems.push(grid_problem(index, &id, &e)),
        }
    }
    Ok(if problems.is_empty() {
        Ok(grids)
    } else {
        Err(problems)
    })
}

fn grid_problem(index: usize, id: &str, error: &GridError) -> GridProblem {
    problem(index, Some(id), error.zh(), error.to_string())
}
