//! A problem in an input file, with where it is and what is wrong, in Chinese and English.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub file: String,
    /// 1-based line, when the problem can be pinned to one.
    pub line: Option<usize>,
    /// The clause, item, category, star … the problem is about, if any.
    pub id: Option<String>,
    pub zh: String,
    pub en: String,
}

impl FileProblem {
    pub fn new(
        file: &str,
        line: Option<usize>,
        id: Option<String>,
        zh: String,
        en: String,
    ) -> Self {
        FileProblem {
            file: file.to_string(),
            line,
            id,
            zh,
            en,
        }
    }

    /// `file:line: [id] message`, in the chosen language.
    pub fn render(&self, english: bool) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        out.push_str(": ");
        if let Some(id) = &self.id
            && !id.is_empty()
        {
            out.push_str(&format!("[{id}] "));
        }
        out.push_str(if english { &self.en } else { &self.zh });
        out
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}
