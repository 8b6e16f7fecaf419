//! The fraud signals page for district staff, and setting a community's area (a circle) that
//! located answers are checked against.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use xingfu_core::survey::fraud::{Cluster, CommunityArea, FraudParams};

use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::surveys::fraud::{fraud_signals, save_circle_area};
use crate::surveys::pages::form::{Asking, Pairs, form_status, typed_location, with_status};
use crate::surveys::pages::results::AreaQuery;
use crate::surveys::pages::words::{Words, words};
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

#[derive(Template)]
#[template(path = "survey_fraud.html")]
struct FraudPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    area_code: String,
    area_name: String,
    is_community: bool,
    params: Vec<String>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    too_many: bool,
    communities: Vec<FraudRow>,
    area_form: Option<String>,
    review_link: &'static str,
}

pub struct FraudRow {
    pub code: String,
    pub name: String,
    pub answers: usize,
    /// (key, count, from, to).
    pub bursts: Vec<(String, usize, String, String)>,
    pub patterns: Vec<(String, usize, String, String)>,
    pub outside: usize,
    pub outside_text: String,
    pub area_lat: String,
    pub area_lon: String,
    pub area_radius: String,
}

fn params_text(lang: Lang, params: &FraudParams) -> Vec<String> {
    let minutes = |ms: i64| ms / 60_000;
    if lang.is_en() {
        vec![
            format!(
                "Burst: at least {} answers from one source within {} minutes (staff-entered answers left out).",
                params.burst_min,
                minutes(params.burst_window_millis)
            ),
            format!(
                "Identical answers: at least {} identical answer patterns within {} minutes.",
                params.pattern_min,
                params.pattern_window_millis.map(minutes).unwrap_or(0)
            ),
            format!(
                "Outside: a located answer more than {} m beyond the community's area.",
                params.outside_margin_m
            ),
        ]
    } else {
        vec![
            format!(
                "同一来源集中提交：同一网络地址 {} 分钟内至少 {} 份（工作人员录入的不计）。",
                minutes(params.burst_window_millis),
                params.burst_min
            ),
            format!(
                "答案完全相同：{} 分钟内至少 {} 份全部评价题答案相同。",
                params.pattern_window_millis.map(minutes).unwrap_or(0),
                params.pattern_min
            ),
            format!(
                "不在社区范围内：带定位的答卷距社区范围超过 {} 米。",
                params.outside_margin_m
            ),
        ]
    }
}

/// GET /rounds/{round}/surveys/fraud: the signals per community, for district staff.
pub async fn fraud(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> PageResult {
    let notice =
        (query.saved.as_deref() == Some("area")).then(|| words(visit.lang).area_saved.to_string());
    let ask = Asking::new(&visit, &round_id);
    fraud_page(ask, query.area.as_deref(), Vec::new(), notice).await
}

/// The signals of `area`, with `errors` beside the area form.
async fn fraud_page(
    ask: Asking<'_>,
    area: Option<&str>,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang, round_id) = ask.parts();
    let w = words(lang);
    let params = FraudParams::default();
    let view = fraud_signals(state, user, round_id, area, &params, lang).await?;
    let is_community = view.area.level == "community";
    let when = crate::web::page::when;
    let mut rows: Vec<FraudRow> = view
        .communities
        .iter()
        .map(|c| {
            let clusters = |list: &[Cluster], shorten: bool| {
                list.iter()
                    .map(|cluster| {
                        let key = if shorten {
                            cluster.key.chars().take(12).collect()
                        } else {
                            cluster.key.clone()
                        };
                        (
                            key,
                            cluster.submissions.len(),
                            when(cluster.first_at),
                            when(cluster.last_at),
                        )
                    })
                    .collect()
            };
            let (outside, outside_text) = match &c.signals.outside {
                Some(report) => (
                    report.outside.len(),
                    if lang.is_en() {
                        format!(
                            "{} located answers outside the area; {} answers without a location.",
                            report.outside.len(),
                            report.unlocated
                        )
                    } else {
                        format!(
                            "{} 份带定位的答卷在社区范围外；{} 份没有定位。",
                            report.outside.len(),
                            report.unlocated
                        )
                    },
                ),
                None => (
                    0,
                    lang.pick(
                        "没有设置社区范围，无法判断答卷是否在社区范围内。",
                        "No community area is set, so answers cannot be checked against it.",
                    )
                    .to_string(),
                ),
            };
            let (area_lat, area_lon, area_radius) = match &c.area {
                Some(CommunityArea::Circle { centre, radius_m }) => (
                    centre.lat.to_string(),
                    centre.lon.to_string(),
                    radius_m.to_string(),
                ),
                _ => Default::default(),
            };
            FraudRow {
                code: c.code.clone(),
                name: c.name.clone(),
                answers: c.answers,
                bursts: clusters(&c.signals.bursts, true),
                patterns: clusters(&c.signals.identical_patterns, false),
                outside,
                outside_text,
                area_lat,
                area_lon,
                area_radius,
            }
        })
        .collect();
    if is_community && rows.is_empty() && !view.too_many {
        rows.push(FraudRow {
            code: view.area.code.clone(),
            name: view.area.name.clone(),
            answers: 0,
            bursts: Vec::new(),
            patterns: Vec::new(),
            outside: 0,
            outside_text: String::new(),
            area_lat: String::new(),
            area_lon: String::new(),
            area_radius: String::new(),
        });
    }
    let status = form_status(&errors);
    let page = render(FraudPage {
        page: ask.page(
            "/fraud",
            format!("{}{}{}", w.fraud_heading, lang.colon(), view.area.name),
        ),
        w,
        round_id: round_id.to_string(),
        area_code: view.area.code.clone(),
        area_name: view.area.name.clone(),
        is_community,
        params: params_text(lang, &params),
        errors,
        notice,
        too_many: view.too_many,
        communities: rows,
        area_form: Some(user.csrf.clone()),
        review_link: lang.pick("待核实的答卷", "Answers held for review"),
    })?;
    Ok(with_status(page, status))
}

/// POST /rounds/{round}/surveys/{code}/area: a community's area as a circle.
pub async fn save_area(
    Path((round_id, code)): Path<(String, String)>,
    Posted { v: visit, form }: Posted<Pairs>,
) -> PageResult {
    let ask = Asking::new(&visit, &round_id);
    let (state, user, lang, _) = ask.parts();
    let centre = typed_location(form.get("lat"), form.get("lon"));
    let radius = form.get("radius").trim().parse::<f64>();
    let (Ok(Some(centre)), Ok(radius)) = (centre, radius) else {
        let errors = vec![("centre_lat".into(), words(lang).bad_location.into())];
        return fraud_page(ask, Some(&code), errors, None).await;
    };
    match save_circle_area(state, user, &code, centre, radius, lang).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/surveys/fraud?area={code}&saved=area"
        ))
        .into_response()),
        Err(AppError::BadRequest(message)) => {
            fraud_page(ask, Some(&code), vec![("radius".into(), message)], None).await
        }
        Err(other) => Err(other),
    }
}
