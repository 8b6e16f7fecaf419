//! Who runs and who sees a community's volunteering, and its stations, teams and volunteers.

use xingfu_core::ops::points::PointsRules;
use xingfu_core::workflow::Role;
use xingfu_store::StoreError;
use xingfu_store::rounds::By;
use xingfu_store::volunteers::{NewVolunteer, StationRow, TeamRow, VolunteerRow};

use super::checks::{
    FieldError, MAX_NAME, MAX_TITLE, Refused, check_phone, forbidden, optional, required_name,
};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The points rules in force.
pub fn rules() -> PointsRules {
    PointsRules::baseline()
}

/// Runs the community's volunteering: a community worker of that community.
pub fn may_manage(user: &CurrentUser, community: &str) -> bool {
    user.role == Role::CommunityWorker && user.actor().covers(community)
}

/// Sees a community's volunteers and their balances: staff whose area covers it.
pub fn may_oversee(user: &CurrentUser, community: &str) -> bool {
    matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    ) && user.actor().covers(community)
}

pub(super) fn require_manage(
    user: &CurrentUser,
    community: &str,
    lang: Lang,
) -> Result<(), AppError> {
    if may_manage(user, community) {
        Ok(())
    } else {
        Err(forbidden(
            lang,
            "只有本社区的社区工作者可以办理志愿服务事项",
            "only the community's own workers run its volunteering",
        ))
    }
}

/// What a form adding something named to a community starts with: the caller runs the
/// community's volunteering, and the name is given (at most [`MAX_TITLE`] characters).
pub(super) fn named(
    user: &CurrentUser,
    community: &str,
    field: &str,
    name: &str,
    label: (&str, &str),
    lang: Lang,
) -> Result<Vec<FieldError>, AppError> {
    require_manage(user, community, lang)?;
    let mut errors = Vec::new();
    required_name(&mut errors, field, name, MAX_TITLE, label, lang);
    Ok(errors)
}

pub(super) fn by_user(user: &CurrentUser) -> By<'_> {
    By {
        actor: &user.user.id,
        at: now_ms(),
    }
}

pub async fn create_station(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    lang: Lang,
) -> Result<StationRow, Refused> {
    let errors = named(
        user,
        community,
        "station_name",
        name,
        ("驿站名称", "The station's name"),
        lang,
    )?;
    Refused::unless_none(errors)?;
    let written = state
        .store
        .create_station(community, name.trim(), now_ms())
        .await;
    let message = lang.text("已有同名的驿站", "a station of that name exists");
    Refused::unless_duplicate(written, "station_name", message)
}

pub async fn create_team(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    station: &str,
    lang: Lang,
) -> Result<TeamRow, Refused> {
    let mut errors = named(
        user,
        community,
        "team_name",
        name,
        ("服务队名称", "The team's name"),
        lang,
    )?;
    let station = optional(station);
    let chosen = Chosen::Station(station);
    check_chosen(state, community, chosen, "team_station", &mut errors, lang).await?;
    Refused::unless_none(errors)?;
    let written = state
        .store
        .create_team(community, name.trim(), station, now_ms())
        .await;
    let message = lang.text("已有同名的服务队", "a team of that name exists");
    Refused::unless_duplicate(written, "team_name", message)
}

/// A volunteer as typed into the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VolunteerInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub team: String,
    /// The volunteer's own account (a resident of the community), optional.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub phone: String,
}

pub async fn create_volunteer(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    input: &VolunteerInput,
    lang: Lang,
) -> Result<VolunteerRow, Refused> {
    require_manage(user, community, lang)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "volunteer_name",
        &input.name,
        MAX_NAME,
        ("姓名", "The name"),
        lang,
    );
    check_phone(&mut errors, "volunteer_phone", &input.phone, lang);
    let team = optional(&input.team);
    let chosen = Chosen::Team(team);
    check_chosen(
        state,
        community,
        chosen,
        "volunteer_team",
        &mut errors,
        lang,
    )
    .await?;
    let mut account = None;
    if let Some(username) = optional(&input.username) {
        match state.store.user_by_username(username).await? {
            Some(u) if u.role == Role::Resident.key() && u.region_code == community => {
                account = Some(u.id);
            }
            _ => errors.push(FieldError::new(
                "volunteer_username",
                lang.text(
                    format!("“{username}”不是本社区居民的账号"),
                    format!("“{username}” is not the account of a resident of this community"),
                ),
            )),
        }
    }
    Refused::unless_none(errors)?;
    let written = state
        .store
        .create_volunteer(
            &NewVolunteer {
                community_code: community,
                name: input.name.trim(),
                team_id: team,
                user_id: account.as_deref(),
                phone: optional(&input.phone),
            },
            now_ms(),
        )
        .await;
    let message = lang.text(
        "该账号已登记为志愿者",
        "that account is already registered as a volunteer",
    );
    Refused::unless_duplicate(written, "volunteer_username", message)
}

/// The volunteer linked to the caller's account, if any.
pub async fn own_volunteer(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Option<VolunteerRow>, AppError> {
    Ok(state.store.volunteer_of_user(&user.user.id).await?)
}

/// A volunteer the caller may look at: themself, or staff covering their community.
pub async fn volunteer(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
) -> Result<VolunteerRow, AppError> {
    let v = state.store.volunteer(id).await?.ok_or(AppError::NotFound)?;
    if v.user_id.as_deref() == Some(user.user.id.as_str()) || may_oversee(user, &v.community_code) {
        Ok(v)
    } else {
        Err(forbidden(
            lang,
            "您不能查看这位志愿者的积分",
            "you may not see this volunteer's points",
        ))
    }
}

pub(super) async fn volunteer_of(
    state: &AppState,
    community: &str,
    volunteer: &str,
    field: &str,
    lang: Lang,
) -> Result<VolunteerRow, Refused> {
    match state.store.volunteer(volunteer).await? {
        Some(v) if v.community_code == community => Ok(v),
        _ => Err(Refused::field(
            field,
            lang.text(
                "请选择本社区的志愿者",
                "choose one of the community's volunteers",
            ),
        )),
    }
}

pub(super) async fn volunteer_for_staff(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    lang: Lang,
) -> Result<VolunteerRow, AppError> {
    let v = state
        .store
        .volunteer(volunteer)
        .await?
        .ok_or(AppError::NotFound)?;
    require_manage(user, &v.community_code, lang)?;
    Ok(v)
}

/// A station or a team chosen on a form or named by a row (none is fine).
#[derive(Clone, Copy)]
pub enum Chosen<'a> {
    Station(Option<&'a str>),
    Team(Option<&'a str>),
}

/// The name of the chosen station or team, when it is one of the community's.
pub async fn chosen_name(
    state: &AppState,
    community: &str,
    chosen: Chosen<'_>,
) -> Result<Option<String>, StoreError> {
    Ok(match chosen {
        Chosen::Station(None) | Chosen::Team(None) => None,
        Chosen::Station(Some(id)) => state
            .store
            .stations_in(community)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| s.name),
        Chosen::Team(Some(id)) => state
            .store
            .teams_in(community)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.name),
    })
}

/// A station or team chosen on a form must be one of the community's.
pub(super) async fn check_chosen(
    state: &AppState,
    community: &str,
    chosen: Chosen<'_>,
    field: &str,
    errors: &mut Vec<FieldError>,
    lang: Lang,
) -> Result<(), StoreError> {
    let (Chosen::Station(Some(_)) | Chosen::Team(Some(_))) = chosen else {
        return Ok(());
    };
    if chosen_name(state, community, chosen).await?.is_none() {
        errors.push(FieldError::new(
            field,
            match chosen {
                Chosen::Station(_) => lang.text(
                    "请选择本社区的驿站",
                    "choose one of the community's stations",
                ),
                Chosen::Team(_) => lang.text(
                    "请选择本社区的服务队",
                    "choose one of the community's teams",
                ),
            },
        ));
    }
    Ok(())
}
