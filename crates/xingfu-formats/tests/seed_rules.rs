//! Every rule of the seeds, checked with the seeds' own numbers at, just below and just above each
//! boundary, on the standards exactly as shipped in `standards/`.

use xingfu_core::Standard;
use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::rewards::{RewardBasis, reward_for};
use xingfu_core::round::{Decision, Entry, rate_round};
use xingfu_core::scoring::{Answer, Assessment, ClauseStatus, check_eligibility, score, star_for};
use xingfu_core::standard::{GovLevel, Judge};
use xingfu_core::targets::progress;
use xingfu_formats::shipped::shipped;

fn standard(id: &str) -> Standard {
    shipped(id).expect("shipped").expect("valid")
}

fn d(text: &str) -> Dec2 {
    Dec2::parse(text).unwrap()
}

/// Answers that earn every point of every clause (veto items clear).
fn full_marks(standard: &Standard) -> Assessment {
    let mut assessment = Assessment::default();
    for clause in standard.clauses() {
        let answer = match &clause.judge {
            Judge::Met => Answer::met(true),
            Judge::Graded => Answer::number(clause.points),
            Judge::Survey { .. } => Answer::number(Dec2::HUNDRED),
            Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                Answer::number(match rule {
                    xingfu_core::standard::NumericRule::AtLeast { value } => *value,
                    xingfu_core::standard::NumericRule::AtMost { value } => *value,
                    xingfu_core::standard::NumericRule::Linear { full_at, .. } => *full_at,
                })
            }
        };
        assessment.answers.insert(clause.id.clone(), answer);
    }
    assessment
}

/// Full marks, then graded clauses lowered until the total is exactly `target`.
fn answers_for_total(standard: &Standard, target: Dec2) -> Assessment {
    let mut assessment = full_marks(standard);
    let mut excess = standard.total_points - target;
    for clause in standard.clauses().filter(|c| c.judge == Judge::Graded) {
        if excess <= Dec2::ZERO {
            break;
        }
        let cut = excess.min(clause.points);
        assessment
            .answers
            .insert(clause.id.clone(), Answer::number(clause.points - cut));
        excess = excess - cut;
    }
    assert_eq!(
        excess,
        Dec2::ZERO,
        "not enough graded points to reach {target}"
    );
    assessment
}

/// The first `met` clauses, in file order, answered as met; all other clauses not met.
fn clauses_met(standard: &Standard, met: usize) -> Assessment {
    let mut assessment = Assessment::default();
    for (index, clause) in standard.clauses().enumerate() {
        let yes = index < met;
        let answer = match &clause.judge {
            Judge::Met => Answer::met(yes),
            Judge::Graded => Answer::number(if yes { clause.points } else { Dec2::ZERO }),
            Judge::Survey { .. } => Answer::number(if yes { Dec2::HUNDRED } else { Dec2::ZERO }),
            Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                let (full, none) = match rule {
                    xingfu_core::standard::NumericRule::AtLeast { value } => (*value, Dec2::ZERO),
                    xingfu_core::standard::NumericRule::AtMost { value } => {
                        (*value, *value + Dec2::from_int(1))
                    }
                    xingfu_core::standard::NumericRule::Linear { zero_at, full_at } => {
                        (*full_at, *zero_at)
                    }
                };
                Answer::number(if yes { full } else { none })
            }
        };
        assessment.answers.insert(clause.id.clone(), answer);
    }
    assessment
}

// ---- Lucheng 2012: 1000 points, stars at 650 / 700 / 750 / 800 / 900 ----

#[test]
fn lucheng_totals_add_up_to_700_objective_and_300_subjective() {
    let s = standard("lucheng-2012");
    assert_eq!(s.total_points, Dec2::from_int(1000));
    let survey: Dec2 = s
        .clauses()
        .filter(|c| matches!(c.judge, Judge::Survey { .. }))
        .map(|c| c.points)
        .sum();
    assert_eq!(survey, Dec2::from_int(300));
    assert_eq!(s.total_points - survey, Dec2::from_int(700));
    let types: Vec<&str> = s
        .categories
        .iter()
        .take(5)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "自治型社区",
            "生态型社区",
            "服务型社区",
            "文化型社区",
            "和谐型社区"
        ]
    );
    assert_eq!(s.categories[0].lead_department.as_deref(), Some("组织办"));
    assert_eq!(s.categories[4].lead_department.as_deref(), Some("综治办"));
}

#[test]
fn lucheng_star_boundaries() {
    let s = standard("lucheng-2012");
    let cases = [
        ("0", 0),
        ("649.99", 0),
        ("650", 1),
        ("650.01", 1),
        ("699.9", 1),
        ("700", 2),
        ("749.99", 2),
        ("750", 3),
        ("799.9", 3),
        ("800", 4),
        ("899.9", 4),
        ("899.99", 4),
        ("900", 5),
        ("900.1", 5),
        ("1000", 5),
    ];
    for (total, star) in cases {
        assert_eq!(star_for(&s, d(total)), star, "total {total}");
    }
}

#[test]
fn lucheng_scoring_reaches_the_boundaries_through_real_answers() {
    let s = standard("lucheng-2012");
    for (total, star) in [
        ("899.9", 4),
        ("900", 5),
        ("649.9", 0),
        ("650", 1),
        ("800", 4),
    ] {
        let card = score(&s, &answers_for_total(&s, d(total))).unwrap();
        assert_eq!(card.total, d(total));
        assert_eq!(card.star, star, "total {total}");
    }
}

#[test]
fn lucheng_gap_to_next_star_is_the_points_short() {
    let s = standard("lucheng-2012");
    let card = score(&s, &answers_for_total(&s, d("812.5"))).unwrap();
    assert_eq!(card.star, 4);
    let next = card.next_star.expect("5 stars is above");
    assert_eq!(next.level, 5);
    assert_eq!(next.points_short, d("87.5"));
    assert!(next.reachable);
    let planned: Dec2 = next
        .candidates
        .iter()
        .take(next.plan_len)
        .map(|f| f.gain)
        .sum();
    assert!(planned >= d("87.5"));
    // Cheapest first: effort never decreases along the list.
    assert!(
        next.candidates
            .windows(2)
            .all(|w| w[0].effort <= w[1].effort)
    );
    // Full marks: no next star.
    assert!(score(&s, &full_marks(&s)).unwrap().next_star.is_none());
}

#[test]
fn lucheng_survey_points_are_proportional_to_the_rate() {
    let s = standard("lucheng-2012");
    let mut a = full_marks(&s);
    let survey: Vec<String> = s
        .clauses()
        .filter(|c| matches!(c.judge, Judge::Survey { .. }))
        .map(|c| c.id.clone())
        .collect();
    a.answers
        .insert(survey[0].clone(), Answer::number(d("96.5")));
    let card = score(&s, &a).unwrap();
    // 60 × 96.5% = 57.9: 2.1 points lost.
    assert_eq!(card.total, d("997.9"));
}

#[test]
fn a_veto_item_means_no_star_whatever_the_score() {
    let s = standard("lucheng-2012");
    let vetoes: Vec<String> = s
        .clauses()
        .filter(|c| c.veto)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(vetoes.len(), 3, "leadership, public order, family planning");
    for veto in &vetoes {
        let mut a = full_marks(&s);
        a.answers.insert(
            veto.clone(),
            Answer {
                met: Some(false),
                number: None,
                note: Some("2013年发生重大事项".into()),
            },
        );
        let card = score(&s, &a).unwrap();
        assert_eq!(card.total, Dec2::from_int(1000));
        assert_eq!(card.star_by_score, 5);
        assert_eq!(card.star, 0);
        assert_eq!(card.vetoed_by.len(), 1);
        assert_eq!(card.vetoed_by[0].clause, veto);
        assert_eq!(
            card.vetoed_by[0].reason.as_deref(),
            Some("2013年发生重大事项")
        );
        // The declaration is refused, with the clause and the reason.
        let refused = check_eligibility(&s, &a).unwrap_err();
        assert_eq!(refused.vetoed_by[0].clause, veto);
    }
    // No veto answered: eligible (a veto must be reported to apply).
    assert!(check_eligibility(&s, &Assessment::default()).is_ok());
}

#[test]
fn lucheng_approval_by_district_for_1_to_3_and_city_for_4_and_5() {
    let s = standard("lucheng-2012");
    for level in 1..=3 {
        assert_eq!(s.star(level).unwrap().approval, GovLevel::District);
    }
    for level in 4..=5 {
        let star = s.star(level).unwrap();
        assert_eq!(star.approval, GovLevel::City);
        assert_eq!(star.recommended_by, Some(GovLevel::District));
    }
}

fn yuan(n: i64) -> Fen {
    Fen(n * 100)
}

#[test]
fn lucheng_rewards_first_naming_promotion_keep_downgrade() {
    let s = standard("lucheng-2012");
    let r = s.rewards.as_ref();
    let cases: [(u8, u8, i64); 16] = [
        (0, 1, 50_000),
        (0, 2, 100_000),
        (0, 3, 150_000),
        (0, 4, 300_000),
        (0, 5, 500_000),
        (1, 2, 50_000), // the 1→2 bonus, not the 2★ amount again
        (2, 3, 50_000),
        (1, 3, 100_000), // both steps
        (4, 5, 200_000),
        (3, 4, 300_000), // the city names 4★ for the first time
        (3, 5, 500_000),
        (2, 2, 0),
        (5, 5, 0),
        (3, 2, 0),
        (5, 4, 0),
        (4, 0, 0),
    ];
    for (previous, current, amount) in cases {
        let reward = reward_for(r, previous, current);
        assert_eq!(reward.amount, yuan(amount), "{previous}→{current}");
        let split: Fen = reward.split.iter().map(|p| p.amount).sum();
        assert_eq!(
            split, reward.amount,
            "split adds up for {previous}→{current}"
        );
    }
    assert_eq!(
        reward_for(r, 1, 2).basis,
        RewardBasis::Promotion {
            from: 1,
            to: 2,
            steps: vec![(1, 2)]
        }
    );
    assert_eq!(
        reward_for(r, 3, 2).basis,
        RewardBasis::Downgraded { from: 3, to: 2 }
    );
    assert_eq!(reward_for(r, 4, 0).basis, RewardBasis::Revoked { from: 4 });
    assert_eq!(reward_for(r, 2, 2).basis, RewardBasis::Kept { star: 2 });
}

#[test]
fn lucheng_rewards_are_shared_50_50_by_the_right_levels() {
    let s = standard("lucheng-2012");
    let r = s.rewards.as_ref();
    let parts = |p: u8, c: u8| {
        reward_for(r, p, c)
            .split
            .iter()
            .map(|part| (part.level, part.amount))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        parts(0, 1),
        [
            (GovLevel::District, yuan(25_000)),
            (GovLevel::Street, yuan(25_000))
        ]
    );
    assert_eq!(
        parts(1, 2),
        [
            (GovLevel::District, yuan(25_000)),
            (GovLevel::Street, yuan(25_000))
        ]
    );
    assert_eq!(
        parts(0, 4),
        [
            (GovLevel::City, yuan(150_000)),
            (GovLevel::District, yuan(150_000))
        ]
    );
    assert_eq!(
        parts(4, 5),
        [
            (GovLevel::City, yuan(100_000)),
            (GovLevel::District, yuan(100_000))
        ]
    );
}

#[test]
fn lucheng_targets_30_50_100_percent() {
    let s = standard("lucheng-2012");
    let targets: Vec<(u8, Dec2)> = s.targets.iter().map(|t| (t.min_stars, t.percent)).collect();
    assert_eq!(
        targets,
        [
            (5, Dec2::from_int(30)),
            (4, Dec2::from_int(50)),
            (3, Dec2::from_int(100))
        ]
    );
    // 10 communities: 3 at 5★ is exactly 30%; 2 is short by one.
    let p = progress(&s.targets, &[5, 5, 5, 4, 4, 3, 3, 3, 3, 3]);
    assert!(p[0].met && p[1].met && p[2].met);
    let p = progress(&s.targets, &[5, 5, 4, 4, 4, 3, 3, 3, 3, 0]);
    assert!(!p[0].met);
    assert_eq!(p[0].short_by, 1);
    assert!(p[1].met); // 5 of 10 at four or above
    assert!(!p[2].met);
    assert_eq!(p[2].short_by, 1);
    assert_eq!(p[2].percent, Dec2::from_int(90));
    // 7 communities: 30% is 2.1, so 3 communities are needed.
    let p = progress(&s.targets, &[5, 5, 0, 0, 0, 0, 0]);
    assert!(!p[0].met);
    assert_eq!(p[0].short_by, 1);
}

#[test]
fn lucheng_round_re_review_decisions_and_budget() {
    let s = standard("lucheng-2012");
    let entry = |code: &str, previous: u8, total: &str| Entry {
        code: code.into(),
        name: code.into(),
        street: None,
        district: None,
        previous_star: Some(previous),
        assessment: answers_for_total(&s, d(total)),
    };
    let mut vetoed = entry("330302006005", 3, "1000");
    let veto = s.clauses().find(|c| c.veto).unwrap().id.clone();
    vetoed.assessment.answers.insert(veto, Answer::met(false));
    let entries = vec![
        entry("330302006001", 1, "700"),    // 1→2 upgrade: 50,000
        entry("330302006002", 4, "910"),    // 4→5: 200,000
        entry("330302006003", 3, "720"),    // 3→2 downgrade: 0
        entry("330302006004", 0, "650"),    // new 1★: 50,000
        vetoed,                             // revoke
        entry("330302007001", 2, "749.99"), // keep 2★
    ];
    let report = rate_round(&s, Some(2013), &entries);
    assert!(report.rejected.is_empty());
    let decisions: Vec<Decision> = report.outcomes.iter().map(|o| o.decision).collect();
    assert_eq!(
        decisions,
        [
            Decision::Upgrade,
            Decision::Upgrade,
            Decision::Downgrade,
            Decision::New,
            Decision::Revoke,
            Decision::Keep
        ]
    );
    assert_eq!(report.overall.reward_total, yuan(300_000));
    let by_level: Vec<(GovLevel, Fen)> = report
        .overall
        .reward_by_level
        .iter()
        .map(|p| (p.level, p.amount))
        .collect();
    assert_eq!(
        by_level,
        [
            (GovLevel::Street, yuan(50_000)),
            (GovLevel::District, yuan(150_000)),
            (GovLevel::City, yuan(100_000))
        ]
    );
    // Streets are derived from the 12-digit codes: 五马街道 330302006 and 330302007.
    assert_eq!(report.streets.len(), 2);
    assert_eq!(report.streets[0].unit.code, "330302006000");
    assert_eq!(report.streets[0].communities, 5);
    assert_eq!(report.districts[0].unit.code, "330302000000");
    // The city decides where a 4★ or 5★ is involved, the district otherwise.
    assert_eq!(
        report.outcomes[1].approval.as_ref().unwrap().level,
        GovLevel::City
    );
    assert_eq!(
        report.outcomes[2].approval.as_ref().unwrap().level,
        GovLevel::District
    );
}

// ---- Weihai Lingang 2020: share completed, 2★–5★, satisfaction >= 95% ----

#[test]
fn weihai_2020_share_boundaries_and_the_50_to_60_gap() {
    let s = standard("weihai-lingang-2020");
    let total = s.total_points;
    let at = |percent: &str| Dec2::part_needed_for(total, d(percent));
    // Exact percentages of the declared total, and just below them.
    assert_eq!(star_for(&s, at("80")), 5);
    assert_eq!(star_for(&s, at("80") - Dec2(1)), 4);
    assert_eq!(star_for(&s, at("79.9")), 4);
    assert_eq!(star_for(&s, at("70")), 4);
    assert_eq!(star_for(&s, at("70") - Dec2(1)), 3);
    assert_eq!(star_for(&s, at("60")), 3);
    assert_eq!(star_for(&s, at("60") - Dec2(1)), 2);
    // The gap the text leaves open (above 50%, below 60%) is two stars, as the file says.
    assert_eq!(star_for(&s, at("55")), 2);
    assert_eq!(star_for(&s, at("50")), 2);
    assert_eq!(star_for(&s, Dec2::ZERO), 2);
    assert!(
        s.star(2).unwrap().note.is_some(),
        "the choice is shown to users"
    );
}

#[test]
fn weihai_2020_share_counts_clauses_met() {
    let s = standard("weihai-lingang-2020");
    let n = s.clause_count();
    assert_eq!(s.total_points, Dec2::from_int(n as i64));
    // With 46 clauses: 37 met is 80.43% (5★), 36 is 78.26% (4★).
    let needed_for_5 = (n * 80).div_ceil(100);
    let card = score(&s, &clauses_met(&s, needed_for_5)).unwrap();
    assert_eq!(card.star, 5, "{needed_for_5} of {n}");
    let card = score(&s, &clauses_met(&s, needed_for_5 - 1)).unwrap();
    assert_eq!(card.star, 4);
    assert_eq!(card.clauses_met, needed_for_5 - 1);
}

#[test]
fn weihai_2020_the_ten_social_organisations_and_95_percent_satisfaction() {
    let s = standard("weihai-lingang-2020");
    let orgs = s
        .clauses()
        .find(|c| matches!(&c.judge, Judge::Numeric { .. }) && c.text.contains("社会组织"))
        .expect("the social-organisation clause");
    for (count, met) in [("9", false), ("10", true), ("11", true)] {
        let mut a = full_marks(&s);
        a.answers.insert(orgs.id.clone(), Answer::number(d(count)));
        let card = score(&s, &a).unwrap();
        let status = clause_status(&card, &orgs.id);
        assert_eq!(status == ClauseStatus::Met, met, "{count} organisations");
    }
    let surveys: Vec<_> = s
        .clauses()
        .filter(|c| matches!(c.judge, Judge::Survey { .. }))
        .collect();
    assert_eq!(
        surveys.len(),
        5,
        "facilities, environment, security, culture & sports, committee"
    );
    for (rate, met) in [("94.99", false), ("95", true), ("95.01", true)] {
        let mut a = full_marks(&s);
        for clause in &surveys {
            a.answers.insert(clause.id.clone(), Answer::number(d(rate)));
        }
        let card = score(&s, &a).unwrap();
        for clause in &surveys {
            assert_eq!(
                clause_status(&card, &clause.id) == ClauseStatus::Met,
                met,
                "{rate}%"
            );
        }
    }
}

fn clause_status(card: &xingfu_core::scoring::Scorecard, id: &str) -> ClauseStatus {
    card.categories
        .iter()
        .flat_map(|c| &c.items)
        .flat_map(|i| &i.clauses)
        .find(|c| c.id == id)
        .unwrap()
        .status
}

// ---- Weihai 2022 规范: 6 / 33 / 128, satisfaction >= 90% ----

#[test]
fn weihai_2022_has_6_categories_33_items_128_clauses() {
    let s = standard("weihai-jzxf-2022");
    assert_eq!(s.categories.len(), 6);
    assert_eq!(s.item_count(), 33);
    assert_eq!(s.clause_count(), 128);
}

#[test]
fn weihai_2022_boundaries_on_128_clauses() {
    let s = standard("weihai-jzxf-2022");
    // 80% of 128 = 102.4: 103 clauses reach five stars, 102 do not.
    for (met, star) in [
        (103, 5),
        (102, 4),
        (90, 4),
        (89, 3),
        (77, 3),
        (76, 2),
        (0, 2),
        (128, 5),
    ] {
        assert_eq!(
            score(&s, &clauses_met(&s, met)).unwrap().star,
            star,
            "{met} clauses"
        );
    }
    let surveys: Vec<_> = s
        .clauses()
        .filter(|c| matches!(c.judge, Judge::Survey { .. }))
        .collect();
    assert_eq!(surveys.len(), 5);
    for (rate, met) in [("89.99", false), ("90", true)] {
        let mut a = full_marks(&s);
        a.answers
            .insert(surveys[0].id.clone(), Answer::number(d(rate)));
        let card = score(&s, &a).unwrap();
        assert_eq!(
            clause_status(&card, &surveys[0].id) == ClauseStatus::Met,
            met,
            "{rate}%"
        );
    }
}

// ---- Fengze centres and Weibin four types ----

#[test]
fn fengze_centre_stars_and_activity_scale() {
    let s = standard("fengze-centre");
    for (total, star) in [
        ("59.99", 0),
        ("60", 1),
        ("70", 2),
        ("79.9", 2),
        ("80", 3),
        ("85", 4),
        ("89.99", 4),
        ("90", 5),
    ] {
        assert_eq!(star_for(&s, d(total)), star, "{total}");
    }
    let activities = s
        .clauses()
        .find(|c| matches!(&c.judge, Judge::Numeric { measure, .. } if measure.contains("活动")))
        .expect("number of activities");
    let mut a = full_marks(&s);
    a.answers
        .insert(activities.id.clone(), Answer::number(Dec2::from_int(24)));
    let card = score(&s, &a).unwrap();
    // Half of 48 activities earns half the clause's points.
    assert_eq!(s.total_points - card.total, activities.points.scale(1, 2));
    let functions = &s
        .categories
        .iter()
        .find(|c| c.items.len() == 6)
        .expect("six functions")
        .items;
    let names: Vec<&str> = functions.iter().map(|i| i.name.as_str()).collect();
    for function in [
        "幼有所育",
        "老有所养",
        "病有所医",
        "食有所安",
        "居有所乐",
        "事有所办",
    ] {
        assert!(names.iter().any(|n| n.contains(function)), "{function}");
    }
}

#[test]
fn weibin_four_types_are_the_categories() {
    let s = standard("weibin-four-types");
    let names: Vec<&str> = s.categories.iter().map(|c| c.name.as_str()).collect();
    for t in ["平安", "便利", "美丽", "幸福"] {
        assert!(names.iter().any(|n| n.contains(t)), "{t}");
    }
    let card = score(&s, &full_marks(&s)).unwrap();
    assert_eq!(card.star, 5);
    assert!(card.categories.iter().all(|c| c.share == Dec2::HUNDRED));
}

#[test]
fn every_shipped_standard_loads_and_records_its_choices() {
    for id in xingfu_formats::shipped::ids() {
        let s = standard(id);
        assert!(
            !s.notes.is_empty(),
            "{id} records its interpretation choices"
        );
        assert!(s.source.starts_with("seeds/"), "{id} names its seed");
    }
}
