//! Reading a questionnaire from TOML. Every problem is reported with its file, line and id:
//! syntax, unknown keys (all of them), keys that do not fit the question's kind, and the core's
//! checks (ids, duplicates, scales, references, coverage of the standard's survey clauses).
//! The format is described in `docs/survey-format.md`.

use std::collections::HashMap;

use serde::Deserialize;
use xingfu_core::Standard;
use xingfu_core::survey::questionnaire::{
    Counts, DEFAULT_TEXT_CHARS, Dimension, Location, Part, Question, QuestionKind, Questionnaire,
    QuestionnaireError, QuestionnaireProblem, Scale, ScaleOption, check_against_standard, validate,
};

use crate::locate::{Locator, Segment, display, key, segments_of};
use crate::problem::FileProblem;

#[derive(Deserialize)]
struct RawFile {
    questionnaire: RawHeader,
    #[serde(default)]
    scales: Vec<RawScale>,
    #[serde(default)]
    dimensions: Vec<RawDimension>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
struct RawHeader {
    id: String,
    version: String,
    title: String,
    title_en: Option<String>,
    standard: Option<String>,
    source: Option<String>,
    intro: Option<String>,
    intro_en: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
struct RawScale {
    id: String,
    #[serde(default)]
    options: Vec<RawOption>,
}

#[derive(Deserialize)]
struct RawOption {
    id: String,
    label: String,
    label_en: Option<String>,
    counts: String,
}

#[derive(Deserialize)]
struct RawDimension {
    id: String,
    name: String,
    name_en: Option<String>,
}

#[derive(Deserialize)]
struct RawQuestion {
    id: String,
    text: String,
    text_en: Option<String>,
    kind: Option<String>,
    dimension: Option<String>,
    scale: Option<String>,
    max_chars: Option<u32>,
    required: Option<bool>,
}

struct Reader<'a> {
    file: &'a str,
    locator: Locator,
    problems: Vec<FileProblem>,
    /// Where each part is, for the core's problems; the last occurrence wins, so a duplicate is
    /// reported where it repeats.
    paths: HashMap<Location, Vec<Segment>>,
}

impl Reader<'_> {
    fn at(&mut self, path: &[Segment], id: Option<&str>, zh: String, en: String) {
        let line = self.locator.line_of(path);
        self.problems.push(FileProblem::new(
            self.file,
            line,
            id.map(str::to_string),
            zh,
            en,
        ));
    }

    fn core_problem(&mut self, problem: QuestionnaireProblem) {
        // A rated question without scale was reported as such when it was read.
        if matches!(&problem.error, QuestionnaireError::UnknownScale { scale, .. } if scale.is_empty())
        {
            return;
        }
        let base = self
            .paths
            .get(&problem.location)
            .cloned()
            .unwrap_or_else(|| vec![key("questionnaire")]);
        let mut path = base;
        if let Some(field) = field_of(&problem) {
            path.push(key(field));
        }
        let id = match &problem.location {
            Location::Questionnaire => None,
            Location::Scale { scale } => Some(scale.clone()),
            Location::Option { scale, option } => Some(format!("{scale}/{option}")),
            Location::Dimension { dimension } => Some(dimension.clone()),
            Location::Question { question } => Some(question.clone()),
        };
        self.at(
            &path,
            id.as_deref(),
            problem.error.zh(),
            problem.error.to_string(),
        );
    }
}

/// The key a problem is about, inside the table its location names.
fn field_of(problem: &QuestionnaireProblem) -> Option<&'static str> {
    use QuestionnaireError as E;
    Some(match (&problem.location, &problem.error) {
        (_, E::Empty { field, .. }) => field,
        (
            _,
            E::BadId {
                part: Part::Version,
                ..
            },
        ) => "version",
        (_, E::BadId { .. } | E::Duplicate { .. }) => "id",
        (_, E::UnknownScale { .. }) => "scale",
        (_, E::UnknownDimension { .. }) => "dimension",
        (_, E::TextLimit { .. }) => "max_chars",
        (_, E::DuplicateLabel { .. }) => "label",
        (_, E::WrongStandard { .. } | E::ClauseNotAsked { .. }) => "standard",
        (Location::Questionnaire, _) => return None,
        _ => "id",
    })
}

/// Reads and checks a questionnaire. `file` names the text in messages.
pub fn load_questionnaire(file: &str, text: &str) -> Result<Questionnaire, Vec<FileProblem>> {
    let (questionnaire, mut reader) = read(file, text)?;
    for problem in validate(&questionnaire) {
        reader.core_problem(problem);
    }
    finish(questionnaire, reader)
}

/// Reads a questionnaire and checks it also against the standard it feeds: it must name that
/// standard and ask every dimension the standard's survey clauses are scored on.
pub fn load_questionnaire_for(
    file: &str,
    text: &str,
    standard: &Standard,
) -> Result<Questionnaire, Vec<FileProblem>> {
    let (questionnaire, mut reader) = read(file, text)?;
    for problem in validate(&questionnaire)
        .into_iter()
        .chain(check_against_standard(&questionnaire, standard))
    {
        reader.core_problem(problem);
    }
    finish(questionnaire, reader)
}

fn finish(
    questionnaire: Questionnaire,
    mut reader: Reader,
) -> Result<Questionnaire, Vec<FileProblem>> {
    if reader.problems.is_empty() {
        Ok(questionnaire)
    } else {
        reader.problems.sort_by_key(|p| p.line.unwrap_or(0));
        Err(reader.problems)
    }
}

fn read<'a>(file: &'a str, text: &str) -> Result<(Questionnaire, Reader<'a>), Vec<FileProblem>> {
    let locator = Locator::new(text);
    let mut unknown = Vec::new();
    let raw: RawFile = match toml::Deserializer::parse(text)
        .and_then(|d| serde_ignored::deserialize(d, |path| unknown.push(segments_of(&path))))
    {
        Ok(raw) => raw,
        Err(error) => {
            let line = error.span().map(|s| locator.line_of_offset(s.start));
            let message = error.message().trim().to_string();
            return Err(vec![FileProblem::new(
                file,
                line,
                None,
                format!("无法读取：{message}"),
                format!("cannot read: {message}"),
            )]);
        }
    };
    let mut reader = Reader {
        file,
        locator,
        problems: Vec::new(),
        paths: HashMap::new(),
    };
    let questionnaire = convert(&mut reader, raw);
    for path in unknown {
        let name = display(&path);
        reader.at(
            &path,
            None,
            format!("未知的字段 {name}（字段名写错了？见 docs/survey-format.md）"),
            format!("unknown field {name} (a typo? see docs/survey-format.md)"),
        );
    }
    Ok((questionnaire, reader))
}

fn convert(reader: &mut Reader, raw: RawFile) -> Questionnaire {
    reader
        .paths
        .insert(Location::Questionnaire, vec![key("questionnaire")]);

    let mut scales = Vec::with_capacity(raw.scales.len());
    for (si, scale) in raw.scales.into_iter().enumerate() {
        let scale_path = vec![key("scales"), Segment::Index(si)];
        reader.paths.insert(
            Location::Scale {
                scale: scale.id.clone(),
            },
            scale_path.clone(),
        );
        let mut options = Vec::with_capacity(scale.options.len());
        for (oi, option) in scale.options.into_iter().enumerate() {
            let option_path =
                [scale_path.clone(), vec![key("options"), Segment::Index(oi)]].concat();
            reader.paths.insert(
                Location::Option {
                    scale: scale.id.clone(),
                    option: option.id.clone(),
                },
                option_path.clone(),
            );
            let counts = Counts::parse(&option.counts).unwrap_or_else(|| {
                reader.at(
                    &[option_path, vec![key("counts")]].concat(),
                    Some(&format!("{}/{}", scale.id, option.id)),
                    format!(
                        "counts 必须是 \"satisfied\"（计为满意）、\"unsatisfied\"（计为不满意）或 \"not_counted\"（不计入满意率），不是 {:?}",
                        option.counts
                    ),
                    format!(
                        "counts must be \"satisfied\", \"unsatisfied\" or \"not_counted\", not {:?}",
                        option.counts
                    ),
                );
                Counts::NotCounted
            });
            options.push(ScaleOption {
                id: option.id,
                label: option.label,
                label_en: option.label_en,
                counts,
            });
        }
        scales.push(Scale {
            id: scale.id,
            options,
        });
    }

    let dimensions = raw
        .dimensions
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            reader.paths.insert(
                Location::Dimension {
                    dimension: d.id.clone(),
                },
                vec![key("dimensions"), Segment::Index(i)],
            );
            Dimension {
                id: d.id,
                name: d.name,
                name_en: d.name_en,
            }
        })
        .collect();

    let mut questions = Vec::new();
    for (i, question) in raw.questions.into_iter().enumerate() {
        let path = vec![key("questions"), Segment::Index(i)];
        reader.paths.insert(
            Location::Question {
                question: question.id.clone(),
            },
            path.clone(),
        );
        questions.push(convert_question(reader, &path, question));
    }

    let header = raw.questionnaire;
    Questionnaire {
        id: header.id,
        version: header.version,
        title: header.title,
        title_en: header.title_en,
        standard: header.standard,
        source: header.source,
        intro: header.intro,
        intro_en: header.intro_en,
        notes: header.notes,
        scales,
        dimensions,
        questions,
    }
}

fn convert_question(reader: &mut Reader, path: &[Segment], raw: RawQuestion) -> Question {
    let field = |name: &str| [path.to_vec(), vec![key(name)]].concat();
    let id = raw.id.clone();
    let kind = match raw.kind.as_deref() {
        None | Some("rated") => {
            if raw.max_chars.is_some() {
                reader.at(
                    &field("max_chars"),
                    Some(&id),
                    "max_chars 只适用于文字题（kind = \"text\"）".into(),
                    "max_chars applies only to text questions (kind = \"text\")".into(),
                );
            }
            match raw.scale.clone() {
                Some(scale) => QuestionKind::Rated { scale },
                None => {
                    reader.at(
                        &field("id"),
                        Some(&id),
                        "评价题须写 scale（使用哪一组选项）；文字题请写 kind = \"text\"".into(),
                        "a rated question needs scale (its answer options); a text question needs kind = \"text\"".into(),
                    );
                    QuestionKind::Rated {
                        scale: String::new(),
                    }
                }
            }
        }
        Some("text") => {
            if raw.scale.is_some() {
                reader.at(
                    &field("scale"),
                    Some(&id),
                    "文字题（kind = \"text\"）不使用 scale".into(),
                    "a text question (kind = \"text\") takes no scale".into(),
                );
            }
            QuestionKind::Text {
                max_chars: raw.max_chars.unwrap_or(DEFAULT_TEXT_CHARS),
            }
        }
        Some(other) => {
            reader.at(
                &field("kind"),
                Some(&id),
                format!("kind 必须是 \"rated\"（评价题）或 \"text\"（文字题），不是 {other:?}"),
                format!("kind must be \"rated\" or \"text\", not {other:?}"),
            );
            QuestionKind::Text {
                max_chars: DEFAULT_TEXT_CHARS,
            }
        }
    };
    // Rated questions are required unless said otherwise; free text is optional.
    let required = raw
        .required
        .unwrap_or(matches!(kind, QuestionKind::Rated { .. }));
    Question {
        id: raw.id,
        text: raw.text,
        text_en: raw.text_en,
        dimension: raw.dimension,
        kind,
        required,
    }
}
