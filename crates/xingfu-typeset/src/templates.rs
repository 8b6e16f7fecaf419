//! The templates: built in, or a programme's own folder overriding them file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use typst::foundations::Bytes;
use typst::text::Font;

use crate::TypesetError;

/// The shipped templates (the repository's `templates/documents/`).
const BUILT_IN: &[(&str, &str)] = &[
    (
        "settings.toml",
        include_str!("../../../templates/documents/settings.toml"),
    ),
    (
        "common.typ",
        include_str!("../../../templates/documents/common.typ"),
    ),
    (
        "notice.typ",
        include_str!("../../../templates/documents/notice.typ"),
    ),
    (
        "decision.typ",
        include_str!("../../../templates/documents/decision.typ"),
    ),
    (
        "certificate.typ",
        include_str!("../../../templates/documents/certificate.typ"),
    ),
    (
        "rectification.typ",
        include_str!("../../../templates/documents/rectification.typ"),
    ),
    (
        "bulletin.typ",
        include_str!("../../../templates/documents/bulletin.typ"),
    ),
    (
        "score-report.typ",
        include_str!("../../../templates/documents/score-report.typ"),
    ),
];

/// The largest template, image or font file read from a programme's folder.
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// Who issues, under which 文号 abbreviation, and whom to contact: `settings.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The issuing body per level (`street`, `district`, `city`, `province`); `{area}` is the
    /// level's region name.
    pub issuer: BTreeMap<String, String>,
    /// The 文号's abbreviation per level; `{initial}` is the region name's first character.
    pub abbreviation: BTreeMap<String, String>,
    /// The contact line; `{issuer}` is the issuing body.
    pub contact: String,
    /// How to object to a 公示; `{issuer}` as above.
    pub objection_how: String,
    /// A seal image (PNG) in the templates folder, placed over the issuer's name; empty for none.
    #[serde(default)]
    pub seal: String,
}

impl Settings {
    /// The issuing body of `level` (a level key) for the region named `area`.
    pub fn issuer(&self, level: &str, area: &str) -> String {
        self.issuer
            .get(level)
            .map_or_else(|| area.to_string(), |t| t.replace("{area}", area))
    }

    pub fn abbreviation(&self, level: &str, area: &str) -> String {
        let initial: String = area.chars().take(1).collect();
        self.abbreviation
            .get(level)
            .map_or_else(|| initial.clone(), |t| t.replace("{initial}", &initial))
    }

    pub fn contact(&self, issuer: &str) -> String {
        self.contact.replace("{issuer}", issuer)
    }

    pub fn objection_how(&self, issuer: &str) -> String {
        self.objection_how.replace("{issuer}", issuer)
    }
}

/// The templates a typesetter reads.
pub struct Templates {
    folder: Option<PathBuf>,
    settings: Settings,
}

impl Templates {
    pub(crate) fn new(folder: Option<&Path>) -> Result<Templates, TypesetError> {
        let mut templates = Templates {
            folder: folder.map(Path::to_path_buf),
            settings: Settings {
                issuer: BTreeMap::new(),
                abbreviation: BTreeMap::new(),
                contact: String::new(),
                objection_how: String::new(),
                seal: String::new(),
            },
        };
        let text = templates
            .file("settings.toml")?
            .ok_or_else(|| TypesetError::Settings("missing".into()))?;
        let text =
            String::from_utf8(text).map_err(|_| TypesetError::Settings("not UTF-8".into()))?;
        templates.settings =
            toml::from_str(&text).map_err(|e| TypesetError::Settings(e.to_string()))?;
        if !templates.settings.seal.is_empty()
            && templates.file(&templates.settings.seal.clone())?.is_none()
        {
            return Err(TypesetError::Settings(format!(
                "seal = \"{}\": no such file beside settings.toml",
                templates.settings.seal
            )));
        }
        Ok(templates)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The folder overriding the built-in templates, if any.
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// A file by its name inside the templates (`notice.typ`, `seal.png`): the folder's copy if
    /// it has one, else the built-in one. Names that climb out of the folder are not found.
    pub fn file(&self, name: &str) -> Result<Option<Vec<u8>>, TypesetError> {
        let name = name.trim_start_matches('/');
        if name.split('/').any(|part| part == ".." || part.is_empty()) {
            return Ok(None);
        }
        if let Some(folder) = &self.folder {
            let path = folder.join(name);
            if path.is_file() {
                return read_bounded(&path).map(Some);
            }
        }
        Ok(BUILT_IN
            .iter()
            .find(|(built_in, _)| *built_in == name)
            .map(|(_, text)| text.as_bytes().to_vec()))
    }

    /// The built-in templates, to copy into a folder and edit.
    pub fn built_in() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILT_IN.iter().copied()
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, TypesetError> {
    let failed = |message: String| TypesetError::Read {
        path: path.display().to_string(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| failed(e.to_string()))?
        .len();
    if size > MAX_FILE {
        return Err(failed(format!(
            "{size} bytes, more than the {MAX_FILE} a template file may have"
        )));
    }
    std::fs::read(path).map_err(|e| failed(e.to_string()))
}

/// The fonts (`.ttf`, `.otf`, `.ttc`) in a programme's `fonts/` folder, if it has one.
pub(crate) fn extra_fonts(folder: &Path) -> Result<Vec<Font>, TypesetError> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(Vec::new());
    };
    let mut fonts = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_font = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc"));
        if is_font {
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(read_bounded(&path)?)));
            if fonts.len() == before {
                return Err(TypesetError::Fonts(format!(
                    "{} is not a font Typst can read",
                    path.display()
                )));
            }
        }
    }
    Ok(fonts)
}
