//! A community's change log as sentences ("评审员甲 将 ZZ1.1 由 10 分改为 12 分"), from the
//! audit trail's rows: who (by name), what, and the values before and after.

use std::collections::HashMap;

use serde_json::Value;
use xingfu_core::Standard;
use xingfu_core::workflow::Stage;
use xingfu_store::audit::AuditRow;

use super::service::{SELF_SHEET, answer_from_json};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// One line of the change log: when, and what happened as a sentence.
#[derive(Debug, Clone)]
pub struct Change {
    pub at: i64,
    pub sentence: String,
}

/// People's names by username and by account id, looked up once each.
#[derive(Debug, Default)]
pub struct People {
    names: HashMap<String, String>,
}

impl People {
    /// The display name of a username (or of an account id, as assessor sheets are keyed).
    pub async fn name(&mut self, state: &AppState, key: &str) -> Result<String, AppError> {
        if let Some(name) = self.names.get(key) {
            return Ok(name.clone());
        }
        let user = match state.store.user_by_username(key).await? {
            Some(user) => Some(user),
            None => state.store.user_by_id(key).await?,
        };
        let name = user
            .map(|u| u.display_name)
            .unwrap_or_else(|| key.to_string());
        self.names.insert(key.to_string(), name.clone());
        Ok(name)
    }
}

/// The latest `limit` changes of a community (newest first), as sentences. `objectors`: whether
/// this reader may see who lodged an objection (the level that decides it); others read
/// "有人提出异议".
pub async fn change_log(
    state: &AppState,
    standard: &Standard,
    community: &str,
    objectors: bool,
    limit: usize,
    lang: Lang,
) -> Result<Vec<Change>, AppError> {
    let rows = state.store.audit_for_community(community).await?;
    let mut people = People::default();
    let mut log = Vec::new();
    for row in rows.into_iter().rev().take(limit) {
        let hidden = row.action == "object" && !objectors;
        let who = if hidden {
            lang.pick("有人", "Someone").to_string()
        } else {
            people.name(state, &row.actor).await?
        };
        let what = describe(standard, &row, lang);
        let sentence = format!("{who} {what}");
        log.push(Change {
            at: row.at,
            sentence,
        });
    }
    Ok(log)
}

fn json(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

fn field<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get(name).and_then(Value::as_str)
}

/// What the row did, after the actor's name.
fn describe(standard: &Standard, row: &AuditRow, lang: Lang) -> String {
    let before = json(row.before.as_deref());
    let after = json(row.after.as_deref());
    let stage = |v: &Value| {
        field(v, "stage")
            .and_then(Stage::parse)
            .map(|s| lang.pick(s.zh(), s.en()).to_string())
            .unwrap_or_default()
    };
    match row.action.as_str() {
        "self_assess" | "score" => answer_change(standard, &before, &after, lang),
        "check_eligibility" => {
            if field(&after, "stage") == Some(Stage::Refused.key()) {
                lang.pick(
                    "进行资格审查\u{ff1a}触发一票否决\u{ff0c}不予受理",
                    "checked eligibility: a veto item applies, refused",
                )
                .to_string()
            } else {
                lang.pick(
                    "进行资格审查\u{ff1a}通过\u{ff0c}转入评分",
                    "checked eligibility: eligible, on to scoring",
                )
                .to_string()
            }
        }
        "compute" => {
            let total = after
                .get("total")
                .and_then(Value::as_i64)
                .map(|h| xingfu_core::Dec2(h).to_string())
                .unwrap_or_default();
            let star = after.get("star").and_then(Value::as_i64).unwrap_or(0);
            lang.text(
                format!(
                    "计算得分\u{ff1a}{total} 分\u{ff0c}{}",
                    star_words(Lang::Zh, star)
                ),
                format!(
                    "computed the result: {total} points, {}",
                    star_words(Lang::En, star)
                ),
            )
        }
        "approve" => lang.pick("审批通过", "approved the result").to_string(),
        "send_back" => {
            let note = field(&after, "return_note").unwrap_or_default();
            lang.text(
                format!("退回重新评分\u{ff0c}审批意见\u{ff1a}{note}"),
                format!("sent the result back for scoring; approval note: {note}"),
            )
        }
        "publish" => lang.pick("将结果公示", "published the result").to_string(),
        "name" => {
            let star = after.get("star").and_then(Value::as_i64).unwrap_or(0);
            lang.text(
                format!("命名为{}", star_words(Lang::Zh, star)),
                format!("named it {}", star_words(Lang::En, star)),
            )
        }
        "demo_history" => lang.text(
            format!("录入往年结果\u{ff08}{}\u{ff09}", stage(&after)),
            format!("recorded an earlier year's result ({})", stage(&after)),
        ),
        "object" => lang
            .pick("对公示结果提出异议", "objected to the published result")
            .to_string(),
        "decide_objection" => match field(&after, "status") {
            Some("upheld") => lang.pick(
                "处理异议\u{ff1a}异议成立\u{ff0c}退回重新评分",
                "decided an objection: it stands, sent back for scoring",
            ),
            _ => lang.pick(
                "处理异议\u{ff1a}异议不成立",
                "decided an objection: it does not stand",
            ),
        }
        .to_string(),
        "rectification" => {
            let clause = field(&after, "clause").unwrap_or_default();
            let status = field(&after, "status").unwrap_or_default();
            lang.text(
                format!(
                    "更新了 {clause} 的整改任务\u{ff08}{}\u{ff09}",
                    task_status(Lang::Zh, status)
                ),
                format!(
                    "updated the rectification task for {clause} ({})",
                    task_status(Lang::En, status)
                ),
            )
        }
        "evidence" | "evidence_add" => lang.pick("上传了佐证材料", "uploaded evidence").to_string(),
        other => {
            let (from, to) = (stage(&before), stage(&after));
            if !from.is_empty() && !to.is_empty() && from != to {
                lang.text(
                    format!("将阶段由{from}改为{to}"),
                    format!("moved it from {from} to {to}"),
                )
            } else {
                lang.text(
                    format!("进行了操作\u{ff08}{other}\u{ff09}"),
                    format!("did {other}"),
                )
            }
        }
    }
}

fn star_words(lang: Lang, star: i64) -> String {
    match (lang.is_en(), star) {
        (false, 0) => "未评星".to_string(),
        (false, n) => format!("{n}星"),
        (true, 0) => "no star".to_string(),
        (true, n) => format!("{n} stars"),
    }
}

fn task_status(lang: Lang, status: &str) -> &'static str {
    match status {
        "open" => lang.pick("待整改", "open"),
        "submitted" => lang.pick("已提交整改情况", "report submitted"),
        "verified" => lang.pick("验收通过", "verified"),
        "reopened" => lang.pick("退回重改", "sent back"),
        _ => lang.pick("已更新", "updated"),
    }
}

/// "将 ZZ1.1 由 10 分改为 12 分", "将 ZZ1.1 评为 12 分", in the declaration or a score sheet.
fn answer_change(standard: &Standard, before: &Value, after: &Value, lang: Lang) -> String {
    let clause_id = field(after, "clause").unwrap_or_default();
    let clause = standard.clause(clause_id);
    let veto = clause.is_some_and(|c| c.veto);
    let own = field(after, "sheet") == Some(SELF_SHEET);
    let value = |v: &Value| -> Option<String> {
        let answer = answer_from_json(&v.get("answer")?.to_string());
        Some(answer_words(veto, &answer, lang))
    };
    // An assessor writes only their own sheet; a declaration is named as such.
    let sheet = if own {
        lang.pick("在自评表中", "in the self-assessment, ")
    } else {
        ""
    };
    match (value(before), value(after)) {
        (Some(from), Some(to)) => lang.text(
            format!("{sheet}将 {clause_id} 由{from}改为{to}"),
            format!("{sheet}changed {clause_id} from {from} to {to}"),
        ),
        (None, Some(to)) => lang.text(
            format!("{sheet}将 {clause_id} 评为{to}"),
            format!("{sheet}gave {clause_id} {to}"),
        ),
        _ => lang.text(
            format!("{sheet}修改了 {clause_id}"),
            format!("{sheet}changed {clause_id}"),
        ),
    }
}

fn answer_words(veto: bool, answer: &xingfu_core::scoring::Answer, lang: Lang) -> String {
    if let Some(number) = answer.number {
        return lang.text(format!(" {number} 分"), format!("{number} points"));
    }
    match (veto, answer.met) {
        (true, Some(true)) => lang.pick("“符合”", "“met”"),
        (true, Some(false)) => lang.pick("“不符合\u{ff08}一票否决\u{ff09}”", "“not met (veto)”"),
        (false, Some(true)) => lang.pick("“达标”", "“met”"),
        (false, Some(false)) => lang.pick("“未达标”", "“not met”"),
        (_, None) => lang.pick("“未评”", "“not assessed”"),
    }
    .to_string()
}

/// The names of the assessors who scored an entry, in the panel's sheet order (the order of
/// each disagreement's points).
pub async fn assessor_names(
    state: &AppState,
    round_id: &str,
    community: &str,
) -> Result<Vec<String>, AppError> {
    let rows = state.store.answers(round_id, community).await?;
    let (_, by_assessor) = super::service::sheets(&rows);
    let mut people = People::default();
    let mut names = Vec::new();
    for (id, _) in by_assessor {
        names.push(people.name(state, &id).await?);
    }
    Ok(names)
}
