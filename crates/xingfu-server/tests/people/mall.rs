//! The points mall: redemptions refused clearly and applied once, and the page for people
//! without points.

use super::*;

/// A volunteer linked to gulou-resident with `points`, and two items in 鼓楼's mall.
async fn mall_setup(server: &Server, points: i64) -> (String, String, String) {
    let store = &server.state.store;
    let account = user_id(server, "gulou-resident").await;
    let v = store
        .create_volunteer(
            &NewVolunteer {
                community_code: GULOU,
                name: "张三",
                team_id: None,
                user_id: Some(&account),
                phone: None,
            },
            1,
        )
        .await
        .unwrap();
    if points > 0 {
        store
            .adjust_points(
                &format!("adjust:{}:seed", v.id),
                &v.id,
                points,
                "补录往年积分",
                by("gulou", 1),
            )
            .await
            .unwrap();
    }
    let rice = store
        .create_item(GULOU, "大米 5kg", 100, 3, by("gulou", 1))
        .await
        .unwrap();
    let soap = store
        .create_item(GULOU, "肥皂", 10, 1, by("gulou", 1))
        .await
        .unwrap();
    (v.id, rice.id, soap.id)
}

fn request_key_for(page: &str, item: &str) -> String {
    let form = between(page, &format!("name=\"item\" value=\"{item}\""), "</form>");
    between(form, "name=\"request_key\" value=\"", "\"").to_string()
}

async fn redemptions_are_refused_clearly_and_applied_once(server: &Server) {
    let (volunteer, rice, soap) = mall_setup(server, 22).await;
    let resident = browser(server, "gulou-resident").await;
    let (status, page, _) = server.get("/mall", &resident.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("大米 5kg") && page.contains("肥皂"));
    assert!(page.contains("<strong>22</strong>"), "the balance is shown");
    assert!(
        page.contains("<form method=\"post\" action=\"/mall/redeem\""),
        "plain forms, no script"
    );
    assert!(!page.contains("<script"));

    // Not enough points: the message says how many are needed and held; the quantity is kept.
    let key = request_key_for(&page, &rice);
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("community", GULOU),
                    ("item", &rice),
                    ("quantity", "1"),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("积分不足：兑换需要 100 分，现有 22 分。"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"#quantity_{rice}\"")));
    // Not enough stock: 2 wanted, 1 left.
    let (page_status, page, _) = server.get("/mall", &resident.cookie).await;
    assert_eq!(page_status, StatusCode::OK);
    let key = request_key_for(&page, &soap);
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("community", GULOU),
                    ("item", &soap),
                    ("quantity", "2"),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“肥皂”库存不足：剩余 1 件，您要兑换 2 件。"));
    assert!(page.contains(&format!(
        "id=\"quantity_{soap}\" name=\"quantity\" type=\"text\" inputmode=\"numeric\" value=\"2\""
    )));
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(22)
    );

    // One soap: exchanged; the same form sent again exchanges nothing more.
    let exchange = form(
        &resident.csrf,
        &[
            ("community", GULOU),
            ("item", &soap),
            ("quantity", "1"),
            ("request_key", &key),
        ],
    );
    let (status, body, _) = server
        .post("/mall/redeem", &resident.cookie, &exchange)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &resident.cookie)
        .await;
    assert!(
        page.contains("兑换成功：肥皂 × 1，用去 10 积分，现有 12 积分。"),
        "{page}"
    );
    let (status, body, _) = server
        .post("/mall/redeem", &resident.cookie, &exchange)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(body.contains("repeated=1"));
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &resident.cookie)
        .await;
    assert!(page.contains("没有重复扣分"));
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(12)
    );
    assert_eq!(
        server.state.store.item(&soap).await.unwrap().unwrap().stock,
        0
    );

    // A resident cannot spend someone else's points; staff must say whose.
    let (status, _, _) = server
        .post(
            "/mall/redeem",
            &resident.cookie,
            &form(
                &resident.csrf,
                &[
                    ("item", &rice),
                    ("quantity", "1"),
                    ("volunteer", "someone-else"),
                    ("request_key", "abcdefgh12"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let worker = browser(server, "gulou").await;
    let (_, page, _) = server.get("/mall", &worker.cookie).await;
    assert!(page.contains("上架商品") && page.contains("补货"));
    let (status, page, _) = server
        .post(
            "/mall/redeem",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("community", GULOU),
                    ("item", &rice),
                    ("quantity", "1"),
                    ("volunteer", ""),
                    ("request_key", "abcdefgh13"),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择兑换的志愿者"));
    assert!(page.contains(&format!("href=\"#volunteer-{rice}\"")));
    // Staff restock, and refund the soap from the volunteer's page: points and stock return.
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{rice}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "0")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{rice}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "2")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        server.state.store.item(&rice).await.unwrap().unwrap().stock,
        5
    );
    let ledger = server.state.store.ledger_of(&volunteer).await.unwrap();
    let redemption = ledger
        .iter()
        .find(|r| r.kind == "redeem")
        .unwrap()
        .key
        .clone();
    let (status, _, _) = server
        .post(
            &format!("/volunteers/people/{volunteer}/refund"),
            &worker.cookie,
            &form(&worker.csrf, &[("key", &redemption)]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(22)
    );
    assert_eq!(
        server.state.store.item(&soap).await.unwrap().unwrap().stock,
        1
    );

    // The API: 201 for the exchange, 200 for the same request again, 400 when short.
    let token = api_token(server, "gulou-resident").await;
    let body = json!({"item_id": soap, "quantity": 1, "request_key": "api-request-1"});
    let first = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(body.clone()),
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(
        (first.1["balance"].as_i64(), first.1["repeated"].as_bool()),
        (Some(12), Some(false))
    );
    let again = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(body),
    )
    .await;
    assert_eq!(again.0, StatusCode::OK);
    assert_eq!(again.1["repeated"], true);
    let short = api(
        server,
        Method::POST,
        "/api/v1/mall/redemptions",
        &token,
        Some(json!({"item_id": rice, "quantity": 1, "request_key": "api-request-2"})),
    )
    .await;
    assert_eq!(short.0, StatusCode::BAD_REQUEST);
    assert!(
        short.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("积分不足")
    );
    let mall = api(
        server,
        Method::GET,
        &format!("/api/v1/communities/{GULOU}/mall"),
        &token,
        None,
    )
    .await;
    assert_eq!(mall.1["balance"], 12);
    assert_eq!(mall.1["items"].as_array().unwrap().len(), 2);

    // At the station's counter a worker exchanges on behalf of a volunteer.
    let (status, _, _) = server
        .post(
            &format!("/mall/items/{soap}/restock"),
            &worker.cookie,
            &form(&worker.csrf, &[("community", GULOU), ("quantity", "1")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get("/mall", &worker.cookie).await;
    let key = request_key_for(&page, &soap);
    let (status, body, _) = server
        .post(
            "/mall/redeem",
            &worker.cookie,
            &form(
                &worker.csrf,
                &[
                    ("community", GULOU),
                    ("item", &soap),
                    ("quantity", "1"),
                    ("volunteer", &volunteer),
                    ("request_key", &key),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server
        .get(body.lines().next().unwrap(), &worker.cookie)
        .await;
    assert!(page.contains("现有 2 积分"), "{page}");
    assert_eq!(
        server.state.store.balance(&volunteer).await.unwrap(),
        Some(2)
    );
}
on_both!(redemptions_are_refused_clearly_and_applied_once);

async fn the_mall_page_for_people_without_points(server: &Server) {
    mall_setup(server, 0).await;
    // A resident who is not a volunteer is told how to become one; no exchange buttons.
    let other = browser(server, "mochi-resident").await;
    let (status, page, _) = server.get("/mall", &other.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("还没有登记为志愿者"));
    assert!(!page.contains("action=\"/mall/redeem\""));
    // A volunteer with no points sees why an exchange would not go through, in English too.
    let resident = browser(server, "gulou-resident").await;
    let (_, page, _) = server.get("/mall", &resident.cookie).await;
    assert!(page.contains("暂时不够兑换一件"));
    assert!(page.contains("lang=\"zh-CN\""));
    let english = format!("{}; lang=en", resident.cookie);
    let (_, page, _) = server.get("/mall", &english).await;
    assert!(page.contains("Love mall") && page.contains("lang=\"en\""));
    // Administrators choose a community; the assessor has no mall.
    let street = browser(server, "wuma").await;
    let (status, page, _) = server.get("/mall", &street.cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区") && !page.contains("大米 5kg"));
    let (_, page, _) = server
        .get(&format!("/mall?community={GULOU}"), &street.cookie)
        .await;
    assert!(page.contains("大米 5kg"));
    let (status, _, _) = server
        .get("/mall?community=330303001001", &street.cookie)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
on_both!(the_mall_page_for_people_without_points);
