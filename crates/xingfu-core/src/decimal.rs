//! Exact fixed-point numbers with two decimals.
//!
//! Points, percentages and counted values are [`Dec2`] (hundredths); money is [`Fen`] (hundredths
//! of a yuan). Both are integers underneath, so sums and threshold comparisons are exact.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A non-money number with two decimals, stored as hundredths: `Dec2(90_000)` is 900.00.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec2(pub i64);

/// Why a number could not be read as a two-decimal value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("not a finite number")]
    NotFinite,
    #[error("more than two decimals")]
    TooPrecise,
    #[error("too large")]
    TooLarge,
    #[error("not a number: {0:?}")]
    NotANumber(String),
}

const LIMIT: f64 = 1e15;

impl Dec2 {
    pub const ZERO: Dec2 = Dec2(0);
    /// 100.00, the whole of a percentage.
    pub const HUNDRED: Dec2 = Dec2(10_000);

    pub const fn from_int(n: i64) -> Dec2 {
        Dec2(n * 100)
    }

    /// Reads a float that must have at most two decimals (as TOML and JSON deliver numbers).
    pub fn from_f64(x: f64) -> Result<Dec2, DecimalError> {
        if !x.is_finite() {
            return Err(DecimalError::NotFinite);
        }
        if x.abs() > LIMIT {
            return Err(DecimalError::TooLarge);
        }
        let scaled = x * 100.0;
        let rounded = scaled.round();
        // A float such as 899.9 is 89989.99999… when scaled: accept tiny representation error only.
        if (scaled - rounded).abs() > 1e-6 * rounded.abs().max(1.0) {
            return Err(DecimalError::TooPrecise);
        }
        Ok(Dec2(rounded as i64))
    }

    /// Parses text such as `899.9`, `95%`, `-3`, `1,000`.
    pub fn parse(text: &str) -> Result<Dec2, DecimalError> {
        let cleaned: String = text
            .trim()
            .trim_end_matches(['%', '％'])
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        let cleaned = cleaned.trim();
        let bad = || DecimalError::NotANumber(text.trim().to_string());
        if cleaned.is_empty() {
            return Err(bad());
        }
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.strip_prefix('+').unwrap_or(cleaned)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 {
            return Err(DecimalError::TooPrecise);
        }
        if whole.len() > 15 {
            return Err(DecimalError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac_value: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let value = whole * 100 + frac_value;
        Ok(Dec2(if negative { -value } else { value }))
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self × numerator / denominator`, rounded half up to hundredths (for non-negative inputs).
    pub fn scale(self, numerator: i64, denominator: i64) -> Dec2 {
        debug_assert!(denominator > 0);
        let product = self.0 as i128 * numerator as i128;
        let d = denominator as i128;
        let rounded = if product >= 0 {
            (product + d / 2) / d
        } else {
            -((-product + d / 2) / d)
        };
        Dec2(rounded as i64)
    }

    /// `part / whole` as a percentage, rounded down to hundredths of a percent, so that a share
    /// just under a boundary (79.996%) is never shown as the boundary (80.00%).
    pub fn percent_of(part: Dec2, whole: Dec2) -> Dec2 {
        if whole.0 <= 0 {
            return Dec2::ZERO;
        }
        Dec2((part.0 as i128 * 10_000 / whole.0 as i128) as i64)
    }

    /// True when `part / whole >= percent / 100`, compared exactly.
    pub fn share_at_least(part: Dec2, whole: Dec2, percent: Dec2) -> bool {
        part.0 as i128 * 10_000 >= percent.0 as i128 * whole.0 as i128
    }

    /// The smallest part (in hundredths) with `part / whole >= percent / 100`.
    pub fn part_needed_for(whole: Dec2, percent: Dec2) -> Dec2 {
        let numerator = percent.0 as i128 * whole.0 as i128;
        let needed = (numerator + 9_999).div_euclid(10_000);
        Dec2(needed as i64)
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Dec2 {
    type Output = Dec2;
    fn add(self, rhs: Dec2) -> Dec2 {
        Dec2(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Dec2 {
    type Output = Dec2;
    fn sub(self, rhs: Dec2) -> Dec2 {
        Dec2(self.0 - rhs.0)
    }
}

impl std::ops::AddAssign for Dec2 {
    fn add_assign(&mut self, rhs: Dec2) {
        self.0 += rhs.0;
    }
}

impl std::iter::Sum for Dec2 {
    fn sum<I: Iterator<Item = Dec2>>(iter: I) -> Dec2 {
        Dec2(iter.map(|d| d.0).sum())
    }
}

/// Shows the shortest exact form: `900`, `899.9`, `57.25`.
impl fmt::Display for Dec2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 100, abs % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

/// Serialised as a JSON number with at most two decimals (`899.9`), the form users write.
impl Serialize for Dec2 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.to_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Dec2 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dec2, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Dec2;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number with at most two decimals")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec2, E> {
                v.checked_mul(100)
                    .map(Dec2)
                    .ok_or_else(|| E::custom(DecimalError::TooLarge))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec2, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Dec2)
                    .ok_or_else(|| E::custom(DecimalError::TooLarge))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec2, E> {
                Dec2::from_f64(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec2, E> {
                Dec2::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Money in fen (分), the smallest unit of the yuan. Never a float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn from_yuan(yuan: Dec2) -> Fen {
        Fen(yuan.0)
    }

    pub fn yuan(self) -> Dec2 {
        Dec2(self.0)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl std::ops::AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

/// `50,000.00` style, with the thousands grouped the way finance staff read amounts.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

/// Serialised as an integer number of fen, so JSON consumers never see float money.
impl Serialize for Fen {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

/// `part / whole` as a percentage rounded half up to hundredths (1/6 → 16.67), in integers.
/// Nothing to divide by gives 0.
pub fn percent_half_up(part: u64, whole: u64) -> Dec2 {
    if whole == 0 {
        return Dec2::ZERO;
    }
    let (part, whole) = (u128::from(part), u128::from(whole));
    // part × 10 000 / whole, rounded half up: (2 × part × 10 000 + whole) / (2 × whole).
    let rounded = (2 * part * 10_000 + whole) / (2 * whole);
    Dec2(i64::try_from(rounded).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_in_integers() {
        assert_eq!(percent_half_up(1, 6), Dec2(16_67));
        assert_eq!(percent_half_up(2, 12), Dec2(16_67));
        assert_eq!(percent_half_up(2, 11), Dec2(18_18));
        assert_eq!(percent_half_up(2, 3), Dec2(66_67));
        assert_eq!(percent_half_up(1, 3), Dec2(33_33));
        // x.xx5 exactly: up.
        assert_eq!(percent_half_up(1, 800), Dec2(13)); // 0.125%
        assert_eq!(percent_half_up(7, 800), Dec2(88)); // 0.875%
        assert_eq!(percent_half_up(1, 1_600), Dec2(6)); // 0.0625% → 0.06
        assert_eq!(percent_half_up(1, 8_000), Dec2(1)); // 0.0125% → 0.01
        assert_eq!(percent_half_up(799, 800), Dec2(99_88)); // 99.875%
        // Just under and just over x.xx5.
        assert_eq!(percent_half_up(12_499, 10_000_000), Dec2(12)); // 0.12499%
        assert_eq!(percent_half_up(12_501, 10_000_000), Dec2(13)); // 0.12501%
        // Near the top: 99.995% shows as 100.00% (decisions use the exact integers).
        assert_eq!(percent_half_up(199_990, 200_000), Dec2(10_000)); // 99.995%
        assert_eq!(percent_half_up(199_989, 200_000), Dec2(99_99)); // 99.9945%
        assert_eq!(percent_half_up(0, 7), Dec2::ZERO);
        assert_eq!(percent_half_up(3, 0), Dec2::ZERO);
        assert_eq!(percent_half_up(u64::MAX, u64::MAX), Dec2(10_000));
    }

    #[test]
    fn reads_boundary_values_exactly() {
        assert_eq!(Dec2::from_f64(899.9), Ok(Dec2(89_990)));
        assert_eq!(Dec2::from_f64(900.0), Ok(Dec2(90_000)));
        assert_eq!(Dec2::from_f64(79.99), Ok(Dec2(7_999)));
        assert_eq!(Dec2::from_f64(0.1 + 0.2), Ok(Dec2(30)));
        assert_eq!(Dec2::from_f64(1.005), Err(DecimalError::TooPrecise));
        assert_eq!(Dec2::from_f64(f64::NAN), Err(DecimalError::NotFinite));
    }

    #[test]
    fn parses_text() {
        assert_eq!(Dec2::parse("899.9"), Ok(Dec2(89_990)));
        assert_eq!(Dec2::parse("95%"), Ok(Dec2(9_500)));
        assert_eq!(Dec2::parse(" 1,000 "), Ok(Dec2(100_000)));
        assert_eq!(Dec2::parse("-2.5"), Ok(Dec2(-250)));
        assert_eq!(Dec2::parse(".5"), Ok(Dec2(50)));
        assert_eq!(Dec2::parse("1.250"), Ok(Dec2(125)));
        assert_eq!(Dec2::parse("1.255"), Err(DecimalError::TooPrecise));
        assert!(matches!(
            Dec2::parse("abc"),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(Dec2::parse(""), Err(DecimalError::NotANumber(_))));
        assert!(matches!(Dec2::parse("."), Err(DecimalError::NotANumber(_))));
        assert!(matches!(
            Dec2::parse("1.2.3"),
            Err(DecimalError::NotANumber(_))
        ));
    }

    #[test]
    fn displays_shortest_form() {
        assert_eq!(Dec2(90_000).to_string(), "900");
        assert_eq!(Dec2(89_990).to_string(), "899.9");
        assert_eq!(Dec2(5_725).to_string(), "57.25");
        assert_eq!(Dec2(-5).to_string(), "-0.05");
        assert_eq!(Fen(5_000_000).to_string(), "50,000.00");
        assert_eq!(Fen(123_456_789).to_string(), "1,234,567.89");
    }

    #[test]
    fn share_comparison_is_exact_at_the_boundary() {
        let total = Dec2::from_int(128);
        // 80% of 128 clauses is 102.4: 102 clauses are below, 103 reach it.
        assert!(!Dec2::share_at_least(
            Dec2::from_int(102),
            total,
            Dec2::from_int(80)
        ));
        assert!(Dec2::share_at_least(
            Dec2::from_int(103),
            total,
            Dec2::from_int(80)
        ));
        assert_eq!(
            Dec2::part_needed_for(total, Dec2::from_int(80)),
            Dec2(10_240)
        );
        assert_eq!(Dec2::percent_of(Dec2::from_int(102), total), Dec2(7_968));
    }

    #[test]
    fn scale_rounds_half_up() {
        // 60 points × 96.5% = 57.9
        assert_eq!(Dec2::from_int(60).scale(9_650, 10_000), Dec2(5_790));
        // 1 point × 1/3 = 0.33; 2/3 = 0.67
        assert_eq!(Dec2::from_int(1).scale(1, 3), Dec2(33));
        assert_eq!(Dec2::from_int(1).scale(2, 3), Dec2(67));
    }
}
