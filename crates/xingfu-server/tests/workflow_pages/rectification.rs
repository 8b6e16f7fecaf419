//! Rectification tasks opened, reported and verified, and verifiers who must have seen the
//! report.

use super::*;

async fn rectification_tasks_are_opened_reported_and_verified(server: &Server) {
    let round = at_scoring(server).await;
    scored(server, &round, 50).await;
    let district_user = server.user("district").await;
    service::compute(&server.state, &district_user, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let district = server.sign_in("district").await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (_, page, _) = server.get(&community, &district).await;
    assert!(page.contains(&format!("action=\"{community}/rectify\"")));
    let csrf = csrf_of(&page);
    // A deadline that is not a date comes back with the reason and what was typed.
    let (status, body, _) = server
        .post(
            &format!("{community}/rectify"),
            &district,
            &format!("csrf={csrf}&deadline=2099-02-30"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#deadline\""));
    assert!(body.contains("整改期限"));
    assert!(body.contains("value=\"2099-02-30\""));
    assert!(
        server
            .state
            .store
            .rectifications(&round, None)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, location, _) = server
        .post(
            &format!("{community}/rectify"),
            &district,
            &format!("csrf={csrf}&deadline=2099-12-31"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The five survey clauses at 50% are short of full points.
    assert!(
        location.starts_with(&format!("/rounds/{round}/rectifications?opened=5")),
        "{location}"
    );
    let tasks = server
        .state
        .store
        .rectifications(&round, None)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 5);
    assert_eq!(tasks[0].owner, "鼓楼社区");
    let task = tasks[0].id.clone();

    // The community worker reports; an empty report is sent back.
    let worker = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/rectifications");
    let (status, page, _) = server.get(&path, &worker).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("待整改"));
    assert!(page.contains("2099-12-31 23:59"));
    let worker_csrf = csrf_of(&page);
    let opened = version_of(&page, &format!("{path}/{task}/submit"));
    assert_eq!(opened, "1");
    let (status, body, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!("csrf={worker_csrf}&version={opened}&report=%20"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("href=\"#report-{task}\"")));
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={worker_csrf}&version={opened}&report={}",
                urlencode("已补充问卷调查并张贴公示")
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The worker cannot verify their own report.
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/verify"),
            &worker,
            &format!("csrf={worker_csrf}&version=2"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, page, _) = server.get(&path, &district).await;
    assert!(page.contains("已提交"));
    assert!(page.contains("已补充问卷调查并张贴公示"));
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/verify"),
            &district,
            &format!(
                "csrf={}&version={}",
                urlencode(&csrf_of(&page)),
                version_of(&page, &format!("{path}/{task}/verify"))
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&path, &district).await;
    assert!(page.contains("已验收"));
    let verified = server
        .state
        .store
        .rectifications(&round, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == task)
        .unwrap();
    assert_eq!(verified.status, "verified");
    assert_eq!(verified.verified_by.as_deref(), Some("district"));
}
on_both!(rectification_tasks_are_opened_reported_and_verified);

/// A rectification report sent back and submitted again after the verifier's page was read: the
/// stale "verify" is refused (409) with who submitted it, so no report is verified unseen.
async fn a_verifier_never_verifies_a_report_they_have_not_seen(server: &Server) {
    let round = at_scoring(server).await;
    let store = &server.state.store;
    store
        .open_rectifications(
            &round,
            GULOU,
            &["ZG1.1".to_string()],
            "鼓楼社区",
            4_102_444_800_000,
            1,
        )
        .await
        .unwrap();
    let task = store.rectifications(&round, None).await.unwrap()[0]
        .id
        .clone();
    let path = format!("/rounds/{round}/rectifications");
    let worker = server.sign_in("gulou").await;
    let admin = server.sign_in("district").await;
    let submit =
        |version: String, report: &str| format!("version={version}&report={}", urlencode(report));

    let (_, page, _) = server.get(&path, &worker).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={}&{}",
                csrf_of(&page),
                submit(
                    version_of(&page, &format!("{path}/{task}/submit")),
                    "第一次报告"
                )
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The verifier reads the first report; meanwhile another verifier sends it back and the
    // community submits a second one.
    let (_, seen, _) = server.get(&path, &admin).await;
    assert!(seen.contains("第一次报告"));
    let (_, page, _) = server.get(&path, &admin).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/reopen"),
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&page),
                version_of(&page, &format!("{path}/{task}/reopen"))
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&path, &worker).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={}&{}",
                csrf_of(&page),
                submit(
                    version_of(&page, &format!("{path}/{task}/submit")),
                    "第二次报告"
                )
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Submitted again, as the old page showed it — but not the report it showed.
    let verify = format!("{path}/{task}/verify");
    let (status, body, _) = server
        .post(
            &verify,
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&seen),
                version_of(&seen, &verify)
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let summary = between(&body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("该整改任务已被 gulou 于 "), "{summary}");
    assert!(
        body.contains("第二次报告"),
        "the page shows the report as it is now"
    );
    let now = store.rectification(&task).await.unwrap().unwrap();
    assert_eq!(now.status, "submitted", "nothing was verified");
    // From the fresh page, it is verified.
    let (status, _, _) = server
        .post(
            &verify,
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&body),
                version_of(&body, &verify)
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}
on_both!(a_verifier_never_verifies_a_report_they_have_not_seen);
