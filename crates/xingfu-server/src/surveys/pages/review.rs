//! The 待核实 list of one community: answers held because they tripped a fraud signal, with the
//! signal and the answers, for the district officers who see the fraud page. Each answer, the
//! ticked ones, or every listed one is accepted (counted from now on, once) or rejected (never
//! counted); an answer another officer decided first is reported, not decided twice. Plain forms,
//! no JavaScript.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::survey::{Channel, Questionnaire, Response as Answer};
use xingfu_store::surveys::{ReviewAnswerRow, ReviewDecision};

use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::surveys::pages::form::{Asking, Pairs, form_status, with_status};
use crate::surveys::review::review_list;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

/// One held answer as the list shows it.
pub struct HeldRow {
    pub id: String,
    pub when: String,
    pub channel: String,
    pub signals: String,
    /// The first characters of the sender's address hash: equal values are one address.
    pub source: String,
    pub answers: String,
}

#[derive(Template)]
#[template(path = "survey_review.html")]
struct ReviewPage {
    page: Page,
    t: &'static ReviewWords,
    round_id: String,
    code: String,
    name: String,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    held_count: i64,
    rejected_count: i64,
    rows: Vec<HeldRow>,
    csrf: String,
}

crate::word_table! {
    /// The review page's words.
    ReviewWords, words {
        heading: "待核实的答卷" / "Answers held for review",
        intro: "这些答卷触发了异常提示\u{ff0c}核实前不计入结果和评分\u{3002}\u{201c}计入\u{201d}后按一份答卷计入一次\u{ff1b}\u{201c}不予计入\u{201d}的答卷始终不计入\u{3002}每次处理都记录处理人和时间\u{3002}" / "These answers tripped a fraud signal and count towards neither the results nor the rating until checked. An accepted answer is counted once; a rejected one never. Every decision is recorded with who made it and when.",
        back: "返回异常提示" / "Back to the fraud signals",
        held: "待核实" / "Held",
        rejected: "不予计入" / "Rejected",
        none: "没有待核实的答卷\u{3002}" / "No answers are held for review.",
        choose: "选择" / "Choose",
        when: "提交时间" / "Sent",
        channel: "方式" / "Channel",
        signals: "提示" / "Signals",
        source: "来源\u{ff08}同一来源相同\u{ff09}" / "Source (equal for one address)",
        answers: "回答" / "Answers",
        accept: "计入选中的答卷" / "Accept the chosen answers",
        reject: "选中的不予计入" / "Reject the chosen answers",
        accept_all: "全部计入" / "Accept all",
        reject_all: "全部不予计入" / "Reject all",
        nothing_chosen: "请至少选择一份答卷" / "Choose at least one answer",
    }
}

/// The answers of a stored answer as text: each question's id and the chosen option's label.
fn answers_text(lang: Lang, q: &Questionnaire, json: &str) -> String {
    let answers: BTreeMap<String, Answer> = serde_json::from_str(json).unwrap_or_default();
    q.questions
        .iter()
        .filter_map(|question| {
            let text = match answers.get(&question.id)? {
                Answer::Choice(option) => q
                    .scale_of(question)
                    .and_then(|scale| scale.option(option))
                    .map(|o| {
                        if lang.is_en() {
                            o.label_en.clone().unwrap_or_else(|| o.label.clone())
                        } else {
                            o.label.clone()
                        }
                    })
                    .unwrap_or_else(|| option.clone()),
                Answer::Text(text) => text.clone(),
            };
            Some(format!("{} {text}", question.id))
        })
        .collect::<Vec<_>>()
        .join(lang.pick("\u{ff1b}", "; "))
}

fn held_row(lang: Lang, q: &Questionnaire, row: &ReviewAnswerRow) -> HeldRow {
    HeldRow {
        id: row.id.clone(),
        when: crate::web::page::when(row.at),
        channel: Channel::parse(&row.channel)
            .map(|c| lang.pick(c.zh(), c.en()).to_string())
            .unwrap_or_else(|| row.channel.clone()),
        signals: row
            .signals
            .iter()
            .map(|s| lang.pick(s.zh(), s.en()))
            .collect::<Vec<_>>()
            .join(lang.pick("\u{3001}", ", ")),
        source: row
            .source
            .as_deref()
            .map(|s| s.chars().take(8).collect())
            .unwrap_or_else(|| "—".into()),
        answers: answers_text(lang, q, &row.answers),
    }
}

/// The list of `code`, with `errors` beside it.
async fn review_page(
    ask: Asking<'_>,
    code: &str,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang, round_id) = ask.parts();
    let t = words(lang);
    let view = review_list(state, user, round_id, code, lang).await?;
    let q = view.survey.questionnaire.clone();
    let status = form_status(&errors);
    let page = render(ReviewPage {
        page: ask.page(
            &format!("/{code}/review"),
            format!(
                "{}{}{}",
                t.heading,
                lang.pick("\u{ff1a}", ": "),
                view.community.name
            ),
        ),
        t,
        round_id: round_id.to_string(),
        code: code.to_string(),
        name: view.community.name.clone(),
        errors,
        notice,
        held_count: view.counts.held,
        rejected_count: view.counts.rejected,
        rows: view
            .held
            .iter()
            .map(|row| held_row(lang, &q, row))
            .collect(),
        csrf: user.csrf.clone(),
    })?;
    Ok(with_status(page, status))
}

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    #[serde(default)]
    decided: Option<usize>,
    #[serde(default)]
    stale: Option<usize>,
}

/// GET /rounds/{round}/surveys/{code}/review
pub async fn show(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<ReviewQuery>,
) -> PageResult {
    let lang = visit.lang;
    let notice = query.decided.map(|decided| {
        let stale = query.stale.unwrap_or(0);
        match (lang.is_en(), stale) {
            (true, 0) => format!("{decided} answers decided."),
            (true, _) => format!(
                "{decided} answers decided; {stale} had already been decided by another officer and were left as they were."
            ),
            (false, 0) => format!("已处理 {decided} 份答卷\u{3002}"),
            (false, _) => format!(
                "已处理 {decided} 份答卷\u{ff1b}另有 {stale} 份已由其他工作人员处理\u{ff0c}没有重复处理\u{3002}"
            ),
        }
    });
    review_page(Asking::new(&visit, &round_id), &code, Vec::new(), notice).await
}

/// POST /rounds/{round}/surveys/{code}/review: `decision` is `accept` or `reject` for the ticked
/// `id`s, or `accept_all` / `reject_all` for every `listed` id.
pub async fn decide(
    Path((round_id, code)): Path<(String, String)>,
    Posted { v: visit, form }: Posted<Pairs>,
) -> PageResult {
    let ask = Asking::new(&visit, &round_id);
    let (state, user, lang, _) = ask.parts();
    let values = |name: &str| -> Vec<String> {
        form.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let sent = form.first("decision");
    let (decision, ids) = match sent.strip_suffix("_all") {
        Some(key) => (ReviewDecision::parse(key), values("listed")),
        None => (ReviewDecision::parse(sent), values("id")),
    };
    let Some(decision) = decision else {
        return Err(AppError::BadRequest(
            lang.pick("没有选择处理方式", "no decision was chosen")
                .into(),
        ));
    };
    if ids.is_empty() {
        let errors = vec![("held".to_string(), words(lang).nothing_chosen.to_string())];
        return review_page(ask, &code, errors, None).await;
    }
    let outcome =
        crate::surveys::review::decide(state, user, &round_id, &code, &ids, decision, lang).await?;
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/surveys/{code}/review?decided={}&stale={}",
        outcome.decided.len(),
        outcome.stale.len()
    ))
    .into_response())
}
