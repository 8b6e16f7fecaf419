//! Reporters hear how their 随手拍 report goes, on SQLite and on PostgreSQL: the reminder sweep
//! tells a resident of the steps that answer their report (accepted, resolved, rejected with
//! the reason) in the right words with a link they can open, once however often it runs, by
//! the app and the gateway but not by e-mail unless they choose; an anonymous report tells
//! nobody, the staff's own steps (dispatch, start) and steps older than a day make no message;
//! and a resident's settings offer just this kind.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::events::{report, step};
use common::{Server, assert_chinese_punctuation};
use xingfu_core::notify::{DAY_MS, HOUR_MS, Kind};
use xingfu_core::ops::events::{Event, EventState};
use xingfu_server::AppState;
use xingfu_server::app::clock::now_ms;
use xingfu_server::events::service::Command;
use xingfu_server::notifications::channels::{ChannelConfig, Channels};
use xingfu_server::notifications::service::reminders::sweep;
use xingfu_store::notifications::NotificationRow;

const RESIDENT: &str = "gulou-resident";

/// `gulou` takes each of `commands` on the event, an hour apart from `at`.
async fn walk(server: &Server, mut event: Event, commands: &[Command], at: i64) -> Event {
    for (i, command) in commands.iter().enumerate() {
        let when = at + i as i64 * HOUR_MS;
        event = step(server, "gulou", &event, command.clone(), when).await;
    }
    event
}

async fn news_of(state: &AppState, server: &Server, username: &str) -> Vec<NotificationRow> {
    let user = server.user(username).await;
    let mut rows = state
        .store
        .notifications_for(&user.user.id, 100)
        .await
        .unwrap();
    rows.retain(|m| m.kind == Kind::ReportProgress.key());
    rows
}

fn handled() -> Vec<Command> {
    vec![
        Command::Accept,
        Command::Dispatch { to: "gulou".into() },
        Command::Start,
        Command::Resolve,
    ]
}

async fn a_resident_hears_of_acceptance_and_resolution_once(server: &Server) {
    // Both gateways configured (nothing is sent here): the resident's phone gets the news, their
    // e-mail does not until they choose it.
    let state = server.state.clone().with_channels(
        Channels::new(&ChannelConfig {
            smtp_url: Some("smtp://127.0.0.1:9".into()),
            mail_from: Some("幸福社区平台 <noreply@example.gov.cn>".into()),
            webhook_url: Some("http://127.0.0.1:9/gateway".into()),
            webhook_secret: Some("secret".into()),
            site_url: None,
        })
        .unwrap(),
    );
    let resident = server.user(RESIDENT).await;
    state
        .store
        .save_notification_settings(
            &resident.user.id,
            ("resident@example.cn", "13812345678"),
            &[],
            0,
            1,
        )
        .await
        .unwrap()
        .unwrap();
    let now = now_ms();
    let start = now - 6 * HOUR_MS;
    let mine = report(
        &server.state,
        Some(RESIDENT),
        "绿化带里有人倒了装修垃圾",
        start,
    )
    .await;
    let mine = walk(server, mine, &handled(), start + HOUR_MS).await;
    assert_eq!(mine.state, EventState::Resolved);
    // Anonymous: nobody to tell.
    let anonymous = report(&server.state, None, "垃圾桶满了", start).await;
    walk(server, anonymous, &handled(), start + HOUR_MS).await;
    // Accepted two days ago: older than the sweep looks.
    let old = report(&server.state, Some(RESIDENT), "井盖松动", now - 3 * DAY_MS).await;
    walk(server, old, &[Command::Accept], now - 2 * DAY_MS).await;
    // Only accepted and dispatched: one message, for the acceptance.
    let pending = report(&server.state, Some(RESIDENT), "路灯不亮", start).await;
    let pending = walk(
        server,
        pending,
        &[Command::Accept, Command::Dispatch { to: "gulou".into() }],
        start + HOUR_MS,
    )
    .await;

    sweep(&state, now).await.unwrap();
    let news = news_of(&state, server, RESIDENT).await;
    let told: Vec<(String, &str)> = news
        .iter()
        .map(|m| (m.link.clone(), m.body.as_str()))
        .collect();
    assert_eq!(news.len(), 3, "{told:?}");
    let about = |event: &Event| -> Vec<&NotificationRow> {
        news.iter()
            .filter(|m| m.link == format!("/events/{}", event.id))
            .collect()
    };
    let on_mine = about(&mine);
    assert_eq!(on_mine.len(), 2, "{told:?}");
    let ending = |tail: &str| {
        *on_mine
            .iter()
            .find(|m| m.body.ends_with(tail))
            .unwrap_or_else(|| panic!("no message ends with {tail}: {told:?}"))
    };
    let accepted = ending("已受理。");
    ending("已处理完毕\u{ff0c}请确认是否解决\u{ff0c}或说明仍未解决的原因。");
    assert_eq!(
        accepted.subject,
        format!("您上报的随手拍有新进展\u{ff1a}#{} 环境卫生", mine.id)
    );
    assert_eq!(
        accepted.body,
        format!(
            "您上报的 #{} 环境卫生\u{ff08}绿化带里有人倒了装修垃圾\u{ff09}已受理。",
            mine.id
        )
    );
    for m in &news {
        assert_chinese_punctuation(&m.subject);
        assert_chinese_punctuation(&m.body);
    }
    let on_pending = about(&pending);
    assert_eq!(on_pending.len(), 1);
    assert!(on_pending[0].body.ends_with("已受理。"));

    // Each by the gateway, none by e-mail.
    let deliveries = state.store.deliveries_for(&resident.user.id).await.unwrap();
    assert_eq!(deliveries.len(), 3, "{deliveries:?}");
    assert!(deliveries.iter().all(|d| d.channel == "webhook"));

    // Again, and later the same day: nothing new.
    sweep(&state, now).await.unwrap();
    sweep(&state, now + HOUR_MS).await.unwrap();
    assert_eq!(news_of(&state, server, RESIDENT).await.len(), 3);
    // Nobody else heard of any report.
    for username in ["gulou", "wuma", "district", "mochi-resident"] {
        assert!(
            news_of(&state, server, username).await.is_empty(),
            "{username}"
        );
    }

    // The resident opens the link, sees the messages, and their settings offer this kind.
    let cookie = server.sign_in(RESIDENT).await;
    let (status, page, _) = server.get(&accepted.link, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("绿化带里有人倒了装修垃圾"));
    let (status, page, _) = server.get("/notifications", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&accepted.subject), "{page}");
    let (status, page, _) = server.get("/notifications/settings", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"report_progress.webhook\""), "{page}");
    assert!(!page.contains("value=\"new_todo."), "{page}");
}
on_both!(a_resident_hears_of_acceptance_and_resolution_once);

/// A refusal tells the reporter why; closing after the confirmation window tells them it is
/// done; their own confirmation tells them nothing.
async fn refusals_and_closing_are_told_too(server: &Server) {
    let state = &server.state;
    let now = now_ms();
    let refused = report(
        &server.state,
        Some(RESIDENT),
        "建议装快递柜",
        now - 5 * HOUR_MS,
    )
    .await;
    walk(
        server,
        refused,
        &[Command::Reject {
            reason: "不属于随手拍受理范围".into(),
        }],
        now - 4 * HOUR_MS,
    )
    .await;
    // Resolved four days ago, unconfirmed: the worker closes it now.
    let unconfirmed = report(
        &server.state,
        Some(RESIDENT),
        "楼道灯坏了",
        now - 4 * DAY_MS,
    )
    .await;
    let unconfirmed = walk(server, unconfirmed, &handled(), now - 4 * DAY_MS).await;
    walk(server, unconfirmed, &[Command::Close], now - HOUR_MS).await;
    // Confirmed by the resident: their own step.
    let confirmed = report(&server.state, Some(RESIDENT), "树枝挡路", now - 8 * HOUR_MS).await;
    let confirmed = walk(server, confirmed, &handled(), now - 7 * HOUR_MS).await;
    step(
        server,
        RESIDENT,
        &confirmed,
        Command::Confirm,
        now - HOUR_MS,
    )
    .await;

    sweep(state, now).await.unwrap();
    let bodies: Vec<String> = news_of(state, server, RESIDENT)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    let ends = |tail: &str| bodies.iter().filter(|b| b.ends_with(tail)).count();
    assert_eq!(
        ends("不予受理\u{ff0c}原因\u{ff1a}不属于随手拍受理范围。"),
        1,
        "{bodies:?}"
    );
    assert_eq!(ends("已办结。"), 1, "{bodies:?}");
    // The confirmed one: accepted and resolved within the day, not its confirmation.
    assert_eq!(ends("已受理。"), 1, "{bodies:?}");
    assert_eq!(bodies.len(), 4, "{bodies:?}");
}
on_both!(refusals_and_closing_are_told_too);
