//! Evidence (证明材料): who may add it and when, keeping an offered file with its row, and
//! handing a kept file back.
//!
//! An offered file is checked whole before anything is kept: size, content sniffed from its
//! bytes, the declared type and the extension, images decoded (see
//! [`crate::app::files::check_upload`]). The file goes to the file store under a random key, then
//! its row and audit row are written in one transaction; if that fails, the stored file is
//! removed again.

use sha2::{Digest, Sha256};
use xingfu_core::Standard;
use xingfu_core::workflow::{Stage, may_declare};
use xingfu_store::evidence::{EvidenceRow, NewEvidence};
use xingfu_store::rounds::EntryRow;

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::files::{Refused, check_upload, clean_file_name, too_big};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// A file to hand back: its type, its name and its bytes.
pub struct Download {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Refused unless the user may add evidence for the community at all (its worker, or an
/// administrator covering it); checked before anything of an upload is read.
pub fn may_add(user: &CurrentUser, community: &str, lang: Lang) -> Result<(), AppError> {
    may_declare(&user.actor(), community)
        .map_err(|refusal| AppError::Forbidden(lang.pick(&refusal.zh, &refusal.en).to_string()))
}

/// Why adding evidence is closed for this user and entry, if it is: the wrong person
/// (forbidden), or a stage past the ones that take evidence (a conflict).
pub fn upload_closed(user: &CurrentUser, entry: &EntryRow, lang: Lang) -> Option<AppError> {
    if let Err(refused) = may_add(user, &entry.community_code, lang) {
        return Some(refused);
    }
    if !matches!(entry.stage, Stage::Declared | Stage::Scoring) {
        let label = lang.pick(entry.stage.zh(), entry.stage.en());
        return Some(AppError::Conflict(if lang.is_en() {
            format!("evidence can be added while declared or scoring, not at stage “{label}”")
        } else {
            format!("只有在“已申报”或“评分中”阶段可以上传证明材料，当前阶段为“{label}”")
        }));
    }
    None
}

/// A file offered as evidence for a clause, as received from the form or the API.
pub struct Offered {
    pub clause: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// The body went past the size limit and was not kept.
    pub too_big: bool,
}

/// Why an offered file was refused, by field; nothing was kept.
#[derive(Default)]
pub struct Problems {
    pub clause: Option<String>,
    pub file: Option<String>,
    /// The file was over the size limit.
    pub too_big: bool,
}

/// Checks an offered file (the clause exists; the size, the type by its bytes, a full decode of
/// images) and keeps it with its row; the problems by field when it is refused, nothing kept.
pub async fn accept_evidence(
    state: &AppState,
    user: &CurrentUser,
    (round_id, code): (&str, &str),
    standard: &Standard,
    offered: Offered,
    lang: Lang,
) -> Result<Result<EvidenceRow, Problems>, AppError> {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let mut problems = Problems::default();
    if offered.clause.is_empty() {
        problems.clause = Some(pick(
            "请选择这份材料对应的条款",
            "choose the clause this evidence is for",
        ));
    } else if standard.clause(&offered.clause).is_none() {
        problems.clause = Some(if lang.is_en() {
            format!("{} is not a clause of this standard", offered.clause)
        } else {
            format!("{} 不是本标准的条款", offered.clause)
        });
    }
    let file_name = offered
        .file_name
        .as_deref()
        .map(clean_file_name)
        .unwrap_or_default();
    let mut kind = None;
    if offered.too_big {
        let refusal = too_big();
        problems.file = Some(pick(&refusal.zh, &refusal.en));
        problems.too_big = true;
    } else if offered.file_name.as_deref().is_none_or(str::is_empty) && offered.bytes.is_empty() {
        problems.file = Some(pick("请选择要上传的文件", "choose the file to upload"));
    } else {
        let name = file_name.clone();
        let declared = offered.content_type.clone();
        let bytes = offered.bytes;
        // Decoding an image is CPU and memory work: through the server's decoding gate.
        let (checked, bytes) = state
            .decoding
            .run(move || {
                let checked = check_upload(&name, declared.as_deref(), &bytes);
                (checked, bytes)
            })
            .await
            .map_err(|e| AppError::Internal(e.context("checking an upload")))?;
        match checked {
            Ok(k) => kind = Some((k, bytes)),
            Err(Refused { zh, en, .. }) => problems.file = Some(pick(&zh, &en)),
        }
    }
    let (kind, bytes) = match kind {
        Some(found) if problems.clause.is_none() => found,
        _ => return Ok(Err(problems)),
    };

    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    let key = state.files.put(bytes).await.map_err(AppError::Internal)?;
    let id = xingfu_store::new_id();
    let recorded = state
        .store
        .add_evidence(
            &NewEvidence {
                id: &id,
                round_id,
                community_code: code,
                clause_id: &offered.clause,
                file_key: &key,
                file_name: &file_name,
                content_type: kind.content_type(),
                size,
                sha256: &sha256,
            },
            &user.user.username,
            now_ms(),
        )
        .await;
    match recorded {
        Ok(row) => Ok(Ok(row)),
        Err(error) => {
            // Nothing half-kept: the file goes again when its row could not be written.
            if let Err(e) = state.files.delete(&key).await {
                tracing::error!("removing an unrecorded upload {key}: {e:#}");
            }
            Err(error.into())
        }
    }
}

/// An evidence file, for anyone whose area covers its community (pages and API).
pub async fn evidence_file(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
) -> Result<Download, AppError> {
    let row: EvidenceRow = state.store.evidence(id).await?.ok_or(AppError::NotFound)?;
    user.may_view(&row.community_code, lang)?;
    let bytes = state.files.get(&row.file_key).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "evidence {} has no file {}: {e:#}",
            row.id,
            row.file_key
        ))
    })?;
    Ok(Download {
        content_type: row.content_type,
        file_name: row.file_name,
        bytes,
    })
}
