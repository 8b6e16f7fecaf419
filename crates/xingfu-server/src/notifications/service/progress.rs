//! Reporters hear how their 随手拍 report goes: each step of the last day that the core says a
//! reporter is told of becomes one message to them. Residents are not among the reminder
//! sweep's recipients (there may be very many), so this reads the steps, not the people. The
//! message names the event and the step's version, so a second sweep, or another server's,
//! makes nothing twice.

use std::collections::HashMap;

use xingfu_core::notify::{DAY_MS, Kind, TOLD_TO_REPORTER, reporter_news};
use xingfu_core::text::shorten;
use xingfu_store::accounts::UserRow;

use super::{Draft, notify};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::events::service::rules;

/// The most steps one sweep reads (the newest); sweeps run every minute.
pub const STEPS_PER_SWEEP: i64 = 1000;
/// How much of the description the message repeats.
const DESCRIPTION_CHARS: usize = 30;

/// Tells reporters of the steps taken on their reports in the day before `now`; how many
/// messages were made.
pub async fn report_progress(state: &AppState, now: i64) -> Result<usize, AppError> {
    let steps = state
        .store
        .reporter_steps_since(now - DAY_MS, &TOLD_TO_REPORTER, STEPS_PER_SWEEP)
        .await?;
    let mut reporters: HashMap<String, Option<UserRow>> = HashMap::new();
    let mut made = 0;
    for found in steps {
        let Some(news) = reporter_news(&found.step, &found.reporter) else {
            continue;
        };
        if !reporters.contains_key(&found.reporter) {
            let user = state.store.user_by_username(&found.reporter).await?;
            reporters.insert(found.reporter.clone(), user.filter(|u| !u.disabled));
        }
        let Some(Some(reporter)) = reporters.get(&found.reporter) else {
            continue;
        };
        let id = found.step.event;
        let category = rules()
            .category(&found.category)
            .map_or(found.category.as_str(), |c| c.zh.as_str());
        let subject = format!("{}\u{ff1a}#{id} {category}", Kind::ReportProgress.name().0);
        // A rejection's reason may end its own sentence.
        let stop = if news.ends_with(['。', '！', '？']) {
            ""
        } else {
            "。"
        };
        let body = format!(
            "您上报的 #{id} {category}\u{ff08}{}\u{ff09}{news}{stop}",
            shorten(&found.description, DESCRIPTION_CHARS)
        );
        let link = format!("/events/{id}");
        let about = format!("{id}|{}", found.step.version);
        let draft = Draft {
            kind: Kind::ReportProgress,
            subject: &subject,
            body: &body,
            link: &link,
            about: &about,
        };
        made += usize::from(notify(state, reporter, &draft, now).await?);
    }
    Ok(made)
}
