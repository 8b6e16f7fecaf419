//! Grids imported from GeoJSON and reports routed to their grid, by position or in words.

use super::*;

on_both!(geojson_import_names_the_feature_and_converts_gcj02);
async fn geojson_import_names_the_feature_and_converts_gcj02(server: &Server) {
    add_account(server, "member1", "resident", GULOU).await;
    let cookie = server.sign_in("gulou").await;
    let token = csrf(server, &cookie).await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("enctype=\"multipart/form-data\""));

    // Three features with problems, one good: nothing is saved, and each problem names its
    // feature.
    let broken = json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature", "id": "ok", "geometry": { "type": "Polygon", "coordinates": square(120.650, 28.020, 0.002) }, "properties": {} },
            { "type": "Feature", "id": "open-ring", "geometry": { "type": "Polygon", "coordinates": [[[120.652, 28.020], [120.654, 28.020], [120.654, 28.022], [120.652, 28.022]]] }, "properties": {} },
            { "type": "Feature", "properties": { "name": "没有编号" }, "geometry": { "type": "Polygon", "coordinates": square(120.656, 28.020, 0.002) } },
            { "type": "Feature", "id": "stranger", "geometry": { "type": "Polygon", "coordinates": square(120.658, 28.020, 0.002) }, "properties": { "members": ["nobody"] } }
        ]
    })
    .to_string();
    let (status, _, body) = post_multipart(
        server,
        &format!("/communities/{GULOU}/grids"),
        &cookie,
        multipart(
            &[("csrf", &token), ("datum", "wgs84")],
            &[(
                "file",
                "grids.geojson",
                "application/geo+json",
                broken.as_bytes(),
            )],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(
            "第 2 个要素（网格 open-ring）：geometry.coordinates[0]:GeoJSON 环的首尾坐标必须相同"
        ),
        "{body}"
    );
    assert!(body.contains("第 3 个要素：缺少网格编号"), "{body}");
    assert!(body.contains("第 4 个要素（网格 stranger）：网格员 nobody 不是本社区的账号"));
    assert!(!body.contains("第 1 个要素"));
    assert!(server.state.store.grids_of(GULOU).await.unwrap().is_empty());

    // The same grid drawn in GCJ-02 (as AMap exports it) is stored in WGS-84.
    let corners = [
        (120.650, 28.020),
        (120.652, 28.020),
        (120.652, 28.022),
        (120.650, 28.022),
    ];
    let ring: Vec<Value> = corners
        .iter()
        .chain(corners.first())
        .map(|(lon, lat)| json!([lon, lat]))
        .collect();
    let gcj = json!({
        "type": "Feature",
        "id": "g1",
        "geometry": { "type": "Polygon", "coordinates": [ring] },
        "properties": { "name": "鼓楼第一网格", "members": [{ "username": "member1", "duty": "兼职" }],
            "buildings": [{ "id": "3", "name": "3幢", "lon": 120.6505, "lat": 28.0205 }] }
    })
    .to_string();
    let (status, headers, body) = post_multipart(
        server,
        &format!("/communities/{GULOU}/grids"),
        &cookie,
        multipart(
            &[("csrf", &token), ("datum", "gcj02"), ("geojson", &gcj)],
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location(&headers),
        format!("/communities/{GULOU}/grids?saved=g1")
    );
    let grids = server.state.store.grids_of(GULOU).await.unwrap();
    assert_eq!(grids.len(), 1);
    let stored = grids[0].area.polygons()[0].exterior();
    for (got, (lon, lat)) in stored.iter().zip(corners) {
        assert_eq!(*got, gcj02_to_wgs84(p(lon, lat)));
        // Hundreds of metres from the numbers given: the GCJ-02 offset.
        assert!(haversine_m(*got, p(lon, lat)) > 100.0);
    }
    assert_eq!(
        grids[0].buildings[0].location,
        Some(gcj02_to_wgs84(p(120.6505, 28.0205)))
    );
    assert_eq!(grids[0].members[0].person, "member1");

    // Exported in GCJ-02, the corners come back as given.
    let (status, body, _) = server
        .get(
            &format!("/communities/{GULOU}/grids.geojson?datum=gcj02"),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let exported: Value = serde_json::from_str(&body).unwrap();
    let first = &exported["features"][0]["geometry"]["coordinates"][0][0][1];
    assert!(
        (first[0].as_f64().unwrap() - 120.652).abs() < 1e-9,
        "{first}"
    );
    assert!(
        (first[1].as_f64().unwrap() - 28.020).abs() < 1e-9,
        "{first}"
    );

    // The map page draws it and lists it; residents may not see it, grid members may not import.
    let (_, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &cookie)
        .await;
    assert!(body.contains("<svg") && body.contains("<path d=\"M"));
    assert!(body.contains("鼓楼第一网格") && body.contains("member1（兼职）"));
    let resident = server.sign_in("mochi-resident").await;
    let (status, _, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &resident)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let member = server.sign_in("member1").await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/grids"), &member)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("enctype=\"multipart/form-data\""));
}

on_both!(reports_are_routed_to_their_grid_in_wgs84);
async fn reports_are_routed_to_their_grid_in_wgs84(server: &Server) {
    with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let (status, body, _) = server
        .get(&format!("/communities/{GULOU}/report"), &resident)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("accept=\"image/*\" capture"));
    assert!(body.contains("鼓楼第一网格 · 3幢"));

    // A phone map in GCJ-02: the point sent is the GCJ-02 image of a point inside g1.
    let sent = wgs84_to_gcj02(p(IN_G1.0, IN_G1.1));
    let (lon, lat) = (sent.lon.to_string(), sent.lat.to_string());
    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "垃圾桶满了"),
            ("lon", &lon),
            ("lat", &lat),
            ("datum", "gcj02"),
        ],
        &[],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!(e.location, gcj02_to_wgs84(sent));
    assert!(haversine_m(e.location, p(IN_G1.0, IN_G1.1)) < 0.001);
    assert_eq!(e.grid.as_deref(), Some("g1"));
    assert_eq!(e.reporter.as_deref(), Some("gulou-resident"));
    assert_eq!((e.state, e.level), (EventState::Reported, Level::Community));

    // Sent as WGS-84, the same numbers land hundreds of metres away: outside both grids.
    let stray = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "x"),
            ("lon", &lon),
            ("lat", &lat),
            ("datum", "wgs84"),
        ],
        &[],
    )
    .await;
    assert_eq!(event(server, stray).await.grid, None);

    // Without coordinates, the chosen building's position.
    let by_building = report(
        server,
        &resident,
        &[
            ("category", "public_facility"),
            ("description", "路灯坏了"),
            ("building", "g1/3"),
        ],
        &[],
    )
    .await;
    let e = event(server, by_building).await;
    assert_eq!(e.location, p(120.6505, 28.0205));
    assert_eq!(e.grid.as_deref(), Some("g1"));
    let in_g2 = report_at(server, &resident, IN_G2, "东边").await;
    assert_eq!(event(server, in_g2).await.grid.as_deref(), Some("g2"));

    // Nothing says where, or nothing is said at all: the form again, with the reasons.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("category", "sanitation"), ("description", "哪里?")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("请选择所在楼栋，或使用手机定位填写坐标"),
        "{body}"
    );
    assert!(body.contains("class=\"error-summary\""));
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("category", "sanitation"), ("building", "g1/3")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请描述问题或上传照片"), "{body}");
    let (status, _, body) = report_raw(
        server,
        &resident,
        &[("description", "x"), ("building", "g1/3")],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请选择问题类别"));

    // Grid members handle their own grid only.
    let member2 = server.sign_in("member2").await;
    let (status, body) = act(server, &member2, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("网格 g1 不是您负责的网格"), "{body}");
    let member1 = server.sign_in("member1").await;
    let (status, body) = act(server, &member1, id, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(event(server, id).await.state, EventState::Accepted);
    // The stray event is at community level: no grid member's.
    let (status, body) = act(server, &member1, stray, &[("action", "accept")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不属于任何网格"), "{body}");

    // Other residents do not see it; the reporter and the area's staff do.
    let (status, _, _) = server
        .get(
            &format!("/events/{}", id.0),
            &server.sign_in("mochi-resident").await,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body, _) = server.get(&format!("/events/{}", id.0), &resident).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("垃圾桶满了"));
    let (_, body, _) = server.get("/events", &server.sign_in("wuma").await).await;
    assert!(body.contains(&format!("/events/{}", id.0)));
    let (_, body, _) = server.get("/events", &resident).await;
    assert!(body.contains("我上报的问题") && body.contains(&format!("#{}", id.0)));
}

/// A report with no position: said in words, stored without coordinates (on both databases),
/// handled by the community, and answered in Open311 without lat/long; without a script the
/// form does not offer the phone's position, and only staff see coordinate fields.
async fn reports_may_say_where_in_words(server: &Server) {
    let resident = server.sign_in("gulou-resident").await;
    let (_, page, _) = server
        .get(&format!("/communities/{GULOU}/report"), &resident)
        .await;
    assert!(
        !page.contains("坐标来源") && page.contains("使用手机定位"),
        "{page}"
    );
    let worker = server.sign_in("gulou").await;
    let (_, page, _) = server
        .get(&format!("/communities/{GULOU}/report"), &worker)
        .await;
    assert!(page.contains("坐标来源"), "staff may type coordinates");

    let (status, _, body) = report_raw(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "哪里"),
            ("no_script", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写地址或位置说明"), "{body}");
    assert!(
        !body.contains("使用手机定位填写坐标"),
        "no script, no phone: {body}"
    );
    assert!(body.contains("href=\"#address\""), "{body}");

    let id = report(
        server,
        &resident,
        &[
            ("category", "sanitation"),
            ("description", "垃圾桶满了"),
            ("address", "仓桥街菜场后门"),
        ],
        &[],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!((e.position(), e.grid.as_deref()), (None, None));
    assert_eq!(e.address.as_deref(), Some("仓桥街菜场后门"));
    let (status, body) = open311_get(server, &format!("requests/{}.json", id.0)).await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert!(
        json[0]["lat"].is_null() && json[0]["long"].is_null(),
        "{json}"
    );
    assert_eq!(json[0]["address"], "仓桥街菜场后门");
}
on_both!(reports_may_say_where_in_words);
