//! Lists printed as documents, and issued documents with their verification.

use super::*;

/// Text as printed, without the spaces and line breaks `pdftotext -layout` lays it out with.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The sections' labels in the order of their bar, without spaces (as a district sees them).
const SECTIONS: &str = "工作台评选年度一张图随手拍入户走访志愿服务爱心商城15分钟服务圈";

/// The current page printed (see [`Browser::printed`]) as a document: its title, the signed-in
/// district's name and the day printed (China Standard Time), and none of what only the screen
/// needs — the header's tools, the bar of sections, the link back. Returns the text without
/// spaces.
async fn printed_document(browser: &Browser, name: &str, title: &str) -> String {
    use xingfu_core::dates::chinese_date;
    use xingfu_server::app::clock::now_ms;

    let before = now_ms();
    let text = squeezed(&browser.printed(name).await);
    let after = now_ms();
    assert!(text.contains(&squeezed(title)), "{name}: the title\n{text}");
    assert!(text.contains("鹿城区"), "{name}: the unit\n{text}");
    assert!(
        text.contains(&format!("打印日期：{}", chinese_date(before)))
            || text.contains(&format!("打印日期：{}", chinese_date(after))),
        "{name}: the day printed\n{text}"
    );
    for label in [
        "退出登录",
        "当前用户",
        "跳到正文",
        "English",
        "大字版",
        "返回",
    ] {
        assert!(!text.contains(label), "{name} printed {label}\n{text}");
    }
    assert!(
        !text.contains(SECTIONS),
        "{name} printed the sections\n{text}"
    );
    text
}

/// Lists print as documents (WebDriver's print on A4, read back with pdftotext): each carries
/// its title, the signed-in person's unit and the day printed, and none of the header, the
/// sections, the links back or the buttons. The publication list prints as the 公示 notice: each
/// community with its star and objection period, and how to object; what waits for publication
/// and each line's next step stay on the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_print_as_documents() {
    use xingfu_core::dates::{english_date, local_text};
    use xingfu_server::app::clock::now_ms;
    use xingfu_server::i18n::Lang;
    use xingfu_server::rounds::{decisions, service};

    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    let (gulou, mochi, qingnian) = ("330302006044", "330302006045", "330302026003");
    let round = server.lucheng_round(2015).await;
    let district = server.user("district").await;
    let mut periods = Vec::new();
    for (code, star) in [(mochi, 2), (qingnian, 3)] {
        server.computed_entry(&round, code, star).await;
        decisions::approve(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
        let published = service::publish(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
        periods.push((
            local_text(published.published_at.unwrap()),
            local_text(published.objection_until.unwrap()),
        ));
    }
    // 鼓楼社区 waits for the district's approval.
    server.computed_entry(&round, gulou, 1).await;

    browser.sign_in(&base, "district").await;
    let publication = format!("/rounds/{round}/publication");
    browser
        .client
        .goto(&format!("{base}{publication}"))
        .await
        .unwrap();
    browser.look("print-publication").await;
    let text = printed_document(&browser, "print-publication", "公示名单 · 2015年度 鹿城区").await;
    for (community, star) in [("墨池社区", "2星"), ("庆年坊社区", "3星")] {
        assert!(text.contains(community), "{community}\n{text}");
        assert!(text.contains(star), "{community}'s star\n{text}");
    }
    for (from, to) in &periods {
        assert!(text.contains(&squeezed(from)), "published {from}\n{text}");
        assert!(
            text.contains(&squeezed(to)),
            "objections until {to}\n{text}"
        );
    }
    assert!(
        text.contains("对以上公示结果有异议的"),
        "how to object\n{text}"
    );
    assert!(
        !text.contains("鼓楼社区"),
        "waiting for publication\n{text}"
    );
    assert!(!text.contains("异议受理至"), "the next step\n{text}");
    for label in [
        "操作",
        "工作台",
        "评选年度",
        "一张图",
        "随手拍",
        "入户走访",
        "志愿服务",
    ] {
        assert!(!text.contains(label), "printed {label}\n{text}");
    }

    browser
        .client
        .goto(&format!("{base}/rounds/{round}/approvals"))
        .await
        .unwrap();
    browser.look("print-approvals").await;
    let text = printed_document(&browser, "print-approvals", "审批队列 · 2015年度 鹿城区").await;
    assert!(
        text.contains("鼓楼社区"),
        "the community to approve\n{text}"
    );
    assert!(
        !text.contains("审批通过所选社区"),
        "the batch button\n{text}"
    );
    for label in [
        "操作",
        "选择",
        "评选年度",
        "随手拍",
        "爱心商城",
        "15分钟服务圈",
    ] {
        assert!(!text.contains(label), "printed {label}\n{text}");
    }

    // The other lists people print (each is looked at on screen by its own tests), with what
    // each says on paper that the screen says by its links.
    let rounds = |what: &str| format!("/rounds/{round}/{what}");
    for (name, path, title, also) in [
        ("print-rounds", "/rounds".into(), "评选年度", "2015"),
        (
            "print-rewards",
            rounds("rewards"),
            "奖励与目标 · 2015年度 鹿城区",
            "各星级社区数",
        ),
        (
            "print-rectifications",
            rounds("rectifications"),
            "整改任务 · 2015年度 鹿城区",
            "没有整改任务",
        ),
        (
            "print-survey",
            rounds("surveys"),
            "满意度调查：鹿城区",
            "调查设置",
        ),
        (
            "print-overview",
            "/overview".into(),
            "一张图 — 鹿城区",
            "星级分布",
        ),
        (
            "print-events",
            "/events?show=overdue".into(),
            "随手拍事件",
            "状态：已超时",
        ),
        ("print-visits", "/visits".into(), "入户走访", "重点关注人群"),
        (
            "print-volunteers",
            "/volunteers".into(),
            "志愿服务",
            "志愿服务",
        ),
    ] {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        let text = printed_document(&browser, name, title).await;
        assert!(text.contains(also), "{name}: {also}\n{text}");
    }

    // In English, the same notice.
    browser
        .client
        .goto(&format!("{base}/lang/en?back={publication}"))
        .await
        .unwrap();
    browser.wait_path(&publication).await;
    let before = now_ms();
    let text = squeezed(&browser.printed("print-publication-en").await);
    let after = now_ms();
    assert!(
        text.contains(&squeezed(&format!("Printed on {}", english_date(before))))
            || text.contains(&squeezed(&format!("Printed on {}", english_date(after)))),
        "the day printed\n{text}"
    );
    assert!(text.contains("Publicationlist·2015鹿城区"), "{text}");
    assert!(
        text.contains("墨池社区") && text.contains("庆年坊社区"),
        "{text}"
    );
    assert!(text.contains("Toobjecttoaresultabove"), "{text}");
    for screen_only in ["Signout", "Workbench", "Ratingrounds", "中文"] {
        assert!(!text.contains(screen_only), "printed {screen_only}\n{text}");
    }
    browser.stop().await;
    server.finish().await;
}

/// The round's documents page and the public verification page a document's QR code opens:
/// read on a phone, checked by axe, and a held PDF checked by choosing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_and_their_verification() {
    let server = common::sqlite().await;
    let round = server.lucheng_round(2013).await;
    let mochi = "330302006045";
    server.computed_entry(&round, mochi, 2).await;
    server.move_entry(&round, mochi, "named").await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "district").await;
    browser
        .client
        .goto(&format!("{base}/rounds/{round}"))
        .await
        .unwrap();
    browser
        .click(&format!("a[href='/rounds/{round}/documents']"))
        .await;
    browser
        .wait_path(&format!("/rounds/{round}/documents"))
        .await;
    let main = browser.text("main").await;
    for expected in [
        "公文与证书",
        "星级证书",
        "命名决定",
        "公示",
        "墨池社区",
        "下载时出具",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/rounds/{id}/documents").await;

    // The certificate, as the page's link issues it.
    let district = server.user("district").await;
    let issued = xingfu_server::documents::service::issue(
        &server.state,
        &district,
        &round,
        (xingfu_core::documents::DocumentKind::Certificate, mochi),
        &base,
        xingfu_server::i18n::Lang::Zh,
    )
    .await
    .unwrap();
    let serial = issued.row.serial.clone();

    // Someone holding the paper types the serial in lower case.
    browser
        .client
        .goto(&format!("{base}/verify"))
        .await
        .unwrap();
    browser.look("/verify").await;
    browser.fill("#serial", &serial.to_lowercase()).await;
    browser.click("form[action='/verify'] button").await;
    browser.wait_path(&format!("/verify/{serial}")).await;
    let main = browser.text("main").await;
    for expected in [
        "本平台出具过此文件",
        "星级证书",
        "鹿城区幸福社区创建工作领导小组办公室",
        "这是现行版本",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/verify/{serial}").await;

    // They choose the PDF they hold: the same file matches.
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(file.path(), &issued.pdf).unwrap();
    let input = browser.client.find(Locator::Css("#file")).await.unwrap();
    input
        .send_keys(file.path().to_str().unwrap())
        .await
        .unwrap();
    browser
        .click(&format!("form[action='/verify/{serial}'] button"))
        .await;
    let result = browser.text("#file-result").await;
    assert!(
        result.contains("一致：这份文件与出具时登记的完全相同"),
        "{result}"
    );
    browser.look("/verify/{serial} with a file checked").await;

    // A serial that was never issued.
    browser
        .client
        .goto(&format!("{base}/verify/ZS-2013-00000000"))
        .await
        .unwrap();
    assert!(browser.text("main").await.contains("查无此编号"));
    browser.look("/verify with an unknown serial").await;

    // The public 公示 list, on the same phone: the named community and its star.
    browser
        .client
        .goto(&format!("{base}/notices"))
        .await
        .unwrap();
    let main = browser.text("main").await;
    for expected in [
        "幸福社区评定结果公示",
        "墨池社区",
        "2星",
        "已命名（",
        "异议和下一步",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/notices").await;

    // The district asks for all of the round's documents at once and downloads them later.
    browser
        .client
        .goto(&format!("{base}/rounds/{round}/documents"))
        .await
        .unwrap();
    browser
        .click("form[action='/exports'] button[type=submit]")
        .await;
    browser.wait_path("/exports").await;
    let main = browser.text("main").await;
    for expected in [
        "我的导出",
        "已申请，正在排队生成",
        "全部公文和证书",
        "排队中",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/exports queued").await;
    xingfu_server::jobs::worker::Worker::default()
        .pass(&server.state, xingfu_server::app::clock::now_ms(), 50)
        .await
        .unwrap();
    browser
        .client
        .goto(&format!("{base}/exports"))
        .await
        .unwrap();
    let main = browser.text("main").await;
    for expected in ["已完成", "下载", "保留至", "未打包"] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/exports done").await;
    browser.stop().await;
    server.finish().await;
}
