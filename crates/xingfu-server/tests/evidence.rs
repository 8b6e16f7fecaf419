//! Evidence uploads and the round's workbooks, over HTTP to the real router, on SQLite and on
//! PostgreSQL.

#[macro_use]
mod common;

use std::io::Cursor;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use common::{Server, between};
use tower::ServiceExt;
use xingfu_core::scoring::Answer;
use xingfu_core::standard::{Judge, NumericRule};
use xingfu_core::workflow::Stage;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_store::rounds::{By, EntryChange, NewRound};

const GULOU: &str = "330302006044";

/// A round of 鹿城区 with 鼓楼社区 declared.
async fn declared_round(server: &Server) -> String {
    let round = server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2013,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 0,
            },
            "city",
            1,
        )
        .await
        .unwrap()
        .id;
    let worker = server.user("gulou").await;
    service::declare(&server.state, &worker, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    round
}

/// A real PNG image.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut image = image::RgbImage::new(width, height);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        *pixel = image::Rgb([(x * 7) as u8, (y * 3) as u8, 120]);
    }
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The status, headers and raw body of a request.
async fn send(server: &Server, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

async fn get(server: &Server, path: &str, cookie: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(server, request).await
}

/// The session's CSRF token, from a page it can see.
async fn csrf(server: &Server, cookie: &str) -> String {
    let (_, body, _) = server.get("/rounds", cookie).await;
    between(&body, "name=\"csrf\" value=\"", "\"").to_string()
}

const BOUNDARY: &str = "----xingfu-test-boundary-7d93";

/// A multipart form as a browser sends it: csrf, clause, then the file.
fn multipart(csrf: &str, clause: &str, file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("clause", clause)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    server: &Server,
    round: &str,
    community: &str,
    cookie: &str,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let request = Request::post(format!("/rounds/{round}/communities/{community}/evidence"))
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, headers, body) = send(server, request).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| format!("{l}\n"))
        .unwrap_or_default();
    (
        status,
        format!("{location}{}", String::from_utf8_lossy(&body)),
    )
}

async fn stored(server: &Server, round: &str) -> usize {
    server
        .state
        .store
        .evidence_for(round, GULOU)
        .await
        .unwrap()
        .len()
}

async fn an_upload_is_kept_listed_and_downloaded_unchanged(server: &Server) {
    let round = declared_round(server).await;
    let cookie = server.sign_in("gulou").await;
    let token = csrf(server, &cookie).await;
    let page = format!("/rounds/{round}/communities/{GULOU}/evidence");

    // The page offers the form: a clause to choose and a file input for photos and PDFs.
    let (status, body, _) = server.get(&page, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("enctype=\"multipart/form-data\""));
    assert!(body.contains("accept=\"image/*,application/pdf\""));
    assert!(body.contains("<option value=\"ZZ1.1\""));
    assert!(body.contains("还没有上传证明材料"));

    let image = png(40, 30);
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(
            &token,
            "ZZ1.1",
            Some(("议事会照片.png", "image/png", &image)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(body.starts_with(&format!("{page}?uploaded=1")), "{body}");

    let rows = server
        .state
        .store
        .evidence_for(&round, GULOU)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.clause_id.as_str(), row.content_type.as_str()),
        ("ZZ1.1", "image/png")
    );
    assert_eq!(row.file_name, "议事会照片.png");
    assert_eq!(row.size, image.len() as i64);
    assert_eq!(row.uploaded_by, "gulou");
    // The key in the file store is a random id, never the user's file name.
    assert!(!row.file_key.contains("议事会"));
    assert!(
        row.file_key
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '/')
    );

    // The list shows it under its clause, with a download link.
    let (status, body, _) = server.get(&format!("{page}?uploaded=1"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("文件已上传"));
    assert!(body.contains("id=\"clause-ZZ1.1\""));
    assert!(body.contains("议事会照片.png"));
    assert!(body.contains(&format!("href=\"/evidence/{}\"", row.id)));

    // The download gives back the same bytes, as an attachment with the stored type.
    let (status, headers, bytes) = get(server, &format!("/evidence/{}", row.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, image);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E8%AE%AE"),
        "{disposition}"
    );
    // Assessors and administrators of the area see it too.
    for user in ["assessor", "wuma", "district"] {
        let session = server.sign_in(user).await;
        let (status, _, bytes) = get(server, &format!("/evidence/{}", row.id), &session).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert_eq!(bytes, image);
    }
    let (status, _, _) = get(server, "/evidence/no-such-id", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The upload is in the audit trail, with the content's hash.
    let audit = server.state.store.audit_for_community(GULOU).await.unwrap();
    let upload_row = audit
        .iter()
        .find(|a| a.action == "upload_evidence")
        .expect("audited");
    assert_eq!(upload_row.actor, "gulou");
    assert!(upload_row.after.as_deref().unwrap().contains("\"sha256\""));
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);
}
on_both!(an_upload_is_kept_listed_and_downloaded_unchanged);

async fn bad_files_are_refused_and_earlier_evidence_stays(server: &Server) {
    let round = declared_round(server).await;
    let cookie = server.sign_in("gulou").await;
    let token = csrf(server, &cookie).await;
    let image = png(20, 20);
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("first.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let files_before = server
        .state
        .store
        .evidence_for(&round, GULOU)
        .await
        .unwrap();

    // Over 10 MiB: refused with the limit named.
    let mut big = image.clone();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("big.png", "image/png", &big))),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("10 MB"), "{body}");
    assert!(body.contains("error-summary"));
    assert!(body.contains("href=\"#file\""));

    // Far over the limit: still the same clear answer.
    let mut huge = image.clone();
    huge.resize(40 * 1024 * 1024, 0);
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("huge.png", "image/png", &huge))),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("10 MB"), "{body}");
    drop(huge);

    // A text file named .jpg: the content decides.
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(
            &token,
            "ZZ1.1",
            Some(("photo.jpg", "image/jpeg", b"this is not a photo\n")),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("文件内容不是"), "{body}");
    assert!(body.contains("selected"), "the chosen clause is kept");

    // A PNG cut short: its bytes start right but the image does not decode.
    let cut = &image[..image.len() - 30];
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("cut.png", "image/png", cut))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("损坏或不完整"), "{body}");

    // A real PNG named .jpg, an empty file, no clause, an unknown clause.
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("photo.jpg", "image/jpeg", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(".jpg"), "{body}");
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "ZZ1.1", Some(("empty.png", "image/png", b""))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("文件是空的"), "{body}");
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "", Some(("ok.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#clause\""), "{body}");
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart(&token, "XX9.9", Some(("ok.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("XX9.9 不是本标准的条款"), "{body}");

    // English messages for an English page.
    let english = format!("{cookie}; lang=en");
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &english,
        multipart(&token, "ZZ1.1", Some(("big.png", "image/png", &big))),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("10 MiB limit"), "{body}");

    // Without the session's token nothing happens.
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &cookie,
        multipart("forged", "ZZ1.1", Some(("ok.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // None of the refused uploads was kept, and the first one is untouched.
    let files_after = server
        .state
        .store
        .evidence_for(&round, GULOU)
        .await
        .unwrap();
    assert_eq!(files_after, files_before);
    let uploads = server
        .state
        .store
        .audit_for_community(GULOU)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "upload_evidence")
        .count();
    assert_eq!(uploads, 1);
    let (status, _, bytes) =
        get(server, &format!("/evidence/{}", files_after[0].id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, image);
}
on_both!(bad_files_are_refused_and_earlier_evidence_stays);

async fn only_the_area_and_the_right_roles_and_stages(server: &Server) {
    let round = declared_round(server).await;
    let image = png(8, 8);
    let worker = server.sign_in("gulou").await;
    let token = csrf(server, &worker).await;
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &worker,
        multipart(&token, "ZZ1.1", Some(("a.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = server
        .state
        .store
        .evidence_for(&round, GULOU)
        .await
        .unwrap()[0]
        .id
        .clone();

    // 龙湾区's administrator: outside the area for upload, page and download.
    let longwan = server.sign_in("longwan").await;
    let longwan_token = csrf(server, &longwan).await;
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &longwan,
        multipart(
            &longwan_token,
            "ZZ1.1",
            Some(("b.png", "image/png", &image)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = get(
        server,
        &format!("/rounds/{round}/communities/{GULOU}/evidence"),
        &longwan,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, bytes) = get(server, &format!("/evidence/{id}"), &longwan).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_ne!(bytes, image);
    // A community worker of 鼓楼 cannot upload for 墨池社区 either.
    let mochi = "330302006045";
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, mochi, Lang::Zh)
        .await
        .unwrap();
    let (status, _) = upload(
        server,
        &round,
        mochi,
        &worker,
        multipart(&token, "ZZ1.1", Some(("c.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An assessor sees the evidence but does not upload; the page shows no form.
    let assessor = server.sign_in("assessor").await;
    let assessor_token = csrf(server, &assessor).await;
    let (status, body, _) = server
        .get(
            &format!("/rounds/{round}/communities/{GULOU}/evidence"),
            &assessor,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("a.png"));
    assert!(!body.contains("type=\"file\""));
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &assessor,
        multipart(
            &assessor_token,
            "ZZ1.1",
            Some(("d.png", "image/png", &image)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The street administrator uploads while the entry is being scored …
    let checked = service::check(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(checked.stage, "scoring");
    let wuma = server.sign_in("wuma").await;
    let wuma_token = csrf(server, &wuma).await;
    let (status, _) = upload(
        server,
        &round,
        GULOU,
        &wuma,
        multipart(&wuma_token, "ZZ1.2", Some(("e.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // … but not once the result is computed.
    server
        .state
        .store
        .update_entry(
            &round,
            GULOU,
            checked.version,
            &EntryChange {
                stage: Some(Stage::Computed),
                ..EntryChange::default()
            },
            "compute",
            By {
                actor: "district",
                at: 5,
            },
        )
        .await
        .unwrap()
        .unwrap();
    let (status, body) = upload(
        server,
        &round,
        GULOU,
        &wuma,
        multipart(&wuma_token, "ZZ1.2", Some(("f.png", "image/png", &image))),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("评分中"), "{body}");
    assert_eq!(stored(server, &round).await, 2);
    // The page then says why there is no form.
    let (_, body, _) = server
        .get(
            &format!("/rounds/{round}/communities/{GULOU}/evidence"),
            &wuma,
        )
        .await;
    assert!(!body.contains("type=\"file\""));
    assert!(body.contains("只有在“已申报”或“评分中”阶段可以上传"));
}
on_both!(only_the_area_and_the_right_roles_and_stages);

/// Every answer full, with graded clauses cut by `cut` hundredths.
fn full_sheet(standard: &xingfu_core::Standard, cut: i64) -> Vec<(String, Answer)> {
    standard
        .clauses()
        .filter(|c| !c.veto)
        .map(|c| {
            let answer = match &c.judge {
                Judge::Met => Answer::met(true),
                Judge::Graded => Answer::number(xingfu_core::Dec2(
                    c.points.hundredths() - cut.min(c.points.hundredths()),
                )),
                Judge::Survey { .. } => Answer::number(xingfu_core::Dec2::from_int(95)),
                Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                    Answer::number(match rule {
                        NumericRule::AtLeast { value } | NumericRule::AtMost { value } => *value,
                        NumericRule::Linear { full_at, .. } => *full_at,
                    })
                }
            };
            (c.id.clone(), answer)
        })
        .collect()
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("calamine opens it");
    let range = workbook.worksheet_range(name).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) => xingfu_core::Dec2::from_f64(*f).unwrap().to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn the_round_exports_as_workbooks_for_the_users_area(server: &Server) {
    let state = &server.state;
    let round = declared_round(server).await;
    let standard = state.standard("lucheng-2012", "2012.1").await.unwrap();
    let district = server.user("district").await;
    // 墨池社区 declared but not scored; 庆年坊社区 is in another street.
    for code in ["330302006045", "330302026003"] {
        service::declare(state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
    }
    service::check(state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    for (assessor, cut) in [("assessor", 0), ("assessor2", 100)] {
        let user = server.user(assessor).await;
        service::save_sheet(
            state,
            &user,
            &round,
            GULOU,
            full_sheet(&standard, cut),
            Lang::Zh,
        )
        .await
        .unwrap();
    }
    let computed = service::compute(state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let total = xingfu_core::Dec2(computed.total.unwrap()).to_string();

    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let district_session = server.sign_in("district").await;
    let (status, headers, bytes) = get(
        server,
        &format!("/rounds/{round}/export.xlsx"),
        &district_session,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], xlsx);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    common::assert_workbook_for_officials(&bytes, true);
    let results = sheet(&bytes, "社区结果");
    assert_eq!(results.len(), 2, "one computed community: {results:?}");
    assert_eq!(results[1][0], GULOU);
    assert_eq!(results[1][1], "鼓楼社区");
    assert_eq!(results[1][2], "五马街道");
    assert_eq!(results[1][4], total);
    assert_eq!(
        results[1][8],
        computed.star.unwrap().to_string(),
        "the star as computed"
    );
    let rejected = sheet(&bytes, "未能评定");
    let codes: Vec<&str> = rejected.iter().skip(1).map(|r| r[0].as_str()).collect();
    assert_eq!(codes, ["330302006045", "330302026003"]);
    assert!(rejected[1][2].contains("尚未计算"));
    let streets = sheet(&bytes, "街道进度");
    assert!(streets.iter().any(|r| r[0] == "330302006000"));

    // The score sheet: a column per clause, the assessors' mean per clause, the panel's total.
    let (status, headers, bytes) = get(
        server,
        &format!("/rounds/{round}/score-sheet.xlsx"),
        &district_session,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], xlsx);
    common::assert_workbook_for_officials(&bytes, true);
    let scores = sheet(&bytes, "评分表");
    let header_row = &scores[0];
    assert_eq!(header_row.len(), 2 + standard.clause_count() + 5);
    let col = |id: &str| header_row.iter().position(|h| h == id).unwrap();
    let gulou = scores.iter().find(|r| r[0] == GULOU).unwrap();
    assert_eq!(gulou[col("总分")], total);
    let met = standard
        .clauses()
        .find(|c| c.judge == Judge::Met && !c.veto)
        .unwrap();
    assert_eq!(gulou[col(&met.id)], met.points.to_string());
    let graded = standard
        .clauses()
        .find(|c| c.judge == Judge::Graded)
        .unwrap();
    // One assessor gave full points, the other one point less: the mean is half a point less.
    assert_eq!(
        gulou[col(&graded.id)],
        (graded.points - xingfu_core::Dec2(50)).to_string()
    );
    let mochi = scores.iter().find(|r| r[0] == "330302006045").unwrap();
    assert_eq!(mochi.last().unwrap(), "未评分");

    // The street administrator gets only its own street's communities.
    let wuma = server.sign_in("wuma").await;
    let (status, _, bytes) = get(server, &format!("/rounds/{round}/score-sheet.xlsx"), &wuma).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<String> = sheet(&bytes, "评分表")
        .into_iter()
        .skip(2)
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(codes, [GULOU, "330302006045"]);
    let (status, _, bytes) = get(server, &format!("/rounds/{round}/export.xlsx"), &wuma).await;
    assert_eq!(status, StatusCode::OK);
    let rejected = sheet(&bytes, "未能评定");
    assert!(rejected.iter().all(|r| r[0] != "330302026003"));

    // English headers for an English session; another district is refused.
    let english = format!("{district_session}; lang=en");
    let (_, _, bytes) = get(server, &format!("/rounds/{round}/export.xlsx"), &english).await;
    common::assert_workbook_for_officials(&bytes, false);
    assert_eq!(sheet(&bytes, "Communities")[1][0], GULOU);
    assert_eq!(
        sheet(&bytes, "Communities")[1][10],
        "new",
        "the decision in English"
    );
    let longwan = server.sign_in("longwan").await;
    for path in ["export.xlsx", "score-sheet.xlsx"] {
        let (status, _, _) = get(server, &format!("/rounds/{round}/{path}"), &longwan).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = get(
        server,
        "/rounds/no-such-round/export.xlsx",
        &district_session,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both!(the_round_exports_as_workbooks_for_the_users_area);
