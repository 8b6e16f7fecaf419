//! Notifications on SQLite and on PostgreSQL: a real SMTP server (aiosmtpd, started here on a
//! free port) and a real HTTP receiver for the signed webhook; two workers on one database send
//! each message once; a new server on the same database loses nothing and resends nothing;
//! failed sends are tried again by the back-off and then given up; each person's choices and
//! contact details decide the channels; reminders come at their lead times, once; the weekly
//! digest on Monday mornings; the bell, the list, marking read, the settings form and the API.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::{Server, between};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tower::ServiceExt;
use xingfu_core::notify::{DAY_MS, HOUR_MS, Kind, MINUTE_MS, RETRY_AFTER_MS, digest_week_start};
use xingfu_core::workflow::Stage;
use xingfu_server::AppState;
use xingfu_server::app::clock::now_ms;
use xingfu_server::i18n::Lang;
use xingfu_server::notifications::channels::{ChannelConfig, Channels};
use xingfu_server::notifications::service::delivery::{LEASE_MS, deliver_due};
use xingfu_server::notifications::service::reminders::sweep;
use xingfu_server::notifications::service::{self, Draft, SettingsInput, notify};
use xingfu_store::Store;
use xingfu_store::notifications::{NewNotification, Outcome};
use xingfu_store::rounds::{By, EntryChange};

const SECRET: &str = "gateway secret 网关";
const GULOU: &str = "330302006044";

/// Every box of the settings table ticked.
fn all_boxes() -> Vec<String> {
    Kind::ALL
        .into_iter()
        .flat_map(|k| ["email", "webhook"].map(move |c| format!("{}.{c}", k.key())))
        .collect()
}

/// An SMTP server that keeps every message it receives in a maildir.
struct Smtp {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtp {
    async fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        // Stopped by `Drop`, also when it never answers.
        let smtp = Smtp { child, port, dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return smtp;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the SMTP server did not start");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Each received message's Message-ID and recipient, by file.
    fn received(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail").join(folder)) else {
                continue;
            };
            for entry in entries {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let header = |name: &str| {
                    text.lines()
                        .find(|l| l.to_ascii_lowercase().starts_with(name))
                        .map(|l| l[name.len()..].trim().to_string())
                        .unwrap_or_default()
                };
                found.push((header("message-id:"), header("to:")));
            }
        }
        found
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A webhook receiver: checks each request's signature, refuses the first `fail_first`
/// requests with 500, and keeps the accepted ones (idempotency key, body).
#[derive(Clone)]
struct Hook {
    url: String,
    seen: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<(String, Value)>>>,
    bad_signatures: Arc<AtomicUsize>,
}

impl Hook {
    async fn start(fail_first: usize) -> Hook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook = Hook {
            url: format!("http://{}/gateway", listener.local_addr().unwrap()),
            seen: Arc::default(),
            accepted: Arc::default(),
            bad_signatures: Arc::default(),
        };
        let state = hook.clone();
        let app = axum::Router::new().route(
            "/gateway",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
                    mac.update(&body);
                    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                    let given = headers
                        .get("x-xingfu-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    if given != expected || headers.get("x-xingfu-timestamp").is_none() {
                        state.bad_signatures.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::UNAUTHORIZED;
                    }
                    if state.seen.fetch_add(1, Ordering::SeqCst) < fail_first {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let value: Value = serde_json::from_slice(&body).unwrap();
                    state.accepted.lock().unwrap().push((key, value));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        hook
    }

    fn accepted(&self) -> Vec<(String, Value)> {
        self.accepted.lock().unwrap().clone()
    }
}

fn channels(smtp: Option<&Smtp>, hook: Option<&Hook>) -> Channels {
    Channels::new(&ChannelConfig {
        smtp_url: smtp.map(Smtp::url),
        mail_from: smtp.map(|_| "幸福社区平台 <noreply@example.gov.cn>".to_string()),
        webhook_url: hook.map(|h| h.url.clone()),
        webhook_secret: hook.map(|_| SECRET.to_string()),
        site_url: Some("https://xingfu.example.gov.cn/".into()),
    })
    .unwrap()
}

/// Gives `username` an e-mail address and a mobile number, every box ticked.
async fn reachable(state: &AppState, server: &Server, username: &str, email: &str) {
    let user = server.user(username).await;
    let problems = service::save_settings(
        state,
        &user,
        &SettingsInput {
            email: email.into(),
            phone: "13812345678".into(),
            ticked: all_boxes(),
            version: 0,
        },
        Lang::Zh,
        1,
    )
    .await
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

async fn message(
    state: &AppState,
    server: &Server,
    username: &str,
    kind: Kind,
    about: &str,
    now: i64,
) -> bool {
    let user = server.user(username).await;
    let subject = format!("测试消息 {about}");
    notify(
        state,
        &user.user,
        &Draft {
            kind,
            subject: &subject,
            body: "请在期限前处理。",
            link: "/workbench",
            about,
        },
        now,
    )
    .await
    .unwrap()
}

/// Two workers on two connections to one database deliver 12 messages by e-mail and by
/// webhook; the gateway refuses its first two requests, which are tried again a minute later by
/// a third server started on the same database. The SMTP server and the gateway each saw every
/// message exactly once, named by its delivery.
async fn two_workers_and_a_restart_send_each_message_once(server: &Server) {
    let smtp = Smtp::start().await;
    let hook = Hook::start(2).await;
    let a = server
        .state
        .clone()
        .with_channels(channels(Some(&smtp), Some(&hook)));
    let b = AppState::new(Store::connect(&server.url).await.unwrap(), false)
        .with_channels(channels(Some(&smtp), Some(&hook)));
    let people = [
        ("gulou", "gulou@example.gov.cn"),
        ("wuma", "wuma@example.gov.cn"),
        ("district", "lucheng@example.gov.cn"),
    ];
    for (username, email) in people {
        reachable(&a, server, username, email).await;
    }
    let now = now_ms();
    for i in 0..12 {
        let (username, _) = people[i % 3];
        assert!(
            message(
                &a,
                server,
                username,
                Kind::SlaDue,
                &format!("event-{i}"),
                now
            )
            .await
        );
    }
    // Made again (another server's sweep): nothing new.
    assert!(!message(&b, server, "gulou", Kind::SlaDue, "event-0", now).await);

    let (ra, rb) = tokio::join!(
        deliver_due(&a, "worker-a", now),
        deliver_due(&b, "worker-b", now)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 22, "{ra:?} {rb:?}");
    assert_eq!(ra.retried + rb.retried, 2, "{ra:?} {rb:?}");
    assert_eq!(ra.lost + rb.lost + ra.failed + rb.failed, 0);

    // Not due again before the first back-off.
    let early = deliver_due(&a, "worker-a", now + MINUTE_MS - 1)
        .await
        .unwrap();
    assert_eq!(early.sent + early.retried, 0);

    // A new server on the same database: the two retries go, nothing else is sent again.
    let c = AppState::new(Store::connect(&server.url).await.unwrap(), false)
        .with_channels(channels(Some(&smtp), Some(&hook)));
    let later = deliver_due(&c, "worker-c", now + MINUTE_MS).await.unwrap();
    assert_eq!((later.sent, later.retried), (2, 0));
    let much_later = deliver_due(&c, "worker-c", now + DAY_MS).await.unwrap();
    assert_eq!(much_later.sent + much_later.retried + much_later.failed, 0);

    let pending = c.store.deliveries_in_state("pending").await.unwrap();
    assert!(pending.is_empty(), "{pending:?}");
    let sent = c.store.deliveries_in_state("sent").await.unwrap();
    assert_eq!(sent.len(), 24);
    let ids: BTreeMap<String, String> = sent
        .iter()
        .map(|d| (d.id.clone(), d.channel.clone()))
        .collect();

    // The SMTP server: 12 messages, each Message-ID an e-mail delivery's, none twice.
    let mails = smtp.received();
    assert_eq!(mails.len(), 12, "{mails:?}");
    let mail_ids: BTreeSet<String> = mails
        .iter()
        .map(|(id, _)| {
            id.trim_matches(['<', '>'])
                .trim_end_matches("@xingfu")
                .to_string()
        })
        .collect();
    assert_eq!(mail_ids.len(), 12);
    assert!(
        mail_ids
            .iter()
            .all(|id| ids.get(id).map(String::as_str) == Some("email"))
    );
    assert!(
        mails
            .iter()
            .any(|(_, to)| to.contains("gulou@example.gov.cn"))
    );

    // The gateway: 12 accepted, each once, signed, its key the delivery's id.
    assert_eq!(hook.bad_signatures.load(Ordering::SeqCst), 0);
    let accepted = hook.accepted();
    assert_eq!(accepted.len(), 12);
    let keys: BTreeSet<&str> = accepted.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys.len(), 12);
    for (key, body) in &accepted {
        assert_eq!(ids.get(key.as_str()).map(String::as_str), Some("webhook"));
        assert_eq!(body["id"], key.as_str());
        assert_eq!(body["phone"], "13812345678");
        assert_eq!(body["kind"], "sla_due");
        assert_eq!(body["link"], "https://xingfu.example.gov.cn/workbench");
        assert!(body["subject"].as_str().unwrap().starts_with("测试消息"));
    }
    b.store.close().await;
    c.store.close().await;
}
on_both!(two_workers_and_a_restart_send_each_message_once);

/// A gateway that always fails: the delivery is tried after 1 and 5 minutes, half an hour, 2
/// hours and 12 hours, then given up as failed; the message stays in the app.
async fn failed_sends_back_off_then_give_up(server: &Server) {
    let hook = Hook::start(usize::MAX).await;
    let state = server
        .state
        .clone()
        .with_channels(channels(None, Some(&hook)));
    reachable(&state, server, "gulou", "gulou@example.gov.cn").await;
    let start = now_ms();
    assert!(message(&state, server, "gulou", Kind::SlaDue, "e1", start).await);
    let gulou = server.user("gulou").await;
    // No SMTP server configured: no e-mail delivery, only the gateway's.
    let deliveries = state.store.deliveries_for(&gulou.user.id).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].channel, "webhook");

    let mut at = start;
    for (attempt, wait) in RETRY_AFTER_MS.iter().enumerate() {
        let report = deliver_due(&state, "w", at).await.unwrap();
        assert_eq!(report.retried, 1, "attempt {}", attempt + 1);
        let row = &state.store.deliveries_for(&gulou.user.id).await.unwrap()[0];
        assert_eq!(row.state, "pending");
        assert_eq!(row.attempts, attempt as i64 + 1);
        assert_eq!(row.next_attempt_at, at + wait);
        assert!(row.last_error.as_deref().unwrap().contains("500"));
        // Not a millisecond early.
        let early = deliver_due(&state, "w", at + wait - 1).await.unwrap();
        assert_eq!(early.retried + early.failed, 0);
        at += wait;
    }
    let last = deliver_due(&state, "w", at).await.unwrap();
    assert_eq!(last.failed, 1);
    let row = &state.store.deliveries_for(&gulou.user.id).await.unwrap()[0];
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 6));
    assert_eq!(
        deliver_due(&state, "w", at + DAY_MS).await.unwrap().failed,
        0
    );
    assert_eq!(hook.seen.load(Ordering::SeqCst), 6);
    let messages = state
        .store
        .notifications_for(&gulou.user.id, 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
}
on_both!(failed_sends_back_off_then_give_up);

/// A worker whose lease ran out cannot record its send: the delivery belongs to the worker that
/// claimed it next.
async fn a_lost_lease_records_nothing(server: &Server) {
    let store = &server.state.store;
    let gulou = server.user("gulou").await;
    let now = now_ms();
    store
        .create_notification(
            &NewNotification {
                recipient_id: &gulou.user.id,
                kind: "sla_due",
                subject: "s",
                body: "b",
                link: "/workbench",
                dedupe_key: "lease-test",
            },
            &[("webhook", "13812345678")],
            now,
        )
        .await
        .unwrap();
    let first = store
        .claim_deliveries("a", now, now + LEASE_MS, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(
        store
            .claim_deliveries("b", now + LEASE_MS - 1, now + 2 * LEASE_MS, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let second = store
        .claim_deliveries("b", now + LEASE_MS, now + 2 * LEASE_MS, 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempts, 2);
    assert!(
        !store
            .finish_delivery(&first[0].id, "a", &Outcome::Sent, now + LEASE_MS + 1)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_delivery(&second[0].id, "b", &Outcome::Sent, now + LEASE_MS + 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_delivery(&second[0].id, "b", &Outcome::Sent, now + LEASE_MS + 2)
            .await
            .unwrap()
    );
}
on_both!(a_lost_lease_records_nothing);

/// Deliveries follow the person's boxes, their contact details and the site's channels.
async fn choices_and_contacts_decide_the_channels(server: &Server) {
    // Channels configured but never sent to in this test.
    let hook = Hook::start(0).await;
    let state = server.state.clone().with_channels(
        Channels::new(&ChannelConfig {
            smtp_url: Some("smtp://127.0.0.1:9".into()),
            mail_from: Some("noreply@example.gov.cn".into()),
            webhook_url: Some(hook.url.clone()),
            webhook_secret: Some(SECRET.into()),
            site_url: None,
        })
        .unwrap(),
    );
    let gulou = server.user("gulou").await;
    // E-mail only, and only for rectification deadlines; no phone.
    let problems = service::save_settings(
        &state,
        &gulou,
        &SettingsInput {
            email: "gulou@example.gov.cn".into(),
            phone: String::new(),
            ticked: vec!["rectification_due.email".into(), "sla_due.webhook".into()],
            version: 0,
        },
        Lang::Zh,
        1,
    )
    .await
    .unwrap();
    assert!(problems.is_empty());
    let now = now_ms();
    message(&state, server, "gulou", Kind::RectificationDue, "r1", now).await;
    message(&state, server, "gulou", Kind::SlaDue, "s1", now).await;
    message(&state, server, "gulou", Kind::NewTodo, "n1", now).await;
    let channels: Vec<String> = state
        .store
        .deliveries_for(&gulou.user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.channel)
        .collect();
    assert_eq!(
        channels,
        ["email"],
        "only the rectification reminder by e-mail"
    );
    // Someone who chose nothing gets the defaults, but without contact details only the app.
    message(&state, server, "wuma", Kind::SlaDue, "s2", now).await;
    let wuma = server.user("wuma").await;
    assert!(
        state
            .store
            .deliveries_for(&wuma.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        state
            .store
            .notifications_for(&wuma.user.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // On a site with no channels, the same choices make in-app messages only.
    message(
        &server.state,
        server,
        "gulou",
        Kind::RectificationDue,
        "r2",
        now,
    )
    .await;
    assert_eq!(
        state
            .store
            .deliveries_for(&gulou.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        state
            .store
            .notifications_for(&gulou.user.id, 10)
            .await
            .unwrap()
            .len(),
        4
    );
}
on_both!(choices_and_contacts_decide_the_channels);

fn count(list: &[(String, String)], kind: Kind) -> usize {
    list.iter().filter(|(k, _)| k == kind.key()).count()
}

/// A rectification task due at D: its worker hears of it at once (new 待办) and again from
/// D − 3 days, not a millisecond earlier, and once only. A published result whose objection
/// period ends at U: the administrators who name it hear from U − 1 day; the community's worker
/// does not.
async fn reminders_come_at_their_lead_times_once(server: &Server) {
    let store = &server.state.store;
    let round = server.lucheng_round(2013).await;
    let entry = store.declare(&round, GULOU, 0, "test", 2).await.unwrap();
    let by = By {
        actor: "test",
        at: 3,
    };
    store
        .update_entry(
            &round,
            GULOU,
            entry.version,
            &EntryChange {
                stage: Some(Stage::Computed),
                star: Some(2),
                star_by_score: Some(2),
                total: Some(80_000),
                ..EntryChange::default()
            },
            "computed",
            by,
        )
        .await
        .unwrap()
        .unwrap();
    let now = now_ms();
    let due = now + 10 * DAY_MS;
    store
        .open_rectifications(&round, GULOU, &["ZZ1.1".to_string()], "鼓楼社区", due, 4)
        .await
        .unwrap();

    let early = due - 3 * DAY_MS - 1;
    sweep(&server.state, early).await.unwrap();
    let gulou = server.messages_of("gulou").await;
    assert_eq!(count(&gulou, Kind::NewTodo), 1, "{gulou:?}");
    assert_eq!(count(&gulou, Kind::RectificationDue), 0, "{gulou:?}");
    assert!(
        gulou[0]
            .1
            .starts_with("新的待办\u{ff1a}提交整改 · 鼓楼社区 ZZ1.1"),
        "{gulou:?}"
    );

    sweep(&server.state, due - 3 * DAY_MS).await.unwrap();
    let gulou = server.messages_of("gulou").await;
    assert_eq!(count(&gulou, Kind::RectificationDue), 1, "{gulou:?}");
    assert_eq!(count(&gulou, Kind::NewTodo), 1, "{gulou:?}");
    // Again, an hour later, and on the last millisecond: nothing new.
    for at in [due - 3 * DAY_MS, due - 3 * DAY_MS + HOUR_MS, due - 1] {
        sweep(&server.state, at).await.unwrap();
        assert_eq!(server.messages_of("gulou").await.len(), 2);
    }

    // 墨池社区 published, its objection period ending at U.
    let mochi = "330302006045";
    let until = now + 5 * DAY_MS;
    let entry = store.declare(&round, mochi, 0, "test", 2).await.unwrap();
    store
        .update_entry(
            &round,
            mochi,
            entry.version,
            &EntryChange {
                stage: Some(Stage::Published),
                star: Some(2),
                star_by_score: Some(2),
                total: Some(80_000),
                objection_until: Some(until),
                ..EntryChange::default()
            },
            "published",
            by,
        )
        .await
        .unwrap()
        .unwrap();
    let before = sweep(&server.state, until - DAY_MS - 1).await.unwrap();
    let admins = ["city", "district", "wuma"];
    let mut heard = 0;
    for admin in admins {
        heard += count(&server.messages_of(admin).await, Kind::ObjectionEnding);
    }
    assert_eq!(heard, 0, "{before:?}");
    sweep(&server.state, until - DAY_MS).await.unwrap();
    for admin in admins {
        let list = server.messages_of(admin).await;
        for (kind, subject) in &list {
            if kind == Kind::ObjectionEnding.key() {
                assert_eq!(subject, "公示异议期即将结束\u{ff1a}墨池社区");
                heard += 1;
            }
        }
    }
    assert!(heard >= 1, "someone names 墨池社区");
    assert_eq!(
        count(&server.messages_of("gulou").await, Kind::ObjectionEnding),
        0
    );
    sweep(&server.state, until - HOUR_MS).await.unwrap();
    let mut again = 0;
    for admin in admins {
        again += count(&server.messages_of(admin).await, Kind::ObjectionEnding);
    }
    assert_eq!(again, heard, "once only");
}
on_both!(reminders_come_at_their_lead_times_once);

/// The weekly digest: city, district and street administrators get it from Monday 08:00 China
/// time, once a week, with their 待办 in numbers and their 约谈提醒 list; others never.
async fn the_weekly_digest_on_monday_mornings(server: &Server) {
    server.approved_gulou(2).await;
    let monday = digest_week_start(now_ms()) + 7 * DAY_MS;
    sweep(&server.state, monday - MINUTE_MS).await.unwrap();
    for username in ["city", "district", "wuma"] {
        assert_eq!(
            count(&server.messages_of(username).await, Kind::WeeklyDigest),
            0
        );
    }
    sweep(&server.state, monday).await.unwrap();
    sweep(&server.state, monday + HOUR_MS).await.unwrap();
    for username in ["city", "district", "longwan", "wuma"] {
        let list = server.messages_of(username).await;
        let digests: Vec<&String> = list
            .iter()
            .filter(|(k, _)| k == Kind::WeeklyDigest.key())
            .map(|(_, s)| s)
            .collect();
        assert_eq!(digests.len(), 1, "{username}: {list:?}");
        assert!(digests[0].starts_with("每周摘要\u{ff1a}"), "{digests:?}");
        let user = server.user(username).await;
        let body = &server
            .state
            .store
            .notifications_for(&user.user.id, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "weekly_digest")
            .unwrap()
            .body;
        assert!(body.starts_with("待办 "), "{body}");
        assert!(body.contains("约谈提醒"), "{body}");
    }
    for username in ["gulou", "assessor"] {
        assert_eq!(
            count(&server.messages_of(username).await, Kind::WeeklyDigest),
            0
        );
    }
    // The next Monday, the next digest.
    sweep(&server.state, monday + 7 * DAY_MS).await.unwrap();
    assert_eq!(
        count(&server.messages_of("city").await, Kind::WeeklyDigest),
        2
    );
}
on_both!(the_weekly_digest_on_monday_mornings);

async fn unread(server: &Server, username: &str) -> i64 {
    let user = server.user(username).await;
    server
        .state
        .store
        .unread_notifications(&user.user.id)
        .await
        .unwrap()
}

async fn api(server: &Server, method: Method, path: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The bell counts unread messages on every page; the list shows them newest first with a link
/// onward; one or all are marked read; the API agrees; nobody reads another's messages.
async fn the_bell_the_list_and_the_api(server: &Server) {
    let now = now_ms();
    message(
        &server.state,
        server,
        "gulou",
        Kind::NewTodo,
        "older",
        now - 1000,
    )
    .await;
    message(&server.state, server, "gulou", Kind::SlaDue, "newer", now).await;
    message(&server.state, server, "wuma", Kind::SlaDue, "wuma's", now).await;
    let cookie = server.sign_in("gulou").await;
    let (status, page, _) = server.get("/workbench", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<strong class=\"count\">2</strong>"),
        "{page}"
    );
    let (_, list, _) = server.get("/notifications", &cookie).await;
    let newer = list.find("测试消息 newer").unwrap();
    let older = list.find("测试消息 older").unwrap();
    assert!(newer < older, "newest first");
    assert!(list.contains("随手拍处置期限将到"));
    assert!(list.contains("href=\"/workbench\""));
    let csrf = between(&list, "name=\"csrf\" value=\"", "\"").to_string();
    let id = between(&list, "id=\"message-", "\"").to_string();
    let (status, _, _) = server
        .post(
            &format!("/notifications/{id}/read"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get("/notifications", &cookie).await;
    assert!(page.contains("<strong class=\"count\">1</strong>"));
    // Without the token: refused, nothing changed.
    let (status, _, _) = server
        .post("/notifications/read-all", &cookie, "csrf=wrong")
        .await;
    assert_ne!(status, StatusCode::SEE_OTHER);

    let token = server.api_token("gulou").await;
    let (status, body) = api(server, Method::GET, "/api/v1/notifications", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["unread"], 1);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][0]["subject"], "测试消息 newer");
    let unread_id = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["read"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = api(
        server,
        Method::POST,
        &format!("/api/v1/notifications/{unread_id}/read"),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = api(server, Method::GET, "/api/v1/notifications", &token).await;
    assert_eq!(body["unread"], 0);
    // Another person's message is not found.
    let wuma = server.user("wuma").await;
    let theirs = &server
        .state
        .store
        .notifications_for(&wuma.user.id, 1)
        .await
        .unwrap()[0]
        .id;
    let (status, _) = api(
        server,
        Method::POST,
        &format!("/api/v1/notifications/{theirs}/read"),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = server
        .post(
            &format!("/notifications/{theirs}/read"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(unread(server, "wuma").await, 1);
    let (_, page, _) = server.get("/workbench", &cookie).await;
    assert!(!page.contains("class=\"count\""));
    // Mark all read for wuma through the page.
    let wuma_cookie = server.sign_in("wuma").await;
    let (_, page, _) = server.get("/notifications", &wuma_cookie).await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let (status, _, _) = server
        .post(
            "/notifications/read-all",
            &wuma_cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(unread(server, "wuma").await, 0);
}
on_both!(the_bell_the_list_and_the_api);

/// The settings form: the lead times and the in-app-only notice shown; a wrong e-mail or phone
/// is named beside its field and nothing is saved; a form read before someone else saved is
/// refused; a good one is saved.
async fn the_settings_form(server: &Server) {
    let cookie = server.sign_in("gulou").await;
    let (status, page, _) = server.get("/notifications/settings", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("提前 2 小时"));
    assert!(page.contains("提前 3 天"));
    assert!(page.contains("提前 1 天"));
    assert!(page.contains("每周一 8:00"));
    assert!(page.contains("目前只发送站内消息"));
    assert!(page.contains("name=\"version\" value=\"0\""));
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let form = |email: &str, phone: &str, version: i64| {
        format!(
            "csrf={csrf}&version={version}&email={}&phone={phone}&on=sla_due.email&on=weekly_digest.webhook",
            common::urlencode(email)
        )
    };
    let cookie_ref = &cookie;
    let submit = |email: &str, phone: &str, version: i64| {
        let body = form(email, phone, version);
        async move {
            server
                .post("/notifications/settings", cookie_ref, &body)
                .await
        }
    };
    let (status, page, _) = submit("not-an-address", "123", 0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("电子邮箱 not-an-address 的格式不对"),
        "{page}"
    );
    assert!(page.contains("手机号码应为 11 位数字"), "{page}");
    assert!(page.contains("value=\"not-an-address\""));
    let (status, _, location) = submit("gulou@example.gov.cn", "13812345678", 0).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    let (_, page, _) = server.get("/notifications/settings?saved=1", &cookie).await;
    assert!(page.contains("设置已保存"));
    assert!(page.contains("value=\"gulou@example.gov.cn\""));
    assert!(page.contains("name=\"version\" value=\"1\""));
    assert!(page.contains("value=\"sla_due.email\" checked"));
    assert!(!page.contains("value=\"new_todo.email\" checked"));
    // The same form again, read at version 0: refused, nothing changed.
    let (status, page, _) = submit("other@example.gov.cn", "", 0).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("您的通知设置在您打开此页之后已被他人修改"),
        "{page}"
    );
    let gulou = server.user("gulou").await;
    let settings = service::settings(&server.state, &gulou).await.unwrap();
    assert_eq!(settings.contact.email, "gulou@example.gov.cn");
    // Without a version the form is refused too.
    let (status, _, _) = server
        .post(
            "/notifications/settings",
            &cookie,
            &format!("csrf={csrf}&email=a%40b.cn"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
on_both!(the_settings_form);

/// The demo's sweep leaves messages for every role that works in the programme, and the
/// resident the news of their reports.
#[tokio::test]
async fn every_working_role_of_the_demo_has_messages() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let state = AppState::new(Store::connect(&url).await.unwrap(), false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    for username in ["admin", "lucheng", "wuma", "gulou", "assessor1", "haidian"] {
        let user = state
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let messages = state.store.notifications_for(&user.id, 100).await.unwrap();
        assert!(!messages.is_empty(), "{username} has no messages");
        if ["admin", "lucheng", "wuma", "haidian"].contains(&username) {
            assert!(
                messages.iter().any(|m| m.kind == "weekly_digest"),
                "{username}"
            );
        }
    }
    // The resident gets no reminders, only the news of the demo's reports of the last day:
    // one accepted, one handled, one refused.
    let resident = state
        .store
        .user_by_username("resident")
        .await
        .unwrap()
        .unwrap();
    let news = state
        .store
        .notifications_for(&resident.id, 10)
        .await
        .unwrap();
    assert_eq!(news.len(), 3, "{news:?}");
    for m in &news {
        assert_eq!(m.kind, "report_progress");
        assert!(m.link.starts_with("/events/"), "{}", m.link);
    }
}
