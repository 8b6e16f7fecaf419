//! Running the real `xingfu serve` binary in tests: start it on a data directory or database,
//! read the address and demo password it prints, talk to it over HTTP, kill it with SIGKILL.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running `xingfu serve`, with the address and demo password it printed.
pub struct Running {
    pub child: Killed,
    pub base: String,
    pub password: Option<String>,
}

/// The server process, killed (and waited for) when dropped, so a failing test leaves none behind.
pub struct Killed(pub Child);

impl Killed {
    /// SIGKILL on Unix: no shutdown, no flush.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn start(args: &[&str]) -> Running {
    start_on("127.0.0.1:0", args)
}

/// [`start`] listening on `listen` (a server restarted on its port behind a balancer).
pub fn start_on(listen: &str, args: &[&str]) -> Running {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_xingfu"))
            .arg("serve")
            .args(["--listen", listen])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xingfu serve starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut password = None;
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        assert!(Instant::now() < deadline, "xingfu serve did not start");
        let line = lines
            .next()
            .expect("xingfu serve printed its address")
            .unwrap();
        if let Some((_, rest)) = line.split_once("密码均为 ") {
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            password = Some(token);
        }
        if let Some((_, rest)) = line.split_once("http://") {
            let address = rest.split('/').next().unwrap();
            // Keep reading so the server never blocks on a full pipe.
            thread::spawn(move || for _ in lines.by_ref() {});
            return Running {
                child,
                base: format!("http://{address}"),
                password,
            };
        }
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

pub fn sign_in(agent: &ureq::Agent, base: &str, username: &str, password: &str) -> String {
    let mut reply = agent
        .post(&format!("{base}/api/v1/session"))
        .send_json(json!({"username": username, "password": password}))
        .unwrap();
    assert_eq!(reply.status(), 201, "sign-in of {username}");
    let body: Value = reply.body_mut().read_json().unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// The database a server with these arguments used, opened with the audit key it created in its
/// data folder, so the keyed chain can be verified.
pub async fn open_store(database_url: &str, serve_args: &[&str]) -> xingfu_store::Store {
    let data_dir = serve_args
        .windows(2)
        .find(|pair| pair[0] == "--data-dir")
        .map(|pair| pair[1])
        .expect("the tests pass --data-dir");
    let text = std::fs::read_to_string(std::path::Path::new(data_dir).join("audit.key"))
        .expect("the server created its audit key");
    let key = xingfu_store::audit::AuditKey::from_hex(&text).expect("a valid audit key");
    xingfu_store::Store::connect(database_url)
        .await
        .expect("the database opens")
        .with_audit_key(key)
}
