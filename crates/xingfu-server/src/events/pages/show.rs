//! One event with its steps, photos, possible duplicates and the buttons its viewer may press.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::ops::events::{ActionKind, Event, EventId, allowed_actions};
use xingfu_core::ops::{Level, OpsRole};
use xingfu_store::events::PhotoStage;

use super::list::event_line;
use super::shared::{
    Choice, Visit, Words, action_label, category_label, level_label, page_for, person_or_refuse,
    render_with, role_label, state_label, words,
};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::events::service::{OpsPerson, duplicate_suggestions, rules};
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, when};

pub struct PhotoView {
    pub id: String,
    pub width: i64,
    pub height: i64,
}

pub struct StepLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub change: String,
    pub note: String,
}

pub struct DuplicateLine {
    pub id: u64,
    pub category: String,
    pub state: String,
    pub metres: String,
    pub gap: String,
    /// When this viewer may merge: (duplicate id, its version, primary id).
    pub merge: Option<(u64, u64, u64)>,
    pub merge_label: String,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    page: Page,
    w: &'static Words,
    csrf: String,
    id: u64,
    version: u64,
    category: String,
    description: String,
    state: String,
    level: String,
    grid: String,
    community: String,
    community_name: String,
    lon: String,
    lat: String,
    address: String,
    reporter: String,
    assignee: String,
    reported: String,
    deadline: String,
    flag: String,
    escalations: u32,
    reopens: u32,
    merged_into: Option<u64>,
    merged: Vec<u64>,
    contact: String,
    external_media: String,
    before: Vec<PhotoView>,
    after: Vec<PhotoView>,
    steps: Vec<StepLine>,
    /// (action key, button label) of what the viewer may do.
    actions: Vec<(String, String)>,
    people: Vec<Choice>,
    lower_levels: Vec<Choice>,
    duplicates: Vec<DuplicateLine>,
    notice: Option<String>,
    errors: Vec<String>,
    staff: bool,
}

#[derive(Deserialize, Default)]
pub struct EventQuery {
    #[serde(default)]
    reported: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// Who may be dispatched to at the event's level: community workers and the grid's members
/// at community level, the street's or district's administrators above.
async fn dispatch_choices(
    state: &AppState,
    event: &Event,
    viewer: &OpsPerson,
) -> Result<Vec<Choice>, AppError> {
    let (prefix, roles): (String, &[&str]) = match event.level {
        Level::Community => (event.community.clone(), &["community_worker"]),
        Level::Street => (event.community[..9].to_string(), &["street_admin"]),
        Level::District => (event.community[..6].to_string(), &["district_admin"]),
    };
    let mut people: Vec<(String, String)> = state
        .store
        .people_within(&prefix, roles)
        .await?
        .into_iter()
        .map(|p| (p.username, p.display_name))
        .collect();
    if event.level == Level::Community
        && let Some(grid_id) = &event.grid
    {
        let grids = state.store.grids_of(&event.community).await?;
        if let Some(grid) = grids.iter().find(|g| &g.id == grid_id) {
            for member in &grid.members {
                if !people.iter().any(|(u, _)| *u == member.person) {
                    people.push((member.person.clone(), member.person.clone()));
                }
            }
        }
    }
    if !people.iter().any(|(u, _)| *u == viewer.username) {
        people.insert(0, (viewer.username.clone(), viewer.display_name.clone()));
    }
    Ok(people
        .into_iter()
        .map(|(username, display)| Choice {
            selected: event.assignee.as_deref() == Some(username.as_str()),
            label: if display == username {
                username.clone()
            } else {
                format!("{display}({username})")
            },
            value: username,
        })
        .collect())
}

fn metres_text(metres: f64) -> String {
    format!("{metres:.0} m")
}

fn gap_text(lang: Lang, ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes < 60 {
        if lang.is_en() {
            format!("{minutes} min")
        } else {
            format!("{minutes} 分钟")
        }
    } else if lang.is_en() {
        format!("{:.1} h", ms as f64 / 3_600_000.0)
    } else {
        format!("{:.1} 小时", ms as f64 / 3_600_000.0)
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn render_event(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    person: &OpsPerson,
    id: EventId,
    notice: Option<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let w = words(lang);
    let event = state.store.event(id).await?.ok_or(AppError::NotFound)?;
    if !person.may_see(&event) {
        return Err(AppError::NotFound);
    }
    let now = now_ms();
    let staff = person.is_staff();
    let actor = person.actor();
    let allowed = allowed_actions(&event, &actor, now, rules());
    let actions = allowed
        .iter()
        .map(|k| (k.key().to_string(), action_label(lang, *k).to_string()))
        .collect();
    let people = if allowed.contains(&ActionKind::Dispatch) {
        dispatch_choices(state, &event, person).await?
    } else {
        Vec::new()
    };
    let lower_levels = Level::ALL
        .into_iter()
        .filter(|l| *l < event.level)
        .map(|l| Choice {
            value: l.key().to_string(),
            label: level_label(lang, l).to_string(),
            selected: false,
        })
        .collect();
    let photos = state.store.event_photos(id).await?;
    let view = |stage: PhotoStage| {
        photos
            .iter()
            .filter(|p| p.stage == stage)
            .map(|p| PhotoView {
                id: p.id.clone(),
                width: p.width,
                height: p.height,
            })
            .collect::<Vec<_>>()
    };
    let steps = state
        .store
        .event_steps(id)
        .await?
        .into_iter()
        .map(|s| {
            let from = s.from_state.map(|f| state_label(lang, f)).unwrap_or("");
            let mut change = if from.is_empty() {
                state_label(lang, s.to_state).to_string()
            } else {
                format!("{from} → {}", state_label(lang, s.to_state))
            };
            if let Some(from_level) = s.from_level
                && from_level != s.to_level
            {
                change.push_str(&format!(
                    ";{} → {}",
                    level_label(lang, from_level),
                    level_label(lang, s.to_level)
                ));
            }
            if s.action == ActionKind::Dispatch
                && let Some(a) = &s.assignee
            {
                change.push_str(&format!("{}{} {a}", lang.semicolon(), w.assignee));
            }
            // Residents see their own name and the others' roles; staff see every name.
            let named = s.role != OpsRole::System && (staff || s.actor == person.username);
            let who = if !named {
                role_label(lang, s.role).to_string()
            } else {
                let role = role_label(lang, s.role);
                format!("{}{}{role}{}", s.actor, lang.open(), lang.close())
            };
            StepLine {
                when: when(s.at),
                who,
                action: action_label(lang, s.action).to_string(),
                change,
                note: s.note.unwrap_or_default(),
            }
        })
        .collect();
    let mut duplicates = Vec::new();
    if staff && !event.state.is_final() {
        for (s, other) in duplicate_suggestions(&state.store, &event).await? {
            let duplicate = if s.duplicate == event.id {
                &event
            } else {
                &other
            };
            let may_merge =
                allowed_actions(duplicate, &actor, now, rules()).contains(&ActionKind::MergeInto);
            duplicates.push(DuplicateLine {
                id: other.id.0,
                category: category_label(lang, &other.category),
                state: state_label(lang, other.state).to_string(),
                metres: metres_text(s.metres),
                gap: gap_text(lang, s.gap_ms),
                merge: may_merge.then_some((s.duplicate.0, duplicate.version, s.primary.0)),
                merge_label: if lang.is_en() {
                    format!("Merge #{} into #{}", s.duplicate, s.primary)
                } else {
                    format!("将 #{} 合并到 #{}", s.duplicate, s.primary)
                },
            });
        }
    }
    let extras = if staff {
        state.store.event_extras(id).await?
    } else {
        Default::default()
    };
    let line = event_line(lang, &event, now);
    let community_name = state
        .store
        .region(&event.community)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let reporter = match &event.reporter {
        None => w.anonymous.to_string(),
        Some(r) if *r == person.username => w.you.to_string(),
        Some(r) if staff => r.clone(),
        Some(_) => String::new(),
    };
    render_with(
        status,
        EventPage {
            page: page_for(
                jar,
                user,
                &format!("/events/{id}"),
                format!("{} #{id}", w.event_title),
            ),
            w,
            csrf: user.csrf.clone(),
            id: id.0,
            version: event.version,
            category: line.category,
            description: event.description.clone(),
            state: line.state,
            level: line.level,
            grid: line.grid,
            community: event.community.clone(),
            community_name,
            lon: event
                .position()
                .map(|at| format!("{:.6}", at.lon))
                .unwrap_or_default(),
            lat: event
                .position()
                .map(|at| format!("{:.6}", at.lat))
                .unwrap_or_default(),
            address: event.address.clone().unwrap_or_default(),
            reporter,
            assignee: event.assignee.clone().unwrap_or_default(),
            reported: line.reported,
            deadline: line.deadline,
            flag: line.flag,
            escalations: event.escalations,
            reopens: event.reopens,
            merged_into: event.merged_into.map(|m| m.0),
            merged: state
                .store
                .merged_into(id)
                .await?
                .into_iter()
                .map(|m| m.0)
                .collect(),
            contact: extras.contact.unwrap_or_default(),
            external_media: extras.external_media.unwrap_or_default(),
            before: view(PhotoStage::Before),
            after: view(PhotoStage::After),
            steps,
            actions,
            people,
            lower_levels,
            duplicates,
            notice,
            errors,
            staff,
        },
    )
}

/// GET /events/{id}: the event for its reporter and for staff whose area covers it.
pub async fn show(v: Visit, Path(id): Path<u64>, Query(query): Query<EventQuery>) -> PageResult {
    let (state, jar, user, lang) = v.into_parts();
    let w = words(lang);
    let person = person_or_refuse(&state, &user, lang).await?;
    let notice = if query.reported.is_some() {
        Some(format!("{} #{id}", w.reported_notice))
    } else {
        query
            .done
            .as_deref()
            .and_then(ActionKind::parse)
            .map(|k| format!("{}{}", w.done_notice, action_label(lang, k)))
    };
    render_event(
        &state,
        &jar,
        &user,
        &person,
        EventId(id),
        notice,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}
