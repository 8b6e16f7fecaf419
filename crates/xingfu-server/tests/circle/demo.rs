//! The demo's fifteen-minute circle in 海淀.

use super::*;

/// The demo loads 海淀区学院路街道 with the extract's facilities and the district's coverage.
#[tokio::test]
async fn the_demo_shows_the_circle_in_haidian() {
    let (state, _dir) = common::demo_with_its_network().await;
    let extract = import_file(
        &extract_path(),
        &OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::ResidentialAreas,
        },
    )
    .unwrap();
    let facilities = state.store.facilities_of_district(HAIDIAN).await.unwrap();
    assert_eq!(facilities.len(), extract.facilities.len());
    let run = state.store.circle_run(HAIDIAN).await.unwrap().unwrap();
    assert_eq!(run.computed_by, "haidian");
    assert_eq!(run.network, "beijing-haidian-xueyuanlu.osm.pbf");
    let metrics = circle_metrics(&state, JINGSHUYUAN).await.unwrap();
    assert_eq!(metrics.len(), ServiceFunction::ALL.len() + 2);
    // Without a network of the demo's own, nothing of Beijing is imported.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plain.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = xingfu_server::AppState::new(store, false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    assert!(
        state
            .store
            .facilities_of_district(HAIDIAN)
            .await
            .unwrap()
            .is_empty()
    );
}
