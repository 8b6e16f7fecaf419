//! `xingfu bench`: rating and issuing documents with their timings.

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
