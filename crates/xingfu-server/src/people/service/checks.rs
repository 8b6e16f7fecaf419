//! What the people services share in checking input: the limits, the typed field errors and
//! refusals pages and the API turn into their own answers, and small readers of typed text.

use xingfu_store::StoreError;

use crate::app::error::AppError;
use crate::i18n::Lang;

pub const MAX_ADDRESS: usize = 100;
pub const MAX_NAME: usize = 20;
pub const MAX_SCOPE: usize = 32;
pub const MAX_NOTE: usize = 200;
pub const MAX_TITLE: usize = 100;
/// Most follow-up rows the visit form offers.
pub const FOLLOW_UP_ROWS: usize = 3;
/// Largest quantity or stock typed in one go.
pub const MAX_QUANTITY: i64 = 10_000;
/// Largest points adjustment in one go.
pub const MAX_ADJUST: i64 = 100_000;

pub(super) fn forbidden(lang: Lang, zh: &str, en_text: &str) -> AppError {
    AppError::Forbidden(lang.text(zh, en_text))
}

pub use crate::app::error::FieldError;

/// Why an operation wrote nothing: fields to correct, or a refusal of the whole request.
#[derive(Debug)]
pub enum Refused {
    Fields(Vec<FieldError>),
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused::App(error)
    }
}

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Self {
        Refused::App(error.into())
    }
}

impl Refused {
    pub(super) fn field(field: &str, message: String) -> Refused {
        Refused::Fields(vec![FieldError::new(field, message)])
    }

    /// Refuses with the fields to correct, if there are any.
    pub(super) fn unless_none(errors: Vec<FieldError>) -> Result<(), Refused> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Refused::Fields(errors))
        }
    }

    /// A write the store refused as a duplicate, as the field's error.
    pub(super) fn unless_duplicate<T>(
        written: Result<T, StoreError>,
        field: &str,
        message: String,
    ) -> Result<T, Refused> {
        match written {
            Err(StoreError::Duplicate { .. }) => Err(Refused::field(field, message)),
            other => Ok(other?),
        }
    }

    /// One message for callers without fields (the API): `field: message; …`.
    pub fn into_app(self) -> AppError {
        match self {
            Refused::App(e) => e,
            Refused::Fields(fields) => AppError::BadRequest(FieldError::in_one_line(&fields)),
        }
    }
}

/// Typed text without its spaces, or `None` when nothing is left.
pub fn optional(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

pub(super) fn check_length(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &str,
    max: usize,
    label: (&str, &str),
    lang: Lang,
) {
    let n = text.trim().chars().count();
    if n > max {
        errors.push(FieldError::new(
            field,
            lang.text(
                format!("{}最多 {max} 个字，现在是 {n} 个字", label.0),
                format!("{} takes at most {max} characters, not {n}", label.1),
            ),
        ));
    }
}

/// A phone number typed on a form (empty is fine) must look like one.
pub(super) fn check_phone(errors: &mut Vec<FieldError>, field: &str, text: &str, lang: Lang) {
    if let Some(phone) = optional(text)
        && !phone_ok(phone)
    {
        errors.push(FieldError::new(
            field,
            lang.text("电话号码只能包含数字、空格和“-”，5–20 位；不需要可留空",
                "a phone number has digits, spaces and “-”, 5–20 characters; leave it empty if not needed",
            ),
        ));
    }
}

/// A phone number as people write it: digits, spaces, `-` and a leading `+`, 5–20 characters.
pub fn phone_ok(text: &str) -> bool {
    let n = text.chars().count();
    (5..=20).contains(&n)
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0))
        && text.chars().any(|c| c.is_ascii_digit())
}

pub(super) fn required_name(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &str,
    max: usize,
    label: (&str, &str),
    lang: Lang,
) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            lang.text(
                format!("请填写{}", label.0),
                format!("enter {}", label.1.to_lowercase()),
            ),
        ));
    }
    check_length(errors, field, text, max, label, lang);
}

/// A whole number ≥ 0 as typed (full-width digits allowed).
pub fn parse_count(text: &str) -> Option<i64> {
    let digits: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            other => other,
        })
        .collect();
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A request key as clients send it: 8–64 letters, digits, `-` or `_`.
pub fn request_key_ok(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Refuses a request key that is not one (the form's, not a field to correct).
pub(super) fn check_request_key(key: &str, lang: Lang) -> Result<(), Refused> {
    if request_key_ok(key) {
        Ok(())
    } else {
        Err(Refused::App(AppError::BadRequest(lang.text(
            "请求编号无效，请刷新页面后重试",
            "the request key is not valid: reload the page and try again",
        ))))
    }
}

/// A whole number typed within `range`.
pub(super) fn count_in(text: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    parse_count(text).filter(|n| range.contains(n))
}

/// A whole number typed within `range`, or the field's error naming the range.
pub(super) fn count_field(
    text: &str,
    range: std::ops::RangeInclusive<i64>,
    field: &str,
    (zh, en): (&str, &str),
    lang: Lang,
) -> Result<i64, FieldError> {
    let (lo, hi) = (*range.start(), *range.end());
    count_in(text, range).ok_or_else(|| {
        FieldError::new(
            field,
            lang.text(
                format!("{zh}须为 {lo}–{hi} 的整数"),
                format!("{en} is a whole number from {lo} to {hi}"),
            ),
        )
    })
}

/// A new request key for a redemption form.
pub fn new_request_key() -> String {
    xingfu_store::new_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_phones_and_keys() {
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("０"), Some(0));
        assert_eq!(parse_count("１２"), Some(12));
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("1.5"), None);
        assert_eq!(parse_count(""), None);
        assert!(phone_ok("0577-88888888"));
        assert!(phone_ok("+86 138 0000 0000"));
        assert!(!phone_ok("1234"));
        assert!(!phone_ok("138x0000000"));
        assert!(!phone_ok("86+1380000000"));
        assert!(request_key_ok("abcdefgh"));
        assert!(!request_key_ok("abcdefg"));
        assert!(!request_key_ok(&"a".repeat(65)));
        assert!(!request_key_ok("abc defgh"));
        assert!(request_key_ok(&new_request_key()));
    }
}
