//! A survey's closing date. The administrators name a day; the survey takes answers through the
//! whole of that day in China Standard Time and closes at the start of the next (a resident who
//! answers at 23:59 on the closing day is counted). No date: the survey runs until each
//! community's result is computed, as before.

use crate::dates::{DateError, local_text, parse_day};

const DAY_MS: i64 = 86_400_000;

/// When a survey with closing day `text` (`YYYY-MM-DD`) closes, in Unix milliseconds: the start
/// of the next day in China Standard Time.
pub fn closes_at(text: &str) -> Result<i64, DateError> {
    Ok(parse_day(text)?.unix_ms() + DAY_MS)
}

/// The closing day of a survey closing at `closes_at`, as `YYYY-MM-DD`.
pub fn closing_day(closes_at: i64) -> String {
    local_text(closes_at - DAY_MS).chars().take(10).collect()
}

/// Whether a survey takes answers at `now_ms`.
pub fn takes_answers(closes_at: Option<i64>, now_ms: i64) -> bool {
    closes_at.is_none_or(|closes| now_ms < closes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_local;

    fn at(text: &str) -> i64 {
        parse_local(text).unwrap().unix_ms()
    }

    #[test]
    fn a_survey_takes_answers_through_its_closing_day() {
        let closes = closes_at("2013-12-31").unwrap();
        assert_eq!(closes, at("2014-01-01 00:00"));
        assert!(takes_answers(Some(closes), at("2013-12-31 23:59")));
        assert!(takes_answers(Some(closes), closes - 1));
        assert!(!takes_answers(Some(closes), closes));
        assert!(!takes_answers(Some(closes), at("2014-01-02 08:00")));
        assert!(takes_answers(None, at("2099-01-01 00:00")));
        assert_eq!(closing_day(closes), "2013-12-31");
        assert_eq!(closing_day(closes_at("2016-02-29").unwrap()), "2016-02-29");
    }

    #[test]
    fn a_closing_day_must_be_a_date() {
        assert!(closes_at("").is_err());
        assert!(closes_at("2013-02-30").is_err());
        assert!(closes_at("31/12/2013").is_err());
        assert!(closes_at("2013/12/31").is_ok());
    }
}
