//! National statistical division codes (统计用区划代码): 12 digits, province → community.

/// The street (乡镇街道) code of a 12-digit community code: its first 9 digits, padded.
pub fn street_of(code: &str) -> Option<String> {
    is_division_code(code).then(|| format!("{}000", &code[..9]))
}

/// The district (区县) code of a 12-digit code: its first 6 digits, padded.
pub fn district_of(code: &str) -> Option<String> {
    is_division_code(code).then(|| format!("{}000000", &code[..6]))
}

/// The city (地级市) code of a 12-digit code: its first 4 digits, padded.
pub fn city_of(code: &str) -> Option<String> {
    is_division_code(code).then(|| format!("{}00000000", &code[..4]))
}

/// The street, district and city a 12-digit community code lies in, each with its level: the
/// areas whose roll-ups a community's figures are added to. Empty for a code that is not one.
pub fn areas_above(code: &str) -> Vec<(String, &'static str)> {
    [
        (street_of(code), "street"),
        (district_of(code), "district"),
        (city_of(code), "city"),
    ]
    .into_iter()
    .filter_map(|(area, level)| area.map(|a| (a, level)))
    .collect()
}

/// True for a 12-digit division code.
pub fn is_division_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit())
}

/// True when the region `code` and the area with subtree prefix `area_prefix` share any
/// ground: the region lies inside the area, or the area inside the region (a city's round seen
/// from one of its streets). Codes pad with zeros, so the region's prefix is its code cut to
/// its level's digits (a city `330300000000` is `3303`, not `330300`).
pub fn overlaps(code: &str, area_prefix: &str) -> bool {
    code.starts_with(area_prefix)
        || area_prefix.starts_with(subtree_prefix(code, level_of_code(code)))
}

/// The level of a region from its code's trailing zeros: `province`, `city`, `district`,
/// `street` or `community`.
pub fn level_of_code(code: &str) -> &'static str {
    match code.trim_end_matches('0').len() {
        0..=2 => "province",
        3..=4 => "city",
        5..=6 => "district",
        7..=9 => "street",
        _ => "community",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_parents_from_a_wuma_community_code() {
        // 五马街道 330302006, 鹿城区 330302
        assert_eq!(street_of("330302006001").as_deref(), Some("330302006000"));
        assert_eq!(district_of("330302006001").as_deref(), Some("330302000000"));
        assert_eq!(street_of("33030200600"), None);
        assert_eq!(district_of("33030200600x"), None);
        assert_eq!(city_of("330302006001").as_deref(), Some("330300000000"));
        assert_eq!(
            areas_above("330302006001"),
            vec![
                ("330302006000".to_string(), "street"),
                ("330302000000".to_string(), "district"),
                ("330300000000".to_string(), "city"),
            ]
        );
        assert!(areas_above("3303020060").is_empty());
    }

    #[test]
    fn a_round_overlaps_the_areas_above_and_below_it() {
        // 鹿城区's round, seen from the city, the district, 五马街道 and 龙湾区.
        assert!(overlaps("330302000000", "3303"));
        assert!(overlaps("330302000000", "330302"));
        assert!(overlaps("330302000000", "330302006"));
        assert!(!overlaps("330302000000", "330303"));
        assert!(!overlaps("330302006000", "330302026"));
        // A city's code has two padding zeros of its own before the district digits.
        assert!(overlaps("330300000000", "330302"));
        assert!(overlaps("330300000000", "330302006"));
        assert!(!overlaps("330300000000", "3304"));
        assert!(overlaps("330000000000", "330302"));
    }
}

/// The division-code prefix shared by every region inside `code`'s subtree, given its level:
/// province 2 digits, city 4, district 6, street 9, community 12.
pub fn subtree_prefix<'a>(code: &'a str, level: &str) -> &'a str {
    let digits = match level {
        "province" => 2,
        "city" => 4,
        "district" => 6,
        "street" => 9,
        _ => 12,
    };
    &code[..digits.min(code.len())]
}

/// True when `code` lies in the subtree of `ancestor` (of `ancestor_level`), itself included.
pub fn within(code: &str, ancestor: &str, ancestor_level: &str) -> bool {
    code.starts_with(subtree_prefix(ancestor, ancestor_level))
}

#[cfg(test)]
mod subtree_tests {
    use super::*;

    #[test]
    fn a_street_administrator_sees_only_its_own_communities() {
        assert!(within("330302006001", "330302006000", "street"));
        assert!(!within("330302007001", "330302006000", "street"));
        assert!(within("330302007001", "330302000000", "district"));
        assert!(!within("330303001001", "330302000000", "district"));
        assert!(within("330302006001", "330302006001", "community"));
        assert_eq!(subtree_prefix("33", "district"), "33");
    }
}
