//! Properties of the operations rules over random inputs: coordinate round trips, grid
//! routing, duplicate detection against brute force, the event state machine's invariants
//! under random action sequences and concurrent actors, the SLA sweep against its definition,
//! a points ledger that never goes negative, and metric bounds.

use proptest::prelude::*;
use xingfu_core::decimal::Dec2;
use xingfu_core::ops::coords::{self, Datum, GeoPoint};
use xingfu_core::ops::dedupe::{Candidate, DedupeWindow, duplicate_pairs};
use xingfu_core::ops::events::{
    Action, Event, EventId, EventRules, EventState, HOUR_MS, NewReport, decide, open,
    validate_report,
};
use xingfu_core::ops::grid::{Area, Grid, Location, Polygon, Route, haversine_m, route};
use xingfu_core::ops::metrics::{self, ActivityFact, EventFact, Period};
use xingfu_core::ops::open311::{parse_w3c_datetime, w3c_datetime};
use xingfu_core::ops::points::{EntryKind, MallItem, Operation, PointsBook, balance, verify};
use xingfu_core::ops::sla::{DueAction, SlaEntry, escalations_due};
use xingfu_core::ops::{Actor, Level, OpsRole};

/// Points inside the GCJ-02 rectangle, away from its edges.
fn china_point() -> impl Strategy<Value = GeoPoint> {
    (75.0f64..135.0, 5.0f64..53.0).prop_map(|(lon, lat)| GeoPoint { lon, lat })
}

proptest! {
    #[test]
    fn wgs_to_gcj_and_back_is_within_a_millimetre(p in china_point()) {
        let back = coords::gcj02_to_wgs84(coords::wgs84_to_gcj02(p));
        prop_assert!(haversine_m(back, p) < 0.001, "{:?} came back as {:?}", p, back);
    }

    #[test]
    fn every_datum_round_trips(p in china_point(), which in 0usize..3) {
        let datum = Datum::ALL[which];
        let back = coords::to_wgs84(coords::from_wgs84(p, datum), datum);
        prop_assert!(haversine_m(back, p) < 0.001);
    }

    #[test]
    fn gcj_shifts_less_than_a_kilometre_in_china_and_nothing_outside(
        p in china_point(),
        lon in -180.0f64..180.0,
        lat in -90.0f64..90.0,
    ) {
        prop_assert!(haversine_m(p, coords::wgs84_to_gcj02(p)) < 1_000.0);
        let q = GeoPoint { lon, lat };
        if !coords::in_china(q) {
            prop_assert_eq!(coords::wgs84_to_gcj02(q), q);
            prop_assert_eq!(coords::gcj02_to_wgs84(q), q);
        }
    }

    #[test]
    fn datetimes_round_trip(seconds in 946_656_000i64..4_133_952_000, offset in -720i32..840) {
        let ms = seconds * 1000;
        prop_assert_eq!(parse_w3c_datetime(&w3c_datetime(ms, offset)), Ok(ms));
    }
}

fn rectangle(lon: f64, lat: f64, w: f64, h: f64) -> Polygon {
    let p = |lon, lat| GeoPoint { lon, lat };
    Polygon::new(
        vec![
            p(lon, lat),
            p(lon + w, lat),
            p(lon + w, lat + h),
            p(lon, lat + h),
        ],
        vec![],
    )
    .expect("a rectangle with positive sides")
}

proptest! {
    #[test]
    fn rectangles_contain_exactly_their_points(
        w in 0.001f64..0.05, h in 0.001f64..0.05,
        fx in -0.5f64..1.5, fy in -0.5f64..1.5,
    ) {
        let polygon = rectangle(107.0, 34.0, w, h);
        let p = GeoPoint { lon: 107.0 + fx * w, lat: 34.0 + fy * h };
        let strictly = p.lon > 107.0 && p.lon < 107.0 + w && p.lat > 34.0 && p.lat < 34.0 + h;
        let outside = p.lon < 107.0 || p.lon > 107.0 + w || p.lat < 34.0 || p.lat > 34.0 + h;
        let located = polygon.locate(p);
        if strictly && (p.lon - 107.0).min(107.0 + w - p.lon).min(p.lat - 34.0).min(34.0 + h - p.lat) > 1e-8 {
            prop_assert_eq!(located, Location::Inside);
        }
        if outside && (107.0 - p.lon).max(p.lon - 107.0 - w).max(34.0 - p.lat).max(p.lat - 34.0 - h) > 1e-8 {
            prop_assert_eq!(located, Location::Outside);
        }
    }

    #[test]
    fn routing_does_not_depend_on_the_order_of_grids(
        cells in proptest::collection::vec((0u8..4, 0u8..4), 1..8),
        fx in 0.0f64..4.0, fy in 0.0f64..4.0,
        rotate in 0usize..8,
    ) {
        // A 4 × 4 block of unit cells (0.01°), some taken by grids; shared edges are common.
        let mut grids: Vec<Grid> = Vec::new();
        for (i, (x, y)) in cells.iter().enumerate() {
            let area = Area::new(vec![rectangle(107.0 + f64::from(*x) * 0.01, 34.0 + f64::from(*y) * 0.01, 0.01, 0.01)]).unwrap();
            grids.push(Grid { id: format!("g{i:02}"), name: String::new(), community: "610302001003".into(), area, members: vec![], buildings: vec![] });
        }
        // Snap to the 0.0025° lattice so that many points fall on edges and corners.
        let snap = |f: f64| (f * 4.0).round() / 4.0 * 0.01;
        let p = GeoPoint { lon: 107.0 + snap(fx), lat: 34.0 + snap(fy) };
        let id = |r: Route| match r { Route::Grid(g) => Some(g.id.clone()), Route::Community => None };
        let first = id(route(p, &grids));
        let mut rotated = grids.clone();
        rotated.rotate_left(rotate % grids.len());
        prop_assert_eq!(&first, &id(route(p, &rotated)));
        // The chosen grid contains the point; no grid is chosen only if none contains it.
        match &first {
            Some(g) => prop_assert!(grids.iter().find(|x| &x.id == g).unwrap().area.locate(p).contains()),
            None => prop_assert!(grids.iter().all(|g| !g.area.locate(p).contains())),
        }
    }
}

fn candidates() -> impl Strategy<Value = Vec<(u8, i64, f64, f64)>> {
    // category, minutes, metres east, metres north of a point in Baoji
    proptest::collection::vec((0u8..2, 0i64..600, 0.0f64..300.0, 0.0f64..300.0), 0..60)
}

proptest! {
    #[test]
    fn batch_duplicates_equal_brute_force(items in candidates(), metres in 0.0f64..150.0, minutes in 0i64..300) {
        let categories = ["sanitation", "safety_hazard"];
        let origin = GeoPoint { lon: 107.149, lat: 34.372 };
        let metres_per_deg = haversine_m(origin, GeoPoint { lon: origin.lon, lat: origin.lat + 1.0 });
        let list: Vec<Candidate> = items.iter().enumerate().map(|(i, (c, m, e, n))| Candidate {
            id: EventId(i as u64 + 1),
            category: categories[*c as usize],
            reported_at: 1_700_000_000_000 + m * 60_000,
            location: GeoPoint {
                lon: origin.lon + e / (metres_per_deg * origin.lat.to_radians().cos()),
                lat: origin.lat + n / metres_per_deg,
            },
        }).collect();
        let window = DedupeWindow { max_metres: metres, max_ms: minutes * 60_000 };
        let fast: Vec<(u64, u64)> = duplicate_pairs(&list, window).iter().map(|s| (s.primary.0, s.duplicate.0)).collect();
        let mut slow = Vec::new();
        for a in &list {
            for b in &list {
                let earlier = (a.reported_at, a.id) < (b.reported_at, b.id);
                if earlier && a.category == b.category
                    && (b.reported_at - a.reported_at) <= window.max_ms
                    && haversine_m(a.location, b.location) <= window.max_metres
                {
                    slow.push((a.id.0, b.id.0));
                }
            }
        }
        slow.sort_by_key(|(p, d)| (*d, *p));
        prop_assert_eq!(fast, slow);
    }
}

const COMMUNITY: &str = "610302001003";
const T0: i64 = 1_704_038_400_000;

/// One random thing someone might try on an event.
#[derive(Debug, Clone)]
enum Try {
    Accept(u8),
    Reject(u8),
    Dispatch(u8, u8),
    Start(u8),
    Resolve(u8),
    Confirm(u8),
    Reopen(u8),
    Close(u8),
    Escalate(u8),
    HandDown(u8, u8),
    Merge(u8, u8),
}

fn a_try() -> impl Strategy<Value = Try> {
    let anyone = || 0u8..8;
    // The current assignee (ASSIGNEE) and the reporter (u1) are drawn often where only they
    // may act, so that sequences get past dispatch; final actions (reject, merge) are rarer.
    let handler = || prop_oneof![3 => Just(ASSIGNEE), 1 => 0u8..8];
    let reporter = || prop_oneof![Just(4u8), 0u8..8];
    prop_oneof![
        3 => anyone().prop_map(Try::Accept),
        1 => anyone().prop_map(Try::Reject),
        3 => (anyone(), 0u8..3).prop_map(|(w, t)| Try::Dispatch(w, t)),
        3 => handler().prop_map(Try::Start),
        3 => handler().prop_map(Try::Resolve),
        2 => reporter().prop_map(Try::Confirm),
        2 => reporter().prop_map(Try::Reopen),
        2 => anyone().prop_map(Try::Close),
        2 => anyone().prop_map(Try::Escalate),
        2 => (anyone(), 0u8..3).prop_map(|(w, l)| Try::HandDown(w, l)),
        1 => (anyone(), 0u8..8).prop_map(|(w, s)| Try::Merge(w, s)),
    ]
}

const HANDLERS: [&str; 3] = ["h1", "h2", "w1"];
/// Stands for whoever the event is assigned to at the time.
const ASSIGNEE: u8 = 8;

fn resolve_who(who: u8, event: &Event) -> u8 {
    match (who, event.assignee.as_deref()) {
        (ASSIGNEE, Some("h1")) => 5,
        (ASSIGNEE, Some("h2")) => 6,
        (ASSIGNEE, Some("w1")) => 1,
        (ASSIGNEE, _) => 4,
        (other, _) => other,
    }
}

fn actor(index: u8, grids: &[String]) -> Actor<'_> {
    match index {
        0 => Actor::new("m1", OpsRole::GridMember, COMMUNITY).with_grids(grids),
        1 => Actor::new("w1", OpsRole::CommunityWorker, COMMUNITY),
        2 => Actor::new("s1", OpsRole::StreetAdmin, "610302001000"),
        3 => Actor::new("d1", OpsRole::DistrictAdmin, "610302000000"),
        4 => Actor::new("u1", OpsRole::Resident, COMMUNITY),
        5 => Actor::new("h1", OpsRole::CommunityWorker, COMMUNITY),
        6 => Actor::new("h2", OpsRole::StreetAdmin, "610302001000"),
        _ => Actor::system(),
    }
}

fn action(t: &Try) -> (u8, Action<'static>) {
    match *t {
        Try::Accept(w) => (w, Action::Accept),
        Try::Reject(w) => (
            w,
            Action::Reject {
                reason: "不属于社区事务",
            },
        ),
        Try::Dispatch(w, to) => (
            w,
            Action::Dispatch {
                to: HANDLERS[to as usize],
            },
        ),
        Try::Start(w) => (w, Action::Start),
        Try::Resolve(w) => (w, Action::Resolve),
        Try::Confirm(w) => (w, Action::Confirm),
        Try::Reopen(w) => (
            w,
            Action::Reopen {
                reason: "还没修好"
            },
        ),
        Try::Close(w) => (w, Action::Close),
        Try::Escalate(w) => (w, Action::Escalate),
        Try::HandDown(w, l) => (
            w,
            Action::HandDown {
                to: Level::ALL[l as usize],
            },
        ),
        Try::Merge(w, s) => (
            w,
            Action::MergeInto {
                primary: EventId(99),
                primary_state: EventState::ALL[s as usize],
            },
        ),
    }
}

fn new_event(rules: &EventRules) -> Event {
    let report = validate_report(
        NewReport {
            category: "safety_hazard".into(),
            description: "消防通道被堵".into(),
            location: GeoPoint {
                lon: 107.149,
                lat: 34.372,
            },
            datum: Datum::Wgs84,
            address: None,
            photos: vec![],
        },
        rules,
    )
    .expect("a valid report");
    open(
        EventId(1),
        report,
        COMMUNITY,
        Some("g1"),
        Some(&Actor::new("u1", OpsRole::Resident, COMMUNITY)),
        T0,
        rules,
    )
    .expect("a known category")
    .event
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever anyone tries, in any order, at any time, the event stays consistent.
    #[test]
    fn the_state_machine_keeps_its_invariants(
        tries in proptest::collection::vec((a_try(), 0i64..60), 1..40),
    ) {
        let rules = EventRules::baseline();
        let grids = vec!["g1".to_string()];
        let mut event = new_event(&rules);
        let mut now = T0;
        for (t, hours) in &tries {
            now += hours * HOUR_MS / 2;
            let (who, action) = action(t);
            let who = resolve_who(who, &event);
            let before = event.clone();
            if let Ok(d) = decide(&before, &action, &actor(who, &grids), now, before.version, &rules) {
                prop_assert_eq!(d.event.version, before.version + 1);
                prop_assert_eq!(d.step.version, d.event.version);
                prop_assert_eq!(d.step.from_state, Some(before.state));
                prop_assert_eq!(d.step.to_state, d.event.state);
                prop_assert_eq!(d.step.at, now);
                prop_assert!(!before.state.is_final(), "a final event changed: {:?}", action);
                let moves_level = matches!(action, Action::Escalate | Action::HandDown { .. });
                prop_assert!(moves_level || d.event.level == before.level);
                if d.event.level > before.level {
                    prop_assert_eq!(before.level.up(), Some(d.event.level));
                }
                // Once late, always late.
                prop_assert!(d.event.late || !before.late);
                event = d.event;
            }
            // Invariants of every reachable event.
            prop_assert_eq!(event.deadline.is_some(), event.state.is_open() || event.state == EventState::Resolved);
            prop_assert_eq!(event.closed_at.is_some(), event.state.is_final());
            prop_assert_eq!(event.resolved_at.is_some(), matches!(event.state, EventState::Resolved | EventState::Closed));
            if matches!(event.state, EventState::Dispatched | EventState::InProgress | EventState::Resolved) {
                prop_assert!(event.assignee.is_some());
            }
            prop_assert_eq!(event.merged_into.is_some(), event.state == EventState::Merged);
            prop_assert!(event.escalations as usize <= tries.len());
        }
    }

    /// Two people acting on the same version: with a compare-and-set store, at most one wins,
    /// and the loser's retry is judged on the new state.
    #[test]
    fn concurrent_actors_never_both_succeed(
        setup in proptest::collection::vec(a_try(), 0..10),
        first in a_try(),
        second in a_try(),
    ) {
        let rules = EventRules::baseline();
        let grids = vec!["g1".to_string()];
        let mut stored = new_event(&rules);
        let mut now = T0;
        for t in &setup {
            now += HOUR_MS;
            let (who, action) = action(t);
            let who = resolve_who(who, &stored);
            if let Ok(d) = decide(&stored, &action, &actor(who, &grids), now, stored.version, &rules) {
                stored = d.event;
            }
        }
        let seen = stored.version;
        let (w1, a1) = action(&first);
        let (w2, a2) = action(&second);
        let (w1, w2) = (resolve_who(w1, &stored), resolve_who(w2, &stored));
        let one = decide(&stored, &a1, &actor(w1, &grids), now + 1, seen, &rules);
        // Compare-and-set: the store accepts a result only if it still holds version `seen`.
        let after_one = match one {
            Ok(d) => d.event,
            Err(_) => stored.clone(),
        };
        let two = decide(&after_one, &a2, &actor(w2, &grids), now + 2, seen, &rules);
        if after_one.version != seen {
            prop_assert!(two.is_err(), "both succeeded on version {}", seen);
        }
    }
}

fn sla_entry() -> impl Strategy<Value = SlaEntry> {
    (
        1u64..1000,
        prop_oneof![Just(i64::MAX), 0i64..1_000],
        0usize..8,
        0usize..3,
    )
        .prop_map(|(id, deadline, s, l)| SlaEntry {
            id: EventId(id),
            deadline,
            state: EventState::ALL[s],
            level: Level::ALL[l],
        })
}

proptest! {
    #[test]
    fn the_sweep_matches_its_definition(entries in proptest::collection::vec(sla_entry(), 0..200), now in 0i64..1_200) {
        let due = escalations_due(now, &entries);
        let expected: Vec<&SlaEntry> = entries.iter().filter(|e| {
            now > e.deadline && (e.state.is_open() || e.state == EventState::Resolved)
        }).collect();
        prop_assert_eq!(due.len(), expected.len());
        for (d, e) in due.iter().zip(expected) {
            prop_assert_eq!(d.id, e.id);
            prop_assert_eq!(d.overdue_ms, now - e.deadline);
            let want = match (e.state, e.level.up()) {
                (EventState::Resolved, _) => DueAction::Close,
                (_, Some(to)) => DueAction::Escalate { to },
                (_, None) => DueAction::Supervise,
            };
            prop_assert_eq!(d.action, want);
        }
    }

    /// Acting on a sweep with the system actor always succeeds, and nothing it escalated is
    /// due again at the same instant.
    #[test]
    fn acting_on_the_sweep_clears_it(delays in proptest::collection::vec(0i64..200, 1..30), now_h in 0i64..400) {
        let rules = EventRules::baseline();
        let base = new_event(&rules);
        let events: Vec<Event> = delays.iter().enumerate().map(|(i, d)| Event {
            id: EventId(i as u64 + 1),
            reported_at: T0 + d * HOUR_MS,
            deadline: Some(T0 + d * HOUR_MS + 24 * HOUR_MS),
            ..base.clone()
        }).collect();
        let now = T0 + now_h * HOUR_MS;
        let entries: Vec<SlaEntry> = events.iter().map(SlaEntry::from).collect();
        let mut after = Vec::new();
        for (event, due) in events.iter().zip(entries.iter()) {
            let is_due = escalations_due(now, std::slice::from_ref(due));
            if is_due.is_empty() {
                after.push(event.clone());
                continue;
            }
            let d = decide(event, &Action::Escalate, &Actor::system(), now, event.version, &rules);
            prop_assert!(d.is_ok(), "{:?}", d);
            after.push(d.unwrap().event);
        }
        let again: Vec<SlaEntry> = after.iter().map(SlaEntry::from).collect();
        prop_assert!(escalations_due(now, &again).is_empty());
    }
}

#[derive(Debug, Clone)]
enum PointsOp {
    Earn(u8, u8, i64),
    Redeem(u8, u8, u8, u32),
    Refund(u8, u8),
    Adjust(u8, u8, i64),
    Restock(u8, u32),
}

fn points_op() -> impl Strategy<Value = PointsOp> {
    prop_oneof![
        (0u8..20, 0u8..3, -5i64..200).prop_map(|(k, v, p)| PointsOp::Earn(k, v, p)),
        (0u8..20, 0u8..3, 0u8..3, 0u32..4).prop_map(|(k, v, i, q)| PointsOp::Redeem(k, v, i, q)),
        (0u8..20, 0u8..20).prop_map(|(k, of)| PointsOp::Refund(k, of)),
        (0u8..20, 0u8..3, -300i64..300).prop_map(|(k, v, d)| PointsOp::Adjust(k, v, d)),
        (0u8..3, 0u32..5).prop_map(|(i, q)| PointsOp::Restock(i, q)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No sequence of operations — including retries of the same key — makes a balance or a
    /// stock negative, and the stored ledger always verifies.
    #[test]
    fn no_sequence_makes_a_balance_or_stock_negative(ops in proptest::collection::vec(points_op(), 0..80)) {
        let items = ["rice", "oil", "towel"];
        let volunteers = ["v1", "v2", "v3"];
        let mut book = PointsBook::new(
            items.iter().enumerate().map(|(i, id)| MallItem {
                id: id.to_string(),
                name: id.to_string(),
                cost: 50 * (i as i64 + 1),
                stock: 2,
                // The towel is withdrawn from the catalogue.
                active: i != 2,
            }).collect(),
        );
        let mut restocked = [0i64; 3];
        for op in ops {
            let operation = match op {
                PointsOp::Earn(k, v, p) => Operation::Earn { key: format!("k{k}"), volunteer: volunteers[v as usize].into(), activity: "a".into(), points: p, at: T0 },
                PointsOp::Redeem(k, v, i, q) => Operation::Redeem { key: format!("k{k}"), volunteer: volunteers[v as usize].into(), item: items[i as usize].into(), quantity: q, at: T0 },
                PointsOp::Refund(k, of) => Operation::Refund { key: format!("k{k}"), of: format!("k{of}"), at: T0 },
                PointsOp::Adjust(k, v, d) => Operation::Adjust { key: format!("k{k}"), volunteer: volunteers[v as usize].into(), delta: d, reason: "纠错".into(), at: T0 },
                PointsOp::Restock(i, q) => Operation::Restock { item: items[i as usize].into(), quantity: q },
            };
            let applied = book.apply(operation).is_ok();
            if let (true, PointsOp::Restock(i, q)) = (applied, &op) {
                restocked[*i as usize] += i64::from(*q);
            }
            for v in volunteers {
                prop_assert!(book.balance(v) >= 0);
                prop_assert_eq!(book.balance(v), balance(book.entries(), v));
            }
            for item in book.items() {
                prop_assert!(item.stock >= 0);
            }
        }
        prop_assert_eq!(verify(book.entries()), Ok(()));
        // Stock is conserved: on the shelf = initial + restocked − redeemed and not refunded.
        let refunded: Vec<&str> = book.entries().iter().filter_map(|e| match &e.kind {
            EntryKind::Refund { of } => Some(of.as_str()),
            _ => None,
        }).collect();
        for (n, item) in items.iter().enumerate() {
            let out: i64 = book.entries().iter().filter_map(|e| match &e.kind {
                EntryKind::Redeem { item: i, quantity } if i == item && !refunded.contains(&e.key.as_str()) => Some(i64::from(*quantity)),
                _ => None,
            }).sum();
            prop_assert_eq!(book.item(item).unwrap().stock, 2 + restocked[n] - out);
        }
    }
}

proptest! {
    #[test]
    fn metrics_stay_within_their_bounds(
        events in proptest::collection::vec((0i64..100, 0usize..8, proptest::option::of(0i64..500), any::<bool>()), 0..50),
        visits in proptest::collection::vec(0i64..100, 0..20),
    ) {
        let day = 24 * HOUR_MS;
        let facts: Vec<EventFact> = events.iter().map(|(d, s, closed, late)| {
            let state = EventState::ALL[*s];
            EventFact {
                reported_at: T0 + d * day / 2,
                state,
                closed_at: if state.is_final() { Some(T0 + d * day / 2 + closed.unwrap_or(0) * HOUR_MS) } else { None },
                late: *late,
            }
        }).collect();
        let visit_times: Vec<i64> = visits.iter().map(|d| T0 + d * day / 2).collect();
        let period = Period::new(T0, T0 + 30 * day).unwrap();
        let values = metrics::compute(period, &facts, &visit_times, &[ActivityFact { starts_at: T0, cancelled: false, people_served: 3, volunteer_minutes: 90 }]);
        let get = |key: &str| values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let reported = get(metrics::EVENTS_REPORTED).unwrap();
        let closed = get(metrics::EVENTS_CLOSED).unwrap();
        prop_assert!(closed <= reported);
        for rate in [metrics::EVENTS_CLOSURE_RATE, metrics::EVENTS_ON_TIME_RATE] {
            if let Some(r) = get(rate) {
                prop_assert!(Dec2::ZERO <= r && r <= Dec2::HUNDRED);
            }
        }
        prop_assert_eq!(get(metrics::EVENTS_CLOSURE_RATE).is_some(), reported > Dec2::ZERO);
        if let (Some(median), Some(mean)) = (get(metrics::EVENTS_MEDIAN_HOURS), get(metrics::EVENTS_MEAN_HOURS)) {
            prop_assert!(median >= Dec2::ZERO && mean >= Dec2::ZERO);
            prop_assert!(median <= Dec2::from_int(500) && mean <= Dec2::from_int(500));
        }
        let expected_visits = visit_times.iter().filter(|t| period.contains(**t)).count() as i64;
        prop_assert_eq!(get(metrics::VISITS_COUNT), Some(Dec2::from_int(expected_visits)));
        prop_assert_eq!(get(metrics::VOLUNTEERS_HOURS), Some(Dec2(150)));
    }
}
