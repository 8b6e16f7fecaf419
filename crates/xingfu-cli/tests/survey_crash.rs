//! Survey answers survive `kill -9`: the real `xingfu serve` binary starts with the demo (SQLite
//! file, or a PostgreSQL schema), residents send answers through a community's link from several
//! connections at once, the server is killed with SIGKILL in the middle, and the database it
//! leaves is opened again: every answer the server acknowledged (303) is stored exactly once, and
//! the running tallies equal a recount of the stored answers. Then the server starts again on it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::Value;
use xingfu_core::survey::{Channel, CounterKey, Response, Submission, Tally, check_submission};
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

/// The demo's 2013 round, one of its communities still open to answers, and that community's
/// resident link (made through the API).
fn surveyed_community(agent: &ureq::Agent, base: &str, token: &str) -> (String, String, String) {
    let rounds = get(agent, &format!("{base}/api/v1/rounds"), token);
    let round = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2013)
        .expect("the demo's 2013 round");
    let id = round["id"].as_str().unwrap().to_string();
    let survey = get(agent, &format!("{base}/api/v1/rounds/{id}/survey"), token);
    assert_eq!(
        survey["questionnaire_id"], "lucheng-2012",
        "the demo runs a survey"
    );
    let entries = get(
        agent,
        &format!("{base}/api/v1/rounds/{id}/entries?limit=500"),
        token,
    );
    let open = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["stage"] == "scoring")
        .expect("an entry being scored in the demo");
    let community = open["community_code"].as_str().unwrap().to_string();
    let mut reply = agent
        .post(&format!(
            "{base}/api/v1/rounds/{id}/survey/communities/{community}/link"
        ))
        .header("Authorization", &format!("Bearer {token}"))
        .send_empty()
        .unwrap();
    assert_eq!(reply.status(), 200, "the resident link");
    let link: Value = reply.body_mut().read_json().unwrap();
    (id, community, link["path"].as_str().unwrap().to_string())
}

const OPTIONS: [&str; 6] = [
    "very_satisfied",
    "satisfied",
    "fairly_satisfied",
    "dissatisfied",
    "very_dissatisfied",
    "dont_know",
];

/// Sends residents' final forms until told to stop or the server dies; returns the client
/// tokens the server acknowledged with 303.
fn keep_answering(base: String, path: String, writer: usize, stop: Arc<AtomicBool>) -> Vec<String> {
    let agent = agent();
    let mut acknowledged = Vec::new();
    for n in 0usize.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let token = format!("crash-test-w{writer:02}-{n:08}");
        let phone = format!("1{writer:02}{n:08}");
        let mut form: Vec<(String, String)> = vec![
            ("ct".into(), token.clone()),
            ("step".into(), "6".into()),
            ("nav".into(), "submit".into()),
            ("phone".into(), phone),
        ];
        for (i, question) in ["Q1", "Q2", "Q3", "Q4", "Q5"].iter().enumerate() {
            let option = OPTIONS[(n + i + writer) % OPTIONS.len()];
            form.push((format!("a_{question}"), option.to_string()));
        }
        let reply = agent
            .post(&format!("{base}{path}"))
            .send_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match reply {
            Ok(reply) if reply.status() == 303 => acknowledged.push(token),
            Ok(reply) => panic!("answer refused: {}", reply.status()),
            // The server died under us: what was not acknowledged may or may not be stored.
            Err(_) => break,
        }
    }
    acknowledged
}

/// Every acknowledged token stored exactly once; every stored tally equal to a recount of the
/// counted answers (the writers share one address, so most of their answers are held as a burst,
/// moved out of the tallies as the burst forms).
fn check_database(
    database_url: &str,
    serve_args: &[&str],
    round: &str,
    community: &str,
    acknowledged: &[String],
) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = support::open_store(database_url, serve_args).await;
        let settings = store.survey_settings(round).await.unwrap().unwrap();
        let q = xingfu_formats::questionnaire_file::load_questionnaire(
            "stored",
            &settings.questionnaire_body,
        )
        .unwrap();

        let stored = store.survey_answers_of(round, community).await.unwrap();
        let mut by_token: HashMap<&str, usize> = HashMap::new();
        for answer in &stored {
            *by_token.entry(answer.client_token.as_str()).or_default() += 1;
        }
        for token in acknowledged {
            assert_eq!(
                by_token.get(token.as_str()),
                Some(&1),
                "acknowledged answer {token} is stored exactly once"
            );
        }

        // Recount every community that has a tally, from its stored answers.
        let mut stored_tallies: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for (code, counter, count) in store
            .survey_tallies_by_community(round, "330302")
            .await
            .unwrap()
        {
            stored_tallies
                .entry(code)
                .or_default()
                .push((counter, count));
        }
        assert!(stored_tallies.contains_key(community));
        for (code, counters) in stored_tallies {
            let kept = Tally::from_counters(
                &q.id,
                &q.version,
                counters
                    .into_iter()
                    .map(|(k, n)| (k.parse::<CounterKey>().unwrap(), n as u64)),
            );
            let mut recount = Tally::for_questionnaire(&q);
            // Held and rejected answers are stored but not in the tallies.
            for answer in store
                .survey_answers_of(round, &code)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.status == "counted")
            {
                let answers: BTreeMap<String, Response> =
                    serde_json::from_str(&answer.answers).unwrap();
                let checked = check_submission(
                    &q,
                    Submission {
                        questionnaire: answer.questionnaire_id.clone(),
                        version: answer.questionnaire_version.clone(),
                        channel: Channel::parse(&answer.channel).unwrap(),
                        answers,
                    },
                )
                .unwrap();
                recount.add(&checked).unwrap();
            }
            assert_eq!(kept, recount, "{code}: the tally equals a recount");
        }
        assert_eq!(
            store.verify_audit().await.unwrap(),
            None,
            "the chain is whole"
        );
        store.close().await;
    });
}

fn kill_mid_answers_and_check(database_url: &str, args: &[&str]) {
    let server = start(args);
    let password = server
        .password
        .clone()
        .expect("the demo's password printed");
    let agent = agent();
    let token = sign_in(&agent, &server.base, "lucheng", &password);
    let (round, community, path) = surveyed_community(&agent, &server.base, &token);
    let page = agent.get(&format!("{}{path}", server.base)).call().unwrap();
    assert_eq!(page.status(), 200, "the resident page");

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (base, path, stop) = (server.base.clone(), path.clone(), stop.clone());
            thread::spawn(move || keep_answering(base, path, w, stop))
        })
        .collect();
    thread::sleep(Duration::from_millis(2000));
    let mut child = server.child;
    child.kill();
    stop.store(true, Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.join().unwrap());
    }
    assert!(
        acknowledged.len() > 20,
        "the residents got going before the kill ({} answers)",
        acknowledged.len()
    );
    eprintln!(
        "{} answers acknowledged before the kill",
        acknowledged.len()
    );
    check_database(database_url, args, &round, &community, &acknowledged);

    // It starts again on what it left, and takes answers.
    let again = start(args);
    assert_eq!(again.password, None, "the demo is loaded once");
    let reply = agent
        .post(&format!("{}{path}", again.base))
        .send_form([
            ("ct", "after-restart-00000001"),
            ("step", "6"),
            ("nav", "submit"),
            ("phone", "13999999999"),
            ("a_Q1", "satisfied"),
            ("a_Q2", "satisfied"),
            ("a_Q3", "satisfied"),
            ("a_Q4", "satisfied"),
            ("a_Q5", "satisfied"),
        ])
        .unwrap();
    assert_eq!(reply.status(), 303);
    let mut child = again.child;
    child.kill();
}

#[test]
fn on_sqlite_a_kill_mid_run_loses_no_acknowledged_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}", data.join("xingfu.db").display());
    kill_mid_answers_and_check(&url, &["--data-dir", data.to_str().unwrap()]);
}

#[test]
fn on_postgresql_a_kill_mid_run_loses_no_acknowledged_answer() {
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
    kill_mid_answers_and_check(
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
