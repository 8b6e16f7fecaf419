//! Division lists in CSV: Xingfu's own layout or a `china-division` file, told by the header.

use super::check::{RawRow, check_row, finish};
use super::{Divisions, RegionLevel};
use crate::problem::FileProblem;
/// The `china-division` columns that name an ancestor, and how many digits their codes have.
const ANCESTOR_COLUMNS: [(&str, usize); 4] = [
    ("provinceCode", 2),
    ("cityCode", 4),
    ("areaCode", 6),
    ("streetCode", 9),
];

/// A CSV layout, from its header.
enum Layout {
    /// `code,name,level,parent[,urban_rural]`.
    Own,
    /// A `china-division` file: its level, its parent column, and its ancestor columns
    /// (column index, name, digits).
    Division {
        level: RegionLevel,
        parent: Option<usize>,
        ancestors: Vec<(usize, &'static str, usize)>,
    },
}

fn layout(header: &[&str]) -> Option<Layout> {
    if header == ["code", "name", "level", "parent"]
        || header == ["code", "name", "level", "parent", "urban_rural"]
    {
        return Some(Layout::Own);
    }
    if header.len() < 2 || header[0] != "code" || header[1] != "name" {
        return None;
    }
    let mut ancestors = Vec::new();
    for (index, column) in header.iter().enumerate().skip(2) {
        let &(name, digits) = ANCESTOR_COLUMNS.iter().find(|(n, _)| n == column)?;
        if ancestors.iter().any(|&(_, n, _)| n == name) {
            return None;
        }
        ancestors.push((index, name, digits));
    }
    let deepest = ancestors
        .iter()
        .max_by_key(|&&(_, _, digits)| digits)
        .copied();
    let level = match deepest.map(|(_, _, digits)| digits) {
        None => RegionLevel::Province,
        Some(2) => RegionLevel::City,
        Some(4) => RegionLevel::District,
        Some(6) => RegionLevel::Street,
        _ => RegionLevel::Community,
    };
    // The deepest column is the parent, checked as such; the others are checked against the code.
    ancestors.retain(|&ancestor| Some(ancestor) != deepest);
    Some(Layout::Division {
        level,
        parent: deepest.map(|(index, _, _)| index),
        ancestors,
    })
}

/// As [`read_regions_csv`], with the skipped rows: in a `china-division` file, a row whose code,
/// padded, is its parent's own code (the national tables repeat 东莞市, 中山市 and 儋州市 at the
/// district level and 金门县 at the street level this way) is the parent listed again; it is
/// skipped and its children attach to the parent. In Xingfu's own layout such a row is an error.
///
/// [`read_regions_csv`]: super::read_regions_csv
pub fn read_divisions_csv(file: &str, text: &str) -> Result<Divisions, Vec<FileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(vec![FileProblem::new(
                file,
                None,
                None,
                "文件是空的，至少应有表头".into(),
                "the file is empty; it needs at least a header".into(),
            )]);
        }
        Some(Err(e)) => {
            let line = e.position().map(|p| p.line() as usize);
            return Err(vec![FileProblem::new(
                file,
                line,
                None,
                format!("无法读取表头：{e}"),
                format!("cannot read the header: {e}"),
            )]);
        }
        Some(Ok(record)) => record,
    };
    let columns: Vec<&str> = header.iter().map(str::trim).collect();
    let Some(layout) = layout(&columns) else {
        let found = columns.join(",");
        return Err(vec![FileProblem::new(
            file,
            Some(1),
            None,
            format!(
                "无法识别的表头 {found:?}：应为 code,name,level,parent[,urban_rural]，或 china-division 的 provinces/cities/areas/streets/villages 表头"
            ),
            format!(
                "unrecognised header {found:?}: expected code,name,level,parent[,urban_rural] or the header of a china-division provinces/cities/areas/streets/villages file"
            ),
        )]);
    };

    let mut regions = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                problems.push(FileProblem::new(
                    file,
                    line,
                    None,
                    format!("CSV 格式错误：{e}"),
                    format!("malformed CSV: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize);
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        if record.len() != columns.len() {
            problems.push(FileProblem::new(
                file,
                line,
                Some(field(0).to_string()).filter(|c| !c.is_empty()),
                format!("本行有 {} 列，表头有 {} 列", record.len(), columns.len()),
                format!(
                    "this row has {} fields; the header has {}",
                    record.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let raw = match &layout {
            Layout::Own => {
                let Some(level) = RegionLevel::parse(field(2)) else {
                    problems.push(FileProblem::new(
                        file,
                        line,
                        Some(field(0).to_string()).filter(|c| !c.is_empty()),
                        format!(
                            "未知的层级 {:?}（可用：province、city、district、street、community）",
                            field(2)
                        ),
                        format!(
                            "unknown level {:?} (use province, city, district, street or community)",
                            field(2)
                        ),
                    ));
                    continue;
                };
                RawRow {
                    line,
                    code: field(0),
                    name: field(1),
                    level,
                    parent: Some(field(3)),
                    urban_rural: record.get(4),
                    exact_length: false,
                    ancestors: Vec::new(),
                }
            }
            Layout::Division {
                level,
                parent,
                ancestors,
            } => RawRow {
                line,
                code: field(0),
                name: field(1),
                level: *level,
                parent: parent.map(field),
                urban_rural: None,
                exact_length: true,
                ancestors: ancestors
                    .iter()
                    .map(|&(index, name, digits)| (name, field(index), digits))
                    .collect(),
            },
        };
        let (region, found) = check_row(file, &mut skipped, &raw);
        problems.extend(found);
        if let Some(region) = region {
            regions.push((line, region));
        }
    }
    let regions = finish(file, regions, problems)?;
    Ok(Divisions { regions, skipped })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::read_regions_csv;
    use super::*;

    #[test]
    fn reads_the_own_layout_strips_a_bom_and_pads_codes() {
        let text = format!(
            "\u{feff}{OWN}33,浙江省,province,,\n3303,温州市,city,33,\n330302,鹿城区,district,330300000000,\n330302006000,五马街道,street,330302,\n330302006044,鼓楼社区,community,330302006000,111\n"
        );
        let regions = read_regions_csv("t.csv", &text).unwrap();
        let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "330000000000",
                "330300000000",
                "330302000000",
                "330302006000",
                "330302006044"
            ]
        );
        assert_eq!(regions[0].parent, None);
        assert_eq!(regions[1].parent.as_deref(), Some("330000000000"));
        assert_eq!(regions[3].parent.as_deref(), Some("330302000000"));
        assert_eq!(regions[4].level, RegionLevel::Community);
        assert_eq!(regions[4].urban_rural.as_deref(), Some("111"));
        assert_eq!(regions[3].urban_rural, None);
        // Without the urban_rural column too, and with a header only.
        let four = "code,name,level,parent\n330302,鹿城区,district,3303\n";
        assert_eq!(
            read_regions_csv("t.csv", four).unwrap()[0].urban_rural,
            None
        );
        assert_eq!(read_regions_csv("t.csv", OWN).unwrap(), []);
    }

    #[test]
    fn reads_each_china_division_file() {
        let files = [
            ("code,name\n33,\"浙江省\"\n", RegionLevel::Province, None),
            (
                "code,name,provinceCode\n3303,\"温州市\",33\n",
                RegionLevel::City,
                Some("330000000000"),
            ),
            (
                "code,name,cityCode,provinceCode\n330302,\"鹿城区\",3303,33\n",
                RegionLevel::District,
                Some("330300000000"),
            ),
            (
                "code,name,areaCode,provinceCode,cityCode\n330302006,\"五马街道\",330302,33,3303\n",
                RegionLevel::Street,
                Some("330302000000"),
            ),
            (
                "code,name,streetCode,provinceCode,cityCode,areaCode\n330302006044,\"鼓楼社区\",330302006,33,3303,330302\n",
                RegionLevel::Community,
                Some("330302006000"),
            ),
        ];
        for (text, level, parent) in files {
            let regions = read_regions_csv("division.csv", text).unwrap();
            assert_eq!(regions.len(), 1);
            assert_eq!(regions[0].code.len(), 12);
            assert_eq!(regions[0].level, level);
            assert_eq!(regions[0].parent.as_deref(), parent);
            assert_eq!(regions[0].urban_rural, None);
        }
    }

    #[test]
    fn an_empty_file_or_an_unknown_header_is_refused() {
        let problems = csv_problems("");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].en.contains("empty"));
        assert!(problems[0].zh.contains("空"));
        for header in [
            "id,label\n1,x\n",
            "code,name,level\n",
            "code,name,level,parent,extra\n",
            "code,name,townCode\n",
            "code,name,cityCode,cityCode\n",
        ] {
            let problems = csv_problems(header);
            assert!(only(&problems, 1).en.contains("unrecognised header"));
        }
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_reported() {
        let text = format!("{OWN}330302,鹿城区,district\n330303,龙湾区,district,3303,,x\n");
        let problems = csv_problems(&text);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[1].line, Some(3));
        assert!(problems[0].en.contains("3 fields; the header has 5"));
    }

    #[test]
    fn an_unknown_level_is_reported() {
        let problems = csv_problems(&format!("{OWN}330302,鹿城区,county,3303,\n"));
        let p = only(&problems, 2);
        assert!(p.en.contains("unknown level \"county\""));
        assert_eq!(p.id.as_deref(), Some("330302"));
    }

    #[test]
    fn every_bad_line_is_reported_in_order_with_real_line_numbers() {
        // The quoted name spans two lines, so the rows after it start one line later.
        let text = format!(
            "{OWN}33030x,坏,district,3303,\n330303,\"龙湾\n区\",district,3303,\n330302,,district,3303,\n330304,瓯海区,planet,3303,\n330305,洞头区,district,3304,\n330324,永嘉县,district,3303,\n"
        );
        let problems = csv_problems(&text);
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(5), Some(6), Some(7)]);
        assert!(problems.iter().all(|p| p.file == "t.csv"));
    }

    #[test]
    fn malformed_csv_is_reported_not_panicked_on() {
        for text in [
            "code,name,level,parent\n\"330302,鹿城区,district,3303\n",
            "code,name\n\"\n",
            "\u{feff}",
            "\n\n",
            ",,,\n,,,\n",
        ] {
            let _ = read_regions_csv("t.csv", text);
        }
    }
}
