//! Duplicate reports: the same problem photographed by several neighbours. Two reports are
//! suggested as duplicates when they have the same category, lie within `max_metres` of each
//! other (great-circle distance) and were reported within `max_ms` of each other, both limits
//! inclusive. The earlier report (then the smaller id) is the primary; merging is an
//! [`Action::MergeInto`](super::events::Action::MergeInto) on the later one.
//!
//! [`duplicate_pairs`] finds every pair in a batch without comparing all pairs: reports are
//! hashed into spatial cells at least `max_metres` wide (sized so that two points two cells
//! apart are provably farther than `max_metres`), sorted by (category, cell, time), and each
//! report is compared only with earlier reports of its category in the 3 × 3 neighbouring
//! cells and the time window, found by binary search. Cost: O(n log n) for the sort plus
//! O(n · 9 · log n) searches plus one distance per candidate actually in range. Longitude
//! cells do not wrap at ±180°, irrelevant for China.

use serde::Serialize;

use super::coords::GeoPoint;
use super::events::{Event, EventId, HOUR_MS};
use super::grid::{EARTH_RADIUS_M, haversine_m};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupeWindow {
    pub max_metres: f64,
    pub max_ms: i64,
}

impl Default for DedupeWindow {
    /// 50 m and 24 hours: one building or courtyard, one day. Our choice; no seed says.
    fn default() -> DedupeWindow {
        DedupeWindow {
            max_metres: 50.0,
            max_ms: 24 * HOUR_MS,
        }
    }
}

/// What duplicate detection reads from an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'a> {
    pub id: EventId,
    pub category: &'a str,
    pub reported_at: i64,
    /// WGS-84.
    pub location: GeoPoint,
}

impl<'a> From<&'a Event> for Candidate<'a> {
    fn from(event: &'a Event) -> Candidate<'a> {
        Candidate {
            id: event.id,
            category: &event.category,
            reported_at: event.reported_at,
            location: event.location,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Suggestion {
    pub primary: EventId,
    pub duplicate: EventId,
    pub metres: f64,
    pub gap_ms: i64,
}

/// (time, id) order: which of two reports came first.
fn earlier(a: &Candidate, b: &Candidate) -> bool {
    (a.reported_at, a.id) < (b.reported_at, b.id)
}

fn matches(a: &Candidate, b: &Candidate, window: DedupeWindow) -> Option<Suggestion> {
    if a.id == b.id || a.category != b.category {
        return None;
    }
    let gap_ms = a.reported_at.abs_diff(b.reported_at);
    if gap_ms > window.max_ms.max(0) as u64 {
        return None;
    }
    let metres = haversine_m(a.location, b.location);
    // Written so that a NaN distance or limit never matches.
    if metres
        .partial_cmp(&window.max_metres)
        .is_none_or(|o| o.is_gt())
    {
        return None;
    }
    let (primary, duplicate) = if earlier(a, b) { (a, b) } else { (b, a) };
    Some(Suggestion {
        primary: primary.id,
        duplicate: duplicate.id,
        metres,
        gap_ms: gap_ms.min(i64::MAX as u64) as i64,
    })
}

/// Reports among `others` that `new` may duplicate (or be duplicated by), nearest first.
/// Linear in `others`: use it on the open events of one community while a resident reports.
pub fn suggest_for(new: &Candidate, others: &[Candidate], window: DedupeWindow) -> Vec<Suggestion> {
    let mut found: Vec<Suggestion> = others
        .iter()
        .filter_map(|other| matches(new, other, window))
        .collect();
    found.sort_by(|a, b| {
        a.metres
            .total_cmp(&b.metres)
            .then(a.primary.cmp(&b.primary))
    });
    found
}

/// Cell sizes in degrees such that two points whose cells differ by two or more in either
/// direction are more than `max_metres` apart.
///
/// Latitude: a great circle covers at least R·|Δφ|. Longitude: projected onto the equatorial
/// plane, the chord between two points is at least R·cos φmax·sin Δλ (Δλ ≤ 90°), and the arc is
/// longer than the chord. `None` for longitude means one column (cells would be wider than 90°).
fn cell_sizes(max_metres: f64, max_abs_lat: f64) -> (f64, Option<f64>) {
    let margin = 1.000_001;
    let lat_deg = (max_metres / EARTH_RADIUS_M).to_degrees() * margin;
    let ratio = max_metres / (EARTH_RADIUS_M * max_abs_lat.to_radians().cos());
    let lon_deg = (ratio.is_finite() && ratio < 1.0).then(|| ratio.asin().to_degrees() * margin);
    (
        lat_deg.max(f64::MIN_POSITIVE),
        lon_deg.filter(|d| *d < 90.0),
    )
}

/// Every duplicate pair in `items`, each once, ordered by duplicate then primary.
pub fn duplicate_pairs(items: &[Candidate], window: DedupeWindow) -> Vec<Suggestion> {
    if items.len() < 2 || window.max_metres.is_nan() || window.max_metres < 0.0 || window.max_ms < 0
    {
        return Vec::new();
    }
    let max_abs_lat = items
        .iter()
        .map(|c| c.location.lat.abs())
        .fold(0.0_f64, f64::max)
        .min(90.0);
    let (lat_size, lon_size) = cell_sizes(window.max_metres, max_abs_lat);
    let cell = |p: GeoPoint| -> (i64, i64) {
        let y = (p.lat / lat_size).floor() as i64;
        let x = lon_size.map_or(0, |s| (p.lon / s).floor() as i64);
        (y, x)
    };
    struct Keyed<'a> {
        category: &'a str,
        cell: (i64, i64),
        at: i64,
        index: usize,
    }
    let mut keyed: Vec<Keyed> = items
        .iter()
        .enumerate()
        .map(|(index, c)| Keyed {
            category: c.category,
            cell: cell(c.location),
            at: c.reported_at,
            index,
        })
        .collect();
    keyed.sort_by(|a, b| {
        (a.category, a.cell, a.at, items[a.index].id).cmp(&(
            b.category,
            b.cell,
            b.at,
            items[b.index].id,
        ))
    });

    let mut pairs = Vec::new();
    for me in &keyed {
        let mine = &items[me.index];
        for dy in -1..=1 {
            for dx in -1..=1 {
                let neighbour = (me.cell.0.saturating_add(dy), me.cell.1.saturating_add(dx));
                let from_time = me.at.saturating_sub(window.max_ms);
                let start = keyed.partition_point(|k| {
                    (k.category, k.cell, k.at) < (me.category, neighbour, from_time)
                });
                for other in &keyed[start..] {
                    if (other.category, other.cell) != (me.category, neighbour) || other.at > me.at
                    {
                        break;
                    }
                    let theirs = &items[other.index];
                    if !earlier(theirs, mine) {
                        continue;
                    }
                    if let Some(s) = matches(mine, theirs, window) {
                        pairs.push(s);
                    }
                }
            }
        }
    }
    pairs.sort_by_key(|s| (s.duplicate, s.primary));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn c(id: u64, category: &str, minutes: i64, lon: f64, lat: f64) -> Candidate<'_> {
        Candidate {
            id: EventId(id),
            category,
            reported_at: T0 + minutes * 60_000,
            location: GeoPoint { lon, lat },
        }
    }

    /// A point `metres` due north of `p`.
    fn north(p: GeoPoint, metres: f64) -> GeoPoint {
        GeoPoint {
            lon: p.lon,
            lat: p.lat + (metres / EARTH_RADIUS_M).to_degrees(),
        }
    }

    #[test]
    fn distance_and_time_limits_are_inclusive() {
        let window = DedupeWindow::default();
        let base = GeoPoint {
            lon: 107.149,
            lat: 34.372,
        };
        let a = c(1, "sanitation", 0, base.lon, base.lat);
        let at_49 = north(base, 49.9);
        let at_51 = north(base, 50.1);
        let near = c(2, "sanitation", 60, at_49.lon, at_49.lat);
        let far = c(3, "sanitation", 60, at_51.lon, at_51.lat);
        assert_eq!(suggest_for(&near, &[a], window).len(), 1);
        assert!(suggest_for(&far, &[a], window).is_empty());
        // 24 h exactly is inside, 24 h + 1 ms is not.
        let mut day = c(4, "sanitation", 0, base.lon, base.lat);
        day.reported_at = T0 + 24 * HOUR_MS;
        assert_eq!(suggest_for(&day, &[a], window).len(), 1);
        day.reported_at += 1;
        assert!(suggest_for(&day, &[a], window).is_empty());
        // Another category never matches.
        let other = c(5, "safety_hazard", 1, base.lon, base.lat);
        assert!(suggest_for(&other, &[a], window).is_empty());
    }

    #[test]
    fn the_earlier_report_is_the_primary_and_nearest_comes_first() {
        let window = DedupeWindow::default();
        let new = c(10, "sanitation", 30, 107.149, 34.372);
        let older_far = c(3, "sanitation", 0, 107.149, 34.3723);
        let older_near = c(7, "sanitation", 10, 107.149, 34.3721);
        let found = suggest_for(&new, &[older_far, older_near], window);
        assert_eq!(
            found.iter().map(|s| s.primary.0).collect::<Vec<_>>(),
            vec![7, 3]
        );
        assert!(found.iter().all(|s| s.duplicate == EventId(10)));
        assert_eq!(found[0].gap_ms, 20 * 60_000);
        // Same instant: the smaller id is the primary.
        let twin = c(2, "sanitation", 30, 107.149, 34.372);
        assert_eq!(suggest_for(&new, &[twin], window)[0].primary, EventId(2));
    }

    #[test]
    fn batch_pairs_across_cell_borders() {
        let window = DedupeWindow {
            max_metres: 50.0,
            max_ms: HOUR_MS,
        };
        let base = GeoPoint {
            lon: 107.149,
            lat: 34.372,
        };
        let p2 = north(base, 30.0);
        let p3 = north(base, 70.0);
        let items = vec![
            c(1, "sanitation", 0, base.lon, base.lat),
            c(2, "sanitation", 5, p2.lon, p2.lat),
            c(3, "sanitation", 10, p3.lon, p3.lat), // 40 m from 2, 70 m from 1
            c(4, "sanitation", 100, base.lon, base.lat), // too late for 1..3
            c(5, "other", 1, base.lon, base.lat),
        ];
        let pairs: Vec<(u64, u64)> = duplicate_pairs(&items, window)
            .iter()
            .map(|s| (s.primary.0, s.duplicate.0))
            .collect();
        assert_eq!(pairs, vec![(1, 2), (2, 3)]);
    }

    #[test]
    fn empty_or_negative_windows_find_nothing() {
        let items = [c(1, "x", 0, 107.0, 34.0), c(2, "x", 0, 107.0, 34.0)];
        assert_eq!(duplicate_pairs(&items, DedupeWindow::default()).len(), 1);
        assert!(
            duplicate_pairs(
                &items,
                DedupeWindow {
                    max_metres: -1.0,
                    max_ms: 1
                }
            )
            .is_empty()
        );
        assert!(
            duplicate_pairs(
                &items,
                DedupeWindow {
                    max_metres: f64::NAN,
                    max_ms: 1
                }
            )
            .is_empty()
        );
        assert!(
            duplicate_pairs(
                &items,
                DedupeWindow {
                    max_metres: 1.0,
                    max_ms: -1
                }
            )
            .is_empty()
        );
        assert!(duplicate_pairs(&items[..1], DedupeWindow::default()).is_empty());
    }

    #[test]
    fn cells_are_wide_enough_at_high_latitudes_and_collapse_near_the_pole() {
        let (lat, lon) = cell_sizes(50.0, 60.0);
        assert!(lat > 0.0 && lon.is_some_and(|d| d > lat));
        assert_eq!(cell_sizes(50.0, 90.0).1, None);
        assert_eq!(cell_sizes(1.0e7, 0.0).1, None);
    }
}
