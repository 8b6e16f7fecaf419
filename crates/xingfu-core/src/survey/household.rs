//! One answer per household.
//!
//! Storage keeps a household only as a salted hash of its identifier, never the identifier. For
//! the same household to give the same hash whoever types it (the resident, or staff entering a
//! phone or paper answer), the identifier is first normalised here: `138 0013 8000`,
//! `+86 13800138000` and `１３８００１３８０００` are one household. The hash itself
//! (HMAC-SHA256 of [`HouseholdId::hash_input`] with a secret salt) is made by the outer crates.
//!
//! Each submission carries a client token, made when the form is first shown. [`admit`] decides:
//! a new household is counted; the same form sent again (same token, same household — a double
//! tap, a retry after a dropped connection) is accepted once and not counted again; anything else
//! from a household that has answered is refused.

use serde::Serialize;

/// Longest household code kept (characters, after normalisation).
pub const MAX_CODE_CHARS: usize = 100;

/// A household identifier, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum HouseholdId {
    /// A mainland mobile (11 digits, starting with 1) or landline (0 + area code + number).
    Phone(String),
    /// A household number or address code the community assigns (户号).
    Code(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum HouseholdIdError {
    #[error("no household identifier given")]
    Empty,
    #[error(
        "{0:?} is not a phone number (11-digit mobile starting with 1, or 0 + area code + number)"
    )]
    NotAPhoneNumber(String),
    #[error("the household code is longer than {MAX_CODE_CHARS} characters")]
    CodeTooLong,
    #[error(
        "household {0:?} is not in this community's household register; write the door number as \
         registered, or a phone number"
    )]
    NotInRegister(String),
}

impl HouseholdIdError {
    pub fn zh(&self) -> String {
        match self {
            HouseholdIdError::Empty => "请填写手机号码或户号".into(),
            HouseholdIdError::NotAPhoneNumber(text) => {
                format!(
                    "\u{201c}{text}\u{201d}不是有效的电话号码\u{3002}请填写 11 位手机号\u{ff0c}或区号加座机号\u{ff08}例如 0577-88881234\u{ff09}\u{3002}"
                )
            }
            HouseholdIdError::CodeTooLong => format!("户号超过 {MAX_CODE_CHARS} 个字符"),
            HouseholdIdError::NotInRegister(code) => format!(
                "户号\u{201c}{code}\u{201d}不在本社区的住户登记中\u{3002}请按登记的门牌填写\u{ff08}例如 3栋2单元501\u{ff09}\u{ff0c}或填写手机号码\u{3002}"
            ),
        }
    }
}

/// Full-width digits, letters and punctuation (as Chinese input methods type them) to ASCII.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A mainland landline with its trunk 0: Beijing `010` or a `02x` area code with an 8-digit
/// number, or a `0xxx` area code with a 7- or 8-digit number.
fn is_landline(digits: &str) -> bool {
    let length = digits.len();
    match digits.as_bytes() {
        [b'0', b'1', b'0', ..] | [b'0', b'2', ..] => length == 11,
        [b'0', b'3'..=b'9', ..] => (11..=12).contains(&length),
        _ => false,
    }
}

impl HouseholdId {
    /// Reads a mainland phone number written any common way, to one canonical form so that equal
    /// numbers hash equal: spaces, dashes, dots and brackets dropped; full-width digits made
    /// ASCII; a `+86`, `0086` or bare `86` country code dropped; a trunk `0` before a mobile
    /// (`013911112222`) dropped. A mobile is its 11 digits; a landline is its area code with the
    /// trunk `0` and its number (`057788881234`), also when written after `+86` without the `0`.
    pub fn phone(text: &str) -> Result<HouseholdId, HouseholdIdError> {
        let cleaned: String = text
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.' | '[' | ']'))
            .collect();
        if cleaned.is_empty() {
            return Err(HouseholdIdError::Empty);
        }
        let bad = || HouseholdIdError::NotAPhoneNumber(text.trim().to_string());
        let (international, digits) = match cleaned
            .strip_prefix("+86")
            .or_else(|| cleaned.strip_prefix("0086"))
        {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let is_mobile = |d: &str| d.len() == 11 && d.starts_with('1');
        // A bare 86 only where what follows is a whole mobile number.
        let digits = match digits.strip_prefix("86") {
            Some(rest) if !international && is_mobile(rest) => rest,
            _ => digits,
        };
        // A trunk 0 before a mobile: no landline is 0 followed by eleven digits starting with 1
        // (Beijing's 010 numbers have eight digits after the area code).
        let digits = match digits.strip_prefix('0') {
            Some(rest) if is_mobile(rest) => rest,
            _ => digits,
        };
        if is_mobile(digits) {
            return Ok(HouseholdId::Phone(digits.to_string()));
        }
        // After a country code a landline drops its trunk 0: +86 577 8888 1234.
        let landline = if international && !digits.starts_with('0') {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        if is_landline(&landline) {
            Ok(HouseholdId::Phone(landline))
        } else {
            Err(bad())
        }
    }

    /// Reads a household code: spaces dropped, full-width characters made ASCII, letters upper
    /// case, so `3 栋 2 单元 501` and `3栋2单元501` are one household.
    pub fn code(text: &str) -> Result<HouseholdId, HouseholdIdError> {
        let cleaned: String = text
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(HouseholdIdError::Empty);
        }
        if cleaned.chars().count() > MAX_CODE_CHARS {
            return Err(HouseholdIdError::CodeTooLong);
        }
        Ok(HouseholdId::Code(cleaned))
    }

    /// The text to hash: kind and value, so a code that happens to be digits is never taken for
    /// the same household as that phone number.
    pub fn hash_input(&self) -> String {
        match self {
            HouseholdId::Phone(digits) => format!("phone:{digits}"),
            HouseholdId::Code(code) => format!("code:{code}"),
        }
    }
}

/// Is `household` refused by the community's household register (the addresses recorded for
/// home visits)? Only a household code is checked, and only where the community has a register:
/// a code not in it is made up or mistyped. A phone number is never refused here (the register
/// does not hold every household's phone).
pub fn outside_register<'a>(
    household: &HouseholdId,
    register: impl IntoIterator<Item = &'a str>,
) -> bool {
    let HouseholdId::Code(code) = household else {
        return false;
    };
    let mut has_register = false;
    for address in register {
        has_register = true;
        if matches!(HouseholdId::code(address), Ok(HouseholdId::Code(listed)) if &listed == code) {
            return false;
        }
    }
    has_register
}

/// A submission already recorded in the same round, found by client token or by household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded<'a> {
    /// The household's salted hash.
    pub household: &'a str,
    pub client_token: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "admission", content = "reason", rename_all = "snake_case")]
pub enum Admission {
    /// Count it.
    Accept,
    /// The same form sent again: answer as if accepted, count nothing.
    AlreadyRecorded,
    Refuse(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// This household has already answered in this round.
    HouseholdAnswered,
    /// The token was used by another household: a copied or replayed form.
    TokenOfAnotherHousehold,
}

impl Refusal {
    pub fn zh(self) -> &'static str {
        match self {
            Refusal::HouseholdAnswered => "您家本轮已经填写过问卷，每户只能填写一次。谢谢！",
            Refusal::TokenOfAnotherHousehold => "这份问卷已经提交过，请重新打开问卷链接填写。",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Refusal::HouseholdAnswered => {
                "Your household has already answered in this round; one answer per household. Thank you!"
            }
            Refusal::TokenOfAnotherHousehold => {
                "This form has already been sent; please open the questionnaire link again."
            }
        }
    }
}

/// Decides what to do with a submission from `household` (its salted hash) carrying a client
/// token, given what the round already holds under that token and under that household.
pub fn admit(
    household: &str,
    by_token: Option<Recorded<'_>>,
    by_household: Option<Recorded<'_>>,
) -> Admission {
    match (by_token, by_household) {
        (Some(recorded), _) if recorded.household == household => Admission::AlreadyRecorded,
        (Some(_), _) => Admission::Refuse(Refusal::TokenOfAnotherHousehold),
        (None, Some(_)) => Admission::Refuse(Refusal::HouseholdAnswered),
        (None, None) => Admission::Accept,
    }
}

/// Shortest and longest client token accepted.
pub const CLIENT_TOKEN_CHARS: std::ops::RangeInclusive<usize> = 16..=128;

/// True for a client token of 16–128 ASCII letters, digits, `-` or `_` (a UUID or a random
/// base64url string both fit).
pub fn is_valid_client_token(token: &str) -> bool {
    CLIENT_TOKEN_CHARS.contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mobile_number_written_five_ways_is_one_household() {
        let expected = HouseholdId::Phone("13800138000".into());
        for written in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "0086-13800138000",
            "8613800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(
                HouseholdId::phone(written),
                Ok(expected.clone()),
                "{written}"
            );
        }
    }

    #[test]
    fn every_written_form_of_a_mobile_is_one_number() {
        let expected = Ok(HouseholdId::Phone("13911112222".into()));
        for written in [
            "13911112222",
            // A trunk 0 before the mobile.
            "013911112222",
            "0139 1111 2222",
            // Country codes, with and without the plus.
            "+8613911112222",
            "+86 139 1111 2222",
            "+86-139-1111-2222",
            "008613911112222",
            "0086 139 1111 2222",
            "8613911112222",
            "+86 0139 1111 2222",
            // Separators: spaces, dashes, dots, brackets.
            "139 1111 2222",
            "139-1111-2222",
            "139.1111.2222",
            "(139) 1111 2222",
            " 139\t1111 2222 ",
            // Full-width digits, plus sign, spaces and dashes, as Chinese input methods type them.
            "１３９１１１１２２２２",
            "＋８６　１３９－１１１１－２２２２",
            "０１３９１１１１２２２２",
        ] {
            assert_eq!(HouseholdId::phone(written), expected, "{written}");
        }
    }

    #[test]
    fn a_landline_written_after_the_country_code_gets_its_trunk_zero_back() {
        let expected = Ok(HouseholdId::Phone("057788881234".into()));
        for written in [
            "0577-88881234",
            "(0577) 8888 1234",
            "0577.8888.1234",
            "+86 577 8888 1234",
            "+86 (0)577 8888 1234",
            "0086-577-88881234",
            "０５７７－８８８８１２３４",
        ] {
            assert_eq!(HouseholdId::phone(written), expected, "{written}");
        }
        // Beijing: a 3-digit area code and an 8-digit number, 11 digits in all.
        assert_eq!(
            HouseholdId::phone("+86 10 6552 9988"),
            Ok(HouseholdId::Phone("01065529988".into()))
        );
        assert_eq!(
            HouseholdId::phone("010-6552-9988"),
            Ok(HouseholdId::Phone("01065529988".into()))
        );
    }

    #[test]
    fn the_invalid_number_message_is_plain_chinese_with_full_width_punctuation() {
        let message = HouseholdId::phone("1380013").unwrap_err().zh();
        assert!(message.contains("不是有效的电话号码"), "{message}");
        assert!(
            message.contains("11 位手机号\u{ff0c}或区号加座机号"),
            "{message}"
        );
        assert!(!message.contains(','), "{message}");
        assert!(!message.contains('('), "{message}");
    }

    #[test]
    fn codes_outside_a_register_are_refused_where_there_is_one() {
        let register = ["3栋2单元501", "3栋2单元502", "9-001"];
        let code = |text: &str| HouseholdId::code(text).unwrap();
        // Listed, however it is typed.
        assert!(!outside_register(&code("3 栋 2 单元 501"), register));
        assert!(!outside_register(&code("９－００１"), register));
        // Made up.
        assert!(outside_register(&code("9-014"), register));
        // No register: nothing to check against.
        assert!(!outside_register(&code("9-014"), []));
        // A phone number is not checked against the register.
        let phone = HouseholdId::phone("13911112222").unwrap();
        assert!(!outside_register(&phone, register));
    }

    #[test]
    fn landlines_keep_their_area_code() {
        assert_eq!(
            HouseholdId::phone("(0577) 8888-1234"),
            Ok(HouseholdId::Phone("057788881234".into()))
        );
        assert_eq!(
            HouseholdId::phone("0631-5201234"),
            Ok(HouseholdId::Phone("06315201234".into()))
        );
    }

    #[test]
    fn not_phone_numbers() {
        for bad in [
            "1380013800",
            "138001380001",
            "23800138000",
            "1380013800x",
            "05771",
            "+1 415 555 0100",
            // 0 then twelve digits: neither a trunk 0 before a mobile nor a landline.
            "0139111122223",
            "+86 1391111222",
            "0131 1111 222",
            "0013911112222",
        ] {
            assert!(
                matches!(
                    HouseholdId::phone(bad),
                    Err(HouseholdIdError::NotAPhoneNumber(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(HouseholdId::phone("  - "), Err(HouseholdIdError::Empty));
    }

    #[test]
    fn household_codes_ignore_spacing_width_and_case() {
        assert_eq!(
            HouseholdId::code("3 栋 2 单元 501"),
            HouseholdId::code("3栋2单元501")
        );
        assert_eq!(
            HouseholdId::code("ａ-１２"),
            Ok(HouseholdId::Code("A-12".into()))
        );
        assert_eq!(HouseholdId::code(" "), Err(HouseholdIdError::Empty));
        assert!(HouseholdId::code(&"号".repeat(MAX_CODE_CHARS)).is_ok());
        assert_eq!(
            HouseholdId::code(&"号".repeat(MAX_CODE_CHARS + 1)),
            Err(HouseholdIdError::CodeTooLong)
        );
    }

    #[test]
    fn a_code_is_never_taken_for_a_phone_number() {
        let phone = HouseholdId::phone("13800138000").unwrap();
        let code = HouseholdId::code("13800138000").unwrap();
        assert_ne!(phone.hash_input(), code.hash_input());
    }

    #[test]
    fn one_answer_per_household_and_a_retry_counts_once() {
        let first = Recorded {
            household: "h1",
            client_token: "token-aaaaaaaaaaaa",
        };
        assert_eq!(admit("h1", None, None), Admission::Accept);
        // The same form again (double tap, network retry).
        assert_eq!(
            admit("h1", Some(first), Some(first)),
            Admission::AlreadyRecorded
        );
        // The household again with a new form.
        assert_eq!(
            admit("h1", None, Some(first)),
            Admission::Refuse(Refusal::HouseholdAnswered)
        );
        // Another household replaying a sent form.
        assert_eq!(
            admit("h2", Some(first), None),
            Admission::Refuse(Refusal::TokenOfAnotherHousehold)
        );
    }

    #[test]
    fn client_tokens() {
        assert!(is_valid_client_token(
            "0f8fad5b-d9cb-469f-a165-70867728950e"
        ));
        assert!(is_valid_client_token(&"a".repeat(16)));
        assert!(!is_valid_client_token(&"a".repeat(15)));
        assert!(is_valid_client_token(&"a".repeat(128)));
        assert!(!is_valid_client_token(&"a".repeat(129)));
        assert!(!is_valid_client_token("aaaaaaaaaaaaaaaa aaaa"));
    }
}
