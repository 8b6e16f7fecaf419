//! An OSM extract turned into coverage, metrics, siting suggestions and a centre rating
//! (Beijing 学院路).

use super::*;

/// Shares of one community computed here: (covered, total) per function key and `all_six`.
fn shares_of(analysis: &CircleAnalysis, members: &[usize]) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let total = members.len() as u64;
    for function in ServiceFunction::ALL {
        let covered = members
            .iter()
            .filter(|&&o| analysis.covers(o, function))
            .count() as u64;
        out.insert(function.key().to_string(), (covered, total));
    }
    let six = members
        .iter()
        .filter(|&&o| ServiceFunction::SIX.iter().all(|&f| analysis.covers(o, f)))
        .count() as u64;
    out.insert("all_six".to_string(), (six, total));
    out
}

/// 2024-03-01 10:00 in China.
const MARCH_2024: i64 = 1_709_258_400_000;

async fn osm_coverage_metrics_siting_and_a_centre_rating(server: &Server) {
    let store = &server.state.store;
    load_demo_regions(store).await.unwrap();
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "fengze-centre")
        .unwrap()
        .1;
    store
        .save_standard("fengze-centre", "2022.1", text, 0)
        .await
        .unwrap();
    add_user(server, "haidian", Role::DistrictAdmin, HAIDIAN).await;
    let app = app_with_network(server);
    let (haidian, csrf) = browser(server, &app, "haidian").await;

    // The extract's points of interest, uploaded as an .osm.pbf file.
    let options = OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    };
    let extract = import_file(&extract_path(), &options).unwrap();
    let pbf = std::fs::read(extract_path()).unwrap();
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import"),
        &haidian,
        &[("csrf", &csrf)],
        &pbf,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location,
        format!(
            "/circle/areas/{HAIDIAN}?added={}&updated=0&skipped=0",
            extract.facilities.len()
        )
    );
    let stored = store.facilities_of_district(HAIDIAN).await.unwrap();
    assert_eq!(stored.len(), extract.facilities.len());
    assert!(stored.iter().all(|f| f.source == "osm"));
    let refs: BTreeSet<&str> = stored
        .iter()
        .filter_map(|f| f.source_ref.as_deref())
        .collect();
    for facility in &extract.facilities {
        assert!(refs.contains(facility.id.as_str()), "{}", facility.id);
    }
    // The same points again, from the server's own network file: updated, not doubled.
    let again = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import-network"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert!(
        again
            .location
            .contains(&format!("added=0&updated={}", extract.facilities.len())),
        "{}",
        again.location
    );

    // 双泉嘉苑's homes, and a centre with all six functions among them.
    let shuangquan_homes: Vec<LonLat> = extract
        .origins
        .iter()
        .filter(|o| {
            extract
                .community_areas
                .community_of(o.location)
                .map(|i| extract.community_areas.names()[i as usize].as_str())
                == Some("双泉嘉苑")
        })
        .map(|o| o.location)
        .collect();
    assert!(!shuangquan_homes.is_empty());
    let n = shuangquan_homes.len() as f64;
    let centre_at = LonLat {
        lon: shuangquan_homes.iter().map(|p| p.lon).sum::<f64>() / n,
        lat: shuangquan_homes.iter().map(|p| p.lat).sum::<f64>() / n,
    };
    let (lon, lat) = (
        format!("{:.6}", centre_at.lon),
        format!("{:.6}", centre_at.lat),
    );
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("name", "双泉嘉苑邻里中心"),
        ("lon", lon.as_str()),
        ("lat", lat.as_str()),
        ("hours", "8:00-21:00"),
        ("capacity", "120"),
    ];
    fields.extend(ServiceFunction::SIX.iter().map(|f| ("functions", f.key())));
    let reply = post(
        &app,
        &format!("/circle/areas/{SHUANGQUAN}/facilities"),
        &haidian,
        &fields,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let centre_id = between(&reply.location, "/circle/facilities/", "?").to_string();

    // 富润社区's boundary uploaded (静淑苑 and 双泉嘉苑 are found by their compounds' names).
    let boundary = furun_boundary();
    let bad_boundary = boundary.replace(FURUN, "110108010999");
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/boundaries"),
        &haidian,
        &[("csrf", &csrf)],
        bad_boundary.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&reply.body).contains("第 1 个要素"));
    let reply = post_file(
        &app,
        &format!("/circle/areas/{HAIDIAN}/boundaries"),
        &haidian,
        &[("csrf", &csrf)],
        boundary.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Coverage computed and stored.
    let reply = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/coverage"),
        &haidian,
        &[("csrf", &csrf), ("speed", "4")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let run = store.circle_run(HAIDIAN).await.unwrap().unwrap();
    assert_eq!((run.scope.as_str(), run.minutes), ("communities", 15));

    // The same figures computed here from the extract and the stored facilities.
    let facilities = stored_facilities(server).await;
    let origins: Vec<Origin> = extract.origins.clone();
    let analysis = CircleAnalysis::run(
        &extract.graph,
        &facilities,
        &origins,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, origin) in origins.iter().enumerate() {
        if let Some(code) = community_at(&extract, origin.location) {
            members.entry(code).or_default().push(i);
        }
    }
    assert_eq!(members.len(), 3, "{members:?}");
    for (code, list) in &members {
        let expected = shares_of(&analysis, list);
        let metrics: BTreeMap<String, Dec2> = circle_metrics(&server.state, code)
            .await
            .unwrap()
            .into_iter()
            .collect();
        let mut keys: BTreeSet<String> = ServiceFunction::ALL
            .iter()
            .map(|f| format!("circle.{}.share", f.key()))
            .collect();
        keys.insert("circle.all_six.share".into());
        keys.insert("circle.share_within_15min".into());
        assert_eq!(metrics.keys().cloned().collect::<BTreeSet<_>>(), keys);
        for function in ServiceFunction::ALL {
            let (covered, total) = expected[function.key()];
            assert_eq!(
                metrics[&format!("circle.{}.share", function.key())],
                share(covered, total),
                "{code} {function}"
            );
        }
        let (six, total) = expected["all_six"];
        assert_eq!(metrics["circle.share_within_15min"], share(six, total));
        assert_eq!(metrics["circle.all_six.share"], share(six, total));
        // The API gives the same values.
        let (status, body) = api_get(
            &app,
            &format!("/api/v1/communities/{code}/circle-metrics"),
            &haidian,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let from_api: BTreeMap<String, f64> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["key"].as_str().unwrap().to_string(),
                    m["value"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            from_api["circle.share_within_15min"],
            share(six, total).to_f64()
        );
    }
    let all_homes: Vec<usize> = members.values().flatten().copied().collect();
    let district = shares_of(&analysis, &all_homes);
    let shuangquan = shares_of(&analysis, &members[SHUANGQUAN]);

    // The coverage page shows the shares and the gap map.
    let page = get(&app, &format!("/circle/areas/{HAIDIAN}/coverage"), &haidian).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = text_of(&page.body);
    for name in ["静淑苑社区居委会", "双泉嘉苑社区居委会", "富润社区居委会"]
    {
        assert!(text.contains(name), "{name}: {text}");
    }
    let (medical, homes) = district["medical"];
    assert!(
        text.contains(&format!("{}% {medical}/{homes}", share(medical, homes))),
        "{text}"
    );
    assert!(page.body.contains("<svg"));
    let drawn_gaps = page.body.matches("stroke=\"#d4351c\"").count();
    let drawn_covered = page.body.matches("fill=\"#00703c\"").count();
    let (six, _) = district["all_six"];
    assert_eq!(drawn_covered as u64, six, "covered homes drawn");
    assert_eq!(drawn_gaps as u64, homes - six, "gaps drawn");
    let csv = get(
        &app,
        &format!("/circle/areas/{SHUANGQUAN}/origins.csv"),
        &haidian,
    )
    .await;
    assert_eq!(csv.body.lines().count(), 1 + members[SHUANGQUAN].len());

    // Siting: the same greedy picks as computed here, with their gains, on the page and in the API.
    let scope: Vec<Origin> = all_homes.iter().map(|&i| origins[i].clone()).collect();
    let scoped = CircleAnalysis::run(
        &extract.graph,
        &facilities,
        &scope,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let picks = suggest_sites(
        &extract.graph,
        &scoped,
        &scope,
        ServiceFunction::ElderlyCare,
        &every_node(&extract.graph),
        2,
    );
    let gains: Vec<u64> = picks.iter().map(|p| p.gain).collect();
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{HAIDIAN}/siting?function=elderly_care&count=2"),
        &haidian,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let api_gains: Vec<u64> = body["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["gain"].as_u64().unwrap())
        .collect();
    assert_eq!(api_gains, gains);
    assert!(!gains.is_empty() && gains.iter().all(|&g| g > 0));
    let node = extract.graph.position(picks[0].candidate as u32);
    assert_eq!(body["sites"][0]["lon"].as_f64().unwrap(), node.lon);
    let page = get(
        &app,
        &format!("/circle/areas/{HAIDIAN}/siting?function=elderly_care&count=2"),
        &haidian,
    )
    .await;
    let text = text_of(&page.body);
    let (before, total) = shares_of(&scoped, &(0..scope.len()).collect::<Vec<_>>())["elderly_care"];
    let mut after = before;
    for pick in &picks {
        after += pick.gain;
        assert!(
            text.contains(&format!("{} {after}/{total}", pick.gain)),
            "gain {}: {text}",
            pick.gain
        );
    }

    // Volunteer activities in 双泉嘉苑 in 2024: 24 held (2500 people served), one cancelled and
    // one in 2023, which do not count.
    let by = By {
        actor: "haidian",
        at: MARCH_2024,
    };
    for (i, at) in (0..26).map(|i| (i, MARCH_2024 + i * 86_400_000)) {
        let starts_at = if i == 25 {
            MARCH_2024 - 200 * 86_400_000
        } else {
            at
        };
        let activity = store
            .create_activity(
                &NewActivity {
                    community_code: SHUANGQUAN,
                    title: "邻里活动",
                    activity_type: "service",
                    station_id: None,
                    team_id: None,
                    starts_at,
                    ends_at: starts_at + 3_600_000,
                },
                by,
            )
            .await
            .unwrap();
        let served = match i {
            0 => 200,
            24 | 25 => 999,
            _ => 100,
        };
        store.set_people_served(&activity.id, served).await.unwrap();
        if i == 24 {
            assert!(store.cancel_activity(&activity.id).await.unwrap());
        }
    }

    // The centre, rated for 2024.
    let reply = post(
        &app,
        &format!("/circle/facilities/{centre_id}/centre"),
        &haidian,
        &[
            ("csrf", &csrf),
            ("centre_community", SHUANGQUAN),
            ("service_area", "双泉嘉苑小区"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let kept = post(
        &app,
        &format!("/circle/facilities/{centre_id}/delete"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "a centre is not deleted");
    let form = get(
        &app,
        &format!("/circle/centres/{centre_id}?year=2024"),
        &haidian,
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    let text = text_of(&form.body);
    assert!(text.contains("平台记录：24 场"), "{text}");
    assert!(text.contains("平台记录：2500 人次"), "{text}");
    let rating_fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("year", "2024"),
        ("c.DJ1.1", "3.5"),
        ("c.DJ2.1", "yes"),
        ("c.DJ3.1", "3"),
        ("c.GN1.1", "yes"),
        ("c.GN1.2", "2.5"),
        ("c.GN2.1", "yes"),
        ("c.GN2.2", "3"),
        ("c.GN3.1", "no"),
        ("c.GN3.2", "1"),
        ("c.GN4.1", "yes"),
        ("c.GN4.2", ""),
        ("c.GN5.1", "yes"),
        ("c.GN5.2", "2"),
        ("c.GN6.1", "yes"),
        ("c.GN6.2", "3"),
        ("c.TS1.1", "yes"),
        ("c.TS1.2", "0"),
        ("src.CX1.1", "entered"),
        ("c.CX1.1", "92.5"),
        ("src.CX2.1", "platform"),
        ("c.CX2.1", ""),
        ("src.CX3.1", "platform"),
        ("c.CX3.1", ""),
    ];
    // A graded answer above its clause's points is refused, named at its clause.
    let mut too_many = rating_fields.clone();
    too_many.retain(|(k, _)| *k != "c.DJ1.1");
    too_many.push(("c.DJ1.1", "4.5"));
    let refused = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &haidian,
        &too_many,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(between(&refused.body, "class=\"error-summary\"", "</div>").contains("#c-DJ1-1"));
    let reply = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &haidian,
        &rating_fields,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Worked out from fengze-centre's clauses: "1" 3.5 + 3 + 3; "6" 2 + 2.5 + 2 + 3 + 0 + 1 +
    // 2 + 0 (not assessed) + 2 + 2 + 2 + 3; "X" 2 + 0; results: satisfaction 20 × 92.5 / 100,
    // activities 15 × 24 / 48, people served 15 × 2500 / 5000, and the circle 5 points when at
    // least 80% of 双泉嘉苑's homes reach all six within 15 minutes.
    let (six, total) = shuangquan["all_six"];
    let circle_points = if six * 100 >= 80 * total { 5.0 } else { 0.0 };
    let expected_total = (3.5 + 3.0 + 3.0)
        + (2.0 + 2.5 + 2.0 + 3.0 + 0.0 + 1.0 + 2.0 + 0.0 + 2.0 + 2.0 + 2.0 + 3.0)
        + (2.0 + 0.0)
        + (20.0 * 92.5 / 100.0 + 15.0 * 24.0 / 48.0 + 15.0 * 2500.0 / 5000.0 + circle_points);
    let expected_star = [(90.0, 5), (85.0, 4), (80.0, 3), (70.0, 2), (60.0, 1)]
        .iter()
        .find(|(min, _)| expected_total >= *min)
        .map_or(0, |(_, star)| *star);
    let ratings = store.centre_ratings(&centre_id).await.unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(Dec2(ratings[0].total).to_f64(), expected_total);
    assert_eq!(ratings[0].star, expected_star);
    assert_eq!(
        (ratings[0].year, ratings[0].standard_id.as_str()),
        (2024, "fengze-centre")
    );
    let answers: Value = serde_json::from_str(&ratings[0].answers_json).unwrap();
    assert_eq!(answers["answers"]["CX2.1"]["source"], "platform");
    assert_eq!(answers["answers"]["CX2.1"]["number"], 24);
    assert_eq!(answers["answers"]["CX4.1"]["source"], "circle");
    let page = get(
        &app,
        &format!("/circle/centres/{centre_id}?year=2024"),
        &haidian,
    )
    .await;
    let text = text_of(&page.body);
    assert!(
        text.contains(&format!(
            "总分： {} / 100",
            Dec2::from_f64(expected_total).unwrap()
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{expected_star}星")), "{text}");
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/centres/{centre_id}/ratings"),
        &haidian,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["total"].as_f64().unwrap(), expected_total);
    let audit: Vec<String> = store
        .audit_for_community(SHUANGQUAN)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(audit.contains(&"flag_centre".to_string()), "{audit:?}");
    assert!(audit.contains(&"rate_centre".to_string()), "{audit:?}");
    assert_eq!(store.verify_audit().await.unwrap(), None);

    // Only the district rates: a street administrator of 学院路 sees the centre, not the form.
    add_user(server, "xueyuanlu", Role::StreetAdmin, "110108010000").await;
    let (street, street_csrf) = browser(server, &app, "xueyuanlu").await;
    let page = get(&app, &format!("/circle/centres/{centre_id}"), &street).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("name=\"c.DJ1.1\""));
    let refused = post(
        &app,
        &format!("/circle/centres/{centre_id}"),
        &street,
        &[("csrf", &street_csrf), ("year", "2024")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(store.centre_ratings(&centre_id).await.unwrap().len(), 1);
}
on_both!(osm_coverage_metrics_siting_and_a_centre_rating);
