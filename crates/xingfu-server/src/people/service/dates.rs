//! Times as people type and read them: China Standard Time (UTC+8), whatever the server's zone.

use xingfu_core::decimal::Dec2;

/// A date `YYYY-MM-DD` as the start of that day in China, in Unix milliseconds (the shared,
/// range-checked parser of [`xingfu_core::dates`]).
pub fn parse_day(text: &str) -> Option<i64> {
    xingfu_core::dates::parse_day(text)
        .ok()
        .map(xingfu_core::dates::Moment::unix_ms)
}

/// A date and time `YYYY-MM-DD HH:MM` (or the `T` of `<input type=datetime-local>`) in China, in
/// Unix milliseconds (the shared, range-checked parser of [`xingfu_core::dates`]).
pub fn parse_local(text: &str) -> Option<i64> {
    xingfu_core::dates::parse_local(text)
        .ok()
        .map(xingfu_core::dates::Moment::unix_ms)
}

pub use xingfu_core::dates::local_text;

/// Unix milliseconds as the value of an `<input type=datetime-local>`.
pub fn input_value(ms: i64) -> String {
    local_text(ms).replacen(' ', "T", 1)
}

/// Unix milliseconds as `YYYY-MM-DD` in China.
pub fn day_text(ms: i64) -> String {
    local_text(ms)[..10].to_string()
}

/// Minutes as hours with two decimals, rounded half up (as `ops::metrics` rounds hours).
pub fn hours_text(minutes: i64) -> String {
    let hundredths = (i128::from(minutes) * 100 * 2 + 60).div_euclid(120);
    Dec2(i64::try_from(hundredths).unwrap_or(i64::MAX)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_and_written_in_china_standard_time() {
        // 2024-05-01 08:00 in China is 00:00 UTC.
        let t = parse_local("2024-05-01T08:00").unwrap();
        assert_eq!(t, 1_714_521_600_000);
        assert_eq!(parse_local("2024-05-01 08:00"), Some(t));
        assert_eq!(parse_local("2024-05-01T08:00:59"), Some(t));
        assert_eq!(local_text(t), "2024-05-01 08:00");
        assert_eq!(input_value(t + 59_999), "2024-05-01T08:00");
        assert_eq!(parse_day("2024-05-01"), Some(t - 8 * 3_600_000));
        assert_eq!(day_text(t - 8 * 3_600_000), "2024-05-01");
        assert_eq!(day_text(t - 8 * 3_600_000 - 1), "2024-04-30");
        assert_eq!(
            parse_local("2024-02-29 23:59").map(local_text).as_deref(),
            Some("2024-02-29 23:59")
        );
        for bad in [
            "2023-02-29 10:00",
            "2024-05-01 24:00",
            "2024-05-01 10:60",
            "2024-05-01",
            "明天",
            "2024-13-01 10:00",
            "1999-01-01 10:00",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn hours_round_half_up_like_the_metrics() {
        assert_eq!(hours_text(60), "1");
        assert_eq!(hours_text(331), "5.52");
        // 0.3 minutes is not possible; 1 minute = 0.01666… h → 0.02.
        assert_eq!(hours_text(1), "0.02");
        assert_eq!(hours_text(0), "0");
    }
}
