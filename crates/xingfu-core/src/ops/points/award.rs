//! Hours served into points: the rules by activity type, the minutes counted, the award.

use serde::{Deserialize, Serialize};

use super::{Activity, SignIn};
use crate::decimal::Dec2;
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityType {
    pub key: String,
    pub zh: String,
    pub en: String,
    /// Applied to hours × points per hour; 1.00 is plain.
    pub multiplier: Dec2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsRules {
    pub points_per_hour: i64,
    pub types: Vec<ActivityType>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("points per hour must be positive")]
    NonPositiveRate,
    #[error("activity type {0} is listed twice")]
    DuplicateType(String),
    #[error("activity type {0}: the multiplier must be positive")]
    NonPositiveMultiplier(String),
}

impl PointsRules {
    /// The defaults described in the module comment.
    pub fn baseline() -> PointsRules {
        let kind = |key: &str, zh: &str, en: &str, hundredths: i64| ActivityType {
            key: key.into(),
            zh: zh.into(),
            en: en.into(),
            multiplier: Dec2(hundredths),
        };
        PointsRules {
            points_per_hour: 10,
            types: vec![
                kind("general", "常规志愿服务", "general volunteering", 100),
                kind(
                    "care",
                    "关爱帮扶（低保、空巢、三留守、残疾人）",
                    "care for people in need",
                    150,
                ),
                kind("emergency", "应急救援与防汛防疫", "emergency response", 200),
                kind("environment", "环境整治", "environment clean-up", 100),
                kind("culture", "文化体育活动", "culture and sports", 100),
                kind("safety", "平安巡逻", "safety patrol", 100),
            ],
        }
    }

    pub fn validate(&self) -> Result<(), RulesError> {
        if self.points_per_hour <= 0 {
            return Err(RulesError::NonPositiveRate);
        }
        for (i, t) in self.types.iter().enumerate() {
            if self.types[..i].iter().any(|u| u.key == t.key) {
                return Err(RulesError::DuplicateType(t.key.clone()));
            }
            if t.multiplier.0 <= 0 {
                return Err(RulesError::NonPositiveMultiplier(t.key.clone()));
            }
        }
        Ok(())
    }

    pub fn activity_type(&self, key: &str) -> Option<&ActivityType> {
        self.types.iter().find(|t| t.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwardError {
    #[error("{volunteer} has not signed out of {activity}")]
    NotSignedOut { volunteer: String, activity: String },
    #[error("signed out before signing in")]
    SignOutBeforeSignIn,
    #[error("the sign-in is for activity {signed_for}, not {activity}")]
    WrongActivity {
        signed_for: String,
        activity: String,
    },
    #[error("activity {0} was cancelled")]
    Cancelled(String),
    #[error("unknown activity type {0:?}")]
    UnknownType(String),
    #[error("no time overlaps the activity's schedule")]
    NoTimeServed,
}

impl AwardError {
    pub fn zh(&self) -> String {
        match self {
            AwardError::NotSignedOut { volunteer, .. } => format!("志愿者 {volunteer} 尚未签退"),
            AwardError::SignOutBeforeSignIn => "签退时间早于签到时间".into(),
            AwardError::WrongActivity { .. } => "签到记录与活动不符".into(),
            AwardError::Cancelled(id) => format!("活动 {id} 已取消"),
            AwardError::UnknownType(key) => format!("未知的活动类型：{key}"),
            AwardError::NoTimeServed => "签到时间与活动时间没有重叠".into(),
        }
    }
}

/// Whole minutes of `sign_in` within the activity's scheduled time.
pub fn counted_minutes(activity: &Activity, sign_in: &SignIn) -> Result<i64, AwardError> {
    if sign_in.activity != activity.id {
        return Err(AwardError::WrongActivity {
            signed_for: sign_in.activity.clone(),
            activity: activity.id.clone(),
        });
    }
    let out = sign_in
        .signed_out_at
        .ok_or_else(|| AwardError::NotSignedOut {
            volunteer: sign_in.volunteer.clone(),
            activity: activity.id.clone(),
        })?;
    if out < sign_in.signed_in_at {
        return Err(AwardError::SignOutBeforeSignIn);
    }
    let from = sign_in.signed_in_at.max(activity.starts_at);
    let to = out.min(activity.ends_at);
    Ok((to.saturating_sub(from)).max(0) / 60_000)
}

/// Points for `minutes` of an activity of `type_key`, rounded down.
pub fn points_for(rules: &PointsRules, type_key: &str, minutes: i64) -> Result<i64, AwardError> {
    let t = rules
        .activity_type(type_key)
        .ok_or_else(|| AwardError::UnknownType(type_key.to_string()))?;
    let scaled =
        i128::from(minutes.max(0)) * i128::from(rules.points_per_hour) * i128::from(t.multiplier.0);
    Ok(i64::try_from(scaled / 6_000).unwrap_or(i64::MAX))
}

/// A volunteer's award for one activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    /// `earn:<activity>:<volunteer>`: one award per volunteer per activity.
    pub key: String,
    pub volunteer: String,
    pub activity: String,
    pub minutes: i64,
    pub points: i64,
}

pub fn award(
    rules: &PointsRules,
    activity: &Activity,
    sign_in: &SignIn,
) -> Result<Award, AwardError> {
    if activity.cancelled {
        return Err(AwardError::Cancelled(activity.id.clone()));
    }
    let minutes = counted_minutes(activity, sign_in)?;
    if minutes == 0 {
        return Err(AwardError::NoTimeServed);
    }
    let points = points_for(rules, &activity.activity_type, minutes)?;
    Ok(Award {
        key: format!("earn:{}:{}", activity.id, sign_in.volunteer),
        volunteer: sign_in.volunteer.clone(),
        activity: activity.id.clone(),
        minutes,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;
    const MINUTE: i64 = 60_000;

    fn activity(kind: &str) -> Activity {
        Activity {
            id: "a1".into(),
            title: "助老理发".into(),
            activity_type: kind.into(),
            community: "610302001003".into(),
            station: Some("st1".into()),
            team: Some("t1".into()),
            starts_at: T0,
            ends_at: T0 + 120 * MINUTE,
            people_served: 12,
            cancelled: false,
        }
    }

    fn sign_in(from_min: i64, to_min: Option<i64>) -> SignIn {
        SignIn {
            volunteer: "v1".into(),
            activity: "a1".into(),
            signed_in_at: T0 + from_min * MINUTE,
            signed_out_at: to_min.map(|m| T0 + m * MINUTE),
        }
    }

    #[test]
    fn baseline_rules_are_valid() {
        assert_eq!(PointsRules::baseline().validate(), Ok(()));
        let mut twice = PointsRules::baseline();
        twice.types.push(twice.types[0].clone());
        assert_eq!(
            twice.validate(),
            Err(RulesError::DuplicateType("general".into()))
        );
        let mut zero = PointsRules::baseline();
        zero.points_per_hour = 0;
        assert_eq!(zero.validate(), Err(RulesError::NonPositiveRate));
        let mut free = PointsRules::baseline();
        free.types[1].multiplier = Dec2::ZERO;
        assert_eq!(
            free.validate(),
            Err(RulesError::NonPositiveMultiplier("care".into()))
        );
    }

    #[test]
    fn time_counts_only_within_the_schedule_in_whole_minutes() {
        let a = activity("general");
        assert_eq!(counted_minutes(&a, &sign_in(-30, Some(60))), Ok(60));
        assert_eq!(counted_minutes(&a, &sign_in(30, Some(200))), Ok(90));
        let mut s = sign_in(0, Some(0));
        s.signed_out_at = Some(T0 + MINUTE - 1);
        assert_eq!(counted_minutes(&a, &s), Ok(0));
        s.signed_out_at = Some(T0 + MINUTE);
        assert_eq!(counted_minutes(&a, &s), Ok(1));
        assert_eq!(counted_minutes(&a, &sign_in(130, Some(150))), Ok(0));
        assert_eq!(
            counted_minutes(&a, &sign_in(10, Some(5))),
            Err(AwardError::SignOutBeforeSignIn)
        );
        assert!(matches!(
            counted_minutes(&a, &sign_in(0, None)),
            Err(AwardError::NotSignedOut { .. })
        ));
        let mut other = sign_in(0, Some(10));
        other.activity = "a2".into();
        assert!(matches!(
            counted_minutes(&a, &other),
            Err(AwardError::WrongActivity { .. })
        ));
    }

    #[test]
    fn points_follow_hours_and_multipliers_rounded_down() {
        let rules = PointsRules::baseline();
        // 10 points an hour: 60 min → 10, 59 min → 9 (9.83), 6 min → 1.
        assert_eq!(points_for(&rules, "general", 60), Ok(10));
        assert_eq!(points_for(&rules, "general", 59), Ok(9));
        assert_eq!(points_for(&rules, "general", 6), Ok(1));
        assert_eq!(points_for(&rules, "general", 5), Ok(0));
        // Care ×1.5: 60 → 15, 4 min → 1 (1.0), 3 min → 0 (0.75).
        assert_eq!(points_for(&rules, "care", 60), Ok(15));
        assert_eq!(points_for(&rules, "care", 4), Ok(1));
        assert_eq!(points_for(&rules, "care", 3), Ok(0));
        // Emergency ×2: 90 min → 30.
        assert_eq!(points_for(&rules, "emergency", 90), Ok(30));
        assert_eq!(
            points_for(&rules, "nope", 90),
            Err(AwardError::UnknownType("nope".into()))
        );
    }

    #[test]
    fn an_award_is_keyed_per_volunteer_and_activity() {
        let rules = PointsRules::baseline();
        let a = activity("care");
        let got = award(&rules, &a, &sign_in(0, Some(120))).unwrap();
        assert_eq!(got.key, "earn:a1:v1");
        assert_eq!((got.minutes, got.points), (120, 30));
        assert_eq!(
            award(&rules, &a, &sign_in(150, Some(160))),
            Err(AwardError::NoTimeServed)
        );
        let mut cancelled = a.clone();
        cancelled.cancelled = true;
        assert_eq!(
            award(&rules, &cancelled, &sign_in(0, Some(120))),
            Err(AwardError::Cancelled("a1".into()))
        );
    }
}
