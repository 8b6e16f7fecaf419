//! What can be wrong with a grid, its area or its GeoJSON, in English and Chinese.

use crate::ops::coords::CoordError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error("{path}: a ring needs at least 3 distinct corners, found {count}")]
    TooFewCorners { path: String, count: usize },
    #[error("{path}: a GeoJSON ring must end where it starts (RFC 7946 §3.1.6)")]
    RingNotClosed { path: String },
    #[error("{path}: a position needs a longitude and a latitude")]
    PositionTooShort { path: String },
    #[error("{path}: {error}")]
    BadCoordinate { path: String, error: CoordError },
    #[error("{path}: the ring encloses no area")]
    ZeroArea { path: String },
    #[error("an area needs at least one polygon")]
    NoPolygons,
    #[error("a grid needs an id")]
    EmptyId,
    #[error("grid {grid}: {code:?} is not a 12-digit community code")]
    BadCommunityCode { grid: String, code: String },
    #[error("grid {grid}: member {person} is listed twice")]
    DuplicateMember { grid: String, person: String },
    #[error("grid {grid}: building {building} is listed twice")]
    DuplicateBuilding { grid: String, building: String },
    #[error("grid {grid}: building {building} lies outside the grid")]
    BuildingOutsideGrid { grid: String, building: String },
    #[error("{path}: a polygon may have at most {max} corners in all, found {count}")]
    TooManyCorners {
        path: String,
        count: usize,
        max: usize,
    },
    #[error("{path}: the ring crosses or touches itself")]
    SelfIntersecting { path: String },
    #[error("{path}: the hole does not lie inside the polygon's outer ring")]
    HoleOutside { path: String },
    #[error("{path}: the ring crosses ring {other}")]
    RingsCross { path: String, other: String },
    #[error("{path}: the hole lies inside hole {other}")]
    HoleInHole { path: String, other: String },
    #[error("{field} has {chars} characters; at most {max} are allowed")]
    TooLong {
        field: String,
        chars: usize,
        max: usize,
    },
}

impl GridError {
    pub fn zh(&self) -> String {
        match self {
            GridError::TooFewCorners { path, count } => {
                format!("{path}：多边形至少需要 3 个不同的顶点，实际 {count} 个")
            }
            GridError::RingNotClosed { path } => format!("{path}:GeoJSON 环的首尾坐标必须相同"),
            GridError::PositionTooShort { path } => format!("{path}：坐标须包含经度和纬度"),
            GridError::BadCoordinate { path, error } => format!("{path}\u{ff1a}{}", error.zh()),
            GridError::ZeroArea { path } => format!("{path}：多边形面积为零"),
            GridError::NoPolygons => "网格范围至少需要一个多边形".into(),
            GridError::EmptyId => "网格编号不能为空".into(),
            GridError::BadCommunityCode { grid, code } => {
                format!("网格 {grid}\u{ff1a}{code} 不是 12 位社区代码")
            }
            GridError::DuplicateMember { grid, person } => {
                format!("网格 {grid}：网格员 {person} 重复")
            }
            GridError::DuplicateBuilding { grid, building } => {
                format!("网格 {grid}：楼栋 {building} 重复")
            }
            GridError::BuildingOutsideGrid { grid, building } => {
                format!("网格 {grid}：楼栋 {building} 不在网格范围内")
            }
            GridError::TooManyCorners { path, count, max } => {
                format!("{path}\u{ff1a}一个多边形最多 {max} 个顶点\u{ff0c}实际 {count} 个")
            }
            GridError::SelfIntersecting { path } => {
                format!("{path}\u{ff1a}边界自相交或自相接")
            }
            GridError::HoleOutside { path } => {
                format!("{path}\u{ff1a}内环\u{ff08}洞\u{ff09}不在外环之内")
            }
            GridError::RingsCross { path, other } => {
                format!("{path}\u{ff1a}与环 {other} 相交")
            }
            GridError::HoleInHole { path, other } => {
                format!("{path}\u{ff1a}内环落在内环 {other} 之中")
            }
            GridError::TooLong { field, chars, max } => {
                format!("{field} 有 {chars} 个字\u{ff0c}最多 {max} 个")
            }
        }
    }
}
