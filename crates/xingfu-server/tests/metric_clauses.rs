//! A standard's `metric` clauses take the platform's own figures for the round's year: here the
//! Weibin standard's PA2.4 (随手拍 events closed in a closed loop, at least 90%) from the events
//! reported in 鼓楼社区 during 2013, China Standard Time. On SQLite and on PostgreSQL.

#[macro_use]
mod common;

use common::Server;
use xingfu_core::Dec2;
use xingfu_core::ops::Level;
use xingfu_core::ops::coords::GeoPoint;
use xingfu_core::ops::events::{Event, EventId, EventState};
use xingfu_core::scoring::Answer;
use xingfu_core::standard::Judge;
use xingfu_formats::shipped::SHIPPED;
use xingfu_server::metrics::year_period;
use xingfu_server::rounds::service;
use xingfu_store::rounds::{By, NewRound, SheetWrite};

const GULOU: &str = "330302006044";

fn event(id: u64, reported_at: i64, state: EventState) -> Event {
    let closed = state == EventState::Closed;
    Event {
        id: EventId(id),
        category: "环境卫生".into(),
        description: "楼道堆放杂物".into(),
        location: GeoPoint::new(120.655, 28.015).unwrap(),
        located: true,
        address: None,
        photos: Vec::new(),
        community: GULOU.into(),
        grid: None,
        reporter: Some("gulou-resident".into()),
        state,
        level: Level::Community,
        assignee: None,
        reported_at,
        deadline: None,
        resolved_at: closed.then_some(reported_at + 3_600_000),
        closed_at: closed.then_some(reported_at + 7_200_000),
        late: false,
        escalations: 0,
        reopens: 0,
        merged_into: None,
        updated_at: reported_at,
        version: 1,
    }
}

async fn the_closure_rate_clause_is_scored_from_the_years_events(server: &Server) {
    let store = &server.state.store;
    let (id, text) = SHIPPED
        .iter()
        .find(|(id, _)| *id == "weibin-four-types")
        .unwrap();
    store.save_standard(id, "2023.1", text, 0).await.unwrap();
    let round = store
        .create_round(
            &NewRound {
                year: 2013,
                region_code: "330302000000",
                standard_id: id,
                standard_version: "2023.1",
                objection_days: 0,
            },
            "city",
            1,
        )
        .await
        .unwrap()
        .id;
    let standard = server.state.standard(id, "2023.1").await.unwrap();
    store.declare(&round, GULOU, 0, "gulou", 2).await.unwrap();
    // One assessor's sheet: every clause but the metric ones answered.
    let answers: Vec<(String, Answer)> = standard
        .clauses()
        .filter(|c| !matches!(c.judge, Judge::Metric { .. }))
        .map(|c| {
            let answer = match c.judge {
                Judge::Met => Answer::met(true),
                _ => Answer::number(Dec2::ZERO),
            };
            (c.id.clone(), answer)
        })
        .collect();
    let rows: Vec<(String, String)> = answers
        .iter()
        .map(|(clause, answer)| (clause.clone(), service::answer_json(answer)))
        .collect();
    // Written straight to the store, at the stage the entry is in (declared).
    let sheet = SheetWrite {
        round_id: &round,
        community: GULOU,
        sheet: "assessor",
        open_at: "declared",
        expected_version: None,
        by: By {
            actor: "assessor",
            at: 3,
        },
    };
    store.save_answers(&sheet, &rows).await.unwrap().unwrap();
    let clause_points = |card: &xingfu_core::panel::PanelCard<'_>| {
        card.sheets[0]
            .categories
            .iter()
            .flat_map(|c| c.items.iter())
            .flat_map(|i| i.clauses.iter())
            .find(|c| c.id == "PA2.4")
            .map(|c| (c.earned, c.max))
            .unwrap()
    };

    // No events yet: the clause is not assessed, not failed.
    let card = service::panel(&server.state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(clause_points(&card).0, Dec2::ZERO);
    assert!(
        card.sheets[0].not_assessed.contains(&"PA2.4"),
        "{:?}",
        card.sheets[0].not_assessed
    );

    // 2013 in China Standard Time: 9 of 10 events closed is 90%, the threshold; one reported a
    // minute before the year began (and still open) does not count.
    let (from, to) = year_period(2013);
    let mut events: Vec<Event> = (0..9)
        .map(|i| event(i + 1, from + i as i64 * 86_400_000, EventState::Closed))
        .collect();
    events.push(event(10, to - 60_000, EventState::InProgress));
    events.push(event(11, from - 60_000, EventState::InProgress));
    store.bulk_events(&events).await.unwrap();
    let card = service::panel(&server.state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    let (earned, max) = clause_points(&card);
    assert_eq!(earned, max, "90% closed meets the clause");

    // One more open event in the year: 9 of 11 is 81.81%, below 90%.
    store
        .bulk_events(&[event(12, from + 100 * 86_400_000, EventState::Accepted)])
        .await
        .unwrap();
    let card = service::panel(&server.state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(clause_points(&card).0, Dec2::ZERO);
}
on_both!(the_closure_rate_clause_is_scored_from_the_years_events);
