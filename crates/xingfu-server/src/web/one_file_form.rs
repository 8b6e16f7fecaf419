//! A multipart form of a few text fields and one file (`file`), read by the handler itself once
//! it has checked who is sending, the file bounded before it is kept.

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;

/// The form as read: the text fields asked for, and the file.
#[derive(Default)]
pub struct OneFileForm {
    fields: Vec<(String, String)>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// The file, or the whole body, was over its limit: nothing of the file is kept.
    pub too_big: bool,
}

impl OneFileForm {
    /// Reads the text fields named in `wanted` (others are read and dropped) and the file up to
    /// `limit` bytes. A body cut short for size reads as `too_big`, with the fields before the
    /// cut kept; any other failure is the error.
    pub async fn read(
        multipart: &mut Multipart,
        wanted: &[&str],
        limit: usize,
    ) -> Result<OneFileForm, MultipartError> {
        let mut form = OneFileForm::default();
        match form.read_fields(multipart, wanted, limit).await {
            Ok(()) => Ok(form),
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                form.too_big = true;
                form.bytes = Vec::new();
                Ok(form)
            }
            Err(error) => Err(error),
        }
    }

    async fn read_fields(
        &mut self,
        multipart: &mut Multipart,
        wanted: &[&str],
        limit: usize,
    ) -> Result<(), MultipartError> {
        while let Some(mut field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                self.file_name = field.file_name().map(str::to_string);
                self.content_type = field.content_type().map(str::to_string);
                self.read_file(&mut field, limit).await?;
            } else if wanted.contains(&name.as_str()) {
                let text = field.text().await?;
                self.fields.push((name, text));
            } else {
                while field.chunk().await?.is_some() {}
            }
        }
        Ok(())
    }

    /// Reads the file up to the limit; past it, reads on without keeping anything, so the
    /// browser finishes sending and sees the answer.
    async fn read_file(
        &mut self,
        field: &mut Field<'_>,
        limit: usize,
    ) -> Result<(), MultipartError> {
        while let Some(chunk) = field.chunk().await? {
            if self.too_big {
                continue;
            }
            if self.bytes.len() + chunk.len() > limit {
                self.too_big = true;
                self.bytes = Vec::new();
                continue;
            }
            self.bytes.extend_from_slice(&chunk);
        }
        Ok(())
    }

    /// A text field as sent last ("" when it was not).
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Checks the session's token, before anything else in the form is looked at; a body cut
    /// short for size before the token came is left to the size answer.
    pub fn check_csrf(&self, user: &CurrentUser) -> Result<(), AppError> {
        let csrf = self.get("csrf");
        if !self.too_big || !csrf.is_empty() {
            user.check_csrf(csrf)?;
        }
        Ok(())
    }
}
