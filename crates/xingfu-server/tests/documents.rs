//! Official documents end to end: stages refuse what is not due yet, PDFs carry their Chinese
//! content with embedded fonts and visible pages, the same content gives the same document,
//! changed content a new one, and `/verify/{serial}` confirms an issued file and refuses a
//! changed one — on SQLite and PostgreSQL.

mod common;

use std::io::Write;
use std::process::Command;

use axum::http::StatusCode;
use common::Server;
use xingfu_server::app::audit::check_at_start;
use xingfu_server::{AppState, router};
use xingfu_store::audit::AuditKey;

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIAN: &str = "330302026003";
const LUCHENG: &str = "330302000000";
const WENZHOU: &str = "330300000000";

#[tokio::test]
async fn documents_on_sqlite() {
    documents(common::sqlite().await).await.finish().await;
}

#[tokio::test]
async fn documents_on_postgres() {
    documents(common::postgres().await).await.finish().await;
}

fn run(program: &str, args: &[&str], pdf: &[u8]) -> Vec<u8> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let path = file.path().to_str().unwrap().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    if program == "pdftotext" {
        all.push("-");
    }
    let output = Command::new(program)
        .args(&all)
        .output()
        .unwrap_or_else(|e| panic!("{program} (poppler-utils) did not run: {e}"));
    assert!(output.status.success(), "{program}: {:?}", output);
    output.stdout
}

fn text_of(pdf: &[u8]) -> String {
    let text = String::from_utf8(run("pdftotext", &["-layout"], pdf)).unwrap();
    // Layout puts spaces between table cells and wraps lines: compare without either.
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every font is embedded (and subset), with a Unicode map so the text can be copied.
fn assert_fonts_embedded(pdf: &[u8]) {
    let listing = String::from_utf8(run("pdffonts", &[], pdf)).unwrap();
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "{listing}");
    for font in fonts {
        let columns: Vec<&str> = font.split_whitespace().collect();
        let n = columns.len();
        assert_eq!(&columns[n - 5..n - 2], ["yes", "yes", "yes"], "{listing}");
    }
    assert!(listing.contains("CJK"), "a CJK font: {listing}");
}

/// The first page rendered in grey has ink on it: more than 1% of its pixels are dark.
fn assert_not_blank(pdf: &[u8]) {
    let pgm = run(
        "pdftoppm",
        &["-gray", "-r", "30", "-f", "1", "-l", "1"],
        pdf,
    );
    // A binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel.
    let mut fields = 0;
    let mut start = 0;
    for (i, b) in pgm.iter().enumerate() {
        if b.is_ascii_whitespace() && i > 0 && !pgm[i - 1].is_ascii_whitespace() {
            fields += 1;
            if fields == 4 {
                start = i + 1;
                break;
            }
        }
    }
    let pixels = &pgm[start..];
    let dark = pixels.iter().filter(|p| **p < 128).count();
    assert!(
        dark * 100 > pixels.len(),
        "{dark} dark pixels of {}",
        pixels.len()
    );
}

fn serial_in(text: &str, prefix: &str) -> String {
    let at = text
        .find(&format!("{prefix}-2013-"))
        .unwrap_or_else(|| panic!("no {prefix} serial in {text}"));
    text[at..at + 16].to_string()
}

async fn pdf(server: &Server, path: &str, cookie: &str) -> Vec<u8> {
    let (status, headers, bytes) = server.get_bytes(path, cookie).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(headers["content-type"], "application/pdf", "{path}");
    assert!(bytes.starts_with(b"%PDF-"), "{path}");
    // Kept for a person to look at, as the browser tests keep their screenshots.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/documents");
    let _ = std::fs::create_dir_all(dir);
    let name = path
        .rsplit("/documents/")
        .next()
        .unwrap_or("document")
        .replace('/', "-");
    let _ = std::fs::write(format!("{dir}/{name}.pdf"), &bytes);
    bytes
}

async fn documents(mut server: Server) -> Server {
    // A keyed audit chain, as `xingfu serve` runs with.
    let store = server
        .state
        .store
        .clone()
        .with_audit_key(AuditKey::generate());
    let status = check_at_start(&store, 1).await.unwrap();
    let state = AppState::new(store, false).with_audit_status(status);
    server.state = state.clone();
    server.app = router(state);

    let round = server.lucheng_round(2013).await;
    server.computed_entry(&round, GULOU, 4).await;
    server.computed_entry(&round, MOCHI, 2).await;
    server.computed_entry(&round, QINGNIAN, 3).await;
    let district = server.sign_in("district").await;
    let city = server.sign_in("city").await;
    let docs = |kind: &str, target: &str| format!("/rounds/{round}/documents/{kind}/{target}");

    // Nothing before its stage, each refusal saying what it waits for.
    let (status, body, _) = server.get(&docs("decision", LUCHENG), &district).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("命名后才能出具命名决定"), "{body}");
    let (status, body, _) = server.get(&docs("notice", LUCHENG), &district).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("公示后才能出具"), "{body}");
    let (status, body, _) = server.get(&docs("certificate", MOCHI), &district).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("尚未命名"), "{body}");
    // A target that is not a community (or a community for a level's document) is not found.
    let (status, _, _) = server.get(&docs("certificate", LUCHENG), &district).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = server.get(&docs("notice", MOCHI), &district).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    server.move_entry(&round, MOCHI, "named").await;
    server.move_entry(&round, QINGNIAN, "published").await;
    server.move_entry(&round, GULOU, "named").await;

    // The district's 公示: both of its results (1–3★), not the city's 4★.
    let notice = pdf(&server, &docs("notice", LUCHENG), &district).await;
    let text = text_of(&notice);
    for expected in [
        "墨池社区",
        "庆年坊社区",
        "五马街道",
        "松台街道",
        "二星级",
        "三星级",
        "鹿城区幸福社区创建工作领导小组办公室",
        "公示",
    ] {
        assert!(text.contains(expected), "{expected} in the notice: {text}");
    }
    assert!(!text.contains("鼓楼社区"), "the city's result: {text}");
    assert_fonts_embedded(&notice);
    assert_not_blank(&notice);
    let notice_serial = serial_in(&text, "GS");

    // The city's certificate for 鼓楼社区, named at 4★.
    let certificate = pdf(&server, &docs("certificate", GULOU), &city).await;
    let text = text_of(&certificate);
    for expected in [
        "鼓楼社区",
        "四星级",
        "2013",
        "温州市幸福社区创建工作领导小组办公室",
    ] {
        assert!(
            text.contains(expected),
            "{expected} in the certificate: {text}"
        );
    }
    assert_fonts_embedded(&certificate);
    assert_not_blank(&certificate);
    let serial = serial_in(&text, "ZS");
    // Asked again, the same document.
    let again = pdf(&server, &docs("certificate", GULOU), &city).await;
    assert_eq!(again, certificate, "the same content gives the same PDF");

    // The district's 命名 decision: only 墨池社区 is named at its level; it has a 文号.
    let decision = pdf(&server, &docs("decision", LUCHENG), &district).await;
    let text = text_of(&decision);
    assert!(text.contains("墨池社区"), "{text}");
    assert!(!text.contains("庆年坊社区"), "not named yet: {text}");
    assert!(text.contains("鹿幸福办〔"), "the 文号: {text}");
    let decision_serial = serial_in(&text, "MM");

    // Score report and rectification notice once scored (no sheets: nothing unmet).
    let report = pdf(&server, &docs("score-report", MOCHI), &district).await;
    let text = text_of(&report);
    assert!(
        text.contains("墨池社区") && text.contains("评分报告"),
        "{text}"
    );
    let (status, body, _) = server.get(&docs("rectification", MOCHI), &district).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("没有未达标的条款"), "{body}");

    // Another district sees none of it.
    let longwan = server.sign_in("longwan").await;
    let (status, _, _) = server.get(&docs("certificate", MOCHI), &longwan).await;
    assert_ne!(status, StatusCode::OK);

    // The public verification page, without signing in.
    let (status, page, _) = server.get(&format!("/verify/{serial}"), "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&certificate))
    };
    for expected in [
        serial.as_str(),
        "星级证书",
        "温州市幸福社区创建工作领导小组办公室",
        sha256.as_str(),
        "出具记录在审计链中，核验通过。",
        "这是现行版本。",
    ] {
        assert!(page.contains(expected), "{expected} on the page: {page}");
    }
    // Typed in lower case from paper, it is found too.
    let (status, _, _) = server
        .get(&format!("/verify?serial={}", serial.to_lowercase()), "")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The file itself checks; a changed one does not.
    let (status, page) = server
        .post_file(&format!("/verify/{serial}"), "证书.pdf", &certificate)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("一致：这份文件与出具时登记的完全相同"),
        "{page}"
    );
    let mut changed = certificate.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    let (_, page) = server
        .post_file(&format!("/verify/{serial}"), "证书.pdf", &changed)
        .await;
    assert!(page.contains("不一致："), "{page}");
    assert!(!page.contains("完全相同"), "{page}");
    // No such serial.
    let (status, page, _) = server.get("/verify/ZS-2013-00000000", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("查无此编号"), "{page}");
    let (status, _, _) = server.get("/verify/not-a-serial", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // What the decision says changes: a new issue with a new serial and 文号; the old one's
    // page says it was replaced.
    server.move_entry(&round, QINGNIAN, "named").await;
    let decision2 = pdf(&server, &docs("decision", LUCHENG), &district).await;
    let text = text_of(&decision2);
    assert!(
        text.contains("庆年坊社区") && text.contains("墨池社区"),
        "{text}"
    );
    let decision2_serial = serial_in(&text, "MM");
    assert_ne!(decision2_serial, decision_serial);
    let (_, page, _) = server.get(&format!("/verify/{decision_serial}"), "").await;
    assert!(page.contains("此文件已被新版本取代"), "{page}");
    assert!(page.contains(&decision2_serial), "{page}");

    // The documents page and the API list the same documents.
    let (status, page, _) = server
        .get(&format!("/rounds/{round}/documents"), &district)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&notice_serial), "{page}");
    assert!(page.contains(&decision2_serial), "{page}");
    common::assert_chinese_punctuation(&page);
    let token = server.api_token("district").await;
    let (status, list) = server
        .api_json(
            axum::http::Method::GET,
            &format!("/api/v1/rounds/{round}/documents"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    let of = |kind: &str, target: &str| {
        list.iter()
            .find(|d| d["kind"] == kind && d["target"] == target)
            .unwrap_or_else(|| panic!("{kind} {target} in {list:?}"))
    };
    assert_eq!(of("notice", LUCHENG)["serial"], notice_serial.as_str());
    assert_eq!(of("certificate", MOCHI)["serial"], serde_json::Value::Null);
    of("score-report", QINGNIAN);
    of("bulletin", LUCHENG);
    // The city's 公示 and 命名 name the district's communities: public, so the district has
    // them; the city's 通报 is the city's to issue.
    of("notice", WENZHOU);
    let city_notice = pdf(&server, &docs("notice", WENZHOU), &district).await;
    assert!(
        text_of(&city_notice).contains("鼓楼社区"),
        "the city's 4★ result"
    );
    assert!(
        !list
            .iter()
            .any(|d| d["kind"] == "bulletin" && d["target"] == WENZHOU),
        "{list:?}"
    );
    let download = of("certificate", MOCHI)["download"]
        .as_str()
        .unwrap()
        .to_string();
    let request = axum::http::Request::get(&download)
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(server.app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{download}");
    assert_eq!(response.headers()["content-type"], "application/pdf");

    // The 通报 of the district's area.
    let bulletin = pdf(&server, &docs("bulletin", LUCHENG), &district).await;
    let text = text_of(&bulletin);
    assert!(text.contains("通报") && text.contains("鹿城区"), "{text}");
    server
}

/// The demo's 2013 round, scored by two assessors: the rectification notice lists the clauses
/// that lost points with what was earned, and the score report has the categories, the clauses
/// and the community's history.
#[tokio::test]
async fn the_demo_round_s_rectification_notice_and_score_report() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = AppState::new(store, false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    let store = &state.store;
    let round = store
        .rounds_overlapping("3303")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.year == 2013)
        .unwrap();
    let user = store.user_by_username("lucheng").await.unwrap().unwrap();
    let region = store.region(&user.region_code).await.unwrap().unwrap();
    let lucheng = xingfu_server::app::auth::CurrentUser {
        role: xingfu_core::workflow::Role::parse(&user.role).unwrap(),
        region_level: region.level,
        region_name: region.name,
        csrf: String::new(),
        unread: 0,
        user,
    };
    let issue = |kind| {
        xingfu_server::documents::service::issue(
            &state,
            &lucheng,
            &round.id,
            (kind, GULOU),
            "https://xingfu.example.gov.cn",
            xingfu_server::i18n::Lang::Zh,
        )
    };
    let notice = issue(xingfu_core::documents::DocumentKind::RectificationNotice)
        .await
        .unwrap();
    let text = text_of(&notice.pdf);
    for expected in [
        "整改通知书",
        "鼓楼社区居民委员会",
        "满分",
        "https://xingfu.example.gov.cn/verify/ZG-2013-",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(notice.row.serial.starts_with("ZG-2013-"));

    let report = issue(xingfu_core::documents::DocumentKind::ScoreReport)
        .await
        .unwrap();
    let text = text_of(&report.pdf);
    for expected in [
        "评分报告",
        "自治型社区",
        "2012",
        "2013",
        "温州市鹿城区五马街道鼓楼社区",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(
        !text.contains("none"),
        "no empty value printed as none: {text}"
    );
    assert!(report.row.pages >= 2, "every clause is listed");
}
