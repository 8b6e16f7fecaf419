//! 随手拍 through the services, as the pages would: a report in 鼓楼社区 and a step by an
//! account, for tests that walk events through the loop.

use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::Event;
use xingfu_core::workflow::Role;
use xingfu_server::AppState;
use xingfu_server::events::service::{Command, Intake, act, ops_person, report_event};
use xingfu_server::i18n::Lang;
use xingfu_store::events::Extras;

use super::Server;

const GULOU: &str = "330302006044";

/// A sanitation report (48 hours at each level) in 鼓楼社区, at `at`.
pub async fn report(state: &AppState, reporter: Option<&str>, text: &str, at: i64) -> Event {
    let person = match reporter {
        Some(name) => {
            let user = state.store.user_by_username(name).await.unwrap().unwrap();
            let role = Role::parse(&user.role).unwrap();
            xingfu_server::events::service::ops_person_of(&state.store, &user, role)
                .await
                .unwrap()
        }
        None => None,
    };
    let intake = Intake {
        category: "sanitation".into(),
        description: text.into(),
        location: GeoPoint {
            lon: 120.651,
            lat: 28.021,
        },
        datum: Datum::Wgs84,
        address: None,
        photos: Vec::new(),
        extras: Extras::default(),
    };
    report_event(state, GULOU, person.as_ref(), intake, at)
        .await
        .unwrap()
        .unwrap()
}

pub async fn step(
    server: &Server,
    username: &str,
    event: &Event,
    command: Command,
    at: i64,
) -> Event {
    let user = server.user(username).await;
    let person = ops_person(&server.state.store, &user)
        .await
        .unwrap()
        .unwrap();
    act(
        &server.state,
        &person,
        event.id,
        event.version,
        &command,
        None,
        Vec::new(),
        at,
        Lang::Zh,
    )
    .await
    .unwrap_or_else(|e| panic!("{username} {command:?}: {e:?}"))
}
