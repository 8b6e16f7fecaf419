//! National statistical division codes (统计用区划代码): 12 digits, province → community.

/// The street (乡镇街道) code of a 12-digit community code: its first 9 digits, padded.
pub fn street_of(code: &str) -> Option<String> {
    is_division_code(code).then(|| format!("{}000", &code[..9]))
}

/// The district (区县) code of a 12-digit code: its first 6 digits, padded.
pub fn district_of(code: &str) -> Option<String> {
    is_division_code(code).then(|| format!("{}000000", &code[..6]))
}

/// True for a 12-digit division code.
pub fn is_division_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit())
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
    }
}
