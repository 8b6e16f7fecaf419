//! A neighbourhood centre's page: its latest rating and history, and the rating form clause by
//! clause, each figure offered from the platform (activities, people served, surveys, circle).

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use serde_json::Value;
use xingfu_core::Dec2;
use xingfu_core::standard::{Judge, Standard};

use super::kit::{Choice, Posted, TitledPage, Visit, error_pairs, form_reply, go};
use crate::app::clock::now_ms;
use crate::circle::service::areas::may_rate;
use crate::circle::service::centres::{
    PlatformFigures, centre_standard, platform_figures, platform_measure, viewable_centre, year_of,
};
use crate::circle::service::form::FieldError;
use crate::circle::service::rating::rate_centre;
use crate::i18n::Lang;
use crate::people::service::local_text;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render, star_text};

pub struct ClauseField {
    pub id: String,
    pub anchor: String,
    pub text: String,
    pub points: String,
    /// `met`, `graded`, `numeric`, `survey` or `metric`.
    pub kind: &'static str,
    pub value: String,
    pub source: String,
    pub platform: String,
    pub surveys: Vec<Choice>,
    pub unit: String,
    pub error: String,
}

pub struct CategoryFields {
    pub name: String,
    pub points: String,
    pub clauses: Vec<ClauseField>,
}

pub struct ResultLine {
    pub name: String,
    pub earned: String,
    pub max: String,
}

pub struct RatingLine {
    pub year: i64,
    pub total: String,
    pub star: String,
    pub rated_by: String,
    pub rated_at: String,
    pub version: String,
}

pub struct LatestResult {
    pub year: i64,
    pub total: String,
    pub max: String,
    pub star: String,
    pub categories: Vec<ResultLine>,
    pub not_assessed: String,
}

#[derive(Template)]
#[template(path = "circle_centre.html")]
struct CentrePage {
    page: Page,
    id: String,
    name: String,
    community: String,
    community_code: String,
    service_area: String,
    standard: String,
    latest: Option<LatestResult>,
    history: Vec<RatingLine>,
    can_rate: bool,
    csrf: String,
    year: String,
    categories: Vec<CategoryFields>,
    errors: Vec<Problem>,
    notice: Option<String>,
}

fn category_fields(
    standard: &Standard,
    figures: &PlatformFigures,
    fields: &[(String, String)],
    errors: &[FieldError],
    lang: Lang,
) -> Vec<CategoryFields> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    standard
        .categories
        .iter()
        .map(|category| CategoryFields {
            name: in_lang(lang, &category.name, &category.name_en),
            points: category
                .items
                .iter()
                .flat_map(|i| i.clauses.iter())
                .map(|c| c.points)
                .sum::<Dec2>()
                .to_string(),
            clauses: category
                .items
                .iter()
                .flat_map(|i| i.clauses.iter())
                .map(|clause| {
                    let id = clause.id.clone();
                    let error = errors
                        .iter()
                        .filter(|e| e.field == format!("c.{id}"))
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(";");
                    let value = field(&format!("c.{id}")).unwrap_or_default();
                    let mut unit = String::new();
                    let mut platform = String::new();
                    let mut surveys = Vec::new();
                    let (kind, default_source) = match &clause.judge {
                        _ if clause.veto => ("met", ""),
                        Judge::Met => ("met", ""),
                        Judge::Graded => ("graded", ""),
                        Judge::Numeric {
                            measure, unit: u, ..
                        } => {
                            unit = u.clone().unwrap_or_default();
                            let figure = match platform_measure(measure) {
                                Some("activities.count") => figures.activities,
                                Some("people_served.count") => figures.people_served,
                                _ => None,
                            };
                            match figure {
                                Some(v) => {
                                    platform = v.to_string();
                                    (
                                        "numeric",
                                        if v > Dec2::ZERO {
                                            "platform"
                                        } else {
                                            "entered"
                                        },
                                    )
                                }
                                None => ("numeric", "entered"),
                            }
                        }
                        Judge::Survey { .. } => {
                            unit = "%".into();
                            let chosen = field(&format!("src.{id}"));
                            surveys = figures
                                .surveys
                                .iter()
                                .enumerate()
                                .map(|(i, s)| Choice {
                                    value: format!("survey:{}", s.round_id),
                                    label: lang.text(
                                        format!(
                                            "{} 年度调查：满意率 {}%（{} 人）",
                                            s.year, s.rate, s.respondents
                                        ),
                                        format!(
                                            "{} survey: {}% satisfied ({} respondents)",
                                            s.year, s.rate, s.respondents
                                        ),
                                    ),
                                    selected: chosen
                                        .as_deref()
                                        .map_or(i == 0, |c| c == format!("survey:{}", s.round_id)),
                                })
                                .collect();
                            (
                                "survey",
                                if surveys.is_empty() {
                                    "entered"
                                } else {
                                    "survey"
                                },
                            )
                        }
                        Judge::Metric {
                            metric, unit: u, ..
                        } => {
                            unit = u.clone().unwrap_or_default();
                            platform = figures
                                .circle
                                .get(metric)
                                .map(|v| v.to_string())
                                .unwrap_or_default();
                            ("metric", "circle")
                        }
                    };
                    let source =
                        field(&format!("src.{id}")).unwrap_or_else(|| default_source.to_string());
                    let source = if source.starts_with("survey:") {
                        "survey".to_string()
                    } else {
                        source
                    };
                    ClauseField {
                        anchor: format!("c-{}", id.replace('.', "-")),
                        text: in_lang(lang, &clause.text, &clause.text_en),
                        points: clause.points.to_string(),
                        kind,
                        value,
                        source,
                        platform,
                        surveys,
                        unit,
                        error,
                        id,
                    }
                })
                .collect(),
        })
        .collect()
}

fn latest_result(row: &xingfu_store::facilities::RatingRow, lang: Lang) -> LatestResult {
    let card: Value = serde_json::from_str(&row.result_json).unwrap_or(Value::Null);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    LatestResult {
        year: row.year,
        total: Dec2(row.total).to_string(),
        max: text(&card["max"]),
        star: star_text(lang, Some(row.star)),
        categories: card["categories"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| ResultLine {
                        name: text(&c["name"]),
                        earned: text(&c["earned"]),
                        max: text(&c["max"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        not_assessed: card["not_assessed"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(text)
                    .collect::<Vec<_>>()
                    .join(lang.pick("、", ", "))
            })
            .unwrap_or_default(),
    }
}

async fn render_centre(
    v: &Visit,
    id: &str,
    year: i64,
    fields: &[(String, String)],
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let (centre, community) = viewable_centre(state, user, id, lang).await?;
    let standard = centre_standard(state, None, lang).await?;
    let figures = platform_figures(state, user, &community.code, year, lang).await?;
    let ratings = state.store.centre_ratings(id).await?;
    let html = render(CentrePage {
        page: v.page(
            &format!("/circle/centres/{id}"),
            ("邻里中心", "Neighbourhood centre"),
            &centre.facility.name,
        ),
        id: id.to_string(),
        name: centre.facility.name.clone(),
        community: community.name.clone(),
        community_code: community.code.clone(),
        service_area: centre.service_area.clone(),
        standard: format!(
            "{} {}",
            in_lang(lang, &standard.name, &standard.name_en),
            standard.version
        ),
        latest: ratings.first().map(|r| latest_result(r, lang)),
        history: ratings
            .iter()
            .map(|r| RatingLine {
                year: r.year,
                total: Dec2(r.total).to_string(),
                star: star_text(lang, Some(r.star)),
                rated_by: r.rated_by.clone(),
                rated_at: local_text(r.rated_at),
                version: format!("{} {}", r.standard_id, r.standard_version),
            })
            .collect(),
        can_rate: may_rate(user, &community.code),
        csrf: user.csrf.clone(),
        year: year.to_string(),
        categories: category_fields(&standard, &figures, fields, &errors, lang),
        errors: error_pairs(&errors),
        notice,
    })?;
    form_reply(html, &errors)
}

/// A standard's text in the person's language (Chinese when it has no English).
fn in_lang(lang: Lang, zh: &str, en: &Option<String>) -> String {
    match en {
        Some(en) if lang.is_en() => en.clone(),
        _ => zh.to_string(),
    }
}

fn this_year() -> i64 {
    year_of(now_ms())
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    rated: Option<String>,
}

/// GET /circle/centres/{id}?year=2024
pub async fn centre(
    v: Visit,
    Path(id): Path<String>,
    Query(query): Query<YearQuery>,
) -> PageResult {
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(this_year);
    let notice = query
        .rated
        .map(|_| v.lang.text("评定已保存", "Rating saved"));
    render_centre(&v, &id, year, &[], Vec::new(), notice).await
}

/// POST /circle/centres/{id}: rates the centre.
pub async fn rate(Path(id): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    match rate_centre(&v.state, &v.user, &id, &fields.0, v.lang).await? {
        Ok(row) => go(&format!("/circle/centres/{id}?year={}&rated=1", row.year)),
        Err(errors) => {
            let year = fields
                .get("year")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|y| (2000..=2100).contains(y))
                .unwrap_or_else(this_year);
            render_centre(&v, &id, year, &fields.0, errors, None).await
        }
    }
}
