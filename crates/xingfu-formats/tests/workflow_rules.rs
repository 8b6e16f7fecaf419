//! The round's workflow rules and permissions, on the Lucheng standard as shipped.

use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::panel::panel_score;
use xingfu_core::scoring::{Answer, Assessment};
use xingfu_core::standard::Judge;
use xingfu_core::workflow::{
    Action, Actor, Role, Stage, may_approve, may_declare, may_object, may_score, next_stage,
};
use xingfu_formats::shipped::shipped;

fn lucheng() -> Standard {
    shipped("lucheng-2012").unwrap().unwrap()
}

fn actor<'a>(role: Role, region: &'a str, level: &'a str) -> Actor<'a> {
    Actor {
        role,
        region,
        region_level: level,
    }
}

const GULOU: &str = "330302006044"; // 鼓楼社区, 五马街道, 鹿城区

#[test]
fn district_approves_one_to_three_stars_and_the_city_four_and_five() {
    let s = lucheng();
    let district = actor(Role::DistrictAdmin, "330302000000", "district");
    let city = actor(Role::CityAdmin, "330300000000", "city");
    let street = actor(Role::StreetAdmin, "330302006000", "street");
    for star in 1..=3 {
        assert!(
            may_approve(&district, &s, GULOU, star, 0).is_ok(),
            "{star}★ by district"
        );
        assert!(
            may_approve(&city, &s, GULOU, star, 0).is_err(),
            "{star}★ not by city"
        );
        assert!(
            may_approve(&street, &s, GULOU, star, 0).is_err(),
            "{star}★ not by street"
        );
    }
    for star in 4..=5 {
        assert!(
            may_approve(&city, &s, GULOU, star, 0).is_ok(),
            "{star}★ by city"
        );
        assert!(
            may_approve(&district, &s, GULOU, star, 0).is_err(),
            "{star}★ not by district"
        );
    }
    // A 4★ community downgraded to 3★ is still the city's re-review.
    assert!(may_approve(&city, &s, GULOU, 3, 4).is_ok());
    assert!(may_approve(&district, &s, GULOU, 3, 4).is_err());
    // Another district's administrator cannot approve here.
    let other = actor(Role::DistrictAdmin, "330303000000", "district");
    assert!(may_approve(&other, &s, GULOU, 2, 0).is_err());
}

#[test]
fn a_street_administrator_acts_only_for_its_own_communities() {
    let wuma = actor(Role::StreetAdmin, "330302006000", "street");
    assert!(may_declare(&wuma, GULOU).is_ok());
    assert!(
        may_declare(&wuma, "330302026003").is_err(),
        "松台街道 is not 五马's"
    );
    let resident = actor(Role::Resident, GULOU, "community");
    assert!(may_declare(&resident, GULOU).is_err());
}

#[test]
fn an_assessor_may_not_score_their_own_community() {
    let own = actor(Role::Assessor, GULOU, "community");
    let refusal = may_score(&own, GULOU).unwrap_err();
    assert!(refusal.zh.contains("自己所在的社区"));
    let district_panel = actor(Role::Assessor, "330302000000", "district");
    assert!(may_score(&district_panel, GULOU).is_ok());
    assert!(
        may_score(&district_panel, "330303001001").is_err(),
        "outside the area"
    );
    let worker = actor(Role::CommunityWorker, "330302006000", "street");
    assert!(may_score(&worker, GULOU).is_err(), "only assessors score");
}

#[test]
fn the_round_moves_through_its_stages_in_order() {
    use Action::*;
    let path = [
        (
            Stage::Declared,
            CheckEligibility { vetoed: false },
            Stage::Scoring,
        ),
        (Stage::Scoring, Compute, Stage::Computed),
        (Stage::Computed, Approve, Stage::Approved),
        (Stage::Approved, Publish, Stage::Published),
        (
            Stage::Published,
            Name {
                objection_period_over: true,
                open_objections: 0,
            },
            Stage::Named,
        ),
    ];
    for (from, action, to) in path {
        assert_eq!(next_stage(from, action), Ok(to));
    }
    assert_eq!(
        next_stage(Stage::Declared, CheckEligibility { vetoed: true }),
        Ok(Stage::Refused)
    );
    assert_eq!(
        next_stage(Stage::Published, UpholdObjection),
        Ok(Stage::Scoring)
    );
    assert!(
        next_stage(
            Stage::Published,
            Name {
                objection_period_over: false,
                open_objections: 0,
            }
        )
        .is_err()
    );
    // An undecided objection holds the naming, even after the period.
    let held = next_stage(
        Stage::Published,
        Name {
            objection_period_over: true,
            open_objections: 1,
        },
    )
    .unwrap_err();
    assert!(held.zh.contains("1 件异议"), "{}", held.zh);
    assert!(
        next_stage(Stage::Declared, Approve).is_err(),
        "no approval before scoring"
    );
    assert!(next_stage(Stage::Refused, Compute).is_err());
    assert!(next_stage(Stage::Named, Publish).is_err());
}

#[test]
fn objections_are_taken_only_while_the_result_is_published_and_the_period_runs() {
    let resident = actor(Role::Resident, GULOU, "community");
    let until = Some(1_000);
    assert_eq!(
        may_object(&resident, GULOU, Stage::Published, 999, until),
        Ok(())
    );
    // The end is exclusive: at the moment the period ends, naming may begin and objections stop.
    assert!(may_object(&resident, GULOU, Stage::Published, 1_000, until).is_err());
    assert!(may_object(&resident, GULOU, Stage::Published, 0, None).is_err());
    assert!(may_object(&resident, GULOU, Stage::Approved, 0, until).is_err());
    assert!(may_object(&resident, GULOU, Stage::Named, 0, until).is_err());
    // A resident of another community cannot object to this one; its street's administrator can.
    let elsewhere = actor(Role::Resident, "330302006045", "community");
    assert!(may_object(&elsewhere, GULOU, Stage::Published, 0, until).is_err());
    let street = actor(Role::StreetAdmin, "330302006000", "street");
    assert_eq!(
        may_object(&street, GULOU, Stage::Published, 0, until),
        Ok(())
    );
}

fn sheet(s: &Standard, graded_points: Dec2) -> Assessment {
    let mut a = Assessment::default();
    for clause in s.clauses() {
        let answer = match &clause.judge {
            Judge::Met => Answer::met(true),
            Judge::Graded => Answer::number(graded_points.min(clause.points)),
            Judge::Survey { .. } => Answer::number(Dec2::from_int(90)),
            Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                Answer::number(match rule {
                    xingfu_core::standard::NumericRule::AtLeast { value } => *value,
                    xingfu_core::standard::NumericRule::AtMost { value } => *value,
                    xingfu_core::standard::NumericRule::Linear { full_at, .. } => *full_at,
                })
            }
        };
        a.answers.insert(clause.id.clone(), answer);
    }
    a
}

#[test]
fn the_panel_result_is_the_mean_of_the_assessors_totals() {
    let s = lucheng();
    let generous = sheet(&s, Dec2::from_int(20));
    let strict = sheet(&s, Dec2::from_int(5));
    let panel = panel_score(
        &s,
        &Assessment::default(),
        &[generous.clone(), strict.clone()],
    )
    .unwrap();
    let (a, b) = (panel.sheets[0].total, panel.sheets[1].total);
    assert!(a > b);
    assert_eq!(panel.total, (a + b).scale(1, 2));
    assert!(!panel.disagreements.is_empty(), "graded clauses differ");
    assert!(
        panel
            .disagreements
            .iter()
            .all(|d| d.points.len() == 2 && d.spread > Dec2::ZERO)
    );
    // A veto reported at declaration applies to the panel result.
    let veto = s.clauses().find(|c| c.veto).unwrap();
    let mut declaration = Assessment::default();
    declaration
        .answers
        .insert(veto.id.clone(), Answer::met(false));
    let vetoed = panel_score(&s, &declaration, &[generous]).unwrap();
    assert_eq!(vetoed.star, 0);
    assert_eq!(vetoed.vetoed_by[0].clause, veto.id);
    assert!(
        panel_score(&s, &Assessment::default(), &[]).is_err(),
        "no sheets yet"
    );
}
