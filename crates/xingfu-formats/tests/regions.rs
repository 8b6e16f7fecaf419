//! The shipped division list `data/regions/wenzhou.csv`, read with the regions parser and checked
//! against what its `SOURCE.md` says.

use std::collections::HashMap;

use xingfu_formats::regions::{
    Region, RegionLevel, read_divisions_csv, read_regions_csv, read_regions_json,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/regions");

fn wenzhou() -> Vec<Region> {
    let path = format!("{DIR}/wenzhou.csv");
    let text = std::fs::read_to_string(&path).expect("data/regions/wenzhou.csv");
    match read_regions_csv(&path, &text) {
        Ok(regions) => regions,
        Err(problems) => panic!("{path} does not read: {problems:#?}"),
    }
}

fn by_code(regions: &[Region]) -> HashMap<&str, &Region> {
    regions.iter().map(|r| (r.code.as_str(), r)).collect()
}

#[test]
fn wuma_street_sits_in_lucheng_district_in_wenzhou() {
    let regions = wenzhou();
    let codes = by_code(&regions);
    let wuma = codes["330302006000"];
    assert_eq!(wuma.name, "五马街道");
    assert_eq!(wuma.level, RegionLevel::Street);
    assert_eq!(wuma.parent.as_deref(), Some("330302000000"));
    let lucheng = codes["330302000000"];
    assert_eq!(lucheng.name, "鹿城区");
    assert_eq!(lucheng.level, RegionLevel::District);
    assert_eq!(lucheng.parent.as_deref(), Some("330300000000"));
    let wenzhou = codes["330300000000"];
    assert_eq!(wenzhou.name, "温州市");
    assert_eq!(wenzhou.level, RegionLevel::City);
    assert_eq!(wenzhou.parent.as_deref(), Some("330000000000"));
    let zhejiang = codes["330000000000"];
    assert_eq!(zhejiang.name, "浙江省");
    assert_eq!(zhejiang.parent, None);
}

#[test]
fn every_division_hangs_from_one_of_the_level_above_in_the_file() {
    let regions = wenzhou();
    let codes = by_code(&regions);
    for region in &regions {
        match region.level.above() {
            None => assert_eq!(region.code, "330000000000"),
            Some(above) => {
                let parent = region.parent.as_deref().expect("a parent");
                let parent = codes.get(parent).unwrap_or_else(|| {
                    panic!("{} {}: parent {parent} missing", region.code, region.name)
                });
                assert_eq!(parent.level, above, "{} {}", region.code, region.name);
            }
        }
        if region.level != RegionLevel::Province {
            assert!(region.code.starts_with("3303"), "{}", region.code);
        }
    }
    // Every community's parent is a street in the file (checked above, and spelled out here).
    let communities: Vec<&Region> = regions
        .iter()
        .filter(|r| r.level == RegionLevel::Community)
        .collect();
    assert!(!communities.is_empty());
    for community in communities {
        let street = codes[community.parent.as_deref().unwrap()];
        assert_eq!(street.level, RegionLevel::Street, "{}", community.code);
    }
}

#[test]
fn the_file_is_sorted_and_urban_rural_codes_are_on_communities_only() {
    let regions = wenzhou();
    assert!(regions.windows(2).all(|w| w[0].code < w[1].code));
    assert!(
        regions
            .iter()
            .filter(|r| r.urban_rural.is_some())
            .all(|r| r.level == RegionLevel::Community)
    );
    let codes = by_code(&regions);
    // 鼓楼社区 of 五马街道 is 主城区 in the 2016 release; 龙港市 was not there yet.
    assert_eq!(codes["330302006044"].urban_rural.as_deref(), Some("111"));
    assert!(
        regions
            .iter()
            .filter(|r| r.code.starts_with("330383"))
            .all(|r| r.urban_rural.is_none())
    );
}

/// The "Rows per level" table of SOURCE.md: `| `level` | count | … |`.
fn counts_in_source_md() -> HashMap<RegionLevel, usize> {
    let path = format!("{DIR}/SOURCE.md");
    let text = std::fs::read_to_string(&path).expect("data/regions/SOURCE.md");
    let mut counts = HashMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 {
            continue;
        }
        let Some(level) = cells[1]
            .strip_prefix('`')
            .and_then(|c| c.strip_suffix('`'))
            .and_then(RegionLevel::parse)
        else {
            continue;
        };
        let Ok(count) = cells[2].replace(',', "").parse::<usize>() else {
            continue;
        };
        assert!(
            counts.insert(level, count).is_none(),
            "{level:?} twice in SOURCE.md"
        );
    }
    counts
}

#[test]
fn counts_per_level_match_source_md() {
    let regions = wenzhou();
    let mut counts: HashMap<RegionLevel, usize> = HashMap::new();
    for region in &regions {
        *counts.entry(region.level).or_default() += 1;
    }
    let documented = counts_in_source_md();
    assert_eq!(documented.len(), 5, "SOURCE.md lists every level");
    assert_eq!(counts, documented);
    // The figures as written when the file was made.
    assert_eq!(counts[&RegionLevel::District], 12);
    assert_eq!(counts[&RegionLevel::Street], 191);
    assert_eq!(counts[&RegionLevel::Community], 3685);
    assert_eq!(
        regions
            .iter()
            .filter(|r| r.code.starts_with("330302") && r.level == RegionLevel::Community)
            .count(),
        171,
        "鹿城区's communities and villages"
    );
}

#[test]
fn the_list_survives_a_round_trip_through_json() {
    let regions = wenzhou();
    let json = serde_json::to_string_pretty(&regions).unwrap();
    assert_eq!(read_regions_json("wenzhou.json", &json).unwrap(), regions);
}

/// Rows of the national 2023 tables (china-division `areas.csv` and `streets.csv`), as published.
#[test]
fn a_city_without_districts_listed_again_as_its_own_district_is_skipped_with_a_note() {
    let areas = "code,name,cityCode,provinceCode\n\
                 441900,\"东莞市\",4419,44\n\
                 441302,\"惠城区\",4413,44\n";
    let divisions = read_divisions_csv("areas.csv", areas).unwrap();
    assert_eq!(divisions.regions.len(), 1);
    assert_eq!(divisions.regions[0].code, "441302000000");
    assert_eq!(divisions.skipped.len(), 1);
    let note = &divisions.skipped[0];
    assert_eq!(note.line, Some(2));
    assert!(note.zh.contains("东莞市（441900）"), "{}", note.zh);
    assert!(note.zh.contains("441900000000"), "{}", note.zh);

    // Its streets attach to the city.
    let streets = "code,name,areaCode,provinceCode,cityCode\n\
                   441900003,\"东城街道\",441900,44,4419\n\
                   350527000,\"金门县\",350527,35,3505\n";
    let divisions = read_divisions_csv("streets.csv", streets).unwrap();
    assert_eq!(divisions.regions.len(), 1);
    let dongcheng = &divisions.regions[0];
    assert_eq!(dongcheng.parent.as_deref(), Some("441900000000"));
    assert_eq!(divisions.skipped.len(), 1, "金门县 repeats its county");
    assert!(
        divisions.skipped[0].zh.contains("金门县"),
        "{}",
        divisions.skipped[0].zh
    );

    // A zero-digit code that is not its parent again is still an error.
    let wrong = "code,name,cityCode,provinceCode\n441900,\"东莞市\",4413,44\n";
    let problems = read_divisions_csv("areas.csv", wrong).unwrap_err();
    assert!(
        problems[0].zh.contains("与上级代码无法区分"),
        "{}",
        problems[0].zh
    );
}
