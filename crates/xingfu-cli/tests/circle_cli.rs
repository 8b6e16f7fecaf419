//! `xingfu circle …` and `xingfu bench circle` on the real OpenStreetMap extracts shipped with
//! xingfu-geo's tests (see crates/xingfu-geo/tests/data/SOURCE.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn extract(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../xingfu-geo/tests/data")
        .join(name)
        .display()
        .to_string()
}

fn beijing() -> String {
    extract("beijing-haidian-xueyuanlu.osm.pbf")
}

fn xingfu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(args)
        .env_remove("XINGFU_LANG")
        .output()
        .expect("the xingfu binary runs")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "status {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&ok(output)).expect("JSON output")
}

/// A Dec2 in JSON (a number with at most two decimals) as hundredths.
fn hundredths(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 100.0).round() as i64
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn coverage_json_shares_and_metrics_agree_with_the_counts() {
    let osm = beijing();
    let out = json(&xingfu(&["circle", "coverage", "--osm", &osm, "--json"]));
    assert_eq!(out["minutes"], 15);
    assert_eq!(out["reach_metres"].as_f64(), Some(1000.0));
    let rows: Vec<&Value> = std::iter::once(&out["overall"])
        .chain(out["communities"].as_array().unwrap())
        .collect();
    assert!(rows.len() > 5, "Beijing has named compounds");
    let metrics = out["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), rows.len());
    for (row, metric) in rows.iter().zip(metrics) {
        let weight = row["weight"].as_i64().unwrap();
        for share in row["functions"].as_array().unwrap() {
            let covered = share["covered_weight"].as_i64().unwrap();
            // Rounded down to hundredths of a percent.
            let expected = if weight == 0 {
                0
            } else {
                covered * 10_000 / weight
            };
            assert_eq!(hundredths(&share["share"]), expected);
            let key = format!("circle.{}.share", share["function"].as_str().unwrap());
            assert_eq!(hundredths(&metric["values"][&key]), expected, "{key}");
        }
        assert_eq!(
            hundredths(&metric["values"]["circle.all_six.share"]),
            hundredths(&row["all_six_share"])
        );
    }
    assert_eq!(metrics[0]["scope"], "overall");
    // No elderly-care facility in Chinese OSM: it is listed, and all six is zero everywhere.
    assert!(
        out["functions_without_facilities"]
            .as_array()
            .unwrap()
            .contains(&Value::from("elderly_care"))
    );
    assert_eq!(hundredths(&out["overall"]["all_six_share"]), 0);
    assert!(!out["gaps"].as_array().unwrap().is_empty());
}

#[test]
fn coverage_text_is_chinese_by_default_and_english_on_request() {
    let osm = beijing();
    let zh = ok(&xingfu(&["circle", "coverage", "--osm", &osm]));
    assert!(zh.contains("15 分钟服务圈"));
    assert!(zh.contains("老有所养(elderly_care)"));
    assert!(zh.contains("最大缺口"));
    let en = ok(&xingfu(&[
        "--lang",
        "en",
        "circle",
        "coverage",
        "--osm",
        &osm,
        "--minutes",
        "10",
        "--speed",
        "3.2",
    ]));
    assert!(
        en.contains("10-minute service circle: walking 3.2 km/h, reach 533 m"),
        "{en}"
    );
}

#[test]
fn a_registered_centre_fills_the_elderly_care_gap() {
    let osm = beijing();
    let dir = tempfile::tempdir().unwrap();
    // A neighbourhood centre with all six functions, placed at a node of the network.
    let export = dir.path().join("graph");
    ok(&xingfu(&[
        "circle",
        "export-graph",
        "--osm",
        &osm,
        "--out",
        export.to_str().unwrap(),
    ]));
    let nodes = std::fs::read_to_string(export.join("nodes.csv")).unwrap();
    let middle: Vec<&str> = nodes
        .lines()
        .nth(1 + nodes.lines().count() / 2)
        .unwrap()
        .split(',')
        .collect();
    let registry = write(
        dir.path(),
        "centres.csv",
        &format!(
            "编号,名称,功能,经度,纬度,开放时间,容量\nc1,学院路邻里中心,幼有所育;老有所养;病有所医;食有所安;居有所乐;事有所办,{},{},8:00-20:00,80\n",
            middle[2], middle[3]
        ),
    );
    let with = json(&xingfu(&[
        "circle",
        "coverage",
        "--osm",
        &osm,
        "--facilities",
        registry.to_str().unwrap(),
        "--json",
    ]));
    let elderly = &with["overall"]["functions"][1];
    assert_eq!(elderly["function"], "elderly_care");
    assert!(elderly["covered_weight"].as_i64().unwrap() > 0);
    assert!(hundredths(&with["overall"]["all_six_share"]) > 0);
    // Only the registry: every function is the centre's reach, so all shares are equal.
    let only = json(&xingfu(&[
        "circle",
        "coverage",
        "--osm",
        &osm,
        "--facilities",
        registry.to_str().unwrap(),
        "--no-osm-facilities",
        "--json",
    ]));
    assert_eq!(only["facilities"], 1);
    let six: Vec<i64> = only["overall"]["functions"].as_array().unwrap()[..6]
        .iter()
        .map(|f| f["covered_weight"].as_i64().unwrap())
        .collect();
    assert!(six.iter().all(|&c| c == six[0]));
    assert_eq!(only["overall"]["all_six_weight"].as_i64().unwrap(), six[0]);
}

#[test]
fn a_bad_registry_is_reported_with_line_numbers() {
    let osm = beijing();
    let dir = tempfile::tempdir().unwrap();
    let registry = write(
        dir.path(),
        "reg.csv",
        "name,functions,lon,lat\nClinic,medical,116.35,40.0\nSchool,school,116.35,40.0\n",
    );
    let output = xingfu(&[
        "--lang",
        "en",
        "circle",
        "coverage",
        "--osm",
        &osm,
        "--facilities",
        registry.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reg.csv:3: unknown service function \"school\""),
        "{stderr}"
    );
    let missing = xingfu(&["circle", "coverage", "--osm", "no-such.osm.pbf"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn siting_suggests_sites_with_falling_gains() {
    let osm = beijing();
    let out = json(&xingfu(&[
        "circle",
        "site",
        "--osm",
        &osm,
        "--function",
        "老有所养",
        "--count",
        "3",
        "--json",
    ]));
    assert_eq!(out["function"], "elderly_care");
    let sites = out["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 3);
    let gains: Vec<i64> = sites.iter().map(|s| s["gain"].as_i64().unwrap()).collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]) && gains[2] > 0);
    let origins = out["origins"].as_i64().unwrap();
    let after = hundredths(&sites[2]["share_after"]);
    assert_eq!(after, gains.iter().sum::<i64>() * 10_000 / origins);
    let unknown = xingfu(&["circle", "site", "--osm", &osm, "--function", "school"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn per_origin_distances_and_the_graph_export() {
    let osm = beijing();
    let dir = tempfile::tempdir().unwrap();
    let per_origin = dir.path().join("origins.csv");
    let out = json(&xingfu(&[
        "circle",
        "coverage",
        "--osm",
        &osm,
        "--json",
        "--per-origin",
        per_origin.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&per_origin).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("id,community,lon,lat,access_m,childcare_m"));
    assert_eq!(
        lines.count() as i64,
        out["overall"]["origins"].as_i64().unwrap()
    );

    let graph = dir.path().join("graph");
    let said = ok(&xingfu(&[
        "--lang",
        "en",
        "circle",
        "export-graph",
        "--osm",
        &osm,
        "--out",
        graph.to_str().unwrap(),
    ]));
    let nodes = std::fs::read_to_string(graph.join("nodes.csv")).unwrap();
    assert!(
        said.contains(&format!("{} nodes", nodes.lines().count() - 1)),
        "{said}"
    );
    let nearest = dir.path().join("nearest.csv");
    let bench = json(&xingfu(&[
        "bench",
        "circle",
        "--graph",
        graph.to_str().unwrap(),
        "--max-metres",
        "1000",
        "--runs",
        "2",
        "--out",
        nearest.to_str().unwrap(),
    ]));
    assert_eq!(
        bench["nodes"].as_u64().unwrap() as usize,
        nodes.lines().count() - 1
    );
    assert_eq!(bench["compute_ms"].as_array().unwrap().len(), 2);
    let written = std::fs::read_to_string(&nearest).unwrap();
    assert!(written.starts_with("node,childcare_mm,medical_mm,food_mm,leisure_mm,affairs_mm\n"));
    // Within 1000 m or empty.
    for line in written.lines().skip(1) {
        for cell in line.split(',').skip(1) {
            assert!(cell.is_empty() || cell.parse::<u64>().unwrap() <= 1_000_000);
        }
    }
}
