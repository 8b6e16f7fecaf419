//! Administrative division lists (统计用区划代码) in CSV or JSON, read into regions with 12-digit
//! codes, their level and their parent. Every bad row is reported with its line; nothing is guessed.
//!
//! CSV layouts, told apart by the header:
//! - `code,name,level,parent[,urban_rural]`: Xingfu's own, as `data/regions/wenzhou.csv`;
//! - the `china-division` files: `code,name` (provinces), `code,name,provinceCode` (cities),
//!   `code,name,cityCode,provinceCode` (districts), `code,name,areaCode,provinceCode,cityCode`
//!   (streets), `code,name,streetCode,provinceCode,cityCode,areaCode` (communities and villages).
//!   The level is the file's; the parent is its deepest `…Code` column.
//!
//! Codes are padded on the right to 12 digits (`3303` → `330300000000`). A code must fit its level
//! (zeros after the level's digits, not all zeros in the level's own digits), and a parent must be
//! the code's own prefix at the level above. A parent need not be in the same input; when it is, it
//! must be of the level above. Two rows with the same code are an error naming both lines.

use serde::{Deserialize, Serialize};

use crate::problem::FileProblem;

mod check;
mod read_csv;
mod read_json;

pub use read_csv::read_divisions_csv;
pub use read_json::read_divisions_json;
/// Where a division stands in the statistical hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省级: province, autonomous region, municipality.
    Province,
    /// 地级: prefecture-level city (and 市辖区 / 直辖 placeholders).
    City,
    /// 县级: district, county, county-level city.
    District,
    /// 乡级: street, town, township (and 林场, 开发区 …).
    Street,
    /// 村级: community or village committee.
    Community,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 5] = [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::District,
        RegionLevel::Street,
        RegionLevel::Community,
    ];

    /// The name used in files: `province`, `city`, `district`, `street`, `community`.
    pub fn key(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
            RegionLevel::Street => "street",
            RegionLevel::Community => "community",
        }
    }

    /// Reads a level from its key or its Chinese name.
    pub fn parse(text: &str) -> Option<RegionLevel> {
        let text = text.trim();
        RegionLevel::ALL
            .into_iter()
            .find(|level| level.key() == text || level.zh() == text)
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

    /// How many leading digits of a 12-digit code are this level's: 2, 4, 6, 9 or 12.
    pub fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::District => 6,
            RegionLevel::Street => 9,
            RegionLevel::Community => 12,
        }
    }

    /// The level of this level's parent.
    pub fn above(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => None,
            RegionLevel::City => Some(RegionLevel::Province),
            RegionLevel::District => Some(RegionLevel::City),
            RegionLevel::Street => Some(RegionLevel::District),
            RegionLevel::Community => Some(RegionLevel::Street),
        }
    }
}

/// One division, with its code and its parent's in the 12-digit form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// The parent's 12-digit code; `None` for a province.
    pub parent: Option<String>,
    /// 城乡分类代码 (111 主城区 … 220 村庄), for communities and villages when known.
    pub urban_rural: Option<String>,
}

/// A division list as read: the regions, and the rows skipped with the reason for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Divisions {
    pub regions: Vec<Region>,
    /// Rows that repeat their parent under the parent's own code (see [`read_divisions_csv`]).
    pub skipped: Vec<FileProblem>,
}

/// Reads a division list in CSV (see the module's documentation for the layouts). `file` names it
/// in messages. A UTF-8 BOM is skipped.
pub fn read_regions_csv(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    read_divisions_csv(file, text).map(|d| d.regions)
}

/// Reads a division list in JSON; see [`read_divisions_json`].
pub fn read_regions_json(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    read_divisions_json(file, text).map(|d| d.regions)
}

/// What the tests of every part share.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) const OWN: &str = "code,name,level,parent,urban_rural\n";

    pub(super) fn csv_problems(text: &str) -> Vec<FileProblem> {
        read_regions_csv("t.csv", text).expect_err("should be refused")
    }

    /// The only problem, which must be on `line`.
    pub(super) fn only(problems: &[FileProblem], line: usize) -> &FileProblem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].line, Some(line), "{problems:#?}");
        assert!(!problems[0].zh.is_empty() && !problems[0].en.is_empty());
        &problems[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_have_keys_chinese_names_and_serde_names() {
        for level in RegionLevel::ALL {
            assert_eq!(RegionLevel::parse(level.key()), Some(level));
            assert_eq!(RegionLevel::parse(level.zh()), Some(level));
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{}\"", level.key())
            );
        }
        assert_eq!(RegionLevel::Street.zh(), "街道乡镇");
        assert_eq!(RegionLevel::Community.zh(), "社区村");
        assert_eq!(
            RegionLevel::parse(" district "),
            Some(RegionLevel::District)
        );
        assert_eq!(RegionLevel::parse("county"), None);
    }
}
