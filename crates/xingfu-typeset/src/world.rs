//! The world one document is compiled in: its template, its data, its attachments, the
//! templates' other files and the shared fonts. Nothing else is readable.

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};

use crate::templates::Templates;
use crate::{Job, TypesetError};

pub(crate) struct DocumentWorld<'a> {
    library: &'a LazyHash<Library>,
    book: &'a LazyHash<FontBook>,
    fonts: &'a [Font],
    templates: &'a Templates,
    main: FileId,
    data: Bytes,
    attachments: Vec<(FileId, Bytes)>,
}

fn file_id(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

impl<'a> DocumentWorld<'a> {
    pub(crate) fn new(
        library: &'a LazyHash<Library>,
        book: &'a LazyHash<FontBook>,
        fonts: &'a [Font],
        templates: &'a Templates,
        job: &Job<'_>,
    ) -> Result<DocumentWorld<'a>, TypesetError> {
        let name = format!("{}.typ", job.template);
        if templates.file(&name)?.is_none() {
            return Err(TypesetError::NoTemplate(job.template.to_string()));
        }
        let main = file_id(&format!("/{name}"))
            .ok_or_else(|| TypesetError::NoTemplate(job.template.to_string()))?;
        let data = serde_json::to_vec(job.data).map_err(|e| TypesetError::Template {
            template: job.template.to_string(),
            message: e.to_string(),
        })?;
        let attachments = job
            .attachments
            .iter()
            .filter_map(|a| Some((file_id(a.path)?, Bytes::new(a.bytes.clone()))))
            .collect();
        Ok(DocumentWorld {
            library,
            book,
            fonts,
            templates,
            main,
            data: Bytes::new(data),
            attachments,
        })
    }

    /// Errors as a programme's editor can act on them: the message, the file and line.
    pub(crate) fn describe(&self, errors: &[SourceDiagnostic]) -> String {
        errors
            .iter()
            .map(|error| {
                let place = error.span.id().and_then(|id| {
                    let source = self.source(id).ok()?;
                    let range = self.range(error.span)?;
                    let line = source.lines().byte_to_line(range.start)? + 1;
                    Some(format!("{}:{line}: ", id.vpath().get_without_slash()))
                });
                let hints: String = error.hints.iter().map(|h| format!(" ({})", h.v)).collect();
                format!("{}{}{hints}", place.unwrap_or_default(), error.message)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let bytes = self.file(id)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = id.vpath().get_with_slash();
        if path == "/data.json" {
            return Ok(self.data.clone());
        }
        if let Some((_, bytes)) = self.attachments.iter().find(|(a, _)| *a == id) {
            return Ok(bytes.clone());
        }
        // Templates draw the seal as /seal.png, whatever settings.toml names its file.
        let seal = &self.templates.settings().seal;
        let path = if path == "/seal.png" && !seal.is_empty() {
            seal.as_str()
        } else {
            path
        };
        match self.templates.file(path) {
            Ok(Some(bytes)) => Ok(Bytes::new(bytes)),
            Ok(None) => Err(FileError::NotFound(path.to_string().into())),
            Err(e) => Err(FileError::Other(Some(e.to_string().into()))),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    /// Today in China Standard Time (or at the offset a template asks for).
    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs() as i64;
        let offset_secs = offset.map_or(8 * 3600, |o| o.seconds() as i64);
        let days = (now + offset_secs).div_euclid(86_400);
        let (y, m, d) = xingfu_core::dates::civil_from_days(days);
        Datetime::from_ymd(y as i32, m as u8, d as u8)
    }
}
