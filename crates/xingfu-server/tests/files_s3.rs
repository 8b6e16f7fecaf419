//! Uploaded files on a real S3 server (s3s-fs on a loopback port): what the store writes is
//! there as an object, comes back byte for byte, and is gone when deleted; a wrong secret is
//! refused. `scripts/test` also runs the evidence and 随手拍 photo tests with
//! `XINGFU_TEST_FILES=s3`, so those flows run against this server too.

#[macro_use]
mod common;

use common::s3;

#[tokio::test]
async fn files_go_to_the_s3_server_and_come_back() {
    let server = s3::server();
    let prefix = xingfu_store::new_id();
    let store = server.store(&prefix);
    assert_eq!(store.description(), format!("s3 {}/{prefix}", s3::BUCKET));

    let photo: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let key = store.put(photo.clone()).await.unwrap();
    assert_eq!(server.objects(&prefix), vec![key.clone()]);
    let on_disk = std::fs::read(server.root.join(s3::BUCKET).join(&prefix).join(&key)).unwrap();
    assert_eq!(on_disk, photo, "the object is the file's bytes");
    assert_eq!(store.get(&key).await.unwrap(), photo);

    let second = store.put(b"%PDF-1.4 minutes".to_vec()).await.unwrap();
    assert_ne!(second, key);
    assert_eq!(server.objects(&prefix).len(), 2);

    store.delete(&key).await.unwrap();
    assert_eq!(server.objects(&prefix), vec![second.clone()]);
    assert!(store.get(&key).await.is_err(), "a deleted file is gone");
    // Deleting what is already gone is not an error (a retried clean-up).
    store.delete(&key).await.unwrap();

    // Another prefix sees nothing of this one's files.
    let other = server.store(&xingfu_store::new_id());
    assert!(other.get(&second).await.is_err());
}

#[tokio::test]
async fn a_wrong_secret_is_refused() {
    let server = s3::server();
    let mut settings = server.settings("refused");
    settings.credentials = Some((s3::ACCESS_KEY.into(), "not-the-secret".into()));
    let store = xingfu_server::app::files::FileStore::s3(&settings).unwrap();
    assert!(store.put(b"x".to_vec()).await.is_err());
    assert!(server.objects("refused").is_empty());
}

/// The tests' servers keep files where `XINGFU_TEST_FILES` says: how the second run of the
/// evidence and photo tests is known to have used S3.
#[tokio::test]
async fn test_servers_keep_files_where_asked() {
    let server = common::sqlite().await;
    let described = server.state.files.description().to_string();
    match std::env::var("XINGFU_TEST_FILES").as_deref() {
        Ok("s3") => assert!(described.starts_with("s3 xingfu-test/"), "{described}"),
        _ => assert_eq!(described, "memory"),
    }
    server.finish().await;
}
