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

/// Problems as one line in English, for a log or an internal error rather than a person.
pub fn problems_in_one_line(problems: &[FileProblem]) -> String {
    problems
        .iter()
        .map(|p| p.render(true))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many problems are kept and listed to a person; the rest are only counted, so a file with
/// a problem in every cell neither fills memory nor sends back megabytes.
pub const PROBLEMS_LISTED: usize = 200;

/// Problems as a person is shown them: the first [`PROBLEMS_LISTED`], and how many more there
/// were. Every list of problems that goes back to a user goes through here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    listed: Vec<FileProblem>,
    unlisted: usize,
}

impl Problems {
    pub fn push(&mut self, problem: FileProblem) {
        if self.listed.len() < PROBLEMS_LISTED {
            self.listed.push(problem);
        } else {
            self.unlisted += 1;
        }
    }

    /// Another list's problems after these, its unlisted ones counted too.
    pub fn append(&mut self, other: Problems) {
        self.extend(other.listed);
        self.unlisted += other.unlisted;
    }

    /// Every problem found, listed or not.
    pub fn total(&self) -> usize {
        self.listed.len() + self.unlisted
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The first [`PROBLEMS_LISTED`] problems, in the order found.
    pub fn listed(&self) -> &[FileProblem] {
        &self.listed
    }

    /// How many were found past the listed ones.
    pub fn unlisted(&self) -> usize {
        self.unlisted
    }

    /// The line that stands for the problems not listed, when there are any.
    pub fn more_line(&self, english: bool) -> Option<String> {
        let more = self.unlisted;
        (more > 0).then(|| {
            if english {
                format!("and {more} more problems not listed")
            } else {
                format!("还有 {more} 个问题未列出")
            }
        })
    }

    /// Each listed problem rendered (`file:line: [id] message`), then the line counting the rest.
    pub fn lines(&self, english: bool) -> Vec<String> {
        self.listed
            .iter()
            .map(|p| p.render(english))
            .chain(self.more_line(english))
            .collect()
    }
}

impl Extend<FileProblem> for Problems {
    fn extend<T: IntoIterator<Item = FileProblem>>(&mut self, problems: T) {
        for problem in problems {
            self.push(problem);
        }
    }
}

impl FromIterator<FileProblem> for Problems {
    fn from_iter<T: IntoIterator<Item = FileProblem>>(problems: T) -> Self {
        let mut list = Problems::default();
        list.extend(problems);
        list
    }
}

impl From<Vec<FileProblem>> for Problems {
    fn from(problems: Vec<FileProblem>) -> Self {
        problems.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_listed_ones_problems_are_counted() {
        let problem = |n: usize| FileProblem::new("f", Some(n), None, "错".into(), "bad".into());
        let few: Problems = (1..=3).map(problem).collect();
        assert_eq!(
            (few.total(), few.unlisted(), few.more_line(false)),
            (3, 0, None)
        );
        let many: Problems = (1..=PROBLEMS_LISTED + 5).map(problem).collect();
        assert_eq!(many.listed().len(), PROBLEMS_LISTED);
        assert_eq!(many.total(), PROBLEMS_LISTED + 5);
        assert_eq!(many.more_line(false).unwrap(), "还有 5 个问题未列出");
        let lines = many.lines(true);
        assert_eq!(lines.len(), PROBLEMS_LISTED + 1);
        assert_eq!(lines[0], "f:1: bad");
        assert_eq!(lines[PROBLEMS_LISTED], "and 5 more problems not listed");
    }
}
