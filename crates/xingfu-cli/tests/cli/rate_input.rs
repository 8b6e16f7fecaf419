//! `xingfu rate` refusing bad input: unknown columns, bad rows, sheets past the reader limits.

use super::*;

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
