//! Tables and files refused: bad rows, reader limits, taken or malformed labels, oversize and
//! non-xlsx files.

use super::*;

/// Whether the error summary links `field` with a message containing `message`.
fn summary_has(page: &str, field: &str, message: &str) -> bool {
    let summary = between(page, "class=\"error-summary\"", "</div>");
    summary
        .split("<li>")
        .any(|item| item.starts_with(&format!("<a href=\"#{field}\">")) && item.contains(message))
}

async fn a_bad_table_is_refused_row_by_row_and_nothing_is_stored(server: &Server) {
    let cookie = server.sign_in("city").await;
    let token_value = csrf(server, &cookie).await;
    let (_, _, bytes) = get_bytes(server, TABLE, &cookie).await;
    let mut rows = clause_rows(&bytes);
    let (id, points, judge) = (
        column(&rows, "条款编号"),
        column(&rows, "分值"),
        column(&rows, "判定方式"),
    );
    // Points that are not a number, a judge that does not exist, and a row without its id.
    let (a, b, c) = (
        row_of(&rows, "ZZ1.1"),
        row_of(&rows, "ZZ2.2"),
        row_of(&rows, "ZZ2.3"),
    );
    rows[a][points] = Data::String("十五".into());
    rows[b][judge] = Data::String("抽签".into());
    rows[c][id] = Data::Empty;
    // And points that no longer add up to the standard's total.
    let d = row_of(&rows, "ZZ2.4");
    rows[d][points] = Data::Float(number(&rows[d][points]) + 5.0);
    let table = workbook(&rows);

    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, "2013.5", Some(("bad.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("class=\"error-summary\""));
    assert!(summary_has(&page, "file", "条款表有"), "{page}");
    assert!(page.contains("id=\"table-problems\""));
    // Excel rows are 1-based with the header as row 1.
    let letter = |c: usize| char::from(b'A' + c as u8);
    for expected in [
        format!(
            "第 {} 行 {} 列（分值）：分值应是最多两位小数的数字",
            a + 1,
            letter(points)
        ),
        format!(
            "第 {} 行 {} 列（判定方式）：未知的判定方式 &#34;抽签&#34;",
            b + 1,
            letter(judge)
        ),
        format!(
            "第 {} 行 {} 列（条款编号）：条款编号为空",
            c + 1,
            letter(id)
        ),
    ] {
        assert!(
            page.contains(&expected),
            "missing {expected} in {}",
            between(&page, "<ul id=\"table-problems\">", "</ul>")
        );
    }
    assert!(
        page.contains("<li>总分声明为 1000"),
        "the total no longer adds up: {page}"
    );
    // The typed label and the chosen base are kept.
    assert!(page.contains("name=\"version\" type=\"text\" value=\"2013.5\""));
    assert!(page.contains(&format!("<option value=\"{BASE}\" selected")));
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

    // In English for the English pages.
    let (status, page) = import(
        server,
        &format!("{cookie}; lang=en"),
        form(&token_value, BASE, "2013.5", Some(("bad.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!(
        "row {}, column {} (Judged by): unknown judge",
        b + 1,
        letter(judge)
    )));

    // Over the API: 422 with every problem and its row.
    let bearer = token(server, "city").await;
    let (status, body) = api_import(server, &bearer, "version=2013.5", table).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_file");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(problems.len() >= 4, "{body}");
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == b + 1 && p["message"].as_str().unwrap().contains("抽签"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == c + 1 && p["message"].as_str().unwrap().contains("条款编号为空"))
    );
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);

    // More problems than the page lists: the first 200, and a count of the rest.
    let category = column(&rows, "类别编号");
    let item = column(&rows, "项目编号");
    let text = column(&rows, "条款内容");
    let methods = column(&rows, "测评方法");
    // The unedited table, with 250 rows more whose judge does not exist.
    let mut many = clause_rows(&bytes);
    let template = many[a].clone();
    for i in 0..250 {
        let mut row = vec![Data::Empty; template.len()];
        row[category] = template[category].clone();
        row[item] = template[item].clone();
        row[id] = Data::String(format!("X{i}"));
        row[text] = Data::String(format!("补充条款 {i}"));
        row[points] = Data::Float(0.0);
        row[judge] = Data::String("抽签".into());
        row[methods] = template[methods].clone();
        many.push(row);
    }
    let many = workbook(&many);
    let found = xingfu_formats::standard_xlsx::clauses_from_xlsx("many.xlsx", &many, &lucheng())
        .unwrap_err()
        .len();
    assert!(found > 200, "{found}");
    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, "2013.5", Some(("many.xlsx", &many))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = between(&page, "<ul id=\"table-problems\">", "</ul>");
    assert_eq!(list.matches("<li>").count(), 200);
    assert!(page.contains(&format!("条款表有 {found} 处问题")));
    assert!(page.contains(&format!("还有 {} 个问题未列出", found - 200)));
    // The API lists the same first 200 and counts the rest.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2013.5", many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["problems"].as_array().unwrap().len(), 200);
    assert_eq!(body["error"]["unlisted"], found - 200);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("还有 {} 个问题未列出", found - 200)),
        "{message}"
    );
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
}
on_both!(a_bad_table_is_refused_row_by_row_and_nothing_is_stored);

/// Half a million one-cell rows: a 57 KB workbook, built once for every test here.
fn half_a_million_rows() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| many_rows_xlsx("条款", 500_000))
}

/// Small files that declare or inflate to huge sheets are refused before they are allocated:
/// 422 with a short answer naming the limit and the cell, on the page and through the API.
async fn a_table_past_the_reader_limits_is_refused_naming_the_limit(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let bearer = token(server, "district").await;
    let inflated = CLAUSE_TABLE_LIMITS.part_bytes + 1;
    let cases = [
        (
            "far.xlsx",
            far_cell_xlsx("条款", &["类别编号", "项目编号", "条款编号"]),
            "第 1048576 行超出上限 5000 行\u{ff08}单元格 XFD1048576\u{ff09}",
        ),
        (
            "rows.xlsx",
            half_a_million_rows().to_vec(),
            "第 5001 行超出上限 5000 行\u{ff08}单元格 A5001\u{ff09}",
        ),
        (
            "bomb.xlsx",
            inflating_xlsx("条款", inflated, inflated),
            "文件中的部件 xl/media/padding.bin 解压后超过 64 MB 的上限",
        ),
    ];
    for (name, bytes, message) in cases {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some((name, &bytes))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let list = between(&page, "<ul id=\"table-problems\">", "</ul>");
        assert_eq!(list.matches("<li>").count(), 1, "{name}: {list}");
        assert!(list.contains(message), "{name}: {list}");
        assert!(
            page.len() < 64 * 1024,
            "{name}: a page of {} bytes",
            page.len()
        );

        let (status, _, body) = api(
            server,
            Method::POST,
            "/api/v1/standards/lucheng-2012/2012.1/versions?version=2013.1",
            &bearer,
            &[("content-type", XLSX)],
            bytes,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.len() < 2048, "{name}: a body of {} bytes", body.len());
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "invalid_file");
        let problems = body["error"]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{name}: {body}");
        assert!(
            problems[0]["message"].as_str().unwrap().contains(message),
            "{name}: {body}"
        );
    }
    assert_eq!(stored_versions(server).await, ["lucheng-2012/2012.1"]);
}
on_both!(a_table_past_the_reader_limits_is_refused_naming_the_limit);

async fn a_taken_or_malformed_label_names_the_field(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let table = edited_table(server, &cookie).await;
    for (label, message) in [
        ("2012.1", "评价标准 lucheng-2012 已有版本 2012.1"),
        ("2013 1", "不能有空格"),
        ("", "请填写新版本号"),
        (&"9".repeat(33), "版本号最多 32 个字符"),
    ] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, label, Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {page}");
        assert!(summary_has(&page, "version", message), "{label}: {page}");
        assert!(page.contains("id=\"version-error\""));
        assert!(!page.contains("href=\"#file\""), "the table itself is fine");
    }
    // At the limit: 32 characters are a label.
    let longest = "9".repeat(32);
    let (status, body) = import(
        server,
        &cookie,
        form(&token_value, BASE, &longest, Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // A label imported once is taken afterwards.
    let (status, page) = import(
        server,
        &cookie,
        form(&token_value, BASE, &longest, Some(("t.xlsx", &table))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("已有版本 {longest}")));
    // No base chosen, and a base that is not stored.
    for base in ["", "lucheng-2012/1999"] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, base, "2013.1", Some(("t.xlsx", &table))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(summary_has(&page, "base", "基础"), "{base}: {page}");
    }
    assert_eq!(
        stored_versions(server).await,
        [
            "lucheng-2012/2012.1".to_string(),
            format!("lucheng-2012/{longest}")
        ]
    );

    // The API names the field too.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2012.1", table.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("version:"),
        "{body}"
    );
    let (status, body) = api_import(server, &bearer, "version=a%2Fb", table.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("version:"),
        "{body}"
    );
    let (status, body) = api_import(server, &bearer, "", table.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version")
    );
    let (status, _, _) = api(
        server,
        Method::POST,
        "/api/v1/standards/lucheng-2012/1999/versions?version=2013.1",
        &bearer,
        &[("content-type", XLSX)],
        table,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(stored_versions(server).await.len(), 2);
}
on_both!(a_taken_or_malformed_label_names_the_field);

async fn oversize_and_non_xlsx_files_are_refused_clearly(server: &Server) {
    let cookie = server.sign_in("district").await;
    let token_value = csrf(server, &cookie).await;
    let zip_of = |size: usize| {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.resize(size, 0);
        bytes
    };

    // Over the limit by one byte: 413, the page says the limit, the label is kept.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("big.xlsx", &zip_of(MAX_TABLE + 1))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(summary_has(&page, "file", "文件超过 5 MB 的上限"), "{page}");
    assert!(page.contains("value=\"2013.1\""));
    // Far over it (past what the route reads at all): the same answer.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("huge.xlsx", &zip_of(4 * MAX_TABLE))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("文件超过 5 MB 的上限"));
    // At the limit the size is fine; the content is then read, and is not a workbook.
    let (status, page) = import(
        server,
        &cookie,
        form(
            &token_value,
            BASE,
            "2013.1",
            Some(("edge.xlsx", &zip_of(MAX_TABLE))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.contains("文件超过"));
    assert!(page.contains("无法读取 Excel 文件"), "{page}");

    let old_excel = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    for (name, bytes, message) in [
        (
            "table.xlsx",
            &b"%PDF-1.4 not a table"[..],
            "文件内容不是 Excel 工作簿（.xlsx）",
        ),
        ("table.xls", &old_excel[..], "旧版 Excel 文件（.xls）"),
        (
            "table.csv",
            &b"id,text\nZZ1.1,x\n"[..],
            "文件内容不是 Excel 工作簿（.xlsx）",
        ),
        ("empty.xlsx", &b""[..], "文件是空的"),
    ] {
        let (status, page) = import(
            server,
            &cookie,
            form(&token_value, BASE, "2013.1", Some((name, bytes))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(summary_has(&page, "file", message), "{name}: {page}");
    }
    let (status, page) = import(server, &cookie, form(&token_value, BASE, "2013.1", None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(summary_has(&page, "file", "请选择要导入的条款表"));

    // The API: 413 and 422 with their codes, and a multipart body pointed to the raw body.
    let bearer = token(server, "district").await;
    let (status, body) = api_import(server, &bearer, "version=2013.1", zip_of(MAX_TABLE + 1)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (status, body) = api_import(server, &bearer, "version=2013.1", b"%PDF-1.4".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_file");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("file:")
    );
    let (status, _, body) = api(
        server,
        Method::POST,
        "/api/v1/standards/lucheng-2012/2012.1/versions?version=2013.1",
        &bearer,
        &[("content-type", "multipart/form-data; boundary=x")],
        b"--x--".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("multipart"));

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
}
on_both!(oversize_and_non_xlsx_files_are_refused_clearly);
