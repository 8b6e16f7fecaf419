//! The rankings and the rule they follow.

use super::*;

async fn the_rankings_follow_their_rule(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let api = demo
        .api(
            &format!("/api/v1/overview?region={LUCHENG}&year=2013"),
            &admin,
        )
        .await;
    let units = api["units"].as_array().unwrap();
    let average = |u: &Value| u["average_star"].as_f64();
    // By average star: never rising down the list.
    let order: Vec<&Value> = api["by_average_star"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| unit(&api, c.as_str().unwrap()))
        .collect();
    assert_eq!(order.len(), units.len());
    for pair in order.windows(2) {
        assert!(average(pair[0]).unwrap_or(-1.0) >= average(pair[1]).unwrap_or(-1.0));
    }
    // 通报表扬: the first units of that order with enough rated, at most COMMEND_TOP.
    let expected: Vec<&Value> = order
        .iter()
        .filter(|u| u["rated"].as_u64().unwrap() >= COMMEND_MIN_RATED as u64)
        .take(COMMEND_TOP)
        .map(|u| &u["code"])
        .collect();
    let commended: Vec<&Value> = api["commended"].as_array().unwrap().iter().collect();
    assert_eq!(commended, expected);
    assert!(!commended.is_empty());
    // 约谈提醒: exactly the units with a target unmet (some rated) or a slow on-time rate.
    let mut behind = BTreeMap::new();
    for u in units {
        let target_unmet = u["rated"].as_u64().unwrap() > 0
            && u["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["met"] == false);
        let events = &u["events"];
        let slow = events["closed"].as_u64().unwrap() > 0
            && (events["on_time"].as_u64().unwrap() as f64)
                < 0.9 * events["closed"].as_u64().unwrap() as f64;
        if target_unmet || slow {
            behind.insert(u["code"].as_str().unwrap().to_string(), u["name"].clone());
        }
    }
    let reminded: BTreeMap<String, Value> = api["reminded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["reasons"].as_array().unwrap().is_empty());
            (r["code"].as_str().unwrap().to_string(), r["name"].clone())
        })
        .collect();
    assert_eq!(reminded, behind);
    assert!(!reminded.is_empty());
    // The page shows both lists with their rules, names not codes.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    let list = common::between(&page, "id=\"commended-list\"", "</ol>");
    for code in &commended {
        let name = unit(&api, code.as_str().unwrap())["name"].as_str().unwrap();
        assert!(list.contains(name), "{name}");
    }
    let list = common::between(&page, "id=\"reminded-list\"", "</ul>\n");
    for name in behind.values() {
        assert!(list.contains(name.as_str().unwrap()));
    }
    assert!(page.contains(&format!("前{COMMEND_TOP}名")));
    // The street is judged on the rated, not the declared.
    let wuma = unit(&api, WUMA);
    let d = demo.distribution("330302006").await;
    assert_eq!(wuma["targets"][0]["of"].as_u64().unwrap(), d.rated() as u64);
    assert!(d.declared() > d.rated());
    assert_eq!(
        StarDistribution::of([Standing::Refused]).rated(),
        0,
        "a refused community is never rated"
    );
}
on_both!(the_rankings_follow_their_rule);
