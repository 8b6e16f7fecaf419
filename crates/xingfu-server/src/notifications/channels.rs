//! The channels beyond the app, as the deployment configures them: e-mail over SMTP, and a
//! signed webhook the deployment points at its SMS or WeChat gateway. Kept in the state; this
//! file does not import it.
//!
//! Each send names the delivery, so a receiver can drop a repeat (a server that stops between
//! sending and recording the send sends again once its lease runs out): the e-mail's Message-ID
//! is made from the delivery's id, and the webhook carries it as `Idempotency-Key`.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use sha2::Sha256;
use xingfu_core::notify::Channel;

/// The header with the body's HMAC-SHA256 under the deployment's secret: `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Xingfu-Signature";
/// The header with the time of sending, Unix milliseconds (also in the signed body).
pub const TIMESTAMP_HEADER: &str = "X-Xingfu-Timestamp";
/// The header with the delivery's id: the same on every attempt of one delivery.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// What `xingfu serve` was given (flags or environment).
#[derive(Debug, Clone, Default)]
pub struct ChannelConfig {
    /// `smtp://host:port`, `smtp://user:pass@host:587?tls=required` or `smtps://…`.
    pub smtp_url: Option<String>,
    /// The sender's address, e.g. `幸福社区平台 <noreply@example.gov.cn>`.
    pub mail_from: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// The address people reach the site at, to make links in e-mails and gateway messages
    /// whole (`https://xingfu.example.gov.cn`); without it they are paths.
    pub site_url: Option<String>,
}

struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

struct Webhook {
    url: String,
    secret: Vec<u8>,
    client: reqwest::Client,
}

/// The configured channels; none by default (in-app messages only).
#[derive(Clone, Default)]
pub struct Channels {
    email: Option<Arc<Email>>,
    webhook: Option<Arc<Webhook>>,
    site: String,
}

/// One delivery to send.
pub struct Outgoing<'a> {
    pub delivery_id: &'a str,
    /// The e-mail address or phone number.
    pub address: &'a str,
    pub recipient_name: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// A path on the site.
    pub link: &'a str,
}

/// The webhook's JSON body.
#[derive(Serialize)]
struct WebhookBody<'a> {
    id: &'a str,
    kind: &'a str,
    phone: &'a str,
    name: &'a str,
    subject: &'a str,
    body: &'a str,
    link: String,
    sent_at: i64,
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Channels {
    /// The channels `config` sets up; an error names what is wrong with it.
    pub fn new(config: &ChannelConfig) -> anyhow::Result<Channels> {
        let email = match (&config.smtp_url, &config.mail_from) {
            (None, _) => None,
            (Some(_), None) => anyhow::bail!("--smtp-url needs --mail-from (the sender's address)"),
            (Some(url), Some(from)) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| anyhow::anyhow!("--mail-from {from:?}: {e}"))?;
                Some(Arc::new(Email { transport, from }))
            }
        };
        let webhook = match (&config.webhook_url, &config.webhook_secret) {
            (None, _) => None,
            (Some(_), None) => {
                anyhow::bail!("--webhook-url needs --webhook-secret (to sign each request)")
            }
            (Some(url), Some(secret)) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    anyhow::bail!("--webhook-url {url:?}: use http:// or https://");
                }
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .build()?;
                Some(Arc::new(Webhook {
                    url: url.clone(),
                    secret: secret.as_bytes().to_vec(),
                    client,
                }))
            }
        };
        Ok(Channels {
            email,
            webhook,
            site: config
                .site_url
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
        })
    }

    /// Whether messages can go out on `channel`.
    pub fn has(&self, channel: Channel) -> bool {
        match channel {
            Channel::InApp => true,
            Channel::Email => self.email.is_some(),
            Channel::Webhook => self.webhook.is_some(),
        }
    }

    /// Sends one delivery; the error in words when it did not go.
    pub async fn send(&self, channel: Channel, out: &Outgoing<'_>, now: i64) -> Result<(), String> {
        let link = format!("{}{}", self.site, out.link);
        match channel {
            Channel::InApp => Ok(()),
            Channel::Email => {
                let email = self.email.as_ref().ok_or("e-mail is not configured")?;
                let to: Mailbox = format!("{} <{}>", out.recipient_name, out.address)
                    .parse()
                    .or_else(|_| out.address.parse())
                    .map_err(|e| format!("address {:?}: {e}", out.address))?;
                let message = Message::builder()
                    .from(email.from.clone())
                    .to(to)
                    .subject(out.subject)
                    .message_id(Some(format!("<{}@xingfu>", out.delivery_id)))
                    .header(ContentType::TEXT_PLAIN)
                    .body(format!("{}\n\n{link}\n", out.body))
                    .map_err(|e| e.to_string())?;
                email
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Channel::Webhook => {
                let hook = self
                    .webhook
                    .as_ref()
                    .ok_or("the webhook is not configured")?;
                let body = serde_json::to_vec(&WebhookBody {
                    id: out.delivery_id,
                    kind: out.kind,
                    phone: out.address,
                    name: out.recipient_name,
                    subject: out.subject,
                    body: out.body,
                    link,
                    sent_at: now,
                })
                .map_err(|e| e.to_string())?;
                let response = hook
                    .client
                    .post(&hook.url)
                    .header("Content-Type", "application/json")
                    .header(SIGNATURE_HEADER, signature(&hook.secret, &body))
                    .header(TIMESTAMP_HEADER, now.to_string())
                    .header(IDEMPOTENCY_HEADER, out.delivery_id)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("the gateway answered {}", response.status()))
                }
            }
        }
    }
}
