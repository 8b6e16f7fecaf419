//! The home-visits overview (入户走访): the special-attention lists in numbers, per community
//! for administrators, the households in the caller's care with their open follow-ups; and one
//! list by name. Every list and household list shown is logged by the service.

use askama::Template;
use axum::extract::{Path, Query};
use xingfu_core::ops::visits::AttentionCategory;

use super::community::{identity, region_name};
use super::form::NoticeQuery;
use super::labels::VISIT_NOTICES;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::people::service as people;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

/// One list in numbers.
pub struct CountLine {
    pub key: String,
    pub label: String,
    pub count: usize,
}

pub struct CommunityLine {
    pub name: String,
    pub counts: Vec<usize>,
}

pub struct HouseholdLine {
    pub id: String,
    pub address: String,
    pub grid: String,
    pub building: String,
    pub contact: String,
}

pub struct FollowLine {
    pub household_id: String,
    pub address: String,
    pub visit_id: String,
    pub seq: i64,
    pub what: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct OverviewPage {
    page: Page,
    role_label: String,
    area: String,
    counts: Vec<CountLine>,
    names_visible: bool,
    headers: Vec<String>,
    communities: Vec<CommunityLine>,
    keeps_households: bool,
    households: Vec<HouseholdLine>,
    follow_ups: Vec<FollowLine>,
    appoints: bool,
    reads_log: bool,
    notice: Option<String>,
    csrf: String,
}

/// GET /visits
pub async fn overview(v: Visit, Query(q): Query<NoticeQuery>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let who = identity(&v).await?;
    let (total, per_community) = people::attention_counts(state, &who).await?;
    let (households, open) = people::households(state, &who).await?;
    let now = now_ms();
    let overdue = people::overdue(&open, now);
    let headers = total
        .iter()
        .map(|(c, _)| lang.pick(c.zh(), c.en()).to_string())
        .collect();
    let mut communities = Vec::new();
    if !who.sees_names() {
        for c in per_community {
            communities.push(CommunityLine {
                name: region_name(state, &c.community_code).await,
                counts: c.counts.iter().map(|(_, n)| *n).collect(),
            });
        }
    }
    render(OverviewPage {
        page: v.page_titled("/visits", lang.text("入户走访", "Home visits")),
        role_label: who.role_label(lang).to_string(),
        area: user.region_name.clone(),
        counts: total
            .iter()
            .map(|(c, n)| CountLine {
                key: c.key().to_string(),
                label: lang.pick(c.zh(), c.en()).to_string(),
                count: *n,
            })
            .collect(),
        names_visible: who.sees_names(),
        headers,
        communities,
        keeps_households: who.keeps_households(),
        households: households
            .iter()
            .map(|h| HouseholdLine {
                id: h.id.clone(),
                address: h.address.clone(),
                grid: h.grid_id.clone().unwrap_or_default(),
                building: h.building.clone().unwrap_or_default(),
                contact: h.contact_name.clone().unwrap_or_default(),
            })
            .collect(),
        follow_ups: open
            .iter()
            .zip(overdue)
            .map(|(f, overdue)| FollowLine {
                household_id: f.household_id.clone(),
                address: f.address.clone(),
                visit_id: f.visit_id.clone(),
                seq: f.seq,
                what: f.what.clone(),
                due: f.due.map(people::local_text).unwrap_or_default(),
                overdue,
            })
            .collect(),
        appoints: who.appoints(),
        reads_log: who.reads_access_log(),
        notice: VISIT_NOTICES.after(lang, &q.done),
        csrf: user.csrf.clone(),
    })
}

pub struct EntryLine {
    pub person: String,
    pub address: String,
    pub grid: String,
    pub building: String,
    pub note: String,
    pub household_id: String,
}

#[derive(Template)]
#[template(path = "attention_list.html")]
struct ListPage {
    page: Page,
    heading: String,
    entries: Vec<EntryLine>,
    links: bool,
}

/// GET /visits/lists/{category}
pub async fn list(v: Visit, Path(category): Path<String>) -> PageResult {
    let lang = v.lang;
    let category = AttentionCategory::parse(&category).ok_or(AppError::NotFound)?;
    let who = identity(&v).await?;
    let rows = people::attention_list(&v.state, &who, category, lang).await?;
    let heading = lang.pick(category.zh(), category.en()).to_string();
    render(ListPage {
        page: v.page_titled(
            &format!("/visits/lists/{}", category.key()),
            heading.clone(),
        ),
        heading,
        entries: rows
            .into_iter()
            .map(|r| EntryLine {
                person: r.person,
                address: r.address,
                grid: r.grid_id.unwrap_or_default(),
                building: r.building.unwrap_or_default(),
                note: r.note.unwrap_or_default(),
                household_id: r.household_id,
            })
            .collect(),
        links: who.keeps_households(),
    })
}
