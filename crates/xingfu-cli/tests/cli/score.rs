//! `xingfu score`: text and JSON results, vetoes, share bands, and bad answers named.

use super::*;

#[test]
fn score_text_shows_total_star_and_gap() {
    let out = xingfu(&["score", "--standard", "lucheng-2012", "--input", WUMA]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("墨池社区（330302006045）"), "{text}");
    assert!(text.contains("总分：846.5 / 1000"), "{text}");
    assert!(text.contains("4星"), "{text}");
    assert!(text.contains("市文明委"), "{text}");
    assert!(text.contains("一票否决：无"), "{text}");
    assert!(text.contains("距5星（900 分）还差 53.5 分"), "{text}");
}

#[test]
fn score_json_has_the_stable_fields() {
    let out = xingfu(&[
        "score",
        "--standard",
        "lucheng-2012",
        "--input",
        WUMA,
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    let card = json(&out);
    assert_eq!(card["schema"], "xingfu.scorecard/1");
    assert_eq!(card["community"]["code"], "330302006045");
    assert_eq!(card["community"]["name"], "墨池社区");
    assert_eq!(card["community"]["previous_star"], 3);
    assert_eq!(card["standard"], "lucheng-2012");
    assert_eq!(card["version"], "2012.1");
    assert_eq!(hundredths(&card["total"]), 84_650);
    assert_eq!(hundredths(&card["max"]), 100_000);
    assert_eq!(hundredths(&card["share"]), 8_465);
    assert_eq!(card["star_by_score"], 4);
    assert_eq!(card["star"], 4);
    assert_eq!(card["vetoed_by"], serde_json::json!([]));
    assert_eq!(card["not_assessed"], serde_json::json!([]));
    assert_eq!(card["clauses_total"], 49);

    let next = &card["next_star"];
    assert_eq!(next["level"], 5);
    assert_eq!(hundredths(&next["threshold"]), 90_000);
    assert_eq!(hundredths(&next["points_needed"]), 90_000);
    assert_eq!(hundredths(&next["points_short"]), 5_350);
    assert_eq!(next["reachable"], true);
    assert_eq!(next["blocked_by_veto"], false);
    // The plan's first `plan_len` candidates close the gap.
    let plan_len = next["plan_len"].as_u64().unwrap() as usize;
    let candidates = next["candidates"].as_array().unwrap();
    assert!((1..=candidates.len()).contains(&plan_len));
    let gained: i64 = candidates[..plan_len]
        .iter()
        .map(|c| hundredths(&c["gain"]))
        .sum();
    assert!(gained >= 5_350, "plan gains {gained} hundredths");
    let efforts: Vec<i64> = candidates.iter().map(|c| int(&c["effort"])).collect();
    assert!(
        efforts.windows(2).all(|w| w[0] <= w[1]),
        "cheapest first: {efforts:?}"
    );

    // Categories add up to the total; each clause carries its status.
    let categories = card["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 7);
    let sum: i64 = categories.iter().map(|c| hundredths(&c["earned"])).sum();
    assert_eq!(sum, 84_650);
    let clauses: Vec<&Value> = categories
        .iter()
        .flat_map(|c| c["items"].as_array().unwrap())
        .flat_map(|i| i["clauses"].as_array().unwrap())
        .collect();
    assert_eq!(clauses.len(), 52);
    let noted: Vec<&&Value> = clauses.iter().filter(|c| c["note"].is_string()).collect();
    assert_eq!(noted.len(), 1, "the example has one note");
    assert_eq!(noted[0]["status"], "partial");
    let veto_clear = clauses
        .iter()
        .filter(|c| c["status"] == "veto_clear")
        .count();
    assert_eq!(veto_clear, 3);
}

#[test]
fn score_of_the_vetoed_example_gives_no_star_and_names_the_veto() {
    let out = xingfu(&[
        "score",
        "--standard",
        "lucheng-2012",
        "--input",
        VETOED,
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    let card = json(&out);
    assert_eq!(card["schema"], "xingfu.scorecard/1");
    assert_eq!(hundredths(&card["total"]), 90_500);
    assert_eq!(card["star_by_score"], 5);
    assert_eq!(card["star"], 0);
    let vetoes = card["vetoed_by"].as_array().unwrap();
    assert_eq!(vetoes.len(), 1);
    assert_eq!(vetoes[0]["clause"], "TJ1.2");
    assert!(text(&vetoes[0]["reason"]).contains("综治"));

    let out = xingfu(&["score", "--standard", "lucheng-2012", "--input", VETOED]);
    expect_code(&out, 0);
    let shown = stdout(&out);
    assert!(shown.contains("星级：未达到星级"), "{shown}");
    assert!(shown.contains("一票否决：TJ1.2"), "{shown}");
    assert!(shown.contains("按分数可得 5 星"), "{shown}");
}

#[test]
fn score_of_the_weihai_examples_uses_share_bands() {
    let out = xingfu(&[
        "score",
        "-s",
        "weihai-jzxf-2022",
        "-i",
        "examples/weihai/jzxf-community.toml",
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    let card = json(&out);
    assert_eq!(card["community"]["code"], "371073107001");
    assert_eq!(card["clauses_total"], 128);
    let share = hundredths(&card["share"]);
    assert!((6_000..7_000).contains(&share), "share {share}");
    assert_eq!(card["star"], 3);
    assert_eq!(card["next_star"]["level"], 4);
    // 70% of 128 points is 89.6.
    assert_eq!(hundredths(&card["next_star"]["points_needed"]), 8_960);

    let out = xingfu(&[
        "score",
        "-s",
        "weihai-lingang-2020",
        "-i",
        "examples/weihai/lingang-2020-community.toml",
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    let card = json(&out);
    assert_eq!(card["community"]["code"], "371073107002");
    let share = hundredths(&card["share"]);
    assert!((5_000..6_000).contains(&share), "share {share}");
    assert_eq!(card["star"], 2);
    assert!(
        text(&card["star_note"]).contains("50%"),
        "the 50–60% note is attached to 2★"
    );
}

#[test]
fn score_reads_a_json_assessment() {
    let out = xingfu(&[
        "score",
        "-s",
        "lucheng-2012",
        "-i",
        "examples/lucheng/round-2013/330302006044.json",
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    let card = json(&out);
    assert_eq!(card["community"]["name"], "鼓楼社区");
    assert_eq!(hundredths(&card["total"]), 92_350);
    assert_eq!(card["star"], 5);
    assert!(card["next_star"].is_null());
}

/// Scores a one-off assessment and returns (exit code, stderr).
fn score_bad(answers: &str, english: bool) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.toml",
        &format!("community = \"330302006045\"\n\n[answers]\n{answers}\n"),
    );
    let mut args = vec!["score", "--standard", "lucheng-2012", "--input", &file];
    if english {
        args.splice(0..0, ["--lang", "en"]);
    }
    let out = xingfu(&args);
    assert!(
        stdout(&out).is_empty(),
        "no scorecard for bad input:\n{}",
        stdout(&out)
    );
    (code(&out), stderr(&out))
}

#[test]
fn an_unknown_clause_id_is_an_error_naming_it() {
    let (code, err) = score_bad("\"ZZ9.9\" = true", false);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("[ZZ9.9]"), "{err}");
    assert!(err.contains("没有条款 ZZ9.9"), "{err}");
}

#[test]
fn a_number_for_a_met_clause_is_an_error_naming_the_clause() {
    let (code, err) = score_bad("\"ZZ2.1\" = 7", false);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ZZ2.1"), "{err}");
    assert!(err.contains("true 或 false"), "{err}");
    let (code, err) = score_bad("\"ZZ2.1\" = 7", true);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("clause ZZ2.1") && err.contains("answer true or false"),
        "{err}"
    );
}

#[test]
fn a_survey_rate_above_100_is_an_error_naming_the_clause() {
    let (code, err) = score_bad("\"ZG1.1\" = 120", false);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ZG1.1") && err.contains("120"), "{err}");
    let (code, err) = score_bad("\"ZG1.1\" = { rate = 120 }", true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("clause ZG1.1: rate 120%"), "{err}");
}

#[test]
fn every_bad_answer_is_reported_at_once() {
    let (code, err) = score_bad("\"ZZ2.1\" = 7\n\"ZG1.1\" = 120\n\"ZZ1.1\" = 16", true);
    assert_eq!(code, 2, "{err}");
    for id in ["ZZ2.1", "ZG1.1", "ZZ1.1"] {
        assert!(err.contains(id), "{id} not reported:\n{err}");
    }
}

#[test]
fn a_veto_item_must_be_a_table() {
    let (code, err) = score_bad("\"TJ1.1\" = true", false);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[TJ1.1]") && err.contains("vetoed"), "{err}");
}

#[test]
fn an_unknown_standard_is_an_error() {
    let out = xingfu(&["score", "-s", "nowhere-2099", "-i", WUMA]);
    expect_code(&out, 2);
    assert!(
        stderr(&out).contains("lucheng-2012"),
        "lists the shipped ids"
    );
}
