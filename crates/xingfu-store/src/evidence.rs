//! Evidence (证明材料) a community uploads for a clause: the metadata row; the bytes live in the
//! file store under `file_key`, a random id that never contains the uploader's file name.

use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: String,
    pub round_id: String,
    pub community_code: String,
    pub clause_id: String,
    /// Key in the file store.
    pub file_key: String,
    /// The name the file had on the uploader's device, shown and offered on download only.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// A file that has been checked and stored, to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvidence<'a> {
    pub id: &'a str,
    pub round_id: &'a str,
    pub community_code: &'a str,
    pub clause_id: &'a str,
    pub file_key: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    /// SHA-256 of the content, hex: written into the audit row so the file can be verified.
    pub sha256: &'a str,
}

const COLUMNS: &str = "id, round_id, community_code, clause_id, file_key, file_name, content_type, size, uploaded_by, uploaded_at";

impl Store {
    /// Records an uploaded file and its audit row (`upload_evidence`) in one transaction.
    pub async fn add_evidence(
        &self,
        new: &NewEvidence<'_>,
        actor: &str,
        now: i64,
    ) -> Result<EvidenceRow> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO evidence ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(new.id)
        .bind(new.round_id)
        .bind(new.community_code)
        .bind(new.clause_id)
        .bind(new.file_key)
        .bind(new.file_name)
        .bind(new.content_type)
        .bind(new.size)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                round_id: Some(new.round_id),
                community_code: Some(new.community_code),
                action: "upload_evidence",
                before: None,
                after: Some(
                    json!({
                        "evidence": new.id,
                        "clause": new.clause_id,
                        "file_name": new.file_name,
                        "content_type": new.content_type,
                        "size": new.size,
                        "sha256": new.sha256,
                    })
                    .to_string(),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(EvidenceRow {
            id: new.id.to_string(),
            round_id: new.round_id.to_string(),
            community_code: new.community_code.to_string(),
            clause_id: new.clause_id.to_string(),
            file_key: new.file_key.to_string(),
            file_name: new.file_name.to_string(),
            content_type: new.content_type.to_string(),
            size: new.size,
            uploaded_by: actor.to_string(),
            uploaded_at: now,
        })
    }

    /// One piece of evidence by id.
    pub async fn evidence(&self, id: &str) -> Result<Option<EvidenceRow>> {
        self.row_where(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1"), id)
            .await
    }

    /// An entry's evidence, by clause, oldest first within a clause.
    pub async fn evidence_for(&self, round_id: &str, community: &str) -> Result<Vec<EvidenceRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE round_id = $1 AND community_code = $2
             ORDER BY clause_id, uploaded_at, id"
        ))
        .bind(round_id)
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }
}
