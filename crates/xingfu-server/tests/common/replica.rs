//! A PostgreSQL primary and its streaming replica, private to one test: a cluster made with
//! initdb on a free port, and a copy of it made with pg_basebackup that follows it
//! (`-R`: standby mode, streaming from the primary). Both are stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Replicated {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub primary_port: u16,
    pub replica_port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// PostgreSQL's server programs (Debian: /usr/lib/postgresql/VERSION/bin), the newest.
fn server_programs() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server programs are installed (apt-get install postgresql)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("pg_basebackup").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect("initdb, pg_ctl and pg_basebackup")
}

/// Runs a server program as the postgres user when the tests run as root (PostgreSQL refuses
/// to run as root).
fn command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(program: &Path, args: &[&str]) {
    let output = command(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Replicated {
    pub fn start() -> Replicated {
        let bin = server_programs();
        let dir = tempfile::tempdir().unwrap();
        // The postgres user makes its data folders and sockets here.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let pair = Replicated {
            bin,
            dir,
            primary_port: free_port(),
            replica_port: free_port(),
        };
        let primary = pair.folder("primary");
        run(
            &pair.bin.join("initdb"),
            &[
                "-D", &primary, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            ],
        );
        pair.pg_ctl_start("primary", pair.primary_port);
        let replica = pair.folder("replica");
        let port = pair.primary_port.to_string();
        run(
            &pair.bin.join("pg_basebackup"),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &replica,
                "-R",
                "-X",
                "stream",
            ],
        );
        pair.start_replica();
        pair
    }

    fn folder(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn pg_ctl_start(&self, name: &str, port: u16) {
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            self.dir.path().display()
        );
        let log = self.folder(&format!("{name}.log"));
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.folder(name),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
    }

    pub fn primary_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.primary_port
        )
    }

    pub fn replica_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.replica_port
        )
    }

    /// Stops the replica at once (as a crash or a pulled cable would).
    pub fn stop_replica(&self) {
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.folder("replica"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    pub fn start_replica(&self) {
        self.pg_ctl_start("replica", self.replica_port);
    }

    /// Stops the primary at once: the machine is lost.
    pub fn lose_primary(&self) {
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.folder("primary"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    /// The documented procedure's first step: the replica becomes the primary.
    pub fn promote_replica(&self) {
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.folder("replica"), "-w", "promote"],
        );
    }
}

impl Drop for Replicated {
    fn drop(&mut self) {
        for name in ["replica", "primary"] {
            let _ = command(&self.bin.join("pg_ctl"))
                .args(["-D", &self.folder(name), "-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}
