//! The access log for district and city staff: who viewed which list or household record.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use xingfu_core::ops::OpsRole;

use super::community::{identity, region_name};
use super::labels::{SUBJECTS, category_label, subject_label};
use crate::app::auth::urlencode;
use crate::people::service::{self as people, optional};
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    subject: String,
    /// `at.id` of the last row of the page before.
    #[serde(default)]
    before: String,
}

pub struct LogLine {
    pub when: String,
    pub who: String,
    pub role: String,
    pub community: String,
    pub what: String,
    pub shown: i64,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct LogPage {
    page: Page,
    area: String,
    community: String,
    username: String,
    subject: String,
    subjects: Vec<(String, String)>,
    rows: Vec<LogLine>,
    older: Option<String>,
}

/// GET /visits/access-log
pub async fn access_log(v: Visit, Query(q): Query<LogQuery>) -> PageResult {
    let (state, lang) = (&v.state, v.lang);
    let who = identity(&v).await?;
    let before = q
        .before
        .split_once('.')
        .and_then(|(at, id)| at.parse::<i64>().ok().map(|at| (at, id)));
    let community = optional(&q.community);
    let rows = people::access_log(
        state,
        &who,
        community,
        optional(&q.username),
        optional(&q.subject).filter(|s| SUBJECTS.iter().any(|(key, _, _)| key == s)),
        before,
        lang,
    )
    .await?;
    let older = (rows.len() as i64 == people::ACCESS_PAGE)
        .then(|| rows.last())
        .flatten()
        .map(|last| {
            format!(
                "/visits/access-log?community={}&username={}&subject={}&before={}.{}",
                urlencode(q.community.trim()),
                urlencode(q.username.trim()),
                urlencode(q.subject.trim()),
                last.at,
                last.id
            )
        });
    let mut lines = Vec::with_capacity(rows.len());
    let mut names: Vec<(String, String)> = Vec::new();
    for r in rows {
        let community = match names.iter().find(|(c, _)| *c == r.community_code) {
            Some((_, n)) => n.clone(),
            None => {
                let n = region_name(state, &r.community_code).await;
                names.push((r.community_code.clone(), n.clone()));
                n
            }
        };
        let what = match r.subject.as_str() {
            "attention_list" => format!(
                "{}{}{}",
                subject_label(lang, &r.subject),
                lang.colon(),
                category_label(lang, &r.target)
            ),
            "household" => format!("{} {}", subject_label(lang, &r.subject), r.target),
            _ => subject_label(lang, &r.subject),
        };
        lines.push(LogLine {
            when: people::local_text(r.at),
            who: r.actor_name,
            role: OpsRole::parse(&r.actor_role)
                .map(|role| lang.pick(role.zh(), role.en()).to_string())
                .unwrap_or(r.actor_role),
            community,
            what,
            shown: r.shown,
        });
    }
    render(LogPage {
        page: v.page_titled(
            "/visits/access-log",
            lang.text("个人信息查阅记录", "Access log"),
        ),
        area: v.user.region_name.clone(),
        community: q.community.trim().to_string(),
        username: q.username.trim().to_string(),
        subject: q.subject.trim().to_string(),
        subjects: SUBJECTS
            .iter()
            .map(|(key, zh, en)| (key.to_string(), lang.pick(zh, en).to_string()))
            .collect(),
        rows: lines,
        older,
    })
}
