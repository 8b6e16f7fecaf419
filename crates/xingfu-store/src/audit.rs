//! The audit trail: who changed a score, a star or an approval, when, and from what to what.
//!
//! Rows are append-only: triggers refuse every rewrite the database offers (UPDATE, DELETE, and on
//! SQLite an INSERT that would replace an existing row; on PostgreSQL also TRUNCATE). Rows are
//! chained: each row's hash covers the previous row's hash and its own fields. Since migration
//! 0010 the chain is keyed: HMAC-SHA256 with a secret kept outside the database
//! ([`AuditKey`]), so whoever edits the database around the triggers cannot recompute the chain.
//! Rows written before a key was adopted keep their plain SHA-256 hashes (`key_id` NULL); the
//! first keyed row chains onto them and so seals them. See docs/audit.md.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::{Backend, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub round_id: Option<String>,
    pub community_code: Option<String>,
    pub action: String,
    #[sqlx(rename = "before_json")]
    pub before: Option<String>,
    #[sqlx(rename = "after_json")]
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The key the row's hash was made with; none for rows from before the chain was keyed.
    pub key_id: Option<String>,
}

/// What is being recorded.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub round_id: Option<&'a str>,
    pub community_code: Option<&'a str>,
    pub action: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the row a keyed server writes when it finds no keyed row in the chain.
pub const KEY_ADOPTED_ACTION: &str = "audit_key_adopted";

type HmacSha256 = Hmac<Sha256>;

/// The secret the chain is keyed with: at least 32 random bytes, kept outside the database.
#[derive(Clone)]
pub struct AuditKey {
    secret: Vec<u8>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("AuditKey").field("id", &self.id).finish()
    }
}

impl AuditKey {
    /// Fewest secret bytes accepted.
    pub const MIN_BYTES: usize = 32;

    /// A new random key.
    pub fn generate() -> AuditKey {
        let secret: [u8; 32] = rand::random();
        AuditKey::from_secret(secret.to_vec())
    }

    /// A key written as hex (the key file's content, or `XINGFU_AUDIT_KEY`); surrounding white
    /// space is ignored. `None` when it is not hex or shorter than [`AuditKey::MIN_BYTES`].
    pub fn from_hex(text: &str) -> Option<AuditKey> {
        let secret = hex::decode(text.trim()).ok()?;
        (secret.len() >= AuditKey::MIN_BYTES).then(|| AuditKey::from_secret(secret))
    }

    fn from_secret(secret: Vec<u8>) -> AuditKey {
        let mut mac = HmacSha256::new_from_slice(&secret).expect("HMAC takes keys of any length");
        mac.update(b"xingfu audit key id");
        // Names the key in every row it hashed, without revealing it.
        let id = hex::encode(&mac.finalize().into_bytes()[..8]);
        AuditKey { secret, id }
    }

    /// The key as hex, for the key file.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.secret)
    }

    /// A public name of the key (16 hex digits), stored with each row it hashed.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length")
    }
}

/// How rows are appended: the database's locking, and the key, if the store has one.
#[derive(Debug, Clone)]
pub struct AuditChain {
    backend: Backend,
    key: Option<Arc<AuditKey>>,
}

impl AuditChain {
    pub(crate) fn new(backend: Backend) -> AuditChain {
        AuditChain { backend, key: None }
    }

    pub fn key(&self) -> Option<&AuditKey> {
        self.key.as_deref()
    }
}

/// The fields of a row, each length-prefixed so that no two different rows give the same bytes.
fn row_bytes(prev_hash: &str, seq: i64, event: &AuditEvent<'_>, key_id: Option<&str>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut field = |value: Option<&str>| match value {
        Some(v) => {
            bytes.extend_from_slice(&(v.len() as u64).to_le_bytes());
            bytes.extend_from_slice(v.as_bytes());
        }
        None => bytes.extend_from_slice(&u64::MAX.to_le_bytes()),
    };
    field(Some(prev_hash));
    field(Some(&seq.to_string()));
    field(Some(&event.at.to_string()));
    field(Some(event.actor));
    field(event.round_id);
    field(event.community_code);
    field(Some(event.action));
    field(event.before.as_deref());
    field(event.after.as_deref());
    if key_id.is_some() {
        field(key_id);
    }
    bytes
}

/// The hash of a row written before the chain was keyed: plain SHA-256.
pub fn row_hash(prev_hash: &str, seq: i64, event: &AuditEvent<'_>) -> String {
    hex::encode(Sha256::digest(row_bytes(prev_hash, seq, event, None)))
}

/// The hash of a keyed row: HMAC-SHA256 with the key, over the same fields and the key's id.
pub fn keyed_row_hash(key: &AuditKey, prev_hash: &str, seq: i64, event: &AuditEvent<'_>) -> String {
    let mut mac = key.mac();
    mac.update(&row_bytes(prev_hash, seq, event, Some(key.id())));
    hex::encode(mac.finalize().into_bytes())
}

/// Appends an event inside the caller's transaction, after the change it records was written
/// (on SQLite that write already holds the database's write lock). Refuses to fork the chain:
/// a store without a key cannot append after keyed rows, nor a store with another key.
pub async fn append(
    conn: &mut AnyConnection,
    chain: &AuditChain,
    event: &AuditEvent<'_>,
) -> Result<i64> {
    if chain.backend == Backend::Postgres {
        // One appender at a time, so two servers never chain onto the same row.
        sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let last: Option<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (seq, prev_hash, last_key) = match last {
        Some((seq, hash, key_id)) => (seq + 1, hash, key_id),
        None => (1, GENESIS.to_string(), None),
    };
    let key = chain.key();
    match (&last_key, key) {
        (Some(_), None) => return Err(StoreError::AuditKeyRequired),
        (Some(stored), Some(key)) if stored != key.id() => {
            return Err(StoreError::AuditKeyMismatch {
                stored: stored.clone(),
                given: key.id().to_string(),
            });
        }
        _ => {}
    }
    let hash = match key {
        Some(key) => keyed_row_hash(key, &prev_hash, seq, event),
        None => row_hash(&prev_hash, seq, event),
    };
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, round_id, community_code, action, before_json, after_json, prev_hash, hash, key_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(event.at)
    .bind(event.actor)
    .bind(event.round_id)
    .bind(event.community_code)
    .bind(event.action)
    .bind(event.before.as_deref())
    .bind(event.after.as_deref())
    .bind(&prev_hash)
    .bind(&hash)
    .bind(key.map(AuditKey::id))
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// The columns [`AuditRow`] is read from.
pub(crate) const COLUMNS: &str = "seq, at, actor, round_id, community_code, action, before_json, after_json, prev_hash, hash, key_id";

/// Why a row does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The row before it is missing (deleted, or the numbering was changed).
    MissingRow,
    /// Its `prev_hash` is not the previous row's hash.
    NotChained,
    /// Its hash does not match its content: the content, or the hash, was changed.
    ContentChanged,
    /// It was hashed with a key and no key was given to check it.
    KeyRequired,
    /// It names a key other than the one given.
    OtherKey,
    /// It has no key although keyed rows come before it.
    UnkeyedAfterKeyed,
    /// The chain has rows and none is keyed: nothing seals them (a server with the key writes a
    /// keyed row at start, so this is a chain rewritten without the key, or never served).
    NotSealed,
}

impl BreakReason {
    pub fn zh(&self) -> &'static str {
        match self {
            BreakReason::MissingRow => "此条之前缺少记录（被删除或编号被改动）",
            BreakReason::NotChained => "此条未接续上一条记录的校验值",
            BreakReason::ContentChanged => "此条内容或校验值被改动",
            BreakReason::KeyRequired => "此条以密钥签名，核验需要审计密钥",
            BreakReason::OtherKey => "此条由另一把密钥签名，与所给密钥不符",
            BreakReason::UnkeyedAfterKeyed => "已签名记录之后出现未签名的记录",
            BreakReason::NotSealed => {
                "全部记录均未以密钥签名：日志可能被不持有密钥者整体重写，或尚未由持有密钥的服务器启动封存"
            }
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            BreakReason::MissingRow => "a row is missing before this one (deleted or renumbered)",
            BreakReason::NotChained => "does not chain onto the previous row",
            BreakReason::ContentChanged => "its content or hash was changed",
            BreakReason::KeyRequired => "it is keyed and no audit key was given to check it",
            BreakReason::OtherKey => "it was keyed with another key than the one given",
            BreakReason::UnkeyedAfterKeyed => "an unkeyed row after keyed rows",
            BreakReason::NotSealed => {
                "no row is keyed: the log may have been rewritten without the key, or no server with the key has started on it yet"
            }
        }
    }
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: BreakReason,
}

/// The last row of the chain: publishing it (on a notice, say) anchors everything before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// The first row checked (1 for the whole chain); none when the log is empty.
    pub first_seq: Option<i64>,
    pub rows_checked: i64,
    /// How many of the checked rows are keyed.
    pub keyed_rows: i64,
    pub head: Option<ChainHead>,
    /// The first row that does not verify.
    pub broken: Option<ChainBreak>,
}

/// Checks rows one after another, from a starting point that is trusted.
struct ChainCheck<'k> {
    key: Option<&'k AuditKey>,
    expected_seq: i64,
    prev_hash: String,
    /// The first keyed row of the whole chain: no unkeyed row may follow it.
    first_keyed: Option<i64>,
    keyed_rows: i64,
    rows_checked: i64,
}

impl ChainCheck<'_> {
    fn row(&mut self, r: &AuditRow) -> Option<BreakReason> {
        self.rows_checked += 1;
        if r.seq != self.expected_seq {
            return Some(BreakReason::MissingRow);
        }
        if r.prev_hash != self.prev_hash {
            return Some(BreakReason::NotChained);
        }
        let event = r.event();
        let intact = match (&r.key_id, self.key) {
            (None, _) if self.first_keyed.is_some_and(|first| first < r.seq) => {
                return Some(BreakReason::UnkeyedAfterKeyed);
            }
            (None, _) => row_hash(&r.prev_hash, r.seq, &event) == r.hash,
            (Some(_), None) => return Some(BreakReason::KeyRequired),
            (Some(id), Some(key)) if id != key.id() => return Some(BreakReason::OtherKey),
            (Some(_), Some(key)) => {
                self.keyed_rows += 1;
                let mut mac = key.mac();
                mac.update(&row_bytes(&r.prev_hash, r.seq, &event, Some(key.id())));
                // Constant-time comparison of the stored MAC.
                hex::decode(&r.hash).is_ok_and(|stored| mac.verify_slice(&stored).is_ok())
            }
        };
        if !intact {
            return Some(BreakReason::ContentChanged);
        }
        self.expected_seq += 1;
        self.prev_hash = r.hash.clone();
        None
    }
}

impl AuditRow {
    /// The event the row records, as it was hashed.
    fn event(&self) -> AuditEvent<'_> {
        AuditEvent {
            at: self.at,
            actor: &self.actor,
            round_id: self.round_id.as_deref(),
            community_code: self.community_code.as_deref(),
            action: &self.action,
            before: self.before.clone(),
            after: self.after.clone(),
        }
    }
}

/// Rows read per query while verifying, so a long log is never held in memory at once.
const VERIFY_BATCH: i64 = 2000;

impl Store {
    /// This store, appending keyed rows with `key` from now on.
    pub fn with_audit_key(mut self, key: AuditKey) -> Store {
        self.audit.key = Some(Arc::new(key));
        self
    }

    /// This store, checking the chain with the same key as `primary`: a replica verifies the
    /// rows its primary wrote.
    pub fn with_audit_key_of(mut self, primary: &Store) -> Store {
        self.audit.key = primary.audit.key.clone();
        self
    }

    /// How this store appends audit rows (pass it to [`append`]).
    pub fn audit_chain(&self) -> &AuditChain {
        &self.audit
    }

    pub async fn record(&self, event: &AuditEvent<'_>) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let seq = append(&mut tx, self.audit_chain(), event).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// A community's trail, oldest first.
    pub async fn audit_for_community(&self, community_code: &str) -> Result<Vec<AuditRow>> {
        self.rows_where(
            &format!("SELECT {COLUMNS} FROM audit_log WHERE community_code = $1 ORDER BY seq"),
            community_code,
        )
        .await
    }

    /// Verifies the whole chain with this store's key; the first row that does not verify.
    pub async fn verify_audit(&self) -> Result<Option<ChainBreak>> {
        Ok(self.verify_audit_report().await?.broken)
    }

    /// Verifies the whole chain with this store's key. With a key, a chain that has rows and no
    /// keyed row is broken ([`BreakReason::NotSealed`]).
    pub async fn verify_audit_report(&self) -> Result<ChainReport> {
        let mut report = self.verify_audit_from(1).await?;
        if report.broken.is_none()
            && self.audit.key.is_some()
            && report.rows_checked > 0
            && report.keyed_rows == 0
        {
            report.broken = Some(ChainBreak {
                seq: 1,
                reason: BreakReason::NotSealed,
            });
        }
        Ok(report)
    }

    /// One row and its place in the chain, checked with this store's key: it chains onto the
    /// row before it, its hash matches its content, and the row after it (if any) chains onto
    /// it. None when there is no such row.
    pub async fn verify_audit_row(
        &self,
        seq: i64,
    ) -> Result<Option<(AuditRow, Option<BreakReason>)>> {
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq BETWEEN $1 AND $2 ORDER BY seq"
        ))
        .bind(seq - 1)
        .bind(seq + 1)
        .fetch_all(self.pool())
        .await?;
        let Some(row) = rows.iter().find(|r| r.seq == seq).cloned() else {
            return Ok(None);
        };
        let first_keyed: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE key_id IS NOT NULL")
                .fetch_one(self.pool())
                .await?;
        let prev_hash = if seq <= 1 {
            Some(GENESIS.to_string())
        } else {
            rows.iter()
                .find(|r| r.seq == seq - 1)
                .map(|r| r.hash.clone())
        };
        let Some(prev_hash) = prev_hash else {
            return Ok(Some((row, Some(BreakReason::MissingRow))));
        };
        let mut check = ChainCheck {
            key: self.audit.key(),
            expected_seq: seq,
            prev_hash,
            first_keyed,
            keyed_rows: 0,
            rows_checked: 0,
        };
        let mut verdict = check.row(&row);
        if verdict.is_none()
            && let Some(next) = rows.iter().find(|r| r.seq == seq + 1)
            && next.prev_hash != row.hash
        {
            verdict = Some(BreakReason::ContentChanged);
        }
        Ok(Some((row, verdict)))
    }

    /// Verifies the last `rows` rows (at start-up): they must chain onto the row before them and
    /// each other, and every keyed one must verify with this store's key.
    pub async fn verify_audit_tail(&self, rows: i64) -> Result<ChainReport> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(self.pool())
            .await?;
        let from = head.map_or(1, |head| (head - rows.max(1) + 1).max(1));
        self.verify_audit_from(from).await
    }

    async fn verify_audit_from(&self, from: i64) -> Result<ChainReport> {
        let first_keyed: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM audit_log WHERE key_id IS NOT NULL")
                .fetch_one(self.pool())
                .await?;
        let prev_hash = if from <= 1 {
            Some(GENESIS.to_string())
        } else {
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(from - 1)
                .fetch_optional(self.pool())
                .await?
        };
        let mut report = ChainReport {
            first_seq: None,
            rows_checked: 0,
            keyed_rows: 0,
            head: None,
            broken: None,
        };
        let mut check = ChainCheck {
            key: self.audit.key(),
            expected_seq: from,
            prev_hash: prev_hash.unwrap_or_default(),
            first_keyed,
            keyed_rows: 0,
            rows_checked: 0,
        };
        let mut after = from - 1;
        // Rows below `from` are not read, so a gap there is seen as a missing row at `from`.
        let mut query_from = if from <= 1 { i64::MIN } else { after };
        loop {
            let batch: Vec<AuditRow> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(query_from)
            .bind(VERIFY_BATCH)
            .fetch_all(self.pool())
            .await?;
            for r in &batch {
                report.first_seq.get_or_insert(r.seq);
                if report.broken.is_none()
                    && let Some(reason) = check.row(r)
                {
                    report.broken = Some(ChainBreak { seq: r.seq, reason });
                }
                after = r.seq;
                report.head = Some(ChainHead {
                    seq: r.seq,
                    hash: r.hash.clone(),
                });
            }
            if (batch.len() as i64) < VERIFY_BATCH {
                break;
            }
            query_from = after;
        }
        report.rows_checked = check.rows_checked;
        report.keyed_rows = check.keyed_rows;
        Ok(report)
    }

    /// Called once at start-up by a server with a key: refuses a key other than the one the
    /// chain was keyed with, and when no row is keyed yet, appends a keyed row that seals the
    /// unkeyed rows before it. Returns how many unkeyed rows it sealed, if it wrote that row.
    pub async fn adopt_audit_key(&self, at: i64) -> Result<Option<i64>> {
        let Some(key) = self.audit.key() else {
            return Err(StoreError::AuditKeyRequired);
        };
        let mut tx = self.write_tx().await?;
        if self.backend == Backend::Postgres {
            // The same lock as appends, so two servers starting together adopt one key.
            sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let last_keyed: Option<String> = sqlx::query_scalar(
            "SELECT key_id FROM audit_log WHERE key_id IS NOT NULL ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(stored) = last_keyed {
            if stored != key.id() {
                return Err(StoreError::AuditKeyMismatch {
                    stored,
                    given: key.id().to_string(),
                });
            }
            return Ok(None);
        }
        let unkeyed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut *tx)
            .await?;
        let after = serde_json::json!({ "key_id": key.id(), "sealed_rows": unkeyed });
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at,
                actor: "xingfu",
                action: KEY_ADOPTED_ACTION,
                after: Some(after.to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(unkeyed))
    }
}
