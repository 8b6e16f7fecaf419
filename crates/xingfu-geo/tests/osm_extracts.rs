//! The circle on real OpenStreetMap extracts: Beijing 学院路 (sparse, Chinese names) and central
//! Helsinki (the richer network). See tests/data/SOURCE.md.

use std::path::{Path, PathBuf};

use xingfu_core::Dec2;
use xingfu_geo::coverage::reach_mm;
use xingfu_geo::function::{ALL_SIX_SHARE_METRIC, ServiceFunction};
use xingfu_geo::geometry::haversine_mm;
use xingfu_geo::osm::{
    CommunitySource, OriginKind, OsmExtract, OsmOptions, import_bytes, import_file,
};
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::{CircleAnalysis, CoverageReport, Facility, TimeBudget, WalkingSpeed};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn import(name: &str, options: OsmOptions) -> OsmExtract {
    import_file(&data(name), &options).unwrap()
}

fn count(extract: &OsmExtract, function: ServiceFunction) -> usize {
    extract
        .facilities
        .iter()
        .filter(|f| f.offers(function))
        .count()
}

fn analyse(extract: &OsmExtract, facilities: &[Facility], minutes: u32) -> CircleAnalysis {
    CircleAnalysis::run(
        &extract.graph,
        facilities,
        &extract.origins,
        WalkingSpeed::DEFAULT,
        TimeBudget::from_minutes(minutes).unwrap(),
        2,
    )
}

/// Checks that hold on any extract.
fn check_invariants(extract: &OsmExtract) {
    let graph = &extract.graph;
    assert!(graph.node_count() > 500);
    let (_, components) = graph.components();
    assert_eq!(components, 1, "only the largest component is kept");
    // Every edge is the haversine length between its ends, to the millimetre.
    for edge in graph.edges() {
        let expected = haversine_mm(graph.position(edge.from), graph.position(edge.to));
        assert_eq!(edge.length_mm as u64, expected);
    }
    let analysis = analyse(extract, &extract.facilities, 15);
    // Snapping finds the true nearest node (by brute force over all nodes).
    for (origin, snap) in extract.origins.iter().zip(&analysis.origin_snaps) {
        let best = (0..graph.node_count() as u32)
            .map(|n| haversine_mm(origin.location, graph.position(n)))
            .min()
            .unwrap();
        assert_eq!(snap.access_mm, best, "{}", origin.id);
    }
    let report = CoverageReport::new(&analysis, &extract.origins, &extract.communities);
    let longer = analyse(extract, &extract.facilities, 30);
    let report_30 = CoverageReport::new(&longer, &extract.origins, &extract.communities);
    for (row, row_30) in report.communities.iter().zip(&report_30.communities) {
        let six_min = ServiceFunction::SIX
            .iter()
            .map(|&f| row.share(f))
            .min()
            .unwrap();
        assert!(row.all_six_share <= six_min);
        for function in ServiceFunction::ALL {
            assert!(row.share(function) <= row_30.share(function));
        }
        let metrics = row.metrics();
        assert_eq!(metrics[ALL_SIX_SHARE_METRIC], row.all_six_share);
        assert!(
            metrics
                .values()
                .all(|v| *v >= Dec2::ZERO && *v <= Dec2::HUNDRED)
        );
    }
    // Community rows add up to the whole.
    let weight: u64 = report.communities.iter().map(|r| r.weight).sum();
    assert_eq!(weight, report.overall.weight);
    for function in ServiceFunction::ALL {
        let covered: u64 = report
            .communities
            .iter()
            .map(|r| r.functions[function.index()].covered_weight)
            .sum();
        assert_eq!(
            covered,
            report.overall.functions[function.index()].covered_weight
        );
    }
    // Per origin: covered exactly when the distance is within the reach.
    let reach = reach_mm(WalkingSpeed::DEFAULT, TimeBudget::FIFTEEN_MINUTES);
    for o in 0..extract.origins.len() {
        for function in ServiceFunction::ALL {
            let d = analysis.origin_distance(o, function);
            assert_eq!(analysis.covers(o, function), d.is_some_and(|d| d <= reach));
        }
    }
}

/// Suggested sites, added as facilities, cover exactly the weight their gains promised.
fn check_siting(extract: &OsmExtract, function: ServiceFunction) {
    let analysis = analyse(extract, &extract.facilities, 15);
    let candidates = every_node(&extract.graph);
    let picks = suggest_sites(
        &extract.graph,
        &analysis,
        &extract.origins,
        function,
        &candidates,
        3,
    );
    assert!(!picks.is_empty());
    assert!(picks.windows(2).all(|w| w[0].gain >= w[1].gain));
    let before = CoverageReport::new(&analysis, &extract.origins, &[]).overall;
    let mut facilities = extract.facilities.clone();
    for (i, pick) in picks.iter().enumerate() {
        let node = candidates[pick.candidate].node;
        facilities.push(Facility {
            id: format!("new{i}"),
            name: String::new(),
            functions: vec![function],
            location: extract.graph.position(node),
            hours: None,
            capacity: None,
        });
    }
    let after_analysis = analyse(extract, &facilities, 15);
    let after = CoverageReport::new(&after_analysis, &extract.origins, &[]).overall;
    let gained: u64 = picks.iter().map(|p| p.gain).sum();
    assert_eq!(
        after.functions[function.index()].covered_weight,
        before.functions[function.index()].covered_weight + gained
    );
}

#[test]
fn beijing_xueyuanlu() {
    let extract = import("beijing-haidian-xueyuanlu.osm.pbf", OsmOptions::default());
    // The extract's facilities as its SOURCE.md counts them: 2 kindergartens; 2 hospitals and
    // 2 pharmacies; 17 convenience stores, 2 supermarkets, 2 marketplaces and 1 greengrocer.
    assert_eq!(count(&extract, ServiceFunction::Childcare), 2);
    assert_eq!(count(&extract, ServiceFunction::Medical), 4);
    assert_eq!(count(&extract, ServiceFunction::Food), 22);
    assert_eq!(
        count(&extract, ServiceFunction::ElderlyCare),
        0,
        "no elderly-care tags"
    );
    // The 社区 boundary is cut by the extract, so the named compounds are the communities.
    assert_eq!(extract.community_source, CommunitySource::ResidentialAreas);
    for compound in [
        "富润家园",
        "静淑苑",
        "双泉嘉苑",
        "学士居",
        "农大小区-北区",
        "清华东路27号院",
    ] {
        assert!(
            extract.communities.iter().any(|c| c == compound),
            "{compound}"
        );
    }
    assert!(extract.origins.iter().any(|o| o.community.is_some()));
    check_invariants(&extract);
    // Elderly care has no facility: every building is a gap, and siting fills some of it.
    check_siting(&extract, ServiceFunction::ElderlyCare);
    check_siting(&extract, ServiceFunction::Medical);
    let analysis = analyse(&extract, &extract.facilities, 15);
    let report = CoverageReport::new(&analysis, &extract.origins, &extract.communities);
    assert_eq!(report.overall.all_six_share, Dec2::ZERO);
    assert!(
        report
            .functions_without_facilities
            .contains(&ServiceFunction::ElderlyCare)
    );
    assert!(!report.gaps(5).is_empty());
}

#[test]
fn beijing_with_administrative_level_10_only_finds_no_complete_community() {
    let extract = import(
        "beijing-haidian-xueyuanlu.osm.pbf",
        OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::AdminLevel(10),
        },
    );
    // 矿业大学社区居委会 (relation 15972224) lacks one of its two ways in this extract.
    assert!(extract.communities.is_empty());
    assert!(extract.stats.incomplete_areas >= 1);
    assert!(extract.origins.iter().all(|o| o.community.is_none()));
}

#[test]
fn helsinki_buildings_and_addresses() {
    let buildings = import("helsinki.osm.pbf", OsmOptions::default());
    assert!(buildings.graph.node_count() > 5000);
    assert!(
        count(&buildings, ServiceFunction::Leisure) >= 17,
        "17 parks alone"
    );
    check_invariants(&buildings);
    check_siting(&buildings, ServiceFunction::Childcare);

    let addresses = import(
        "helsinki.osm.pbf",
        OsmOptions {
            origins: OriginKind::Addresses,
            communities: CommunitySource::None,
        },
    );
    assert!(addresses.origins.len() > buildings.origins.len());
    assert!(addresses.communities.is_empty());
    // No address point is a facility's own.
    let facility_ids: std::collections::HashSet<&str> =
        addresses.facilities.iter().map(|f| f.id.as_str()).collect();
    assert!(
        addresses
            .origins
            .iter()
            .all(|o| !facility_ids.contains(o.id.as_str()))
    );
    check_invariants(&addresses);
}

#[test]
fn bytes_in_memory_import_like_the_file_and_garbage_is_an_error() {
    let path = data("beijing-haidian-xueyuanlu.osm.pbf");
    let bytes = std::fs::read(&path).unwrap();
    let from_bytes = import_bytes("beijing", &bytes, &OsmOptions::default()).unwrap();
    let from_file = import("beijing-haidian-xueyuanlu.osm.pbf", OsmOptions::default());
    assert_eq!(from_bytes.stats, from_file.stats);
    assert_eq!(from_bytes.facilities, from_file.facilities);
    assert_eq!(from_bytes.origins, from_file.origins);
    let error = import_bytes("junk.osm.pbf", &bytes[..1000], &OsmOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot read the OpenStreetMap file junk.osm.pbf"),
        "{error}"
    );
}

/// Homes mapped as single nodes (静淑东里小区 is a `building=residential` point in the 学院路
/// extract) are origins like building outlines.
#[test]
fn homes_mapped_as_nodes_are_origins() {
    use osmpbf::{Element, ElementReader};
    let path = data("beijing-haidian-xueyuanlu.osm.pbf");
    let mut node_homes: Vec<(i64, String)> = Vec::new();
    ElementReader::from_path(&path)
        .unwrap()
        .for_each(|element| {
            let (id, tags): (i64, Vec<(&str, &str)>) = match &element {
                Element::Node(n) => (n.id(), n.tags().collect()),
                Element::DenseNode(n) => (n.id(), n.tags().collect()),
                _ => return,
            };
            let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            if tag("building") == Some("residential") {
                node_homes.push((id, tag("name").unwrap_or("").to_string()));
            }
        })
        .unwrap();
    assert!(
        node_homes.iter().any(|(_, name)| name == "静淑东里小区"),
        "the extract maps 静淑东里小区 as a node: {node_homes:?}"
    );
    let extract = import("beijing-haidian-xueyuanlu.osm.pbf", OsmOptions::default());
    for (id, name) in &node_homes {
        assert!(
            extract.origins.iter().any(|o| o.id == format!("osm:n{id}")),
            "node home {id} {name} is an origin"
        );
    }
}
