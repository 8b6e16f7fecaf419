//! The clause table downloaded in either language.

use super::*;

async fn the_clause_table_downloads_in_either_language(server: &Server) {
    let standard = lucheng();
    let clauses: Vec<_> = standard.clauses().collect();
    // Any signed-in user: a community worker.
    let cookie = server.sign_in("gulou").await;
    let (status, page, _) = server.get("/standards", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&standard.name), "{page}");
    assert!(page.contains("<td>2012.1</td>"));
    assert!(page.contains(&format!("<td class=\"num\">{}</td>", clauses.len())));
    assert!(page.contains(&format!("<td class=\"num\">{}</td>", standard.total_points)));
    assert!(page.contains(&format!("href=\"{TABLE}\"")));
    assert!(
        page.contains("href=\"/standards\""),
        "the navigation links the page"
    );
    assert!(
        !page.contains("action=\"/standards/import\""),
        "a community worker gets no import form"
    );

    let (status, headers, bytes) = get_bytes(server, TABLE, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    common::assert_workbook_for_officials(&bytes, true);
    let book = sheets(&bytes);
    assert_eq!(book[0].0, "条款");
    assert_eq!(book[1].0, "星级");
    let rows = &book[0].1;
    assert_eq!(rows[0][0].to_string(), "类别编号");
    assert_eq!(rows.len(), clauses.len() + 1, "a row per clause");
    let (id, points) = (column(rows, "条款编号"), column(rows, "分值"));
    for (row, clause) in rows[1..].iter().zip(&clauses) {
        assert_eq!(row[id].to_string(), clause.id);
        assert_eq!(
            number(&row[points]),
            clause.points.to_f64(),
            "{}",
            clause.id
        );
    }
    assert_eq!(book[1].1.len(), standard.stars.len() + 1);

    // English headers: asked for, or the English pages.
    let (_, _, english) = get_bytes(server, &format!("{TABLE}?lang=en"), &cookie).await;
    common::assert_workbook_for_officials(&english, false);
    let book = sheets(&english);
    assert_eq!(book[0].0, "Clauses");
    assert_eq!(book[0].1[0][0].to_string(), "Category id");
    let english_ui = format!("{cookie}; lang=en");
    let (_, _, english) = get_bytes(server, TABLE, &english_ui).await;
    assert_eq!(sheets(&english)[0].0, "Clauses");
    let (_, _, chinese) = get_bytes(server, &format!("{TABLE}?lang=zh"), &english_ui).await;
    assert_eq!(sheets(&chinese)[0].0, "条款");

    let (status, _, _) =
        get_bytes(server, "/standards/lucheng-2012/1999/clauses.xlsx", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, headers, _) = get_bytes(server, TABLE, "").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "signed out: to the sign-in page"
    );
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // The same over the API: Chinese by default, English by Accept-Language or ?lang=en.
    let bearer = token(server, "gulou").await;
    let path = "/api/v1/standards/lucheng-2012/2012.1/clauses.xlsx";
    let (status, headers, bytes) = api(server, Method::GET, path, &bearer, &[], vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    assert_eq!(sheets(&bytes)[0].0, "条款");
    assert_eq!(clause_rows(&bytes).len(), clauses.len() + 1);
    let en = [("accept-language", "en")];
    let (_, _, bytes) = api(server, Method::GET, path, &bearer, &en, vec![]).await;
    assert_eq!(sheets(&bytes)[0].0, "Clauses");
    let (_, _, bytes) = api(
        server,
        Method::GET,
        &format!("{path}?lang=zh"),
        &bearer,
        &en,
        vec![],
    )
    .await;
    assert_eq!(sheets(&bytes)[0].0, "条款");
    let (status, _, body) = api(
        server,
        Method::GET,
        "/api/v1/standards/lucheng-2012/1999/clauses.xlsx",
        &bearer,
        &[],
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
on_both!(the_clause_table_downloads_in_either_language);
