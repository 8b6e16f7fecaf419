//! Turning a path inside a TOML document (`categories[2].items[0].clauses[3].id`) into a line.

use toml_edit::{Document, Item, TableLike};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

pub fn key(k: &str) -> Segment {
    Segment::Key(k.to_string())
}

/// Line numbers of a parsed TOML text.
pub struct Locator {
    document: Option<Document<String>>,
    line_starts: Vec<usize>,
}

impl Locator {
    pub fn new(text: &str) -> Locator {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            document: Document::parse(text.to_string()).ok(),
            line_starts,
        }
    }

    /// 1-based line of a byte offset.
    pub fn line_of_offset(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(index) => index + 1,
            Err(index) => index,
        }
    }

    /// The line of the deepest part of `path` that exists in the document.
    pub fn line_of(&self, path: &[Segment]) -> Option<usize> {
        let document = self.document.as_ref()?;
        let mut table: &dyn TableLike = document.as_item().as_table_like()?;
        let mut pending: Option<&Item> = None;
        let mut best = None;
        for segment in path {
            if let Some(item) = pending.take() {
                match (segment, item) {
                    (Segment::Index(i), item) if item.is_array_of_tables() => {
                        let found = item.as_array_of_tables()?.get(*i);
                        let Some(found) = found else { break };
                        if let Some(span) = found.span() {
                            best = Some(span.start);
                        }
                        table = found;
                        continue;
                    }
                    (Segment::Index(i), item) => {
                        if let Some(span) = item
                            .as_array()
                            .and_then(|a| a.get(*i))
                            .and_then(|v| v.span())
                        {
                            best = Some(span.start);
                        }
                        break;
                    }
                    (Segment::Key(_), item) => match item.as_table_like() {
                        Some(inner) => table = inner,
                        None => break,
                    },
                }
            }
            let Segment::Key(k) = segment else { break };
            let Some((found_key, found)) = table.get_key_value(k) else {
                break;
            };
            if let Some(span) = found_key.span().or_else(|| found.span()) {
                best = Some(span.start);
            }
            pending = Some(found);
        }
        best.map(|b| self.line_of_offset(b))
    }
}

/// Converts a serde_ignored path (`categories.0.items.1.efort`) into segments.
pub fn segments_of(path: &serde_ignored::Path) -> Vec<Segment> {
    let mut out = Vec::new();
    collect(path, &mut out);
    out
}

fn collect(path: &serde_ignored::Path, out: &mut Vec<Segment>) {
    use serde_ignored::Path;
    match path {
        Path::Root => {}
        Path::Seq { parent, index } => {
            collect(parent, out);
            out.push(Segment::Index(*index));
        }
        Path::Map { parent, key } => {
            collect(parent, out);
            out.push(Segment::Key(key.clone()));
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => collect(parent, out),
    }
}

/// Shows segments the way an author reads them: `categories[2].items[0].efort`.
pub fn display(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}
