//! The list of events: staff see those in their area, residents those they reported.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use xingfu_core::ops::Level;
use xingfu_core::ops::events::Event;
use xingfu_core::region;
use xingfu_store::events::StateFilter;

use super::shared::{
    Visit, Words, category_label, level_label, person_or_refuse, state_label, words,
};
use crate::app::clock::now_ms;
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, render, when};

pub struct EventLine {
    pub id: u64,
    pub category: String,
    pub state: String,
    pub level: String,
    pub grid: String,
    pub community: String,
    pub reported: String,
    pub deadline: String,
    /// "overdue" / "supervised" marker, in words.
    pub flag: String,
}

pub fn event_line(lang: Lang, e: &Event, now: i64) -> EventLine {
    let w = words(lang);
    let overdue = e.deadline.is_some_and(|d| now > d) && e.state.is_open();
    EventLine {
        id: e.id.0,
        category: category_label(lang, &e.category),
        state: state_label(lang, e.state).to_string(),
        level: level_label(lang, e.level).to_string(),
        grid: e.grid.clone().unwrap_or_default(),
        community: e.community.clone(),
        reported: when(e.reported_at),
        deadline: e.deadline.map(when).unwrap_or_default(),
        flag: match (overdue, e.level) {
            (true, Level::District) => format!("{} · {}", w.overdue, w.supervise),
            (true, _) => w.overdue.to_string(),
            (false, _) if e.late => w.late.to_string(),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct ListPage {
    page: Page,
    w: &'static Words,
    staff: bool,
    show: String,
    lines: Vec<EventLine>,
    community: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    show: String,
}

/// GET /events: staff see the events in their area (being handled, overdue or all); residents
/// the events they reported.
pub async fn list(viewer: Visit, Query(query): Query<ListQuery>) -> PageResult {
    let (state, jar, user, lang) = viewer.into_parts();
    let person = person_or_refuse(&state, &user, lang).await?;
    let now = now_ms();
    let (events, show) = if person.is_staff() {
        let prefix = region::subtree_prefix(&person.region, person.role.region_level());
        let (filter, show) = match query.show.as_str() {
            "all" => (StateFilter::All, "all"),
            "overdue" => (StateFilter::Overdue { now }, "overdue"),
            _ => (StateFilter::Live, "live"),
        };
        (state.store.events_within(prefix, filter, 500).await?, show)
    } else {
        (
            state
                .store
                .events_reported_by(&person.username, 500)
                .await?,
            "mine",
        )
    };
    let w = words(lang);
    let community = (person.role.region_level() == "community").then(|| person.region.clone());
    render(ListPage {
        page: Page::new(&jar, Some(user.clone()), "/events", w.list_title),
        w,
        staff: person.is_staff(),
        show: show.to_string(),
        lines: events.iter().map(|e| event_line(lang, e, now)).collect(),
        community,
    })
}
