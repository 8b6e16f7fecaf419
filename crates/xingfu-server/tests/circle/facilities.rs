//! The facility registry: importing a CSV (bad rows named, kept to the area) and stale facility
//! edits refused (温州 accounts, no network needed).

use super::*;

const MOCHI: &str = "330302006045";

async fn registry_import_names_bad_rows_and_keeps_to_the_area(server: &Server) {
    let app = router(server.state.clone());
    let store = &server.state.store;
    let (wuma, csrf) = browser(server, &app, "wuma").await;

    // Line 3 names an unknown function, line 4 has a longitude out of range: both are named
    // with their lines, the error summary is at the top, and nothing is saved.
    let bad = "编号,名称,功能,经度,纬度\n\
        w-1,五马街道卫生站,medical,120.6551,28.0123\n\
        w-2,五马街道学堂,school,120.6552,28.0124\n\
        w-3,五马街道食堂,food,200,28.0125\n";
    let reply = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        bad.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = between(&reply.body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("第 3 行"), "{summary}");
    assert!(summary.contains("school"), "{summary}");
    assert!(summary.contains("第 4 行"), "{summary}");
    assert!(!summary.contains("第 2 行"), "line 2 is fine: {summary}");
    assert!(summary.contains("href=\"#file\""));
    assert!(store.facilities_within("330302").await.unwrap().is_empty());

    // A good file, into 鼓楼社区; importing it again updates by id.
    let reply = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(reply.location.contains("added=2"), "{}", reply.location);
    let again = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", GULOU)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert!(
        again.location.contains("added=0&updated=2"),
        "{}",
        again.location
    );
    let rows = store.facilities_within(GULOU).await.unwrap();
    assert_eq!(rows.len(), 2);
    let clinic = rows
        .iter()
        .find(|f| f.name == "鼓楼社区卫生服务站")
        .unwrap();
    assert_eq!(clinic.functions, vec!["elderly_care", "medical"]);
    assert_eq!((clinic.lon_e6, clinic.lat_e6), (120_655_100, 28_012_300));
    assert_eq!(clinic.capacity, Some(20));
    assert_eq!(clinic.source, "csv");
    let page = get(&app, &format!("/circle/areas/{WUMA}"), &wuma).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = text_of(&page.body);
    assert!(text.contains("鼓楼社区卫生服务站"), "{text}");
    assert!(text.contains("老有所养、病有所医"), "{text}");

    // The add form: every problem named at its field, linked from the summary.
    let reply = post(
        &app,
        &format!("/circle/areas/{WUMA}/facilities"),
        &wuma,
        &[
            ("csrf", &csrf),
            ("name", " "),
            ("lon", "120.65"),
            ("lat", "28.01"),
            ("capacity", "-3"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = between(&reply.body, "class=\"error-summary\"", "</div>");
    for anchor in ["#name", "#functions", "#capacity"] {
        assert!(summary.contains(anchor), "{anchor}: {summary}");
    }
    assert!(reply.body.contains("id=\"capacity-error\""));
    let reply = post(
        &app,
        &format!("/circle/areas/{WUMA}/facilities"),
        &wuma,
        &[
            ("csrf", &csrf),
            ("name", "墨池社区志愿服务站"),
            ("functions", "volunteer_station"),
            ("functions", "party_station"),
            ("lon", "120.6570"),
            ("lat", "28.0140"),
            ("community", MOCHI),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let added = store.facilities_within(MOCHI).await.unwrap();
    assert_eq!(
        added[0].functions,
        vec!["party_station", "volunteer_station"]
    );

    // The street administrator keeps to 五马街道.
    let other_street = get(&app, "/circle/areas/330302026000", &wuma).await;
    assert_eq!(other_street.status, StatusCode::FORBIDDEN);
    let into_other = post_file(
        &app,
        &format!("/circle/areas/{WUMA}/import"),
        &wuma,
        &[("csrf", &csrf), ("community", QINGNIAN)],
        REGISTRY_CSV.as_bytes(),
    )
    .await;
    assert_eq!(into_other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&into_other.body).contains(QINGNIAN));
    let create_there = post(
        &app,
        &format!("/circle/areas/{QINGNIAN}/facilities"),
        &wuma,
        &[("csrf", &csrf), ("name", "x"), ("functions", "food")],
    )
    .await;
    assert_eq!(create_there.status, StatusCode::FORBIDDEN);
    let compute = post(
        &app,
        "/circle/areas/330302000000/coverage",
        &wuma,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        compute.status,
        StatusCode::FORBIDDEN,
        "coverage is the district's"
    );

    // A community worker keeps its own community only; another district sees nothing here.
    let (gulou, gulou_csrf) = browser(server, &app, "gulou").await;
    let mochi_facility = &added[0].id;
    let edit = post(
        &app,
        &format!("/circle/facilities/{mochi_facility}"),
        &gulou,
        &[
            ("csrf", &gulou_csrf),
            ("version", "1"),
            ("name", "改名"),
            ("functions", "food"),
            ("lon", "120.6570"),
            ("lat", "28.0140"),
        ],
    )
    .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let (longwan, _) = browser(server, &app, "longwan").await;
    let seen = get(&app, &format!("/circle/facilities/{}", clinic.id), &longwan).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
    // Deleting: the keeper may, and the facility is gone; but not from a page read before
    // the facility's last change (the page carries its version).
    let victim = &store.facilities_within(GULOU).await.unwrap()[0];
    let page = get(&app, &format!("/circle/facilities/{}", victim.id), &wuma).await;
    let shown = format!("name=\"version\" value=\"{}\"", victim.version);
    assert_eq!(
        page.body.matches(&shown).count(),
        3,
        "edit, centre and delete forms"
    );
    let before = victim.version - 1;
    let stale = post(
        &app,
        &format!("/circle/facilities/{}/delete", victim.id),
        &wuma,
        &[("csrf", &csrf), ("version", &before.to_string())],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("该设施的信息已被"), "{}", stale.body);
    assert!(store.facility(&victim.id).await.unwrap().is_some());
    let deleted = post(
        &app,
        &format!("/circle/facilities/{}/delete", victim.id),
        &wuma,
        &[("csrf", &csrf), ("version", &victim.version.to_string())],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(store.facility(&victim.id).await.unwrap().is_none());
    let resident = server.sign_in("gulou-resident").await;
    assert_eq!(
        get(&app, "/circle", &resident).await.status,
        StatusCode::FORBIDDEN
    );

    // A district's coverage refuses a network that covers none of its facilities.
    let with_network = app_with_network(server);
    let (district, district_csrf) = browser(server, &with_network, "district").await;
    let wrong = post(
        &with_network,
        "/circle/areas/330302000000/coverage",
        &district,
        &[("csrf", &district_csrf)],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{}", wrong.body);
    assert!(store.circle_run("330302000000").await.unwrap().is_none());
    assert_eq!(store.verify_audit().await.unwrap(), None);
}
on_both!(registry_import_names_bad_rows_and_keeps_to_the_area);

/// Two people edit one facility; the second's page was read before the first saved. The second
/// edit is refused (409) and writes nothing; the form comes back with what they typed, who
/// changed the facility and when, the fields saved since with their values, and the current
/// version, so that saving again is a decision taken knowing the other change.
async fn a_stale_facility_edit_is_refused(server: &Server) {
    let app = router(server.state.clone());
    let store = &server.state.store;
    let canteen = FacilityInput {
        district_code: "330302000000".into(),
        region_code: GULOU.into(),
        community_code: Some(GULOU.into()),
        name: "鼓楼社区食堂".into(),
        functions: vec!["food".into()],
        lon_e6: 120_655_100,
        lat_e6: 28_012_300,
        hours: None,
        capacity: None,
        source: "manual".into(),
        source_ref: None,
    };
    let id = store.add_facility(&canteen, "gulou", 1).await.unwrap();
    let path = format!("/circle/facilities/{id}");
    let (gulou, gulou_csrf) = browser(server, &app, "gulou").await;
    let (wuma, wuma_csrf) = browser(server, &app, "wuma").await;
    let first = get(&app, &path, &gulou).await;
    let second = get(&app, &path, &wuma).await;
    let version_of = |page: &str| between(page, "name=\"version\" value=\"", "\"").to_string();
    assert_eq!(version_of(&second.body), "1");
    let saved = post(
        &app,
        &path,
        &gulou,
        &[
            ("csrf", &gulou_csrf),
            ("version", &version_of(&first.body)),
            ("name", "鼓楼社区老年食堂"),
            ("functions", "food"),
            ("lon", "120.6551"),
            ("lat", "28.0123"),
            ("hours", "11:00-13:00"),
            ("community", GULOU),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stale = post(
        &app,
        &path,
        &wuma,
        &[
            ("csrf", &wuma_csrf),
            ("version", &version_of(&second.body)),
            ("name", "鼓楼社区食堂"),
            ("functions", "food"),
            ("lon", "120.6551"),
            ("lat", "28.0123"),
            ("capacity", "30"),
            ("community", GULOU),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let row = store.facility(&id).await.unwrap().unwrap();
    assert_eq!(
        (row.name.as_str(), row.hours.as_deref(), row.capacity),
        ("鼓楼社区老年食堂", Some("11:00-13:00"), None),
        "the stale edit wrote nothing"
    );
    let summary = between(&stale.body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("该设施的信息已被 gulou 于 "), "{summary}");
    assert!(
        summary.contains("鼓楼社区老年食堂"),
        "the saved name: {summary}"
    );
    assert!(
        summary.contains("11:00-13:00"),
        "the saved hours: {summary}"
    );
    assert!(
        stale.body.contains("value=\"30\""),
        "what was typed stays in the form"
    );
    assert_eq!(version_of(&stale.body), "2");
}
on_both!(a_stale_facility_edit_is_refused);

/// A file over the upload limit is named as too big on both uploads, never as "no file chosen":
/// past the limit the body is cut off and its file is not kept at all.
async fn an_oversized_file_is_named_too_big(server: &Server) {
    let app = router(server.state.clone());
    let (wuma, csrf) = browser(server, &app, "wuma").await;
    let oversized = vec![b'a'; xingfu_server::app::files::MAX_UPLOAD + 200 * 1024];
    for upload in ["import", "boundaries"] {
        let reply = post_file(
            &app,
            &format!("/circle/areas/{WUMA}/{upload}"),
            &wuma,
            &[("csrf", &csrf)],
            &oversized,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{upload}");
        let text = text_of(&reply.body);
        assert!(text.contains("文件超过 10 MB 的上限"), "{upload}: {text}");
        assert!(!text.contains("请选择"), "{upload}: {text}");
    }
    assert!(
        server
            .state
            .store
            .facilities_within("330302")
            .await
            .unwrap()
            .is_empty()
    );
}

on_both!(an_oversized_file_is_named_too_big);
