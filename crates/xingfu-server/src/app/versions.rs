//! Optimistic versions for everything a form edits. A page carries the version of the row it was
//! read at (a hidden `version` field); the store writes only if the row is still at that version,
//! in the same statement or transaction as the write. A refused write is [`AppError::Stale`]:
//! 409, nothing written, and a message naming who changed the row and when, worded here once
//! for every form.

use crate::app::error::{AppError, Stale};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// What was changed, as the message names it: ("此表", "This sheet").
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Subject {
    pub const fn new(zh: &'static str, en: &'static str) -> Subject {
        Subject { zh, en }
    }
}

pub const SHEET: Subject = Subject::new("此表", "This sheet");
pub const FACILITY: Subject = Subject::new("该设施的信息", "This facility");
pub const SURVEY_SETTINGS: Subject = Subject::new("调查设置", "The survey settings");
pub const TASK: Subject = Subject::new("该整改任务", "This rectification task");

/// Unix milliseconds as China time the way pages write it: `2026年12月2日 14:30`.
pub fn zh_time(ms: i64) -> String {
    xingfu_core::dates::chinese_text(ms)
}

/// The person behind a username, by the name pages show (the username if the account is gone).
pub async fn display_name(state: &AppState, username: &str) -> Result<String, AppError> {
    Ok(state
        .store
        .user_by_username(username)
        .await?
        .map(|user| user.display_name)
        .unwrap_or_else(|| username.to_string()))
}

/// The refusal of a write from a stale form: the row is at `version` now, last changed by
/// `changed_by` (a username) at `changed_at`, when known.
pub async fn stale(
    state: &AppState,
    lang: Lang,
    subject: Subject,
    version: i64,
    changed_by: Option<&str>,
    changed_at: Option<i64>,
) -> AppError {
    let name = match changed_by {
        Some(username) => match display_name(state, username).await {
            Ok(name) => Some(name),
            Err(error) => return error,
        },
        None => None,
    };
    let message = match (lang.is_en(), name, changed_at) {
        (false, Some(name), Some(at)) => format!(
            "{}已被 {name} 于 {} 修改\u{ff08}在您打开此页之后\u{ff09}\u{ff0c}您这次的修改没有保存。请核对后再提交。",
            subject.zh,
            zh_time(at)
        ),
        (false, _, _) => format!(
            "{}在您打开此页之后已被他人修改\u{ff0c}您这次的修改没有保存。请核对后再提交。",
            subject.zh
        ),
        (true, Some(name), Some(at)) => format!(
            "{} was changed by {name} at {} after you opened this page; your changes were not saved. Check and submit again.",
            subject.en,
            xingfu_core::dates::local_text(at)
        ),
        (true, _, _) => format!(
            "{} was changed by someone else after you opened this page; your changes were not saved. Check and submit again.",
            subject.en
        ),
    };
    AppError::Stale(Stale { message, version })
}

#[cfg(test)]
mod tests {
    use super::zh_time;

    #[test]
    fn times_read_as_chinese_dates() {
        // 2026-12-02 06:30 UTC is 14:30 in China.
        assert_eq!(zh_time(1_796_193_000_000), "2026年12月2日 14:30");
    }
}
