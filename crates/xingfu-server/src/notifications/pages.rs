//! The message list (`/notifications`: newest first, mark read, mark all read, each with a link
//! onward) and the settings (`/notifications/settings`: contact details, and a table of kinds ×
//! channels with the lead time of each reminder).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::notify::{Channel, HOUR_MS, Kind};

use super::service::{self, OUTSIDE, SettingsInput};
use crate::app::clock::now_ms;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::fields::Fields;
use crate::web::forms::{CsrfForm, Problem, error_for};
use crate::web::page::{Page, PageResult, form_version, render, when};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

crate::word_table! {
    /// The notification pages' texts.
    Words, words {
        title: "消息" / "Messages",
        settings_title: "通知设置" / "Notification settings",
        intro: "系统会在有新的待办、期限将到、公示异议期将结束时提醒您\u{ff1b}市、区、街道管理员每周一上午8点收到每周摘要\u{ff1b}您上报的随手拍有新进展时也会告诉您。" / "You are reminded when something new waits for you, when a deadline comes near and when an objection period ends; city, district and street administrators get a weekly digest on Mondays at 08:00; and you hear how the photo reports you sent are going.",
        resident_intro: "您上报的随手拍被受理、处理完毕、办结、不予受理或合并处理时\u{ff0c}系统会告诉您。" / "You are told when a photo report you sent is accepted, handled, closed, refused or merged with another.",
        unread: "未读" / "unread",
        read_mark: "已读" / "Read",
        open: "查看" / "Open",
        mark_read: "标为已读" / "Mark as read",
        mark_all: "全部标为已读" / "Mark all as read",
        none: "目前没有消息。有新的待办或期限将到时\u{ff0c}消息会出现在这里。" / "No messages yet. They appear here when something waits for you or a deadline comes near.",
        to_settings: "选择接收方式" / "Choose how you are told",
        contact: "联系方式" / "Contact details",
        email: "电子邮箱\u{ff08}可不填\u{ff09}" / "E-mail (optional)",
        phone: "手机号码\u{ff08}可不填\u{ff0c}用于短信或微信\u{ff09}" / "Mobile number (optional, for SMS or WeChat)",
        kinds: "按类别选择接收方式" / "How each kind reaches you",
        kind: "类别" / "Kind",
        lead: "提前多久提醒" / "Lead time",
        in_app: "站内消息" / "In the app",
        always: "总是" / "Always",
        save: "保存设置" / "Save settings",
        saved: "设置已保存。" / "Settings saved.",
        only_in_app: "本平台尚未配置电子邮件和短信\u{ff08}微信\u{ff09}网关\u{ff0c}目前只发送站内消息\u{ff1b}您的选择会在管理员配置后生效。" / "This site has no e-mail or SMS (WeChat) gateway configured, so only in-app messages are sent; your choices apply once the administrator sets them up.",
        not_configured: "本平台尚未配置" / "not configured on this site",
        no_address: "没有填写联系方式的渠道不会发送。" / "Channels without a contact detail are not used.",
        back: "返回消息" / "Back to messages",
        nothing_saved: "没有保存任何内容\u{ff0c}请修改后重新提交。" / "Nothing was saved; correct the form and submit again.",
    }
}

pub struct Line {
    pub id: String,
    pub kind: &'static str,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub when: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    page: Page,
    w: &'static Words,
    csrf: String,
    unread: usize,
    lines: Vec<Line>,
}

fn kind_name(lang: Lang, key: &str) -> &'static str {
    Kind::parse(key)
        .map(|k| lang.pick(k.name().0, k.name().1))
        .unwrap_or_default()
}

/// GET /notifications: the person's messages, newest first.
pub async fn list(v: Visit) -> PageResult {
    let lang = v.lang;
    let w = words(lang);
    let rows = service::messages(&v.state, &v.user).await?;
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|row| Line {
            kind: kind_name(lang, &row.kind),
            when: if lang.is_en() {
                when(row.created_at)
            } else {
                xingfu_core::dates::chinese_text(row.created_at)
            },
            read: row.read_at.is_some(),
            id: row.id,
            subject: row.subject,
            body: row.body,
            link: row.link,
        })
        .collect();
    render(ListPage {
        page: v.page_titled("/notifications", w.title.to_string()),
        w,
        csrf: v.user.csrf.clone(),
        unread: lines.iter().filter(|l| !l.read).count(),
        lines,
    })
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
}

crate::csrf_forms!(TokenForm);

/// POST /notifications/{id}/read
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<TokenForm>,
) -> PageResult {
    service::mark_read(&state, &user, &id, now_ms()).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// POST /notifications/read-all
pub async fn read_all(
    State(state): State<AppState>,
    CsrfForm { user, .. }: CsrfForm<TokenForm>,
) -> PageResult {
    service::mark_all_read(&state, &user, now_ms()).await?;
    Ok(Redirect::to("/notifications").into_response())
}

pub struct Row {
    pub kind: &'static str,
    pub lead: String,
    /// (field value `kind.channel`, ticked, channel name) per channel beyond the app.
    pub boxes: Vec<(String, bool, &'static str)>,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage {
    page: Page,
    w: &'static Words,
    /// What the person is told of: residents hear only of their reports.
    intro: &'static str,
    csrf: String,
    version: i64,
    email: String,
    phone: String,
    rows: Vec<Row>,
    /// Channel names with "not configured" where the site has none.
    columns: Vec<String>,
    only_in_app: bool,
    errors: Vec<Problem>,
    saved: bool,
}

impl SettingsPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

/// A lead time in words: "提前 2 小时", "提前 3 天".
fn lead_text(lang: Lang, kind: Kind) -> String {
    let Some(lead) = kind.lead_ms() else {
        return match (kind, lang.is_en()) {
            (Kind::WeeklyDigest, false) => "每周一 8:00".into(),
            (Kind::WeeklyDigest, true) => "Mondays 08:00".into(),
            (_, false) => "出现时".into(),
            (_, true) => "When it appears".into(),
        };
    };
    let (n, zh, en) = if lead >= 24 * HOUR_MS {
        (lead / (24 * HOUR_MS), "天", "day")
    } else {
        (lead / HOUR_MS, "小时", "hour")
    };
    let plural = if n == 1 { "" } else { "s" };
    lang.text(format!("提前 {n} {zh}"), format!("{n} {en}{plural} before"))
}

fn channel_name(lang: Lang, channel: Channel) -> &'static str {
    lang.pick(channel.name().0, channel.name().1)
}

async fn settings_page(
    v: &Visit,
    input: Option<(&SettingsInput, Vec<Problem>)>,
    saved: bool,
) -> Result<SettingsPage, crate::app::error::AppError> {
    let lang = v.lang;
    let w = words(lang);
    let stored = service::settings(&v.state, &v.user).await?;
    let rows = stored
        .choices
        .iter()
        .map(|(kind, on)| Row {
            kind: lang.pick(kind.name().0, kind.name().1),
            lead: lead_text(lang, *kind),
            boxes: OUTSIDE
                .iter()
                .zip(on)
                .map(|(channel, on)| {
                    let value = format!("{}.{}", kind.key(), channel.key());
                    let ticked = match &input {
                        Some((input, _)) => input.ticked.contains(&value),
                        None => *on,
                    };
                    (value, ticked, channel_name(lang, *channel))
                })
                .collect(),
        })
        .collect();
    let columns = OUTSIDE
        .iter()
        .map(|channel| {
            let name = channel_name(lang, *channel);
            if stored.configured.contains(channel) {
                name.to_string()
            } else {
                lang.text(
                    format!("{name}\u{ff08}{}\u{ff09}", w.not_configured),
                    format!("{name} ({})", w.not_configured),
                )
            }
        })
        .collect();
    let (email, phone, errors) = match input {
        Some((input, errors)) => (input.email.clone(), input.phone.clone(), errors),
        None => (stored.contact.email, stored.contact.phone, Vec::new()),
    };
    Ok(SettingsPage {
        page: v.page_titled("/notifications/settings", w.settings_title.to_string()),
        w,
        intro: if v.user.role == xingfu_core::workflow::Role::Resident {
            w.resident_intro
        } else {
            w.intro
        },
        csrf: v.user.csrf.clone(),
        version: stored.contact.version,
        email,
        phone,
        rows,
        columns,
        only_in_app: stored.configured.is_empty(),
        errors,
        saved,
    })
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /notifications/settings
pub async fn settings(v: Visit, Query(query): Query<SavedQuery>) -> PageResult {
    render(settings_page(&v, None, query.saved.is_some()).await?)
}

/// POST /notifications/settings: saved, or the form again with each problem beside its field.
pub async fn save_settings(Posted { v, form }: Posted<Fields>) -> PageResult {
    let version = form_version(v.lang, form.get("version"))?;
    let input = SettingsInput {
        email: form.text("email"),
        phone: form.text("phone"),
        // One `on` per ticked box.
        ticked: form.all("on"),
        version,
    };
    let problems = service::save_settings(&v.state, &v.user, &input, v.lang, now_ms()).await?;
    if problems.is_empty() {
        return Ok(Redirect::to("/notifications/settings?saved=1").into_response());
    }
    let page = settings_page(&v, Some((&input, problems)), false).await?;
    Ok((StatusCode::BAD_REQUEST, render(page)?).into_response())
}
