//! The audit log's verification state: checked when the server starts, kept in the state, and
//! shown to city administrators (who must act when it is broken).

use xingfu_store::audit::{ChainBreak, ChainReport};
use xingfu_store::{Store, StoreError};

use crate::i18n::Lang;

/// How many of the last rows the start-up check verifies (`xingfu audit verify` checks them all).
pub const START_TAIL_ROWS: i64 = 1000;

/// What the start-up check found.
#[derive(Debug, Clone)]
pub struct AuditStatus {
    pub checked_at: i64,
    pub report: ChainReport,
    /// Rows from before the key that this start sealed with a keyed row, if it wrote one.
    pub sealed_rows: Option<i64>,
}

/// The start-up check of a store that has its audit key: refuses a key the chain was not keyed
/// with ([`StoreError::AuditKeyMismatch`]: several servers must share one key), seals rows from
/// before the key, and verifies the last [`START_TAIL_ROWS`] rows. A broken chain is logged as
/// an error and returned, not refused: the programme goes on, and city administrators see it.
pub async fn check_at_start(store: &Store, now: i64) -> Result<AuditStatus, StoreError> {
    let sealed_rows = store.adopt_audit_key(now).await?;
    if let Some(rows) = sealed_rows.filter(|rows| *rows > 0) {
        tracing::warn!(
            rows,
            "the audit log had no keyed row: its {rows} earlier rows are now sealed by a keyed row"
        );
    }
    let report = store.verify_audit_tail(START_TAIL_ROWS).await?;
    if let Some(broken) = &report.broken {
        tracing::error!(
            seq = broken.seq,
            reason = broken.reason.en(),
            "THE AUDIT LOG WAS CHANGED OUTSIDE XINGFU: row {} does not verify ({}); \
             run `xingfu audit verify` and tell the city administrators",
            broken.seq,
            broken.reason.en()
        );
    }
    Ok(AuditStatus {
        checked_at: now,
        report,
        sealed_rows,
    })
}

/// The panel on a city administrator's page: the state, what it means, who must do what.
pub struct AuditPanel {
    pub broken: bool,
    pub heading: &'static str,
    pub state: String,
    pub meaning: String,
    pub steps: Vec<&'static str>,
}

impl AuditPanel {
    pub fn new(lang: Lang, status: Option<&AuditStatus>) -> AuditPanel {
        let heading = lang.pick("审计日志核验", "Audit log check");
        let Some(status) = status else {
            return AuditPanel {
                broken: false,
                heading,
                state: lang
                    .pick(
                        "本次启动未核验审计日志（服务器未配置审计密钥）。",
                        "The audit log was not checked at this start (the server has no audit key).",
                    )
                    .to_string(),
                meaning: lang
                    .pick(
                        "请系统管理员按运维文档配置审计密钥后重启服务器。",
                        "The system administrator should configure the audit key (see the operations guide) and restart the server.",
                    )
                    .to_string(),
                steps: Vec::new(),
            };
        };
        let report = &status.report;
        let at = china_time(lang, status.checked_at);
        let range = match (report.first_seq, &report.head) {
            (Some(first), Some(head)) if lang.is_en() => format!("rows {first} to {}", head.seq),
            (Some(first), Some(head)) => format!("第 {first} 至 {} 条", head.seq),
            _ => lang.pick("没有记录", "no rows").to_string(),
        };
        match &report.broken {
            None => AuditPanel {
                broken: false,
                heading,
                state: if lang.is_en() {
                    format!(
                        "Intact. At start-up ({at}) the last {} rows of the audit log ({range}) were checked: none was changed.",
                        report.rows_checked
                    )
                } else {
                    format!(
                        "完整。服务器启动时（{at}）核验了审计日志最近的 {} 条记录（{range}），均未被改动。",
                        report.rows_checked
                    )
                },
                meaning: lang
                    .pick(
                        "审计日志记录每一次评分、星级和审批的变更，每条记录都以保存在数据库之外的密钥签名并与上一条相连，任何绕过本平台对数据库的改写都会被发现。全部记录可由系统管理员用 xingfu audit verify 核验。",
                        "The audit log records every change of a score, a star or an approval; each row is signed with a key kept outside the database and chained to the one before, so any rewrite of the database around Xingfu is found. The system administrator can check every row with xingfu audit verify.",
                    )
                    .to_string(),
                steps: Vec::new(),
            },
            Some(ChainBreak { seq, reason }) => AuditPanel {
                broken: true,
                heading,
                state: if lang.is_en() {
                    format!(
                        "Broken. At start-up ({at}) row {seq} of the audit log did not verify: {}.",
                        reason.en()
                    )
                } else {
                    format!(
                        "已被改动。服务器启动时（{at}）核验发现审计日志第 {seq} 条记录未通过：{}。",
                        reason.zh()
                    )
                },
                meaning: lang
                    .pick(
                        "这说明有人绕过本平台直接改写了数据库。从该条起记载的评分、星级和审批变更不能再作为依据，平台照常运行，但在查明之前不应据此作出命名或公示。",
                        "Someone rewrote the database around Xingfu. The changes of scores, stars and approvals recorded from that row on can no longer be relied on. The platform keeps running, but no naming or notice should rest on them until this is cleared up.",
                    )
                    .to_string(),
                steps: if lang.is_en() {
                    vec![
                        "City administrator: tell the system administrator and the person responsible for information security today, in writing.",
                        "City administrator: hold namings and notices that rest on the affected records until the investigation reports.",
                        "System administrator: keep a copy of the database as it is now, run xingfu audit verify to list the break, and compare with the backups and the log heads printed on published notices.",
                    ]
                } else {
                    vec![
                        "市级管理员：当天以书面形式通知系统管理员和信息安全负责人。",
                        "市级管理员：在调查有结论之前，暂停依据受影响记录作出的命名与公示。",
                        "系统管理员：保留当前数据库的副本作为证据，运行 xingfu audit verify 查明断点，并与备份及已公示文件上印出的日志末尾核对。",
                    ]
                },
            },
        }
    }
}

/// Unix milliseconds as China time: `2026年12月2日 14:30`, or `2026-12-02 14:30` in English.
fn china_time(lang: Lang, ms: i64) -> String {
    if lang.is_en() {
        xingfu_core::dates::local_text(ms)
    } else {
        xingfu_core::dates::chinese_text(ms)
    }
}
