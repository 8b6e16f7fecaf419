//! A whole round through the API, and objections lodged and decided.

use super::*;

/// A full answer sheet built from the standard as `GET /standards/{id}/{version}` shows it:
/// every scored clause at full marks, graded ones `cut` hundredths short.
fn full_sheet(standard: &Value, cut: i64) -> Value {
    let mut answers = serde_json::Map::new();
    for category in standard["categories"].as_array().unwrap() {
        for item in category["items"].as_array().unwrap() {
            for clause in item["clauses"].as_array().unwrap() {
                if clause["veto"] == json!(true) {
                    continue;
                }
                let judge = &clause["judge"];
                let answer = match judge["kind"].as_str().unwrap() {
                    "met" => json!({"met": true}),
                    "graded" => {
                        let points = (clause["points"].as_f64().unwrap() * 100.0).round() as i64;
                        json!({"number": (points - cut.min(points)) as f64 / 100.0})
                    }
                    "survey" => json!({"number": 95}),
                    _ => {
                        let rule = &judge["rule"];
                        let value = match rule["rule"].as_str().unwrap() {
                            "linear" => &rule["full_at"],
                            _ => &rule["value"],
                        };
                        json!({"number": value})
                    }
                };
                answers.insert(clause["id"].as_str().unwrap().to_string(), answer);
            }
        }
    }
    json!({ "answers": answers })
}

async fn a_whole_round_through_the_api(server: &Server) {
    let district = token(server, "district").await;
    let city = token(server, "city").await;
    let wuma = token(server, "wuma").await;
    let longwan = token(server, "longwan").await;
    let gulou = token(server, "gulou").await;
    let assessor = token(server, "assessor").await;
    let assessor2 = token(server, "assessor2").await;
    let own_assessor = token(server, "gulou-assessor").await;

    // Reference data.
    let reply = get(server, "/api/v1/regions/330302006000", &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], "五马街道");
    assert_eq!(reply.body["level"], "street");
    assert_eq!(reply.body["parent"], "330302000000");
    let reply = get(server, "/api/v1/regions/330302006000/children", &wuma).await;
    let codes: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [GULOU, MOCHI]);
    let reply = get(server, "/api/v1/regions/999999999999", &wuma).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let reply = get(server, "/api/v1/regions/999999999999/children", &wuma).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = get(server, "/api/v1/standards", &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!([{
            "id": "lucheng-2012",
            "version": "2012.1",
            "name": "鹿城区（城市）社区幸福指数测评体系（2012版）",
            "name_en": "Lucheng District (Urban) Community Happiness Index Assessment System (2012 edition)",
            "programme": "幸福社区",
        }]),
        "only the stored standards"
    );
    let standard = get(server, "/api/v1/standards/lucheng-2012/2012.1", &district).await;
    assert_eq!(standard.status, StatusCode::OK);
    assert_eq!(standard.body["total_points"], 1000);
    assert_eq!(standard.body["stars"][3]["approval"], "city");
    let standard = standard.body;
    let reply = get(server, "/api/v1/standards/lucheng-2012/1999", &district).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Opening the round: a district administrator of the region.
    let new_round = json!({
        "year": 2013,
        "region_code": "330302000000",
        "standard_id": "lucheng-2012",
        "standard_version": "2012.1",
        "objection_days": 0,
    });
    let reply = post(server, "/api/v1/rounds", &wuma, new_round.clone()).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "a street cannot open a round"
    );
    assert_eq!(reply.code(), "forbidden");
    let reply = post(server, "/api/v1/rounds", &longwan, new_round.clone()).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "another district's region"
    );
    let mut unknown = new_round.clone();
    unknown["standard_version"] = json!("9.9");
    let reply = post(server, "/api/v1/rounds", &district, unknown).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("standard_version"));
    let reply = post(server, "/api/v1/rounds", &district, new_round.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["year"], 2013);
    assert_eq!(reply.body["region_name"], "鹿城区");
    assert_eq!(reply.body["opened_by"], "district");
    assert_eq!(reply.body["entries"], 0);
    let round = reply.body["id"].as_str().unwrap().to_string();
    let reply = post(server, "/api/v1/rounds", &district, new_round).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "conflict");

    let reply = get(server, "/api/v1/rounds", &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body[0]["id"], round.as_str());
    let reply = get(server, "/api/v1/rounds", &longwan).await;
    assert_eq!(reply.body, json!([]), "龙湾区 has no round");
    let reply = get(server, &format!("/api/v1/rounds/{round}"), &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["standard_id"], "lucheng-2012");
    let reply = get(server, "/api/v1/rounds/no-such-round", &district).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Declaring: the community worker, for their own community only, once.
    let entries = format!("/api/v1/rounds/{round}/entries");
    let reply = post(server, &entries, &gulou, json!({"community": MOCHI})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &entries, &gulou, json!({"community": GULOU})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["stage"], "declared");
    assert_eq!(reply.body["stage_label"], "已申报");
    assert_eq!(reply.body["community_name"], "鼓楼社区");
    let reply = post(server, &entries, &gulou, json!({"community": GULOU})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    let entry = format!("/api/v1/rounds/{round}/entries/{GULOU}");
    // The declaration's veto answers.
    let declaration = json!({"answers": {
        "TJ1.1": {"met": true}, "TJ1.2": {"met": true}, "TJ1.3": {"met": true, "note": "无"},
    }});
    let reply = put(server, &format!("{entry}/answers"), &gulou, declaration).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The reply carries the sheet's version after the save (the first save makes it 1).
    assert_eq!(
        reply.body,
        json!({"sheet": "self", "saved": 3, "version": 1})
    );
    // A client that sends the version it read is refused, in the API's error shape, when the
    // sheet was saved since; nothing is written.
    let stale = json!({"answers": {"TJ1.1": {"met": false}}, "version": 0});
    let reply = put(server, &format!("{entry}/answers"), &gulou, stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["error"]["code"], "conflict");
    assert!(
        reply.message().contains("此表已被 gulou 于 "),
        "{}",
        reply.message()
    );
    let reply = get(server, &format!("{entry}/answers"), &gulou).await;
    assert_eq!(reply.body["version"], 1);
    assert_eq!(reply.body["answers"]["TJ1.1"], json!({"met": true}));
    assert_eq!(reply.body["sheet"], "self");
    assert_eq!(
        reply.body["answers"]["TJ1.3"],
        json!({"met": true, "note": "无"})
    );

    // Scoring waits for the eligibility check.
    let sheet = full_sheet(&standard, 0);
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = post(server, &format!("{entry}/check"), &gulou, json!({})).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "only administrators check"
    );
    let reply = post(server, &format!("{entry}/check"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "scoring");

    // An assessor never scores their own community.
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &own_assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.message().contains("自己所在的社区"),
        "{}",
        reply.message()
    );
    // An answer that does not fit its clause: refused whole, naming the clause.
    let mut bad = sheet.clone();
    bad["answers"]["ZG1.1"] = json!({"number": 120});
    let reply = put(server, &format!("{entry}/answers"), &assessor, bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("ZG1.1"), "{}", reply.message());
    let reply = get(server, &format!("{entry}/answers"), &assessor).await;
    assert_eq!(
        reply.body,
        json!({"sheet": "assessor", "version": 0, "answers": {}}),
        "nothing written"
    );

    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor,
        sheet.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["sheet"], "assessor");
    let count = sheet["answers"].as_object().unwrap().len() as u64;
    assert_eq!(reply.body["saved"], count);
    let reply = put(
        server,
        &format!("{entry}/answers"),
        &assessor2,
        full_sheet(&standard, 100),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let reply = post(server, &format!("{entry}/compute"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "computed");
    let star = reply.body["star"].as_i64().unwrap();
    assert!(
        star >= 4,
        "a near-perfect panel is rated 4★ or 5★, got {star}"
    );
    assert_eq!(reply.body["decision"], "new");
    assert_eq!(
        reply.body["reward_fen"].as_i64(),
        Some(if star == 5 { 50_000_000 } else { 30_000_000 })
    );

    // The score card.
    let reply = get(server, &entry, &wuma).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let result = &reply.body["result"];
    assert_eq!(result["assessors"], 2);
    assert_eq!(result["star"].as_i64(), Some(star));
    assert_eq!(result["total"], reply.body["entry"]["total"]);
    assert_eq!(result["vetoed_by"], json!([]));
    assert!(!result["disagreements"].as_array().unwrap().is_empty());
    assert_eq!(result["categories"].as_array().unwrap().len(), 7);
    if star < 5 {
        let next = &result["next_star"];
        assert_eq!(next["level"].as_i64(), Some(star + 1));
        assert!(!next["candidates"].as_array().unwrap().is_empty());
    } else {
        assert_eq!(result["next_star"], Value::Null);
    }
    assert_eq!(reply.body["history"][0]["year"], 2013);
    let reply = send_raw(
        server,
        Method::GET,
        &entry,
        Auth::Bearer(&wuma),
        &[("Accept-Language", "en")],
        None,
    )
    .await;
    assert_eq!(reply.body["entry"]["stage_label"], "awaiting approval");
    assert_eq!(reply.body["result"]["categories"][6]["name"], "Eligibility");

    // 4–5★ are the city's decision.
    let reply = post(server, &format!("{entry}/approve"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "forbidden");
    assert!(reply.message().contains("市级审批"), "{}", reply.message());
    let reply = post(server, &format!("{entry}/approve"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["approved_by"], "city");
    // The level that approved publishes: the district may not put the city's decision up.
    let reply = post(server, &format!("{entry}/publish"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = post(server, &format!("{entry}/publish"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["stage"], "published");
    // This round's objection period is 0 days: it ended as it began.
    let reply = post(
        server,
        &format!("{entry}/objections"),
        &gulou,
        json!({"text": "不同意"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.message().contains("公示期已结束"),
        "{}",
        reply.message()
    );
    // Naming a 4–5★ title is the city's too.
    let reply = post(server, &format!("{entry}/name"), &district, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = post(server, &format!("{entry}/name"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["stage"], "named");
    let reply = post(server, &format!("{entry}/name"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "named only once");

    // The trail, the list and the budget.
    let reply = get(server, &format!("{entry}/audit"), &wuma).await;
    assert_eq!(reply.status, StatusCode::OK);
    let actions: BTreeSet<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for action in [
        "declare",
        "self_assess",
        "check_eligibility",
        "score",
        "compute",
        "approve",
        "publish",
        "name",
    ] {
        assert!(actions.contains(action), "{action} in the trail");
    }
    let last = reply.body.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "name");
    assert_eq!(last["after"]["star"].as_i64(), Some(star));
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);

    let reply = get(server, &entries, &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["total"], 1);
    assert_eq!(reply.body["entries"][0]["stage"], "named");
    let reply = get(server, &format!("{entries}?limit=0"), &district).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("limit"));

    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &district).await;
    assert_eq!(reply.status, StatusCode::OK);
    let levels: Vec<&str> = reply.body["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["city", "district"]);
    assert_eq!(
        reply.body["total_fen"].as_i64(),
        Some(if star == 5 { 50_000_000 } else { 30_000_000 })
    );
    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &wuma).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = get(server, &format!("/api/v1/rounds/{round}/budget"), &longwan).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
on_both!(a_whole_round_through_the_api);

async fn objections_are_lodged_while_published_and_decided_by_the_approving_level(server: &Server) {
    let city = token(server, "city").await;
    let district = token(server, "district").await;
    let resident = token(server, "gulou-resident").await;
    let other_resident = token(server, "mochi-resident").await;
    let round = server.approved_gulou(4).await;
    let entry = format!("/api/v1/rounds/{round}/entries/{GULOU}");
    let objections = format!("{entry}/objections");

    // Not yet published: nothing to object to.
    let reply = post(server, &objections, &resident, json!({"text": "有异议"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &format!("{entry}/publish"), &city, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Residents of the community may object; of another community may not; text is required.
    let reply = post(
        server,
        &objections,
        &other_resident,
        json!({"text": "有异议"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(server, &objections, &resident, json!({"text": "   "})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("异议内容"), "{}", reply.message());
    let long = "长".repeat(2001);
    let reply = post(server, &objections, &resident, json!({"text": long})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("2000"), "{}", reply.message());
    let reply = post(
        server,
        &objections,
        &resident,
        json!({"text": "道德讲堂全年没有开展过活动"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["status"], "open");
    assert_eq!(reply.body["lodged_by"], "gulou-resident");
    let first = reply.body["id"].as_str().unwrap().to_string();
    let reply = post(
        server,
        &objections,
        &resident,
        json!({"text": "满意度调查只问了楼栋长"}),
    )
    .await;
    let second = reply.body["id"].as_str().unwrap().to_string();

    // A 4★ result is the city's: the district may not decide, nor name.
    let decide = |id: &str| format!("{objections}/{id}/decide");
    let reply = post(
        server,
        &decide(&first),
        &district,
        json!({"outcome": "dismiss", "note": "活动记录齐全"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "maybe", "note": "x"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("outcome"), "{}", reply.message());
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "dismiss", "note": ""}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("处理意见"), "{}", reply.message());
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "dismiss", "note": "活动记录齐全"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "dismissed");
    assert_eq!(reply.body["decided_by"], "city");
    let reply = post(
        server,
        &decide(&first),
        &city,
        json!({"outcome": "uphold", "note": "改判"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "decided once only");

    // Upholding sends the result back for scoring; objections then stop.
    let reply = post(
        server,
        &decide(&second),
        &city,
        json!({"outcome": "uphold", "note": "属实,重新评审"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = get(server, &entry, &city).await;
    assert_eq!(reply.body["entry"]["stage"], "scoring", "{}", reply.body);
    let reply = post(server, &objections, &resident, json!({"text": "再提一次"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let reply = get(server, &objections, &resident).await;
    let statuses: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["dismissed", "upheld"]);
    let reply = get(server, &objections, &other_resident).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = get(server, &format!("{entry}/audit"), &city).await;
    let actions: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "declare",
            "approve",
            "publish",
            "object",
            "object",
            "decide_objection",
            "decide_objection",
            "uphold_objection"
        ]
    );
}
on_both!(objections_are_lodged_while_published_and_decided_by_the_approving_level);
