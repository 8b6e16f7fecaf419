//! Volunteer activities: publishing, signing in and out (time turned into points by the core's
//! `award`), people served and cancelling.

use serde::Serialize;
use xingfu_core::ops::points::{self, AwardError};
use xingfu_store::rounds::By;
use xingfu_store::volunteers::{ActivityRow, NewActivity, SignedOut, VolunteerRow};

use super::checks::{FieldError, MAX_QUANTITY, Refused, count_in, forbidden, optional};
use super::volunteers::{
    Chosen, by_user, check_chosen, named, require_manage, rules, volunteer_of,
};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// An activity as read from a form or a request, times already parsed.
#[derive(Debug, Clone)]
pub struct ActivityInput {
    pub title: String,
    pub activity_type: String,
    pub station: String,
    pub team: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

pub async fn create_activity(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    input: &ActivityInput,
    lang: Lang,
) -> Result<ActivityRow, Refused> {
    let mut errors = named(
        user,
        community,
        "title",
        &input.title,
        ("活动名称", "The title"),
        lang,
    )?;
    if rules().activity_type(&input.activity_type).is_none() {
        errors.push(FieldError::new(
            "activity_type",
            lang.text("请选择活动类型", "choose the kind of activity"),
        ));
    }
    if input.ends_at <= input.starts_at {
        errors.push(FieldError::new(
            "ends_at",
            lang.text("结束时间须晚于开始时间", "the end must be after the start"),
        ));
    }
    let (station, team) = (optional(&input.station), optional(&input.team));
    check_chosen(
        state,
        community,
        Chosen::Station(station),
        "station",
        &mut errors,
        lang,
    )
    .await?;
    check_chosen(
        state,
        community,
        Chosen::Team(team),
        "team",
        &mut errors,
        lang,
    )
    .await?;
    Refused::unless_none(errors)?;
    Ok(state
        .store
        .create_activity(
            &NewActivity {
                community_code: community,
                title: input.title.trim(),
                activity_type: &input.activity_type,
                station_id: station,
                team_id: team,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
            by_user(user),
        )
        .await?)
}

/// An activity the caller may see (any account covering its community).
pub async fn activity(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
) -> Result<ActivityRow, AppError> {
    let activity = state.store.activity(id).await?.ok_or(AppError::NotFound)?;
    if !user.actor().covers(&activity.community_code) {
        return Err(forbidden(
            lang,
            "该活动不在您的管辖范围内",
            "this activity is outside your area",
        ));
    }
    Ok(activity)
}

async fn managed_activity(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
) -> Result<ActivityRow, AppError> {
    let activity = activity(state, user, id, lang).await?;
    require_manage(user, &activity.community_code, lang)?;
    Ok(activity)
}

/// The volunteer of the activity's community a sign-in sheet names.
async fn signing_volunteer(
    state: &AppState,
    activity: &ActivityRow,
    volunteer: &str,
    lang: Lang,
) -> Result<VolunteerRow, Refused> {
    volunteer_of(
        state,
        &activity.community_code,
        volunteer,
        "volunteer",
        lang,
    )
    .await
}

/// Signs a volunteer in to an activity at `at` (not in the future, not after it ended).
pub async fn sign_in(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    volunteer: &str,
    at: i64,
    lang: Lang,
) -> Result<(), Refused> {
    let activity = managed_activity(state, user, activity_id, lang).await?;
    if activity.cancelled {
        return Err(Refused::App(AppError::Conflict(lang.text(
            "活动已取消，不能签到",
            "the activity was cancelled: nobody signs in",
        ))));
    }
    let v = signing_volunteer(state, &activity, volunteer, lang).await?;
    if at > now_ms() {
        return Err(Refused::field(
            "signed_in_at",
            lang.text(
                "签到时间不能晚于现在",
                "the sign-in cannot be in the future",
            ),
        ));
    }
    if at >= activity.ends_at {
        return Err(Refused::field(
            "signed_in_at",
            lang.text(
                "签到时间须早于活动结束时间",
                "the sign-in must be before the activity ends",
            ),
        ));
    }
    let signed = state
        .store
        .sign_in(
            &activity.id,
            &v.id,
            By {
                at,
                ..by_user(user)
            },
        )
        .await?;
    if signed {
        Ok(())
    } else {
        Err(Refused::field(
            "volunteer",
            lang.text(
                format!("{} 已经签到", v.name),
                format!("{} has already signed in", v.name),
            ),
        ))
    }
}

// The API answers with it as it is.
/// What a sign-out counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = SignedOut)]
pub struct SignOutOutcome {
    pub volunteer_name: String,
    /// Whole minutes within the activity's schedule.
    pub minutes: i64,
    /// Points credited (per the points rules, rounded down).
    pub points: i64,
}

/// Signs a volunteer out at `at`: the counted time and points follow the core's `award`.
pub async fn sign_out(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    volunteer: &str,
    at: i64,
    lang: Lang,
) -> Result<SignOutOutcome, Refused> {
    let activity = managed_activity(state, user, activity_id, lang).await?;
    let v = signing_volunteer(state, &activity, volunteer, lang).await?;
    let field = format!("signed_out_at_{}", v.id);
    let not_signed_in = || {
        Refused::field(
            &field,
            lang.text(
                format!("{} 还没有签到", v.name),
                format!("{} has not signed in", v.name),
            ),
        )
    };
    let signed_out_already = || {
        Refused::App(AppError::Conflict(lang.text(
            format!("{} 已经签退", v.name),
            format!("{} has already signed out", v.name),
        )))
    };
    let Some(signed) = state.store.sign_in_of(&activity.id, &v.id).await? else {
        return Err(not_signed_in());
    };
    if signed.signed_out_at.is_some() {
        return Err(signed_out_already());
    }
    if at > now_ms() {
        return Err(Refused::field(
            &field,
            lang.text(
                "签退时间不能晚于现在",
                "the sign-out cannot be in the future",
            ),
        ));
    }
    let core_activity = points::Activity {
        id: activity.id.clone(),
        title: activity.title.clone(),
        activity_type: activity.activity_type.clone(),
        community: activity.community_code.clone(),
        station: activity.station_id.clone(),
        team: activity.team_id.clone(),
        starts_at: activity.starts_at,
        ends_at: activity.ends_at,
        people_served: u32::try_from(activity.people_served).unwrap_or(u32::MAX),
        cancelled: activity.cancelled,
    };
    let sign = points::SignIn {
        volunteer: v.id.clone(),
        activity: activity.id.clone(),
        signed_in_at: signed.signed_in_at,
        signed_out_at: Some(at),
    };
    let (minutes, award) = match points::award(&rules(), &core_activity, &sign) {
        Ok(award) => (award.minutes, Some((award.key, award.points))),
        // Time outside the schedule counts for nothing; the sign-out is still recorded.
        Err(AwardError::NoTimeServed) => (0, None),
        Err(AwardError::SignOutBeforeSignIn) => {
            return Err(Refused::field(
                &field,
                lang.text("签退时间早于签到时间", "the sign-out is before the sign-in"),
            ));
        }
        Err(other) => {
            return Err(Refused::App(AppError::Conflict(
                lang.text(other.zh(), other.to_string()),
            )));
        }
    };
    let outcome = state
        .store
        .sign_out(
            &activity.id,
            &v.id,
            minutes,
            award.as_ref().map(|(k, p)| (k.as_str(), *p)),
            By {
                at,
                ..by_user(user)
            },
        )
        .await?;
    match outcome {
        SignedOut::Done { .. } => Ok(SignOutOutcome {
            volunteer_name: v.name.clone(),
            minutes,
            points: award.map(|(_, p)| p).unwrap_or(0),
        }),
        SignedOut::Already => Err(signed_out_already()),
        SignedOut::NotSignedIn => Err(not_signed_in()),
    }
}

pub async fn set_people_served(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    people: &str,
    read: &str,
    lang: Lang,
) -> Result<(), Refused> {
    let activity = managed_activity(state, user, activity_id, lang).await?;
    let Some(n) = count_in(people, 0..=MAX_QUANTITY * 10) else {
        return Err(Refused::field(
            "people_served",
            lang.text(
                "请填写服务人数（0 或正整数）",
                "enter how many people were served (0 or a whole number)",
            ),
        ));
    };
    // The figure the form showed: a save from a page read before someone else's is refused
    // (a form without it, not from the page, saves over whatever is stored).
    let saved = match read.trim().parse::<i64>() {
        Ok(read) => {
            state
                .store
                .set_people_served_if(&activity.id, n, read)
                .await?
        }
        Err(_) => state.store.set_people_served(&activity.id, n).await?,
    };
    if !saved {
        let now = managed_activity(state, user, activity_id, lang).await?;
        return Err(Refused::field(
            "people_served",
            if lang.is_en() {
                format!(
                    "Someone changed the people served to {} after you opened this page; your \
                     change was not saved. Check it and submit again.",
                    now.people_served
                )
            } else {
                format!(
                    "服务人次已被他人改为 {}\u{ff08}在您打开此页之后\u{ff09}\u{ff0c}您这次的修改没有保存。请核对后再提交。",
                    now.people_served
                )
            },
        ));
    }
    Ok(())
}

pub async fn cancel_activity(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let activity = managed_activity(state, user, activity_id, lang).await?;
    if state.store.cancel_activity(&activity.id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(lang.text(
            "已有志愿者签到的活动不能取消",
            "an activity with sign-ins cannot be cancelled",
        )))
    }
}
