//! Properties every standard must have, over randomly built standards and assessments:
//! a score never exceeds the declared total, meeting more clauses never lowers the star, and
//! the order of clauses does not matter.

use proptest::prelude::*;
use xingfu_core::Fen;
use xingfu_core::decimal::Dec2;
use xingfu_core::rewards::split_amount;
use xingfu_core::scoring::{Answer, Assessment, score};
use xingfu_core::standard::{
    Category, Clause, CostShare, GovLevel, Item, Judge, Method, NumericRule, RatingBasis, Standard,
    StarLevel, Subject, SurveyDimension, SurveyScoring,
};
use xingfu_core::validate::validate;

#[derive(Debug, Clone)]
enum Kind {
    Met,
    Graded,
    AtLeast(i64),
    Linear(i64),
    SurveyThreshold(i64),
    SurveyProportional,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Met),
        Just(Kind::Graded),
        (1i64..50).prop_map(Kind::AtLeast),
        (1i64..100).prop_map(Kind::Linear),
        (50i64..100).prop_map(Kind::SurveyThreshold),
        Just(Kind::SurveyProportional),
    ]
}

fn clause(id: String, points: i64, kind: &Kind) -> Clause {
    let judge = match kind {
        Kind::Met => Judge::Met,
        Kind::Graded => Judge::Graded,
        Kind::AtLeast(n) => Judge::Numeric {
            measure: "count".into(),
            unit: None,
            rule: NumericRule::AtLeast {
                value: Dec2::from_int(*n),
            },
        },
        Kind::Linear(n) => Judge::Numeric {
            measure: "count".into(),
            unit: None,
            rule: NumericRule::Linear {
                zero_at: Dec2::ZERO,
                full_at: Dec2::from_int(*n),
            },
        },
        Kind::SurveyThreshold(t) => Judge::Survey {
            dimension: "d".into(),
            scoring: SurveyScoring::Threshold {
                threshold: Dec2::from_int(*t),
            },
        },
        Kind::SurveyProportional => Judge::Survey {
            dimension: "d".into(),
            scoring: SurveyScoring::Proportional,
        },
    };
    Clause {
        id,
        text: "requirement".into(),
        text_en: None,
        points: Dec2(points),
        judge,
        methods: vec![Method::MaterialReview],
        evidence: None,
        lead_department: None,
        responsible_departments: vec![],
        effort: 3,
        veto: false,
        source_quote: None,
    }
}

/// A standard from (points in hundredths, kind) per clause, split over two categories.
fn build(spec: &[(i64, Kind)], rating: RatingBasis) -> Standard {
    let clauses: Vec<Clause> = spec
        .iter()
        .enumerate()
        .map(|(i, (points, kind))| clause(format!("C{i}"), *points, kind))
        .collect();
    let total: Dec2 = clauses.iter().map(|c| c.points).sum();
    let half = clauses.len() / 2;
    let (first, second) = clauses.split_at(half);
    let category = |id: &str, clauses: &[Clause]| Category {
        id: id.into(),
        name: id.into(),
        name_en: None,
        lead_department: None,
        responsible_departments: vec![],
        points: None,
        items: vec![Item {
            id: format!("{id}1"),
            name: id.into(),
            name_en: None,
            points: None,
            clauses: clauses.to_vec(),
        }],
    };
    let mut categories = vec![category("B", second)];
    if !first.is_empty() {
        categories.insert(0, category("A", first));
    }
    let thresholds: Vec<Dec2> = match rating {
        RatingBasis::Points => [50, 60, 70, 80, 90]
            .iter()
            .map(|p| total.scale(*p, 100))
            .collect(),
        RatingBasis::Share => [50, 60, 70, 80, 90]
            .iter()
            .map(|p| Dec2::from_int(*p))
            .collect(),
    };
    Standard {
        id: "prop".into(),
        version: "1".into(),
        name: "prop".into(),
        name_en: None,
        programme: "prop".into(),
        issuer: None,
        source: "test".into(),
        subject: Subject::Community,
        total_points: total,
        rating,
        notes: vec![],
        expect: None,
        stars: thresholds
            .into_iter()
            .enumerate()
            .map(|(i, min)| StarLevel {
                level: i as u8 + 1,
                min,
                approval: GovLevel::District,
                approval_body: None,
                recommended_by: None,
                named_by: None,
                note: None,
            })
            .collect(),
        rewards: None,
        targets: vec![],
        phases: vec![],
        survey_dimensions: vec![SurveyDimension {
            id: "d".into(),
            name: "d".into(),
            name_en: None,
        }],
        categories,
        clause_index: Default::default(),
    }
}

/// An answer for a clause from a raw level in 0..=100 (how well it is done).
fn answer(clause: &Clause, level: i64) -> Answer {
    match &clause.judge {
        Judge::Met => Answer::met(level >= 50),
        Judge::Graded => Answer::number(clause.points.scale(level, 100)),
        Judge::Numeric { .. } | Judge::Metric { .. } => Answer::number(Dec2::from_int(level)),
        Judge::Survey { .. } => Answer::number(Dec2::from_int(level)),
    }
}

fn assess(standard: &Standard, levels: &[i64]) -> Assessment {
    let mut a = Assessment::default();
    for (clause, level) in standard.clauses().zip(levels) {
        a.answers.insert(clause.id.clone(), answer(clause, *level));
    }
    a
}

fn spec() -> impl Strategy<Value = Vec<(i64, Kind)>> {
    prop::collection::vec((1i64..5_000, kind()), 1..30)
}

fn rating() -> impl Strategy<Value = RatingBasis> {
    prop_oneof![Just(RatingBasis::Points), Just(RatingBasis::Share)]
}

proptest! {
    #[test]
    fn generated_standards_are_valid(spec in spec(), rating in rating()) {
        let s = build(&spec, rating);
        prop_assert!(validate(&s).is_empty(), "{:?}", validate(&s));
    }

    #[test]
    fn score_never_exceeds_the_declared_total(
        spec in spec(),
        rating in rating(),
        levels in prop::collection::vec(0i64..=100, 30),
    ) {
        let s = build(&spec, rating);
        let card = score(&s, &assess(&s, &levels)).unwrap();
        prop_assert!(card.total <= s.total_points);
        prop_assert!(card.total >= Dec2::ZERO);
        prop_assert!(card.share <= Dec2::HUNDRED);
        for category in &card.categories {
            prop_assert!(category.earned <= category.max);
        }
    }

    #[test]
    fn doing_more_never_lowers_the_star(
        spec in spec(),
        rating in rating(),
        levels in prop::collection::vec(0i64..=100, 30),
        which in 0usize..30,
        better in 0i64..=100,
    ) {
        let s = build(&spec, rating);
        let before = score(&s, &assess(&s, &levels)).unwrap();
        let mut improved = levels.clone();
        let i = which % spec.len();
        improved[i] = improved[i].max(better);
        let after = score(&s, &assess(&s, &improved)).unwrap();
        prop_assert!(after.total >= before.total);
        prop_assert!(after.star >= before.star);
        prop_assert!(after.clauses_met >= before.clauses_met);
    }

    #[test]
    fn meeting_every_clause_earns_full_points(spec in spec(), rating in rating()) {
        let s = build(&spec, rating);
        let card = score(&s, &assess(&s, &[100; 30])).unwrap();
        prop_assert_eq!(card.total, s.total_points);
        prop_assert_eq!(card.star, 5);
    }

    #[test]
    fn clause_order_does_not_matter(
        spec in spec(),
        rating in rating(),
        levels in prop::collection::vec(0i64..=100, 30),
        seed in any::<u64>(),
    ) {
        let s = build(&spec, rating);
        let assessment = assess(&s, &levels);
        let card = score(&s, &assessment).unwrap();
        // Reverse and rotate the clauses inside each item, and the categories themselves.
        let mut shuffled = s.clone();
        shuffled.clause_index = Default::default();
        shuffled.categories.reverse();
        for category in &mut shuffled.categories {
            for item in &mut category.items {
                let n = item.clauses.len();
                item.clauses.rotate_left((seed as usize) % n);
                item.clauses.reverse();
            }
        }
        let again = score(&shuffled, &assessment).unwrap();
        prop_assert_eq!(card.total, again.total);
        prop_assert_eq!(card.star, again.star);
        prop_assert_eq!(card.clauses_met, again.clauses_met);
        prop_assert_eq!(card.next_star.map(|n| n.points_short), again.next_star.map(|n| n.points_short));
    }

    #[test]
    fn a_split_adds_up_to_the_fen(amount in 0i64..10_000_000_000, first in 0u8..=100) {
        let shares = [
            CostShare { level: GovLevel::District, percent: first },
            CostShare { level: GovLevel::Street, percent: 100 - first },
        ];
        let parts = split_amount(Fen(amount), &shares);
        prop_assert_eq!(parts.iter().map(|p| p.amount.0).sum::<i64>(), amount);
        // Each level gets its share to within one fen.
        let exact = amount as i128 * first as i128;
        prop_assert!((parts[0].amount.0 as i128 * 100 - exact).abs() < 100);
    }
}

#[test]
fn an_odd_fen_goes_to_the_first_listed_level() {
    let shares = [
        CostShare {
            level: GovLevel::City,
            percent: 50,
        },
        CostShare {
            level: GovLevel::District,
            percent: 50,
        },
    ];
    let parts = split_amount(Fen(1), &shares);
    assert_eq!((parts[0].amount, parts[1].amount), (Fen(1), Fen(0)));
    let parts = split_amount(Fen(20_000_001), &shares);
    assert_eq!(
        (parts[0].amount, parts[1].amount),
        (Fen(10_000_001), Fen(10_000_000))
    );
}

#[test]
fn answers_that_do_not_fit_their_clause_are_refused_with_the_clause() {
    let s = build(
        &[
            (100, Kind::Met),
            (100, Kind::Graded),
            (100, Kind::SurveyThreshold(90)),
        ],
        RatingBasis::Points,
    );
    let mut a = Assessment::default();
    a.answers
        .insert("C0".into(), Answer::number(Dec2::from_int(1)));
    a.answers
        .insert("C1".into(), Answer::number(Dec2::from_int(2)));
    a.answers
        .insert("C2".into(), Answer::number(Dec2::from_int(120)));
    a.answers.insert("C9".into(), Answer::met(true));
    let errors = score(&s, &a).unwrap_err();
    let clauses: Vec<&str> = errors.iter().map(|e| e.clause.as_str()).collect();
    assert_eq!(clauses, ["C9", "C0", "C1", "C2"]);
    assert!(errors[3].zh.contains("120"));
}

#[test]
fn unanswered_clauses_score_zero_and_are_listed() {
    let s = build(&[(100, Kind::Met), (100, Kind::Met)], RatingBasis::Points);
    let mut a = Assessment::default();
    a.answers.insert("C0".into(), Answer::met(true));
    let card = score(&s, &a).unwrap();
    assert_eq!(card.total, Dec2::from_int(1));
    assert_eq!(card.not_assessed, ["C1"]);
}
