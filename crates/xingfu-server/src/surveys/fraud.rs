//! Fraud signals: bursts from one source, identical answer patterns and located answers outside
//! a community's area, per community of an area, for district and city administrators; and the
//! community areas the last signal is read against. Signals are reasons to look; nothing is
//! removed here (answers held at arrival are in `answers`, their review in `review`).

use std::collections::BTreeMap;

use serde::Serialize;
use xingfu_core::region;
use xingfu_core::survey::Channel;
use xingfu_core::survey::fraud::{
    AnswerMeta, CommunityArea, FraudParams, FraudSignals, GeoPoint, signals,
};
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::RoundRow;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::service::{by, chosen_area, may_see_signals, region_name, round_of};

/// Answers read at most for one fraud-signal page.
pub const MAX_FRAUD_ANSWERS: i64 = 200_000;

/// A community's area as stored (JSON of the core's `CommunityArea`).
pub fn parse_area(text: &str) -> Option<CommunityArea> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let point = |v: &serde_json::Value| -> Option<GeoPoint> {
        Some(GeoPoint {
            lat: v.get("lat")?.as_f64()?,
            lon: v.get("lon")?.as_f64()?,
        })
    };
    match value.get("kind")?.as_str()? {
        "circle" => Some(CommunityArea::Circle {
            centre: point(value.get("centre")?)?,
            radius_m: value.get("radius_m")?.as_f64()?,
        }),
        "polygon" => Some(CommunityArea::Polygon {
            ring: value
                .get("ring")?
                .as_array()?
                .iter()
                .map(point)
                .collect::<Option<Vec<_>>>()?,
        }),
        _ => None,
    }
}

/// Sets a community's area as a circle, for the outside-the-community signal.
pub async fn save_circle_area(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    centre: GeoPoint,
    radius_m: f64,
    lang: Lang,
) -> Result<(), AppError> {
    may_see_signals(user, community, lang)?;
    let area = CommunityArea::Circle { centre, radius_m };
    area.check()
        .map_err(|e| AppError::BadRequest(lang.text(e.zh(), e.to_string())))?;
    let text = serde_json::to_string(&area).map_err(|e| internal(format!("area JSON: {e}")))?;
    state
        .store
        .set_survey_area(community, &text, by(user))
        .await?;
    Ok(())
}

/// The signals of one community.
#[derive(Debug, Clone, Serialize)]
pub struct CommunitySignals {
    pub code: String,
    pub name: String,
    pub answers: usize,
    pub area: Option<CommunityArea>,
    pub signals: FraudSignals,
}

/// Fraud signals for every community of an area.
#[derive(Debug, Clone)]
pub struct FraudView {
    pub round: RoundRow,
    pub area: RegionRow,
    /// More answers than [`MAX_FRAUD_ANSWERS`]: choose a smaller area.
    pub too_many: bool,
    pub communities: Vec<CommunitySignals>,
}

fn meta_of(row: xingfu_store::surveys::SurveyAnswerMeta) -> Option<AnswerMeta> {
    Some(AnswerMeta {
        channel: Channel::parse(&row.channel)?,
        location: row.location_e6.map(|(lat, lon)| GeoPoint {
            lat: lat as f64 / 1_000_000.0,
            lon: lon as f64 / 1_000_000.0,
        }),
        id: row.id,
        at_millis: row.at,
        source: row.source,
        pattern: row.pattern,
    })
}

/// The three signals per community of `area`, for district and city administrators.
pub async fn fraud_signals(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    area: Option<&str>,
    params: &FraudParams,
    lang: Lang,
) -> Result<FraudView, AppError> {
    let round = round_of(state, round_id).await?;
    let area = chosen_area(user, &round, area, lang)?;
    may_see_signals(user, &area, lang)?;
    let area_row = state.store.region(&area).await?.ok_or(AppError::NotFound)?;
    let prefix = region::subtree_prefix(&area_row.code, &area_row.level).to_string();
    let Some(rows) = state
        .store
        .survey_answer_metas(round_id, &prefix, MAX_FRAUD_ANSWERS)
        .await?
    else {
        return Ok(FraudView {
            round,
            area: area_row,
            too_many: true,
            communities: Vec::new(),
        });
    };
    let mut by_community: BTreeMap<String, Vec<AnswerMeta>> = BTreeMap::new();
    for row in rows {
        let community = row.community_code.clone();
        if let Some(meta) = meta_of(row) {
            by_community.entry(community).or_default().push(meta);
        }
    }
    let mut communities = Vec::new();
    for (code, metas) in by_community {
        let name = region_name(state, &code).await?;
        let area = state
            .store
            .survey_area(&code)
            .await?
            .as_deref()
            .and_then(parse_area);
        // A stored area that does not check is shown as missing rather than failing the page.
        let checked_area = area.clone().filter(|a| a.check().is_ok());
        let found = signals(&metas, checked_area.as_ref(), params)
            .map_err(|e| internal(format!("fraud signals of {code}: {e}")))?;
        communities.push(CommunitySignals {
            code,
            name,
            answers: metas.len(),
            area: checked_area,
            signals: found,
        });
    }
    Ok(FraudView {
        round,
        area: area_row,
        too_many: false,
        communities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_read_back_from_their_json() {
        let circle = CommunityArea::Circle {
            centre: GeoPoint {
                lat: 28.01,
                lon: 120.65,
            },
            radius_m: 400.0,
        };
        let text = serde_json::to_string(&circle).unwrap();
        assert_eq!(parse_area(&text), Some(circle));
        let polygon = CommunityArea::Polygon {
            ring: vec![
                GeoPoint { lat: 1.0, lon: 2.0 },
                GeoPoint { lat: 1.5, lon: 2.0 },
                GeoPoint { lat: 1.5, lon: 2.5 },
            ],
        };
        assert_eq!(
            parse_area(&serde_json::to_string(&polygon).unwrap()),
            Some(polygon)
        );
        assert_eq!(parse_area(r#"{"kind":"square"}"#), None);
        assert_eq!(parse_area("not json"), None);
    }
}
