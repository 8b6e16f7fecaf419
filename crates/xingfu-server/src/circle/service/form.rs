//! The facility form as typed (pages and API alike) and its checks, each problem with its field.

use xingfu_core::ops::coords::Datum;
use xingfu_geo::facility::normalise_functions;
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::geometry::LonLat;
use xingfu_store::facilities::{FacilityRow, from_e6};

use super::convert::to_wgs;
use crate::i18n::Lang;

pub use crate::app::error::FieldError;

/// The add / edit form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityForm {
    pub name: String,
    pub functions: Vec<String>,
    pub lon: String,
    pub lat: String,
    /// `wgs84` (default), `gcj02` or `bd09`.
    pub datum: String,
    pub hours: String,
    pub capacity: String,
    /// A community code, or empty to place it by its position.
    pub community: String,
}

impl FacilityForm {
    /// From form fields (`functions` may repeat).
    pub fn from_fields(fields: &[(String, String)]) -> FacilityForm {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        FacilityForm {
            name: one("name"),
            functions: fields
                .iter()
                .filter(|(k, _)| k == "functions")
                .map(|(_, v)| v.clone())
                .collect(),
            lon: one("lon"),
            lat: one("lat"),
            datum: one("datum"),
            hours: one("hours"),
            capacity: one("capacity"),
            community: one("community"),
        }
    }

    pub fn of_row(row: &FacilityRow) -> FacilityForm {
        FacilityForm {
            name: row.name.clone(),
            functions: row.functions.clone(),
            lon: format!("{}", from_e6(row.lon_e6)),
            lat: format!("{}", from_e6(row.lat_e6)),
            datum: "wgs84".into(),
            hours: row.hours.clone().unwrap_or_default(),
            capacity: row.capacity.map(|c| c.to_string()).unwrap_or_default(),
            community: row.community_code.clone().unwrap_or_default(),
        }
    }
}

const MAX_NAME_CHARS: usize = 100;
pub(super) const MAX_HOURS_CHARS: usize = 200;

/// A field's text over `max` characters, named as `what` ("名称" / "the name is").
pub(super) fn too_long(
    field: &str,
    text: &str,
    max: usize,
    (zh, en): (&str, &str),
    lang: Lang,
) -> Option<FieldError> {
    (text.chars().count() > max).then(|| {
        let message = lang.text(
            format!("{zh}不能超过 {max} 个字"),
            format!("{en} longer than {max} characters"),
        );
        FieldError::new(field, message)
    })
}

/// The fields of a facility, checked: name, functions, WGS-84 position, hours, capacity.
pub struct CheckedFacility {
    pub name: String,
    pub functions: Vec<ServiceFunction>,
    pub location: LonLat,
    pub hours: Option<String>,
    pub capacity: Option<u32>,
}

/// Checks a typed facility; every problem is reported with its field.
pub fn check_facility(form: &FacilityForm, lang: Lang) -> Result<CheckedFacility, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            lang.text("请填写设施名称", "enter the facility's name"),
        ));
    } else {
        errors.extend(too_long(
            "name",
            &name,
            MAX_NAME_CHARS,
            ("名称", "the name is"),
            lang,
        ));
    }
    let mut functions = Vec::new();
    for text in &form.functions {
        match ServiceFunction::parse(text) {
            Some(f) => functions.push(f),
            None => errors.push(FieldError::new(
                "functions",
                lang.text(
                    format!("未知的服务功能 {text:?}"),
                    format!("unknown service function {text:?}"),
                ),
            )),
        }
    }
    if form.functions.is_empty() {
        errors.push(FieldError::new(
            "functions",
            lang.text(
                "请至少选择一项服务功能",
                "choose at least one service function",
            ),
        ));
    }
    normalise_functions(&mut functions);
    let datum = match form.datum.trim() {
        "" => Some(Datum::Wgs84),
        text => Datum::parse(text),
    };
    if datum.is_none() {
        errors.push(FieldError::new(
            "datum",
            lang.text("请选择坐标系", "choose the coordinate system"),
        ));
    }
    let number =
        |text: &str, field: &str, zh: &str, en_name: &str, errors: &mut Vec<FieldError>| {
            let text = text.trim();
            if text.is_empty() {
                errors.push(FieldError::new(
                    field,
                    lang.text(format!("请填写{zh}"), format!("enter the {en_name}")),
                ));
                return None;
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    errors.push(FieldError::new(
                        field,
                        lang.text(
                            format!("{zh} {text:?} 不是数字"),
                            format!("{en_name} {text:?} is not a number"),
                        ),
                    ));
                    None
                }
            }
        };
    let lon = number(&form.lon, "lon", "经度", "longitude", &mut errors);
    let lat = number(&form.lat, "lat", "纬度", "latitude", &mut errors);
    let mut location = None;
    if let (Some(lon), Some(lat)) = (lon, lat) {
        if !(-180.0..=180.0).contains(&lon) {
            errors.push(FieldError::new(
                "lon",
                lang.text(
                    format!("经度 {lon} 不在 -180 到 180 之间"),
                    format!("longitude {lon} is not within -180 to 180"),
                ),
            ));
        } else if !(-90.0..=90.0).contains(&lat) {
            errors.push(FieldError::new(
                "lat",
                lang.text(
                    format!("纬度 {lat} 不在 -90 到 90 之间"),
                    format!("latitude {lat} is not within -90 to 90"),
                ),
            ));
        } else if let Some(datum) = datum {
            location = Some(to_wgs(LonLat { lon, lat }, datum));
        }
    }
    let hours = form.hours.trim().to_string();
    let what = ("开放时间", "opening hours are");
    errors.extend(too_long("hours", &hours, MAX_HOURS_CHARS, what, lang));
    let capacity = match form.capacity.trim() {
        "" => Some(None),
        text => match text.parse::<u32>() {
            Ok(c) => Some(Some(c)),
            Err(_) => {
                errors.push(FieldError::new(
                    "capacity",
                    lang.text(
                        format!("容量 {text:?} 不是非负整数"),
                        format!("capacity {text:?} is not a whole number"),
                    ),
                ));
                None
            }
        },
    };
    match (errors.is_empty(), location, capacity) {
        (true, Some(location), Some(capacity)) => Ok(CheckedFacility {
            name,
            functions,
            location,
            hours: (!hours.is_empty()).then_some(hours),
            capacity,
        }),
        _ => Err(errors),
    }
}
