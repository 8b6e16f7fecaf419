//! What the city, a district and a street see, drilling down, and the page, API and Excel
//! agreeing.

use super::*;

const CITY: &str = "330300000000";

fn by_star(unit: &Value) -> Vec<u64> {
    unit["stars"]["by_star"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

async fn the_city_sees_lucheng_with_the_right_counts(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let page = demo.page("/overview", &admin).await;
    assert!(page.contains("温州市"), "{page}");
    assert!(page.contains(&format!("href=\"/overview?region={LUCHENG}&year=2013\"")));
    let expected = demo.distribution("330302").await;
    assert!(expected.rated() > 0 && expected.refused > 0, "{expected:?}");
    let api = demo.api("/api/v1/overview", &admin).await;
    assert_eq!(api["region_code"], CITY);
    assert_eq!(api["year"], 2013);
    let lucheng = unit(&api, LUCHENG);
    assert_eq!(lucheng["declared"], expected.declared() as u64);
    assert_eq!(lucheng["rated"], expected.rated() as u64);
    assert_eq!(lucheng["stars"]["refused"], expected.refused as u64);
    assert_eq!(
        by_star(lucheng),
        expected.by_star.map(|n| n as u64).to_vec()
    );
    // The page's row holds the same counts: declared, rated, no star … 5★, refused, pending.
    let cells = row_numbers(&page, "star-table", &format!("data-code=\"{LUCHENG}\""));
    let mut want: Vec<String> = vec![
        expected.declared().to_string(),
        expected.rated().to_string(),
    ];
    want.extend(expected.by_star.iter().map(|n| n.to_string()));
    want.push(expected.refused.to_string());
    want.push(expected.pending.to_string());
    assert_eq!(&cells[..want.len()], &want[..]);
    // Another district of the city has no round: shown with nothing declared.
    assert_eq!(unit(&api, "330303000000")["declared"], 0);
    // The page says where its figures come from and what behind target means.
    assert!(page.contains("数据来源与口径"));
    assert!(page.contains("落后于目标"));
}
on_both!(the_city_sees_lucheng_with_the_right_counts);

async fn drilling_down_reaches_wuma_and_its_communities(demo: &Demo) {
    let admin = demo.sign_in("admin").await;
    let district = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    assert!(district.contains(&format!("href=\"/overview?region={WUMA}&year=2013\"")));
    assert!(district.contains(&format!("href=\"/overview?region={CITY}&year=2013\"")));
    let street = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    let round = demo.round_2013().await;
    let entries = demo
        .state
        .store
        .entries_in_area(&round, "330302006")
        .await
        .unwrap();
    assert!(entries.len() > 5);
    for entry in &entries {
        assert!(
            street.contains(&entry.community_name),
            "{}",
            entry.community_name
        );
        assert!(street.contains(&format!(
            "href=\"/rounds/{round}/communities/{}\"",
            entry.community_code
        )));
    }
    // A community has no units below it.
    let (status, _) = demo
        .get(
            &format!("/overview?region={}", entries[0].community_code),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both!(drilling_down_reaches_wuma_and_its_communities);

async fn a_street_sees_only_its_own_area(demo: &Demo) {
    let wuma = demo.sign_in("wuma").await;
    let own = demo.api("/api/v1/overview", &wuma).await;
    assert_eq!(own["region_code"], WUMA);
    assert_eq!(own["parent"], Value::Null);
    for path in [
        format!("/overview?region={SONGTAI}"),
        format!("/api/v1/overview?region={SONGTAI}"),
        format!("/overview?region={LUCHENG}"),
    ] {
        let (status, _) = demo.get(&path, &wuma).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Community workers and residents have no overview.
    let gulou = demo.sign_in("gulou").await;
    let (status, _) = demo.get("/overview", &gulou).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Administrators find it in the navigation; others do not.
    assert!(
        demo.page("/rounds", &wuma)
            .await
            .contains("href=\"/overview\"")
    );
    assert!(
        !demo
            .page("/rounds", &gulou)
            .await
            .contains("href=\"/overview\"")
    );
}
on_both!(a_street_sees_only_its_own_area);

async fn page_api_and_excel_agree_on_wuma(demo: &Demo) {
    let district = demo.sign_in("lucheng").await;
    let round = demo.round_2013().await;
    let expected = demo.distribution("330302006").await;
    // The refused community is declared, not rated.
    assert!(expected.refused >= 1, "{expected:?}");
    // The API.
    let api = demo
        .api(
            &format!("/api/v1/overview?region={LUCHENG}&year=2013"),
            &district,
        )
        .await;
    let wuma = unit(&api, WUMA);
    let rated = wuma["rated"].as_u64().unwrap();
    assert_eq!(rated, expected.rated() as u64);
    let stars = by_star(wuma);
    let five_percent = wuma["targets"][0]["percent"].as_f64().unwrap();
    assert_eq!(wuma["targets"][0]["min_stars"], 5);
    let shown = format!("{:.2}%", five_percent);
    // The overview page.
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &district)
        .await;
    let cells = row_numbers(&page, "star-table", &format!("data-code=\"{WUMA}\""));
    assert_eq!(cells[1], rated.to_string());
    let page_stars: Vec<u64> = cells[2..8].iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(page_stars, stars);
    let targets = common::between(&page, "id=\"target-table\"", "</table>");
    let row = common::between(targets, "五马街道", "</tr>");
    assert!(row.contains(&shown), "{shown} in {row}");
    // The rewards page.
    let rewards = demo
        .page(&format!("/rounds/{round}/rewards"), &district)
        .await;
    let cells = row_numbers(&rewards, "stars", "<th scope=\"row\">五马街道</th>");
    assert_eq!(cells[0], rated.to_string(), "{cells:?}");
    let reward_stars: Vec<u64> = cells[1..7].iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(reward_stars, stars);
    assert_eq!(cells[7], expected.refused.to_string());
    let targets = common::between(&rewards, "id=\"targets\"", "</table>");
    let row = common::between(targets, "五马街道", "</tr>");
    assert!(row.contains(&shown), "{shown} in {row}");
    // The Excel export: the streets' sheet.
    let (status, bytes) = demo
        .get(&format!("/rounds/{round}/export.xlsx"), &district)
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("街道进度").unwrap();
    let row = sheet
        .rows()
        .find(|r| r[0] == Data::String(WUMA.to_string()))
        .expect("五马街道 in the streets' sheet");
    let number = |cell: &Data| match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("{other:?}"),
    };
    assert_eq!(number(&row[2]) as u64, rated);
    let excel_stars: Vec<u64> = row[3..9].iter().map(|c| number(c) as u64).collect();
    assert_eq!(excel_stars, stars);
    assert_eq!(number(&row[10]), five_percent);
    // The page says how it counts.
    assert!(page.contains("id=\"denominator-note\""));
    assert!(rewards.contains("id=\"denominator-note\""));
}
on_both!(page_api_and_excel_agree_on_wuma);
