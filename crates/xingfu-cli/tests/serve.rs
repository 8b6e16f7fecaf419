//! `xingfu serve` as people run it: the real binary starts on an empty data directory (SQLite) or
//! an empty PostgreSQL schema, loads the demo and answers; then it is killed with SIGKILL while
//! assessors are saving answers, and the database it leaves is checked: every acknowledged save is
//! there, the audit chain is whole, and the server starts again on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};
use xingfu_store::Store;

mod support;

use support::{agent, sign_in, start};

fn get(agent: &ureq::Agent, url: &str, token: &str) -> Value {
    let mut reply = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(reply.status(), 200, "{url}");
    reply.body_mut().read_json().unwrap()
}

/// The demo's 2013 round and one of its communities waiting for scores.
fn entry_being_scored(agent: &ureq::Agent, base: &str, token: &str) -> (String, String) {
    let rounds = get(agent, &format!("{base}/api/v1/rounds"), token);
    let round = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2013)
        .expect("the demo's 2013 round");
    let id = round["id"].as_str().unwrap().to_string();
    let entries = get(
        agent,
        &format!("{base}/api/v1/rounds/{id}/entries?limit=500"),
        token,
    );
    let scoring = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["stage"] == "scoring")
        .expect("an entry being scored in the demo");
    (id, scoring["community_code"].as_str().unwrap().to_string())
}

/// Saves answers until told to stop; returns the notes the server acknowledged (200).
fn keep_saving(
    base: String,
    token: String,
    path: String,
    writer: usize,
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    let agent = agent();
    let mut acknowledged = Vec::new();
    let clause = ["ZZ1.1", "ZZ1.2", "ZZ2.2", "ZZ2.3"][writer % 4];
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let note = format!("writer {writer} save {n}");
        let body = json!({"answers": {clause: {"number": (n % 10) as f64, "note": note}}});
        let reply = agent
            .put(&format!("{base}{path}"))
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(body);
        match reply {
            Ok(reply) if reply.status() == 200 => acknowledged.push(note),
            Ok(reply) => panic!("save refused: {}", reply.status()),
            // The server died under us: what was not acknowledged may or may not be there.
            Err(_) => break,
        }
    }
    acknowledged
}

fn kill_mid_write_and_check(database_url: &str, args: &[&str]) {
    let server = start(args);
    let password = server
        .password
        .clone()
        .expect("the demo's password printed");
    let agent = agent();
    let reply = agent.get(&format!("{}/login", server.base)).call().unwrap();
    assert_eq!(reply.status(), 200, "the login page");
    let token = sign_in(&agent, &server.base, "assessor1", &password);
    let (round, community) = entry_being_scored(&agent, &server.base, &token);
    let path = format!("/api/v1/rounds/{round}/entries/{community}/answers");

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, token, path, stop) = (
                server.base.clone(),
                token.clone(),
                path.clone(),
                stop.clone(),
            );
            thread::spawn(move || keep_saving(base, token, path, w, stop))
        })
        .collect();
    thread::sleep(Duration::from_millis(1500));
    let mut child = server.child;
    child.kill();
    stop.store(true, Ordering::SeqCst);
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    for writer in writers {
        acknowledged.lock().unwrap().extend(writer.join().unwrap());
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "the writers got going before the kill ({} saves)",
        acknowledged.len()
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = support::open_store(database_url, args).await;
        assert_eq!(
            store.verify_audit().await.unwrap(),
            None,
            "the chain is whole"
        );
        let trail = store.audit_for_community(&community).await.unwrap();
        let recorded: Vec<&str> = trail
            .iter()
            .filter_map(|row| row.after.as_deref())
            .collect();
        for note in &acknowledged {
            assert!(
                recorded.iter().any(|after| after.contains(note.as_str())),
                "acknowledged save {note:?} is in the audit trail"
            );
        }
        // The answers table agrees with the last audited save of each clause.
        let answers = store.answers(&round, &community).await.unwrap();
        for clause in ["ZZ1.1", "ZZ1.2", "ZZ2.2", "ZZ2.3"] {
            let last_audited = trail
                .iter()
                .rev()
                .filter(|row| row.action == "score" && row.actor == "assessor1")
                .filter_map(|row| row.after.as_deref())
                .find(|after| after.contains(&format!("\"{clause}\"")));
            let stored = answers
                .iter()
                .find(|a| a.sheet == "assessor1" && a.clause_id == clause);
            if let (Some(after), Some(stored)) = (last_audited, stored) {
                let note = stored.answer.split("writer").nth(1).unwrap_or_default();
                assert!(
                    after.contains(note),
                    "{clause}: stored {} but last audited {after}",
                    stored.answer
                );
            }
        }
        store.close().await;
    });

    // It starts again on what it left, without loading the demo a second time.
    let again = start(args);
    assert_eq!(again.password, None, "the demo is loaded once");
    let token = sign_in(&agent, &again.base, "assessor1", &password);
    let (round_again, _) = entry_being_scored(&agent, &again.base, &token);
    assert_eq!(round_again, round);
    drop(again);
}

#[test]
fn on_sqlite_a_kill_mid_write_loses_no_acknowledged_save() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}", data.join("xingfu.db").display());
    kill_mid_write_and_check(&url, &["--data-dir", data.to_str().unwrap()]);
}

#[test]
fn on_postgresql_a_kill_mid_write_loses_no_acknowledged_save() {
    let base = std::env::var("XINGFU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("xingfu_crash_{}", xingfu_store::new_id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let admin = Store::connect_without_migrations(&base)
            .await
            .expect("PostgreSQL must be running for the tests (see README)");
        admin
            .execute_admin(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        admin.close().await;
    });
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("files");
    kill_mid_write_and_check(
        &url,
        &["--database", &url, "--data-dir", data.to_str().unwrap()],
    );
    runtime.block_on(async {
        let admin = Store::connect_without_migrations(&base).await.unwrap();
        let _ = admin
            .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
            .await;
        admin.close().await;
    });
}
