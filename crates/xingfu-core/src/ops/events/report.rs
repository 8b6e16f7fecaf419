//! A resident's report as sent, and the checks that turn it into a valid one in WGS-84.

use serde::{Deserialize, Serialize};

use super::EventRules;
use crate::ops::coords::{CoordError, Datum, GeoPoint, to_wgs84};
/// A report as a resident sends it (one question per page in the UI, gathered here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    pub category: String,
    pub description: String,
    pub location: GeoPoint,
    /// The system the phone's map gave the location in.
    pub datum: Datum,
    pub address: Option<String>,
    /// Stored photo references (keys in the object store).
    pub photos: Vec<String>,
}

pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Nine, as a WeChat post allows.
pub const MAX_PHOTOS: usize = 9;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    #[error("describe the problem or add a photo")]
    NothingReported,
    #[error("the description has {got} characters; at most {max}")]
    DescriptionTooLong { got: usize, max: usize },
    #[error("{got} photos; at most {max}")]
    TooManyPhotos { got: usize, max: usize },
    #[error("location: {0}")]
    Location(CoordError),
    /// Given without a position or a grid, the report must say where in words.
    #[error("say where the problem is")]
    NoPlace,
}

impl ReportError {
    pub fn zh(&self) -> String {
        match self {
            ReportError::UnknownCategory(key) => format!("未知的事件类别：{key}"),
            ReportError::NothingReported => "请描述问题或上传照片".into(),
            ReportError::DescriptionTooLong { got, max } => {
                format!("问题描述共 {got} 字，最多 {max} 字")
            }
            ReportError::TooManyPhotos { got, max } => format!("共 {got} 张照片，最多 {max} 张"),
            ReportError::Location(e) => format!("位置：{}", e.zh()),
            ReportError::NoPlace => "请说明问题在哪里".into(),
        }
    }
}

/// A checked report, its location converted to WGS-84.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub category: String,
    pub description: String,
    pub location: GeoPoint,
    /// Whether `location` is where the reporter said (see [`Event::located`]).
    ///
    /// [`Event::located`]: super::Event::located
    pub located: bool,
    pub address: Option<String>,
    pub photos: Vec<String>,
}

/// Checks a report. A description may be empty when there is a photo: many reporters are
/// elderly and a picture says enough.
pub fn validate_report(report: NewReport, rules: &EventRules) -> Result<ValidReport, ReportError> {
    if rules.category(&report.category).is_none() {
        return Err(ReportError::UnknownCategory(report.category));
    }
    let description = report.description.trim().to_string();
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ReportError::DescriptionTooLong {
            got: chars,
            max: MAX_DESCRIPTION_CHARS,
        });
    }
    if report.photos.len() > MAX_PHOTOS {
        return Err(ReportError::TooManyPhotos {
            got: report.photos.len(),
            max: MAX_PHOTOS,
        });
    }
    if description.is_empty() && report.photos.is_empty() {
        return Err(ReportError::NothingReported);
    }
    let given =
        GeoPoint::new(report.location.lon, report.location.lat).map_err(ReportError::Location)?;
    Ok(ValidReport {
        category: report.category,
        description,
        location: to_wgs84(given, report.datum),
        located: true,
        address: report.address.filter(|a| !a.trim().is_empty()),
        photos: report.photos,
    })
}

/// Where a report is when the reporter gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Without {
    /// A grid of the community was chosen: the address may say more.
    Grid,
    /// Only words: the address must say where.
    Words,
}

/// Checks a report given without a position, as [`validate_report`] does the rest; one only
/// described in words must say where in its address. Its location is the stand-in `(0, 0)` with
/// `located` false, which no map, distance or Open311 answer reads.
pub fn validate_unlocated_report(
    category: String,
    description: String,
    address: Option<String>,
    photos: Vec<String>,
    without: Without,
    rules: &EventRules,
) -> Result<ValidReport, ReportError> {
    let report = NewReport {
        category,
        description,
        location: GeoPoint { lon: 0.0, lat: 0.0 },
        datum: Datum::Wgs84,
        address,
        photos,
    };
    let valid = validate_report(report, rules)?;
    if without == Without::Words && valid.address.is_none() {
        return Err(ReportError::NoPlace);
    }
    Ok(ValidReport {
        located: false,
        ..valid
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::events::fixtures::*;
    use crate::ops::events::{EventId, open};

    #[test]
    fn reports_are_checked_and_converted_to_wgs84() {
        let rules = EventRules::baseline();
        let base = NewReport {
            category: "sanitation".into(),
            description: "x".into(),
            location: GeoPoint {
                lon: 107.149,
                lat: 34.372,
            },
            datum: Datum::Gcj02,
            address: Some("  ".into()),
            photos: vec![],
        };
        let ok = validate_report(base.clone(), &rules).unwrap();
        assert_eq!(
            ok.location,
            crate::ops::coords::gcj02_to_wgs84(base.location)
        );
        assert_eq!(ok.address, None);
        let with = |f: &dyn Fn(&mut NewReport)| {
            let mut r = base.clone();
            f(&mut r);
            validate_report(r, &rules)
        };
        assert!(with(&|r| r.description = "字".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        assert_eq!(
            with(&|r| r.description = "字".repeat(MAX_DESCRIPTION_CHARS + 1)),
            Err(ReportError::DescriptionTooLong { got: 501, max: 500 })
        );
        assert!(with(&|r| r.photos = vec!["p".into(); MAX_PHOTOS]).is_ok());
        assert_eq!(
            with(&|r| r.photos = vec!["p".into(); MAX_PHOTOS + 1]),
            Err(ReportError::TooManyPhotos { got: 10, max: 9 })
        );
        assert_eq!(
            with(&|r| r.description = " ".into()),
            Err(ReportError::NothingReported)
        );
        assert!(
            with(&|r| {
                r.description = String::new();
                r.photos = vec!["p".into()];
            })
            .is_ok()
        );
        assert_eq!(
            with(&|r| r.category = "potholes".into()),
            Err(ReportError::UnknownCategory("potholes".into()))
        );
        assert_eq!(
            with(&|r| r.location.lat = 91.0),
            Err(ReportError::Location(CoordError::LatitudeOutOfRange(91.0)))
        );
        assert!(ReportError::NothingReported.zh().contains("照片"));
    }

    #[test]
    fn a_report_without_a_position_says_where_in_words_or_by_its_grid() {
        let rules = EventRules::baseline();
        let check = |address: Option<&str>, without| {
            validate_unlocated_report(
                "sanitation".into(),
                "垃圾桶满了".into(),
                address.map(str::to_string),
                vec![],
                without,
                &rules,
            )
        };
        let described = check(Some("5幢2单元楼道"), Without::Words).unwrap();
        assert!(!described.located);
        assert_eq!(described.address.as_deref(), Some("5幢2单元楼道"));
        assert_eq!(check(Some("  "), Without::Words), Err(ReportError::NoPlace));
        assert!(check(None, Without::Grid).is_ok());
        assert!(ReportError::NoPlace.zh().contains("在哪里"));
        let event = open(
            EventId(1),
            described,
            "330302006044",
            None,
            None,
            T0,
            &rules,
        )
        .unwrap()
        .event;
        assert_eq!(event.position(), None);
        assert!(!event.located);
    }
}
