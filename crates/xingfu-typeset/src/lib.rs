//! Typesets Xingfu's official documents as A4 PDF with Typst, used as a library.
//!
//! A document is a Typst template (`<kind>.typ`) filled from `/data.json`; templates are files
//! a programme edits without touching Rust ([`Templates`]): the shipped ones are built in, and
//! a folder given at start-up overrides any of them file by file. The CJK fonts are built in
//! too (a subset of Noto Serif CJK SC and Noto Sans CJK SC, SIL OFL 1.1, see `fonts/`), so
//! documents come out on any machine; a `fonts/` folder beside the templates adds more.

mod templates;
mod world;

use std::path::Path;
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;

pub use templates::{Settings, Templates};
use world::DocumentWorld;

/// Why a document did not come out.
#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    #[error("no template {0}.typ")]
    NoTemplate(String),
    #[error("template {template}: {message}")]
    Template { template: String, message: String },
    #[error("the templates' settings.toml: {0}")]
    Settings(String),
    #[error("fonts: {0}")]
    Fonts(String),
    #[error("reading {path}: {message}")]
    Read { path: String, message: String },
}

/// The subset fonts every document can use.
const BUILT_IN_FONTS: [&[u8]; 2] = [
    include_bytes!("../fonts/NotoSerifCJK-SC-Regular-subset.otf"),
    include_bytes!("../fonts/NotoSansCJK-SC-Bold-subset.otf"),
];

/// A character every Chinese document sets: a font set without it cannot typeset one.
const CJK_PROBE: char = '幸';

/// One file a document reads besides its template and data, such as its QR code (`/qr.svg`).
pub struct Attachment {
    pub path: &'static str,
    pub bytes: Vec<u8>,
}

/// What one document is made from.
pub struct Job<'a> {
    /// The template's name without `.typ`: a document kind's key.
    pub template: &'a str,
    /// The data the template reads as `/data.json`.
    pub data: &'a serde_json::Value,
    pub attachments: Vec<Attachment>,
    /// A stable identifier of the document (its serial), for the PDF's document id.
    pub ident: &'a str,
}

/// The fonts and templates, loaded once and shared by every document.
#[derive(Clone)]
pub struct Typesetter {
    shared: Arc<Shared>,
}

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    templates: Templates,
}

impl Typesetter {
    /// The built-in fonts and templates, with `folder` (if any) overriding templates file by
    /// file and adding the fonts in its `fonts/` folder.
    pub fn new(folder: Option<&Path>) -> Result<Typesetter, TypesetError> {
        let templates = Templates::new(folder)?;
        let mut fonts: Vec<Font> = Vec::new();
        for data in BUILT_IN_FONTS {
            fonts.extend(Font::iter(Bytes::new(data)));
        }
        if let Some(folder) = folder {
            fonts.extend(templates::extra_fonts(&folder.join("fonts"))?);
        }
        if !fonts
            .iter()
            .any(|f| f.info().coverage.contains(u32::from(CJK_PROBE)))
        {
            return Err(TypesetError::Fonts(
                "no font covers Chinese: the built-in Noto CJK subset did not load".into(),
            ));
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Typesetter {
            shared: Arc::new(Shared {
                library: LazyHash::new(Library::default()),
                book,
                fonts,
                templates,
            }),
        })
    }

    pub fn templates(&self) -> &Templates {
        &self.shared.templates
    }

    /// Typesets one document: the PDF's bytes and its page count. CPU-bound (tens of
    /// milliseconds a page in a release build): call it off the async runtime.
    pub fn render(&self, job: &Job<'_>) -> Result<(Vec<u8>, usize), TypesetError> {
        let shared = &self.shared;
        let world = DocumentWorld::new(
            &shared.library,
            &shared.book,
            &shared.fonts,
            &shared.templates,
            job,
        )?;
        let compiled = typst::compile::<PagedDocument>(&world);
        let document = compiled.output.map_err(|errors| TypesetError::Template {
            template: job.template.to_string(),
            message: world.describe(&errors),
        })?;
        let options = typst_pdf::PdfOptions {
            ident: typst::foundations::Smart::Custom(job.ident.to_string()),
            creator: typst::foundations::Smart::Custom(Some("Xingfu".into())),
            ..typst_pdf::PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| TypesetError::Template {
            template: job.template.to_string(),
            message: world.describe(&errors),
        })?;
        // Typst memoizes layout across compilations; drop what ten renders did not reuse so a
        // long-running server's cache stays bounded.
        typst::comemo::evict(10);
        Ok((pdf, document.pages().len()))
    }
}
