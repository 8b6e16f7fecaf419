//! Issuing official documents: which a person may have for a round, typesetting one (or
//! handing back the one already issued with the same content), and verifying a serial.

use serde::Serialize;
use sha2::{Digest, Sha256};
use xingfu_core::documents::{DocumentKind, Serial, document_number};
use xingfu_store::Store;
use xingfu_store::documents::{DocumentRow, IssueConflict};
use xingfu_typeset::{Attachment, Job, Typesetter};

use super::content::{self, Content, Target};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The file name a document is saved under: its title and serial.
pub fn pdf_name(row: &DocumentRow) -> String {
    format!("{}-{}.pdf", row.title, row.serial)
}

/// One document a person may download for a round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Available {
    /// `notice`, `decision`, `certificate`, `rectification`, `bulletin` or `score-report`.
    pub kind: String,
    pub kind_name: String,
    /// The community's code for a community's document, else the issuing region's code.
    pub target: String,
    /// The community, or the issuing region.
    pub target_name: String,
    /// The serial of the current issue, when it was issued and nothing changed since.
    pub serial: Option<String>,
    pub download: String,
}

/// The documents of a round the person may download, issued or not yet.
pub async fn available(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    lang: Lang,
) -> Result<Vec<Available>, AppError> {
    let targets = content::targets(state, user, round_id).await?;
    let issued = state.store.current_documents(round_id).await?;
    Ok(targets
        .into_iter()
        .map(|(kind, target, name)| {
            let serial = issued
                .iter()
                .find(|d| {
                    d.kind == kind.key()
                        && (d.community_code == target.code() || d.issuer_region == target.code())
                        && d.community_code == target.community().unwrap_or("")
                })
                .map(|d| d.serial.clone());
            Available {
                kind: kind.key().into(),
                kind_name: lang.pick(kind.zh(), kind.en()).into(),
                download: format!(
                    "/rounds/{round_id}/documents/{}/{}.pdf",
                    kind.key(),
                    target.code()
                ),
                target: target.code().into(),
                target_name: name,
                serial,
            }
        })
        .collect())
}

/// An issued document and its PDF.
pub struct Issued {
    pub row: DocumentRow,
    pub pdf: Vec<u8>,
}

/// The document of `kind` for `target` in a round: the one already issued when nothing it
/// says changed, else a new issue with its own serial (the old one is marked replaced).
/// `public_base` is the site's address, for the QR code.
pub async fn issue(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    (kind, target): (DocumentKind, &str),
    public_base: &str,
    lang: Lang,
) -> Result<Issued, AppError> {
    let target = Target::parse(kind, target).ok_or(AppError::NotFound)?;
    let content = content::build(state, user, round_id, kind, &target, lang).await?;
    let typesetter = state.documents.typesetter()?;
    let fingerprint = fingerprint(typesetter, kind, &content)?;
    let key = content.key(kind, round_id, &target);
    if let Some(row) = state.store.document_with_content(key, &fingerprint).await?
        && let Ok(pdf) = state.files.get(&row.file_key).await
    {
        return Ok(Issued { row, pdf });
    }
    for _ in 0..3 {
        let now = now_ms();
        let serial = Serial::new(kind, content.year, rand::random());
        let number = if kind.numbered() {
            let (from, to) = xingfu_core::dates::cst_year_period(xingfu_core::dates::cst_year(now));
            let issued = state
                .store
                .numbered_documents(&content.issuer_region, from, to)
                .await?;
            document_number(
                &content.abbreviation,
                xingfu_core::dates::cst_year(now),
                u32::try_from(issued + 1).unwrap_or(u32::MAX),
            )
        } else {
            String::new()
        };
        let verify_url = format!("{public_base}/verify/{serial}");
        let data = stamped(&content.data, &serial, &verify_url, now, &number);
        let (pdf, pages) = typeset(state, typesetter, kind, &data, &serial, &verify_url).await?;
        let file_key = state.files.put(pdf.clone()).await?;
        let row = DocumentRow {
            serial: serial.to_string(),
            kind: kind.key().into(),
            round_id: round_id.into(),
            community_code: target.community().unwrap_or("").into(),
            issuer_region: content.issuer_region.clone(),
            title: content.title.clone(),
            issuer: content.issuer.clone(),
            number,
            content_sha256: fingerprint.clone(),
            pdf_sha256: hex::encode(Sha256::digest(&pdf)),
            pdf_bytes: i64::try_from(pdf.len()).unwrap_or(i64::MAX),
            pages: i64::try_from(pages).unwrap_or(i64::MAX),
            file_key: file_key.clone(),
            issued_by: user.user.username.clone(),
            issued_at: now,
            audit_seq: 0,
            superseded_by: None,
        };
        match state.store.record_document(row).await? {
            Ok(row) => return Ok(Issued { row, pdf }),
            Err(IssueConflict::SameContent(row)) => {
                let _ = state.files.delete(&file_key).await;
                let pdf = state.files.get(&row.file_key).await?;
                return Ok(Issued { row: *row, pdf });
            }
            Err(IssueConflict::NumberTaken) => {
                let _ = state.files.delete(&file_key).await;
            }
        }
    }
    Err(AppError::Conflict(lang.text(
        "文号编排冲突，请稍后再试",
        "another document took the number meanwhile; try again",
    )))
}

/// What decides a document's content: its data and the templates it is set with.
fn fingerprint(
    typesetter: &Typesetter,
    kind: DocumentKind,
    content: &Content,
) -> Result<String, AppError> {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(&content.data).map_err(anyhow::Error::from)?);
    for name in [
        "settings.toml".to_string(),
        "common.typ".to_string(),
        format!("{}.typ", kind.key()),
        typesetter.templates().settings().seal.clone(),
    ] {
        if name.is_empty() {
            continue;
        }
        let bytes = typesetter
            .templates()
            .file(&name)
            .map_err(|e| AppError::Internal(e.into()))?
            .unwrap_or_default();
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hex::encode(hash.finalize()))
}

/// A document's data with what an issue adds: its serial, verification address, date of
/// issue and 文号 (`null` when the kind has none).
pub fn stamped(
    data: &serde_json::Value,
    serial: &Serial,
    verify_url: &str,
    now: i64,
    number: &str,
) -> serde_json::Value {
    let mut data = data.clone();
    if let Some(fields) = data.as_object_mut() {
        fields.insert("serial".into(), serial.as_str().into());
        fields.insert("verify_url".into(), verify_url.into());
        fields.insert(
            "issued_on".into(),
            xingfu_core::dates::chinese_date(now).into(),
        );
        fields.insert(
            "number".into(),
            if number.is_empty() {
                serde_json::Value::Null
            } else {
                number.into()
            },
        );
    }
    data
}

/// The typesetting step alone: the QR code of `verify_url` and the Typst render. CPU-bound;
/// [`issue`] runs it off the async runtime, a few at a time.
pub fn render(
    typesetter: &Typesetter,
    kind: DocumentKind,
    data: &serde_json::Value,
    serial: &str,
    verify_url: &str,
) -> Result<(Vec<u8>, usize), AppError> {
    let qr = crate::surveys::links::qr_svg(verify_url)?;
    typesetter
        .render(&Job {
            template: kind.key(),
            data,
            attachments: vec![Attachment {
                path: "/qr.svg",
                bytes: qr.into_bytes(),
            }],
            ident: serial,
        })
        .map_err(|e| AppError::Internal(e.into()))
}

async fn typeset(
    state: &AppState,
    typesetter: &Typesetter,
    kind: DocumentKind,
    data: &serde_json::Value,
    serial: &Serial,
    verify_url: &str,
) -> Result<(Vec<u8>, usize), AppError> {
    let _permit = state
        .documents
        .permits
        .acquire()
        .await
        .map_err(anyhow::Error::from)?;
    let typesetter = typesetter.clone();
    let data = data.clone();
    let serial = serial.to_string();
    let verify_url = verify_url.to_string();
    tokio::task::spawn_blocking(move || render(&typesetter, kind, &data, &serial, &verify_url))
        .await
        .map_err(anyhow::Error::from)?
}

/// What the public verification page shows for a serial.
pub struct Verification {
    pub row: DocumentRow,
    /// The name of the person who issued it.
    pub issued_by: String,
    /// True when the audit row recording the issue is in the chain and verifies.
    pub in_chain: Option<bool>,
    /// Why the chain check failed, in the page's language.
    pub chain_problem: Option<String>,
    pub superseded_by: Option<String>,
}

/// What was issued under `serial`, for the public `/verify` page: read from the replica while it
/// keeps up (it checks the chain with the primary's key); a document issued a moment ago and
/// not on the replica yet is looked up on the primary, as is everything when the replica fails.
pub async fn verify(state: &AppState, serial: &str, lang: Lang) -> Result<Verification, AppError> {
    state
        .read_on(Freshness::MayLag, |store| async move {
            verify_from(&store, serial, lang).await
        })
        .await
}

async fn verify_from(store: &Store, serial: &str, lang: Lang) -> Result<Verification, AppError> {
    let serial = Serial::parse(serial).ok_or(AppError::NotFound)?;
    let row = store
        .document(serial.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let issued_by = store
        .user_by_username(&row.issued_by)
        .await?
        .map_or_else(|| row.issued_by.clone(), |u| u.display_name);
    let checked = if store.audit_chain().key().is_some() {
        store.verify_audit_row(row.audit_seq).await?
    } else {
        None
    };
    let (in_chain, chain_problem) = match checked {
        None if store.audit_chain().key().is_none() => (None, None),
        None => (
            Some(false),
            Some(lang.text("审计日志中找不到这条记录", "the audit log has no such row")),
        ),
        Some((audit, verdict)) => {
            let names_it = audit.action == "document_issued"
                && audit.after.as_deref().is_some_and(|after| {
                    after.contains(&format!("\"serial\":\"{}\"", row.serial))
                        && after.contains(&format!("\"pdf_sha256\":\"{}\"", row.pdf_sha256))
                });
            match (verdict, names_it) {
                (None, true) => (Some(true), None),
                (Some(reason), _) => (
                    Some(false),
                    Some(lang.pick(reason.zh(), reason.en()).to_string()),
                ),
                (None, false) => (
                    Some(false),
                    Some(lang.text(
                        "审计记录与本文件的登记不符",
                        "the audit row does not match this document's record",
                    )),
                ),
            }
        }
    };
    let superseded_by = row.superseded_by.clone();
    Ok(Verification {
        row,
        issued_by,
        in_chain,
        chain_problem,
        superseded_by,
    })
}

/// Whether a file someone holds is the document issued under its serial.
pub fn same_file(row: &DocumentRow, bytes: &[u8]) -> bool {
    hex::encode(Sha256::digest(bytes)) == row.pdf_sha256
}
