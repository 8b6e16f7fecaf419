//! The basemap of the demo's extract (学院路, Beijing): what a tile at its centre holds.

use xingfu_basemap::{Basemap, Geometry, Layer, StyleOptions, TileId, cut_tile, style_json};

const EXTRACT: &[u8] =
    include_bytes!("../../xingfu-geo/tests/data/beijing-haidian-xueyuanlu.osm.pbf");

fn basemap() -> Basemap {
    Basemap::from_bytes("xueyuanlu", EXTRACT).expect("the demo extract reads")
}

/// Decodes a tile enough to list its layers and their names (protobuf by hand: a tile is
/// repeated field 3 of layers; a layer's name is field 1, its values field 4).
fn layers_and_strings(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    fn varint(b: &[u8], i: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = b[*i];
            *i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }
    fn fields(b: &[u8]) -> Vec<(u64, &[u8])> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let key = varint(b, &mut i);
            match key & 7 {
                0 => {
                    varint(b, &mut i);
                }
                2 => {
                    let len = varint(b, &mut i) as usize;
                    out.push((key >> 3, &b[i..i + len]));
                    i += len;
                }
                5 => i += 4,
                1 => i += 8,
                w => panic!("wire type {w}"),
            }
        }
        out
    }
    let mut layers = Vec::new();
    let mut strings = Vec::new();
    for (field, layer) in fields(bytes) {
        assert_eq!(field, 3);
        for (f, value) in fields(layer) {
            if f == 1 {
                layers.push(String::from_utf8(value.to_vec()).unwrap());
            }
            if f == 4 {
                for (vf, s) in fields(value) {
                    if vf == 1 {
                        strings.push(String::from_utf8(s.to_vec()).unwrap());
                    }
                }
            }
        }
    }
    (layers, strings)
}

#[test]
fn the_extract_has_streets_buildings_and_green() {
    let map = basemap();
    let count = |layer: Layer| map.features.iter().filter(|f| f.layer == layer).count();
    // The extract has 684 ways: 422 with a highway tag, 258 buildings (osmium tags-count).
    assert!(count(Layer::Road) > 250, "roads: {}", count(Layer::Road));
    assert!(
        count(Layer::Building) > 200,
        "buildings: {}",
        count(Layer::Building)
    );
    assert!(count(Layer::Green) > 5, "green: {}", count(Layer::Green));
    assert!(
        map.features
            .iter()
            .any(|f| f.layer == Layer::Road && f.name.as_deref() == Some("学院路")),
        "学院路 is a named street of the extract"
    );
}

#[test]
fn a_tile_on_xueyuan_road_holds_its_streets_and_names() {
    let map = basemap();
    // The zoom-15 tile holding the first point of 学院路.
    let road = map
        .features
        .iter()
        .find(|f| f.name.as_deref() == Some("学院路"))
        .unwrap();
    let (x, y) = match &road.geometry {
        Geometry::Line(points) => points[0],
        other => panic!("学院路 is a line, not {other:?}"),
    };
    let at = |z: u8| {
        let n = f64::from(1u32 << z);
        TileId::new(z, (x * n) as u32, (y * n) as u32).unwrap()
    };
    let tile = cut_tile(&map, at(15)).unwrap();
    let (layers, strings) = layers_and_strings(&tile);
    for layer in ["road", "building"] {
        assert!(layers.contains(&layer.to_string()), "{layer} in {layers:?}");
    }
    assert!(strings.iter().any(|s| s == "学院路"), "{strings:?}");
    // At zoom 12 the same place has streets but no buildings (they start at 14).
    let tile = cut_tile(&map, at(12)).unwrap();
    let (layers, _) = layers_and_strings(&tile);
    assert!(layers.contains(&"road".to_string()), "{layers:?}");
    assert!(!layers.contains(&"building".to_string()), "{layers:?}");
}

#[test]
fn a_tile_far_away_is_empty_but_valid() {
    let map = basemap();
    let tile = cut_tile(&map, TileId::new(14, 0, 0).unwrap()).unwrap();
    assert!(layers_and_strings(&tile).0.is_empty());
}

#[test]
fn the_style_points_at_this_site_and_centres_on_the_extract() {
    let map = basemap();
    let style = style_json(
        &map,
        &StyleOptions {
            base: "http://127.0.0.1:8080/",
            english: false,
            tianditu_key: None,
        },
    );
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["osm"]["tiles"][0],
        "http://127.0.0.1:8080/tiles/{z}/{x}/{y}"
    );
    assert!(style.get("glyphs").is_none());
    let (lon, lat) = (
        style["center"][0].as_f64().unwrap(),
        style["center"][1].as_f64().unwrap(),
    );
    assert!(
        (116.3..116.4).contains(&lon) && (39.9..40.1).contains(&lat),
        "{lon},{lat}"
    );
    assert!(style["sources"].get("tianditu-vec").is_none());
    let text = style.to_string();
    assert!(
        !text.contains("openstreetmap.org"),
        "never the public tile servers"
    );
    let with_key = style_json(
        &map,
        &StyleOptions {
            base: "http://x",
            english: true,
            tianditu_key: Some("KEY123"),
        },
    );
    assert!(
        with_key["sources"]["tianditu-vec"]["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("tk=KEY123")
    );
}
