//! The round's pages say what happens next and who does it, confirm each action, and let the
//! deciding level send a result back (退回) with 审批意见, approve several at once, open a round
//! and see what waits for other levels; objections are flagged without naming the objector.
//! Over HTTP, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{PASSWORD, Server, between, csrf_of, urlencode, version_of};
use xingfu_core::scoring::Answer;
use xingfu_core::workflow::Role;
use xingfu_server::app::auth::hash_password;
use xingfu_server::app::clock::now_ms;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_store::accounts::NewUser;
use xingfu_store::rounds::{By, EntryChange};

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";

/// A redirect's target (the test client puts it on the first line of the body).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

async fn stage_of(server: &Server, round: &str, code: &str) -> String {
    server
        .state
        .store
        .entry(round, code)
        .await
        .unwrap()
        .unwrap()
        .stage
        .key()
        .to_string()
}

async fn every_stage_says_what_happens_next_and_each_step_is_confirmed(server: &Server) {
    let round = server.lucheng_round(2013).await;
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let wuma = server.sign_in("wuma").await;
    let (status, page, _) = server.get(&community, &wuma).await;
    assert_eq!(status, StatusCode::OK);
    let next = between(&page, "id=\"next-step\">", "</p>");
    assert_eq!(
        next, "已提交申报\u{ff0c}等待五马街道资格审查。",
        "names the unit"
    );
    // The round's list says the same beside the stage.
    let (_, list, _) = server.get(&format!("/rounds/{round}"), &wuma).await;
    assert!(list.contains("已提交申报\u{ff0c}等待五马街道资格审查。"));
    // So does the community's own sheet.
    let worker = server.sign_in("gulou").await;
    let (status, sheet, _) = server.get(&format!("{community}/sheet"), &worker).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sheet.contains("已提交申报\u{ff0c}等待五马街道资格审查。"));

    // The street checks it: the page confirms, and says what happens next.
    let (status, location, _) = server
        .post(
            &format!("{community}/check"),
            &wuma,
            &format!(
                "csrf={}&version={}",
                urlencode(&csrf_of(&page)),
                version_of(&page, &format!("{community}/check"))
            ),
        )
        .await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{community}?done=check"));
    let (_, page, _) = server.get(&location, &wuma).await;
    assert!(page.contains("资格审查已办理。"), "confirmed");
    assert_eq!(
        between(&page, "id=\"next-step\">", "</p>"),
        "资格审查已通过\u{ff0c}等待评审员评分\u{ff1b}评分完成后由五马街道计算得分。"
    );
    // A button pressed on a page read before a change is refused, nothing done.
    let stale = format!("csrf={}&version=1", urlencode(&csrf_of(&page)));
    let (status, body, _) = server
        .post(&format!("{community}/compute"), &wuma, &stale)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("在您打开此页之后已被他人修改"), "{body}");
    assert_eq!(stage_of(server, &round, GULOU).await, "scoring");

    // A 4★ result: the city approves, publishes and names, and the page says so by name.
    let round = server.lucheng_round(2014).await;
    server.computed_entry(&round, GULOU, 4).await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (_, page, _) = server.get(&community, &wuma).await;
    assert_eq!(
        between(&page, "id=\"next-step\">", "</p>"),
        "得分已计算\u{ff0c}等待温州市审批。"
    );
    let city = server.sign_in("city").await;
    let (_, page, _) = server.get(&community, &city).await;
    let (status, location, _) = server
        .post(
            &format!("{community}/approve"),
            &city,
            &format!(
                "csrf={}&version={}",
                urlencode(&csrf_of(&page)),
                version_of(&page, &format!("{community}/approve"))
            ),
        )
        .await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&location, &city).await;
    assert!(page.contains("已审批通过。"));
    assert_eq!(
        between(&page, "id=\"next-step\">", "</p>"),
        "已审批\u{ff0c}等待温州市公示。"
    );
    let (status, location, _) = server
        .post(
            &format!("{community}/publish"),
            &city,
            &format!("csrf={}&back=publication", urlencode(&csrf_of(&page))),
        )
        .await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        format!("/rounds/{round}/publication?done=publish")
    );
    let (_, list, _) = server.get(&location, &city).await;
    assert!(list.contains("已公示。"));
    assert!(
        list.contains("公示中\u{ff0c}异议受理至"),
        "the period's end, by date"
    );
    assert!(list.contains("期满且异议处理完毕后由温州市命名。"));
}
on_both!(every_stage_says_what_happens_next_and_each_step_is_confirmed);

async fn the_approver_sends_a_result_back_with_a_note_the_community_reads(server: &Server) {
    let round = server.lucheng_round(2013).await;
    server.computed_entry(&round, GULOU, 4).await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let action = format!("{community}/send-back");
    // The district does not decide a 4★ result: no send-back form for it.
    let district = server.sign_in("district").await;
    let (_, page, _) = server.get(&community, &district).await;
    assert!(!page.contains(&format!("action=\"{action}\"")));
    let city = server.sign_in("city").await;
    let (_, page, _) = server.get(&community, &city).await;
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    let csrf = urlencode(&csrf_of(&page));
    let version = version_of(&page, &action);
    // The note is required.
    let (status, body, _) = server
        .post(
            &action,
            &city,
            &format!("csrf={csrf}&version={version}&note=%20"),
        )
        .await;
    // The page again, saying which field and why, with nothing lost.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("审批意见"), "names the field: {body}");
    assert!(body.contains("href=\"#return-note\""), "{body}");
    assert_eq!(stage_of(server, &round, GULOU).await, "computed");
    // An over-long note comes back as typed, with its length.
    let long = "照片缺失".repeat(501);
    let (status, body, _) = server
        .post(
            &action,
            &city,
            &format!("csrf={csrf}&version={version}&note={}", urlencode(&long)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("现有 2004 字"), "{body}");
    let kept = between(&body, "id=\"return-note\"", "</textarea>");
    assert!(kept.contains(&long), "the note as typed");
    assert_eq!(stage_of(server, &round, GULOU).await, "computed");
    // The district may not send it back either.
    let (status, _, _) = server
        .post(
            &action,
            &district,
            &format!(
                "csrf={}&note=x",
                urlencode(&csrf_of(&server.get(&community, &district).await.1))
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let note = "ZZ2.3 居务公开栏照片缺失，请补充后重新评分";
    let (status, location, _) = server
        .post(
            &action,
            &city,
            &format!("csrf={csrf}&version={version}&note={}", urlencode(note)),
        )
        .await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{community}?done=send_back"));
    assert_eq!(stage_of(server, &round, GULOU).await, "scoring");
    let (_, page, _) = server.get(&location, &city).await;
    assert!(page.contains("已退回重新评分\u{ff0c}审批意见已记录。"));
    // The same form again is stale: refused.
    let (status, _, _) = server
        .post(
            &action,
            &city,
            &format!("csrf={csrf}&version={version}&note=again"),
        )
        .await;
    assert!(
        status == StatusCode::CONFLICT || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    // The community reads the note, and the change log keeps it as a sentence.
    let worker = server.sign_in("gulou").await;
    let (status, page, _) = server.get(&community, &worker).await;
    assert_eq!(status, StatusCode::OK);
    let shown = between(&page, "class=\"return-note\">", "</p>");
    assert!(shown.contains(note), "{shown}");
    let log = between(&page, "class=\"change-log\">", "</ol>");
    assert!(
        log.contains(&format!("city 退回重新评分\u{ff0c}审批意见\u{ff1a}{note}")),
        "{log}"
    );
    assert!(!log.contains("{\""), "no JSON: {log}");
    assert!(page.contains("资格审查已通过\u{ff0c}等待评审员评分"));
}
on_both!(the_approver_sends_a_result_back_with_a_note_the_community_reads);

async fn several_results_are_approved_at_once_and_a_stale_one_is_named(server: &Server) {
    let round = server.lucheng_round(2013).await;
    server.computed_entry(&round, GULOU, 2).await;
    server.computed_entry(&round, MOCHI, 3).await;
    // A 4★ result in 松台街道 waits for the city: the district sees it counted, by name.
    server.computed_entry(&round, "330302026003", 4).await;
    let queue = format!("/rounds/{round}/approvals");
    let district = server.sign_in("district").await;
    let (status, page, _) = server.get(&queue, &district).await;
    assert_eq!(status, StatusCode::OK);
    let elsewhere = between(&page, "id=\"elsewhere\">", "</ul>");
    assert!(elsewhere.contains("1 个结果待温州市审批"), "{elsewhere}");
    assert!(page.contains("鼓楼社区") && page.contains("墨池社区"));
    let pick = |code: &str| between(&page, &format!("value=\"{code}:"), "\"").to_string();
    let (gulou_at, mochi_at) = (pick(GULOU), pick(MOCHI));
    // 墨池社区 changes after the page was read.
    let store = &server.state.store;
    let now = store.entry(&round, MOCHI).await.unwrap().unwrap();
    let by = By {
        actor: "district",
        at: 4,
    };
    let change = EntryChange {
        total: Some(71_000),
        ..EntryChange::default()
    };
    store
        .update_entry(&round, MOCHI, now.version, &change, "compute", by)
        .await
        .unwrap()
        .unwrap();
    // Nothing ticked: refused, naming the field.
    let csrf = urlencode(&csrf_of(&page));
    let (status, body, _) = server
        .post(&queue, &district, &format!("csrf={csrf}"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("请至少勾选一个"), "{body}");
    let form = format!(
        "csrf={csrf}&pick={}&pick={}",
        urlencode(&format!("{GULOU}:{gulou_at}")),
        urlencode(&format!("{MOCHI}:{mochi_at}"))
    );
    let (status, location, _) = server.post(&queue, &district, &form).await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(stage_of(server, &round, GULOU).await, "approved");
    assert_eq!(
        stage_of(server, &round, MOCHI).await,
        "computed",
        "the stale one is left as it was"
    );
    let (_, page, _) = server.get(&location, &district).await;
    assert!(page.contains("已审批通过 1 个社区。"), "{page}");
    let refused = between(&page, "id=\"not-approved\">", "</ul>");
    assert!(
        refused.contains("墨池社区\u{ff08}在您打开此页之后已有变化"),
        "{refused}"
    );
}
on_both!(several_results_are_approved_at_once_and_a_stale_one_is_named);

/// 退回 and batch approval through the API, by the same rules as the pages.
async fn the_api_sends_back_and_approves_several(server: &Server) {
    use axum::http::Method;
    use serde_json::json;
    let round = server.lucheng_round(2013).await;
    server.computed_entry(&round, GULOU, 2).await;
    server.computed_entry(&round, MOCHI, 3).await;
    let district = server.api_token("district").await;
    let send_back = format!("/api/v1/rounds/{round}/entries/{GULOU}/send-back");
    let (status, body) = server
        .api_json(
            Method::POST,
            &send_back,
            Some(&district),
            Some(json!({"note": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("审批意见"), "{body}");
    let version = server.state.store.entry(&round, GULOU).await.unwrap();
    let version = version.unwrap().version;
    let note = "ZZ2.3 照片缺失，请补充";
    let stale = json!({"note": note, "version": version - 1});
    let (status, _) = server
        .api_json(Method::POST, &send_back, Some(&district), Some(stale))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let ok = json!({"note": note, "version": version});
    let (status, body) = server
        .api_json(Method::POST, &send_back, Some(&district), Some(ok))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], "scoring");
    assert_eq!(stage_of(server, &round, GULOU).await, "scoring");

    // 鼓楼 is back at scoring: of the two picks only 墨池 is approved; 鼓楼 is named and why.
    let approvals = format!("/api/v1/rounds/{round}/approvals");
    let (status, _) = server
        .api_json(
            Method::POST,
            &approvals,
            Some(&district),
            Some(json!({"entries": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let picks = json!({"entries": [{"code": GULOU}, {"code": MOCHI}]});
    let (status, body) = server
        .api_json(Method::POST, &approvals, Some(&district), Some(picks))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["approved"], json!([MOCHI]));
    assert_eq!(body["refused"][0]["code"], GULOU);
    assert_eq!(body["refused"][0]["name"], "鼓楼社区");
    assert_eq!(stage_of(server, &round, MOCHI).await, "approved");
    let (status, _) = server
        .api_json(
            Method::POST,
            "/api/v1/rounds/no-such-round/approvals",
            Some(&district),
            Some(json!({"entries": [{"code": MOCHI}]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both!(the_api_sends_back_and_approves_several);

async fn a_district_opens_a_round_from_the_page(server: &Server) {
    let district = server.sign_in("district").await;
    let (status, page, _) = server.get("/rounds", &district).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"open-round-form\""));
    assert!(page.contains("<option value=\"330302006000\">五马街道</option>"));
    let csrf = urlencode(&csrf_of(&page));
    // A bad year comes back with the error and what was typed.
    let bad = format!(
        "csrf={csrf}&standard={}&year=20x6&area=330302000000&objection_days=7",
        urlencode("lucheng-2012@2012.1")
    );
    let (status, body, _) = server.post("/rounds", &district, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("年度\u{ff1a}\u{201c}20x6\u{201d}不是年份"),
        "{body}"
    );
    assert!(body.contains("value=\"20x6\""), "typed values kept");
    let good = format!(
        "csrf={csrf}&standard={}&year=2016&area=330302000000&objection_days=5",
        urlencode("lucheng-2012@2012.1")
    );
    let (status, location, _) = server.post("/rounds", &district, &good).await;
    let location = first_line(&location);
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.ends_with("?done=opened"), "{location}");
    let (status, page, _) = server.get(&location, &district).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("评选年度已开设。"));
    let rounds = server
        .state
        .store
        .rounds_overlapping("330302")
        .await
        .unwrap();
    let opened = rounds.iter().find(|r| r.year == 2016).unwrap();
    assert_eq!(opened.objection_days, 5);
    assert_eq!(opened.opened_by, "district");
    // The same round again is refused with the reason, the form kept.
    let (status, body, _) = server.post("/rounds", &district, &good).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("该地区本年度已按此标准开设评选"));
    // Another district's area is refused; a resident has no form and cannot post one.
    let other = good.replace("330302000000", "330303000000");
    let (status, _, _) = server.post("/rounds", &district, &other).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let resident = server.sign_in("gulou-resident").await;
    let (_, page, _) = server.get("/rounds", &resident).await;
    assert!(!page.contains("id=\"open-round-form\""));
    let (status, _, _) = server
        .post(
            "/rounds",
            &resident,
            &good.replace(&csrf, &urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
on_both!(a_district_opens_a_round_from_the_page);

/// A sample size on the form opens the round's resident survey with it (and its closing day); a
/// bad one is refused before anything is opened.
async fn a_round_opens_with_its_survey(server: &Server) {
    let district = server.sign_in("district").await;
    let (_, page, _) = server.get("/rounds", &district).await;
    assert!(page.contains("id=\"survey_quota\""), "{page}");
    let csrf = urlencode(&csrf_of(&page));
    let form = |quota: &str, closes_on: &str| {
        format!(
            "csrf={csrf}&standard={}&year=2017&area=330302000000&objection_days=7&survey_quota={quota}&survey_closes_on={closes_on}",
            urlencode("lucheng-2012@2012.1")
        )
    };
    let opened_in = |year: i64| async move {
        let rounds = server.state.store.rounds_overlapping("330302").await;
        rounds.unwrap().into_iter().find(|r| r.year == year)
    };
    let (status, body, _) = server.post("/rounds", &district, &form("many", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(
            "居民满意度调查样本量\u{ff1a}\u{201c}many\u{201d}不是 0 到 100000 之间的整数"
        ),
        "{body}"
    );
    let (status, body, _) = server
        .post("/rounds", &district, &form("25", "2013-13-01"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("截止日期\u{ff1a}月份 13 不存在"), "{body}");
    assert!(body.contains("value=\"2013-13-01\""), "typed values kept");
    assert!(opened_in(2017).await.is_none(), "nothing opened");

    let day = xingfu_core::dates::local_text(now_ms() + 30 * 86_400_000)[..10].to_string();
    let (status, location, _) = server.post("/rounds", &district, &form("25", &day)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let round = opened_in(2017).await.expect("opened");
    let settings = server.state.store.survey_settings(&round.id).await.unwrap();
    let settings = settings.expect("the survey is open");
    assert_eq!(settings.quota, 25);
    assert_eq!(
        settings.closes_at,
        Some(xingfu_core::survey::closing::closes_at(&day).unwrap())
    );
    // Without a sample size, a round opens without a survey, as before.
    let (status, _, _) = server
        .post("/rounds", &district, &form("", "").replace("2017", "2018"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rounds = server
        .state
        .store
        .rounds_overlapping("330302")
        .await
        .unwrap();
    let plain = rounds.iter().find(|r| r.year == 2018).unwrap();
    let none = server.state.store.survey_settings(&plain.id).await.unwrap();
    assert!(none.is_none());
}
on_both!(a_round_opens_with_its_survey);

async fn open_objections_are_flagged_without_the_objector(server: &Server) {
    let round = server.approved_gulou(4).await;
    let city = server.user("city").await;
    service::publish(&server.state, &city, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let resident = server.user("gulou-resident").await;
    service::lodge_objection(
        &server.state,
        &resident,
        &round,
        GULOU,
        "评分与实际情况不符",
        Lang::Zh,
    )
    .await
    .unwrap();
    let district = server.sign_in("district").await;
    for path in [
        format!("/rounds/{round}"),
        format!("/rounds/{round}/publication"),
    ] {
        let (status, page, _) = server.get(&path, &district).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("1 异议待处理"), "{path}: {page}");
    }
    let community = format!("/rounds/{round}/communities/{GULOU}");
    // Another resident sees the objection but not who lodged it, in the list or the log.
    server.account("neighbour", Role::Resident, GULOU).await;
    let neighbour = server.sign_in("neighbour").await;
    let (_, page, _) = server.get(&community, &neighbour).await;
    assert!(page.contains("评分与实际情况不符"));
    assert!(
        !page.contains("gulou-resident"),
        "the objector is not shown"
    );
    assert!(page.contains("有人 对公示结果提出异议"));
    // The city, which decides it, sees who.
    let city = server.sign_in("city").await;
    let (_, page, _) = server.get(&community, &city).await;
    assert!(page.contains("gulou-resident"));
}
on_both!(open_objections_are_flagged_without_the_objector);

async fn the_page_names_people_and_shows_each_assessors_value(server: &Server) {
    let hash = hash_password(PASSWORD).unwrap();
    for (username, name) in [("jia", "评审员甲"), ("yi", "评审员乙")] {
        server
            .state
            .store
            .create_user(
                &NewUser {
                    username,
                    display_name: name,
                    password_hash: &hash,
                    role: Role::Assessor.key(),
                    region_code: "330302000000",
                },
                0,
            )
            .await
            .unwrap();
    }
    let round = server.lucheng_round(2013).await;
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    service::check(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let points = |n: i64| Answer::number(xingfu_core::Dec2::from_int(n));
    let jia = server.user("jia").await;
    for value in [10, 12] {
        service::save_sheet(
            &server.state,
            &jia,
            &round,
            GULOU,
            vec![("ZZ1.1".into(), points(value))],
            Lang::Zh,
        )
        .await
        .unwrap();
    }
    let yi = server.user("yi").await;
    service::save_sheet(
        &server.state,
        &yi,
        &round,
        GULOU,
        vec![("ZZ1.1".into(), points(9))],
        Lang::Zh,
    )
    .await
    .unwrap();
    let session = server.sign_in("district").await;
    let (status, page, _) = server
        .get(&format!("/rounds/{round}/communities/{GULOU}"), &session)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("评审员甲 将 ZZ1.1 由 10 分改为 12 分"),
        "the change log as sentences, by name"
    );
    assert!(page.contains("评审员乙 将 ZZ1.1 评为 9 分"));
    assert!(
        !page.contains(">jia<") && !page.contains(" jia "),
        "names, not usernames"
    );
    assert!(
        page.contains("ZZ1.1 健全社区党组织领导的居民自治机制"),
        "the disagreement names the clause"
    );
    // Each assessor's value, by name (in the order the sheets are read).
    let line = between(&page, "ZZ1.1 健全社区党组织领导的居民自治机制", "</li>");
    assert!(
        line.contains("评审员甲 12 分") && line.contains("评审员乙 9 分"),
        "{line}"
    );
    assert!(
        line.contains('\u{ff0c}') && line.contains('\u{ff1a}'),
        "{line}"
    );
    assert!(page.contains("<th scope=\"col\">类别</th>"));
}
on_both!(the_page_names_people_and_shows_each_assessors_value);
