//! Who may import a standard, and how the OpenAPI document describes the import.

use super::*;

async fn only_city_and_district_administrators_import(server: &Server) {
    let admin = server.sign_in("district").await;
    let table = edited_table(server, &admin).await;
    for username in ["wuma", "gulou", "assessor"] {
        let cookie = server.sign_in(username).await;
        let token_value = csrf(server, &cookie).await;
        let (_, page, _) = server.get("/standards", &cookie).await;
        assert!(!page.contains("action=\"/standards/import\""), "{username}");
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        assert!(page.contains("只有市级或区级管理员可以导入"), "{page}");
        let bearer = token(server, username).await;
        let (status, body) = api_import(server, &bearer, "version=2013.1", table.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // An administrator's form without the session's token is refused.
    let (status, page) = import(
        server,
        &admin,
        form("not-the-token", BASE, "2013.1", Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("页面已过期"));
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
    assert!(
        server
            .state
            .store
            .standard_imports()
            .await
            .unwrap()
            .is_empty()
    );

    // A city administrator may.
    let city = server.sign_in("city").await;
    let token_value = csrf(server, &city).await;
    let (status, body) = import(
        server,
        &city,
        form(&token_value, BASE, "2013.1", Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        server.state.store.standard_imports().await.unwrap()[0].actor,
        "city"
    );
}
on_both!(only_city_and_district_administrators_import);

/// The OpenAPI document describes the import as a raw .xlsx body with the label as a query
/// parameter, and its refusals with the problems' schema.
#[test]
fn the_openapi_document_describes_the_import() {
    let doc: Value = serde_json::from_str(&xingfu_server::openapi_text()).unwrap();
    let import = &doc["paths"]["/api/v1/standards/{id}/{version}/versions"]["post"];
    let body = &import["requestBody"]["content"][XLSX]["schema"];
    assert_eq!(body["type"], "string", "{import}");
    assert_eq!(body["format"], "binary");
    let parameters = import["parameters"].as_array().unwrap();
    assert!(
        parameters
            .iter()
            .any(|p| p["in"] == "query" && p["name"] == "version" && p["required"] == true)
    );
    for status in ["201", "400", "403", "404", "409", "413", "422"] {
        assert!(import["responses"][status].is_object(), "{status}");
    }
    assert_eq!(
        import["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ImportErrorBody"
    );
    let table = &doc["paths"]["/api/v1/standards/{id}/{version}/clauses.xlsx"]["get"];
    assert_eq!(
        table["responses"]["200"]["content"][XLSX]["schema"]["format"], "binary",
        "{table}"
    );
}
