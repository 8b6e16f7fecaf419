//! Each unit's figures: survey returns and satisfaction, re-review and rewards, attention,
//! visits and volunteer hours.

use super::*;

const DAY: i64 = 86_400_000;

async fn survey_returns_and_satisfaction_add_up_per_unit(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let round = demo.round_2013().await;
    let api = demo.overview(LUCHENG, 2013, &admin).await;
    // Returns per street, from the store's per-community counts.
    let mut by_street: BTreeMap<String, u64> = BTreeMap::new();
    for (community, n) in demo
        .state
        .store
        .survey_respondents_by_community(&round, "330302")
        .await
        .unwrap()
    {
        *by_street
            .entry(format!("{}000", &community[..9]))
            .or_default() += n as u64;
    }
    assert!(!by_street.is_empty());
    assert_eq!(
        api["total"]["survey"]["respondents"],
        by_street.values().sum::<u64>()
    );
    for (street, n) in &by_street {
        assert_eq!(unit(&api, street)["survey"]["respondents"], *n, "{street}");
    }
    // Satisfaction per dimension as the survey's own area tally gives it for 五马街道.
    let survey = xingfu_server::surveys::service::cached_round_survey(&demo.state, &round)
        .await
        .unwrap()
        .unwrap();
    let q = &survey.questionnaire;
    let tally = xingfu_server::surveys::results::tally_of(
        q,
        demo.state
            .store
            .survey_tally(&round, "330302006")
            .await
            .unwrap(),
    );
    let wuma = unit(&api, WUMA);
    assert_eq!(
        wuma["survey"]["respondents"].as_u64().unwrap(),
        tally.respondents()
    );
    assert!(tally.respondents() > 0);
    let dims = wuma["survey"]["dimensions"].as_array().unwrap();
    assert_eq!(dims.len(), q.dimensions.len());
    let (mut all_satisfied, mut all_counted) = (0, 0);
    for (d, figures) in q.dimensions.iter().zip(dims) {
        let (rate, _) = xingfu_core::survey::results::dimension_rate(q, &tally, &d.id);
        assert_eq!(figures["id"], d.id.as_str());
        assert_eq!(figures["satisfied"], rate.satisfied);
        assert_eq!(figures["counted"], rate.counted);
        let want = xingfu_core::decimal::percent_half_up(rate.satisfied, rate.counted);
        assert_eq!(
            figures["rate"].as_f64().unwrap(),
            want.hundredths() as f64 / 100.0
        );
        all_satisfied += rate.satisfied;
        all_counted += rate.counted;
    }
    assert_eq!(wuma["survey"]["satisfied"], all_satisfied);
    assert_eq!(wuma["survey"]["counted"], all_counted);
    // The page's row has the same numbers: returns, overall, each dimension.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    let row = cells(&page, "survey-table", &format!("data-code=\"{WUMA}\""));
    let mut want = vec![
        wuma["survey"]["respondents"].to_string(),
        percent(&wuma["survey"]["rate"]),
    ];
    want.extend(dims.iter().map(|d| percent(&d["rate"])));
    assert_eq!(row, want);
    for d in &q.dimensions {
        assert!(page.contains(&format!(">{}</th>", d.name)), "{}", d.name);
    }
    // Ranked by overall satisfaction, those without a counted answer last.
    let order: Vec<&str> = api["by_satisfaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let rates: Vec<f64> = order
        .iter()
        .map(|c| unit(&api, c)["survey"]["rate"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    assert!(page.contains("id=\"rank-satisfaction\""));
}
on_both!(survey_returns_and_satisfaction_add_up_per_unit);

async fn re_review_and_rewards_agree_with_the_round(demo: &Demo) {
    let district = demo.sign_in("lucheng").await;
    let round = demo.round_2013().await;
    let api = demo.overview(LUCHENG, 2013, &district).await;
    // Re-review: the decisions kept with 五马街道's rated entries.
    let entries = demo
        .state
        .store
        .entries_in_area(&round, "330302006")
        .await
        .unwrap();
    let mut want: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &entries {
        if let Standing::Rated(star) = standing(e) {
            let decision = e.decision.clone().unwrap_or_else(|| {
                xingfu_core::round::Decision::of(e.previous_star as u8, star)
                    .key()
                    .to_string()
            });
            let key = match decision.as_str() {
                "keep" => "kept",
                "upgrade" => "raised",
                "downgrade" => "lowered",
                "revoke" => "lost",
                "new" => "new",
                _ => continue,
            };
            *want.entry(key).or_default() += 1;
        }
    }
    let wuma = unit(&api, WUMA);
    for key in ["kept", "raised", "lowered", "lost", "new"] {
        assert_eq!(
            wuma["re_review"][key].as_u64().unwrap(),
            want.get(key).copied().unwrap_or(0),
            "{key}"
        );
    }
    let reviewed: u64 = ["kept", "raised", "lowered", "lost"]
        .iter()
        .map(|k| want.get(k).copied().unwrap_or(0))
        .sum();
    assert!(reviewed > 0, "{want:?}");
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &district)
        .await;
    let row = cells(&page, "re-review-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(row[0], reviewed.to_string());
    assert_eq!(row[5], percent(&wuma["re_review_held_rate"]));
    // Rewards owed per level: the round's rewards page has the same amounts for 五马街道.
    let levels = api["reward_levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3, "{levels:?}"); // city, district, street
    let rewards = demo
        .page(&format!("/rounds/{round}/rewards"), &district)
        .await;
    let budget = common::between(&rewards, "id=\"budget\"", "</table>");
    let line = common::between(budget, "<th scope=\"row\">五马街道</th>", "</tr>");
    let from_rewards: Vec<String> = line
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect();
    let row = cells(&page, "owed-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(row, from_rewards);
    let owed: i64 = wuma["owed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(wuma["owed_total_fen"].as_i64().unwrap(), owed);
    assert!(owed > 0);
    assert_eq!(row.last().unwrap(), &xingfu_core::Fen(owed).to_string());
}
on_both!(re_review_and_rewards_agree_with_the_round);

async fn attention_visits_and_volunteer_hours_count_the_year(demo: &Demo) {
    let store = &demo.state.store;
    let mid = NEW_YEAR_2013 + 100 * DAY;
    let household = |community: &'static str, address: &'static str| async move {
        store
            .create_household(
                &xingfu_store::visits::NewHousehold {
                    community_code: community,
                    grid_id: None,
                    building: None,
                    address,
                    contact_name: None,
                    phone: None,
                },
                by(NEW_YEAR_2013 - 400 * DAY),
            )
            .await
            .unwrap()
    };
    let visit = |household: String, at: i64| async move {
        store
            .record_visit(
                &xingfu_store::visits::NewVisit {
                    household_id: &household,
                    visitor_id: "admin",
                    visited_at: at,
                    purpose: "care",
                    notes: "",
                    follow_ups: Vec::new(),
                },
                at,
            )
            .await
            .unwrap();
    };
    // 鼓楼社区: three on lists in 2013, two visited in it (one twice, one the year before);
    // a fourth removed before 2013 and visited is not counted.
    let a = household(GULOU, "1号").await;
    let b = household(GULOU, "2号").await;
    let c = household(GULOU, "3号").await;
    let gone = household(GULOU, "4号").await;
    for h in [&a, &b, &c, &gone] {
        store
            .add_attention(
                h,
                "张老伯",
                "elderly_alone",
                None,
                by(NEW_YEAR_2013 - 300 * DAY),
            )
            .await
            .unwrap();
    }
    // Two lists for one household count it once.
    store
        .add_attention(
            &a,
            "张老伯",
            "disabled",
            None,
            by(NEW_YEAR_2013 - 300 * DAY),
        )
        .await
        .unwrap();
    let gone_entry = store.attention_of(&gone.id).await.unwrap().remove(0);
    store
        .remove_attention(&gone_entry.id, by(NEW_YEAR_2013 - 10 * DAY))
        .await
        .unwrap();
    visit(a.id.clone(), mid).await;
    visit(a.id.clone(), mid + DAY).await;
    visit(b.id.clone(), mid).await;
    visit(c.id.clone(), NEW_YEAR_2013 - DAY).await;
    visit(gone.id.clone(), mid).await;
    // 墨池社区: one on a list, added after the year: not counted.
    let late = household(MOCHI, "5号").await;
    store
        .add_attention(
            &late,
            "李阿姨",
            "low_income",
            None,
            by(NEW_YEAR_2013 + 400 * DAY),
        )
        .await
        .unwrap();
    // Volunteering in 墨池社区: 90 + 241 minutes at a held activity, 60 at one in 2012, and a
    // cancelled one: 1 activity, 331 minutes, 5.52 hours.
    let volunteer = |name: &'static str| async move {
        store
            .create_volunteer(
                &xingfu_store::volunteers::NewVolunteer {
                    community_code: MOCHI,
                    name,
                    team_id: None,
                    user_id: None,
                    phone: None,
                },
                NEW_YEAR_2013 - 400 * DAY,
            )
            .await
            .unwrap()
            .id
    };
    let (v1, v2) = (volunteer("志愿者甲").await, volunteer("志愿者乙").await);
    let activity = |starts_at: i64| async move {
        store
            .create_activity(
                &xingfu_store::volunteers::NewActivity {
                    community_code: MOCHI,
                    title: "义诊",
                    activity_type: "health",
                    station_id: None,
                    team_id: None,
                    starts_at,
                    ends_at: starts_at + 3 * 3_600_000,
                },
                by(starts_at - DAY),
            )
            .await
            .unwrap()
            .id
    };
    let held = activity(mid).await;
    let cancelled = activity(mid + DAY).await;
    let last_year = activity(NEW_YEAR_2013 - 30 * DAY).await;
    for (activity, volunteer, minutes) in
        [(&held, &v1, 90), (&held, &v2, 241), (&last_year, &v1, 60)]
    {
        store.sign_in(activity, volunteer, by(mid)).await.unwrap();
        store
            .sign_out(activity, volunteer, minutes, None, by(mid + 3_600_000))
            .await
            .unwrap();
    }
    assert!(store.cancel_activity(&cancelled).await.unwrap());

    let admin = demo.sign_in("admin").await;
    let street = demo.overview(WUMA, 2013, &admin).await;
    let gulou = unit(&street, GULOU);
    assert_eq!(gulou["attention"]["households"], 3);
    assert_eq!(gulou["attention"]["visited"], 2);
    assert_eq!(gulou["attention"]["rate"].as_f64(), Some(66.67));
    let mochi = unit(&street, MOCHI);
    assert_eq!(mochi["attention"]["households"], 0);
    assert_eq!(mochi["attention"]["rate"], Value::Null);
    assert_eq!(mochi["volunteering"]["activities"], 1);
    assert_eq!(mochi["volunteering"]["minutes"], 331);
    assert_eq!(mochi["volunteering"]["hours"].as_f64(), Some(5.52));
    assert_eq!(street["total"]["attention"]["households"], 3);
    assert_eq!(street["total"]["volunteering"]["minutes"], 331);
    // The district sees the same for 五马街道, and 2012 sees only the 2012 activity.
    let district = demo.overview(LUCHENG, 2013, &admin).await;
    let wuma = unit(&district, WUMA);
    assert_eq!(
        (
            wuma["attention"]["households"].as_i64(),
            wuma["attention"]["visited"].as_i64(),
            wuma["volunteering"]["minutes"].as_i64()
        ),
        (Some(3), Some(2), Some(331))
    );
    let before = demo.overview(LUCHENG, 2012, &admin).await;
    assert_eq!(unit(&before, WUMA)["volunteering"]["minutes"], 60);
    assert_eq!(unit(&before, WUMA)["attention"]["visited"], 1);
    // The page: households, visited, coverage, activities, hours; and the ranking.
    let page = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    assert_eq!(
        cells(&page, "care-table", &format!("data-code=\"{GULOU}\"")),
        ["3", "2", "66.67%", "0", "0.00"]
    );
    assert_eq!(
        cells(&page, "care-table", &format!("data-code=\"{MOCHI}\"")),
        ["0", "0", "\u{2014}", "1", "5.52"]
    );
    assert_eq!(street["by_visit_coverage"][0], GULOU);
}
on_both!(attention_visits_and_volunteer_hours_count_the_year);
