//! The figures visits and volunteering feed into ratings, for a community and a period.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;

use super::community::{community_of, region_name};
use super::form::{field_errors, unless_read, with_problems};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::people::service as people;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

#[derive(Deserialize, Default)]
pub struct MetricsQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "people_metrics.html")]
struct MetricsPage {
    page: Page,
    community: String,
    community_name: String,
    choices: Vec<(String, String)>,
    from: String,
    to: String,
    errors: Vec<Problem>,
    rows: Vec<(String, String, String)>,
}

field_errors!(MetricsPage);

/// GET /people/metrics: visits and volunteering as metric values for a period (both dates
/// included).
pub async fn metrics(v: Visit, Query(q): Query<MetricsQuery>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let (community, choices) = community_of(&v, &q.community).await?;
    let today = people::day_text(now_ms());
    let from = if q.from.trim().is_empty() {
        format!("{}-01-01", &today[..4])
    } else {
        q.from.trim().to_string()
    };
    let to = if q.to.trim().is_empty() {
        today
    } else {
        q.to.trim().to_string()
    };
    let mut errors = Vec::new();
    let hint = lang.pick(
        "请按 年-月-日 填写，例如 2024-01-01",
        "write year-month-day, e.g. 2024-01-01",
    );
    let from_ms = people::parse_day(&from);
    let to_ms = people::parse_day(&to).map(|d| d + 86_400_000);
    unless_read(
        lang,
        &mut errors,
        "from",
        from_ms,
        lang.pick("开始日期", "From"),
        hint,
    );
    unless_read(
        lang,
        &mut errors,
        "to",
        to_ms,
        lang.pick("结束日期", "To"),
        hint,
    );
    if let (Some(f), Some(t)) = (from_ms, to_ms)
        && t <= f
    {
        errors.push((
            "to".to_string(),
            lang.pick(
                "结束日期不能早于开始日期",
                "the end date cannot be before the start date",
            )
            .to_string(),
        ));
    }
    let mut rows = Vec::new();
    let mut community_name = String::new();
    if let Some(code) = &community {
        if !people::may_oversee(user, code) {
            return Err(AppError::Forbidden(
                lang.pick("只有工作人员可以查看运行指标", "only staff see the figures")
                    .into(),
            ));
        }
        community_name = region_name(state, code).await;
        if let (Some(f), Some(t), true) = (from_ms, to_ms, errors.is_empty()) {
            rows = people::people_metrics(state, code, f, t)
                .await?
                .into_iter()
                .map(|(key, value)| {
                    (
                        people::metric_label(key, lang).to_string(),
                        key.to_string(),
                        value.to_string(),
                    )
                })
                .collect();
        }
    }
    with_problems(
        render(MetricsPage {
            page: v.page_titled(
                "/people/metrics",
                lang.text("走访与志愿服务指标", "Visit and volunteering figures"),
            ),
            community: community.unwrap_or_default(),
            community_name,
            choices,
            from,
            to,
            errors: errors.clone(),
            rows,
        }),
        &errors,
    )
}
