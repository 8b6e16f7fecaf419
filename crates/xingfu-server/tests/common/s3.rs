//! A real S3 server for the tests: s3s-fs (an S3 implementation over a folder) on a loopback
//! port, started once per test process on a thread of its own, so it outlives each test's
//! runtime. Objects it stores are ordinary files under `root/BUCKET/`, which tests read to see
//! that a file really went to S3.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use xingfu_server::app::files::{FileStore, S3Settings};

pub const BUCKET: &str = "xingfu-test";
pub const ACCESS_KEY: &str = "xingfu-test-key";
pub const SECRET_KEY: &str = "xingfu-test-secret-0123456789";

pub struct S3Server {
    pub address: SocketAddr,
    /// The folder behind the server: buckets are its subfolders.
    pub root: PathBuf,
}

/// The process's S3 server, started on first use.
pub fn server() -> &'static S3Server {
    static SERVER: OnceLock<S3Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = tempfile::tempdir().unwrap().keep();
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let folder = root.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(&folder).unwrap());
                builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
                let service = builder.build();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let service = service.clone();
                    tokio::spawn(async move {
                        let _ = ConnBuilder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(socket), service)
                            .await;
                    });
                }
            });
        });
        S3Server {
            address: receiver.recv().unwrap(),
            root,
        }
    })
}

impl S3Server {
    pub fn settings(&self, prefix: &str) -> S3Settings {
        S3Settings {
            bucket: BUCKET.into(),
            endpoint: Some(format!("http://{}", self.address)),
            region: Some("us-east-1".into()),
            prefix: Some(prefix.into()),
            credentials: Some((ACCESS_KEY.into(), SECRET_KEY.into())),
        }
    }

    /// A file store in a folder of its own inside the test bucket.
    pub fn store(&self, prefix: &str) -> FileStore {
        FileStore::s3(&self.settings(prefix)).unwrap()
    }

    /// Every object under `prefix`, as paths relative to it.
    pub fn objects(&self, prefix: &str) -> Vec<String> {
        let base = self.root.join(BUCKET).join(prefix);
        let mut found = Vec::new();
        let mut folders = vec![base.clone()];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if !path.to_string_lossy().contains(".s3s") {
                    found.push(path.strip_prefix(&base).unwrap().display().to_string());
                }
            }
        }
        found.sort();
        found
    }
}

/// The file store the tests' servers use: in memory, or a folder of the test S3 server when
/// `XINGFU_TEST_FILES=s3` (how `scripts/test` runs the evidence and photo tests a second time).
pub fn test_files() -> FileStore {
    match std::env::var("XINGFU_TEST_FILES").as_deref() {
        Ok("s3") => server().store(&xingfu_store::new_id()),
        _ => FileStore::memory(),
    }
}
