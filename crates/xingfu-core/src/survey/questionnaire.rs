//! A questionnaire as data: answer scales, dimensions, questions; its checks, and the check that it
//! covers every survey clause of the standard it feeds.
//!
//! The file format (TOML) lives in `xingfu-formats`; `docs/survey-format.md` explains each field.
//! A questionnaire is identified by `id` + `version`: answers and tallies carry both, so answers to
//! two versions are never added together.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::standard::{Judge, Standard};

/// Longest free-text answer a questionnaire may allow, in characters.
pub const MAX_TEXT_CHARS: u32 = 2000;
/// Free-text limit when a question does not set one.
pub const DEFAULT_TEXT_CHARS: u32 = 500;
/// Longest id (questionnaire, scale, option, dimension, question).
pub const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Questionnaire {
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_en: Option<String>,
    /// The standard whose survey clauses this questionnaire feeds, by standard id.
    pub standard: Option<String>,
    /// Where the rules come from (a seed file, a policy document).
    pub source: Option<String>,
    /// Shown to the resident before the first question.
    pub intro: Option<String>,
    pub intro_en: Option<String>,
    /// Interpretation and authoring choices; shown to staff.
    pub notes: Vec<String>,
    pub scales: Vec<Scale>,
    pub dimensions: Vec<Dimension>,
    /// In the order they are asked.
    pub questions: Vec<Question>,
}

/// A list of answer options, shared by the questions that use it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub id: String,
    /// In the order they are shown.
    pub options: Vec<ScaleOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleOption {
    pub id: String,
    pub label: String,
    pub label_en: Option<String>,
    pub counts: Counts,
}

/// How an answer option counts in a satisfaction rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// In the numerator and the denominator (满意、基本满意 …).
    Satisfied,
    /// In the denominator only (不满意 …).
    Unsatisfied,
    /// In neither: the resident gave no opinion (不了解、说不清).
    NotCounted,
}

impl Counts {
    pub const ALL: [Counts; 3] = [Counts::Satisfied, Counts::Unsatisfied, Counts::NotCounted];

    pub fn key(self) -> &'static str {
        match self {
            Counts::Satisfied => "satisfied",
            Counts::Unsatisfied => "unsatisfied",
            Counts::NotCounted => "not_counted",
        }
    }

    pub fn parse(text: &str) -> Option<Counts> {
        Counts::ALL.into_iter().find(|c| c.key() == text)
    }

    /// How the option counts, in Chinese words (for workbooks and pages, not the key).
    pub fn zh(self) -> &'static str {
        match self {
            Counts::Satisfied => "计为满意",
            Counts::Unsatisfied => "计为不满意",
            Counts::NotCounted => "不计入满意率",
        }
    }

    /// How the option counts, in English words.
    pub fn en(self) -> &'static str {
        match self {
            Counts::Satisfied => "satisfied",
            Counts::Unsatisfied => "not satisfied",
            Counts::NotCounted => "not in the rate",
        }
    }
}

/// A group of questions rated together, e.g. 治安; matches a standard's survey dimension by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub text_en: Option<String>,
    /// Required for rated questions: the rate the answer counts in.
    pub dimension: Option<String>,
    pub kind: QuestionKind,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One option of a scale.
    Rated { scale: String },
    /// Free text, at most `max_chars` characters; never counted in a rate.
    Text { max_chars: u32 },
}

impl Questionnaire {
    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.id == id)
    }

    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The scale of a rated question.
    pub fn scale_of(&self, question: &Question) -> Option<&Scale> {
        match &question.kind {
            QuestionKind::Rated { scale } => self.scale(scale),
            QuestionKind::Text { .. } => None,
        }
    }

    /// Rated questions of one dimension, in the order asked.
    pub fn rated_questions_in<'q>(
        &'q self,
        dimension: &'q str,
    ) -> impl Iterator<Item = &'q Question> + 'q {
        self.questions.iter().filter(move |q| {
            matches!(q.kind, QuestionKind::Rated { .. })
                && q.dimension.as_deref() == Some(dimension)
        })
    }
}

impl Scale {
    pub fn option(&self, id: &str) -> Option<&ScaleOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

/// The kinds of things a questionnaire is made of, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Questionnaire,
    Version,
    Scale,
    Option,
    Dimension,
    Question,
}

impl Part {
    pub fn zh(self) -> &'static str {
        match self {
            Part::Questionnaire => "问卷",
            Part::Version => "版本",
            Part::Scale => "选项组",
            Part::Option => "选项",
            Part::Dimension => "维度",
            Part::Question => "题目",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Questionnaire => "questionnaire",
            Part::Version => "version",
            Part::Scale => "scale",
            Part::Option => "option",
            Part::Dimension => "dimension",
            Part::Question => "question",
        })
    }
}

/// Where in a questionnaire a problem is; the file layer turns this into a line number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    Questionnaire,
    Scale { scale: String },
    Option { scale: String, option: String },
    Dimension { dimension: String },
    Question { question: String },
}

/// What is wrong with a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum QuestionnaireError {
    #[error("the {part} has an empty {field}")]
    Empty { part: Part, field: &'static str },
    #[error(
        "{part} id {id:?} may use only ASCII letters, digits, '_', '-' and '.', at most {MAX_ID_CHARS} characters"
    )]
    BadId { part: Part, id: String },
    #[error("duplicate {part} id {id:?}")]
    Duplicate { part: Part, id: String },
    #[error("scale {scale:?} has {options} option(s); a scale needs at least 2")]
    ScaleTooSmall { scale: String, options: usize },
    #[error("scale {scale:?} has no option that counts as satisfied")]
    NoSatisfiedOption { scale: String },
    #[error("scale {scale:?} has no option that counts as unsatisfied")]
    NoUnsatisfiedOption { scale: String },
    #[error("scale {scale:?} shows the label {label:?} twice")]
    DuplicateLabel { scale: String, label: String },
    #[error("question {question:?} uses scale {scale:?}, which is not defined")]
    UnknownScale { question: String, scale: String },
    #[error("question {question:?} belongs to dimension {dimension:?}, which is not defined")]
    UnknownDimension { question: String, dimension: String },
    #[error("rated question {question:?} needs a dimension (the rate its answers count in)")]
    RatedWithoutDimension { question: String },
    #[error(
        "question {question:?} allows {max_chars} characters; the limit must be 1–{MAX_TEXT_CHARS}"
    )]
    TextLimit { question: String, max_chars: u32 },
    #[error("dimension {dimension:?} has no rated question")]
    DimensionWithoutQuestion { dimension: String },
    #[error("the questionnaire has no rated question")]
    NoRatedQuestion,
    #[error("the questionnaire is for standard {questionnaire:?}, not {standard:?}")]
    WrongStandard {
        questionnaire: Option<String>,
        standard: String,
    },
    #[error(
        "clause {clause} of standard {standard} rates dimension {dimension:?}, which no rated question asks"
    )]
    ClauseNotAsked {
        standard: String,
        clause: String,
        dimension: String,
    },
}

impl QuestionnaireError {
    /// The message in Simplified Chinese.
    pub fn zh(&self) -> String {
        match self {
            QuestionnaireError::Empty { part, field } => format!("{}的 {field} 为空", part.zh()),
            QuestionnaireError::BadId { part, id } => format!(
                "{}编号 {id:?} 只能使用英文字母、数字、“_”“-”“.”，不超过 {MAX_ID_CHARS} 个字符",
                part.zh()
            ),
            QuestionnaireError::Duplicate { part, id } => {
                format!("{}编号 {id:?} 重复", part.zh())
            }
            QuestionnaireError::ScaleTooSmall { scale, options } => {
                format!("选项组 {scale:?} 只有 {options} 个选项，至少需要 2 个")
            }
            QuestionnaireError::NoSatisfiedOption { scale } => {
                format!("选项组 {scale:?} 没有计为“满意”的选项")
            }
            QuestionnaireError::NoUnsatisfiedOption { scale } => {
                format!("选项组 {scale:?} 没有计为“不满意”的选项")
            }
            QuestionnaireError::DuplicateLabel { scale, label } => {
                format!("选项组 {scale:?} 中选项文字 {label:?} 出现两次")
            }
            QuestionnaireError::UnknownScale { question, scale } => {
                format!("题目 {question:?} 使用的选项组 {scale:?} 未定义")
            }
            QuestionnaireError::UnknownDimension {
                question,
                dimension,
            } => format!("题目 {question:?} 所属的维度 {dimension:?} 未定义"),
            QuestionnaireError::RatedWithoutDimension { question } => {
                format!("评价题 {question:?} 须写 dimension（计入哪个维度的满意率）")
            }
            QuestionnaireError::TextLimit {
                question,
                max_chars,
            } => format!(
                "题目 {question:?} 允许 {max_chars} 个字符；字数上限须在 1–{MAX_TEXT_CHARS} 之间"
            ),
            QuestionnaireError::DimensionWithoutQuestion { dimension } => {
                format!("维度 {dimension:?} 没有评价题")
            }
            QuestionnaireError::NoRatedQuestion => "问卷没有评价题".into(),
            QuestionnaireError::WrongStandard {
                questionnaire,
                standard,
            } => match questionnaire {
                Some(q) => format!("问卷对应的标准是 {q:?}，不是 {standard:?}"),
                None => format!("问卷没有写对应的标准（应为 {standard:?}）"),
            },
            QuestionnaireError::ClauseNotAsked {
                standard,
                clause,
                dimension,
            } => format!(
                "标准 {standard} 的条款 {clause} 按维度 {dimension:?} 的满意率评分，但问卷没有该维度的评价题"
            ),
        }
    }
}

/// One problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionnaireProblem {
    pub location: Location,
    pub error: QuestionnaireError,
}

impl QuestionnaireProblem {
    fn at(location: Location, error: QuestionnaireError) -> QuestionnaireProblem {
        QuestionnaireProblem { location, error }
    }
}

/// True for ids that can sit in a storage key (`option:Q1:satisfied`) unambiguously.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Checks a questionnaire and returns every problem found (empty when it is sound).
pub fn validate(q: &Questionnaire) -> Vec<QuestionnaireProblem> {
    let mut problems = Vec::new();
    let top = || Location::Questionnaire;
    check_id(&mut problems, top(), Part::Questionnaire, &q.id);
    if q.version.trim().is_empty() {
        problems.push(QuestionnaireProblem::at(
            top(),
            QuestionnaireError::Empty {
                part: Part::Questionnaire,
                field: "version",
            },
        ));
    } else if !is_valid_id(&q.version) {
        problems.push(QuestionnaireProblem::at(
            top(),
            QuestionnaireError::BadId {
                part: Part::Version,
                id: q.version.clone(),
            },
        ));
    }
    if q.title.trim().is_empty() {
        problems.push(QuestionnaireProblem::at(
            top(),
            QuestionnaireError::Empty {
                part: Part::Questionnaire,
                field: "title",
            },
        ));
    }

    let mut scale_ids = HashSet::new();
    for scale in &q.scales {
        let at = || Location::Scale {
            scale: scale.id.clone(),
        };
        check_id(&mut problems, at(), Part::Scale, &scale.id);
        if !scale_ids.insert(scale.id.as_str()) {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Duplicate {
                    part: Part::Scale,
                    id: scale.id.clone(),
                },
            ));
        }
        check_scale(&mut problems, scale);
    }

    let mut dimension_ids = HashSet::new();
    for dimension in &q.dimensions {
        let at = || Location::Dimension {
            dimension: dimension.id.clone(),
        };
        check_id(&mut problems, at(), Part::Dimension, &dimension.id);
        if !dimension_ids.insert(dimension.id.as_str()) {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Duplicate {
                    part: Part::Dimension,
                    id: dimension.id.clone(),
                },
            ));
        }
        if dimension.name.trim().is_empty() {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Empty {
                    part: Part::Dimension,
                    field: "name",
                },
            ));
        }
    }

    let mut question_ids = HashSet::new();
    let mut asked: HashSet<&str> = HashSet::new();
    for question in &q.questions {
        let at = || Location::Question {
            question: question.id.clone(),
        };
        check_id(&mut problems, at(), Part::Question, &question.id);
        if !question_ids.insert(question.id.as_str()) {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Duplicate {
                    part: Part::Question,
                    id: question.id.clone(),
                },
            ));
        }
        if question.text.trim().is_empty() {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Empty {
                    part: Part::Question,
                    field: "text",
                },
            ));
        }
        if let Some(dimension) = &question.dimension
            && q.dimension(dimension).is_none()
        {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::UnknownDimension {
                    question: question.id.clone(),
                    dimension: dimension.clone(),
                },
            ));
        }
        match &question.kind {
            QuestionKind::Rated { scale } => {
                if q.scale(scale).is_none() {
                    problems.push(QuestionnaireProblem::at(
                        at(),
                        QuestionnaireError::UnknownScale {
                            question: question.id.clone(),
                            scale: scale.clone(),
                        },
                    ));
                }
                match &question.dimension {
                    Some(dimension) => {
                        asked.insert(dimension);
                    }
                    None => problems.push(QuestionnaireProblem::at(
                        at(),
                        QuestionnaireError::RatedWithoutDimension {
                            question: question.id.clone(),
                        },
                    )),
                }
            }
            QuestionKind::Text { max_chars } => {
                if *max_chars == 0 || *max_chars > MAX_TEXT_CHARS {
                    problems.push(QuestionnaireProblem::at(
                        at(),
                        QuestionnaireError::TextLimit {
                            question: question.id.clone(),
                            max_chars: *max_chars,
                        },
                    ));
                }
            }
        }
    }

    for dimension in &q.dimensions {
        if !asked.contains(dimension.id.as_str()) {
            problems.push(QuestionnaireProblem::at(
                Location::Dimension {
                    dimension: dimension.id.clone(),
                },
                QuestionnaireError::DimensionWithoutQuestion {
                    dimension: dimension.id.clone(),
                },
            ));
        }
    }
    if !q
        .questions
        .iter()
        .any(|question| matches!(question.kind, QuestionKind::Rated { .. }))
    {
        problems.push(QuestionnaireProblem::at(
            top(),
            QuestionnaireError::NoRatedQuestion,
        ));
    }
    problems
}

fn check_id(problems: &mut Vec<QuestionnaireProblem>, at: Location, part: Part, id: &str) {
    if id.trim().is_empty() {
        problems.push(QuestionnaireProblem::at(
            at,
            QuestionnaireError::Empty { part, field: "id" },
        ));
    } else if !is_valid_id(id) {
        problems.push(QuestionnaireProblem::at(
            at,
            QuestionnaireError::BadId {
                part,
                id: id.to_string(),
            },
        ));
    }
}

fn check_scale(problems: &mut Vec<QuestionnaireProblem>, scale: &Scale) {
    let at = || Location::Scale {
        scale: scale.id.clone(),
    };
    if scale.options.len() < 2 {
        problems.push(QuestionnaireProblem::at(
            at(),
            QuestionnaireError::ScaleTooSmall {
                scale: scale.id.clone(),
                options: scale.options.len(),
            },
        ));
    }
    if !scale.options.iter().any(|o| o.counts == Counts::Satisfied) {
        problems.push(QuestionnaireProblem::at(
            at(),
            QuestionnaireError::NoSatisfiedOption {
                scale: scale.id.clone(),
            },
        ));
    }
    if !scale
        .options
        .iter()
        .any(|o| o.counts == Counts::Unsatisfied)
    {
        problems.push(QuestionnaireProblem::at(
            at(),
            QuestionnaireError::NoUnsatisfiedOption {
                scale: scale.id.clone(),
            },
        ));
    }
    let mut ids = HashSet::new();
    let mut labels = HashSet::new();
    for option in &scale.options {
        let at = || Location::Option {
            scale: scale.id.clone(),
            option: option.id.clone(),
        };
        check_id(problems, at(), Part::Option, &option.id);
        if !ids.insert(option.id.as_str()) {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Duplicate {
                    part: Part::Option,
                    id: option.id.clone(),
                },
            ));
        }
        if option.label.trim().is_empty() {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::Empty {
                    part: Part::Option,
                    field: "label",
                },
            ));
        } else if !labels.insert(option.label.trim()) {
            problems.push(QuestionnaireProblem::at(
                at(),
                QuestionnaireError::DuplicateLabel {
                    scale: scale.id.clone(),
                    label: option.label.clone(),
                },
            ));
        }
    }
}

/// Checks that `q` is the questionnaire of `standard` and asks every dimension one of the
/// standard's survey clauses is scored on. Dimensions the standard does not rate are allowed
/// (they are reported, not scored).
pub fn check_against_standard(q: &Questionnaire, standard: &Standard) -> Vec<QuestionnaireProblem> {
    let mut problems = Vec::new();
    if q.standard.as_deref() != Some(standard.id.as_str()) {
        problems.push(QuestionnaireProblem::at(
            Location::Questionnaire,
            QuestionnaireError::WrongStandard {
                questionnaire: q.standard.clone(),
                standard: standard.id.clone(),
            },
        ));
    }
    let asked: HashSet<&str> = q
        .questions
        .iter()
        .filter(|question| matches!(question.kind, QuestionKind::Rated { .. }))
        .filter_map(|question| question.dimension.as_deref())
        .collect();
    for clause in standard.clauses() {
        if let Judge::Survey { dimension, .. } = &clause.judge
            && !asked.contains(dimension.as_str())
        {
            problems.push(QuestionnaireProblem::at(
                Location::Questionnaire,
                QuestionnaireError::ClauseNotAsked {
                    standard: standard.id.clone(),
                    clause: clause.id.clone(),
                    dimension: dimension.clone(),
                },
            ));
        }
    }
    problems
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn five_point_scale() -> Scale {
        let option = |id: &str, label: &str, counts| ScaleOption {
            id: id.into(),
            label: label.into(),
            label_en: None,
            counts,
        };
        Scale {
            id: "s5".into(),
            options: vec![
                option("very_satisfied", "非常满意", Counts::Satisfied),
                option("satisfied", "满意", Counts::Satisfied),
                option("fairly_satisfied", "基本满意", Counts::Satisfied),
                option("dissatisfied", "不满意", Counts::Unsatisfied),
                option("very_dissatisfied", "非常不满意", Counts::Unsatisfied),
                option("unknown", "不了解", Counts::NotCounted),
            ],
        }
    }

    pub(crate) fn rated(id: &str, dimension: &str) -> Question {
        Question {
            id: id.into(),
            text: format!("{id}?"),
            text_en: None,
            dimension: Some(dimension.into()),
            kind: QuestionKind::Rated { scale: "s5".into() },
            required: true,
        }
    }

    /// Two dimensions: `a` asked by Q1 and Q2, `b` by Q3; Q4 is optional free text.
    pub(crate) fn sample() -> Questionnaire {
        let dimension = |id: &str| Dimension {
            id: id.into(),
            name: format!("维度{id}"),
            name_en: None,
        };
        Questionnaire {
            id: "sample".into(),
            version: "1".into(),
            title: "样例问卷".into(),
            title_en: None,
            standard: Some("std".into()),
            source: None,
            intro: None,
            intro_en: None,
            notes: vec![],
            scales: vec![five_point_scale()],
            dimensions: vec![dimension("a"), dimension("b")],
            questions: vec![
                rated("Q1", "a"),
                rated("Q2", "a"),
                rated("Q3", "b"),
                Question {
                    id: "Q4".into(),
                    text: "意见建议".into(),
                    text_en: None,
                    dimension: None,
                    kind: QuestionKind::Text { max_chars: 10 },
                    required: false,
                },
            ],
        }
    }

    fn errors(q: &Questionnaire) -> Vec<QuestionnaireError> {
        validate(q).into_iter().map(|p| p.error).collect()
    }

    #[test]
    fn the_sample_is_sound() {
        assert_eq!(validate(&sample()), vec![]);
    }

    #[test]
    fn ids_must_fit_a_storage_key() {
        assert!(is_valid_id("Q1.2_a-b"));
        assert!(!is_valid_id("Q 1"));
        assert!(!is_valid_id("Q:1"));
        assert!(!is_valid_id("满意"));
        assert!(!is_valid_id(""));
        assert!(is_valid_id(&"x".repeat(MAX_ID_CHARS)));
        assert!(!is_valid_id(&"x".repeat(MAX_ID_CHARS + 1)));
        let mut q = sample();
        q.questions[0].id = "Q:1".into();
        assert_eq!(
            errors(&q),
            vec![QuestionnaireError::BadId {
                part: Part::Question,
                id: "Q:1".into()
            }]
        );
    }

    #[test]
    fn duplicates_are_reported_where_they_repeat() {
        let mut q = sample();
        q.questions[1].id = "Q1".into();
        let problems = validate(&q);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].location,
            Location::Question {
                question: "Q1".into()
            }
        );
        assert!(matches!(
            problems[0].error,
            QuestionnaireError::Duplicate {
                part: Part::Question,
                ..
            }
        ));
    }

    #[test]
    fn a_scale_needs_a_satisfied_and_an_unsatisfied_option() {
        let mut q = sample();
        q.scales[0]
            .options
            .retain(|o| o.counts != Counts::Unsatisfied);
        assert_eq!(
            errors(&q),
            vec![QuestionnaireError::NoUnsatisfiedOption { scale: "s5".into() }]
        );
        let mut q = sample();
        q.scales[0].options.truncate(1);
        let found = errors(&q);
        assert!(found.contains(&QuestionnaireError::ScaleTooSmall {
            scale: "s5".into(),
            options: 1
        }));
        assert!(found.contains(&QuestionnaireError::NoUnsatisfiedOption { scale: "s5".into() }));
    }

    #[test]
    fn a_label_shown_twice_is_refused() {
        let mut q = sample();
        q.scales[0].options[1].label = "非常满意".into();
        assert_eq!(
            errors(&q),
            vec![QuestionnaireError::DuplicateLabel {
                scale: "s5".into(),
                label: "非常满意".into()
            }]
        );
    }

    #[test]
    fn references_must_resolve() {
        let mut q = sample();
        q.questions[0].kind = QuestionKind::Rated { scale: "s7".into() };
        q.questions[2].dimension = Some("c".into());
        let found = errors(&q);
        assert!(found.contains(&QuestionnaireError::UnknownScale {
            question: "Q1".into(),
            scale: "s7".into()
        }));
        assert!(found.contains(&QuestionnaireError::UnknownDimension {
            question: "Q3".into(),
            dimension: "c".into()
        }));
        // Q3 moved away, so dimension b has nothing to rate it.
        assert!(
            found.contains(&QuestionnaireError::DimensionWithoutQuestion {
                dimension: "b".into()
            })
        );
    }

    #[test]
    fn rated_questions_need_a_dimension_and_text_a_sane_limit() {
        let mut q = sample();
        q.questions[2].dimension = None;
        q.questions[3].kind = QuestionKind::Text {
            max_chars: MAX_TEXT_CHARS + 1,
        };
        let found = errors(&q);
        assert!(found.contains(&QuestionnaireError::RatedWithoutDimension {
            question: "Q3".into()
        }));
        assert!(found.contains(&QuestionnaireError::TextLimit {
            question: "Q4".into(),
            max_chars: MAX_TEXT_CHARS + 1
        }));
        let mut q = sample();
        q.questions[3].kind = QuestionKind::Text {
            max_chars: MAX_TEXT_CHARS,
        };
        assert_eq!(errors(&q), vec![]);
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let error = QuestionnaireError::ClauseNotAsked {
            standard: "weihai-jzxf-2022".into(),
            clause: "MY2.3".into(),
            dimension: "security".into(),
        };
        assert!(error.to_string().contains("MY2.3"));
        assert!(error.zh().contains("MY2.3"));
        assert!(error.zh().contains("问卷没有该维度的评价题"));
    }
}
