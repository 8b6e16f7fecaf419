//! Every node's distance to the nearest facility of each function, checked against networkx
//! on the same exported graph (tests/helpers/nx_check.py). Needs python3 with networkx; the
//! test fails, saying so, when they are missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use xingfu_geo::dijkstra::{NearestField, nearest_sources_each};
use xingfu_geo::export::{read_graph_dir, write_graph_dir, write_nearest};
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::osm::{OsmOptions, import_file};
use xingfu_geo::{CircleAnalysis, TimeBudget, WalkingSpeed};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run_nx_check(dir: &Path, nearest: &Path, extra: &[&str]) -> String {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helpers/nx_check.py");
    let output = Command::new("python3")
        .arg(&helper)
        .arg(dir)
        .arg(nearest)
        .args(extra)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); the check needs python3 and networkx: pip install networkx")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "nx_check.py {extra:?} failed ({}):\n{stderr}\n(if networkx is missing: pip install networkx)",
        output.status
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn check_extract(file: &str) {
    let extract = import_file(&data(file), &OsmOptions::default()).unwrap();
    let analysis = CircleAnalysis::run(
        &extract.graph,
        &extract.facilities,
        &extract.origins,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        2,
    );
    let dir = tempfile::tempdir().unwrap();
    write_graph_dir(
        dir.path(),
        &extract.graph,
        &extract.facilities,
        &analysis.facility_snaps,
    )
    .unwrap();
    let exported = read_graph_dir(dir.path()).unwrap();
    let present: Vec<ServiceFunction> = ServiceFunction::ALL
        .into_iter()
        .filter(|f| analysis.has_facilities[f.index()])
        .collect();
    assert!(present.len() >= 4, "{file}: functions found {present:?}");

    // The graph read back gives the analysis' own fields, node for node.
    let with_access: Vec<_> = present
        .iter()
        .map(|f| exported.sources[f.index()].clone())
        .collect();
    let from_files = nearest_sources_each(&exported.graph, &with_access, None, 2);
    for (function, field) in present.iter().zip(&from_files) {
        assert_eq!(
            Some(field.distance_mm.as_slice()),
            analysis.fields[function.index()]
                .as_ref()
                .map(|f| f.distance_mm.as_slice()),
            "{file}: {function}"
        );
    }

    let without_access: Vec<_> = present
        .iter()
        .map(|f| exported.sources_without_access()[f.index()].clone())
        .collect();
    let reach = analysis.reach_mm;
    let cases: [(&str, Vec<NearestField>, Vec<String>); 3] = [
        ("access", from_files, vec!["--access".into()]),
        (
            "nodes",
            nearest_sources_each(&exported.graph, &without_access, None, 2),
            vec![],
        ),
        (
            "nodes-cutoff",
            nearest_sources_each(&exported.graph, &without_access, Some(reach), 2),
            vec!["--cutoff-mm".into(), reach.to_string()],
        ),
    ];
    for (name, fields, args) in cases {
        let labelled: Vec<_> = present.iter().copied().zip(fields.iter()).collect();
        let path = dir.path().join(format!("nearest-{name}.csv"));
        let file_out = std::fs::File::create(&path).unwrap();
        write_nearest(file_out, &labelled, exported.graph.node_count()).unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let said = run_nx_check(dir.path(), &path, &args);
        let expected_count = exported.graph.node_count() * present.len();
        assert!(
            said.contains(&format!("{expected_count} distances identical")),
            "{file} {name}: {said}"
        );
        if name == "nodes-cutoff" {
            // The cutoff leaves some nodes unreached, so the check covered empty cells too.
            assert!(fields.iter().any(|f| f.distance_mm.contains(&u64::MAX)));
        }
    }
}

#[test]
fn beijing_distances_match_networkx() {
    check_extract("beijing-haidian-xueyuanlu.osm.pbf");
}

#[test]
fn helsinki_distances_match_networkx() {
    check_extract("helsinki.osm.pbf");
}
