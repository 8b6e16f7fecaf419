//! The checks on each row (code, name, parent, urban-rural class) and across rows.

use std::collections::HashMap;

use super::{Region, RegionLevel};
use crate::problem::FileProblem;
/// The urban-rural class codes (城乡分类代码) of the statistical division codes.
const URBAN_RURAL: [&str; 7] = ["111", "112", "121", "122", "123", "210", "220"];

fn pad(code: &str) -> String {
    format!("{code:0<12}")
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// One row as read, before any check.
pub(super) struct RawRow<'a> {
    pub(super) line: Option<usize>,
    pub(super) code: &'a str,
    pub(super) name: &'a str,
    pub(super) level: RegionLevel,
    pub(super) parent: Option<&'a str>,
    pub(super) urban_rural: Option<&'a str>,
    /// `china-division` files: the code has exactly its level's digits.
    pub(super) exact_length: bool,
    /// `china-division` files: the ancestor columns, with their digits.
    pub(super) ancestors: Vec<(&'a str, &'a str, usize)>,
}

/// Checks one row; the region when it is sound, and every problem found.
pub(super) fn check_row(
    file: &str,
    skipped: &mut Vec<FileProblem>,
    row: &RawRow,
) -> (Option<Region>, Vec<FileProblem>) {
    let raw = row.code;
    let level = row.level;
    let problem = |zh: String, en: String| {
        let id = (!raw.is_empty()).then(|| raw.to_string());
        FileProblem::new(file, row.line, id, zh, en)
    };
    let mut problems = Vec::new();
    let d = level.digits();

    // The code, padded; `None` when it cannot be used.
    let code = if raw.is_empty() {
        problems.push(problem(
            "缺少区划代码".into(),
            "the division code is missing".into(),
        ));
        None
    } else if !is_digits(raw) {
        problems.push(problem(
            format!("区划代码 {raw:?} 只能由数字组成"),
            format!("division code {raw:?} must be digits only"),
        ));
        None
    } else if row.exact_length && raw.len() != d {
        problems.push(problem(
            format!(
                "区划代码 {raw} 有 {} 位，{}级应为 {d} 位",
                raw.len(),
                level.zh()
            ),
            format!(
                "division code {raw} has {} digits; a {} has {d}",
                raw.len(),
                level.key()
            ),
        ));
        None
    } else if raw.len() != d && raw.len() != 12 {
        problems.push(problem(
            format!(
                "区划代码 {raw} 有 {} 位，应为 12 位（或{}级的 {d} 位）",
                raw.len(),
                level.zh()
            ),
            format!(
                "division code {raw} has {} digits; it must have 12 (or the {d} of a {})",
                raw.len(),
                level.key()
            ),
        ));
        None
    } else {
        let code = pad(raw);
        let start = level.above().map_or(0, RegionLevel::digits);
        if code.bytes().skip(d).any(|b| b != b'0') {
            problems.push(problem(
                format!("区划代码 {code} 不是{}级代码：第 {d} 位之后应全为 0", level.zh()),
                format!(
                    "division code {code} is not a {} code: the digits after the first {d} must be 0",
                    level.key()
                ),
            ));
            None
        } else if code.as_bytes()[start..d].iter().all(|&b| b == b'0')
            && row.exact_length
            && row.parent.map(|p| pad(p.trim())).as_deref() == Some(code.as_str())
        {
            // The statistical tables list a 不设区的地级市 (东莞, 中山, 儋州) once more at the
            // district level, and 金门县 once more at the street level, under their own code:
            // the row is the parent itself, and its children attach to the parent.
            skipped.push(problem(
                format!(
                    "{}（{raw}）在{}级重复列出了上级本身（代码相同），已跳过；其下级直接隶属于 {code}",
                    row.name.trim(),
                    level.zh()
                ),
                format!(
                    "{} ({raw}) lists its parent again at the {} level (same code) and was skipped; its children belong to {code} directly",
                    row.name.trim(),
                    level.key()
                ),
            ));
            return (None, Vec::new());
        } else if code.as_bytes()[start..d].iter().all(|&b| b == b'0') {
            let (padded_zh, padded_en) = if raw.len() == 12 {
                (":".to_string(), ":".to_string())
            } else {
                (
                    format!(" 补足 12 位后为 {code},"),
                    format!(" pads to {code}:"),
                )
            };
            problems.push(problem(
                format!(
                    "区划代码 {raw}{padded_zh}{}级的第 {}–{d} 位全为 0，与上级代码无法区分",
                    level.zh(),
                    start + 1
                ),
                format!(
                    "division code {raw}{padded_en} digits {}–{d}, the {}'s own, are all 0, so it cannot be told from its parent",
                    start + 1,
                    level.key()
                ),
            ));
            None
        } else {
            Some(code)
        }
    };

    let name = row.name.trim();
    if name.is_empty() {
        problems.push(problem("名称为空".into(), "the name is empty".into()));
    }

    // The parent: the code's own prefix at the level above.
    let parent_raw = row.parent.map(str::trim).filter(|p| !p.is_empty());
    let mut parent = None;
    match (level.above(), parent_raw) {
        (None, None) => {}
        (None, Some(p)) => problems.push(problem(
            format!("省级区划不应有上级（此处为 {p}）"),
            format!("a province has no parent (this row gives {p})"),
        )),
        (Some(above), given) => {
            let expected = code.as_deref().map(|c| pad(&c[..above.digits()]));
            match given {
                None => problems.push(problem(
                    match &expected {
                        Some(e) => format!("缺少上级代码（应为 {e}）"),
                        None => "缺少上级代码".into(),
                    },
                    match &expected {
                        Some(e) => format!("the parent code is missing (it should be {e})"),
                        None => "the parent code is missing".into(),
                    },
                )),
                Some(p) if !is_digits(p) || (p.len() != above.digits() && p.len() != 12) => {
                    problems.push(problem(
                        format!(
                            "上级代码 {p:?} 应为 12 位数字（或{}级的 {} 位）",
                            above.zh(),
                            above.digits()
                        ),
                        format!(
                            "parent code {p:?} must be 12 digits (or the {} of a {})",
                            above.digits(),
                            above.key()
                        ),
                    ))
                }
                Some(p) => {
                    let padded = pad(p);
                    match &expected {
                        Some(e) if *e != padded => problems.push(problem(
                            format!("上级代码 {padded} 与区划代码不符：应为 {e}"),
                            format!(
                                "parent code {padded} does not match the division code: it should be {e}"
                            ),
                        )),
                        _ => parent = Some(padded),
                    }
                }
            }
        }
    }
    if let Some(code) = &code {
        for &(column, value, digits) in &row.ancestors {
            let value = value.trim();
            if value != &code[..digits] {
                problems.push(problem(
                    format!("{column} 为 {value:?}，与区划代码不符：应为 {}", &code[..digits]),
                    format!(
                        "{column} is {value:?}, which does not match the division code: it should be {}",
                        &code[..digits]
                    ),
                ));
            }
        }
    }

    let urban_rural = row.urban_rural.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = urban_rural {
        if !URBAN_RURAL.contains(&u) {
            problems.push(problem(
                format!(
                    "未知的城乡分类代码 {u:?}（可用：{}）",
                    URBAN_RURAL.join("、")
                ),
                format!(
                    "unknown urban-rural class code {u:?} (use {})",
                    URBAN_RURAL.join(", ")
                ),
            ));
        } else if level != RegionLevel::Community {
            problems.push(problem(
                format!("城乡分类代码只属于社区村级，不属于{}级", level.zh()),
                format!(
                    "only communities and villages have an urban-rural class code, not a {}",
                    level.key()
                ),
            ));
        }
    }

    match code {
        Some(code) if problems.is_empty() => (
            Some(Region {
                code,
                name: name.to_string(),
                level,
                parent,
                urban_rural: urban_rural.map(str::to_string),
            }),
            problems,
        ),
        _ => (None, problems),
    }
}

/// The checks across rows: duplicate codes, and parents of the wrong level.
pub(super) fn finish(
    file: &str,
    regions: Vec<(Option<usize>, Region)>,
    mut problems: Vec<FileProblem>,
) -> Result<Vec<Region>, Vec<FileProblem>> {
    let where_ = |line: Option<usize>| match line {
        Some(l) => (format!("第 {l} 行"), format!("line {l}")),
        None => ("另一项".to_string(), "another entry".to_string()),
    };
    let mut first: HashMap<&str, (Option<usize>, RegionLevel)> = HashMap::new();
    for (line, region) in &regions {
        if let Some(&(first_line, _)) = first.get(region.code.as_str()) {
            let (then_zh, then_en) = where_(first_line);
            let (now_zh, now_en) = where_(*line);
            problems.push(FileProblem::new(
                file,
                *line,
                Some(region.code.clone()),
                format!("区划代码 {} 重复：{then_zh}和{now_zh}", region.code),
                format!(
                    "division code {} appears twice: on {then_en} and on {now_en}",
                    region.code
                ),
            ));
        } else {
            first.insert(&region.code, (*line, region.level));
        }
    }
    for (line, region) in &regions {
        let (Some(parent), Some(above)) = (&region.parent, region.level.above()) else {
            continue;
        };
        if let Some(&(parent_line, parent_level)) = first.get(parent.as_str())
            && parent_level != above
        {
            let (at_zh, at_en) = where_(parent_line);
            problems.push(FileProblem::new(
                file,
                *line,
                Some(region.code.clone()),
                format!(
                    "上级 {parent}（{at_zh}）是{}级，{}级的上级应是{}级",
                    parent_level.zh(),
                    region.level.zh(),
                    above.zh()
                ),
                format!(
                    "the parent {parent} ({at_en}) is a {}; a {}'s parent must be a {}",
                    parent_level.key(),
                    region.level.key(),
                    above.key()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(regions.into_iter().map(|(_, r)| r).collect())
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_divisions_csv, read_regions_csv};

    #[test]
    fn bad_codes_are_reported() {
        let cases = [
            ("33030x,坏,district,3303,", "digits only"),
            (",无代码,district,3303,", "missing"),
            ("３３０３０２,全角,district,3303,", "digits only"),
            ("33030,五位,district,3303,", "has 5 digits"),
            ("330302006,长,district,3303,", "has 9 digits"),
            (
                "330302006000,五马街道,district,3303,",
                "not a district code",
            ),
            (
                "330300000000,市级,district,3303,",
                "cannot be told from its parent",
            ),
            ("00,无,province,,", "cannot be told from its parent"),
        ];
        for (row, expect) in cases {
            let problems = csv_problems(&format!("{OWN}{row}\n"));
            let p = only(&problems, 2);
            assert!(p.en.contains(expect), "{row}: {p:?}");
        }
    }

    #[test]
    fn china_division_codes_must_have_their_level_s_length() {
        let problems = csv_problems(
            "code,name,areaCode,provinceCode,cityCode\n330302006000,\"五马街道\",330302,33,3303\n",
        );
        assert!(
            only(&problems, 2)
                .en
                .contains("has 12 digits; a street has 9")
        );
        // 东莞: the district 441900 pads to the city's code — the national table lists the city
        // again; it is skipped with a note, not refused (the same row in Xingfu's own layout is).
        let read = read_divisions_csv(
            "t.csv",
            "code,name,cityCode,provinceCode\n441900,\"东莞市\",4419,44\n",
        )
        .unwrap();
        assert!(read.regions.is_empty());
        assert_eq!(read.skipped.len(), 1);
        assert_eq!(read.skipped[0].line, Some(2));
    }

    #[test]
    fn an_empty_name_is_reported() {
        let problems = csv_problems(&format!("{OWN}330302,  ,district,3303,\n"));
        assert!(only(&problems, 2).en.contains("name is empty"));
        let problems = csv_problems("code,name\n33,\"\"\n");
        assert!(only(&problems, 2).zh.contains("名称为空"));
    }

    #[test]
    fn bad_parents_are_reported() {
        let cases = [
            ("33,浙江省,province,1,", "a province has no parent"),
            (
                "330302,鹿城区,district,,",
                "parent code is missing (it should be 330300000000)",
            ),
            (
                "330302,鹿城区,district,33x3,",
                "must be 12 digits (or the 4 of a city)",
            ),
            (
                "330302,鹿城区,district,330302,",
                "must be 12 digits (or the 4 of a city)",
            ),
            ("330302,鹿城区,district,3304,", "it should be 330300000000"),
            (
                "330302,鹿城区,district,330000000000,",
                "it should be 330300000000",
            ),
            (
                "330302011001,某社区,community,330302010000,",
                "it should be 330302011000",
            ),
        ];
        for (row, expect) in cases {
            let problems = csv_problems(&format!("{OWN}{row}\n"));
            let p = only(&problems, 2);
            assert!(p.en.contains(expect), "{row}: {p:?}");
        }
        // The parent column of a china-division file, and its other ancestor columns.
        let problems = csv_problems(
            "code,name,areaCode,provinceCode,cityCode\n330302006,\"五马街道\",330303,33,3303\n330302007,\"x街道\",330302,34,3303\n",
        );
        assert_eq!(problems.len(), 2);
        assert!(problems[0].en.contains("it should be 330302000000"));
        assert_eq!(problems[1].line, Some(3));
        assert!(problems[1].en.contains("provinceCode is \"34\""));
    }

    #[test]
    fn a_parent_outside_the_input_is_accepted_but_one_inside_must_be_the_level_above() {
        let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n330302006044,\"鼓楼社区\",330302006,33,3303,330302\n";
        assert_eq!(read_regions_csv("villages.csv", villages).unwrap().len(), 1);
        // 441900000000 is 东莞市, a city, so it cannot be the parent of a street.
        let text = format!("{OWN}4419,东莞市,city,44,\n441900003000,东城街道,street,441900,\n");
        let p = only(&csv_problems(&text), 3).clone();
        assert!(p.en.contains("is a city; a street's parent must be a district"));
        assert!(p.zh.contains("第 2 行"));
    }

    #[test]
    fn bad_urban_rural_codes_are_reported() {
        let problems = csv_problems(&format!(
            "{OWN}330302006044,鼓楼社区,community,330302006,999\n330302006,五马街道,street,330302,111\n"
        ));
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .en
                .contains("unknown urban-rural class code \"999\"")
        );
        assert!(problems[1].en.contains("not a street"));
    }

    #[test]
    fn duplicate_codes_name_both_lines() {
        let text = format!(
            "{OWN}3303,温州市,city,33,\n330302,鹿城区,district,3303,\n330300000000,温州,city,330000000000,\n"
        );
        let p = only(&csv_problems(&text), 4).clone();
        assert!(p.en.contains("on line 2 and on line 4"), "{p:?}");
        assert!(p.zh.contains("第 2 行和第 4 行"), "{p:?}");
        assert_eq!(p.id.as_deref(), Some("330300000000"));
    }
}
