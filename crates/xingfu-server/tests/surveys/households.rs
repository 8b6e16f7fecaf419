//! One answer per household: household codes, phone numbers however written, and made-up codes
//! from one address.

use super::*;

/// The final screen's form for a household without a phone, with its household code.
fn final_form_with_code(token: &str, answers: &[(&str, &str)], code: &str) -> String {
    let mut form = format!(
        "ct={token}&step=5&nav=submit&phone=&code={}",
        urlencode(code)
    );
    for (question, option) in answers {
        form.push_str(&format!("&a_{question}={}", urlencode(option)));
    }
    form
}

/// Whether the rating would read any survey answer of the community now.
async fn feeds_the_rating(server: &Server, round: &str, community: &str) -> bool {
    surveys::survey_feed(&server.state, round, community)
        .await
        .unwrap()
        .is_some()
}

async fn made_up_codes_from_one_address_count_only_once_accepted(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // 15 anonymous answers with made-up household codes, one address, within minutes.
    let mut locations = Vec::new();
    for n in 0..15 {
        let (status, body, location) = resident_post(
            server,
            &link,
            &final_form_with_code(
                &format!("made-up-form-{n:06}"),
                ALL_SATISFIED,
                &format!("9-{n:03}"),
            ),
            [198, 51, 100, 7],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        locations.push(location.unwrap());
    }
    // The fifth completed a burst: it and every later one are received to be checked, and the
    // first four were taken back out of the tally.
    assert!(
        locations[..4].iter().all(|l| l.ends_with("/done")),
        "{locations:?}"
    );
    assert!(
        locations[4..]
            .iter()
            .all(|l| l.ends_with("/done?checked=1")),
        "{locations:?}"
    );
    let (status, page, _) = server.get(&locations[14], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("您的问卷已经收到"), "{page}");
    assert!(page.contains("核对后计入调查结果"), "{page}");
    assert!(
        tally(server, &round, GULOU)
            .await
            .get("respondents")
            .is_none_or(|n| *n == 0)
    );
    assert!(
        !feeds_the_rating(server, &round, GULOU).await,
        "held answers feed no rating"
    );

    // The results say what is counted and what is held.
    let district = server.sign_in("district").await;
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/surveys?area={GULOU}"), &district)
        .await;
    assert!(
        page.contains("已计入 0 份\u{ff1b}待核实 15 份\u{ff1b}不予计入 0 份"),
        "{page}"
    );
    assert!(page.contains("结果和评分只用已计入的答卷"), "{page}");
    let token = api_token(server, "district").await;
    let (_, results) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/results/{GULOU}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (results["respondents"].as_u64(), results["held"].as_i64()),
        (Some(0), Some(15))
    );

    // The district officer's 待核实 list shows each answer with its signal.
    let review = format!("/rounds/{round}/surveys/{GULOU}/review");
    let (status, page, _) = server.get(&review, &district).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("同一来源集中提交"), "{page}");
    assert_eq!(page.matches("name=\"listed\"").count(), 15);
    let listed: Vec<String> = page
        .split("name=\"listed\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    let mut form = format!("csrf={}&decision=accept_all", csrf_of(&page));
    for id in &listed {
        form.push_str(&format!("&listed={id}"));
    }
    // Accepted: counted, once.
    let (status, body, _) = server.post(&review, &district, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 15);
    assert!(feeds_the_rating(server, &round, GULOU).await);
    let (_, page, _) = server.get(&review, &district).await;
    assert!(page.contains("没有待核实的答卷"), "{page}");
    // The same form again (a second officer, a double click): stale, nothing counted twice.
    let (status, _, _) = server.post(&review, &district, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 15);

    // The same in 墨池, rejected through the API: never counted, and a late accept is stale.
    let mochi = link_of(server, &round, MOCHI, "wuma").await;
    for n in 0..15 {
        resident_post(
            server,
            &mochi,
            &final_form_with_code(
                &format!("mochi-made-up-{n:06}"),
                ALL_SATISFIED,
                &format!("9-{n:03}"),
            ),
            [198, 51, 100, 8],
        )
        .await;
    }
    let path = format!("/api/v1/rounds/{round}/survey/review/{MOCHI}");
    let (status, held) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["held"], 15);
    assert_eq!(held["answers"][0]["signals"][0], "burst");
    let ids: Vec<Value> = held["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let (status, decided) = api(
        server,
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"ids": ids, "decision": "reject"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["decided"].as_array().unwrap().len(), 15);
    let (_, late) = api(
        server,
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"ids": ids, "decision": "accept"})),
    )
    .await;
    assert_eq!(late["stale"].as_array().unwrap().len(), 15);
    assert!(
        tally(server, &round, MOCHI)
            .await
            .get("respondents")
            .is_none_or(|n| *n == 0)
    );
    assert!(!feeds_the_rating(server, &round, MOCHI).await);
    let (_, held) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(
        (held["held"].as_i64(), held["rejected"].as_i64()),
        (Some(0), Some(15))
    );

    // Street and community staff neither see nor decide the list.
    for username in ["wuma", "gulou"] {
        let other = api_token(server, username).await;
        let (status, _) = api(server, Method::GET, &path, Some(&other), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        let (status, _) = api(
            server,
            Method::POST,
            &path,
            Some(&other),
            Some(json!({"ids": ids, "decision": "accept"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
    }
}
on_both!(made_up_codes_from_one_address_count_only_once_accepted);

async fn codes_outside_the_household_register_are_refused(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // Without a register any code is taken.
    let (status, _, _) = resident_post(
        server,
        &link,
        &final_form_with_code("before-register-0001", ALL_SATISFIED, "9-000"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // 鼓楼 keeps a household register for its home visits.
    for address in ["3栋2单元501", "3栋2单元502"] {
        server
            .state
            .store
            .create_household(
                &xingfu_store::visits::NewHousehold {
                    community_code: GULOU,
                    grid_id: None,
                    building: None,
                    address,
                    contact_name: None,
                    phone: None,
                },
                By {
                    actor: "gulou",
                    at: 1,
                },
            )
            .await
            .unwrap();
    }
    // A code outside it is refused at the household field, in plain words.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form_with_code("outside-register-01", ALL_SATISFIED, "9-001"),
        [10, 0, 0, 2],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("不在本社区的住户登记中"), "{page}");
    assert!(page.contains("e-household"), "{page}");
    // A listed one, however it is spaced, is taken.
    let (status, body, _) = resident_post(
        server,
        &link,
        &final_form_with_code("inside-register-001", ALL_SATISFIED, "3 栋 2 单元 501"),
        [10, 0, 0, 3],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // Staff entry is refused too, through the API and the page.
    let staff = api_token(server, "gulou").await;
    let (status, body) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{GULOU}/answers"),
        Some(&staff),
        Some(json!({
            "client_token": "staff-outside-0001",
            "channel": "paper",
            "answers": ALL_SATISFIED.iter().copied().collect::<BTreeMap<_, _>>(),
            "household_code": "9-002",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.to_string().contains("不在本社区的住户登记中"),
        "{body}"
    );
    let gulou = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/surveys/{GULOU}/enter");
    let (_, page, _) = server.get(&path, &gulou).await;
    let mut form = format!(
        "csrf={}&ct=staff-outside-page-01&channel=paper&phone=&code=9-003",
        csrf_of(&page)
    );
    for (q, a) in ALL_SATISFIED {
        form.push_str(&format!("&a_{q}={a}"));
    }
    let (status, page, _) = server.post(&path, &gulou, &form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("不在本社区的住户登记中"), "{page}");
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 2);
}
on_both!(codes_outside_the_household_register_are_refused);

async fn one_phone_number_however_written_is_one_household(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let (status, _, _) = resident_post(
        server,
        &link,
        &final_form("phone-form-000000000", ALL_SATISFIED, "13911112222"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for (n, written) in [
        "013911112222",
        "+86 139-1111-2222",
        "0086 139 1111 2222",
        "139.1111.2222",
        "０１３９１１１１２２２２",
    ]
    .iter()
    .enumerate()
    {
        let (status, page, _) = resident_post(
            server,
            &link,
            &final_form(&format!("phone-form-{n:09}x"), ALL_SATISFIED, written),
            [10, 0, 1, n as u8],
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{written}: {page}");
        assert!(page.contains("您家本轮已经填写过问卷"), "{written}: {page}");
    }
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 1);
    // A number that is none: said at the field, in large plain words.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form("phone-form-bad-0001", ALL_SATISFIED, "139-1111"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("不是有效的电话号码\u{3002}请填写 11 位手机号"),
        "{page}"
    );
    assert!(
        page.contains("class=\"field-error\" id=\"e-household\""),
        "{page}"
    );
}
on_both!(one_phone_number_however_written_is_one_household);
