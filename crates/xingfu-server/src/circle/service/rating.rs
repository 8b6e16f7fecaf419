//! Rating a centre with the fengze-centre standard: the rating form read clause by clause, each
//! answer recorded with where it came from, scored and stored.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use xingfu_core::Dec2;
use xingfu_core::scoring::{Answer, Assessment, score};
use xingfu_core::standard::{Judge, Standard};
use xingfu_store::facilities::{NewRating, RatingRow};

use super::areas::{allow, may_rate};
use super::centres::{
    PlatformFigures, centre_standard, platform_figures, platform_measure, viewable_centre,
};
use super::form::FieldError;
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// One clause's answer as recorded: the answer and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Dec2>,
    /// `entered`, `platform`, `survey:<round>` or `circle`.
    pub source: String,
}

/// Reads the rating form: `year`, and per clause `c.<id>` (the answer) and `src.<id>` (where a
/// figure comes from: `platform`, `survey:<round>` or `entered`).
pub fn read_rating_form(
    standard: &Standard,
    fields: &[(String, String)],
    figures: &PlatformFigures,
    lang: Lang,
) -> Result<(Assessment, BTreeMap<String, RecordedAnswer>), Vec<FieldError>> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut assessment = Assessment {
        metrics: figures.circle.clone(),
        ..Assessment::default()
    };
    let mut recorded = BTreeMap::new();
    let number_of = |text: &str, name: &str, errors: &mut Vec<FieldError>| -> Option<Dec2> {
        match Dec2::parse(text) {
            Ok(v) if !v.is_negative() => Some(v),
            _ => {
                errors.push(FieldError::new(
                    name,
                    lang.text(
                        format!("{text:?} 不是非负数（最多两位小数）"),
                        format!("{text:?} is not a non-negative number (two decimals at most)"),
                    ),
                ));
                None
            }
        }
    };
    for (key, _) in fields {
        if let Some(id) = key.strip_prefix("c.").or_else(|| key.strip_prefix("src."))
            && standard.clause(id).is_none()
        {
            errors.push(FieldError::new(
                key,
                lang.text(
                    format!("标准 {} 中没有条款 {id}", standard.id),
                    format!("standard {} has no clause {id}", standard.id),
                ),
            ));
        }
    }
    for clause in standard.clauses() {
        let id = &clause.id;
        let name = format!("c.{id}");
        let value = field(&name);
        let source = field(&format!("src.{id}"));
        let answer = match &clause.judge {
            Judge::Metric { metric, .. } => {
                if let Some(v) = figures.circle.get(metric) {
                    recorded.insert(
                        id.clone(),
                        RecordedAnswer {
                            met: None,
                            number: Some(*v),
                            source: "circle".into(),
                        },
                    );
                }
                continue;
            }
            _ if clause.veto || matches!(clause.judge, Judge::Met) => match value.as_str() {
                "" => None,
                "yes" => Some((Answer::met(true), "entered".to_string())),
                "no" => Some((Answer::met(false), "entered".to_string())),
                other => {
                    errors.push(FieldError::new(
                        &name,
                        lang.text(
                            format!("无效的选择 {other:?}"),
                            format!("invalid choice {other:?}"),
                        ),
                    ));
                    None
                }
            },
            Judge::Numeric { measure, .. } if source == "platform" => {
                let figure = match platform_measure(measure) {
                    Some("activities.count") => figures.activities,
                    Some("people_served.count") => figures.people_served,
                    _ => None,
                };
                match figure {
                    Some(v) => Some((Answer::number(v), "platform".to_string())),
                    None => {
                        errors.push(FieldError::new(
                            &name,
                            lang.text(
                                "平台没有这项数据，请填报",
                                "the platform has no such figure: enter it",
                            ),
                        ));
                        None
                    }
                }
            }
            Judge::Survey { .. } if source.starts_with("survey:") => {
                let round = &source["survey:".len()..];
                match figures.surveys.iter().find(|s| s.round_id == round) {
                    Some(s) => Some((Answer::number(s.rate), source.clone())),
                    None => {
                        errors.push(FieldError::new(
                            &name,
                            lang.text(
                                "所选调查没有可用的满意率",
                                "the chosen survey has no usable rate",
                            ),
                        ));
                        None
                    }
                }
            }
            _ if value.is_empty() => None,
            _ => number_of(&value, &name, &mut errors)
                .map(|v| (Answer::number(v), "entered".to_string())),
        };
        if let Some((answer, source)) = answer {
            recorded.insert(
                id.clone(),
                RecordedAnswer {
                    met: answer.met,
                    number: answer.number,
                    source,
                },
            );
            assessment.answers.insert(id.clone(), answer);
        }
    }
    if errors.is_empty() {
        Ok((assessment, recorded))
    } else {
        Err(errors)
    }
}

/// Rates a centre for a year with the fengze-centre standard and stores the rating.
pub async fn rate_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    fields: &[(String, String)],
    lang: Lang,
) -> Result<Result<RatingRow, Vec<FieldError>>, AppError> {
    let (centre, community) = viewable_centre(state, user, facility_id, lang).await?;
    allow(
        may_rate(user, &community.code),
        lang,
        (
            "邻里中心星级由区级评定（区级或市级管理员）",
            "centres are rated by the district (district or city administrators)",
        ),
    )?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let year_text = field("year").map(str::trim).unwrap_or("");
    let Some(year) = year_text
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        return Ok(Err(vec![FieldError::new(
            "year",
            lang.text(
                "请填写评定年度（2000–2100）",
                "enter the rating year (2000–2100)",
            ),
        )]));
    };
    let version = field("version");
    let standard = centre_standard(state, version, lang).await?;
    let figures = platform_figures(state, user, &community.code, year, lang).await?;
    let (assessment, recorded) = match read_rating_form(&standard, fields, &figures, lang) {
        Ok(read) => read,
        Err(errors) => return Ok(Err(errors)),
    };
    let card = match score(&standard, &assessment) {
        Ok(card) => card,
        Err(problems) => {
            return Ok(Err(problems
                .into_iter()
                .map(|p| {
                    FieldError::new(
                        format!("c.{}", p.clause),
                        if lang.is_en() { p.en } else { p.zh },
                    )
                })
                .collect()));
        }
    };
    let answers = json!({
        "year": year,
        "answers": recorded,
        "metrics": figures.circle,
    })
    .to_string();
    let result = serde_json::to_string(&card).map_err(|e| internal(format!("scorecard: {e}")))?;
    let row = state
        .store
        .save_centre_rating(
            &NewRating {
                facility_id: &centre.facility.id,
                community_code: &community.code,
                year,
                standard_id: &standard.id,
                standard_version: &standard.version,
                answers_json: &answers,
                result_json: &result,
                total: card.total.hundredths(),
                star: i64::from(card.star),
            },
            &user.user.username,
            now_ms(),
        )
        .await?;
    Ok(Ok(row))
}
