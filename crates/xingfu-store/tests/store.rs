mod common;

use xingfu_store::accounts::NewUser;
use xingfu_store::regions::RegionRow;
use xingfu_store::{Store, StoreError};

fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

fn lucheng() -> Vec<RegionRow> {
    vec![
        region("330000000000", "浙江省", "province", None),
        region("330300000000", "温州市", "city", Some("330000000000")),
        region("330302000000", "鹿城区", "district", Some("330300000000")),
        region("330302006000", "五马街道", "street", Some("330302000000")),
        region(
            "330302006044",
            "鼓楼社区",
            "community",
            Some("330302006000"),
        ),
        region(
            "330302006045",
            "墨池社区",
            "community",
            Some("330302006000"),
        ),
        region("330302026000", "松台街道", "street", Some("330302000000")),
        region(
            "330302026003",
            "庆年坊社区",
            "community",
            Some("330302026000"),
        ),
    ]
}

on_both!(regions_round_trip_and_subtrees, |store: Store| async move {
    assert_eq!(store.upsert_regions(&lucheng()).await.unwrap(), 8);
    // Upserting again updates in place.
    let mut renamed = lucheng();
    renamed[4].name = "鼓楼社区居委会".into();
    store.upsert_regions(&renamed).await.unwrap();
    assert_eq!(store.count_regions().await.unwrap(), 8);
    let gulou = store.region("330302006044").await.unwrap().unwrap();
    assert_eq!(gulou.name, "鼓楼社区居委会");
    assert_eq!(gulou.parent.as_deref(), Some("330302006000"));
    assert!(store.region("999999999999").await.unwrap().is_none());

    let wuma = store.region("330302006000").await.unwrap().unwrap();
    let communities = store.regions_within(&wuma, "community").await.unwrap();
    let codes: Vec<&str> = communities.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["330302006044", "330302006045"]);
    let district = store.region("330302000000").await.unwrap().unwrap();
    assert_eq!(
        store
            .regions_within(&district, "community")
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(store.children("330302000000").await.unwrap().len(), 2);
});

on_both!(a_failed_batch_writes_nothing, |store: Store| async move {
    store.upsert_regions(&lucheng()[..3]).await.unwrap();
    let mut batch = lucheng();
    // The last row breaks a check (an empty name): the whole batch is rolled back.
    batch.push(region(
        "330302026004",
        "",
        "community",
        Some("330302026000"),
    ));
    assert!(store.upsert_regions(&batch).await.is_err());
    assert_eq!(store.count_regions().await.unwrap(), 3);
    let mut batch = lucheng();
    batch.push(region("3303", "温州", "city", None));
    assert!(
        store.upsert_regions(&batch).await.is_err(),
        "codes are 12 digits"
    );
    assert_eq!(store.count_regions().await.unwrap(), 3);
});

on_both!(users_sessions_and_throttling, |store: Store| async move {
    store.upsert_regions(&lucheng()).await.unwrap();
    let new = NewUser {
        username: "wuma-admin",
        display_name: "五马街道管理员",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        role: "street_admin",
        region_code: "330302006000",
    };
    let user = store.create_user(&new, 1_000).await.unwrap();
    assert!(matches!(
        store.create_user(&new, 1_001).await,
        Err(StoreError::Duplicate { what: "user", .. })
    ));
    assert_eq!(
        store
            .user_by_username("wuma-admin")
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
    assert_eq!(store.count_users().await.unwrap(), 1);

    store
        .create_session("token-1", &user.id, "csrf-1", 2_000, 5_000)
        .await
        .unwrap();
    let (session, who) = store.session("token-1", 4_999).await.unwrap().unwrap();
    assert_eq!(session.csrf_token, "csrf-1");
    assert_eq!(who.username, "wuma-admin");
    assert!(
        store.session("token-1", 5_000).await.unwrap().is_none(),
        "expired"
    );
    assert!(
        store.session("token-2", 3_000).await.unwrap().is_none(),
        "unknown token"
    );
    assert_eq!(store.delete_expired_sessions(5_000).await.unwrap(), 1);

    for at in [10, 20, 30] {
        store
            .record_login_attempt("wuma-admin", at, false)
            .await
            .unwrap();
    }
    assert_eq!(store.recent_failures("wuma-admin", 0).await.unwrap(), 3);
    assert_eq!(store.recent_failures("wuma-admin", 25).await.unwrap(), 1);
    store
        .record_login_attempt("wuma-admin", 40, true)
        .await
        .unwrap();
    store
        .record_login_attempt("wuma-admin", 50, false)
        .await
        .unwrap();
    assert_eq!(
        store.recent_failures("wuma-admin", 0).await.unwrap(),
        1,
        "a success resets the count"
    );
});

on_both!(a_user_needs_an_existing_region, |store: Store| async move {
    let new = NewUser {
        username: "nobody",
        display_name: "x",
        password_hash: "x",
        role: "resident",
        region_code: "000000000000",
    };
    assert!(
        store.create_user(&new, 1).await.is_err(),
        "foreign key enforced"
    );
});

on_both!(
    a_submission_key_is_answered_once,
    |store: Store| async move {
        use xingfu_store::submissions::{Claim, STALE_CLAIM_MS};
        let path = "/communities/330302006044/report";
        let now = 1_800_000_000_000;
        assert_eq!(
            store.claim_submission("k1", "u1", path, now).await.unwrap(),
            Claim::First
        );
        // A repeat while the first is handled waits; another account or form may not use the key.
        assert_eq!(
            store
                .claim_submission("k1", "u1", path, now + 10)
                .await
                .unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store
                .claim_submission("k1", "u2", path, now + 10)
                .await
                .unwrap(),
            Claim::Mismatch
        );
        assert_eq!(
            store
                .claim_submission("k1", "u1", "/visits", now + 10)
                .await
                .unwrap(),
            Claim::Mismatch
        );
        store
            .settle_submission("k1", "/events/7?reported=1")
            .await
            .unwrap();
        // Settled: every repeat is sent where the first went, however late.
        assert_eq!(
            store
                .claim_submission("k1", "u1", path, now + 10 * STALE_CLAIM_MS)
                .await
                .unwrap(),
            Claim::Answered("/events/7?reported=1".into())
        );
        store.release_submission("k1").await.unwrap();
        assert_eq!(
            store.claim_submission("k1", "u1", path, now).await.unwrap(),
            Claim::Answered("/events/7?reported=1".into()),
            "a settled key is never released"
        );

        // A form that came back with errors frees its key for the corrected send.
        assert_eq!(
            store.claim_submission("k2", "u1", path, now).await.unwrap(),
            Claim::First
        );
        store.release_submission("k2").await.unwrap();
        assert_eq!(
            store.claim_submission("k2", "u1", path, now).await.unwrap(),
            Claim::First
        );
        // A claim whose server stopped mid-request is taken over once it is stale, by one request.
        let late = now + STALE_CLAIM_MS;
        assert_eq!(
            store
                .claim_submission("k2", "u1", path, late - 1)
                .await
                .unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store
                .claim_submission("k2", "u1", path, late + 1)
                .await
                .unwrap(),
            Claim::First
        );
        assert_eq!(
            store
                .claim_submission("k2", "u1", path, late + 2)
                .await
                .unwrap(),
            Claim::InProgress
        );
    }
);
