//! Edited tables becoming versions a round can run on, and unreadable stored versions.

use super::*;

async fn an_edited_table_becomes_a_version_a_round_can_run_on(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let (_, page, _) = server.get("/standards", &cookie).await;
    assert!(page.contains("action=\"/standards/import\""));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains(&format!("<option value=\"{BASE}\"")));

    let table = edited_table(server, &cookie).await;
    let (status, body) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("条款表-修订.xlsx", &table)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = body.lines().next().unwrap();
    assert_eq!(location, "/standards?imported=lucheng-2012%2F2013.1");

    let (status, page, _) = server.get(location, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("class=\"notice\""), "{page}");
    assert!(page.contains("已导入 lucheng-2012 的 2013.1 版"));
    assert!(page.contains("<td>2013.1</td>"));
    assert!(page.contains("href=\"/standards/lucheng-2012/2013.1/clauses.xlsx\""));
    assert_eq!(
        stored_versions(server).await,
        ["lucheng-2012/2012.1", "lucheng-2012/2013.1"]
    );

    // The new version loads, with the edit and everything else from the base.
    let base = lucheng();
    let new = server.state.standard(ID, "2013.1").await.unwrap();
    assert_eq!(new.version, "2013.1");
    assert_eq!(new.total_points, base.total_points);
    let (old_json, new_json) = (
        serde_json::to_value(&base).unwrap(),
        serde_json::to_value(&*new).unwrap(),
    );
    for kept in ["name", "stars", "rewards", "targets", "notes", "rating"] {
        assert_eq!(new_json[kept], old_json[kept], "{kept} comes from the base");
    }
    assert_eq!(new.clauses().count(), base.clauses().count());
    let (old_a, new_a) = (base.clause("ZZ1.1").unwrap(), new.clause("ZZ1.1").unwrap());
    assert_eq!(new_a.text, "社区党组织每季度召开一次居民议事会(2013年修订)");
    assert_eq!(new_a.points.to_f64(), old_a.points.to_f64() + 3.0);
    assert_eq!(
        new.clause("ZZ1.2").unwrap().points.to_f64(),
        base.clause("ZZ1.2").unwrap().points.to_f64() - 3.0
    );
    for (old, new) in base.clauses().zip(new.clauses()) {
        if !["ZZ1.1", "ZZ1.2"].contains(&old.id.as_str()) {
            assert_eq!(
                (&old.id, &old.text, old.points),
                (&new.id, &new.text, new.points)
            );
        }
    }
    // The stored text is the base file's, comments kept, with the new label.
    let text = server
        .state
        .store
        .standard_body(ID, "2013.1")
        .await
        .unwrap()
        .unwrap();
    assert!(
        text.starts_with("# 鹿城区(城市)社区幸福指数测评体系"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("version = \"2013.1\""));
    assert!(!text.contains("version = \"2012.1\""));
    // The base is untouched.
    assert_eq!(
        server
            .state
            .standard(ID, "2012.1")
            .await
            .unwrap()
            .clause("ZZ1.1")
            .unwrap()
            .text,
        base.clause("ZZ1.1").unwrap().text
    );

    // Audited: who, and what exactly was stored.
    let audit = server.state.store.standard_imports().await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "district");
    assert_eq!(audit[0].action, "import_standard");
    assert_eq!(audit[0].community_code, None);
    let after: Value = serde_json::from_str(audit[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["id"], ID);
    assert_eq!(after["version"], "2013.1");
    assert_eq!(after["clauses"], base.clauses().count());
    assert_eq!(after["sha256"], body_sha256(&text));
    assert_eq!(after["based_on"], "2012.1");
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);

    // Its own clause table carries the edit.
    let (_, _, bytes) = get_bytes(
        server,
        "/standards/lucheng-2012/2013.1/clauses.xlsx",
        &cookie,
    )
    .await;
    let rows = clause_rows(&bytes);
    let at = row_of(&rows, "ZZ1.1");
    assert_eq!(
        rows[at][column(&rows, "条款内容")].to_string(),
        "社区党组织每季度召开一次居民议事会(2013年修订)"
    );

    // A round can be opened on it, as on any stored version.
    let district = server.user("district").await;
    let round = service::open_round(
        &server.state,
        &district,
        &NewRound {
            year: 2013,
            region_code: "330302000000",
            standard_id: ID,
            standard_version: "2013.1",
            objection_days: 7,
        },
        Lang::Zh,
    )
    .await
    .unwrap();
    assert_eq!(round.standard_version, "2013.1");
    let worker = server.user("gulou").await;
    service::declare(&server.state, &worker, &round.id, "330302006044", Lang::Zh)
        .await
        .unwrap();

    // The API lists both stored versions.
    let bearer = token(server, "district").await;
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Value = serde_json::from_slice(&body).unwrap();
    let versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2012.1", "2013.1"]);

    // And imports over the API the same way.
    let (status, body) = api_import(server, &bearer, "version=2013.2", table).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], ID);
    assert_eq!(body["version"], "2013.2");
    assert_eq!(body["based_on"], "2012.1");
    assert_eq!(body["clauses"], base.clauses().count());
    assert_eq!(body["total_points"], base.total_points.to_f64());
    assert!(server.state.standard(ID, "2013.2").await.is_ok());
    let audit = server.state.store.standard_imports().await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].actor, "district");
}
on_both!(an_edited_table_becomes_a_version_a_round_can_run_on);

async fn an_unreadable_stored_version_hides_nothing_else(server: &Server) {
    server
        .state
        .store
        .save_standard("broken", "1", "[standard]\nid = \"broken\"\n", 5)
        .await
        .unwrap();
    let cookie = server.sign_in("district").await;
    let (status, page, _) = server.get("/standards", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("无法读取该版本"), "{page}");
    assert!(page.contains("<td>2012.1</td>"));
    assert!(
        !page.contains("<option value=\"broken/1\""),
        "an unreadable version is not offered as a base"
    );
    let bearer = token(server, "district").await;
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], ID);
    // Importing on it is refused, naming the base.
    let table = edited_table(server, &cookie).await;
    let (status, _, body) = api(
        server,
        Method::POST,
        "/api/v1/standards/broken/1/versions?version=2",
        &bearer,
        &[("content-type", XLSX)],
        table,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("无法读取"),
        "{body}"
    );
    assert_eq!(stored_versions(server).await.len(), 2);
}
on_both!(an_unreadable_stored_version_hides_nothing_else);
