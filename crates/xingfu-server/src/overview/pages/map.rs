//! The overview's map: every unit drawn (its communities' boundaries, or a dot) and shaded by a
//! chosen indicator, each a link to its drill-down, with a legend and a table of the same
//! numbers; an inline SVG drawn on the server, no JavaScript.

use std::collections::BTreeMap;

use xingfu_core::decimal::Dec2;
use xingfu_core::overview::percent_text;

use crate::i18n::Lang;
use crate::overview::map::Place;
use crate::overview::service::UnitFigures;
use crate::web::live_map::{Area, LiveMap, Mark};
use crate::web::svg_map::Projection;

crate::word_table! {
    /// The map's texts.
    MapWords, map_words {
        heading: "地图" / "Map",
        shade_by: "着色指标" / "Shade by",
        show: "重新着色" / "Shade",
        note: "点击单位进入下一级\u{ff1b}有社区边界的单位画出边界\u{ff0c}没有的在其设施和网格的中心画圆点\u{ff1b}坐标为WGS-84\u{ff1b}下表列出相同的数字\u{3002}" / "Click a unit to go down a level; units with stored community boundaries are drawn by them, others as a dot at the middle of their facilities and grids; coordinates are WGS-84; the table below gives the same numbers.",
        missing: "以下单位没有边界\u{3001}设施或网格位置\u{ff0c}未在图上画出\u{ff1a}" / "Not on the map (no boundary, facility or grid stored): ",
        empty: "该地区还没有边界\u{3001}设施或网格位置\u{ff0c}暂时无法画图\u{ff1b}下表列出各单位的数字\u{3002}" / "No boundary, facility or grid is stored in this area yet, so there is no map; the table lists every unit's figure.",
        legend: "图例" / "Legend",
        no_data: "无数据" / "No data",
        band: "档次" / "Band",
        unit: "单位" / "Unit",
    }
}

/// The indicators a map can be shaded by: key, Chinese and English name.
pub const INDICATORS: [(&str, &str, &str); 7] = [
    ("average_star", "平均星级", "Average star"),
    ("satisfaction", "总体满意率", "Overall satisfaction"),
    ("on_time", "随手拍按时办结率", "随手拍 on-time rate"),
    (
        "visits",
        "关爱对象走访覆盖率",
        "Attention-list visit coverage",
    ),
    ("circle", "15分钟服务圈覆盖率", "15-minute coverage"),
    ("rectification", "整改完成率", "Rectification completed"),
    ("held", "复评保持或升星比例", "Re-review kept or raised"),
];

/// Five shades, light to dark, then the shade of a unit without the figure.
const FILLS: [&str; 5] = ["#f2f8fd", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
const NO_DATA_FILL: &str = "#ffffff";

/// Lower bounds of the bands in hundredths: per cent, or stars for the average star.
const PERCENT_BANDS: [i64; 5] = [0, 50_00, 70_00, 90_00, 95_00];
const STAR_BANDS: [i64; 5] = [0, 1_00, 2_00, 3_00, 4_00];

fn value(key: &str, f: &UnitFigures) -> Option<Dec2> {
    match key {
        "satisfaction" => f.survey.rate,
        "on_time" => f.on_time_rate,
        "visits" => f.attention.rate,
        "circle" => f.circle.rate,
        "rectification" => f.rectification_rate,
        "held" => f.re_review_held_rate,
        _ => f.average_star,
    }
}

fn value_text(key: &str, v: Dec2) -> String {
    if key == "average_star" {
        format!("{}.{:02}", v.hundredths() / 100, v.hundredths() % 100)
    } else {
        percent_text(v)
    }
}

fn bounds(key: &str) -> [i64; 5] {
    if key == "average_star" {
        STAR_BANDS
    } else {
        PERCENT_BANDS
    }
}

fn band_of(key: &str, v: Dec2) -> usize {
    bounds(key)
        .iter()
        .rposition(|&low| v.hundredths() >= low)
        .unwrap_or(0)
}

fn band_text(lang: Lang, key: &str, band: usize) -> String {
    let b = bounds(key);
    let show = |h: i64| {
        if key == "average_star" {
            if lang.is_en() {
                format!("{} stars", h / 100)
            } else {
                format!("{}星", h / 100)
            }
        } else {
            format!("{}%", h / 100)
        }
    };
    match (band, b.get(band + 1)) {
        (0, Some(&high)) => lang.text(
            format!("低于{}", show(high)),
            format!("below {}", show(high)),
        ),
        (_, Some(&high)) => lang.text(
            format!("{}及以上\u{3001}低于{}", show(b[band]), show(high)),
            format!("{} up to {}", show(b[band]), show(high)),
        ),
        (_, None) => lang.text(
            format!("{}及以上", show(b[band])),
            format!("{} or more", show(b[band])),
        ),
    }
}

/// A unit drawn on the map.
pub struct Shape {
    pub href: Option<String>,
    /// "name: value", the link's accessible name and tooltip.
    pub label: String,
    pub paths: Vec<String>,
    pub dot: Option<(String, String)>,
    pub fill: &'static str,
}

/// A unit's line in the table beside the map.
pub struct MapRow {
    pub code: String,
    pub name: String,
    pub href: Option<String>,
    pub value: String,
    pub band: String,
    pub fill: &'static str,
}

/// The map section.
pub struct MapSection {
    pub key: &'static str,
    /// (key, name, chosen)
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub chosen: &'static str,
    pub width: u32,
    pub height: u32,
    pub shapes: Vec<Shape>,
    /// Names of the units with no place to draw.
    pub missing: String,
    /// (fill, text), the no-data shade last.
    pub legend: Vec<(&'static str, String)>,
    pub rows: Vec<MapRow>,
    /// The same units as GeoJSON for the map over the basemap (`static/map.js`).
    pub live: String,
}

const WIDTH: f64 = 640.0;

/// The map of `units` shaded by the indicator `key` (the average star when unknown).
pub fn map_section(
    lang: Lang,
    key: Option<&str>,
    units: &[UnitFigures],
    places: &BTreeMap<String, Place>,
) -> MapSection {
    let w = map_words(lang);
    let (key, zh, en) = INDICATORS
        .iter()
        .copied()
        .find(|(k, _, _)| Some(*k) == key)
        .unwrap_or(INDICATORS[0]);
    let choices = INDICATORS
        .iter()
        .map(|&(k, zh, en)| (k, lang.pick(zh, en), k == key))
        .collect();
    let shade = |f: &UnitFigures| -> (&'static str, String, String) {
        match value(key, f) {
            Some(v) => {
                let band = band_of(key, v);
                (FILLS[band], value_text(key, v), band_text(lang, key, band))
            }
            None => (NO_DATA_FILL, "\u{2014}".to_string(), w.no_data.to_string()),
        }
    };
    let points = units
        .iter()
        .filter_map(|u| places.get(&u.code))
        .flat_map(|p| p.rings.iter().flatten().copied().chain(p.point))
        .collect::<Vec<_>>();
    let fitted = Projection::fit(points, WIDTH, 14.0);
    let mut shapes = Vec::new();
    let mut live = LiveMap::default();
    let mut missing = Vec::new();
    let mut rows = Vec::new();
    for u in units {
        let (fill, value, band) = shade(u);
        rows.push(MapRow {
            code: u.code.clone(),
            name: u.name.clone(),
            href: u.link.clone(),
            value: value.clone(),
            band,
            fill,
        });
        let place = places.get(&u.code);
        let drawn = place.is_some_and(|p| !p.rings.is_empty() || p.point.is_some());
        let (Some((projection, _)), true, Some(place)) = (&fitted, drawn, place) else {
            missing.push(u.name.clone());
            continue;
        };
        let at = |(lon, lat): (f64, f64)| {
            let (x, y) = projection.xy(lon, lat);
            (format!("{x:.1}"), format!("{y:.1}"))
        };
        let paths = place
            .rings
            .iter()
            .map(|ring| {
                let mut d = String::new();
                for (i, p) in ring.iter().enumerate() {
                    let (x, y) = at(*p);
                    d.push_str(&format!("{}{x} {y}", if i == 0 { "M" } else { "L" }));
                }
                d.push('Z');
                d
            })
            .collect();
        let label = format!("{}{}{value}", u.name, lang.pick("\u{ff1a}", ": "));
        if place.rings.is_empty() {
            if let Some((lon, lat)) = place.point {
                live.point(
                    lon,
                    lat,
                    Mark {
                        color: fill,
                        radius: 10,
                        hollow: false,
                        label: Some(&label),
                        href: u.link.clone(),
                    },
                );
            }
        } else {
            let polygons: Vec<Vec<Vec<(f64, f64)>>> =
                place.rings.iter().map(|r| vec![r.clone()]).collect();
            live.area(
                &polygons,
                Area {
                    color: fill,
                    outline: Some("#0b0c0c"),
                    opacity: Some(0.7),
                    label: Some(&label),
                    href: u.link.clone(),
                },
            );
        }
        shapes.push(Shape {
            href: u.link.clone(),
            label,
            paths,
            dot: if place.rings.is_empty() {
                place.point.map(at)
            } else {
                None
            },
            fill,
        });
    }
    let mut legend: Vec<(&'static str, String)> = (0..FILLS.len())
        .map(|band| (FILLS[band], band_text(lang, key, band)))
        .collect();
    legend.push((NO_DATA_FILL, w.no_data.to_string()));
    let (width, height) = fitted.map_or((0, 0), |(_, h)| (WIDTH as u32, h.ceil() as u32));
    MapSection {
        key,
        choices,
        chosen: lang.pick(zh, en),
        width,
        height,
        shapes,
        missing: missing.join(lang.pick("\u{3001}", ", ")),
        legend,
        rows,
        live: live.to_script_json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_take_their_lower_bound() {
        assert_eq!(band_of("satisfaction", Dec2(49_99)), 0);
        assert_eq!(band_of("satisfaction", Dec2(50_00)), 1);
        assert_eq!(band_of("satisfaction", Dec2(95_00)), 4);
        assert_eq!(band_of("average_star", Dec2(3_99)), 3);
        assert_eq!(
            band_text(Lang::Zh, "satisfaction", 3),
            "90%及以上\u{3001}低于95%"
        );
        assert_eq!(band_text(Lang::En, "average_star", 4), "4 stars or more");
    }
}
