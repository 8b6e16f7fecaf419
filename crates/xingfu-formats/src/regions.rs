//! Administrative division lists (统计用区划代码) in CSV or JSON, read into regions with
//! 12-digit codes, their level and their parent. Every bad line is reported; nothing is guessed.
//!
//! Accepted CSV layouts, told apart by the header:
//! - `code,name,level,parent[,urban_rural]` (Xingfu's own, as `data/regions/wenzhou.csv`);
//! - the `china-division` files: `code,name` (provinces), `code,name,provinceCode` (cities),
//!   `code,name,cityCode,…` (districts), `code,name,areaCode,…` (streets),
//!   `code,name,streetCode,…` (communities and villages).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::problem::FileProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    District,
    Street,
    Community,
}

impl RegionLevel {
    pub fn key(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
            RegionLevel::Street => "street",
            RegionLevel::Community => "community",
        }
    }

    pub fn parse(text: &str) -> Option<RegionLevel> {
        Some(match text.trim() {
            "province" | "省" => RegionLevel::Province,
            "city" | "市" => RegionLevel::City,
            "district" | "county" | "区县" => RegionLevel::District,
            "street" | "town" | "街道乡镇" => RegionLevel::Street,
            "community" | "village" | "社区村" => RegionLevel::Community,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::District => "区县",
            RegionLevel::Street => "街道乡镇",
            RegionLevel::Community => "社区村",
        }
    }

    /// Significant digits of a code at this level.
    fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::District => 6,
            RegionLevel::Street => 9,
            RegionLevel::Community => 12,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<String>,
    #[serde(default)]
    pub urban_rural: Option<String>,
}

fn pad(code: &str) -> String {
    format!("{code:0<12}")
}

/// The parent's 12-digit code derived from a code at `level`.
fn derived_parent(code: &str, level: RegionLevel) -> Option<String> {
    let digits = match level {
        RegionLevel::Province => return None,
        RegionLevel::City => 2,
        RegionLevel::District => 4,
        RegionLevel::Street => 6,
        RegionLevel::Community => 9,
    };
    Some(pad(&code[..digits]))
}

enum Layout {
    Own,
    Divisions(RegionLevel),
}

fn layout(header: &[String]) -> Option<Layout> {
    let h: Vec<&str> = header.iter().map(|s| s.trim()).collect();
    if h.len() >= 4 && h[..4] == ["code", "name", "level", "parent"] {
        return Some(Layout::Own);
    }
    if h.len() < 2 || h[0] != "code" || h[1] != "name" {
        return None;
    }
    Some(Layout::Divisions(match h.get(2).copied() {
        None => RegionLevel::Province,
        Some("provinceCode") => RegionLevel::City,
        Some("cityCode") => RegionLevel::District,
        Some("areaCode") => RegionLevel::Street,
        Some("streetCode") => RegionLevel::Community,
        Some(_) => return None,
    }))
}

/// Reads a division list in CSV. `file` names it in messages.
pub fn read_regions_csv(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let problem = |line: usize, id: Option<&str>, zh: String, en: String| {
        FileProblem::new(file, Some(line), id.map(str::to_string), zh, en)
    };
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        _ => {
            return Err(vec![problem(
                1,
                None,
                "文件是空的".into(),
                "the file is empty".into(),
            )]);
        }
    };
    let Some(layout) = layout(&header) else {
        return Err(vec![problem(
            1,
            None,
            format!(
                "无法识别的表头 {:?}:应为 code,name,level,parent 或 china-division 的格式",
                header.join(",")
            ),
            format!(
                "unrecognised header {:?}: expected code,name,level,parent or a china-division file",
                header.join(",")
            ),
        )]);
    };
    let mut regions = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in records.enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(
                    line,
                    None,
                    format!("CSV 格式错误:{e}"),
                    format!("malformed CSV: {e}"),
                ));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let raw_code = field(0);
        let (level, parent, urban_rural) = match &layout {
            Layout::Own => {
                let Some(level) = RegionLevel::parse(&field(2)) else {
                    problems.push(problem(
                        line,
                        Some(&raw_code),
                        format!("未知的层级 {:?}(可用:province, city, district, street, community)", field(2)),
                        format!("unknown level {:?} (use province, city, district, street or community)", field(2)),
                    ));
                    continue;
                };
                let parent = Some(field(3)).filter(|p| !p.is_empty()).map(|p| pad(&p));
                let urban = Some(field(4)).filter(|u| !u.is_empty());
                (level, parent, urban)
            }
            Layout::Divisions(level) => {
                let parent = Some(field(2)).filter(|p| !p.is_empty()).map(|p| pad(&p));
                (*level, parent, None)
            }
        };
        if !raw_code.chars().all(|c| c.is_ascii_digit())
            || raw_code.is_empty()
            || raw_code.len() > 12
        {
            problems.push(problem(
                line,
                Some(&raw_code),
                format!("区划代码 {raw_code:?} 应为最多 12 位数字"),
                format!("division code {raw_code:?} must be up to 12 digits"),
            ));
            continue;
        }
        if raw_code.len() < level.digits() && raw_code.len() != 12 {
            problems.push(problem(
                line,
                Some(&raw_code),
                format!("区划代码 {raw_code} 位数不足以表示{}", level.zh()),
                format!(
                    "division code {raw_code} is too short for a {}",
                    level.key()
                ),
            ));
            continue;
        }
        let name = field(1);
        if name.is_empty() {
            problems.push(problem(
                line,
                Some(&raw_code),
                "名称为空".into(),
                "the name is empty".into(),
            ));
            continue;
        }
        let code = pad(&raw_code);
        let parent = parent.or_else(|| derived_parent(&code, level));
        regions.push((
            line,
            Region {
                code,
                name,
                level,
                parent,
                urban_rural,
            },
        ));
    }
    finish(file, regions, problems)
}

/// Reads a division list in JSON: an array of `{ code, name, level, parent?, urban_rural? }`.
pub fn read_regions_json(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    let parsed: Vec<Region> = serde_json::from_str(text).map_err(|e| {
        vec![FileProblem::new(
            file,
            Some(e.line()),
            None,
            format!("无法读取 JSON:{e}"),
            format!("cannot read JSON: {e}"),
        )]
    })?;
    let mut problems = Vec::new();
    let mut regions = Vec::new();
    for (index, mut region) in parsed.into_iter().enumerate() {
        if region.code.is_empty()
            || region.code.len() > 12
            || !region.code.chars().all(|c| c.is_ascii_digit())
        {
            problems.push(FileProblem::new(
                file,
                None,
                Some(format!("[{index}]")),
                format!("区划代码 {:?} 应为最多 12 位数字", region.code),
                format!("division code {:?} must be up to 12 digits", region.code),
            ));
            continue;
        }
        region.code = pad(&region.code);
        region.parent = region
            .parent
            .map(|p| pad(&p))
            .or_else(|| derived_parent(&region.code, region.level));
        regions.push((index + 1, region));
    }
    finish(file, regions, problems)
}

/// Checks duplicates and parents across the whole list.
fn finish(
    file: &str,
    regions: Vec<(usize, Region)>,
    mut problems: Vec<FileProblem>,
) -> Result<Vec<Region>, Vec<FileProblem>> {
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for (line, region) in &regions {
        if let Some(first) = first_line.get(region.code.as_str()) {
            problems.push(FileProblem::new(
                file,
                Some(*line),
                Some(region.code.clone()),
                format!("区划代码 {} 重复(第 {first} 行已有)", region.code),
                format!(
                    "division code {} appears twice (first on line {first})",
                    region.code
                ),
            ));
        } else {
            first_line.insert(&region.code, *line);
        }
    }
    for (line, region) in &regions {
        let Some(parent) = &region.parent else {
            continue;
        };
        let inside = first_line.contains_key(parent.as_str());
        let prefix_ok = region.code.starts_with(parent.trim_end_matches('0'));
        if !prefix_ok {
            problems.push(FileProblem::new(
                file,
                Some(*line),
                Some(region.code.clone()),
                format!("上级代码 {parent} 与本级代码 {} 不相符", region.code),
                format!("parent {parent} does not contain code {}", region.code),
            ));
        } else if !inside && region.level == RegionLevel::Community {
            // A community's street must be in the same list, or it could not be placed.
            problems.push(FileProblem::new(
                file,
                Some(*line),
                Some(region.code.clone()),
                format!("上级街道 {parent} 不在本文件中"),
                format!("its street {parent} is not in this file"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(regions.into_iter().map(|(_, r)| r).collect())
    } else {
        problems.sort_by_key(|p| p.line.unwrap_or(0));
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_own_layout_and_pads_codes() {
        let text = "\u{feff}code,name,level,parent,urban_rural\n330302,鹿城区,district,3303,\n330302006,五马街道,street,330302,\n330302006044,鼓楼社区,community,330302006,111\n";
        let regions = read_regions_csv("t.csv", text).unwrap();
        assert_eq!(regions[0].code, "330302000000");
        assert_eq!(regions[0].parent.as_deref(), Some("330300000000"));
        assert_eq!(regions[2].urban_rural.as_deref(), Some("111"));
        assert_eq!(regions[2].level, RegionLevel::Community);
    }

    #[test]
    fn reads_china_division_files() {
        let streets =
            "code,name,areaCode,provinceCode,cityCode\n330302006,\"五马街道\",330302,33,3303\n";
        let regions = read_regions_csv("streets.csv", streets).unwrap();
        assert_eq!(regions[0].code, "330302006000");
        assert_eq!(regions[0].level, RegionLevel::Street);
        assert_eq!(regions[0].parent.as_deref(), Some("330302000000"));
        let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n330302006044,\"鼓楼社区\",330302006,33,3303,330302\n";
        let problems = read_regions_csv("villages.csv", villages).unwrap_err();
        assert!(
            problems[0].zh.contains("不在本文件中"),
            "a community needs its street in the list"
        );
    }

    #[test]
    fn every_bad_line_is_reported() {
        let text = "code,name,level,parent\n33030x,坏,district,3303\n330302,,district,3303\n330302,鹿城区,county,3303\n330302,鹿城区,district,3303\n330303001,x,planet,330303\n330399001,错街道,street,330302\n";
        let problems = read_regions_csv("t.csv", text).unwrap_err();
        let lines: Vec<usize> = problems.iter().filter_map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 5, 6, 7]);
        assert!(problems.iter().any(|p| p.zh.contains("重复")));
        assert!(problems.iter().any(|p| p.en.contains("unknown level")));
        assert!(problems.iter().any(|p| p.en.contains("does not contain")));
    }

    #[test]
    fn unknown_headers_and_empty_files_are_refused() {
        assert!(read_regions_csv("t.csv", "").is_err());
        let problems = read_regions_csv("t.csv", "id,label\n1,x\n").unwrap_err();
        assert!(problems[0].en.contains("unrecognised header"));
    }

    #[test]
    fn reads_json() {
        let text = r#"[{"code":"330302","name":"鹿城区","level":"district"},{"code":"330302006","name":"五马街道","level":"street"}]"#;
        let regions = read_regions_json("t.json", text).unwrap();
        assert_eq!(regions[1].parent.as_deref(), Some("330302000000"));
        assert!(read_regions_json("t.json", "{").is_err());
    }
}
