//! `xingfu audit verify`, and finding the audit key for it and for `xingfu serve`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use xingfu_store::Store;
use xingfu_store::audit::AuditKey;

use super::process::{redact, runtime};
use crate::cli::AuditKeyArgs;

/// The key itself, as hex, for servers that share one PostgreSQL and get secrets from the
/// environment.
const KEY_ENV: &str = "XINGFU_AUDIT_KEY";
/// The key file's name inside the data folder.
pub const KEY_FILE_NAME: &str = "audit.key";

/// Where a key was found, to say so when it is wrong.
fn source_name(args: &AuditKeyArgs, data_dir: &Path) -> String {
    if std::env::var_os(KEY_ENV).is_some() {
        KEY_ENV.to_string()
    } else {
        key_path(args, data_dir).display().to_string()
    }
}

fn key_path(args: &AuditKeyArgs, data_dir: &Path) -> PathBuf {
    args.audit_key_file
        .clone()
        .unwrap_or_else(|| data_dir.join(KEY_FILE_NAME))
}

/// The audit key: `XINGFU_AUDIT_KEY`, else `--audit-key-file`, else `DATA_DIR/audit.key`. With
/// `create`, a missing default key file is made with a new key, readable by its owner only.
/// `None` when there is no key and `create` is off.
pub fn load_key(
    args: &AuditKeyArgs,
    data_dir: &Path,
    create: bool,
    english: bool,
) -> Result<Option<AuditKey>> {
    let malformed = |source: &str| {
        anyhow!(if english {
            format!(
                "the audit key in {source} is not valid: it must be at least {} bytes written as hex ({} hex digits)",
                AuditKey::MIN_BYTES,
                AuditKey::MIN_BYTES * 2
            )
        } else {
            format!(
                "{source} 中的审计密钥无效\u{ff1a}须为至少 {} 字节的十六进制\u{ff08}{} 位十六进制数字\u{ff09}",
                AuditKey::MIN_BYTES,
                AuditKey::MIN_BYTES * 2
            )
        })
    };
    if let Ok(text) = std::env::var(KEY_ENV) {
        return AuditKey::from_hex(&text)
            .map(Some)
            .ok_or_else(|| malformed(KEY_ENV));
    }
    let path = key_path(args, data_dir);
    let shown = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => AuditKey::from_hex(&text)
            .map(Some)
            .ok_or_else(|| malformed(&shown)),
        // Only the default key file is made: a new key at a named path would fork a shared chain.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.audit_key_file.is_none() => {
            if create {
                create_key_file(&path, english).map(Some)
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(e).with_context(|| {
            if english {
                format!("cannot read the audit key file {shown}")
            } else {
                format!("无法读取审计密钥文件 {shown}")
            }
        }),
    }
}

/// Writes a new key to `path`, readable and writable by its owner only. If another server
/// created the file first, that key is the one used.
fn create_key_file(path: &Path, english: bool) -> Result<AuditKey> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = AuditKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let shown = path.display().to_string();
    match options.open(path) {
        Ok(mut file) => {
            writeln!(file, "{}", key.to_hex())?;
            file.sync_all()?;
            tracing::info!(path = %shown, key_id = key.id(), "created a new audit key");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)?;
            AuditKey::from_hex(&text).ok_or_else(|| anyhow!("{shown}: not a valid audit key"))
        }
        Err(e) => Err(e).with_context(|| {
            if english {
                format!("cannot create the audit key file {shown}")
            } else {
                format!("无法创建审计密钥文件 {shown}")
            }
        }),
    }
}

/// The message for a server whose key is not the one the chain was keyed with.
pub fn key_mismatch(
    stored: &str,
    given: &str,
    args: &AuditKeyArgs,
    data_dir: &Path,
    english: bool,
) -> anyhow::Error {
    let source = source_name(args, data_dir);
    anyhow!(if english {
        format!(
            "the audit key from {source} (key id {given}) is not the key this database's audit log was written with (key id {stored}). \
             Every server on one database must use the same key: copy the key file of the first server and pass it with \
             --audit-key-file, or set {KEY_ENV}. Nothing was written."
        )
    } else {
        format!(
            "{source} 中的审计密钥\u{ff08}编号 {given}\u{ff09}不是写入此数据库审计日志所用的密钥\u{ff08}编号 {stored}\u{ff09}。\
             同一数据库上的所有服务器必须使用同一把密钥\u{ff1a}请复制第一台服务器的密钥文件并用 --audit-key-file 指定\u{ff0c}或设置 {KEY_ENV}。\
             未写入任何数据。"
        )
    })
}

/// `xingfu audit verify`: every row, with the key; exit 0 when intact, 1 naming the first row
/// that does not verify.
pub fn verify(
    database: &str,
    data_dir: &Path,
    key_args: &AuditKeyArgs,
    english: bool,
) -> Result<ExitCode> {
    let key = load_key(key_args, data_dir, false, english)?;
    let report = runtime()?.block_on(async {
        let store = Store::connect(database).await.with_context(|| {
            if english {
                format!("cannot open the database {}", redact(database))
            } else {
                format!("无法打开数据库 {}", redact(database))
            }
        })?;
        let store = match &key {
            Some(key) => store.with_audit_key(key.clone()),
            None => store,
        };
        let report = store.verify_audit_report().await;
        store.close().await;
        Ok::<_, anyhow::Error>(report?)
    })?;
    if key.is_none() {
        eprintln!(
            "{}",
            if english {
                "no audit key found: rows keyed since the key was adopted cannot be checked"
            } else {
                "未找到审计密钥\u{ff1a}启用密钥以来签名的记录无法核验"
            }
        );
    }
    let head = report
        .head
        .as_ref()
        .map(|head| (head.seq, head.hash.as_str()));
    match &report.broken {
        None => {
            match head {
                Some((seq, hash)) if english => println!(
                    "the audit log is intact: {} rows, {} keyed; last row {seq}, hash {hash}",
                    report.rows_checked, report.keyed_rows
                ),
                Some((seq, hash)) => println!(
                    "审计日志完整\u{ff1a}共 {} 条记录\u{ff0c}其中 {} 条以密钥签名\u{ff1b}末条为第 {seq} 条\u{ff0c}校验值 {hash}",
                    report.rows_checked, report.keyed_rows
                ),
                None if english => println!("the audit log is empty"),
                None => println!("审计日志为空"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            if english {
                eprintln!(
                    "the audit log is broken: row {} does not verify: {}",
                    broken.seq,
                    broken.reason.en()
                );
            } else {
                eprintln!(
                    "审计日志已被改动\u{ff1a}第 {} 条记录未通过核验\u{ff1a}{}",
                    broken.seq,
                    broken.reason.zh()
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}
