//! Issued official documents: one row per PDF, its place in the audit chain, and which newer
//! version replaced it. See migration 0020.

use serde::Serialize;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, StoreError, is_unique_violation};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DocumentRow {
    pub serial: String,
    pub kind: String,
    pub round_id: String,
    pub community_code: String,
    pub issuer_region: String,
    pub title: String,
    pub issuer: String,
    pub number: String,
    pub content_sha256: String,
    pub pdf_sha256: String,
    pub pdf_bytes: i64,
    pub pages: i64,
    pub file_key: String,
    pub issued_by: String,
    pub issued_at: i64,
    pub audit_seq: i64,
    pub superseded_by: Option<String>,
}

const COLUMNS: &str = "serial, kind, round_id, community_code, issuer_region, title, issuer, number, \
     content_sha256, pdf_sha256, pdf_bytes, pages, file_key, issued_by, issued_at, audit_seq, superseded_by";

/// Which document: its kind, round, community ('' for a level's) and issuing region.
#[derive(Debug, Clone, Copy)]
pub struct DocumentKey<'a> {
    pub kind: &'a str,
    pub round_id: &'a str,
    pub community_code: &'a str,
    pub issuer_region: &'a str,
}

/// Why a document could not be recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum IssueConflict {
    /// The same content was issued meanwhile (by another request): that row.
    SameContent(Box<DocumentRow>),
    /// The 文号 was taken meanwhile: number again and retry.
    NumberTaken,
}

impl Store {
    /// The document with this serial.
    pub async fn document(&self, serial: &str) -> Result<Option<DocumentRow>> {
        self.row_where(
            &format!("SELECT {COLUMNS} FROM documents WHERE serial = $1"),
            serial,
        )
        .await
    }

    /// The document issued for `key` with exactly this content, if one was.
    pub async fn document_with_content(
        &self,
        key: DocumentKey<'_>,
        content_sha256: &str,
    ) -> Result<Option<DocumentRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM documents WHERE kind = $1 AND round_id = $2 AND community_code = $3
             AND issuer_region = $4 AND content_sha256 = $5"
        ))
        .bind(key.kind)
        .bind(key.round_id)
        .bind(key.community_code)
        .bind(key.issuer_region)
        .bind(content_sha256)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A round's current documents (none superseded), by kind, community and issuer.
    pub async fn current_documents(&self, round_id: &str) -> Result<Vec<DocumentRow>> {
        self.rows_where(
            &format!(
                "SELECT {COLUMNS} FROM documents WHERE round_id = $1 AND superseded_by IS NULL
                 ORDER BY kind, issuer_region, community_code"
            ),
            round_id,
        )
        .await
    }

    /// How many documents with a 文号 the body of `issuer_region` issued in [from, to).
    pub async fn numbered_documents(&self, issuer_region: &str, from: i64, to: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM documents WHERE issuer_region = $1 AND number <> ''
             AND issued_at >= $2 AND issued_at < $3",
        )
        .bind(issuer_region)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?)
    }

    /// Records an issued document with its audit row, and marks the versions it replaces.
    /// `row.audit_seq` is set here.
    pub async fn record_document(
        &self,
        mut row: DocumentRow,
    ) -> Result<std::result::Result<DocumentRow, IssueConflict>> {
        let key = DocumentKey {
            kind: &row.kind,
            round_id: &row.round_id,
            community_code: &row.community_code,
            issuer_region: &row.issuer_region,
        };
        let mut tx = self.write_tx().await?;
        let community = Some(row.community_code.as_str()).filter(|c| !c.is_empty());
        let after = serde_json::json!({
            "serial": row.serial,
            "kind": row.kind,
            "title": row.title,
            "issuer": row.issuer,
            "number": row.number,
            "pdf_sha256": row.pdf_sha256,
        })
        .to_string();
        row.audit_seq = append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: row.issued_at,
                actor: &row.issued_by,
                round_id: Some(&row.round_id),
                community_code: community,
                action: "document_issued",
                before: None,
                after: Some(after),
            },
        )
        .await?;
        if !row.number.is_empty() {
            let taken: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM documents WHERE issuer_region = $1 AND number = $2",
            )
            .bind(&row.issuer_region)
            .bind(&row.number)
            .fetch_one(&mut *tx)
            .await?;
            if taken > 0 {
                return Ok(Err(IssueConflict::NumberTaken));
            }
        }
        let inserted = sqlx::query(&format!(
            "INSERT INTO documents ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NULL)"
        ))
        .bind(&row.serial)
        .bind(&row.kind)
        .bind(&row.round_id)
        .bind(&row.community_code)
        .bind(&row.issuer_region)
        .bind(&row.title)
        .bind(&row.issuer)
        .bind(&row.number)
        .bind(&row.content_sha256)
        .bind(&row.pdf_sha256)
        .bind(row.pdf_bytes)
        .bind(row.pages)
        .bind(&row.file_key)
        .bind(&row.issued_by)
        .bind(row.issued_at)
        .bind(row.audit_seq)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                return match self.document_with_content(key, &row.content_sha256).await? {
                    Some(same) => Ok(Err(IssueConflict::SameContent(Box::new(same)))),
                    None => Err(StoreError::Duplicate {
                        what: "document",
                        key: row.serial.clone(),
                    }),
                };
            }
            other => {
                other?;
            }
        }
        sqlx::query(
            "UPDATE documents SET superseded_by = $1 WHERE kind = $2 AND round_id = $3
             AND community_code = $4 AND issuer_region = $5 AND superseded_by IS NULL AND serial <> $1",
        )
        .bind(&row.serial)
        .bind(&row.kind)
        .bind(&row.round_id)
        .bind(&row.community_code)
        .bind(&row.issuer_region)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(row))
    }
}
