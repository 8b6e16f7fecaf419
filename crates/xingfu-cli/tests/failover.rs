//! Two `xingfu serve` processes on one PostgreSQL database behind HAProxy (the topology of
//! docs/deploy.md): residents answer a survey and pages are read through the balancer, one
//! server is killed with SIGKILL in the middle, and afterwards every answer a resident sent is
//! stored exactly once — acknowledged on the first try, or after the client sent it again with
//! the same client token. A stopping server (SIGTERM) reports "draining" on /health first, then
//! exits cleanly. Failure test 3: the PostgreSQL primary is lost under the same load, its
//! streaming replica promoted and the servers restarted on it (the procedure of
//! docs/deploy.md); what was acknowledged is there once, and the time writes were refused is
//! measured. Needs HAProxy (`apt-get install haproxy`; scripts/test installs it).

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use xingfu_store::Store;

mod support;
// The private primary and streaming replica the server's replica tests use.
#[path = "../../xingfu-server/tests/common/replica.rs"]
#[allow(dead_code)]
mod replica;

use support::{agent, sign_in, start, start_on};

/// HAProxy in front of the given servers, stopped when dropped.
struct Balancer {
    child: Child,
    base: String,
    stats: String,
    _dir: tempfile::TempDir,
}

impl Balancer {
    /// The backend's counters: requests HAProxy sent again after a connection failure
    /// (`wretr`) and sent to another server (`wredis`).
    fn retries(&self) -> (u64, u64) {
        let csv = agent()
            .get(&format!("{};csv", self.stats))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (retries, redispatches) = (column("wretr"), column("wredis"));
        let backend: Vec<&str> = lines
            .map(|line| line.split(',').collect::<Vec<_>>())
            .find(|row| row[0] == "xingfu" && row[1] == "BACKEND")
            .unwrap();
        let number = |i: usize| backend[i].parse::<u64>().unwrap_or(0);
        (number(retries), number(redispatches))
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now, with the one above it free too (the stats page).
fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// The configuration docs/deploy.md gives, with these servers and port.
fn haproxy_config(port: u16, servers: &[&str]) -> String {
    let template = include_str!("../../../deploy/haproxy.cfg");
    let lines: Vec<String> = servers
        .iter()
        .enumerate()
        .map(|(i, address)| format!("    server xingfu{} {address} check", i + 1))
        .collect();
    template
        .replace("127.0.0.1:8000", &format!("127.0.0.1:{port}"))
        .replace("127.0.0.1:8404", &format!("127.0.0.1:{}", port + 1))
        .lines()
        .filter(|line| !line.trim_start().starts_with("server xingfu"))
        .map(str::to_string)
        .chain(lines)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn balancer(servers: &[&str]) -> Balancer {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("haproxy.cfg");
    std::fs::write(&config, haproxy_config(port, servers)).unwrap();
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy is installed (apt-get install haproxy; scripts/test installs it)");
    let base = format!("http://127.0.0.1:{port}");
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Up when every server has passed its checks: a few health answers in a row.
    let mut healthy = 0;
    while healthy < 6 {
        assert!(Instant::now() < deadline, "HAProxy did not come up");
        match agent.get(&format!("{base}/health")).call() {
            Ok(reply) if reply.status() == 200 => healthy += 1,
            _ => healthy = 0,
        }
        thread::sleep(Duration::from_millis(100));
    }
    Balancer {
        child,
        base,
        stats: format!("http://127.0.0.1:{}/stats", port + 1),
        _dir: dir,
    }
}

const OPTIONS: [&str; 3] = ["very_satisfied", "satisfied", "dissatisfied"];

/// What the residents' clients saw.
#[derive(Default)]
struct Sent {
    /// Client tokens sent, each until acknowledged (or the run's end).
    tokens: Vec<String>,
    acknowledged: Vec<String>,
    /// Sends beyond the first of a token: after an error, a 502/503 or no answer.
    retries: usize,
    /// The longest a resident waited for an acknowledgement, retries included.
    longest: Duration,
    /// When each acknowledgement came, with its token.
    acknowledged_at: Vec<(Instant, String)>,
}

impl Sent {
    fn add(&mut self, one: Sent) {
        self.tokens.extend(one.tokens);
        self.acknowledged.extend(one.acknowledged);
        self.retries += one.retries;
        self.longest = self.longest.max(one.longest);
        self.acknowledged_at.extend(one.acknowledged_at);
    }
}

/// A resident's phone: sends final survey forms one after another; an answer not acknowledged
/// (303) is sent again with the same client token, as the page's own retry does.
fn keep_answering(
    (base, path): (String, String),
    writer: usize,
    stop: Arc<AtomicBool>,
    patience: Duration,
) -> Sent {
    let agent = agent();
    let mut sent = Sent::default();
    for n in 0usize.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let token = format!("failover-w{writer:02}-{n:08}");
        let mut form: Vec<(String, String)> = vec![
            ("ct".into(), token.clone()),
            ("step".into(), "6".into()),
            ("nav".into(), "submit".into()),
            ("phone".into(), format!("1{writer:02}{n:08}")),
        ];
        for (i, question) in ["Q1", "Q2", "Q3", "Q4", "Q5"].iter().enumerate() {
            form.push((format!("a_{question}"), OPTIONS[(n + i) % 3].to_string()));
        }
        sent.tokens.push(token.clone());
        let began = Instant::now();
        let give_up = began + patience;
        for attempt in 0.. {
            if attempt > 0 {
                sent.retries += 1;
                thread::sleep(Duration::from_millis(100));
            }
            let reply = agent
                .post(&format!("{base}{path}"))
                .send_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            match reply {
                Ok(reply) if reply.status() == 303 => {
                    sent.acknowledged.push(token.clone());
                    sent.acknowledged_at.push((Instant::now(), token.clone()));
                    sent.longest = sent.longest.max(began.elapsed());
                    break;
                }
                Ok(reply) if reply.status().is_server_error() => {}
                Ok(reply) => panic!("answer refused: {}", reply.status()),
                Err(_) => {}
            }
            assert!(Instant::now() < give_up, "{token} never acknowledged");
        }
    }
    sent
}

/// Someone reading pages: the sign-in page and the public verification page, counted.
fn keep_reading(
    base: String,
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
) {
    let agent = agent();
    for n in 0usize.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let path = if n % 2 == 0 { "/login" } else { "/verify" };
        match agent.get(&format!("{base}{path}")).call() {
            Ok(reply) if reply.status() == 200 => ok.fetch_add(1, Ordering::SeqCst),
            _ => failed.fetch_add(1, Ordering::SeqCst),
        };
    }
}

fn survey_link(base: &str, password: &str) -> (String, String, String) {
    let agent = agent();
    let token = sign_in(&agent, base, "lucheng", password);
    let get = |url: String| -> Value {
        agent
            .get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    };
    let rounds = get(format!("{base}/api/v1/rounds"));
    let round = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2013)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let entries = get(format!("{base}/api/v1/rounds/{round}/entries?limit=500"));
    let community = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["stage"] == "scoring")
        .unwrap()["community_code"]
        .as_str()
        .unwrap()
        .to_string();
    let mut reply = agent
        .post(&format!(
            "{base}/api/v1/rounds/{round}/survey/communities/{community}/link"
        ))
        .header("Authorization", &format!("Bearer {token}"))
        .send_empty()
        .unwrap();
    let link: Value = reply.body_mut().read_json().unwrap();
    (round, community, link["path"].as_str().unwrap().to_string())
}

/// A fresh PostgreSQL schema for one test; dropped at the end.
struct Schema {
    base: String,
    name: String,
    url: String,
}

impl Schema {
    fn new(prefix: &str) -> Schema {
        let base = std::env::var("XINGFU_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("{prefix}_{}", xingfu_store::new_id());
        let sql = format!("CREATE SCHEMA {name}");
        block_on(async {
            let admin = Store::connect_without_migrations(&base)
                .await
                .expect("PostgreSQL must be running for the tests (see README)");
            admin.execute_admin(&sql).await.unwrap();
            admin.close().await;
        });
        let url = format!("{base}?options=-c%20search_path%3D{name}");
        Schema { base, name, url }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA {} CASCADE", self.name);
        block_on(async {
            if let Ok(admin) = Store::connect_without_migrations(&self.base).await {
                let _ = admin.execute_admin(&sql).await;
                admin.close().await;
            }
        });
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

#[test]
fn a_server_killed_behind_the_balancer_loses_no_answer_and_doubles_none() {
    let schema = Schema::new("xingfu_failover");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = [
        "--database",
        &schema.url,
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let first = start(&args);
    let password = first.password.clone().expect("the demo's password printed");
    let second = start(&args);
    assert_eq!(
        second.password, None,
        "the demo is loaded once, by the first"
    );
    let servers = [
        first.base.trim_start_matches("http://").to_string(),
        second.base.trim_start_matches("http://").to_string(),
    ];
    let balancer = balancer(&[&servers[0], &servers[1]]);
    let (round, community, path) = survey_link(&balancer.base, &password);

    let stop = Arc::new(AtomicBool::new(false));
    let (reads_ok, reads_failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let (target, stop) = ((balancer.base.clone(), path.clone()), stop.clone());
            thread::spawn(move || keep_answering(target, w, stop, Duration::from_secs(20)))
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (base, stop) = (balancer.base.clone(), stop.clone());
            let (ok, failed) = (reads_ok.clone(), reads_failed.clone());
            thread::spawn(move || keep_reading(base, stop, ok, failed))
        })
        .collect();
    thread::sleep(Duration::from_millis(1500));
    let mut killed = first.child;
    killed.kill();
    let killed_at = Instant::now();
    thread::sleep(Duration::from_millis(2500));
    stop.store(true, Ordering::SeqCst);
    let mut sent = Sent::default();
    for writer in writers {
        sent.add(writer.join().unwrap());
    }
    let (retried, redispatched) = balancer.retries();
    for reader in readers {
        reader.join().unwrap();
    }
    let after_kill = killed_at.elapsed();

    let stored = block_on(async {
        let store = support::open_store(&schema.url, &args).await;
        let answers = store.survey_answers_of(&round, &community).await.unwrap();
        store.close().await;
        answers
    });
    let mut by_token: HashMap<&str, usize> = HashMap::new();
    for answer in &stored {
        *by_token.entry(answer.client_token.as_str()).or_default() += 1;
    }
    let present = sent
        .tokens
        .iter()
        .filter(|t| by_token.contains_key(t.as_str()))
        .count();
    let duplicated = by_token.values().filter(|&&n| n > 1).count();
    eprintln!(
        "failover: answers sent {}, acknowledged {}, present {present}, duplicated {duplicated}, \
         client retries {}, longest wait {} ms; HAProxy retried {retried}, redispatched \
         {redispatched}; page reads ok {}, failed {}; {:.1} s of load after the kill",
        sent.tokens.len(),
        sent.acknowledged.len(),
        sent.retries,
        sent.longest.as_millis(),
        reads_ok.load(Ordering::SeqCst),
        reads_failed.load(Ordering::SeqCst),
        after_kill.as_secs_f64()
    );
    assert!(sent.tokens.len() > 20, "the residents got going");
    assert_eq!(
        sent.acknowledged.len(),
        sent.tokens.len(),
        "every answer was acknowledged in the end"
    );
    for token in &sent.acknowledged {
        assert_eq!(
            by_token.get(token.as_str()),
            Some(&1),
            "{token} stored once"
        );
    }
    assert_eq!(duplicated, 0);
    assert!(
        retried + redispatched > 0,
        "the kill hit requests in flight, which HAProxy sent again"
    );
    assert!(reads_ok.load(Ordering::SeqCst) > 20);
    assert_eq!(
        reads_failed.load(Ordering::SeqCst),
        0,
        "HAProxy retries a read the killed server dropped"
    );
}

#[test]
fn a_stopping_server_drains_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&["--data-dir", data.to_str().unwrap(), "--drain-seconds", "2"]);
    let agent = agent();
    let health = |agent: &ureq::Agent| -> Option<(u16, Value)> {
        let mut reply = agent.get(&format!("{}/health", server.base)).call().ok()?;
        Some((reply.status().as_u16(), reply.body_mut().read_json().ok()?))
    };
    assert_eq!(health(&agent).unwrap().0, 200);
    let pid = server.child.0.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    // Draining: still answering, saying so, for the balancer's checks to see.
    let (code, body) = (0..50)
        .find_map(|_| {
            thread::sleep(Duration::from_millis(50));
            health(&agent).filter(|(code, _)| *code == 503)
        })
        .expect("/health says draining");
    assert_eq!(code, 503);
    assert_eq!(body["status"], "draining");
    let mut child = server.child;
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server stopped after draining"
        );
        thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "a clean exit: {exit:?}");
}

/// Failure test 3 through the balancer: residents answer through HAProxy into two servers on a
/// private primary with a streaming replica; the primary's machine is lost (immediate stop),
/// the replica promoted (`pg_ctl promote`) and each server restarted on it (SIGTERM, then
/// `xingfu serve --database <the new primary>` on the same port). Every answer is sent until
/// acknowledged; afterwards every acknowledged answer is on the new primary exactly once,
/// except at most those acknowledged in the last second before the loss (asynchronous
/// replication), and the time no answer was acknowledged is measured.
#[test]
fn the_primary_lost_and_the_replica_promoted_loses_nothing_acknowledged() {
    let pair = replica::Replicated::start();
    let (primary, promoted) = (pair.primary_url(), pair.replica_url());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let listen: Vec<String> = (0..2)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    // A short wait for a pool connection: when the database is lost, requests fail in 2 s and
    // HAProxy's checks take the servers out, instead of requests hanging for half a minute.
    let serve = |database: &str, at: &str| {
        start_on(
            at,
            &[
                "--database",
                database,
                "--data-dir",
                data,
                "--database-wait-ms",
                "2000",
            ],
        )
    };
    let first = serve(&primary, &listen[0]);
    let password = first.password.clone().expect("the demo's password printed");
    let second = serve(&primary, &listen[1]);
    let balancer = balancer(&[&listen[0], &listen[1]]);
    let (round, community, path) = survey_link(&balancer.base, &password);

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let (target, stop) = ((balancer.base.clone(), path.clone()), stop.clone());
            thread::spawn(move || keep_answering(target, w, stop, Duration::from_secs(60)))
        })
        .collect();
    thread::sleep(Duration::from_millis(1500));
    let lost_at = Instant::now();
    pair.lose_primary();
    pair.promote_replica();
    let promoted_after = lost_at.elapsed();
    let mut restarted = Vec::new();
    for (server, at) in [first, second].into_iter().zip(&listen) {
        let pid = server.child.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let mut child = server.child;
        let _ = child.0.wait();
        restarted.push(serve(&promoted, at));
    }
    let restarted_after = lost_at.elapsed();
    thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    let mut sent = Sent::default();
    for writer in writers {
        sent.add(writer.join().unwrap());
    }
    let (retried, redispatched) = balancer.retries();

    let stored = block_on(async {
        let args = ["--data-dir", data];
        let store = support::open_store(&promoted, &args).await;
        let answers = store.survey_answers_of(&round, &community).await.unwrap();
        store.close().await;
        answers
    });
    let mut by_token: HashMap<&str, usize> = HashMap::new();
    for answer in &stored {
        *by_token.entry(answer.client_token.as_str()).or_default() += 1;
    }
    let duplicated = by_token.values().filter(|&&n| n > 1).count();
    let missing: Vec<&(Instant, String)> = sent
        .acknowledged_at
        .iter()
        .filter(|(_, token)| !by_token.contains_key(token.as_str()))
        .collect();
    let before_loss = sent
        .acknowledged_at
        .iter()
        .filter(|(at, _)| *at < lost_at)
        .count();
    // Writes refused: the longest time in which no answer was acknowledged (six residents
    // answering without pause are acknowledged every few milliseconds otherwise).
    let mut times: Vec<Instant> = sent.acknowledged_at.iter().map(|(at, _)| *at).collect();
    times.sort();
    let refused = times
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .max()
        .expect("answers were acknowledged");
    assert!(
        times
            .last()
            .is_some_and(|last| *last > lost_at + restarted_after),
        "answers were acknowledged after the servers restarted on the new primary"
    );
    eprintln!(
        "failure test 3: answers sent {}, acknowledged {} ({before_loss} before the loss), \
         present {}, missing {}, duplicated {duplicated}; client retries {}, longest wait {} ms; \
         HAProxy retried {retried}, redispatched {redispatched}; replica promoted {} ms and both \
         servers restarted on it {} ms after the loss; no answer acknowledged for {} ms",
        sent.tokens.len(),
        sent.acknowledged.len(),
        sent.acknowledged.len() - missing.len(),
        missing.len(),
        sent.retries,
        sent.longest.as_millis(),
        promoted_after.as_millis(),
        restarted_after.as_millis(),
        refused.as_millis(),
    );
    assert_eq!(
        sent.acknowledged.len(),
        sent.tokens.len(),
        "every answer acknowledged in the end"
    );
    assert!(before_loss > 20, "the residents got going before the loss");
    assert_eq!(duplicated, 0, "no answer stored twice");
    for (at, token) in &missing {
        assert!(
            *at < lost_at && lost_at - *at < Duration::from_secs(1),
            "{token}, acknowledged {:?} before the loss, is missing: only the last moment's \
             unstreamed answers may be",
            lost_at.saturating_duration_since(*at)
        );
    }
    drop(restarted);
}
