//! Runs the real `xingfu` binary on the shipped standards and the examples under `examples/`, and
//! checks behaviour: exit codes, key figures, JSON fields. Outputs are never compared whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use xingfu_formats::crafted_sheets::{far_cell_xlsx, inflating_xlsx, many_rows_xlsx};
use xingfu_formats::sheet::ROUND_SHEET_LIMITS;

const SHIPPED: [&str; 5] = [
    "lucheng-2012",
    "weihai-jzxf-2022",
    "weihai-lingang-2020",
    "fengze-centre",
    "weibin-four-types",
];

const WUMA: &str = "examples/lucheng/wuma-2013.toml";
const VETOED: &str = "examples/lucheng/vetoed.toml";
const ROUND_CSV: &str = "examples/lucheng/round-2013.csv";
const ROUND_XLSX: &str = "examples/lucheng/round-2013.xlsx";
const ROUND_DIR: &str = "examples/lucheng/round-2013";

/// The workspace root: examples and standards are named relative to it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xingfu-cli sits two levels below the workspace")
        .to_path_buf()
}

/// Runs `xingfu` in the workspace root, with the language chosen only by the arguments.
fn xingfu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(args)
        .current_dir(root())
        .env_remove("XINGFU_LANG")
        .output()
        .expect("the xingfu binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("xingfu exits normally")
}

/// Asserts the exit code, showing both streams when it differs.
fn expect_code(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// A JSON number as hundredths, checking that it has at most two decimals.
fn hundredths(value: &Value) -> i64 {
    let x = value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"));
    let scaled = x * 100.0;
    assert!(
        (scaled - scaled.round()).abs() < 1e-6,
        "{value} has more than two decimals"
    );
    scaled.round() as i64
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a temporary file");
    path.display().to_string()
}

fn shipped_text(id: &str) -> String {
    std::fs::read_to_string(root().join("standards").join(format!("{id}.toml")))
        .expect("read a shipped standard")
}

/// Replaces the first occurrence of `from`, which must exist, and returns the 1-based line where
/// the replacement starts.
fn replace_first(text: &mut String, from: &str, to: &str) -> usize {
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not found"));
    text.replace_range(at..at + from.len(), to);
    text[..at].matches('\n').count() + 1
}

/// The line (1-based) of the first occurrence of `needle` at or after `after`.
fn line_of(text: &str, needle: &str, after: usize) -> usize {
    let at = after
        + text[after..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not found"));
    text[..at].matches('\n').count() + 1
}

// ------------------------------------------------------------------ standard check

#[test]
fn standard_check_passes_for_every_shipped_standard() {
    let files: Vec<String> = SHIPPED
        .iter()
        .map(|id| format!("standards/{id}.toml"))
        .collect();
    let args: Vec<&str> = ["standard", "check"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let out = xingfu(&args);
    expect_code(&out, 0);
    let text = stdout(&out);
    for file in &files {
        assert!(
            text.lines()
                .any(|l| l.starts_with(file.as_str()) && l.contains("通过")),
            "{file} not reported as passing:\n{text}"
        );
    }
    assert!(text.contains("lucheng-2012 v2012.1:7 类 21 项 52 条，总分 1000"));
    assert!(text.contains("weihai-jzxf-2022 v2022.1:6 类 33 项 128 条，总分 128"));
}

#[test]
fn standard_check_accepts_shipped_ids_and_lists_them() {
    let mut args = vec!["--lang", "en", "standard", "check"];
    args.extend(SHIPPED);
    let out = xingfu(&args);
    expect_code(&out, 0);
    assert_eq!(stdout(&out).matches(": OK — ").count(), SHIPPED.len());

    let out = xingfu(&["standard", "list"]);
    expect_code(&out, 0);
    let listed = stdout(&out);
    for id in SHIPPED {
        assert!(listed.contains(id), "{id} missing from the list:\n{listed}");
    }
    assert!(listed.contains("128 条"));
}

/// Checks a broken copy of lucheng-2012 and returns (exit code, stdout, file path).
fn check_broken(name: &str, text: &str) -> (i32, String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), name, text);
    let out = xingfu(&["standard", "check", &file]);
    (code(&out), stdout(&out), file, dir)
}

#[test]
fn standard_check_reports_a_duplicate_clause_id_with_file_line_and_id() {
    let mut standard = shipped_text("lucheng-2012");
    let line = replace_first(&mut standard, "id = \"ZZ1.2\"", "id = \"ZZ1.1\"");
    let (code, out, file, _dir) = check_broken("duplicate.toml", &standard);
    assert_eq!(code, 1, "{out}");
    let expected = format!("{file}:{line}: [ZZ1.1] ");
    assert!(out.contains(&expected), "want {expected:?} in:\n{out}");
    assert!(out.contains("重复"), "{out}");
    assert!(out.contains("共 1 个问题"), "{out}");
}

#[test]
fn standard_check_reports_points_that_do_not_add_up() {
    let mut standard = shipped_text("lucheng-2012");
    // ZZ2.1 is worth 10 points; 12 breaks item ZZ2 (50), category ZZ (140) and the total (1000).
    let clause = standard.find("id = \"ZZ2.1\"").unwrap();
    let at = standard[clause..].find("points = 10").unwrap() + clause;
    standard.replace_range(at..at + "points = 10".len(), "points = 12");
    let item_line = line_of(&standard, "id = \"ZZ2\"", 0);
    let category_line = line_of(&standard, "id = \"ZZ\"", 0);
    let (code, out, file, _dir) = check_broken("points.toml", &standard);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{file}:{item_line}: [ZZ2] ")) && out.contains("52"),
        "item ZZ2 not reported at line {item_line}:\n{out}"
    );
    assert!(
        out.contains(&format!("{file}:{category_line}: [ZZ] ")) && out.contains("142"),
        "category ZZ not reported at line {category_line}:\n{out}"
    );
    assert!(out.contains("1002"), "the total is not reported:\n{out}");
}

#[test]
fn standard_check_reports_unordered_star_thresholds() {
    let mut standard = shipped_text("lucheng-2012");
    // Two stars at 760 points, above three stars at 750.
    replace_first(
        &mut standard,
        "level = 2\nmin = 700",
        "level = 2\nmin = 760",
    );
    let level3 = line_of(&standard, "level = 3\nmin = 750", 0);
    let (code, out, file, _dir) = check_broken("stars.toml", &standard);
    assert_eq!(code, 1, "{out}");
    // The problem is pinned to the star whose threshold is out of order.
    let pinned = out
        .lines()
        .find(|l| l.contains("[3★]"))
        .unwrap_or_else(|| panic!("no [3★] problem:\n{out}"));
    assert!(pinned.starts_with(&format!("{file}:")), "{pinned}");
    let line: usize = pinned[file.len() + 1..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (level3..level3 + 6).contains(&line),
        "line {line} is not within the 3★ table at {level3}: {pinned}"
    );
    assert!(pinned.contains("750") && pinned.contains("760"), "{pinned}");
}

#[test]
fn standard_check_reports_an_unknown_field_with_its_line() {
    let mut standard = shipped_text("lucheng-2012");
    let line = replace_first(&mut standard, "effort = 3", "efort = 3");
    let (code, out, file, _dir) = check_broken("efort.toml", &standard);
    assert_eq!(code, 1, "{out}");
    let expected = format!("{file}:{line}: ");
    let reported = out
        .lines()
        .find(|l| l.starts_with(&expected))
        .unwrap_or_else(|| panic!("no problem at {expected:?}:\n{out}"));
    assert!(reported.contains("efort"), "{reported}");
}

/// The brief for `standard check` is file, line *and clause id* for every problem; an unknown
/// clause field is reported by its path (`categories[0].items[0].clauses[0].efort`) instead.
#[test]
fn standard_check_names_the_clause_of_an_unknown_field() {
    let mut standard = shipped_text("lucheng-2012");
    replace_first(&mut standard, "effort = 3", "efort = 3");
    let (code, out, _file, _dir) = check_broken("efort.toml", &standard);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ZZ1.1"), "the clause id is not named:\n{out}");
}

#[test]
fn standard_check_lists_every_problem_of_a_file_and_checks_the_others() {
    let mut standard = shipped_text("lucheng-2012");
    replace_first(&mut standard, "id = \"ZZ1.2\"", "id = \"ZZ1.1\"");
    replace_first(
        &mut standard,
        "level = 2\nmin = 700",
        "level = 2\nmin = 760",
    );
    replace_first(&mut standard, "effort = 3", "efort = 3");
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.toml", &standard);
    let out = xingfu(&[
        "--lang",
        "en",
        "standard",
        "check",
        &broken,
        "standards/weihai-jzxf-2022.toml",
    ]);
    expect_code(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("[ZZ1.1]"), "{text}");
    assert!(text.contains("[3★]"), "{text}");
    assert!(text.contains("efort"), "{text}");
    assert!(text.contains(&format!("{broken}: 3 problem(s)")), "{text}");
    assert!(
        text.contains("standards/weihai-jzxf-2022.toml: OK"),
        "{text}"
    );
}

#[test]
fn standard_check_of_a_missing_file_fails() {
    let out = xingfu(&["standard", "check", "no/such/standard.toml"]);
    expect_code(&out, 1);
}

// ------------------------------------------------------------------ score

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

// ------------------------------------------------------------------ rate

/// What a round decides for one community.
#[derive(Debug, PartialEq)]
struct Decided {
    name: String,
    star: i64,
    previous: i64,
    decision: String,
    total: i64,
    reward: i64,
    basis: Value,
    split: Value,
    vetoed_by: Vec<String>,
}

fn rate_json(input: &str) -> Value {
    let out = xingfu(&[
        "rate",
        "--standard",
        "lucheng-2012",
        "--input",
        input,
        "--year",
        "2013",
        "--format",
        "json",
    ]);
    expect_code(&out, 0);
    json(&out)
}

fn decided(round: &Value) -> BTreeMap<String, Decided> {
    round["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                text(&o["code"]).to_string(),
                Decided {
                    name: text(&o["name"]).to_string(),
                    star: int(&o["star"]),
                    previous: int(&o["previous_star"]),
                    decision: text(&o["decision"]).to_string(),
                    total: hundredths(&o["total"]),
                    reward: int(&o["reward"]["amount"]),
                    basis: o["reward"]["basis"].clone(),
                    split: o["reward"]["split"].clone(),
                    vetoed_by: o["vetoed_by"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| text(&v["clause"]).to_string())
                        .collect(),
                },
            )
        })
        .collect()
}

#[test]
fn rate_gives_the_same_results_from_csv_xlsx_and_a_directory() {
    let csv = decided(&rate_json(ROUND_CSV));
    let xlsx = decided(&rate_json(ROUND_XLSX));
    let dir = decided(&rate_json(ROUND_DIR));
    assert_eq!(csv.len(), 22);
    assert_eq!(csv, xlsx);
    assert_eq!(dir.len(), 3);
    for (code, outcome) in &dir {
        assert_eq!(Some(outcome), csv.get(code), "{code} differs");
    }
}

#[test]
fn rate_table_shows_every_community_and_the_roll_ups() {
    let out = xingfu(&[
        "rate",
        "-s",
        "lucheng-2012",
        "-i",
        ROUND_CSV,
        "--year",
        "2013",
    ]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("年度评定 2013"), "{text}");
    for code in ["330302006044", "330302026007", "330302029004"] {
        assert!(text.contains(code), "{code} missing");
    }
    for street in ["五马街道", "松台街道", "大南街道", "鹿城区"] {
        assert!(text.contains(street), "{street} missing");
    }
    assert!(text.contains("[否决 TJ1.2]"), "{text}");
    assert!(text.contains("奖励合计 1,050,000.00"), "{text}");
}

#[test]
fn rate_json_has_the_round_schema_and_the_example_decisions() {
    let round = rate_json(ROUND_CSV);
    assert_eq!(round["schema"], "xingfu.round/1");
    assert_eq!(round["standard"], "lucheng-2012");
    assert_eq!(round["version"], "2012.1");
    assert_eq!(round["year"], 2013);
    assert_eq!(round["input_problems"], serde_json::json!([]));
    assert_eq!(round["rejected"], serde_json::json!([]));

    let outcomes = decided(&round);
    let expect = |code: &str, previous: i64, star: i64, decision: &str, reward_yuan: i64| {
        let o = &outcomes[code];
        assert_eq!(
            (o.previous, o.star, o.decision.as_str(), o.reward),
            (previous, star, decision, reward_yuan * 100),
            "{code} {}",
            o.name
        );
    };
    expect("330302006044", 4, 5, "upgrade", 200_000); // 鼓楼 4→5
    expect("330302006045", 3, 4, "upgrade", 300_000); // 墨池 3→4: city tier
    expect("330302006071", 2, 3, "upgrade", 50_000); // 八仙楼 2→3
    expect("330302006073", 1, 2, "upgrade", 50_000); // 百里坊 1→2
    expect("330302006097", 0, 1, "new", 50_000); // 安澜
    expect("330302006105", 0, 0, "not_rated", 0); // 矮凳桥
    expect("330302006108", 3, 3, "keep", 0); // 十八家
    expect("330302006109", 3, 2, "downgrade", 0); // 府前
    expect("330302006110", 2, 0, "revoke", 0); // 朔门: veto
    expect("330302006111", 0, 3, "new", 150_000); // 谢池
    expect("330302006115", 1, 0, "revoke", 0); // 城西街: score
    expect("330302026007", 1, 3, "upgrade", 100_000); // 来福门 1→3
    expect("330302029004", 4, 3, "downgrade", 0); // 双莲桥

    let shuomen = &outcomes["330302006110"];
    assert_eq!(shuomen.vetoed_by, ["TJ1.2"]);
    assert_eq!(shuomen.total, 90_500);
    assert_eq!(shuomen.basis["kind"], "revoked");
    assert_eq!(outcomes["330302006115"].vetoed_by, Vec::<String>::new());
    assert_eq!(outcomes["330302006045"].basis["kind"], "new_tier");
    assert_eq!(outcomes["330302006097"].basis["kind"], "first_naming");
    assert_eq!(outcomes["330302006108"].basis["kind"], "kept");
    assert_eq!(
        outcomes["330302026007"].basis["steps"],
        serde_json::json!([[1, 2], [2, 3]])
    );

    // The approving level is that of the higher of last year's and this year's star.
    let raw = round["outcomes"].as_array().unwrap();
    let by_code = |code: &str| raw.iter().find(|o| o["code"] == code).unwrap();
    assert_eq!(by_code("330302029004")["approval"]["level"], "city"); // was 4★
    assert_eq!(by_code("330302006110")["approval"]["level"], "district");
    assert_eq!(
        by_code("330302006045")["next_star"],
        serde_json::json!([5, 53.5])
    );
    assert_eq!(
        by_code("330302006045")["street"],
        serde_json::json!({ "code": "330302006000", "name": "五马街道" })
    );

    // Roll-ups.
    assert_eq!(round["streets"].as_array().unwrap().len(), 3);
    assert_eq!(round["districts"].as_array().unwrap().len(), 1);
    let overall = &round["overall"];
    assert_eq!(overall["kind"], "all");
    assert_eq!(overall["communities"], 22);
    assert_eq!(overall["by_star"], serde_json::json!([5, 3, 5, 5, 2, 2]));
    assert_eq!(
        overall["decisions"],
        serde_json::json!({
            "new": 4, "keep": 6, "upgrade": 5, "downgrade": 2, "revoke": 2, "not_rated": 3
        })
    );
    assert_eq!(int(&overall["reward_total"]), 105_000_000);
    let target3 = overall["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["min_stars"] == 3)
        .unwrap();
    assert_eq!(target3["count"], 9);
    assert_eq!(target3["of"], 22);
    assert_eq!(target3["met"], false);
    assert_eq!(target3["short_by"], 13);
    assert_eq!(target3["by_year"], 2015);
    let wuma = round["streets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["unit"]["name"] == "五马街道")
        .unwrap();
    assert_eq!(wuma["kind"], "street");
    assert_eq!(wuma["communities"], 14);
    assert_eq!(int(&wuma["reward_total"]), 90_000_000);
}

#[test]
fn rate_json_splits_rewards_by_level_to_the_fen() {
    let round = rate_json(ROUND_CSV);
    let mut rewarded = 0;
    for o in round["outcomes"].as_array().unwrap() {
        let amount = int(&o["reward"]["amount"]);
        let split = o["reward"]["split"].as_array().unwrap();
        let total: i64 = split.iter().map(|p| int(&p["amount"])).sum();
        assert_eq!(total, amount, "split of {} adds up", o["code"]);
        if amount == 0 {
            assert!(split.is_empty());
            continue;
        }
        rewarded += 1;
        let levels: Vec<&str> = split.iter().map(|p| text(&p["level"])).collect();
        let expected = match int(&o["star"]) {
            1..=3 => ["district", "street"],
            4 | 5 => ["city", "district"],
            star => panic!("a reward for {star} stars"),
        };
        assert_eq!(levels, expected, "{}", o["code"]);
        for part in split {
            assert_eq!(2 * int(&part["amount"]), amount, "50/50 for {}", o["code"]);
        }
    }
    assert_eq!(rewarded, 9);

    // Each unit's reward_by_level adds up to its reward_total.
    let units = round["streets"]
        .as_array()
        .unwrap()
        .iter()
        .chain(round["districts"].as_array().unwrap())
        .chain([&round["overall"]]);
    for unit in units {
        let parts: i64 = unit["reward_by_level"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| int(&p["amount"]))
            .sum();
        assert_eq!(parts, int(&unit["reward_total"]), "{}", unit["unit"]);
    }
    let overall: BTreeMap<&str, i64> = round["overall"]["reward_by_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (text(&p["level"]), int(&p["amount"])))
        .collect();
    assert_eq!(
        overall,
        BTreeMap::from([
            ("street", 27_500_000),
            ("district", 52_500_000),
            ("city", 25_000_000)
        ])
    );
}

/// Every number in the document is an integer or has at most two decimals; money is integer fen.
fn check_numbers(value: &Value, key: &str) {
    match value {
        Value::Number(n) => {
            hundredths(value);
            if key == "amount" || key == "reward_total" {
                assert!(n.is_i64() || n.is_u64(), "{key} = {n} is not integer fen");
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_numbers(v, key)),
        Value::Object(map) => map.iter().for_each(|(k, v)| check_numbers(v, k)),
        _ => {}
    }
}

#[test]
fn json_numbers_have_at_most_two_decimals_and_money_is_fen() {
    check_numbers(&rate_json(ROUND_CSV), "");
    for input in [WUMA, VETOED] {
        let out = xingfu(&[
            "score",
            "-s",
            "lucheng-2012",
            "-i",
            input,
            "--format",
            "json",
        ]);
        expect_code(&out, 0);
        check_numbers(&json(&out), "");
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn cell_number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn rate_writes_a_workbook_calamine_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("round.xlsx");
    let shown = path.display().to_string();
    let out = xingfu(&[
        "rate",
        "-s",
        "lucheng-2012",
        "-i",
        ROUND_CSV,
        "--xlsx",
        &shown,
    ]);
    expect_code(&out, 0);
    assert!(stderr(&out).contains(&shown), "{}", stderr(&out));

    let mut workbook = open_workbook_auto(&path).expect("calamine opens the workbook");
    let sheets = workbook.sheet_names();
    assert_eq!(sheets[0], "社区结果", "{sheets:?}");
    assert!(sheets.len() >= 4, "{sheets:?}");
    let range = workbook.worksheet_range(&sheets[0]).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 23, "a header and 22 communities");
    let header: Vec<String> = rows[0].iter().map(cell_text).collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    let (code, star, decision, reward) = (
        column("社区编码"),
        column("评定星级"),
        column("复评结论"),
        column("奖励（元）"),
    );
    let expected = decided(&rate_json(ROUND_CSV));
    for row in &rows[1..] {
        let c = cell_text(&row[code]);
        let want = &expected[&c];
        assert_eq!(cell_number(&row[star]) as i64, want.star, "{c}");
        assert_eq!(
            (cell_number(&row[reward]) * 100.0).round() as i64,
            want.reward,
            "{c}"
        );
        let label = cell_text(&row[decision]);
        let wanted = match want.decision.as_str() {
            "new" => "新评",
            "keep" => "保留",
            "upgrade" => "升星",
            "downgrade" => "降星",
            "revoke" => "撤销",
            _ => "未评星",
        };
        assert_eq!(label, wanted, "{c}");
    }
}

#[test]
fn rate_workbook_in_english_has_english_sheet_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("round-en.xlsx");
    let shown = path.display().to_string();
    let out = xingfu(&[
        "--lang",
        "en",
        "rate",
        "-s",
        "lucheng-2012",
        "-i",
        ROUND_DIR,
        "--xlsx",
        &shown,
    ]);
    expect_code(&out, 0);
    let workbook = open_workbook_auto(&path).expect("calamine opens the workbook");
    assert_eq!(workbook.sheet_names()[0], "Communities");
}

#[test]
fn lang_en_switches_messages_to_english() {
    let out = xingfu(&["--lang", "en", "score", "-s", "lucheng-2012", "-i", WUMA]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Total: 846.5 / 1000"), "{text}");
    assert!(text.contains("Star: ★★★★☆ 4 star"), "{text}");
    assert!(text.contains("Veto: none"), "{text}");
    assert!(
        text.contains("To reach 5 stars (900 points): 53.5 points short."),
        "{text}"
    );
    assert!(!text.contains("总分") && !text.contains("星级"), "{text}");

    let out = xingfu(&[
        "--lang",
        "en",
        "rate",
        "-s",
        "lucheng-2012",
        "-i",
        ROUND_CSV,
    ]);
    expect_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("upgrade") && text.contains("revoke"),
        "{text}"
    );
    assert!(text.contains("Overall:"), "{text}");
    assert!(!text.contains("升星") && !text.contains("撤销"), "{text}");

    // The environment variable does the same as --lang.
    let out = Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(["score", "-s", "lucheng-2012", "-i", WUMA])
        .current_dir(root())
        .env("XINGFU_LANG", "en")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("Total: 846.5 / 1000"));
}

#[test]
fn a_csv_with_an_unknown_column_is_rejected_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "round.csv",
        "社区编码,社区名称,备注,ZZ1.1\n330302006045,墨池社区,复查,15\n",
    );
    let out = xingfu(&["rate", "-s", "lucheng-2012", "-i", &csv]);
    expect_code(&out, 2);
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains(&format!("{csv}:1: [备注]")), "{err}");
    assert!(err.contains("第 3 列"), "{err}");

    let out = xingfu(&["--lang", "en", "rate", "-s", "lucheng-2012", "-i", &csv]);
    expect_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("column 3 header \"备注\" is neither a known column nor a clause id"),
        "{err}"
    );
}

#[test]
fn rate_accepts_english_headers_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "round.csv",
        "code,name,previous_star,ZZ1.1,ZG1.1,ZZ2.1,TJ1.1\n\
         330302006045,墨池社区,3,15,120,是,否\n\
         330302006044,鼓楼社区,4,15,90,7,否\n\
         330302006071,八仙楼社区,2,15,90,是,否\n\
         330302006073,百里坊社区,x,15,90,是,否\n",
    );
    let out = xingfu(&["rate", "-s", "lucheng-2012", "-i", &csv, "--format", "json"]);
    // Some entries could not be rated: the round still reports the others, and exits 1.
    expect_code(&out, 1);
    let round = json(&out);
    let rated: Vec<&str> = round["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| text(&o["code"]))
        .collect();
    assert_eq!(rated, ["330302006071"]);
    let rejected: BTreeMap<&str, &str> = round["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (text(&r["code"]), text(&r["errors"][0]["clause"])))
        .collect();
    assert_eq!(
        rejected,
        BTreeMap::from([("330302006044", "ZZ2.1"), ("330302006045", "ZG1.1")])
    );
    let problems = round["input_problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["line"], 5);
    assert!(text(&problems[0]["en"]).contains("previous star"));
}

// ------------------------------------------------------------------ bench

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

/// Small round sheets that declare or inflate to huge ones are refused before they are
/// allocated, naming the limit and the cell; .ods and .xls are refused naming what is read.
#[test]
fn a_round_sheet_past_the_reader_limits_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = ROUND_SHEET_LIMITS.part_bytes + 1;
    let cases = [
        (
            "far.xlsx",
            far_cell_xlsx("Sheet1", &["code", "name"]),
            "第 1048576 行超出上限 25000 行\u{ff08}单元格 XFD1048576\u{ff09}",
            "row 1048576 is past the limit of 25000 rows (cell XFD1048576)",
        ),
        (
            "rows.xlsx",
            many_rows_xlsx("Sheet1", 500_000),
            "第 25001 行超出上限 25000 行\u{ff08}单元格 A25001\u{ff09}",
            "row 25001 is past the limit of 25000 rows (cell A25001)",
        ),
        (
            "bomb.xlsx",
            inflating_xlsx("Sheet1", bomb, bomb),
            "文件中的部件 xl/media/padding.bin 解压后超过 128 MB 的上限",
            "the part xl/media/padding.bin inflates to more than the 128 MiB limit",
        ),
        (
            "round.ods",
            b"PK\x03\x04".to_vec(),
            "不读取 .ods 文件",
            "accepted are a directory, .csv, .xlsx, .xlsm, .toml and .json",
        ),
    ];
    for (name, bytes, zh, en) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let path = path.display().to_string();
        let out = xingfu(&["rate", "-s", "lucheng-2012", "-i", &path]);
        expect_code(&out, 2);
        assert!(stdout(&out).is_empty(), "{name}");
        let err = stderr(&out);
        assert!(err.contains(zh), "{name}: {err}");
        assert!(err.len() < 1024, "{name}: {err}");
        let out = xingfu(&["--lang", "en", "rate", "-s", "lucheng-2012", "-i", &path]);
        expect_code(&out, 2);
        assert!(stderr(&out).contains(en), "{name}: {}", stderr(&out));
    }
}

/// A sheet with a problem on each of 300 rows: the first 200 listed, the rest counted, in the
/// table and in the JSON.
#[test]
fn rate_lists_the_first_input_problems_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("社区编码,社区名称\n");
    for i in 0..300 {
        text.push_str(&format!(",社区{i}\n"));
    }
    let csv = write(dir.path(), "round.csv", &text);
    let out = xingfu(&["rate", "-s", "lucheng-2012", "-i", &csv]);
    expect_code(&out, 1);
    let table = stdout(&out);
    assert!(table.contains("无法读取的输入 (300)"), "{table}");
    assert_eq!(table.matches("社区编码为空").count(), 200);
    assert!(table.contains("还有 100 个问题未列出"), "{table}");

    let out = xingfu(&["rate", "-s", "lucheng-2012", "-i", &csv, "--format", "json"]);
    expect_code(&out, 1);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["input_problems"].as_array().unwrap().len(), 200);
    assert_eq!(json["input_problems_unlisted"], 100);
}
