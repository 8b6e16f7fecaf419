//! Fraud signals for district staff: pure functions over submission metadata.
//!
//! A signal is a reason to look, not a verdict: an answer that trips one is **held** (待核实), left
//! out of the rating until a district officer accepts it (then counted once) or rejects it (never
//! counted). [`holds_on_arrival`] decides which answers to hold as new ones arrive, with the same
//! thresholds the fraud page shows. Three signals, each with its thresholds as parameters
//! ([`FraudParams`]):
//!
//! - **bursts**: at least `burst_min` submissions from one source (the salted hash of a network
//!   address) within `burst_window_millis`. Staff-entered answers (phone, paper, home visit) are
//!   left out by default: a clerk typing a stack of paper forms is a burst by nature.
//! - **identical answer patterns**: at least `pattern_min` submissions with the same full vector
//!   of rated answers within `pattern_window_millis` (or over the whole survey when `None`).
//!   On a short questionnaire "all 非常满意" is a common honest answer, so the window matters:
//!   the signal is many identical answers arriving together.
//! - **answers outside the community**: a located answer farther than `outside_margin_m` from the
//!   community's area (a circle or a polygon). Both must be in the same datum: browsers report
//!   WGS-84, many Chinese maps GCJ-02 (offset by a few hundred metres), which is one reason the
//!   default margin is 200 m. Answers without a location are counted, not flagged.
//!
//! Windows are inclusive: five submissions spanning exactly the window are a burst.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use super::channel::Channel;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    pub fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

/// Where a community is, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommunityArea {
    Circle {
        centre: GeoPoint,
        radius_m: f64,
    },
    /// An outer ring, first point not repeated at the end (a repeat is harmless).
    Polygon {
        ring: Vec<GeoPoint>,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AreaError {
    #[error("point {index} of the community area is not a latitude/longitude")]
    BadPoint { index: usize },
    #[error("the community radius {radius_m} m is not a positive distance")]
    BadRadius { radius_m: f64 },
    #[error("a community polygon needs at least 3 points, not {points}")]
    TooFewPoints { points: usize },
}

impl AreaError {
    pub fn zh(&self) -> String {
        match self {
            AreaError::BadPoint { index } => format!("社区范围的第 {index} 个点不是有效的经纬度"),
            AreaError::BadRadius { radius_m } => format!("社区半径 {radius_m} 米不是正数"),
            AreaError::TooFewPoints { points } => {
                format!("社区边界至少需要 3 个点，现在只有 {points} 个")
            }
        }
    }
}

impl CommunityArea {
    pub fn check(&self) -> Result<(), AreaError> {
        match self {
            CommunityArea::Circle { centre, radius_m } => {
                if !centre.is_valid() {
                    return Err(AreaError::BadPoint { index: 0 });
                }
                if !(radius_m.is_finite() && *radius_m > 0.0) {
                    return Err(AreaError::BadRadius {
                        radius_m: *radius_m,
                    });
                }
            }
            CommunityArea::Polygon { ring } => {
                if let Some(index) = ring.iter().position(|p| !p.is_valid()) {
                    return Err(AreaError::BadPoint { index });
                }
                let distinct = if ring.len() > 1 && ring.first() == ring.last() {
                    ring.len() - 1
                } else {
                    ring.len()
                };
                if distinct < 3 {
                    return Err(AreaError::TooFewPoints { points: distinct });
                }
            }
        }
        Ok(())
    }

    /// Metres from `point` to the area; 0 inside. The polygon is measured in a local flat
    /// projection around `point`, exact enough at the scale of a community.
    pub fn distance_outside_m(&self, point: GeoPoint) -> f64 {
        match self {
            CommunityArea::Circle { centre, radius_m } => {
                (centre.distance_m(point) - radius_m).max(0.0)
            }
            CommunityArea::Polygon { ring } => {
                let metres_per_degree = EARTH_RADIUS_M.to_radians();
                let x_scale = metres_per_degree * point.lat.to_radians().cos();
                let projected: Vec<(f64, f64)> = ring
                    .iter()
                    .map(|p| {
                        (
                            (p.lon - point.lon) * x_scale,
                            (p.lat - point.lat) * metres_per_degree,
                        )
                    })
                    .collect();
                if contains_origin(&projected) {
                    return 0.0;
                }
                (0..projected.len())
                    .map(|i| {
                        let a = projected[i];
                        let b = projected[(i + 1) % projected.len()];
                        origin_to_segment(a, b)
                    })
                    .fold(f64::INFINITY, f64::min)
            }
        }
    }
}

/// Ray casting from the origin along +x.
fn contains_origin(ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % ring.len()];
        if (y1 > 0.0) != (y2 > 0.0) {
            let x_at = x1 + (0.0 - y1) * (x2 - x1) / (y2 - y1);
            if x_at > 0.0 {
                inside = !inside;
            }
        }
    }
    inside
}

fn origin_to_segment((ax, ay): (f64, f64), (bx, by): (f64, f64)) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let length2 = dx * dx + dy * dy;
    let t = if length2 == 0.0 {
        0.0
    } else {
        ((-ax * dx - ay * dy) / length2).clamp(0.0, 1.0)
    };
    let (px, py) = (ax + t * dx, ay + t * dy);
    (px * px + py * py).sqrt()
}

/// What the signals read about one submission; storage keeps it next to the answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerMeta {
    /// The submission's id in storage.
    pub id: String,
    /// Unix milliseconds.
    pub at_millis: i64,
    pub channel: Channel,
    /// Salted hash of the sender's network address; `None` when there is none.
    pub source: Option<String>,
    pub location: Option<GeoPoint>,
    /// [`super::CheckedSubmission::pattern`].
    pub pattern: String,
}

/// Thresholds of the signals. See [`FraudParams::default`] for the defaults and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FraudParams {
    /// Submissions from one source that make a burst (read as at least 2).
    pub burst_min: usize,
    pub burst_window_millis: i64,
    /// Whether staff-entered answers count towards bursts.
    pub burst_staff_entered: bool,
    /// Identical answer vectors that make a cluster (read as at least 2).
    pub pattern_min: usize,
    /// `None`: over the whole survey.
    pub pattern_window_millis: Option<i64>,
    /// Distance beyond the community's area tolerated before an answer is flagged.
    pub outside_margin_m: f64,
}

impl Default for FraudParams {
    /// 5 from one address in 10 minutes: more than one household's members on one home network
    /// answering one after another. 10 identical answer vectors in 30 minutes: a stack of forms
    /// filled in by one hand. 200 m: GPS error in streets between tall buildings, plus datum
    /// offsets.
    fn default() -> FraudParams {
        FraudParams {
            burst_min: 5,
            burst_window_millis: 10 * 60 * 1000,
            burst_staff_entered: false,
            pattern_min: 10,
            pattern_window_millis: Some(30 * 60 * 1000),
            outside_margin_m: 200.0,
        }
    }
}

/// Submissions sharing a key (a source, an answer pattern) that arrived densely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    pub key: String,
    pub first_at: i64,
    pub last_at: i64,
    /// Submission ids, in arrival order.
    pub submissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutsideAnswer {
    pub submission: String,
    /// Whole metres beyond the area (not counting the margin).
    pub distance_m: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OutsideReport {
    pub outside: Vec<OutsideAnswer>,
    /// Answers with no location.
    pub unlocated: usize,
    /// Answers whose location is not a latitude/longitude (ids).
    pub bad_locations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FraudSignals {
    pub bursts: Vec<Cluster>,
    pub identical_patterns: Vec<Cluster>,
    /// `None` when no community area was given.
    pub outside: Option<OutsideReport>,
}

/// Maximal runs, per key, in which some window of `window` milliseconds holds at least `min`
/// submissions; overlapping windows join into one cluster. `None` window: the whole period.
fn dense_clusters<'m>(
    items: impl Iterator<Item = (&'m str, &'m AnswerMeta)>,
    min: usize,
    window: Option<i64>,
) -> Vec<Cluster> {
    let min = min.max(2);
    let mut by_key: BTreeMap<&str, Vec<&AnswerMeta>> = BTreeMap::new();
    for (key, meta) in items {
        by_key.entry(key).or_default().push(meta);
    }
    let mut clusters = Vec::new();
    for (key, mut metas) in by_key {
        metas.sort_by(|a, b| a.at_millis.cmp(&b.at_millis).then(a.id.cmp(&b.id)));
        let cluster = |from: usize, to: usize| Cluster {
            key: key.to_string(),
            first_at: metas[from].at_millis,
            last_at: metas[to].at_millis,
            submissions: metas[from..=to].iter().map(|m| m.id.clone()).collect(),
        };
        let Some(window) = window else {
            if metas.len() >= min {
                clusters.push(cluster(0, metas.len() - 1));
            }
            continue;
        };
        let window = window.max(0);
        let mut open: Option<(usize, usize)> = None;
        let mut end = 0;
        for start in 0..metas.len() {
            end = end.max(start);
            while end + 1 < metas.len()
                && metas[end + 1]
                    .at_millis
                    .saturating_sub(metas[start].at_millis)
                    <= window
            {
                end += 1;
            }
            if end + 1 - start < min {
                continue;
            }
            open = match open {
                Some((from, to)) if start <= to => Some((from, end)),
                Some((from, to)) => {
                    clusters.push(cluster(from, to));
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some((from, to)) = open {
            clusters.push(cluster(from, to));
        }
    }
    clusters.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.key.cmp(&b.key)));
    clusters
}

/// Bursts from one source. Submissions without a source are never in a burst.
pub fn bursts(metas: &[AnswerMeta], params: &FraudParams) -> Vec<Cluster> {
    dense_clusters(
        metas
            .iter()
            .filter(|m| params.burst_staff_entered || !m.channel.staff_entered())
            .filter_map(|m| m.source.as_deref().map(|source| (source, m))),
        params.burst_min,
        Some(params.burst_window_millis),
    )
}

/// Clusters of identical full answer vectors, over every channel.
pub fn identical_patterns(metas: &[AnswerMeta], params: &FraudParams) -> Vec<Cluster> {
    dense_clusters(
        metas.iter().map(|m| (m.pattern.as_str(), m)),
        params.pattern_min,
        params.pattern_window_millis,
    )
}

/// Located answers beyond the community's area by more than the margin, farthest first.
pub fn outside_community(
    metas: &[AnswerMeta],
    area: &CommunityArea,
    params: &FraudParams,
) -> Result<OutsideReport, AreaError> {
    area.check()?;
    let margin = if params.outside_margin_m.is_finite() {
        params.outside_margin_m.max(0.0)
    } else {
        0.0
    };
    let mut report = OutsideReport::default();
    for meta in metas {
        match meta.location {
            None => report.unlocated += 1,
            Some(point) if !point.is_valid() => report.bad_locations.push(meta.id.clone()),
            Some(point) => {
                let distance = area.distance_outside_m(point);
                if distance > margin {
                    report.outside.push(OutsideAnswer {
                        submission: meta.id.clone(),
                        distance_m: distance.round() as u64,
                    });
                }
            }
        }
    }
    report.outside.sort_by(|a, b| {
        b.distance_m
            .cmp(&a.distance_m)
            .then(a.submission.cmp(&b.submission))
    });
    Ok(report)
}

/// All three signals for one community's submissions.
pub fn signals(
    metas: &[AnswerMeta],
    area: Option<&CommunityArea>,
    params: &FraudParams,
) -> Result<FraudSignals, AreaError> {
    Ok(FraudSignals {
        bursts: bursts(metas, params),
        identical_patterns: identical_patterns(metas, params),
        outside: area
            .map(|area| outside_community(metas, area, params))
            .transpose()?,
    })
}

/// Why an answer is held for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldSignal {
    /// In a burst from one network address.
    Burst,
    /// In a cluster of identical answer vectors.
    IdenticalPattern,
    /// Located beyond the community's area.
    OutsideCommunity,
}

impl HoldSignal {
    pub const ALL: [HoldSignal; 3] = [
        HoldSignal::Burst,
        HoldSignal::IdenticalPattern,
        HoldSignal::OutsideCommunity,
    ];

    pub fn key(self) -> &'static str {
        match self {
            HoldSignal::Burst => "burst",
            HoldSignal::IdenticalPattern => "identical_pattern",
            HoldSignal::OutsideCommunity => "outside_community",
        }
    }

    pub fn parse(key: &str) -> Option<HoldSignal> {
        HoldSignal::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn zh(self) -> &'static str {
        match self {
            HoldSignal::Burst => "同一来源集中提交",
            HoldSignal::IdenticalPattern => "答案完全相同",
            HoldSignal::OutsideCommunity => "不在社区范围内",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            HoldSignal::Burst => "burst from one address",
            HoldSignal::IdenticalPattern => "identical answers",
            HoldSignal::OutsideCommunity => "outside the community",
        }
    }

    /// Several signals as stored: keys joined by commas, in order.
    pub fn join(signals: &BTreeSet<HoldSignal>) -> String {
        signals
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The stored form read back; unknown keys are skipped.
    pub fn split(text: &str) -> BTreeSet<HoldSignal> {
        text.split(',').filter_map(HoldSignal::parse).collect()
    }
}

/// How far back (milliseconds before the earliest arrival) [`holds_on_arrival`] must see earlier
/// answers; `None` when the identical-pattern signal spans the whole survey.
pub fn lookback_millis(params: &FraudParams) -> Option<i64> {
    params
        .pattern_window_millis
        .map(|pattern| pattern.max(params.burst_window_millis).max(0))
}

/// Which answers to hold now that `arriving` (ids in `metas`) have arrived: every answer of a
/// burst or identical-pattern cluster that holds an arriving answer — earlier members too, which
/// may already be counted — with the signals it is held for. `metas` must hold every earlier
/// answer of the community with the arriving answers' sources or patterns within
/// [`lookback_millis`] of them. Outside-the-community is decided per answer at arrival
/// ([`outside_community`]) and is not repeated here.
pub fn holds_on_arrival(
    metas: &[AnswerMeta],
    arriving: &HashSet<&str>,
    params: &FraudParams,
) -> BTreeMap<String, BTreeSet<HoldSignal>> {
    let mut held: BTreeMap<String, BTreeSet<HoldSignal>> = BTreeMap::new();
    for (signal, clusters) in [
        (HoldSignal::Burst, bursts(metas, params)),
        (
            HoldSignal::IdenticalPattern,
            identical_patterns(metas, params),
        ),
    ] {
        for cluster in clusters {
            if cluster
                .submissions
                .iter()
                .any(|id| arriving.contains(id.as_str()))
            {
                for id in cluster.submissions {
                    held.entry(id).or_default().insert(signal);
                }
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn meta(id: usize, at_millis: i64, source: &str, pattern: &str) -> AnswerMeta {
        AnswerMeta {
            id: format!("s{id:03}"),
            at_millis,
            channel: Channel::ResidentLink,
            source: Some(source.into()),
            location: None,
            pattern: pattern.into(),
        }
    }

    fn spaced(n: usize, step: i64, source: &str) -> Vec<AnswerMeta> {
        (0..n)
            .map(|i| meta(i, i as i64 * step, source, &format!("p{i}")))
            .collect()
    }

    #[test]
    fn five_from_one_address_within_ten_minutes_is_a_burst() {
        let params = FraudParams::default();
        // 5 submissions spanning exactly 10 minutes: inclusive window, a burst.
        let found = bursts(&spaced(5, 150_000, "ip-a"), &params);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].submissions.len(), 5);
        assert_eq!((found[0].first_at, found[0].last_at), (0, 10 * MINUTE));
        // One millisecond more and no window holds five.
        let mut late = spaced(5, 150_000, "ip-a");
        late[4].at_millis += 1;
        assert_eq!(bursts(&late, &params), vec![]);
        // Four are not a burst.
        assert_eq!(bursts(&spaced(4, 1_000, "ip-a"), &params), vec![]);
    }

    #[test]
    fn overlapping_windows_join_and_separate_ones_do_not() {
        let params = FraudParams::default();
        let mut metas = spaced(8, MINUTE, "ip-a");
        // A second burst two hours later, and noise from another address.
        metas.extend((0..5).map(|i| meta(100 + i, 120 * MINUTE + i as i64, "ip-a", "x")));
        metas.extend((0..4).map(|i| meta(200 + i, i as i64, "ip-b", "y")));
        let found = bursts(&metas, &params);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].submissions.len(), 8);
        assert_eq!(found[1].submissions.len(), 5);
        assert!(found.iter().all(|c| c.key == "ip-a"));
    }

    #[test]
    fn staff_entered_answers_are_not_bursts_unless_asked() {
        let mut metas = spaced(6, 1_000, "office");
        for m in &mut metas {
            m.channel = Channel::Paper;
        }
        assert_eq!(bursts(&metas, &FraudParams::default()), vec![]);
        let params = FraudParams {
            burst_staff_entered: true,
            ..FraudParams::default()
        };
        assert_eq!(bursts(&metas, &params).len(), 1);
    }

    #[test]
    fn identical_patterns_within_the_window() {
        let params = FraudParams::default();
        let same = "Q1=very_satisfied;Q2=very_satisfied";
        let mut metas: Vec<AnswerMeta> = (0..10)
            .map(|i| meta(i, i as i64 * 3 * MINUTE, &format!("ip{i}"), same))
            .collect();
        // 10 identical spanning 27 minutes: a cluster.
        assert_eq!(identical_patterns(&metas, &params).len(), 1);
        // Spread over a day they are ordinary.
        for (i, m) in metas.iter_mut().enumerate() {
            m.at_millis = i as i64 * 3 * 60 * MINUTE;
        }
        assert_eq!(identical_patterns(&metas, &params), vec![]);
        // Unless the whole period is asked for.
        let whole = FraudParams {
            pattern_window_millis: None,
            ..FraudParams::default()
        };
        let found = identical_patterns(&metas, &whole);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, same);
        assert_eq!(found[0].submissions.len(), 10);
    }

    #[test]
    fn the_answer_that_completes_a_burst_holds_the_whole_burst() {
        let params = FraudParams::default();
        let mut metas = spaced(4, MINUTE, "ip-a");
        // Four from one address are not a burst: nothing is held.
        let fourth: HashSet<&str> = ["s003"].into();
        assert!(holds_on_arrival(&metas, &fourth, &params).is_empty());
        // The fifth completes it: all five are held, the four earlier ones too.
        metas.push(meta(4, 4 * MINUTE, "ip-a", "p4"));
        let fifth: HashSet<&str> = ["s004"].into();
        let held = holds_on_arrival(&metas, &fifth, &params);
        assert_eq!(
            held.keys().map(String::as_str).collect::<Vec<_>>(),
            ["s000", "s001", "s002", "s003", "s004"]
        );
        assert!(
            held.values()
                .all(|s| s == &BTreeSet::from([HoldSignal::Burst]))
        );
        // A burst elsewhere that the arriving answer is not part of holds nothing new.
        let mut other = spaced(5, MINUTE, "ip-b");
        other.push(meta(9, 0, "ip-c", "q"));
        let lone: HashSet<&str> = ["s009"].into();
        assert!(holds_on_arrival(&other, &lone, &params).is_empty());
    }

    #[test]
    fn identical_patterns_are_held_whichever_channel_they_came_by() {
        let params = FraudParams::default();
        let mut metas: Vec<AnswerMeta> = (0..10)
            .map(|i| AnswerMeta {
                channel: Channel::Paper,
                source: None,
                ..meta(i, i as i64 * MINUTE, "", "same")
            })
            .collect();
        let tenth: HashSet<&str> = ["s009"].into();
        let held = holds_on_arrival(&metas, &tenth, &params);
        assert_eq!(held.len(), 10);
        assert!(held["s000"].contains(&HoldSignal::IdenticalPattern));
        metas.truncate(9);
        let ninth: HashSet<&str> = ["s008"].into();
        assert!(holds_on_arrival(&metas, &ninth, &params).is_empty());
    }

    #[test]
    fn hold_signals_are_stored_as_keys() {
        let both = BTreeSet::from([HoldSignal::IdenticalPattern, HoldSignal::Burst]);
        assert_eq!(HoldSignal::join(&both), "burst,identical_pattern");
        assert_eq!(HoldSignal::split("burst,identical_pattern,nonsense"), both);
        assert_eq!(lookback_millis(&FraudParams::default()), Some(30 * MINUTE));
    }

    #[test]
    fn distances_to_a_circle() {
        // Wuma street, Wenzhou (approximate centre).
        let centre = GeoPoint {
            lat: 28.0135,
            lon: 120.6545,
        };
        let area = CommunityArea::Circle {
            centre,
            radius_m: 500.0,
        };
        // 0.01° of latitude is about 1112 m.
        let north = GeoPoint {
            lat: centre.lat + 0.01,
            lon: centre.lon,
        };
        let beyond = area.distance_outside_m(north);
        assert!((beyond - 611.95).abs() < 1.0, "{beyond}");
        assert_eq!(area.distance_outside_m(centre), 0.0);
    }

    #[test]
    fn distances_to_a_polygon() {
        // A square of 0.01° at Weihai's latitude.
        let (lat, lon) = (37.5, 122.1);
        let ring = vec![
            GeoPoint { lat, lon },
            GeoPoint {
                lat,
                lon: lon + 0.01,
            },
            GeoPoint {
                lat: lat + 0.01,
                lon: lon + 0.01,
            },
            GeoPoint {
                lat: lat + 0.01,
                lon,
            },
        ];
        let area = CommunityArea::Polygon { ring };
        let inside = GeoPoint {
            lat: lat + 0.005,
            lon: lon + 0.005,
        };
        assert_eq!(area.distance_outside_m(inside), 0.0);
        // 0.005° south of the south edge: about 556 m.
        let south = GeoPoint {
            lat: lat - 0.005,
            lon: lon + 0.005,
        };
        let distance = area.distance_outside_m(south);
        assert!((distance - 556.0).abs() < 2.0, "{distance}");
    }

    #[test]
    fn outside_answers_beyond_the_margin_are_flagged_farthest_first() {
        let centre = GeoPoint {
            lat: 37.5,
            lon: 122.1,
        };
        let area = CommunityArea::Circle {
            centre,
            radius_m: 300.0,
        };
        let at = |id: usize, dlat: f64| AnswerMeta {
            location: Some(GeoPoint {
                lat: centre.lat + dlat,
                lon: centre.lon,
            }),
            ..meta(id, 0, "ip", "p")
        };
        let mut metas = vec![
            at(1, 0.0),
            at(2, 0.0044), // ≈ 489 m from the centre: 189 m beyond, within the margin
            at(3, 0.0050), // ≈ 556 m: 256 m beyond
            at(4, 0.0200), // ≈ 2224 m
        ];
        metas.push(meta(5, 0, "ip", "p"));
        metas.push(AnswerMeta {
            location: Some(GeoPoint {
                lat: f64::NAN,
                lon: 0.0,
            }),
            ..meta(6, 0, "ip", "p")
        });
        let report = outside_community(&metas, &area, &FraudParams::default()).unwrap();
        let ids: Vec<&str> = report
            .outside
            .iter()
            .map(|o| o.submission.as_str())
            .collect();
        assert_eq!(ids, ["s004", "s003"]);
        assert_eq!(report.unlocated, 1);
        assert_eq!(report.bad_locations, ["s006"]);
    }

    #[test]
    fn bad_areas_are_refused() {
        let p = GeoPoint { lat: 1.0, lon: 1.0 };
        assert_eq!(
            CommunityArea::Polygon {
                ring: vec![p, GeoPoint { lat: 1.0, lon: 2.0 }, p]
            }
            .check(),
            Err(AreaError::TooFewPoints { points: 2 })
        );
        assert_eq!(
            CommunityArea::Circle {
                centre: p,
                radius_m: 0.0
            }
            .check(),
            Err(AreaError::BadRadius { radius_m: 0.0 })
        );
        assert_eq!(
            CommunityArea::Circle {
                centre: GeoPoint {
                    lat: 91.0,
                    lon: 0.0
                },
                radius_m: 1.0
            }
            .check(),
            Err(AreaError::BadPoint { index: 0 })
        );
        assert!(
            signals(
                &[],
                Some(&CommunityArea::Polygon { ring: vec![] }),
                &FraudParams::default()
            )
            .is_err()
        );
    }
}
