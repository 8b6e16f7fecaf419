//! Stored standard versions: the list, and an import that refuses a taken (id, version) and is
//! audited in the same transaction; on SQLite and on PostgreSQL.

mod common;

use serde_json::Value;
use xingfu_store::Store;
use xingfu_store::standards::{IMPORT_ACTION, Imported, NewStandard, StoredStandard, body_sha256};

const BASE: &str = "[standard]\nid = \"lucheng-2012\"\nversion = \"2012.1\"\n";
const EDITED: &str = "[standard]\nid = \"lucheng-2012\"\nversion = \"2013.1\"\n# edited\n";

fn stored(id: &str, version: &str, loaded_at: i64) -> StoredStandard {
    StoredStandard {
        id: id.into(),
        version: version.into(),
        loaded_at,
    }
}

fn new_version<'a>(id: &'a str, version: &'a str, body: &'a str) -> NewStandard<'a> {
    NewStandard {
        id,
        version,
        body,
        clauses: 42,
        based_on: Some("2012.1"),
    }
}

on_both!(
    an_import_is_listed_kept_and_audited,
    |store: Store| async move {
        assert_eq!(store.stored_standards().await.unwrap(), []);
        store
            .save_standard("lucheng-2012", "2012.1", BASE, 5)
            .await
            .unwrap();
        store
            .save_standard("fengze-centre", "2022.1", "[standard]", 7)
            .await
            .unwrap();

        let outcome = store
            .import_standard(
                &new_version("lucheng-2012", "2013.1", EDITED),
                "district",
                10,
            )
            .await
            .unwrap();
        let Imported::Saved { audit_seq } = outcome else {
            panic!("a new version is saved, not {outcome:?}");
        };

        // By id, then oldest first.
        assert_eq!(
            store.stored_standards().await.unwrap(),
            [
                stored("fengze-centre", "2022.1", 7),
                stored("lucheng-2012", "2012.1", 5),
                stored("lucheng-2012", "2013.1", 10),
            ]
        );
        assert_eq!(
            store
                .standard_body("lucheng-2012", "2013.1")
                .await
                .unwrap()
                .as_deref(),
            Some(EDITED)
        );

        let audit = store.standard_imports().await.unwrap();
        assert_eq!(audit.len(), 1);
        let row = &audit[0];
        assert_eq!(row.seq, audit_seq);
        assert_eq!(row.action, IMPORT_ACTION);
        assert_eq!(row.actor, "district");
        assert_eq!(row.at, 10);
        assert_eq!(row.community_code, None);
        assert_eq!(row.round_id, None);
        assert_eq!(row.before, None);
        let after: Value = serde_json::from_str(row.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["id"], "lucheng-2012");
        assert_eq!(after["version"], "2013.1");
        assert_eq!(after["clauses"], 42);
        assert_eq!(after["based_on"], "2012.1");
        assert_eq!(after["sha256"], body_sha256(EDITED));
        assert_ne!(body_sha256(EDITED), body_sha256(BASE));
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    a_taken_version_is_refused_and_nothing_is_written,
    |store: Store| async move {
        store
            .save_standard("lucheng-2012", "2012.1", BASE, 5)
            .await
            .unwrap();
        // Taken by a version stored the ordinary way …
        let outcome = store
            .import_standard(
                &new_version("lucheng-2012", "2012.1", EDITED),
                "district",
                10,
            )
            .await
            .unwrap();
        assert_eq!(outcome, Imported::VersionTaken);
        assert_eq!(
            store
                .standard_body("lucheng-2012", "2012.1")
                .await
                .unwrap()
                .as_deref(),
            Some(BASE),
            "the stored text is not replaced"
        );
        assert!(store.standard_imports().await.unwrap().is_empty());

        // … and by an earlier import.
        assert!(matches!(
            store
                .import_standard(&new_version("lucheng-2012", "2013.1", EDITED), "city", 11)
                .await
                .unwrap(),
            Imported::Saved { .. }
        ));
        let outcome = store
            .import_standard(
                &new_version("lucheng-2012", "2013.1", "[standard]\n# another\n"),
                "district",
                12,
            )
            .await
            .unwrap();
        assert_eq!(outcome, Imported::VersionTaken);
        assert_eq!(
            store
                .standard_body("lucheng-2012", "2013.1")
                .await
                .unwrap()
                .as_deref(),
            Some(EDITED)
        );
        let audit = store.standard_imports().await.unwrap();
        assert_eq!(audit.len(), 1, "only the import that happened is audited");
        assert_eq!(audit[0].actor, "city");

        // The same label under another id is a different version.
        assert!(matches!(
            store
                .import_standard(&new_version("fengze-centre", "2013.1", BASE), "city", 13)
                .await
                .unwrap(),
            Imported::Saved { .. }
        ));
        assert_eq!(store.stored_standards().await.unwrap().len(), 3);
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);
