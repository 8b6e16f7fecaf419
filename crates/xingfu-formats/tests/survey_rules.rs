//! The survey rules of the seeds, from residents' answers to clause points, on the questionnaires
//! and standards exactly as shipped: Weihai 2020 (each dimension >= 95%), Weihai 2022 (>= 90%),
//! Lucheng (300 subjective points), each at and around its boundaries; the round's quota; the
//! questionnaire file's line-numbered errors; and the properties of tallies and rates.

use proptest::prelude::*;
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::scoring::{Answer, Assessment, ClauseStatus, Scorecard, score};
use xingfu_core::standard::{Judge, SurveyScoring};
use xingfu_core::survey::questionnaire::QuestionKind;
use xingfu_core::survey::results::{WithheldReason, dimension_rate, survey_points};
use xingfu_core::survey::{
    Channel, CounterKey, Questionnaire, Quota, Rate, Response, Submission, SurveyFeed, Tally,
    check_submission, feed, report,
};
use xingfu_formats::FileProblem;
use xingfu_formats::questionnaire_file::{load_questionnaire, load_questionnaire_for};
use xingfu_formats::shipped::shipped as shipped_standard;
use xingfu_formats::shipped_questionnaires::{SHIPPED, for_standard, shipped};

fn standard(id: &str) -> Standard {
    shipped_standard(id).expect("shipped").expect("valid")
}

fn questionnaire(id: &str) -> Questionnaire {
    shipped(id).expect("shipped").expect("valid")
}

fn d(text: &str) -> Dec2 {
    Dec2::parse(text).unwrap()
}

/// The rated question of a dimension (every shipped questionnaire has exactly one).
fn question_of(q: &Questionnaire, dimension: &str) -> String {
    let mut found = q.rated_questions_in(dimension);
    let question = found.next().expect("a rated question").id.clone();
    assert!(found.next().is_none(), "one question per dimension");
    question
}

/// The standard's survey clause scored on a dimension.
fn clause_of(standard: &Standard, dimension: &str) -> String {
    standard
        .clauses()
        .find(|c| matches!(&c.judge, Judge::Survey { dimension: d, .. } if d == dimension))
        .expect("a survey clause")
        .id
        .clone()
}

fn submit(q: &Questionnaire, channel: Channel, answers: &[(String, &str)]) -> Submission {
    Submission {
        questionnaire: q.id.clone(),
        version: q.version.clone(),
        channel,
        answers: answers
            .iter()
            .map(|(question, option)| (question.clone(), Response::Choice(option.to_string())))
            .collect(),
    }
}

/// A community where `satisfied` of `counted` households are satisfied with `dimension` (the rest
/// dissatisfied), `dont_know` more answered 不了解 there, and every household is very satisfied
/// with every other dimension. Answers go through the real submission check.
fn community(
    q: &Questionnaire,
    dimension: &str,
    satisfied: usize,
    counted: usize,
    dont_know: usize,
) -> Tally {
    let target = question_of(q, dimension);
    let mut tally = Tally::for_questionnaire(q);
    for household in 0..counted + dont_know {
        let answers: Vec<(String, &str)> = q
            .questions
            .iter()
            .filter(|question| matches!(question.kind, QuestionKind::Rated { .. }))
            .map(|question| {
                let option = if question.id != target {
                    "very_satisfied"
                } else if household < satisfied {
                    // All three options that count as satisfied take part.
                    ["very_satisfied", "satisfied", "fairly_satisfied"][household % 3]
                } else if household < counted {
                    ["dissatisfied", "very_dissatisfied"][household % 2]
                } else {
                    "dont_know"
                };
                (question.id.clone(), option)
            })
            .collect();
        let channel = Channel::ALL[household % Channel::ALL.len()];
        let checked = check_submission(q, submit(q, channel, &answers)).expect("valid answers");
        tally.add(&checked).unwrap();
    }
    tally
}

fn card_of<'s>(standard: &'s Standard, fed: &SurveyFeed) -> Scorecard<'s> {
    score(standard, &fed.to_assessment()).expect("scoring accepts the survey's answers")
}

fn status(card: &Scorecard, clause: &str) -> ClauseStatus {
    card.categories
        .iter()
        .flat_map(|c| c.items.iter())
        .flat_map(|i| i.clauses.iter())
        .find(|c| c.id == clause)
        .expect("clause in scorecard")
        .status
}

fn earned(card: &Scorecard, clause: &str) -> Dec2 {
    card.categories
        .iter()
        .flat_map(|c| c.items.iter())
        .flat_map(|i| i.clauses.iter())
        .find(|c| c.id == clause)
        .expect("clause in scorecard")
        .earned
}

// ------------------------------------------------------------------ shipped files

#[test]
fn every_shipped_questionnaire_loads_and_covers_its_standard() {
    assert_eq!(SHIPPED.len(), 3);
    for entry in SHIPPED {
        let s = standard(entry.standard);
        let q = for_standard(&s)
            .expect("a questionnaire for the standard")
            .unwrap_or_else(|problems| panic!("{}: {problems:#?}", entry.id));
        assert_eq!(q.id, entry.id);
        assert_eq!(q.standard.as_deref(), Some(s.id.as_str()));
        // Same seed as the standard, and the choices written down for staff.
        assert_eq!(q.source.as_deref(), Some(s.source.as_str()));
        assert!(q.notes.len() >= 3, "{}", q.id);
        // The questionnaire's dimensions are exactly the standard's survey dimensions.
        let mut ours: Vec<&str> = q.dimensions.iter().map(|d| d.id.as_str()).collect();
        let mut theirs: Vec<&str> = s.survey_dimensions.iter().map(|d| d.id.as_str()).collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{}", q.id);
        // Every file carries its header comment citing the seed.
        assert!(entry.text.starts_with('#'), "{}", q.id);
        assert!(entry.text.contains(&s.source), "{}", q.id);
        assert!(entry.text.contains("编写"), "{}", q.id);
    }
}

#[test]
fn the_weihai_questionnaires_ask_the_seeds_five_dimensions_at_95_and_90_percent() {
    for (questionnaire_id, standard_id, threshold) in [
        ("weihai-2020", "weihai-lingang-2020", d("95")),
        ("weihai-2022", "weihai-jzxf-2022", d("90")),
    ] {
        let q = questionnaire(questionnaire_id);
        let s = standard(standard_id);
        let names: Vec<&str> = q.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "社区公共服务设施",
                "环境",
                "治安",
                "文体活动",
                "社区居委会服务水平"
            ]
        );
        for dimension in &q.dimensions {
            let clause = s.clause(&clause_of(&s, &dimension.id)).unwrap();
            assert_eq!(
                clause.judge,
                Judge::Survey {
                    dimension: dimension.id.clone(),
                    scoring: SurveyScoring::Threshold { threshold }
                },
                "{questionnaire_id}"
            );
        }
        // 非常满意、满意、基本满意 count as satisfied; 不了解 is outside the rate.
        let scale = &q.scales[0];
        let satisfied: Vec<&str> = scale
            .options
            .iter()
            .filter(|o| o.counts == xingfu_core::survey::Counts::Satisfied)
            .map(|o| o.label.as_str())
            .collect();
        assert_eq!(satisfied, ["非常满意", "满意", "基本满意"]);
    }
}

// ------------------------------------------------------------------ Weihai 2020: >= 95%

#[test]
fn weihai_2020_each_dimension_at_and_around_95_percent() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    // (satisfied, counted, met): 95% of n, exactly where it is whole, and the next count below.
    let cases = [
        (38, 40, true),
        (37, 40, false),
        (19, 20, true),
        (18, 20, false),
        (95, 100, true),
        (94, 100, false),
        // 95% of 41 is 38.95: 39 needed.
        (39, 41, true),
        (38, 41, false),
        // 95% of 39 is 37.05: 38 needed; 37 of 39 is 94.87%.
        (38, 39, true),
        (37, 39, false),
        (1, 1, true),
        (0, 1, false),
    ];
    for dimension in &q.dimensions {
        let clause = clause_of(&s, &dimension.id);
        for (satisfied, counted, met) in cases {
            let tally = community(&q, &dimension.id, satisfied, counted, 0);
            let fed = feed(&q, &tally, &s, None).unwrap();
            let card = card_of(&s, &fed);
            let expected = if met {
                ClauseStatus::Met
            } else {
                ClauseStatus::NotMet
            };
            assert_eq!(
                status(&card, &clause),
                expected,
                "{} {satisfied}/{counted}",
                dimension.id
            );
            // The report says the same, and how many satisfied the count needs.
            let report = report(&q, &tally, Some(&s), None).unwrap();
            let row = report
                .dimensions
                .iter()
                .find(|r| r.id == dimension.id)
                .unwrap();
            assert_eq!(row.clauses[0].met, Some(met));
            assert_eq!(
                row.clauses[0].satisfied_needed,
                Some((counted as u64 * 95).div_ceil(100))
            );
        }
    }
}

#[test]
fn weihai_2020_all_five_must_reach_95_for_all_five_points() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    let all_met = community(&q, "security", 38, 40, 0);
    let fed = feed(&q, &all_met, &s, None).unwrap();
    assert_eq!(survey_points(&s, &fed).unwrap(), Dec2::from_int(5));
    let one_short = community(&q, "security", 37, 40, 0);
    let fed = feed(&q, &one_short, &s, None).unwrap();
    assert_eq!(survey_points(&s, &fed).unwrap(), Dec2::from_int(4));
    let card = card_of(&s, &fed);
    assert_eq!(
        status(&card, &clause_of(&s, "security")),
        ClauseStatus::NotMet
    );
    assert_eq!(
        status(&card, &clause_of(&s, "environment")),
        ClauseStatus::Met
    );
}

#[test]
fn dont_know_answers_are_outside_the_95_percent() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    let clause = clause_of(&s, "facilities");
    // 40 households, 2 answered 不了解: 38 counted, 95% of 38 is 36.1, so 37 are needed.
    for (satisfied, met) in [(37, true), (36, false)] {
        let tally = community(&q, "facilities", satisfied, 38, 2);
        assert_eq!(tally.respondents(), 40);
        assert_eq!(tally.dimension_respondents("facilities"), 38);
        let (rate, not_counted) = dimension_rate(&q, &tally, "facilities");
        assert_eq!(
            (rate.satisfied, rate.counted, not_counted),
            (satisfied as u64, 38, 2)
        );
        let card = card_of(&s, &feed(&q, &tally, &s, None).unwrap());
        let expected = if met {
            ClauseStatus::Met
        } else {
            ClauseStatus::NotMet
        };
        assert_eq!(status(&card, &clause), expected, "{satisfied}/38");
    }
}

#[test]
fn the_rate_handed_to_scoring_is_truncated_so_it_never_crosses_95_by_rounding() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    // 1899 of 1999 is 94.9974…%: rounding would show 95.00 and pass; the rule is "not met".
    let tally = community(&q, "environment", 1899, 1999, 0);
    let fed = feed(&q, &tally, &s, None).unwrap();
    let clause = clause_of(&s, "environment");
    assert_eq!(fed.answers[&clause].number, Some(d("94.99")));
    assert_eq!(status(&card_of(&s, &fed), &clause), ClauseStatus::NotMet);
    let tally = community(&q, "environment", 1900, 2000, 0);
    let fed = feed(&q, &tally, &s, None).unwrap();
    assert_eq!(fed.answers[&clause].number, Some(d("95")));
    assert_eq!(status(&card_of(&s, &fed), &clause), ClauseStatus::Met);
}

// ------------------------------------------------------------------ Weihai 2022: >= 90%

#[test]
fn weihai_2022_each_dimension_at_and_around_90_percent() {
    let q = questionnaire("weihai-2022");
    let s = standard("weihai-jzxf-2022");
    let cases = [
        (36, 40, true),
        (35, 40, false),
        (27, 30, true),
        (26, 30, false),
        (9, 10, true),
        (8, 10, false),
        // 90% of 31 is 27.9: 28 needed; 27 of 31 is 87.09%.
        (28, 31, true),
        (27, 31, false),
        // 90% of 39 is 35.1: 36 needed.
        (36, 39, true),
        (35, 39, false),
    ];
    for dimension in &q.dimensions {
        let clause = clause_of(&s, &dimension.id);
        for (satisfied, counted, met) in cases {
            let tally = community(&q, &dimension.id, satisfied, counted, 0);
            let card = card_of(&s, &feed(&q, &tally, &s, None).unwrap());
            let expected = if met {
                ClauseStatus::Met
            } else {
                ClauseStatus::NotMet
            };
            assert_eq!(
                status(&card, &clause),
                expected,
                "{} {satisfied}/{counted}",
                dimension.id
            );
        }
    }
}

#[test]
fn a_rate_between_90_and_95_passes_2022_and_fails_2020() {
    // 37 of 40 = 92.5%.
    for (questionnaire_id, standard_id, met) in [
        ("weihai-2020", "weihai-lingang-2020", false),
        ("weihai-2022", "weihai-jzxf-2022", true),
    ] {
        let q = questionnaire(questionnaire_id);
        let s = standard(standard_id);
        let tally = community(&q, "committee_service", 37, 40, 0);
        let card = card_of(&s, &feed(&q, &tally, &s, None).unwrap());
        assert_eq!(
            status(&card, &clause_of(&s, "committee_service")) == ClauseStatus::Met,
            met,
            "{questionnaire_id}"
        );
    }
}

// ------------------------------------------------------------------ Lucheng: 300 points

#[test]
fn lucheng_all_satisfied_earns_the_whole_300_subjective_points() {
    let q = questionnaire("lucheng-2012");
    let s = standard("lucheng-2012");
    let tally = community(&q, "democracy", 40, 40, 0);
    let fed = feed(&q, &tally, &s, None).unwrap();
    assert_eq!(fed.answers.len(), 5);
    assert_eq!(survey_points(&s, &fed).unwrap(), Dec2::from_int(300));
}

#[test]
fn lucheng_points_are_60_times_each_senses_rate() {
    let q = questionnaire("lucheng-2012");
    let s = standard("lucheng-2012");
    // (satisfied, counted, points of that sense): 60 × rate / 100, rate truncated to 0.01%.
    let cases = [
        (38, 40, "57"),  // 95%
        (36, 40, "54"),  // 90%
        (0, 40, "0"),    // nobody satisfied
        (2, 3, "40"),    // 66.66% → 39.996 → 40.00
        (6, 7, "51.43"), // 85.71% → 51.426 → 51.43
        // 57.14% → 34.284 → 34.28 (the exact 60 × 4/7 = 34.2857… would give 34.29): points
        // follow the published rate, so anyone can recompute them from it.
        (4, 7, "34.28"),
    ];
    for dimension in &q.dimensions {
        let clause = clause_of(&s, &dimension.id);
        for (satisfied, counted, points) in cases {
            let tally = community(&q, &dimension.id, satisfied, counted, 0);
            let fed = feed(&q, &tally, &s, None).unwrap();
            let card = card_of(&s, &fed);
            assert_eq!(
                earned(&card, &clause),
                d(points),
                "{} {satisfied}/{counted}",
                dimension.id
            );
            // The other four senses are fully satisfied: 240 points.
            assert_eq!(
                survey_points(&s, &fed).unwrap(),
                Dec2::from_int(240) + d(points)
            );
        }
    }
}

/// Answers earning every objective point of Lucheng (700), veto items clear.
fn lucheng_objective_full_marks(s: &Standard) -> Assessment {
    let mut assessment = Assessment::default();
    for clause in s.clauses() {
        let answer = match &clause.judge {
            Judge::Survey { .. } => continue,
            _ if clause.veto => Answer::met(true),
            Judge::Met => Answer::met(true),
            Judge::Graded => Answer::number(clause.points),
            Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                Answer::number(match rule {
                    xingfu_core::standard::NumericRule::AtLeast { value }
                    | xingfu_core::standard::NumericRule::AtMost { value } => *value,
                    xingfu_core::standard::NumericRule::Linear { full_at, .. } => *full_at,
                })
            }
        };
        assessment.answers.insert(clause.id.clone(), answer);
    }
    assessment
}

#[test]
fn lucheng_survey_decides_the_900_point_five_star_line() {
    let q = questionnaire("lucheng-2012");
    let s = standard("lucheng-2012");
    // Every sense at 2 of 3 (66.66% → 40.00 points each): 700 + 200 = 900, five stars.
    let mut tally = Tally::for_questionnaire(&q);
    let questions: Vec<String> = q
        .dimensions
        .iter()
        .map(|d| question_of(&q, &d.id))
        .collect();
    for household in 0..3 {
        let option = if household < 2 {
            "satisfied"
        } else {
            "dissatisfied"
        };
        let answers: Vec<(String, &str)> =
            questions.iter().map(|qid| (qid.clone(), option)).collect();
        let checked = check_submission(&q, submit(&q, Channel::Phone, &answers)).unwrap();
        tally.add(&checked).unwrap();
    }
    let mut assessment = lucheng_objective_full_marks(&s);
    let fed = feed(&q, &tally, &s, None).unwrap();
    assert!(fed.apply_to(&mut assessment).is_empty());
    let card = score(&s, &assessment).unwrap();
    assert_eq!(card.total, Dec2::from_int(900));
    assert_eq!(card.star, 5);

    // One more household, dissatisfied throughout: 2 of 4 = 50% → 30 points each, 850: four stars.
    let answers: Vec<(String, &str)> = questions
        .iter()
        .map(|qid| (qid.clone(), "very_dissatisfied"))
        .collect();
    tally
        .add(&check_submission(&q, submit(&q, Channel::Paper, &answers)).unwrap())
        .unwrap();
    let mut assessment = lucheng_objective_full_marks(&s);
    feed(&q, &tally, &s, None)
        .unwrap()
        .apply_to(&mut assessment);
    let card = score(&s, &assessment).unwrap();
    assert_eq!(card.total, Dec2::from_int(850));
    assert_eq!(card.star, 4);
}

#[test]
fn a_survey_answer_replaces_an_assessors_figure_for_the_same_clause() {
    let q = questionnaire("lucheng-2012");
    let s = standard("lucheng-2012");
    let clause = clause_of(&s, "life");
    let mut assessment = Assessment::default();
    assessment
        .answers
        .insert(clause.clone(), Answer::number(d("100")));
    let tally = community(&q, "life", 38, 40, 0);
    let replaced = feed(&q, &tally, &s, None)
        .unwrap()
        .apply_to(&mut assessment);
    assert_eq!(replaced, std::slice::from_ref(&clause));
    assert_eq!(assessment.answers[&clause].number, Some(d("95")));
    let note = assessment.answers[&clause].note.as_deref().unwrap();
    assert!(note.contains("满意 38 / 有效回答 40"), "{note}");
}

// ------------------------------------------------------------------ quota

#[test]
fn a_dimension_below_the_rounds_quota_feeds_nothing() {
    let q = questionnaire("weihai-2022");
    let s = standard("weihai-jzxf-2022");
    let quota = Quota {
        min_respondents: 30,
    };
    let clause = clause_of(&s, "security");

    // 30 households, all counted: at quota, fed.
    let at_quota = community(&q, "security", 30, 30, 0);
    let fed = feed(&q, &at_quota, &s, Some(quota)).unwrap();
    assert!(fed.withheld.is_empty());
    assert_eq!(fed.answers.len(), 5);

    // 30 households, but one answered 不了解 on security: 29 counted there, one short.
    let short = community(&q, "security", 29, 29, 1);
    let fed = feed(&q, &short, &s, Some(quota)).unwrap();
    assert_eq!(fed.withheld.len(), 1);
    assert_eq!(fed.withheld[0].clause, clause);
    assert_eq!(
        fed.withheld[0].reason,
        WithheldReason::BelowQuota { have: 29, need: 30 }
    );
    assert_eq!(fed.answers.len(), 4);
    let card = card_of(&s, &fed);
    assert_eq!(status(&card, &clause), ClauseStatus::NotAssessed);

    let report = report(&q, &short, Some(&s), Some(quota)).unwrap();
    assert!(report.quota.unwrap().met, "30 respondents in all");
    let security = report
        .dimensions
        .iter()
        .find(|r| r.id == "security")
        .unwrap();
    assert_eq!(security.quota.unwrap().short, 1);
    assert_eq!(security.clauses[0].earned, None);
    assert_eq!(
        security.clauses[0].withheld,
        Some(WithheldReason::BelowQuota { have: 29, need: 30 })
    );
    // Without a quota the same answers are scored.
    assert!(feed(&q, &short, &s, None).unwrap().withheld.is_empty());
}

#[test]
fn a_dimension_nobody_rated_is_not_assessed_rather_than_zero() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    let tally = community(&q, "culture_sports", 0, 0, 12);
    let fed = feed(&q, &tally, &s, None).unwrap();
    assert_eq!(fed.withheld.len(), 1);
    assert_eq!(fed.withheld[0].reason, WithheldReason::NoCountedAnswers);
    let card = card_of(&s, &fed);
    assert_eq!(
        status(&card, &clause_of(&s, "culture_sports")),
        ClauseStatus::NotAssessed
    );
}

#[test]
fn the_report_counts_channels_and_pools_the_overall_rate() {
    let q = questionnaire("weihai-2020");
    let s = standard("weihai-lingang-2020");
    let tally = community(&q, "facilities", 30, 40, 4);
    let report = report(&q, &tally, Some(&s), None).unwrap();
    assert_eq!(report.respondents, 44);
    let by_channel: u64 = report.channels.iter().map(|c| c.count).sum();
    assert_eq!(by_channel, 44);
    assert_eq!(report.channels.len(), Channel::ALL.len());
    // Overall: 4 dimensions × 44 satisfied + 30 satisfied of 40 counted on facilities.
    assert_eq!(
        report.overall.rate(),
        Rate {
            satisfied: 4 * 44 + 30,
            counted: 4 * 44 + 40
        }
    );
    assert_eq!(report.overall.not_counted, 4);
    assert_eq!(report.survey_points, Some(Dec2::from_int(4)));
    let facilities = &report.questions[0];
    let total: u64 = facilities.options.iter().map(|o| o.count).sum();
    assert_eq!(total, 44);
    assert_eq!(report.questions[5].text_answers, Some(0));
}

#[test]
fn results_are_refused_for_another_standard_or_questionnaire_version() {
    let q = questionnaire("weihai-2020");
    let tally = community(&q, "security", 38, 40, 0);
    let lucheng = standard("lucheng-2012");
    let error = feed(&q, &tally, &lucheng, None).unwrap_err();
    assert_eq!(
        error,
        xingfu_core::survey::results::ReportError::WrongStandard {
            questionnaire: Some("weihai-lingang-2020".into()),
            standard: "lucheng-2012".into()
        }
    );
    assert!(error.zh().contains("lucheng-2012"));
    // A 2020 tally cannot be read with the 2022 questionnaire, nor merged into its tally.
    let q2022 = questionnaire("weihai-2022");
    assert!(report(&q2022, &tally, None, None).is_err());
    assert!(Tally::for_questionnaire(&q2022).merge(&tally).is_err());
}

// ------------------------------------------------------------------ file errors

const MINIMAL: &str = r#"[questionnaire]
id = "mini"
version = "1"
title = "小问卷"
standard = "weihai-lingang-2020"

[[scales]]
id = "yn"
options = [
  { id = "yes", label = "满意", counts = "satisfied" },
  { id = "no", label = "不满意", counts = "unsatisfied" },
]

[[dimensions]]
id = "security"
name = "治安"

[[questions]]
id = "Q1"
dimension = "security"
scale = "yn"
text = "您对治安满意吗?"
"#;

fn problems(text: &str) -> Vec<FileProblem> {
    load_questionnaire("mini.toml", text).expect_err("problems expected")
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in text"))
        + 1
}

#[test]
fn the_minimal_file_reads() {
    let q = load_questionnaire("mini.toml", MINIMAL).unwrap();
    assert_eq!(q.questions.len(), 1);
    assert!(q.questions[0].required);
}

#[test]
fn a_syntax_error_names_its_line() {
    let text = MINIMAL.replace("name = \"治安\"", "name = \"治安");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, Some(line_of(&text, "name = \"治安")));
    assert!(found[0].zh.starts_with("无法读取"));
}

#[test]
fn every_unknown_field_is_reported_on_its_line() {
    let text = MINIMAL
        .replace("title = \"小问卷\"", "title = \"小问卷\"\ntitel_en = \"x\"")
        .replace("scale = \"yn\"", "scale = \"yn\"\nrequred = false");
    let found = problems(&text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].line, Some(line_of(&text, "titel_en")));
    assert!(found[0].en.contains("questionnaire.titel_en"));
    assert_eq!(found[1].line, Some(line_of(&text, "requred")));
    assert!(found[1].en.contains("questions[0].requred"));
}

#[test]
fn a_bad_counts_value_names_its_option_and_line() {
    let text = MINIMAL.replace("counts = \"unsatisfied\"", "counts = \"unhappy\"");
    let found = problems(&text);
    // The bad value, and the scale left without an unsatisfied option.
    assert!(found.iter().any(|p| p.id.as_deref() == Some("yn/no")
        && p.line == Some(line_of(&text, "unhappy"))
        && p.en.contains("\"unhappy\"")));
}

#[test]
fn a_duplicate_question_is_reported_where_it_repeats() {
    let text = format!(
        "{MINIMAL}\n[[questions]]\nid = \"Q1\"\ndimension = \"security\"\nscale = \"yn\"\ntext = \"又一题\"\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_deref(), Some("Q1"));
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "id = \"Q1\"")
        .map(|(i, _)| i + 1)
        .nth(1)
        .unwrap();
    assert_eq!(found[0].line, Some(second));
    assert!(found[0].zh.contains("重复"));
}

#[test]
fn references_and_kinds_are_checked_on_their_lines() {
    let text = MINIMAL.replace("dimension = \"security\"", "dimension = \"safety\"");
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.line == Some(line_of(&text, "\"safety\""))
                && p.en.contains("dimension \"safety\", which is not defined"))
    );
    // security now has no question.
    assert!(found.iter().any(|p| p.id.as_deref() == Some("security")
        && p.line == Some(line_of(&text, "id = \"security\""))));

    let text = MINIMAL.replace("scale = \"yn\"", "kind = \"text\"\nscale = \"yn\"");
    let found = problems(&text);
    assert!(found.iter().any(
        |p| p.line == Some(line_of(&text, "scale = \"yn\"")) && p.en.contains("takes no scale")
    ));

    let text = MINIMAL.replace("scale = \"yn\"\n", "");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].zh.contains("评价题须写 scale"));
    assert_eq!(found[0].line, Some(line_of(&text, "id = \"Q1\"")));

    let text = MINIMAL.replace("scale = \"yn\"", "kind = \"choice\"");
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.line == Some(line_of(&text, "kind = \"choice\"")))
    );
}

#[test]
fn a_questionnaire_must_ask_every_dimension_its_standard_scores() {
    let s = standard("weihai-lingang-2020");
    // The minimal file asks only security: the other four of the seed's five are missing.
    let found = load_questionnaire_for("mini.toml", MINIMAL, &s).unwrap_err();
    assert_eq!(found.len(), 4);
    for p in &found {
        assert_eq!(p.line, Some(line_of(MINIMAL, "standard =")));
        assert!(p.zh.contains("问卷没有该维度的评价题"), "{}", p.zh);
    }
    // And must name the standard it feeds.
    let other = standard("lucheng-2012");
    let found = load_questionnaire_for("mini.toml", MINIMAL, &other).unwrap_err();
    assert!(found.iter().any(|p| p.en.contains("not \"lucheng-2012\"")));
    // A shipped file without one of its questions is caught the same way.
    let entry = SHIPPED.iter().find(|e| e.id == "weihai-2020").unwrap();
    let without_security = entry.text.replace("dimension = \"security\"\n", "");
    let found = load_questionnaire_for("weihai-2020.toml", &without_security, &s).unwrap_err();
    assert!(found.iter().any(|p| p.en.contains("clause MY1.3")));
}

// ------------------------------------------------------------------ properties

fn option_ids(q: &Questionnaire) -> Vec<String> {
    q.scales[0].options.iter().map(|o| o.id.clone()).collect()
}

/// A random valid submission to the weihai-2020 questionnaire: each rated question gets one of
/// the six options.
fn any_submission() -> impl Strategy<Value = (Vec<usize>, usize)> {
    (
        prop::collection::vec(0usize..6, 5),
        0usize..Channel::ALL.len(),
    )
}

fn tally_of(q: &Questionnaire, rows: &[(Vec<usize>, usize)]) -> Tally {
    let options = option_ids(q);
    let questions: Vec<String> = q.dimensions.iter().map(|d| question_of(q, &d.id)).collect();
    let mut tally = Tally::for_questionnaire(q);
    for (choices, channel) in rows {
        let answers: Vec<(String, &str)> = questions
            .iter()
            .zip(choices)
            .map(|(qid, choice)| (qid.clone(), options[*choice].as_str()))
            .collect();
        let checked = check_submission(q, submit(q, Channel::ALL[*channel], &answers)).unwrap();
        tally.add(&checked).unwrap();
    }
    tally
}

fn merged(a: &Tally, b: &Tally) -> Tally {
    let mut out = a.clone();
    out.merge(b).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merging_tallies_is_associative_commutative_and_adds_up(
        a in prop::collection::vec(any_submission(), 0..12),
        b in prop::collection::vec(any_submission(), 0..12),
        c in prop::collection::vec(any_submission(), 0..12),
    ) {
        let q = questionnaire("weihai-2020");
        let (ta, tb, tc) = (tally_of(&q, &a), tally_of(&q, &b), tally_of(&q, &c));
        prop_assert_eq!(merged(&ta, &tb), merged(&tb, &ta));
        prop_assert_eq!(merged(&merged(&ta, &tb), &tc), merged(&ta, &merged(&tb, &tc)));
        prop_assert_eq!(merged(&ta, &Tally::for_questionnaire(&q)), ta.clone());
        // Communities merged into a street equal one tally of all their answers.
        let all: Vec<_> = a.iter().chain(&b).chain(&c).cloned().collect();
        prop_assert_eq!(merged(&merged(&ta, &tb), &tc), tally_of(&q, &all));
    }

    #[test]
    fn a_satisfied_answer_never_lowers_a_rate_and_an_unsatisfied_never_raises_it(
        rows in prop::collection::vec(any_submission(), 0..30),
        extra_dimension in 0usize..5,
        extra_option in 0usize..6,
    ) {
        let q = questionnaire("weihai-2020");
        let before = tally_of(&q, &rows);
        // One more household: `extra_option` on one dimension, 不了解 on the others.
        let mut choices = vec![5usize; 5];
        choices[extra_dimension] = extra_option;
        let mut more = rows.clone();
        more.push((choices, 0));
        let after = tally_of(&q, &more);
        let dimension = &q.dimensions[extra_dimension].id;
        let counts = q.scales[0].options[extra_option].counts;
        let (old, _) = dimension_rate(&q, &before, dimension);
        let (new, _) = dimension_rate(&q, &after, dimension);
        let overall = |t: &Tally| report(&q, t, None, None).unwrap().overall.rate();
        for (old, new) in [(old, new), (overall(&before), overall(&after))] {
            // Compare satisfied/counted exactly: new ≥ old ⟺ new.s × old.c ≥ old.s × new.c.
            let cross = |x: Rate, y: Rate| x.satisfied as u128 * y.counted as u128;
            match counts {
                xingfu_core::survey::Counts::Satisfied => {
                    prop_assert!(old.counted == 0 || cross(new, old) >= cross(old, new));
                    prop_assert!(new.percent() >= old.percent());
                }
                xingfu_core::survey::Counts::Unsatisfied => {
                    prop_assert!(old.counted == 0 || cross(new, old) <= cross(old, new));
                }
                xingfu_core::survey::Counts::NotCounted => prop_assert_eq!(new, old),
            }
        }
    }

    #[test]
    fn scoring_meets_the_threshold_exactly_when_the_integers_do(
        counted in 1u64..3000,
        satisfied_share in 0u64..=1000,
        threshold in 0i64..=10_000,
    ) {
        let satisfied = counted * satisfied_share / 1000;
        let threshold = Dec2(threshold);
        let rate = Rate::new(satisfied, counted).unwrap();
        // The truncated rate handed to scoring agrees with the exact comparison.
        prop_assert_eq!(rate.percent().unwrap() >= threshold, rate.meets(threshold));
        // And satisfied_needed is the boundary.
        let needed = Rate::satisfied_needed(counted, threshold);
        prop_assert!(Rate::new(needed, counted).unwrap().meets(threshold));
        if needed > 0 {
            prop_assert!(!Rate::new(needed - 1, counted).unwrap().meets(threshold));
        }
    }

    #[test]
    fn the_wilson_interval_holds_the_rate_and_stays_within_0_and_100(
        counted in 1u64..100_000,
        satisfied_share in 0u64..=1000,
    ) {
        let satisfied = counted * satisfied_share / 1000;
        let rate = Rate::new(satisfied, counted).unwrap();
        let interval = rate.wilson().unwrap();
        let p = satisfied as f64 / counted as f64 * 100.0;
        prop_assert!(interval.low >= 0.0 && interval.high <= 100.0);
        prop_assert!(interval.low <= p + 1e-9 && p <= interval.high + 1e-9);
        // Four times the sample, a narrower interval.
        let bigger = Rate::new(satisfied * 4, counted * 4).unwrap().wilson().unwrap();
        prop_assert!(bigger.high - bigger.low <= interval.high - interval.low + 1e-9);
    }

    #[test]
    fn stored_counters_rebuild_the_same_tally(
        rows in prop::collection::vec(any_submission(), 0..20),
    ) {
        let q = questionnaire("weihai-2020");
        let tally = tally_of(&q, &rows);
        let rebuilt = Tally::from_counters(
            &q.id,
            &q.version,
            tally
                .counters()
                .map(|(key, count)| (key.to_string().parse::<CounterKey>().unwrap(), count)),
        );
        prop_assert_eq!(rebuilt, tally);
    }
}
