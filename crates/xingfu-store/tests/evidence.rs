//! Evidence metadata, on both databases.

mod common;

use xingfu_store::Store;
use xingfu_store::evidence::NewEvidence;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::NewRound;

fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

/// A round with 鼓楼社区 declared; returns the round id.
async fn declared(store: &Store) -> String {
    store
        .upsert_regions(&[
            region("330302000000", "鹿城区", "district", None),
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
        ])
        .await
        .unwrap();
    store
        .save_standard("lucheng-2012", "2012.1", "[standard]", 1)
        .await
        .unwrap();
    let round = store
        .create_round(
            &NewRound {
                year: 2013,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 7,
            },
            "admin",
            10,
        )
        .await
        .unwrap()
        .id;
    store
        .declare(&round, "330302006044", 0, "worker", 20)
        .await
        .unwrap();
    round
}

fn new<'a>(id: &'a str, round: &'a str, clause: &'a str, name: &'a str) -> NewEvidence<'a> {
    NewEvidence {
        id,
        round_id: round,
        community_code: "330302006044",
        clause_id: clause,
        file_key: id,
        file_name: name,
        content_type: "image/png",
        size: 1234,
        sha256: "ab",
    }
}

on_both!(
    evidence_is_recorded_listed_by_clause_and_audited,
    |store: Store| async move {
        let round = declared(&store).await;
        let first = store
            .add_evidence(&new("e1", &round, "ZZ1.2", "会议记录.png"), "worker", 30)
            .await
            .unwrap();
        assert_eq!(first.uploaded_by, "worker");
        assert_eq!(first.uploaded_at, 30);
        store
            .add_evidence(&new("e2", &round, "ZZ1.1", "照片.png"), "worker", 40)
            .await
            .unwrap();
        store
            .add_evidence(&new("e3", &round, "ZZ1.2", "第二份.png"), "worker", 50)
            .await
            .unwrap();

        assert_eq!(store.evidence("e1").await.unwrap(), Some(first.clone()));
        assert_eq!(store.evidence("nope").await.unwrap(), None);
        let listed = store.evidence_for(&round, "330302006044").await.unwrap();
        let order: Vec<(&str, &str)> = listed
            .iter()
            .map(|e| (e.clause_id.as_str(), e.id.as_str()))
            .collect();
        assert_eq!(order, [("ZZ1.1", "e2"), ("ZZ1.2", "e1"), ("ZZ1.2", "e3")]);
        assert!(
            store
                .evidence_for(&round, "330302006045")
                .await
                .unwrap()
                .is_empty()
        );

        let audit = store.audit_for_community("330302006044").await.unwrap();
        let uploads: Vec<_> = audit
            .iter()
            .filter(|a| a.action == "upload_evidence")
            .collect();
        assert_eq!(uploads.len(), 3);
        let after = uploads[0].after.as_deref().unwrap();
        assert!(after.contains("\"clause\":\"ZZ1.2\""), "{after}");
        assert!(after.contains("会议记录.png"), "{after}");
        assert!(after.contains("\"sha256\":\"ab\""), "{after}");
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    evidence_needs_a_declared_entry_and_a_fresh_id,
    |store: Store| async move {
        let round = declared(&store).await;
        // 墨池社区 has not declared: the row would point at no entry.
        let mut orphan = new("e1", &round, "ZZ1.1", "a.png");
        orphan.community_code = "330302006045";
        assert!(store.add_evidence(&orphan, "worker", 30).await.is_err());
        store
            .add_evidence(&new("e1", &round, "ZZ1.1", "a.png"), "worker", 30)
            .await
            .unwrap();
        assert!(
            store
                .add_evidence(&new("e1", &round, "ZZ1.1", "b.png"), "worker", 31)
                .await
                .is_err(),
            "ids are unique"
        );
        // Nothing of a failed write stays behind, not even its audit row.
        assert_eq!(
            store
                .evidence_for(&round, "330302006044")
                .await
                .unwrap()
                .len(),
            1
        );
        let uploads = store
            .audit_for_community("330302006044")
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "upload_evidence")
            .count();
        assert_eq!(uploads, 1);
        assert_eq!(
            store
                .audit_for_community("330302006045")
                .await
                .unwrap()
                .len(),
            0
        );
    }
);
