//! What the notifications feature does: a person's messages (read, mark read), their contact
//! details and choices, and making a message with its deliveries on the channels the person
//! chose and the deployment has. The reminder sweep ([`reminders`]) decides what to say and
//! when, reporters' news included ([`progress`]); the worker ([`delivery`]) sends.

pub mod delivery;
pub mod progress;
pub mod reminders;

use xingfu_core::notify::{Channel, Kind};
use xingfu_store::accounts::UserRow;
use xingfu_store::notifications::{ContactRow, NewNotification, NotificationRow};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::versions::{Subject, stale};
use crate::i18n::Lang;

/// How many messages the list shows (the newest).
pub const LIST_LIMIT: i64 = 100;

/// A field's name and what is wrong with it (the pages show it beside the field).
pub type FieldProblem = (String, String);

const SETTINGS: Subject = Subject::new("您的通知设置", "Your notification settings");

/// The person's newest messages.
pub async fn messages(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<NotificationRow>, AppError> {
    Ok(state
        .store
        .notifications_for(&user.user.id, LIST_LIMIT)
        .await?)
}

/// How many of the person's messages are unread.
pub async fn unread(state: &AppState, user: &CurrentUser) -> Result<i64, AppError> {
    Ok(state.store.unread_notifications(&user.user.id).await?)
}

/// Marks one of the person's own messages read (someone else's is not found).
pub async fn mark_read(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    if state
        .store
        .mark_notification_read(&user.user.id, id, now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn mark_all_read(
    state: &AppState,
    user: &CurrentUser,
    now: i64,
) -> Result<u64, AppError> {
    Ok(state
        .store
        .mark_all_notifications_read(&user.user.id, now)
        .await?)
}

/// A person's settings as the form shows them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub contact: ContactRow,
    /// Each kind with its choice per channel beyond the app (e-mail, then the gateway).
    pub choices: Vec<(Kind, [bool; 2])>,
    /// The channels beyond the app the deployment has.
    pub configured: Vec<Channel>,
}

/// The channels beyond the app, in the settings table's order.
pub const OUTSIDE: [Channel; 2] = [Channel::Email, Channel::Webhook];

/// Whether `kind` goes out on `channel` for someone with these stored choices.
fn chosen(
    stored: &[xingfu_store::notifications::PreferenceRow],
    kind: Kind,
    channel: Channel,
) -> bool {
    stored
        .iter()
        .find(|p| p.kind == kind.key() && p.channel == channel.key())
        .map(|p| p.enabled != 0)
        .unwrap_or_else(|| kind.default_on(channel))
}

/// The kinds someone of the person's role can receive, in the settings table's order.
fn offered(user: &CurrentUser) -> impl Iterator<Item = Kind> {
    let role = user.role;
    Kind::ALL.into_iter().filter(move |k| k.offered_to(role))
}

pub async fn settings(state: &AppState, user: &CurrentUser) -> Result<Settings, AppError> {
    let (contact, stored) = state.store.notification_settings(&user.user.id).await?;
    let choices = offered(user)
        .map(|kind| (kind, OUTSIDE.map(|channel| chosen(&stored, kind, channel))))
        .collect();
    Ok(Settings {
        contact,
        choices,
        configured: OUTSIDE
            .into_iter()
            .filter(|c| state.channels.has(*c))
            .collect(),
    })
}

/// The settings form as posted: contact details, the boxes ticked (`kind.channel`), and the
/// version the form was read at.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub email: String,
    pub phone: String,
    pub ticked: Vec<String>,
    pub version: i64,
}

/// A plausible e-mail address: one `@`, something before it, a dot after it, no spaces.
fn email_ok(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && text.len() <= 254
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// A mobile number: 11 digits starting with 1 (an optional +86 in front).
fn phone_ok(text: &str) -> bool {
    let digits = text.strip_prefix("+86").unwrap_or(text);
    digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Checks and saves the settings; the field problems when something is wrong (nothing saved).
/// A form read before someone else saved is refused as stale.
pub async fn save_settings(
    state: &AppState,
    user: &CurrentUser,
    input: &SettingsInput,
    lang: Lang,
    now: i64,
) -> Result<Vec<FieldProblem>, AppError> {
    let email = input.email.trim();
    let phone: String = input
        .phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let mut problems = Vec::new();
    if !email.is_empty() && !email_ok(email) {
        problems.push((
            "email".to_string(),
            lang.text(
                format!("电子邮箱 {email} 的格式不对\u{ff0c}应如 name@example.gov.cn"),
                format!("The e-mail address {email} is not valid; write it as name@example.gov.cn"),
            ),
        ));
    }
    if !phone.is_empty() && !phone_ok(&phone) {
        problems.push((
            "phone".to_string(),
            lang.text(
                "手机号码应为 11 位数字\u{ff0c}以 1 开头".to_string(),
                "The mobile number must be 11 digits starting with 1".to_string(),
            ),
        ));
    }
    if !problems.is_empty() {
        return Ok(problems);
    }
    let choices: Vec<(&str, &str, bool)> = offered(user)
        .flat_map(|kind| OUTSIDE.map(move |channel| (kind, channel)))
        .map(|(kind, channel)| {
            let key = format!("{}.{}", kind.key(), channel.key());
            (kind.key(), channel.key(), input.ticked.contains(&key))
        })
        .collect();
    match state
        .store
        .save_notification_settings(&user.user.id, (email, &phone), &choices, input.version, now)
        .await?
    {
        Ok(_) => Ok(Vec::new()),
        Err(current) => Err(stale(state, lang, SETTINGS, current, None, None).await),
    }
}

/// A message to make for someone.
pub struct Draft<'a> {
    pub kind: Kind,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    /// Names what the message is about, so it is made once: the recipient is added to it.
    pub about: &'a str,
}

/// Makes the message for `recipient` unless it was made before, with a delivery on each channel
/// they chose that has an address and that the deployment has. True when it was made now.
pub async fn notify(
    state: &AppState,
    recipient: &UserRow,
    draft: &Draft<'_>,
    now: i64,
) -> Result<bool, AppError> {
    let dedupe = format!("{}:{}:{}", draft.kind.key(), recipient.id, draft.about);
    if state.store.notification_exists(&dedupe).await? {
        return Ok(false);
    }
    let (contact, stored) = state.store.notification_settings(&recipient.id).await?;
    let deliveries: Vec<(&str, &str)> = OUTSIDE
        .into_iter()
        .filter(|channel| state.channels.has(*channel) && chosen(&stored, draft.kind, *channel))
        .filter_map(|channel| {
            let address = match channel {
                Channel::Email => contact.email.as_str(),
                _ => contact.phone.as_str(),
            };
            (!address.is_empty()).then_some((channel.key(), address))
        })
        .collect();
    Ok(state
        .store
        .create_notification(
            &NewNotification {
                recipient_id: &recipient.id,
                kind: draft.kind.key(),
                subject: draft.subject,
                body: draft.body,
                link: draft.link,
                dedupe_key: &dedupe,
            },
            &deliveries,
            now,
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_are_checked() {
        assert!(email_ok("wang@example.gov.cn"));
        assert!(!email_ok("wang@example"));
        assert!(!email_ok("wang example.gov.cn"));
        assert!(!email_ok("@example.gov.cn"));
        assert!(!email_ok("a b@example.gov.cn"));
        assert!(phone_ok("13812345678"));
        assert!(phone_ok("+8613812345678"));
        assert!(!phone_ok("1381234567"));
        assert!(!phone_ok("23812345678"));
    }
}
