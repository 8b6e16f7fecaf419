//! `xingfu bench`: rating, issuing documents, seeding over an imported province and timing the sweep on it.

use super::*;

#[test]
fn bench_rate_runs_and_prints_medians() {
    let out = xingfu(&["bench", "rate", "--communities", "200", "--runs", "1"]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("rated 200 communities (0 rejected, 0 unreadable)"),
        "{text}"
    );
    assert!(text.contains("200 communities × 128 clauses"), "{text}");
    assert!(text.contains("medians:"), "{text}");
    for part in ["read files", "parse", "core", "total"] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
}

#[test]
fn bench_documents_issues_a_districts_documents_and_prints_its_figures() {
    let out = xingfu(&["bench", "documents", "--communities", "3", "--runs", "1"]);
    expect_code(&out, 0);
    let text = stdout(&out);
    for line in [
        "machine: ",
        "load average before: ",
        "each run issues anew: a fresh SQLite store per run",
        "鹿城区, 3 communities named at 1–3★ (0 of them generated), 1 runs",
        "baseline: a one-page Typst document (one line of Chinese) through Typesetter::render: median ",
        "typesetting only, one certificate (QR code + render, no service): median ",
        "certificate through the service: median ",
        "1 page(s), over 3 certificates",
        "all 3 certificates of the district: median ",
        "district notice (公示, 3 communities listed, ",
        "total (3 certificates + the notice): median ",
        "load average after: ",
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    // Every figure but the baseline's is given as a ratio to it.
    for start in [
        "typesetting only",
        "certificate",
        "all 3",
        "district notice",
        "total",
    ] {
        let line = text.lines().find(|l| l.starts_with(start)).unwrap();
        assert!(line.contains("×"), "no ratio to the baseline: {line}");
    }
}

#[test]
fn bench_seed_over_an_imported_province_names_its_communities_and_the_sweep_runs_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let regions = dir.path().join("province.csv");
    std::fs::write(
        &regions,
        "code,name,level,parent\n\
         330000000000,浙江省,province,\n\
         330300000000,温州市,city,330000000000\n\
         330302000000,鹿城区,district,330300000000\n\
         330302006000,五马街道,street,330302000000\n\
         330302006001,墨池社区,community,330302006000\n\
         330302006002,蝉街社区,community,330302006000\n",
    )
    .unwrap();
    let database = format!("sqlite://{}", dir.path().join("seed.db").display());
    let regions = regions.to_str().unwrap();
    expect_code(
        &xingfu(&["import", "regions", regions, "--database", &database]),
        0,
    );
    let seed = [
        "bench",
        "seed",
        "--database",
        &database,
        "--province",
        "33",
        "--years",
        "1",
        "--events",
        "40",
        "--survey-answers",
        "10",
    ];
    let out = xingfu(&seed);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("cookie: xingfu_session="), "{text}");
    // The communities are the imported ones, not synthetic codes.
    assert!(
        text.contains("/communities/330302006002") || text.contains("/communities/330302006001"),
        "{text}"
    );
    // A second seed of the same province is refused rather than adding a round.
    assert_ne!(xingfu(&seed).status.code(), Some(0));

    let out = xingfu(&[
        "bench",
        "seeded-sweep",
        "--database",
        &database,
        "--runs",
        "1",
    ]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("| find due after the last deadline"),
        "{text}"
    );
    assert!(text.contains("| 40 |"), "{text}");
}
