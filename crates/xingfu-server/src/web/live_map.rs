//! The data a map page hands to `static/map.js`, which draws it over the basemap (MapLibre).
//! Each feature says how it is drawn, so one script serves every map; the page's SVG stays as
//! the fallback without JavaScript and for print.

use serde_json::{Value, json};

/// How a point is drawn: a filled dot, or a ring (`hollow`), in `color`.
pub struct Mark<'a> {
    pub color: &'a str,
    pub radius: u8,
    pub hollow: bool,
    pub label: Option<&'a str>,
    /// Where a tap on it leads (an event's page …).
    pub href: Option<String>,
}

/// How an area is drawn: filled in `color` (faintly unless `opacity` says otherwise), outlined
/// in `outline` (else `color`).
pub struct Area<'a> {
    pub color: &'a str,
    pub outline: Option<&'a str>,
    pub opacity: Option<f64>,
    pub label: Option<&'a str>,
    pub href: Option<String>,
}

/// A map page's features as GeoJSON, in WGS-84 (the datum every position is stored in).
#[derive(Default)]
pub struct LiveMap {
    features: Vec<Value>,
}

impl LiveMap {
    pub fn point(&mut self, lon: f64, lat: f64, mark: Mark) {
        self.features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon), round(lat)]},
            "properties": properties(mark.color, mark.label, Some((mark.radius, mark.hollow)), mark.href),
        }));
    }

    /// An area of one or more polygons (outer ring first, then holes), each ring closed.
    pub fn area(&mut self, polygons: &[Vec<Vec<(f64, f64)>>], look: Area) {
        let coordinates: Vec<Vec<Vec<[f64; 2]>>> = polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| ring.iter().map(|&(x, y)| [round(x), round(y)]).collect())
                    .collect()
            })
            .collect();
        let mut properties = properties(look.color, look.label, None, look.href);
        if let Some(outline) = look.outline {
            properties["outline"] = json!(outline);
        }
        if let Some(opacity) = look.opacity {
            properties["opacity"] = json!(opacity);
        }
        self.features.push(json!({
            "type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
            "properties": properties,
        }));
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The FeatureCollection as text safe inside `<script type="application/json">`.
    pub fn to_script_json(&self) -> String {
        json!({"type": "FeatureCollection", "features": self.features})
            .to_string()
            .replace('<', "\\u003c")
    }
}

fn properties(
    color: &str,
    label: Option<&str>,
    point: Option<(u8, bool)>,
    href: Option<String>,
) -> Value {
    let mut p = json!({"color": color});
    if let Some(label) = label.filter(|l| !l.is_empty()) {
        p["label"] = json!(label);
    }
    if let Some((radius, hollow)) = point {
        p["radius"] = json!(radius);
        p["hollow"] = json!(hollow);
    }
    if let Some(href) = href {
        p["href"] = json!(href);
    }
    p
}

/// Seven decimals: about a centimetre, and no float noise in the page.
fn round(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_its_script() {
        let mut map = LiveMap::default();
        map.point(
            120.65,
            28.01,
            Mark {
                color: "#d4351c",
                radius: 6,
                hollow: true,
                label: Some("</script><b>"),
                href: None,
            },
        );
        let text = map.to_script_json();
        assert!(!text.contains("</"), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["features"][0]["properties"]["label"], "</script><b>");
        assert_eq!(back["features"][0]["properties"]["hollow"], true);
        assert_eq!(
            back["features"][0]["geometry"]["coordinates"],
            json!([120.65, 28.01])
        );
    }
}
