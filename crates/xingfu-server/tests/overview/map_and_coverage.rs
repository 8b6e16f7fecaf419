//! Fifteen-minute coverage weighted by homes, and the map of units linking to their drill-down.

use super::*;

const BAXIANLOU: &str = "330302006071";

async fn save_wuma_circle(demo: &Demo) {
    let store = &demo.state.store;
    let row = |area: &str, covered: i64, total: i64| xingfu_store::facilities::CoverageRow {
        area_code: area.to_string(),
        function: "all_six".to_string(),
        covered,
        total,
        share: covered * 10_000 / total.max(1),
        computed_at: NEW_YEAR_2013,
    };
    store
        .save_circle_run(
            &xingfu_store::facilities::CircleRun {
                district_code: LUCHENG.to_string(),
                computed_at: NEW_YEAR_2013,
                computed_by: "admin".to_string(),
                network: "test".to_string(),
                minutes: 15,
                speed_m_per_h: 4_500,
                scope: "communities".to_string(),
                summary_json: "{}".to_string(),
            },
            &[
                row(GULOU, 30, 40),
                row(MOCHI, 10, 60),
                // The district's own row is not a community's.
                row(LUCHENG, 1, 1_000),
                // Another function is not all six.
                xingfu_store::facilities::CoverageRow {
                    function: "medical".to_string(),
                    ..row(BAXIANLOU, 5, 5)
                },
            ],
            &[],
        )
        .await
        .unwrap();
}

async fn fifteen_minute_coverage_is_weighted_by_homes(demo: &Demo) {
    save_wuma_circle(demo).await;
    let admin = demo.sign_in("admin").await;
    let district = demo.overview(LUCHENG, 2013, &admin).await;
    // (30 + 10) of (40 + 60) homes: 40.00%, not the mean of 75% and 16.67%.
    let wuma = unit(&district, WUMA);
    assert_eq!(wuma["circle"]["communities"], 2);
    assert_eq!(wuma["circle"]["covered"], 40);
    assert_eq!(wuma["circle"]["homes"], 100);
    assert_eq!(wuma["circle"]["rate"].as_f64(), Some(40.0));
    assert_eq!(district["total"]["circle"]["homes"], 100);
    assert_eq!(unit(&district, SONGTAI)["circle"]["rate"], Value::Null);
    assert_eq!(district["by_circle_coverage"][0], WUMA);
    let street = demo.overview(WUMA, 2013, &admin).await;
    assert_eq!(unit(&street, GULOU)["circle"]["rate"].as_f64(), Some(75.0));
    assert_eq!(unit(&street, MOCHI)["circle"]["rate"].as_f64(), Some(16.67));
    assert_eq!(unit(&street, BAXIANLOU)["circle"]["communities"], 0);
    let page = demo
        .page(&format!("/overview?region={LUCHENG}&year=2013"), &admin)
        .await;
    assert_eq!(
        cells(&page, "circle-table", &format!("data-code=\"{WUMA}\"")),
        ["2", "40", "100", "40.00%"]
    );
    assert!(page.contains("按住宅数加权"));
}
on_both!(fifteen_minute_coverage_is_weighted_by_homes);

fn square(lon: f64, lat: f64) -> String {
    let d = 0.002;
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}"#,
        lon + d,
        lon + d,
        lat + d,
        lat + d
    )
}

async fn the_map_draws_units_and_links_to_their_drill_down(demo: &Demo) {
    let store = &demo.state.store;
    save_wuma_circle(demo).await;
    // Boundaries for two communities of 五马街道; a facility in 松台街道 (a dot).
    store
        .save_circle_boundaries(
            &[
                (GULOU.to_string(), square(120.650, 28.010)),
                (MOCHI.to_string(), square(120.653, 28.010)),
            ],
            "admin",
            NEW_YEAR_2013,
        )
        .await
        .unwrap();
    store
        .add_facility(
            &xingfu_store::facilities::FacilityInput {
                district_code: LUCHENG.to_string(),
                region_code: SONGTAI.to_string(),
                community_code: None,
                name: "松台街道卫生服务中心".to_string(),
                functions: vec!["medical".to_string()],
                lon_e6: 120_640_000,
                lat_e6: 28_000_000,
                hours: None,
                capacity: None,
                source: "manual".to_string(),
                source_ref: None,
            },
            "admin",
            NEW_YEAR_2013,
        )
        .await
        .unwrap();
    let admin = demo.sign_in("admin").await;
    // The district: 五马街道 drawn by its communities' boundaries, 松台街道 as a dot, each a link
    // to its own overview; the others listed as not on the map.
    let page = demo
        .page(
            &format!("/overview?region={LUCHENG}&year=2013&map=circle"),
            &admin,
        )
        .await;
    let map = common::between(&page, "<svg id=\"map\"", "</svg>");
    let wuma_link = format!("<a href=\"/overview?region={WUMA}&year=2013\"");
    let wuma = common::between(map, &wuma_link, "</a>");
    assert_eq!(wuma.matches("<path d=\"M").count(), 2, "{wuma}");
    assert!(wuma.contains("五马街道\u{ff1a}40.00%"), "{wuma}");
    // 40.00% is in the lowest band.
    assert!(wuma.contains("fill=\"#f2f8fd\""), "{wuma}");
    let songtai = common::between(
        map,
        &format!("<a href=\"/overview?region={SONGTAI}&year=2013\""),
        "</a>",
    );
    assert!(songtai.contains("<circle"), "{songtai}");
    assert!(songtai.contains("松台街道\u{ff1a}\u{2014}"));
    let missing = common::between(&page, "id=\"map-missing\"", "</p>");
    assert!(missing.contains("七都街道"));
    assert!(!missing.contains("五马街道"));
    // The indicator chosen, the legend, and the table beside the map with the same value.
    assert!(page.contains("<option value=\"circle\" selected>"));
    let legend = common::between(&page, "class=\"legend\"", "</ul>");
    assert!(legend.contains("低于50%") && legend.contains("95%及以上"));
    assert_eq!(
        cells(&page, "map-table", &format!("data-code=\"{WUMA}\"")),
        ["40.00%"]
    );
    // The street: each community drawn, linking to its page in the round.
    let round = demo.round_2013().await;
    let street = demo
        .page(&format!("/overview?region={WUMA}&year=2013"), &admin)
        .await;
    let map = common::between(&street, "<svg id=\"map\"", "</svg>");
    for community in [GULOU, MOCHI] {
        assert!(
            map.contains(&format!(
                "<a href=\"/rounds/{round}/communities/{community}\""
            )),
            "{community}"
        );
    }
    // Shaded by the average star by default.
    assert!(street.contains("<option value=\"average_star\" selected>"));
    // Without any place stored the page says so and keeps the table.
    let city = demo.page("/overview?year=2013", &admin).await;
    assert!(city.contains("id=\"map\"") || city.contains("id=\"map-empty\""));
    assert!(city.contains("id=\"map-table\""));
}
on_both!(the_map_draws_units_and_links_to_their_drill_down);
