//! `xingfu standard check`: shipped standards pass, and every problem of a broken one is named.

use super::*;

const SHIPPED: [&str; 5] = [
    "lucheng-2012",
    "weihai-jzxf-2022",
    "weihai-lingang-2020",
    "fengze-centre",
    "weibin-four-types",
];

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
