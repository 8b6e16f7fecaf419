//! Event photos: positions stripped and bad files refused.

use super::*;

on_both!(photos_lose_their_position_and_bad_files_are_refused);
async fn photos_lose_their_position_and_bad_files_are_refused(server: &Server) {
    with_grids(server).await;
    let resident = server.sign_in("gulou-resident").await;
    let photo = jpeg_with_gps(80, 60);
    assert!(contains(&photo, b"Exif\0\0") && contains(&photo, &GPS_SECONDS));
    assert!(image::load_from_memory(&photo).is_ok());
    let (lon, lat) = at(IN_G1);
    let fields = [
        ("category", "safety_hazard"),
        ("description", "电线裸露"),
        ("lon", lon.as_str()),
        ("lat", lat.as_str()),
    ];
    let id = report(
        server,
        &resident,
        &fields,
        &[("photo", "photo.jpg", "image/jpeg", &photo)],
    )
    .await;
    let e = event(server, id).await;
    assert_eq!(e.photos.len(), 1);
    let (status, headers, stored) = send(
        server,
        Request::get(format!("/event-photos/{}", e.photos[0]))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(!contains(&stored, b"Exif"), "EXIF kept");
    assert!(!contains(&stored, &GPS_SECONDS), "GPS kept");
    assert!(!contains(&stored, &[0xFF, 0xE1]), "an APP1 segment kept");
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (80, 60));

    let count = || async {
        server
            .state
            .store
            .events_within(GULOU, xingfu_store::events::StateFilter::All, 100)
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    // Over 10 MB: 413, nothing kept.
    let mut big = jpeg_with_gps(16, 16);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[("photo", "big.jpg", "image/jpeg", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("10 MB"), "{body}");
    // Not an image, whatever its name says.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[("photo", "photo.jpg", "image/jpeg", b"%PDF-1.4\n%%EOF\n")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("第 1 张照片：照片须为 JPEG、PNG 或 WebP 图片"),
        "{body}"
    );
    // A JPEG cut short.
    let (status, _, body) = report_raw(
        server,
        &resident,
        &fields,
        &[
            ("photo", "ok.jpg", "image/jpeg", &photo),
            ("photo", "cut.jpg", "image/jpeg", &photo[..photo.len() / 2]),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("第 2 张照片：照片已损坏或不完整"), "{body}");
    // Ten photos: one too many.
    let ten: Vec<(&str, &str, &str, &[u8])> = (0..10)
        .map(|_| ("photo", "p.jpg", "image/jpeg", photo.as_slice()))
        .collect();
    let (status, _, body) = report_raw(server, &resident, &fields, &ten).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("共 10 张照片，最多 9 张"), "{body}");
    assert_eq!(count().await, before);
}
