//! Dates and times people enter, checked once at the edge.
//!
//! Every date or time taken from input — a form's `2024-05-01` or `2024-05-01 08:30`, the API's
//! Unix milliseconds — becomes a [`Moment`] here, and a moment lies between
//! 2000-01-01 00:00 and 2100-12-31 23:59:59.999 China Standard Time (UTC+8), the zone people
//! type and read times in, whatever the server's. The range is the programme's: its records
//! start in the 2010s and rounds are numbered by years 2000–2100 (the year check of a round);
//! a time outside it is a typing or unit mistake (seconds for milliseconds, a stray minus sign),
//! and refusing it keeps later arithmetic (deadlines, windows) far from overflow.

use serde::{Deserialize, Deserializer, Serialize};

/// China Standard Time's offset from UTC, in milliseconds.
pub const CST_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// The first year and the last year a moment may fall in.
pub const FIRST_YEAR: i64 = 2000;
pub const LAST_YEAR: i64 = 2100;
/// 2000-01-01 00:00 China Standard Time, in Unix milliseconds.
pub const EARLIEST_MS: i64 = 946_656_000_000;
/// 2100-12-31 23:59:59.999 China Standard Time, in Unix milliseconds.
pub const LATEST_MS: i64 = 4_133_951_999_999;

/// Unix milliseconds as `YYYY-MM-DD HH:MM` in China Standard Time, how every page shows a time.
pub fn local_text(ms: i64) -> String {
    let local = ms + CST_OFFSET_MS;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Unix milliseconds as China Standard Time the way Chinese pages write it:
/// `2026年12月2日 14:30`.
pub fn chinese_text(ms: i64) -> String {
    let minutes = (ms + CST_OFFSET_MS).rem_euclid(DAY_MS) / 60_000;
    format!(
        "{} {:02}:{:02}",
        chinese_date(ms),
        minutes / 60,
        minutes % 60
    )
}

/// The day, in China Standard Time, of a moment in Unix milliseconds as Chinese text writes
/// it: `2026年12月3日`.
pub fn chinese_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days((ms + CST_OFFSET_MS).div_euclid(DAY_MS));
    format!("{y}年{m}月{d}日")
}

/// The day, in China Standard Time, of a moment in Unix milliseconds as English text writes
/// it: `3 December 2026`.
pub fn english_date(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, d) = civil_from_days((ms + CST_OFFSET_MS).div_euclid(DAY_MS));
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// The calendar year, in China Standard Time, of a moment in Unix milliseconds.
pub fn cst_year(ms: i64) -> i64 {
    civil_from_days((ms + CST_OFFSET_MS).div_euclid(DAY_MS)).0
}

/// [from, to) in Unix milliseconds for the calendar year `year` in China Standard Time: the
/// period of a rating year's figures.
pub fn cst_year_period(year: i64) -> (i64, i64) {
    let start = days_from_civil(year, 1, 1) * DAY_MS - CST_OFFSET_MS;
    let end = days_from_civil(year + 1, 1, 1) * DAY_MS - CST_OFFSET_MS;
    (start, end)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days in a month of a year (0 for a month that does not exist).
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Why a date or time was not accepted; [`DateError::zh`] and [`DateError::en`] say it to a
/// person, the caller names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("enter a date, for example 2013-12-31")]
    Empty,
    #[error("{0:?} is not a date: write year-month-day, for example 2013-12-31")]
    NotADate(String),
    #[error("{0:?} is not a time: write year-month-day hour:minute, for example 2013-12-31 14:30")]
    NotATime(String),
    #[error("the year {0} is not between 2000 and 2100")]
    YearOutOfRange(i64),
    #[error("there is no month {0}")]
    NoSuchMonth(i64),
    #[error("{year}-{month:02} has no day {day}")]
    NoSuchDay { year: i64, month: i64, day: i64 },
    #[error("{0} (Unix milliseconds) is not a time between 2000-01-01 and 2100-12-31")]
    OutOfRange(i64),
}

impl DateError {
    pub fn en(&self) -> String {
        self.to_string()
    }

    pub fn zh(&self) -> String {
        match self {
            DateError::Empty => "请填写日期\u{ff0c}例如 2013-12-31".into(),
            DateError::NotADate(text) => {
                format!("“{text}”不是日期\u{ff0c}请按 年-月-日 填写\u{ff0c}例如 2013-12-31")
            }
            DateError::NotATime(text) => format!(
                "“{text}”不是时间\u{ff0c}请按 年-月-日 时:分 填写\u{ff0c}例如 2013-12-31 14:30"
            ),
            DateError::YearOutOfRange(year) => format!("年份 {year} 不在 2000–2100 之间"),
            DateError::NoSuchMonth(month) => format!("月份 {month} 不存在"),
            DateError::NoSuchDay { year, month, day } => {
                format!("{year} 年 {month} 月没有 {day} 日")
            }
            DateError::OutOfRange(ms) => {
                format!("{ms}\u{ff08}Unix 毫秒\u{ff09}不是 2000-01-01 至 2100-12-31 之间的时间")
            }
        }
    }
}

/// A moment in the accepted range, in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Moment(i64);

impl Moment {
    /// Unix milliseconds, refused outside 2000-01-01 – 2100-12-31 (China Standard Time).
    pub fn from_unix_ms(ms: i64) -> Result<Moment, DateError> {
        if (EARLIEST_MS..=LATEST_MS).contains(&ms) {
            Ok(Moment(ms))
        } else {
            Err(DateError::OutOfRange(ms))
        }
    }

    pub fn unix_ms(self) -> i64 {
        self.0
    }
}

/// Unix milliseconds in JSON or a query string, range-checked: serde's message then names the
/// field (`visited_at: … is not a time between 2000-01-01 and 2100-12-31`).
impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Moment, D::Error> {
        let ms = i64::deserialize(deserializer)?;
        Moment::from_unix_ms(ms).map_err(serde::de::Error::custom)
    }
}

/// Digits only, at most `max_len` of them.
fn digits(text: &str, max_len: usize) -> Option<i64> {
    (!text.is_empty() && text.len() <= max_len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A date `YYYY-MM-DD` (or with `/`) as the start of that day in China.
pub fn parse_day(text: &str) -> Result<Moment, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(DateError::NotADate(text.to_string()));
    };
    let (Some(year), Some(month), Some(day)) = (digits(year, 4), digits(month, 2), digits(day, 2))
    else {
        return Err(DateError::NotADate(text.to_string()));
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(DateError::YearOutOfRange(year));
    }
    if !(1..=12).contains(&month) {
        return Err(DateError::NoSuchMonth(month));
    }
    if !(1..=days_in_month(year, month)).contains(&day) {
        return Err(DateError::NoSuchDay { year, month, day });
    }
    Moment::from_unix_ms(days_from_civil(year, month, day) * DAY_MS - CST_OFFSET_MS)
}

/// A date and time `YYYY-MM-DD HH:MM` (or the `T` of `<input type=datetime-local>`; seconds, if
/// a browser sends them, are dropped) in China.
pub fn parse_local(text: &str) -> Result<Moment, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let not_a_time = || DateError::NotATime(text.to_string());
    let (date, time) = text.split_once(['T', ' ']).ok_or_else(not_a_time)?;
    let day = parse_day(date)?;
    let mut hm = time.trim().split(':');
    let hour = hm
        .next()
        .and_then(|h| digits(h, 2))
        .ok_or_else(not_a_time)?;
    let minute = hm
        .next()
        .and_then(|m| digits(m, 2))
        .ok_or_else(not_a_time)?;
    if let Some(seconds) = hm.next() {
        digits(seconds.split('.').next().unwrap_or(""), 2).ok_or_else(not_a_time)?;
    }
    if hour > 23 || minute > 59 || hm.next().is_some() {
        return Err(not_a_time());
    }
    Moment::from_unix_ms(day.unix_ms() + (hour * 60 + minute) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_text_is_china_standard_time_on_both_sides_of_midnight() {
        // 2013-12-31 15:59 UTC is 23:59 in China; a minute later it is the new year there.
        let before = 1_388_505_540_000;
        assert_eq!(local_text(before), "2013-12-31 23:59");
        assert_eq!(chinese_text(before), "2013年12月31日 23:59");
        assert_eq!(local_text(before + 60_000), "2014-01-01 00:00");
        assert_eq!(chinese_text(before + 60_000), "2014年1月1日 00:00");
        assert_eq!(chinese_date(before), "2013年12月31日");
        assert_eq!(english_date(before), "31 December 2013");
        assert_eq!(chinese_date(before + 60_000), "2014年1月1日");
        assert_eq!(english_date(before + 60_000), "1 January 2014");
    }

    #[test]
    fn the_range_is_2000_to_2100_in_china() {
        assert_eq!(parse_day("2000-01-01").unwrap().unix_ms(), EARLIEST_MS);
        assert_eq!(
            parse_local("2100-12-31 23:59").unwrap().unix_ms() + 59_999,
            LATEST_MS
        );
        assert!(Moment::from_unix_ms(EARLIEST_MS - 1).is_err());
        assert!(Moment::from_unix_ms(LATEST_MS + 1).is_err());
        assert_eq!(
            Moment::from_unix_ms(-1_000_000_000_000_000),
            Err(DateError::OutOfRange(-1_000_000_000_000_000))
        );
        assert_eq!(
            parse_day("1999-12-31"),
            Err(DateError::YearOutOfRange(1999))
        );
        assert_eq!(
            parse_day("2101-01-01"),
            Err(DateError::YearOutOfRange(2101))
        );
    }

    #[test]
    fn dates_and_times_as_people_type_them() {
        // 2024-05-01 08:00 in China is 00:00 UTC.
        let t = parse_local("2024-05-01T08:00").unwrap();
        assert_eq!(t.unix_ms(), 1_714_521_600_000);
        assert_eq!(parse_local("2024-05-01 08:00:59"), Ok(t));
        assert_eq!(
            parse_day("2024/05/01").unwrap().unix_ms(),
            t.unix_ms() - CST_OFFSET_MS
        );
        assert_eq!(parse_day(""), Err(DateError::Empty));
        assert_eq!(
            parse_day("2023-02-29"),
            Err(DateError::NoSuchDay {
                year: 2023,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_day("2013-13-01"), Err(DateError::NoSuchMonth(13)));
        for bad in ["明天", "2013-1-2-3", "-2013-01-01", "2013-01-01x"] {
            assert!(
                matches!(parse_day(bad), Err(DateError::NotADate(_))),
                "{bad}"
            );
        }
        for bad in [
            "2024-05-01 24:00",
            "2024-05-01 10:60",
            "2024-05-01",
            "2024-05-01 10:00:00:00",
        ] {
            assert!(parse_local(bad).is_err(), "{bad}");
        }
        assert!(DateError::Empty.zh().contains('\u{ff0c}'));
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-719_468, -1, 0, 10_957, 19_844, 47_846] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_844), (2024, 5, 1));
    }

    #[test]
    fn json_out_of_range_names_the_field() {
        #[derive(Deserialize)]
        struct Visit {
            visited_at: Moment,
        }
        let error = serde_json::from_str::<Visit>(r#"{"visited_at": -1000000000000000}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("not a time between 2000-01-01 and 2100-12-31"),
            "{error}"
        );
        let ok: Visit = serde_json::from_str(r#"{"visited_at": 1714521600000}"#).unwrap();
        assert_eq!(ok.visited_at.unix_ms(), 1_714_521_600_000);
    }

    #[test]
    fn a_cst_year_runs_from_new_year_to_new_year_at_utc_plus_8() {
        // 2013-01-01T00:00+08:00 = 1356969600000 ms.
        assert_eq!(
            cst_year_period(2013),
            (1_356_969_600_000, 1_388_505_600_000)
        );
        assert_eq!(cst_year(1_356_969_600_000), 2013);
        assert_eq!(cst_year(1_356_969_600_000 - 1), 2012);
        assert_eq!(cst_year(1_388_505_600_000 - 1), 2013);
        assert_eq!(cst_year(1_388_505_600_000), 2014);
        let (from, to) = cst_year_period(2024);
        assert_eq!(to - from, 366 * DAY_MS);
    }
}
