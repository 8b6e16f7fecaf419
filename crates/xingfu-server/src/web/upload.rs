//! Forms that may carry files (photos, grid files, evidence, facility lists): one reader for
//! urlencoded and multipart bodies that bounds every file before keeping it.

use axum::Form;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::files::MAX_UPLOAD;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// A file part of a form.
pub struct FilePart {
    pub name: String,
    pub bytes: Vec<u8>,
    pub too_big: bool,
}

/// A form as posted: text fields, file parts, and whether reading it failed part-way.
#[derive(Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
    pub body_too_big: bool,
    pub incomplete: bool,
}

/// A file of the form, or the body carrying it, was over its limit: nothing of it was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTooBig;

impl FormData {
    pub fn get(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// Refuses a form that did not arrive whole (saying `incomplete`, Chinese and English) or
    /// whose CSRF token is not the session's. A body cut off for size before its token was read
    /// is let through to be answered "too big": its file was not kept, so it saves nothing.
    pub fn check_whole(
        &self,
        user: &CurrentUser,
        lang: Lang,
        incomplete: [&str; 2],
    ) -> Result<(), AppError> {
        if self.incomplete {
            let [zh, en] = incomplete;
            return Err(AppError::BadRequest(lang.text(zh, en)));
        }
        match self.get("csrf") {
            None if self.body_too_big => Ok(()),
            token => user.check_csrf(&token.unwrap_or_default()),
        }
    }

    /// The file chosen for the input `name`, `None` when none was. A body over its limit had its
    /// files left unread, so it is too big rather than "no file chosen".
    pub fn file(&self, name: &str) -> Result<Option<&[u8]>, FileTooBig> {
        match self.files.iter().find(|f| f.name == name) {
            Some(f) if f.too_big => Err(FileTooBig),
            Some(f) => Ok(Some(&f.bytes)),
            None if self.body_too_big => Err(FileTooBig),
            None => Ok(None),
        }
    }

    /// Every file chosen for the input `name` (photos, media), none at all being fine; too big
    /// when any of them, or the body, was over its limit.
    pub fn files_named(&self, name: &str) -> Result<Vec<&[u8]>, FileTooBig> {
        let chosen: Vec<&FilePart> = self.files.iter().filter(|f| f.name == name).collect();
        if self.body_too_big || chosen.iter().any(|f| f.too_big) {
            return Err(FileTooBig);
        }
        Ok(chosen.into_iter().map(|f| f.bytes.as_slice()).collect())
    }
}

async fn read_part(field: &mut Field<'_>) -> Result<(Vec<u8>, bool), MultipartError> {
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        if over {
            continue;
        }
        if bytes.len() + chunk.len() > MAX_UPLOAD {
            over = true;
            bytes = Vec::new();
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, over))
}

/// Reads a urlencoded or multipart form. Files without content (an empty file input) are
/// left out; a file over [`MAX_UPLOAD`] is kept as a marker with `too_big`.
pub async fn read_form(state: &AppState, request: Request) -> FormData {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let mut form = FormData::default();
    if !multipart {
        match Form::<Vec<(String, String)>>::from_request(request, state).await {
            Ok(Form(fields)) => form.fields = fields,
            Err(_) => form.incomplete = true,
        }
        return form;
    }
    let Ok(mut parts) = Multipart::from_request(request, state).await else {
        form.incomplete = true;
        return form;
    };
    loop {
        let mut field = match parts.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    form.body_too_big = true;
                } else {
                    form.incomplete = true;
                }
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let read = if is_file {
            read_part(&mut field).await.map(|(bytes, too_big)| {
                if !bytes.is_empty() || too_big {
                    form.files.push(FilePart {
                        name: name.clone(),
                        bytes,
                        too_big,
                    });
                }
            })
        } else {
            field
                .text()
                .await
                .map(|text| form.fields.push((name, text)))
        };
        if let Err(e) = read {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                form.body_too_big = true;
            } else {
                form.incomplete = true;
            }
            break;
        }
    }
    form
}

/// The extractor form of [`read_form`]: a handler takes `UploadForm(form)` and reads what came.
pub struct UploadForm(pub FormData);

impl FromRequest<AppState> for UploadForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(UploadForm(read_form(state, request).await))
    }
}
