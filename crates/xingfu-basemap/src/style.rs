//! The MapLibre style that draws the basemap's tiles.
//!
//! No `glyphs` address: MapLibre (5.11 and later) then draws labels with the device's own
//! fonts, which every phone has for Chinese, and nothing is fetched from a font server.

use serde_json::{Value, json};

use crate::mercator::to_lon_lat;
use crate::read::Basemap;
use crate::tile::{MAX_ZOOM, MIN_ZOOM};

pub struct StyleOptions<'a> {
    /// The site's address, e.g. `https://xingfu.example.cn` (tile addresses are absolute).
    pub base: &'a str,
    /// Labels in English (`name_en` where the extract has it).
    pub english: bool,
    /// A 天地图 key: its vector map and labels are added as layers a page may switch on.
    pub tianditu_key: Option<&'a str>,
}

/// The 天地图 layers (Web Mercator, CGCS2000 — the same as WGS-84 to within a metre, so
/// Xingfu's positions fall where they should).
fn tianditu_source(layer: &str, key: &str) -> Value {
    let tiles: Vec<String> = (0..8)
        .map(|n| {
            format!(
                "https://t{n}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0\
                 &LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}\
                 &TILEROW={{y}}&TILECOL={{x}}&tk={key}"
            )
        })
        .collect();
    json!({
        "type": "raster",
        "tiles": tiles,
        "tileSize": 256,
        "maxzoom": 18,
        "attribution": "© 天地图"
    })
}

/// The style as JSON.
pub fn style_json(map: &Basemap, options: &StyleOptions) -> Value {
    let (west, north) = map
        .extent
        .map(|e| to_lon_lat(e.0, e.1))
        .unwrap_or((-180.0, 85.0));
    let (east, south) = map
        .extent
        .map(|e| to_lon_lat(e.2, e.3))
        .unwrap_or((180.0, -85.0));
    let name = if options.english {
        json!(["coalesce", ["get", "name_en"], ["get", "name"]])
    } else {
        json!(["get", "name"])
    };
    let font = json!(["Noto Sans CJK SC Regular", "sans-serif"]);
    let mut sources = json!({
        "osm": {
            "type": "vector",
            "tiles": [format!("{}/tiles/{{z}}/{{x}}/{{y}}", options.base.trim_end_matches('/'))],
            "minzoom": MIN_ZOOM,
            "maxzoom": MAX_ZOOM,
            "bounds": [west, south, east, north],
            "attribution": "© OpenStreetMap contributors"
        }
    });
    let mut layers = vec![json!({
        "id": "background", "type": "background",
        "paint": {"background-color": "#f4f1ea"}
    })];
    if let Some(key) = options.tianditu_key {
        sources["tianditu-vec"] = tianditu_source("vec", key);
        sources["tianditu-cva"] = tianditu_source("cva", key);
        for id in ["tianditu-vec", "tianditu-cva"] {
            layers.push(json!({
                "id": id, "type": "raster", "source": id,
                "layout": {"visibility": "none"}
            }));
        }
    }
    let fill = |id: &str, layer: &str, filter: Value, color: &str| {
        json!({
            "id": id, "type": "fill", "source": "osm", "source-layer": layer,
            "filter": filter, "paint": {"fill-color": color}
        })
    };
    let class_is = |class: &str| json!(["==", ["get", "class"], class]);
    layers.extend([
        fill(
            "landuse-residential",
            "landuse",
            class_is("residential"),
            "#ece7df",
        ),
        fill(
            "landuse-commercial",
            "landuse",
            json!([
                "in",
                ["get", "class"],
                ["literal", ["commercial", "industrial"]]
            ]),
            "#eee3e3",
        ),
        fill("landuse-campus", "landuse", class_is("campus"), "#f2ecd5"),
        fill(
            "landuse-hospital",
            "landuse",
            class_is("hospital"),
            "#f5e1e1",
        ),
        fill("green", "green", json!(true), "#d5e8c8"),
        fill("water", "water", json!(true), "#b5d3ea"),
        json!({
            "id": "waterway", "type": "line", "source": "osm", "source-layer": "waterway",
            "paint": {"line-color": "#b5d3ea", "line-width": 2}
        }),
        json!({
            "id": "building", "type": "fill", "source": "osm", "source-layer": "building",
            "minzoom": 14,
            "paint": {"fill-color": "#ddd6cc", "fill-outline-color": "#c9c0b4"}
        }),
    ]);
    // Streets: a casing under a fill, wider by class and zoom.
    let width = |base: f64| {
        json!([
            "interpolate",
            ["exponential", 1.6],
            ["zoom"],
            12,
            base * 0.5,
            16,
            base * 3.0,
            18,
            base * 7.0
        ])
    };
    for (class, base, color, casing) in [
        ("service", 1.0, "#ffffff", "#d2cabd"),
        ("minor", 1.6, "#ffffff", "#c8bfb0"),
        ("major", 2.6, "#fbe3a4", "#d9b66b"),
    ] {
        layers.push(json!({
            "id": format!("road-{class}-casing"), "type": "line", "source": "osm",
            "source-layer": "road", "filter": class_is(class),
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {"line-color": casing, "line-width": width(base + 0.8)}
        }));
        layers.push(json!({
            "id": format!("road-{class}"), "type": "line", "source": "osm",
            "source-layer": "road", "filter": class_is(class),
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {"line-color": color, "line-width": width(base)}
        }));
    }
    layers.push(json!({
        "id": "road-path", "type": "line", "source": "osm", "source-layer": "road",
        "filter": class_is("path"),
        "paint": {"line-color": "#a99e8c", "line-width": 1, "line-dasharray": [2, 1.5]}
    }));
    layers.push(json!({
        "id": "rail", "type": "line", "source": "osm", "source-layer": "road",
        "filter": class_is("rail"),
        "paint": {"line-color": "#9a9a9a", "line-width": 1.5, "line-dasharray": [3, 3]}
    }));
    layers.push(json!({
        "id": "road-label", "type": "symbol", "source": "osm", "source-layer": "road",
        "filter": ["all", ["has", "name"], ["in", ["get", "class"], ["literal", ["major", "minor"]]]],
        "minzoom": 14,
        "layout": {
            "symbol-placement": "line", "text-field": name, "text-font": font,
            "text-size": 13, "text-max-angle": 30, "symbol-spacing": 300
        },
        "paint": {"text-color": "#5b5346", "text-halo-color": "#ffffff", "text-halo-width": 1.5}
    }));
    layers.push(json!({
        "id": "place-label", "type": "symbol", "source": "osm", "source-layer": "place",
        "layout": {"text-field": name, "text-font": font, "text-size": 14},
        "paint": {"text-color": "#3f3a33", "text-halo-color": "#ffffff", "text-halo-width": 2}
    }));
    let center = to_lon_lat(
        map.extent.map(|e| (e.0 + e.2) / 2.0).unwrap_or(0.5),
        map.extent.map(|e| (e.1 + e.3) / 2.0).unwrap_or(0.5),
    );
    json!({
        "version": 8,
        "name": "Xingfu basemap",
        "metadata": {"xingfu:datum": "WGS-84"},
        "center": [center.0, center.1],
        "zoom": 14,
        "sources": sources,
        "layers": layers
    })
}
