//! Division lists in JSON, every problem on the line where its entry starts.

use serde_json::Value;

use super::check::{RawRow, check_row, finish};
use super::{Divisions, RegionLevel};
use crate::problem::FileProblem;
/// The 1-based line on which each element of a top-level JSON array starts. `text` must be valid
/// JSON whose top level is an array.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1, 0usize);
    let (mut in_string, mut escaped, mut expecting) = (false, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        if depth == 1 && expecting && !matches!(c, ']' | ',') {
            lines.push(line);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

const JSON_FIELDS: [&str; 5] = ["code", "name", "level", "parent", "urban_rural"];

/// Reads a division list in JSON: an array of objects
/// `{"code", "name", "level", "parent", "urban_rural"}` (codes as strings; `parent` null or absent
/// for a province, `urban_rural` optional), checked as the CSV is. Problems carry the line on
/// which their object starts.
pub fn read_divisions_json(file: &str, text: &str) -> Result<Divisions, Vec<FileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![FileProblem::new(
            file,
            Some(e.line()).filter(|&l| l > 0),
            None,
            format!("无法读取 JSON:{e}"),
            format!("cannot read the JSON: {e}"),
        )]
    })?;
    let Value::Array(items) = value else {
        return Err(vec![FileProblem::new(
            file,
            Some(1),
            None,
            "JSON 的顶层应为数组，每个区划一个对象".into(),
            "the JSON must be an array, one object per division".into(),
        )]);
    };
    let lines = element_lines(text);
    let mut regions = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let line = lines.get(index).copied();
        let number = index + 1;
        let Value::Object(object) = item else {
            problems.push(FileProblem::new(
                file,
                line,
                None,
                format!("第 {number} 项不是对象"),
                format!("entry {number} is not an object"),
            ));
            continue;
        };
        let id = object
            .get("code")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let problem = |zh: String, en: String| FileProblem::new(file, line, id.clone(), zh, en);
        let mut bad = false;
        for key in object.keys() {
            if !JSON_FIELDS.contains(&key.as_str()) {
                problems.push(problem(
                    format!(
                        "第 {number} 项有未知字段 {key:?}（可用：{}）",
                        JSON_FIELDS.join("、")
                    ),
                    format!(
                        "entry {number} has an unknown field {key:?} (use {})",
                        JSON_FIELDS.join(", ")
                    ),
                ));
                bad = true;
            }
        }
        // The text fields, `None` when absent or null; a field of another type is reported.
        let mut fields: [Option<&str>; 5] = [None; 5];
        let mut mistyped = [false; 5];
        for (index, key) in JSON_FIELDS.iter().enumerate() {
            match object.get(*key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => fields[index] = Some(s.as_str()),
                Some(other) => {
                    problems.push(problem(
                        format!("第 {number} 项的 {key} 应为字符串，此处为 {other}"),
                        format!("entry {number}: {key} must be a string, not {other}"),
                    ));
                    mistyped[index] = true;
                }
            }
        }
        if mistyped[0] || mistyped[2] {
            // Without its code or its level the entry cannot be checked further.
            continue;
        }
        let [code, name, level_text, parent, urban_rural] = fields;
        bad |= mistyped.contains(&true);
        let level = match level_text {
            None => {
                problems.push(problem(
                    format!("第 {number} 项缺少 level"),
                    format!("entry {number} has no level"),
                ));
                None
            }
            Some(l) => {
                let level = RegionLevel::parse(l);
                if level.is_none() {
                    problems.push(problem(
                        format!(
                            "未知的层级 {l:?}（可用：province、city、district、street、community）"
                        ),
                        format!(
                            "unknown level {l:?} (use province, city, district, street or community)"
                        ),
                    ));
                }
                level
            }
        };
        let Some(level) = level else { continue };
        let (region, found) = check_row(
            file,
            &mut skipped,
            &RawRow {
                line,
                code: code.unwrap_or(""),
                name: name.unwrap_or(""),
                level,
                parent,
                urban_rural,
                exact_length: false,
                ancestors: Vec::new(),
            },
        );
        problems.extend(found);
        if let Some(region) = region
            && !bad
        {
            regions.push((line, region));
        }
    }
    let regions = finish(file, regions, problems)?;
    Ok(Divisions { regions, skipped })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::read_regions_json;
    use super::*;

    #[test]
    fn reads_json_and_round_trips_what_it_reads() {
        let text = r#"[
  {"code": "330000000000", "name": "浙江省", "level": "province", "parent": null},
  {"code": "3303", "name": "温州市", "level": "city", "parent": "33"},
  {"code": "330302006044", "name": "鼓楼社区", "level": "社区村", "parent": "330302006000",
   "urban_rural": "111"}
]"#;
        let regions = read_regions_json("t.json", text).unwrap();
        assert_eq!(regions.len(), 3);
        assert_eq!(regions[1].code, "330300000000");
        assert_eq!(regions[1].parent.as_deref(), Some("330000000000"));
        assert_eq!(regions[2].level, RegionLevel::Community);
        assert_eq!(regions[2].urban_rural.as_deref(), Some("111"));
        let written = serde_json::to_string(&regions).unwrap();
        assert_eq!(read_regions_json("t.json", &written).unwrap(), regions);
        assert_eq!(read_regions_json("t.json", "\u{feff}[]").unwrap(), []);
    }

    #[test]
    fn json_that_cannot_be_read_is_reported_with_its_line() {
        let problems = read_regions_json("t.json", "[\n{\"code\": }\n]").unwrap_err();
        assert!(only(&problems, 2).en.contains("cannot read the JSON"));
        let problems = read_regions_json("t.json", "{\"code\": \"33\"}").unwrap_err();
        assert!(only(&problems, 1).en.contains("must be an array"));
        let problems = read_regions_json("t.json", "").unwrap_err();
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn bad_json_entries_are_reported_on_the_line_they_start() {
        let text = r#"[
  "330302",
  {"code": "330302", "name": "鹿城区", "level": "district", "parent": "3303", "lvl": 1},
  {"code": 330303, "name": "龙湾区", "level": "district", "parent": "3303"},
  {"code": "330304", "name": "瓯海区", "parent": "3303"},
  {"code": "330305", "name": "洞头区", "level": "county", "parent": "3303"},
  {"code": "330324",
   "name": "", "level": "district", "parent": "3304"},
  {"code": "330326", "name": "平阳县", "level": "district", "parent": "3303"},
  {"code": "330326", "name": "平阳", "level": "district", "parent": "3303"}
]"#;
        let problems = read_regions_json("t.json", text).unwrap_err();
        let found: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.en.as_str())).collect();
        let expect = [
            (2, "entry 1 is not an object"),
            (3, "unknown field \"lvl\""),
            (4, "code must be a string, not 330303"),
            (5, "entry 4 has no level"),
            (6, "unknown level \"county\""),
            (7, "the name is empty"),
            (7, "it should be 330300000000"),
            (10, "on line 9 and on line 10"),
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for ((line, message), (want_line, want)) in found.iter().zip(expect) {
            assert_eq!(*line, Some(want_line), "{message}");
            assert!(message.contains(want), "{message} lacks {want}");
        }
    }

    #[test]
    fn element_lines_skip_strings_and_nested_values() {
        let text = "[ {\"a\": \"[,{\\\"\"},\n  [1, 2],\n\n 3 , \"x,\"\n]";
        assert_eq!(element_lines(text), [1, 2, 4, 4]);
        assert_eq!(element_lines("[]"), Vec::<usize>::new());
    }
}
