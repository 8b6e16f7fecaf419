//! `xingfu rate`: the same results from every input form, as a table, JSON and a workbook, in
//! either language.

use super::*;

const ROUND_CSV: &str = "examples/lucheng/round-2013.csv";
const ROUND_XLSX: &str = "examples/lucheng/round-2013.xlsx";
const ROUND_DIR: &str = "examples/lucheng/round-2013";

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
