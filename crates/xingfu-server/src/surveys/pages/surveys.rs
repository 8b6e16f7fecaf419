//! Survey pages: the resident's questionnaire (reached by a community's link or QR poster, no
//! account, no JavaScript, one question per screen), the staff form for phone, paper and
//! home-visit answers, the results of a community or an area (chart and table with the same
//! numbers), the printable poster, the Excel export and the fraud signals.
//!
//! The resident's form carries every answer given so far in hidden fields, so each screen is a
//! plain POST and going back loses nothing. Its client token is made when the first screen is
//! shown; sending the last screen twice (a double tap, a retry) is recorded once.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::standard::SurveyScoring;
use xingfu_core::survey::fraud::{FraudParams, GeoPoint};
use xingfu_core::survey::household::HouseholdId;
use xingfu_core::survey::questionnaire::{Counts, QuestionKind};
use xingfu_core::survey::results::{RateSummary, SurveyReport, WithheldReason, dimension_rate};
use xingfu_core::survey::submission::SubmissionError;
use xingfu_core::survey::{Channel, Question, Questionnaire, Response as Answer, report};
use xingfu_core::workflow::Role;
use xingfu_store::surveys::RecordOutcome;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::service::{self, PeerAddress, Respondent, RoundSurvey, SubmitError};
use crate::web::page::{Page, error_page, render};

pub struct Words {
    pub next: &'static str,
    pub back: &'static str,
    pub submit: &'static str,
    pub start_again: &'static str,
    pub question_of: &'static str,
    pub household_heading: &'static str,
    pub household_why: &'static str,
    pub household_staff: &'static str,
    pub phone: &'static str,
    pub code: &'static str,
    pub code_hint: &'static str,
    pub review: &'static str,
    pub not_answered: &'static str,
    pub answer_this: &'static str,
    pub text_hint: &'static str,
    pub thanks_heading: &'static str,
    pub thanks: &'static str,
    pub thanks_checked: &'static str,
    pub refused_heading: &'static str,
    pub closed_heading: &'static str,
    pub closed: &'static str,
    pub no_link_heading: &'static str,
    pub no_link_text: &'static str,
    pub not_started: &'static str,
    pub last_step: &'static str,
    pub back_to_results: &'static str,
    pub back_to_round: &'static str,
    pub enter_heading: &'static str,
    pub channel: &'static str,
    pub choose_channel: &'static str,
    pub location_heading: &'static str,
    pub location_hint: &'static str,
    pub lat: &'static str,
    pub lon: &'static str,
    pub bad_location: &'static str,
    pub save_answer: &'static str,
    pub saved: &'static str,
    pub saved_again: &'static str,
    pub saved_held: &'static str,
    pub results_heading: &'static str,
    pub settings_heading: &'static str,
    pub questionnaire: &'static str,
    pub quota: &'static str,
    pub updated: &'static str,
    pub no_survey: &'static str,
    pub quota_label: &'static str,
    pub quota_hint: &'static str,
    pub bad_quota: &'static str,
    pub save_settings: &'static str,
    pub open_survey: &'static str,
    pub settings_saved: &'static str,
    pub export: &'static str,
    pub fraud_link: &'static str,
    pub enter_link: &'static str,
    pub link_heading: &'static str,
    pub link_intro: &'static str,
    pub poster: &'static str,
    pub make_link: &'static str,
    pub no_link: &'static str,
    pub summary_heading: &'static str,
    pub respondents: &'static str,
    pub overall: &'static str,
    pub overall_note: &'static str,
    pub survey_points: &'static str,
    pub channels: &'static str,
    pub dimensions_heading: &'static str,
    pub chart_caption: &'static str,
    pub dimensions_table: &'static str,
    pub dimension: &'static str,
    pub sample: &'static str,
    pub satisfied_of_counted: &'static str,
    pub not_counted: &'static str,
    pub rate: &'static str,
    pub interval: &'static str,
    pub standard_check: &'static str,
    pub questions_heading: &'static str,
    pub answer: &'static str,
    pub count: &'static str,
    pub share: &'static str,
    pub bar: &'static str,
    pub communities_heading: &'static str,
    pub fraud_heading: &'static str,
    pub fraud_intro: &'static str,
    pub too_many: &'static str,
    pub no_answers: &'static str,
    pub answers_unit: &'static str,
    pub bursts: &'static str,
    pub patterns: &'static str,
    pub outside: &'static str,
    pub source: &'static str,
    pub pattern: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub area_heading: &'static str,
    pub area_hint: &'static str,
    pub radius: &'static str,
    pub save_area: &'static str,
    pub area_saved: &'static str,
    pub poster_call: &'static str,
    pub poster_qr: &'static str,
    pub print_hint: &'static str,
}

static ZH: Words = Words {
    next: "下一题",
    back: "上一题",
    submit: "提交问卷",
    start_again: "重新填写问卷",
    question_of: "第 {n} 题,共 {total} 题",
    household_heading: "最后一步:确认住户",
    household_why: "为保证每户只填写一次,请填写您的手机号码。号码只用于核对,不会保存号码本身,也不会用来联系您。",
    household_staff: "填写受访住户的手机号码;没有手机的填写户号。号码只保存加密后的核对值。",
    phone: "手机号码",
    code: "或者:户号(没有手机时填写)",
    code_hint: "例如:3栋2单元501",
    review: "您的回答",
    not_answered: "未回答",
    answer_this: "请选择一项",
    text_hint: "可以不填。",
    thanks_heading: "谢谢您!",
    thanks: "您的问卷已经提交成功。感谢您对社区工作的支持!",
    thanks_checked: "您的问卷已经收到\u{3002}工作人员核对后计入调查结果\u{ff0c}您不需要再做什么\u{3002}感谢您对社区工作的支持\u{ff01}",
    refused_heading: "问卷没有提交",
    closed_heading: "调查已经结束",
    closed: "本社区本年度的评分已经完成,问卷不再收取。谢谢您的关心!",
    no_link_heading: "问卷链接无效",
    no_link_text: "这个问卷链接不存在。请扫描社区张贴的二维码,或向社区工作人员索取链接。",
    not_started: "本次调查还没有开始,请稍后再来。",
    last_step: "最后一步",
    back_to_results: "返回调查结果",
    back_to_round: "返回评选年度",
    enter_heading: "录入问卷(电话、纸质、入户)",
    channel: "调查方式",
    choose_channel: "请选择调查方式",
    location_heading: "位置(选填)",
    location_hint: "入户走访时可填写所在位置的经纬度(WGS-84,手机定位即是),用于核对答卷是否来自本社区。",
    lat: "纬度",
    lon: "经度",
    bad_location: "纬度须在 -90 到 90 之间、经度须在 -180 到 180 之间,两项都填或都不填",
    save_answer: "保存这份答卷",
    saved: "已录入一份答卷。可以继续录入下一份。",
    saved_again: "这份答卷已经录入过,没有重复计数。",
    saved_held: "已录入一份答卷\u{ff0c}它触发了异常提示\u{ff0c}待区级工作人员核实后再计入结果\u{3002}",
    results_heading: "满意度调查",
    settings_heading: "调查设置",
    questionnaire: "问卷",
    quota: "样本量要求",
    updated: "最近修改",
    no_survey: "本评选年度还没有设置满意度调查。",
    quota_label: "每个社区至少需要的有效样本(户)",
    quota_hint: "某个维度的有效样本少于这个数时,该维度不计分,对应条款显示“未评估”。",
    bad_quota: "样本量须是 0 到 100000 之间的整数",
    save_settings: "保存设置",
    open_survey: "开始调查",
    settings_saved: "调查设置已保存。",
    export: "下载 Excel",
    fraud_link: "异常提示",
    enter_link: "录入电话、纸质、入户问卷",
    link_heading: "居民填写链接",
    link_intro: "居民用手机打开这个链接或扫描海报上的二维码填写问卷,不需要注册账号。",
    poster: "打印二维码海报(A4)",
    make_link: "生成居民填写链接",
    no_link: "本社区还没有居民填写链接。",
    summary_heading: "概况",
    respondents: "答卷(户)",
    overall: "总体满意率",
    overall_note: "所有维度的回答合计,只作展示,不参与计分",
    survey_points: "调查得分",
    channels: "答卷来源",
    dimensions_heading: "各维度满意率",
    chart_caption: "图:各维度满意率(横线为 95% 置信区间,竖虚线为标准门槛)。数字见下表。",
    dimensions_table: "各维度满意率(与上图数字相同)",
    dimension: "维度",
    sample: "有效样本(户)",
    satisfied_of_counted: "满意 / 有效回答",
    not_counted: "不了解",
    rate: "满意率",
    interval: "95% 置信区间",
    standard_check: "标准条款",
    questions_heading: "各题回答",
    answer: "回答",
    count: "份数",
    share: "占比",
    bar: "图示",
    communities_heading: "各社区",
    fraud_heading: "异常提示",
    fraud_intro: "触发以下提示的答卷待核实\u{ff1a}核实前不计入结果和评分\u{ff0c}区级工作人员在\u{201c}待核实\u{201d}列表中逐份或成批计入或不予计入\u{3002}",
    too_many: "答卷太多,请选择一个街道或社区查看。",
    no_answers: "还没有答卷。",
    answers_unit: "份答卷",
    bursts: "同一来源集中提交",
    patterns: "答案完全相同",
    outside: "不在社区范围内",
    source: "来源(加密)",
    pattern: "答案",
    from: "开始",
    to: "结束",
    area_heading: "社区范围(圆形)",
    area_hint: "中心点经纬度(WGS-84)和半径(米),用于判断带定位的答卷是否在社区范围内。",
    radius: "半径(米)",
    save_area: "保存社区范围",
    area_saved: "社区范围已保存。",
    poster_call: "请用手机扫描二维码填写问卷",
    poster_qr: "问卷二维码",
    print_hint: "请使用浏览器的“打印”功能,纸张选 A4。",
};

static EN: Words = Words {
    next: "Next question",
    back: "Previous question",
    submit: "Send my answers",
    start_again: "Fill in the questionnaire again",
    question_of: "Question {n} of {total}",
    household_heading: "Last step: your household",
    household_why: "So that each household answers once, please give your mobile number. It is only used to check this; the number itself is not kept and nobody will call you.",
    household_staff: "The household's mobile number, or its household number when it has no phone. Only a keyed hash is kept.",
    phone: "Mobile number",
    code: "Or: household number (if you have no mobile phone)",
    code_hint: "For example: Building 3, Unit 2, Flat 501",
    review: "Your answers",
    not_answered: "not answered",
    answer_this: "Please choose one answer",
    text_hint: "You may leave this empty.",
    thanks_heading: "Thank you!",
    thanks: "Your answers have been sent. Thank you for helping your community.",
    thanks_checked: "We have received your answers. Staff will check them before they are counted in the results; there is nothing more you need to do. Thank you for helping your community.",
    refused_heading: "Your answers were not sent",
    closed_heading: "The survey has ended",
    closed: "This year's rating of your community is finished, so the survey takes no more answers. Thank you!",
    no_link_heading: "This link does not work",
    no_link_text: "This questionnaire link does not exist. Please scan the QR code on your community's poster, or ask community staff for the link.",
    not_started: "This survey has not started yet. Please come back later.",
    last_step: "Last step",
    back_to_results: "Back to the survey results",
    back_to_round: "Back to the round",
    enter_heading: "Enter answers (phone, paper, home visit)",
    channel: "How the answers were collected",
    choose_channel: "Choose how the answers were collected",
    location_heading: "Location (optional)",
    location_hint: "On a home visit you may give the latitude and longitude (WGS-84, as phones report them), to check that answers come from the community.",
    lat: "Latitude",
    lon: "Longitude",
    bad_location: "Latitude must be between -90 and 90 and longitude between -180 and 180; give both or neither",
    save_answer: "Save these answers",
    saved: "One household's answers were saved. You can enter the next.",
    saved_again: "These answers had been saved already; they were not counted again.",
    saved_held: "The answers were saved. They tripped a fraud signal, so they are held until a district officer checks them.",
    results_heading: "Satisfaction survey",
    settings_heading: "Survey settings",
    questionnaire: "Questionnaire",
    quota: "Sample size required",
    updated: "Last changed",
    no_survey: "This round has no satisfaction survey yet.",
    quota_label: "Households each community needs at least",
    quota_hint: "A dimension with fewer households than this is not scored; its clauses show as not assessed.",
    bad_quota: "The sample size must be a whole number between 0 and 100000",
    save_settings: "Save the settings",
    open_survey: "Start the survey",
    settings_saved: "The survey settings were saved.",
    export: "Download Excel",
    fraud_link: "Fraud signals",
    enter_link: "Enter phone, paper and home-visit answers",
    link_heading: "Residents' link",
    link_intro: "Residents open this link on their phone, or scan the QR code on the poster; no account is needed.",
    poster: "Print the QR-code poster (A4)",
    make_link: "Make the residents' link",
    no_link: "This community has no residents' link yet.",
    summary_heading: "Summary",
    respondents: "Households answered",
    overall: "Overall satisfaction",
    overall_note: "All dimensions' answers pooled; shown only, never scored",
    survey_points: "Survey points",
    channels: "How answers came in",
    dimensions_heading: "Satisfaction by dimension",
    chart_caption: "Chart: satisfaction by dimension (whiskers: 95% confidence interval; dashed line: the standard's threshold). The numbers are in the table below.",
    dimensions_table: "Satisfaction by dimension (the chart's numbers)",
    dimension: "Dimension",
    sample: "Sample (households)",
    satisfied_of_counted: "Satisfied / counted",
    not_counted: "Don't know",
    rate: "Rate",
    interval: "95% confidence interval",
    standard_check: "Standard's clauses",
    questions_heading: "Answers by question",
    answer: "Answer",
    count: "Count",
    share: "Share",
    bar: "Bar",
    communities_heading: "Communities",
    fraud_heading: "Fraud signals",
    fraud_intro: "Answers that trip these signals are held: they count towards neither the results nor the rating until a district officer accepts them (or rejects them) in the review list.",
    too_many: "Too many answers: choose a street or a community.",
    no_answers: "No answers yet.",
    answers_unit: "answers",
    bursts: "Bursts from one source",
    patterns: "Identical answer patterns",
    outside: "Outside the community",
    source: "Source (hashed)",
    pattern: "Answers",
    from: "From",
    to: "To",
    area_heading: "Community area (circle)",
    area_hint: "Centre latitude and longitude (WGS-84) and radius in metres, to check located answers.",
    radius: "Radius (metres)",
    save_area: "Save the area",
    area_saved: "The community area was saved.",
    poster_call: "Scan the QR code with your phone to answer",
    poster_qr: "QR code of the questionnaire",
    print_hint: "Use your browser's Print command, on A4 paper.",
};

fn words(lang: Lang) -> &'static Words {
    if lang.is_en() { &EN } else { &ZH }
}

/// Picks a questionnaire text in the page's language.
fn local<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    lang.pick(zh, en.unwrap_or(zh))
}

fn random_client_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The answers in a form (`a_Q1=…`), blank ones left out, as typed.
fn raw_answers(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    let mut answers = BTreeMap::new();
    for (key, value) in pairs {
        if let Some(question) = key.strip_prefix("a_")
            && !value.trim().is_empty()
        {
            answers.insert(question.to_string(), value.clone());
        }
    }
    answers
}

/// The typed answers as the core reads them: an option for a rated question, text otherwise.
fn responses(q: &Questionnaire, raw: &BTreeMap<String, String>) -> BTreeMap<String, Answer> {
    raw.iter()
        .map(|(id, value)| {
            let response = match q.question(id).map(|question| &question.kind) {
                Some(QuestionKind::Text { .. }) => Answer::Text(value.clone()),
                _ => Answer::Choice(value.trim().to_string()),
            };
            (id.clone(), response)
        })
        .collect()
}

fn submission_message(lang: Lang, error: &SubmissionError) -> String {
    if lang.is_en() {
        let text = error.to_string();
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        }
    } else {
        error.zh()
    }
}

/// A question as a form shows it.
pub struct QuestionView {
    pub id: String,
    pub text: String,
    /// `choice` or `text`.
    pub kind: &'static str,
    /// (element id, value, label).
    pub options: Vec<(String, String, String)>,
    pub value: String,
    pub hint: String,
    pub error: Option<String>,
}

fn question_view(
    lang: Lang,
    q: &Questionnaire,
    question: &Question,
    value: &str,
    error: Option<String>,
) -> QuestionView {
    let w = words(lang);
    let options = q
        .scale_of(question)
        .map(|scale| {
            scale
                .options
                .iter()
                .map(|o| {
                    (
                        format!("o-{}-{}", question.id, o.id),
                        o.id.clone(),
                        local(lang, &o.label, o.label_en.as_deref()).to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (kind, hint) = match question.kind {
        QuestionKind::Text { max_chars } => (
            "text",
            if lang.is_en() {
                format!("At most {max_chars} characters. {}", w.text_hint)
            } else {
                format!("最多 {max_chars} 个字。{}", w.text_hint)
            },
        ),
        QuestionKind::Rated { .. } => ("choice", String::new()),
    };
    QuestionView {
        id: question.id.clone(),
        text: local(lang, &question.text, question.text_en.as_deref()).to_string(),
        kind,
        options,
        value: value.to_string(),
        hint,
        error,
    }
}

pub struct Message {
    pub heading: String,
    pub text: String,
    pub alert: bool,
    pub again: Option<String>,
}

#[derive(Template)]
#[template(path = "survey_resident.html")]
struct ResidentPage {
    page: Page,
    w: &'static Words,
    token: String,
    community: String,
    title: String,
    message: Option<Message>,
    errors: Vec<(String, String)>,
    intro: Option<String>,
    progress: String,
    client_token: String,
    step: usize,
    hidden: Vec<(String, String)>,
    question: Option<QuestionView>,
    household_error: Option<String>,
    phone: String,
    code: String,
    review: Vec<(String, String)>,
}

/// What a resident screen shows.
struct Screen<'a> {
    survey: &'a RoundSurvey,
    link: &'a service::LinkInfo,
    token: &'a str,
    client_token: String,
    answers: BTreeMap<String, String>,
    phone: String,
    code: String,
}

fn resident_message(
    jar: &CookieJar,
    lang: Lang,
    token: &str,
    community: &str,
    title: &str,
    message: Message,
) -> Result<Response, AppError> {
    render(ResidentPage {
        page: Page::new(jar, None, &format!("/s/{token}"), message.heading.clone()),
        w: words(lang),
        token: token.to_string(),
        community: community.to_string(),
        title: title.to_string(),
        message: Some(message),
        errors: Vec::new(),
        intro: None,
        progress: String::new(),
        client_token: String::new(),
        step: 0,
        hidden: Vec::new(),
        question: None,
        household_error: None,
        phone: String::new(),
        code: String::new(),
        review: Vec::new(),
    })
}

/// Renders screen `step` (0-based: the questions, then the household screen).
fn resident_screen(
    jar: &CookieJar,
    lang: Lang,
    screen: &Screen<'_>,
    step: usize,
    error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let w = words(lang);
    let q = &screen.survey.questionnaire;
    let total = q.questions.len() + 1;
    let step = step.min(total - 1);
    let title = local(lang, &q.title, q.title_en.as_deref()).to_string();
    let current = q.questions.get(step);
    let hidden: Vec<(String, String)> = screen
        .answers
        .iter()
        .filter(|(id, _)| current.is_none_or(|question| question.id != **id))
        .map(|(id, value)| (format!("a_{id}"), value.clone()))
        .collect();
    let (question, household_error) = match current {
        Some(question) => {
            let value = screen
                .answers
                .get(&question.id)
                .cloned()
                .unwrap_or_default();
            let error = error.as_ref().map(|(_, message)| message.clone());
            (Some(question_view(lang, q, question, &value, error)), None)
        }
        None => (None, error.as_ref().map(|(_, message)| message.clone())),
    };
    let progress = match current {
        Some(_) => w
            .question_of
            .replace("{n}", &(step + 1).to_string())
            .replace("{total}", &q.questions.len().to_string()),
        None => w.last_step.to_string(),
    };
    let review = if current.is_none() {
        q.questions
            .iter()
            .map(|question| {
                let given = screen.answers.get(&question.id);
                let shown = match (given, q.scale_of(question)) {
                    (Some(value), Some(scale)) => scale
                        .option(value)
                        .map(|o| local(lang, &o.label, o.label_en.as_deref()).to_string())
                        .unwrap_or_else(|| value.clone()),
                    (Some(value), None) => value.clone(),
                    (None, _) => w.not_answered.to_string(),
                };
                (
                    local(lang, &question.text, question.text_en.as_deref()).to_string(),
                    shown,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let heading = match &question {
        Some(view) => view.text.clone(),
        None => w.household_heading.to_string(),
    };
    let mut response = render(ResidentPage {
        page: Page::new(jar, None, &format!("/s/{}", screen.token), heading),
        w,
        token: screen.token.to_string(),
        community: screen.link.community_name.clone(),
        title,
        message: None,
        errors: error.into_iter().collect(),
        intro: (step == 0)
            .then(|| {
                q.intro
                    .as_deref()
                    .map(|i| local(lang, i, q.intro_en.as_deref()))
            })
            .flatten()
            .map(str::to_string),
        progress,
        client_token: screen.client_token.clone(),
        step,
        hidden,
        question,
        household_error,
        phone: screen.phone.clone(),
        code: screen.code.clone(),
        review,
    })?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    Ok(response)
}

/// The link and the round's survey, or the message page that says why there is none.
async fn resident_context(
    state: &AppState,
    jar: &CookieJar,
    lang: Lang,
    token: &str,
) -> Result<Result<(service::LinkInfo, std::sync::Arc<RoundSurvey>), Response>, AppError> {
    let w = words(lang);
    let Some(link) = service::link(state, token).await? else {
        let mut page = resident_message(
            jar,
            lang,
            token,
            "",
            "",
            Message {
                heading: w.no_link_heading.into(),
                text: w.no_link_text.into(),
                alert: true,
                again: None,
            },
        )?;
        *page.status_mut() = StatusCode::NOT_FOUND;
        return Ok(Err(page));
    };
    let Some(survey) = service::cached_round_survey(state, &link.round_id).await? else {
        let mut page = resident_message(
            jar,
            lang,
            token,
            &link.community_name,
            "",
            Message {
                heading: w.no_link_heading.into(),
                text: w.not_started.into(),
                alert: true,
                again: None,
            },
        )?;
        *page.status_mut() = StatusCode::NOT_FOUND;
        return Ok(Err(page));
    };
    Ok(Ok((link, survey)))
}

/// GET /s/{token}: the first question, with the questionnaire's introduction.
pub async fn resident_start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let (link, survey) = match resident_context(&state, &jar, lang, &token).await? {
            Ok(found) => found,
            Err(page) => return Ok(page),
        };
        let screen = Screen {
            survey: &survey,
            link: &link,
            token: &token,
            client_token: random_client_token(),
            answers: BTreeMap::new(),
            phone: String::new(),
            code: String::new(),
        };
        resident_screen(&jar, lang, &screen, 0, None)
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, None, e))
}

/// POST /s/{token}: the next or previous screen, or the answers sent.
pub async fn resident_post(
    State(state): State<AppState>,
    jar: CookieJar,
    peer: PeerAddress,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = resident_post_inner(&state, &jar, lang, peer, &token, &pairs).await;
    result.unwrap_or_else(|e| error_page(&jar, None, e))
}

async fn resident_post_inner(
    state: &AppState,
    jar: &CookieJar,
    lang: Lang,
    peer: PeerAddress,
    token: &str,
    pairs: &[(String, String)],
) -> Result<Response, AppError> {
    let w = words(lang);
    let (link, survey) = match resident_context(state, jar, lang, token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let q = survey.questionnaire.clone();
    let sent_token = field(pairs, "ct");
    let client_token = if xingfu_core::survey::household::is_valid_client_token(sent_token) {
        sent_token.to_string()
    } else {
        random_client_token()
    };
    let screen = Screen {
        survey: &survey,
        link: &link,
        token,
        client_token,
        answers: raw_answers(pairs),
        phone: field(pairs, "phone").to_string(),
        code: field(pairs, "code").to_string(),
    };
    let step: usize = field(pairs, "step").parse().unwrap_or(0);
    let household_step = q.questions.len();
    // The errors of the whole form, by question.
    let check = || {
        xingfu_core::survey::check_submission(
            &q,
            xingfu_core::survey::Submission {
                questionnaire: q.id.clone(),
                version: q.version.clone(),
                channel: Channel::ResidentLink,
                answers: responses(&q, &screen.answers),
            },
        )
    };
    let error_at = |question: &str, error: &SubmissionError| {
        let message = match error {
            SubmissionError::Missing { .. } => w.answer_this.to_string(),
            other => submission_message(lang, other),
        };
        (format!("f-{question}"), message)
    };
    match field(pairs, "nav") {
        "back" => resident_screen(jar, lang, &screen, step.saturating_sub(1), None),
        "submit" => {
            if let Err(errors) = check() {
                // Back to the first question with a problem.
                for (index, question) in q.questions.iter().enumerate() {
                    if let Some(error) = errors
                        .iter()
                        .find(|e| e.question() == Some(question.id.as_str()))
                    {
                        return resident_screen(
                            jar,
                            lang,
                            &screen,
                            index,
                            Some(error_at(&question.id, error)),
                        );
                    }
                }
                let message = errors
                    .first()
                    .map(|e| submission_message(lang, e))
                    .unwrap_or_default();
                return resident_screen(jar, lang, &screen, 0, Some(("f-Q".into(), message)));
            }
            let household = if screen.phone.trim().is_empty() {
                HouseholdId::code(&screen.code)
            } else {
                HouseholdId::phone(&screen.phone)
            };
            let household = match household {
                Ok(household) => household,
                Err(error) => {
                    let message = if lang.is_en() {
                        error.to_string()
                    } else {
                        error.zh()
                    };
                    return resident_screen(
                        jar,
                        lang,
                        &screen,
                        household_step,
                        Some(("phone".into(), message)),
                    );
                }
            };
            let outcome = service::submit(
                state,
                &survey,
                &link.community_code,
                responses(&q, &screen.answers),
                Respondent {
                    client_token: &screen.client_token,
                    household,
                    channel: Channel::ResidentLink,
                    entered_by: None,
                    address: peer.0,
                    location: None,
                },
            )
            .await;
            let title = local(lang, &q.title, q.title_en.as_deref()).to_string();
            let refused = |message: Message| -> Result<Response, AppError> {
                let mut page =
                    resident_message(jar, lang, token, &link.community_name, &title, message)?;
                *page.status_mut() = StatusCode::CONFLICT;
                Ok(page)
            };
            match outcome {
                Ok(RecordOutcome::Accepted | RecordOutcome::AlreadyRecorded) => {
                    Ok(Redirect::to(&format!("/s/{token}/done")).into_response())
                }
                // Received, to be checked: said plainly, without suspicion.
                Ok(RecordOutcome::Held) => {
                    Ok(Redirect::to(&format!("/s/{token}/done?checked=1")).into_response())
                }
                Err(SubmitError::Household(error)) => resident_screen(
                    jar,
                    lang,
                    &screen,
                    household_step,
                    Some((
                        "phone".into(),
                        lang.pick(&error.zh(), &error.to_string()).into(),
                    )),
                ),
                Ok(RecordOutcome::Refused { reason }) => refused(Message {
                    heading: w.refused_heading.into(),
                    text: lang.pick(reason.zh(), reason.en()).into(),
                    alert: true,
                    again: matches!(
                        reason,
                        xingfu_core::survey::household::Refusal::TokenOfAnotherHousehold
                    )
                    .then(|| format!("/s/{token}")),
                }),
                Ok(RecordOutcome::Closed { .. }) => refused(Message {
                    heading: w.closed_heading.into(),
                    text: w.closed.into(),
                    alert: true,
                    again: None,
                }),
                Err(SubmitError::App(e)) => Err(e),
                Err(SubmitError::Answers(errors)) => {
                    let message = errors
                        .first()
                        .map(|e| submission_message(lang, e))
                        .unwrap_or_default();
                    resident_screen(jar, lang, &screen, 0, Some(("f-Q".into(), message)))
                }
                Err(SubmitError::ClientToken | SubmitError::Location) => {
                    Err(AppError::Forbidden("csrf".into()))
                }
            }
        }
        // "next", or Enter pressed in a field.
        _ => {
            if let Some(question) = q.questions.get(step)
                && let Err(errors) = check()
                && let Some(error) = errors
                    .iter()
                    .find(|e| e.question() == Some(question.id.as_str()))
            {
                return resident_screen(
                    jar,
                    lang,
                    &screen,
                    step,
                    Some(error_at(&question.id, error)),
                );
            }
            resident_screen(jar, lang, &screen, (step + 1).min(household_step), None)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    checked: Option<String>,
}

/// GET /s/{token}/done: the thanks after an answer is recorded (or received to be checked).
pub async fn resident_done(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let result = async {
        let (link, survey) = match resident_context(&state, &jar, lang, &token).await? {
            Ok(found) => found,
            Err(page) => return Ok(page),
        };
        let q = &survey.questionnaire;
        resident_message(
            &jar,
            lang,
            &token,
            &link.community_name,
            local(lang, &q.title, q.title_en.as_deref()),
            Message {
                heading: w.thanks_heading.into(),
                text: if query.checked.is_some() {
                    w.thanks_checked.into()
                } else {
                    w.thanks.into()
                },
                alert: false,
                again: None,
            },
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, None, e))
}

#[derive(Template)]
#[template(path = "survey_enter.html")]
struct EnterPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    code: String,
    community: String,
    title: String,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    csrf: String,
    client_token: String,
    channels: Vec<(String, String)>,
    channel: String,
    channel_error: Option<String>,
    questions: Vec<QuestionView>,
    household_error: Option<String>,
    phone: String,
    household_code: String,
    location_error: Option<String>,
    lat: String,
    lon: String,
}

#[derive(Deserialize, Default)]
pub struct EnterQuery {
    #[serde(default)]
    saved: Option<String>,
}

struct EnterForm {
    client_token: String,
    channel: String,
    answers: BTreeMap<String, String>,
    phone: String,
    code: String,
    lat: String,
    lon: String,
}

#[allow(clippy::too_many_arguments)]
async fn enter_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    code: &str,
    form: EnterForm,
    errors: Vec<(String, String)>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let w = words(lang);
    service::may_enter(user, code, lang.is_en())?;
    let survey = service::round_survey(state, round_id)
        .await?
        .ok_or_else(|| AppError::Conflict(w.no_survey.into()))?;
    let q = &survey.questionnaire;
    let community = state
        .store
        .region(code)
        .await?
        .map(|r| r.name)
        .unwrap_or_else(|| code.to_string());
    let error_for = |anchor: &str| {
        errors
            .iter()
            .find(|(a, _)| a == anchor)
            .map(|(_, m)| m.clone())
    };
    let questions = q
        .questions
        .iter()
        .map(|question| {
            let value = form.answers.get(&question.id).cloned().unwrap_or_default();
            question_view(
                lang,
                q,
                question,
                &value,
                error_for(&format!("f-{}", question.id)),
            )
        })
        .collect();
    let channels = Channel::ALL
        .into_iter()
        .filter(|c| c.staff_entered())
        .map(|c| (c.key().to_string(), lang.pick(c.zh(), c.en()).to_string()))
        .collect();
    let title = local(lang, &q.title, q.title_en.as_deref()).to_string();
    render(EnterPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/surveys/{code}/enter"),
            w.enter_heading,
        ),
        w,
        round_id: round_id.to_string(),
        code: code.to_string(),
        community,
        title,
        channel_error: error_for("f-channel"),
        household_error: error_for("phone"),
        location_error: error_for("lat"),
        errors,
        notice,
        csrf: user.csrf.clone(),
        client_token: form.client_token,
        channels,
        channel: form.channel,
        questions,
        phone: form.phone,
        household_code: form.code,
        lat: form.lat,
        lon: form.lon,
    })
}

/// GET /rounds/{round}/surveys/{code}/enter: a blank staff form.
pub async fn enter_show(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<EnterQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let notice = match query.saved.as_deref() {
        Some("again") => Some(w.saved_again.to_string()),
        Some("held") => Some(w.saved_held.to_string()),
        Some(_) => Some(w.saved.to_string()),
        None => None,
    };
    let form = EnterForm {
        client_token: random_client_token(),
        channel: Channel::Phone.key().to_string(),
        answers: BTreeMap::new(),
        phone: String::new(),
        code: String::new(),
        lat: String::new(),
        lon: String::new(),
    };
    enter_page(
        &state,
        &jar,
        &user,
        lang,
        &round_id,
        &code,
        form,
        Vec::new(),
        notice,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// A latitude and longitude typed into two fields: both empty is "no location".
fn typed_location(lat: &str, lon: &str) -> Result<Option<GeoPoint>, ()> {
    match (lat.trim(), lon.trim()) {
        ("", "") => Ok(None),
        (lat, lon) => {
            let point = GeoPoint {
                lat: lat.parse().map_err(|_| ())?,
                lon: lon.parse().map_err(|_| ())?,
            };
            if point.is_valid() {
                Ok(Some(point))
            } else {
                Err(())
            }
        }
    }
}

/// POST /rounds/{round}/surveys/{code}/enter: one household's answers entered by staff.
pub async fn enter_save(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    peer: PeerAddress,
    Path((round_id, code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = enter_save_inner(&state, &jar, &user, lang, peer, &round_id, &code, &pairs).await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[allow(clippy::too_many_arguments)]
async fn enter_save_inner(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    lang: Lang,
    peer: PeerAddress,
    round_id: &str,
    code: &str,
    pairs: &[(String, String)],
) -> Result<Response, AppError> {
    let w = words(lang);
    user.check_csrf(field(pairs, "csrf"))?;
    let en = lang.is_en();
    service::may_enter(user, code, en)?;
    let survey = service::round_survey(state, round_id)
        .await?
        .ok_or_else(|| AppError::Conflict(w.no_survey.into()))?;
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !xingfu_core::region::within(
        code,
        &round.region_code,
        &xingfu_core::region::level_of_code(&round.region_code).to_string(),
    ) || state
        .store
        .region(code)
        .await?
        .is_none_or(|r| r.level != "community")
    {
        return Err(AppError::BadRequest(
            lang.pick(
                "该社区不在本评选年度的范围内",
                "this community is outside the round's area",
            )
            .into(),
        ));
    }
    let sent_token = field(pairs, "ct");
    let form = EnterForm {
        client_token: if xingfu_core::survey::household::is_valid_client_token(sent_token) {
            sent_token.to_string()
        } else {
            random_client_token()
        },
        channel: field(pairs, "channel").to_string(),
        answers: raw_answers(pairs),
        phone: field(pairs, "phone").to_string(),
        code: field(pairs, "code").to_string(),
        lat: field(pairs, "lat").to_string(),
        lon: field(pairs, "lon").to_string(),
    };
    let q = survey.questionnaire.clone();
    let mut errors: Vec<(String, String)> = Vec::new();
    let channel = Channel::parse(&form.channel).filter(|c| c.staff_entered());
    if channel.is_none() {
        errors.push(("f-channel".into(), w.choose_channel.into()));
    }
    let answers = responses(&q, &form.answers);
    if let Err(problems) = xingfu_core::survey::check_submission(
        &q,
        xingfu_core::survey::Submission {
            questionnaire: q.id.clone(),
            version: q.version.clone(),
            channel: channel.unwrap_or(Channel::Phone),
            answers: answers.clone(),
        },
    ) {
        for problem in &problems {
            let anchor = problem
                .question()
                .map(|id| format!("f-{id}"))
                .unwrap_or_else(|| "f-channel".into());
            errors.push((anchor, submission_message(lang, problem)));
        }
    }
    let household = if form.phone.trim().is_empty() {
        HouseholdId::code(&form.code)
    } else {
        HouseholdId::phone(&form.phone)
    };
    let household = household
        .map_err(|e| errors.push(("phone".into(), if en { e.to_string() } else { e.zh() })))
        .ok();
    let location = typed_location(&form.lat, &form.lon)
        .map_err(|_| errors.push(("lat".into(), w.bad_location.into())))
        .ok()
        .flatten();
    let (Some(channel), Some(household), true) = (channel, household, errors.is_empty()) else {
        let mut page =
            enter_page(state, jar, user, lang, round_id, code, form, errors, None).await?;
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    };
    let outcome = service::submit(
        state,
        &survey,
        code,
        answers,
        Respondent {
            client_token: &form.client_token,
            household,
            channel,
            entered_by: Some(&user.user.username),
            address: peer.0,
            location,
        },
    )
    .await;
    let refused = |message: String, anchor: &str| (anchor.to_string(), message);
    let problem = match outcome {
        Ok(RecordOutcome::Accepted) => {
            return Ok(
                Redirect::to(&format!("/rounds/{round_id}/surveys/{code}/enter?saved=1"))
                    .into_response(),
            );
        }
        Ok(RecordOutcome::AlreadyRecorded) => {
            return Ok(Redirect::to(&format!(
                "/rounds/{round_id}/surveys/{code}/enter?saved=again"
            ))
            .into_response());
        }
        Ok(RecordOutcome::Held) => {
            return Ok(Redirect::to(&format!(
                "/rounds/{round_id}/surveys/{code}/enter?saved=held"
            ))
            .into_response());
        }
        Err(SubmitError::Household(error)) => {
            refused(if en { error.to_string() } else { error.zh() }, "phone")
        }
        Ok(RecordOutcome::Refused { reason }) => {
            refused(lang.pick(reason.zh(), reason.en()).into(), "phone")
        }
        Ok(RecordOutcome::Closed { .. }) => refused(w.closed.into(), "f-channel"),
        Err(SubmitError::App(e)) => return Err(e),
        Err(SubmitError::Answers(problems)) => refused(
            problems
                .first()
                .map(|p| submission_message(lang, p))
                .unwrap_or_default(),
            "f-channel",
        ),
        Err(SubmitError::ClientToken) => return Err(AppError::Forbidden("csrf".into())),
        Err(SubmitError::Location) => refused(w.bad_location.into(), "lat"),
    };
    let mut page = enter_page(
        state,
        jar,
        user,
        lang,
        round_id,
        code,
        form,
        vec![problem],
        None,
    )
    .await?;
    *page.status_mut() = StatusCode::CONFLICT;
    Ok(page)
}

/// A rate as a page shows it.
pub struct RateView {
    pub percent: String,
    pub fraction: String,
    pub not_counted: u64,
    pub interval: String,
}

/// A rate in percent with two decimals (`86.20%`), as every table and chart shows it.
fn percent_2(percent: xingfu_core::Dec2) -> String {
    let hundredths = percent.hundredths();
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

fn percent_text(summary: &RateSummary) -> String {
    summary.percent.map(percent_2).unwrap_or_else(|| "—".into())
}

fn rate_view(summary: &RateSummary) -> RateView {
    RateView {
        percent: percent_text(summary),
        fraction: format!("{} / {}", summary.satisfied, summary.counted),
        not_counted: summary.not_counted,
        interval: summary
            .wilson
            .map(|i| format!("{:.2}%–{:.2}%", i.low, i.high))
            .unwrap_or_else(|| "—".into()),
    }
}

pub struct DimensionRow {
    pub name: String,
    pub sample: String,
    pub fraction: String,
    pub not_counted: u64,
    pub percent: String,
    pub interval: String,
    pub checks: Vec<String>,
}

pub struct OptionRow {
    pub label: String,
    pub count: u64,
    pub share: String,
    /// Bar width out of 200.
    pub width: u64,
}

pub struct QuestionRows {
    pub id: String,
    pub text: String,
    pub rows: Vec<OptionRow>,
}

pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub respondents: u64,
    pub quota: String,
    pub overall: String,
    pub dimensions: Vec<String>,
}

pub struct ResultsView {
    pub respondents: u64,
    /// Counted, held and rejected answers, and that the rating uses the counted ones only.
    pub review_line: String,
    pub quota_line: Option<String>,
    pub overall: RateView,
    pub survey_points: Option<String>,
    pub channels: Vec<(String, u64)>,
    pub chart: String,
    pub dimensions: Vec<DimensionRow>,
    pub questions: Vec<QuestionRows>,
    pub dimension_names: Vec<String>,
    pub communities: Vec<CommunityRow>,
}

pub struct SettingsView {
    pub questionnaire: String,
    pub quota: i64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "survey_results.html")]
struct ResultsPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    round_heading: String,
    area_code: String,
    area_name: String,
    is_community: bool,
    up: Option<(String, String)>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    settings: Option<SettingsView>,
    /// csrf, the version read, the quota shown.
    settings_form: Option<(String, i64, String)>,
    results: Option<ResultsView>,
    link: Option<(String, String)>,
    link_form: Option<String>,
    enter_href: Option<String>,
    fraud_href: Option<String>,
    review_href: Option<String>,
    review_link: &'static str,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dimensions' rates as horizontal bars, with their Wilson intervals and the standard's
/// thresholds: an SVG the server draws, hidden from screen readers (the table carries the same
/// numbers).
fn dimension_chart(lang: Lang, report: &SurveyReport<'_>) -> String {
    let label_width = 190.0;
    let bar_width = 400.0;
    let row = 44.0;
    let top = 24.0;
    let height = top + row * report.dimensions.len() as f64 + 8.0;
    let x = |percent: f64| label_width + bar_width * percent.clamp(0.0, 100.0) / 100.0;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 {height}" width="100%" style="max-width:680px" aria-hidden="true" focusable="false" font-size="14" font-family="sans-serif">"##
    );
    for tick in [0.0, 50.0, 90.0, 100.0] {
        svg.push_str(&format!(
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#b1b4b6" stroke-width="1"/><text x="{0}" y="16" text-anchor="middle" fill="#444">{3}%</text>"##,
            x(tick),
            top - 4.0,
            height - 4.0,
            tick
        ));
    }
    for (index, dimension) in report.dimensions.iter().enumerate() {
        let y = top + row * index as f64;
        let name = local(lang, dimension.name, dimension.name_en);
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" fill="#111">{}</text>"##,
            label_width - 8.0,
            y + 22.0,
            escape(name)
        ));
        svg.push_str(&format!(
            r##"<rect x="{label_width}" y="{}" width="{bar_width}" height="22" fill="#f3f2f1" stroke="#767676" stroke-width="1"/>"##,
            y + 6.0
        ));
        if let Some(percent) = dimension.rate.percent {
            let value = percent.to_f64();
            svg.push_str(&format!(
                r##"<rect x="{label_width}" y="{}" width="{}" height="22" fill="#0b4f9c"/>"##,
                y + 6.0,
                x(value) - label_width
            ));
            svg.push_str(&format!(
                r##"<text x="{}" y="{}" fill="#111" font-weight="bold">{}</text>"##,
                label_width + bar_width + 10.0,
                y + 22.0,
                percent_2(percent)
            ));
        }
        if let Some(interval) = dimension.rate.wilson {
            let (low, high) = (x(interval.low), x(interval.high));
            let mid = y + 17.0;
            svg.push_str(&format!(
                r##"<line x1="{low}" y1="{mid}" x2="{high}" y2="{mid}" stroke="#ffbf47" stroke-width="3"/><line x1="{low}" y1="{}" x2="{low}" y2="{}" stroke="#ffbf47" stroke-width="3"/><line x1="{high}" y1="{}" x2="{high}" y2="{}" stroke="#ffbf47" stroke-width="3"/>"##,
                mid - 5.0,
                mid + 5.0,
                mid - 5.0,
                mid + 5.0
            ));
        }
        for clause in &dimension.clauses {
            if let SurveyScoring::Threshold { threshold } = clause.scoring {
                let at = x(threshold.to_f64());
                svg.push_str(&format!(
                    r##"<line x1="{at}" y1="{}" x2="{at}" y2="{}" stroke="#b00020" stroke-width="2" stroke-dasharray="4 3"/>"##,
                    y + 2.0,
                    y + 32.0
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn withheld_text(lang: Lang, reason: WithheldReason) -> String {
    if lang.is_en() {
        reason.en()
    } else {
        reason.zh()
    }
}

/// The report of an area as tables and a chart.
fn results_view(lang: Lang, results: &service::AreaResults) -> Result<ResultsView, AppError> {
    let is_community = results.area.level == "community";
    let q = &results.survey.questionnaire;
    let report = report(q, &results.tally, Some(&results.standard), results.quota)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("survey report: {e}")))?;
    let en = lang.is_en();
    let dimensions = report
        .dimensions
        .iter()
        .map(|d| {
            let mut checks = Vec::new();
            for clause in &d.clauses {
                let mut line = match clause.scoring {
                    SurveyScoring::Threshold { threshold } => {
                        let verdict = match clause.met {
                            Some(true) => lang.pick("达到", "met").to_string(),
                            Some(false) => {
                                let short = clause
                                    .satisfied_needed
                                    .unwrap_or(0)
                                    .saturating_sub(d.rate.satisfied);
                                if en {
                                    format!("not met ({short} more satisfied answers needed)")
                                } else {
                                    format!("未达到(还差 {short} 个满意的回答)")
                                }
                            }
                            None => lang.pick("没有有效回答", "no counted answer").to_string(),
                        };
                        format!("{} ≥ {threshold}%:{verdict}", clause.clause)
                    }
                    SurveyScoring::Proportional => {
                        format!(
                            "{} {}",
                            clause.clause,
                            lang.pick("按满意率比例计分", "scored in proportion to the rate")
                        )
                    }
                };
                // Points belong to a community's entry; an area shows its rates only.
                match (clause.earned, clause.withheld) {
                    _ if !is_community => {}
                    (_, Some(reason)) => {
                        line.push_str(&format!(
                            "{}{}",
                            lang.pick(";未评估:", "; not assessed: "),
                            withheld_text(lang, reason)
                        ));
                    }
                    (Some(earned), None) => line.push_str(&format!(
                        "{}{earned} / {}",
                        lang.pick(";得分 ", "; points "),
                        clause.max
                    )),
                    (None, None) => {}
                }
                checks.push(line);
            }
            let sample = match d.quota {
                Some(quota) if !quota.met => format!(
                    "{} ({})",
                    d.respondents,
                    if en {
                        format!("{} short of {}", quota.short, quota.need)
                    } else {
                        format!("距要求 {} 户还差 {} 户", quota.need, quota.short)
                    }
                ),
                _ => d.respondents.to_string(),
            };
            let rate = rate_view(&d.rate);
            DimensionRow {
                name: local(lang, d.name, d.name_en).to_string(),
                sample,
                fraction: rate.fraction,
                not_counted: rate.not_counted,
                percent: rate.percent,
                interval: rate.interval,
                checks,
            }
        })
        .collect();
    let questions = report
        .questions
        .iter()
        .filter(|question| !question.options.is_empty())
        .map(|question| {
            let total: u64 = question.options.iter().map(|o| o.count).sum();
            let text = q
                .question(question.id)
                .map(|full| local(lang, &full.text, full.text_en.as_deref()))
                .unwrap_or(question.text);
            QuestionRows {
                id: question.id.to_string(),
                text: text.to_string(),
                rows: question
                    .options
                    .iter()
                    .map(|o| {
                        let mut label = local(lang, o.label, o.label_en).to_string();
                        if o.counts == Counts::NotCounted {
                            label.push_str(lang.pick("(不计入满意率)", " (not in the rate)"));
                        }
                        OptionRow {
                            label,
                            count: o.count,
                            share: if total == 0 {
                                "—".into()
                            } else {
                                format!("{:.1}%", o.count as f64 * 100.0 / total as f64)
                            },
                            width: (o.count * 200).checked_div(total).unwrap_or(0),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let quota = results.survey.quota();
    let communities = if results.area.level == "community" {
        Vec::new()
    } else {
        results
            .communities
            .iter()
            .map(|c| {
                let check = quota.check(c.tally.respondents());
                let dimensions = q
                    .dimensions
                    .iter()
                    .map(|d| {
                        dimension_rate(q, &c.tally, &d.id)
                            .0
                            .percent()
                            .map(percent_2)
                            .unwrap_or_else(|| "—".into())
                    })
                    .collect();
                let overall = q
                    .dimensions
                    .iter()
                    .map(|d| dimension_rate(q, &c.tally, &d.id).0)
                    .fold(xingfu_core::survey::Rate::default(), |sum, rate| {
                        xingfu_core::survey::Rate {
                            satisfied: sum.satisfied.saturating_add(rate.satisfied),
                            counted: sum.counted.saturating_add(rate.counted),
                        }
                    });
                CommunityRow {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    respondents: c.tally.respondents(),
                    quota: if check.met {
                        lang.pick("达到", "met").to_string()
                    } else if en {
                        format!("{} short", check.short)
                    } else {
                        format!("差 {} 户", check.short)
                    },
                    overall: overall
                        .percent()
                        .map(percent_2)
                        .unwrap_or_else(|| "—".into()),
                    dimensions,
                }
            })
            .collect()
    };
    let review_line = if en {
        format!(
            "Counted: {}; held for review: {}; rejected: {}. The results and the rating use counted answers only.",
            report.respondents, results.review.held, results.review.rejected
        )
    } else {
        format!(
            "已计入 {} 份\u{ff1b}待核实 {} 份\u{ff1b}不予计入 {} 份\u{3002}结果和评分只用已计入的答卷\u{3002}",
            report.respondents, results.review.held, results.review.rejected
        )
    };
    Ok(ResultsView {
        review_line,
        respondents: report.respondents,
        quota_line: report.quota.map(|quota| {
            if quota.met {
                if en {
                    format!("quota of {} met", quota.need)
                } else {
                    format!("达到样本量要求 {} 户", quota.need)
                }
            } else if en {
                format!("{} short of the quota of {}", quota.short, quota.need)
            } else {
                format!("距样本量要求 {} 户还差 {} 户", quota.need, quota.short)
            }
        }),
        overall: rate_view(&report.overall),
        survey_points: report
            .survey_points
            .filter(|_| is_community)
            .map(|p| p.to_string()),
        channels: report
            .channels
            .iter()
            .map(|c| {
                (
                    lang.pick(c.channel.zh(), c.channel.en()).to_string(),
                    c.count,
                )
            })
            .collect(),
        chart: dimension_chart(lang, &report),
        dimensions,
        questions,
        dimension_names: q
            .dimensions
            .iter()
            .map(|d| local(lang, &d.name, d.name_en.as_deref()).to_string())
            .collect(),
        communities,
    })
}

#[derive(Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// The absolute base of resident links: `XINGFU_PUBLIC_URL` when set, else the request's host.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Ok(url) = std::env::var("XINGFU_PUBLIC_URL")
        && !url.trim().is_empty()
    {
        return url.trim().trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// GET /rounds/{round}/surveys: the survey's settings and results for an area (`?area=`), by
/// default the user's own.
pub async fn results(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = match query.saved.as_deref() {
        Some("settings") => Some(words(lang).settings_saved.to_string()),
        Some("area") => Some(words(lang).area_saved.to_string()),
        _ => None,
    };
    results_page(
        &state,
        &jar,
        &headers,
        &user,
        lang,
        &round_id,
        query.area.as_deref(),
        Vec::new(),
        notice,
        None,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[allow(clippy::too_many_arguments)]
async fn results_page(
    state: &AppState,
    jar: &CookieJar,
    headers: &HeaderMap,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    area: Option<&str>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    typed_quota: Option<String>,
) -> Result<Response, AppError> {
    let w = words(lang);
    let en = lang.is_en();
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let may_set = matches!(user.role, Role::CityAdmin | Role::DistrictAdmin)
        && user.actor().covers(&round.region_code);
    let survey = service::round_survey(state, round_id).await?;
    let updated_by = match &survey {
        Some(s) => crate::app::versions::display_name(state, &s.settings.updated_by).await?,
        None => String::new(),
    };
    let settings = survey.as_ref().map(|s| {
        let q = &s.questionnaire;
        SettingsView {
            questionnaire: format!(
                "{}({} {})",
                local(lang, &q.title, q.title_en.as_deref()),
                q.id,
                q.version
            ),
            quota: s.settings.quota,
            updated: format!(
                "{} {}",
                crate::web::page::when(s.settings.updated_at),
                updated_by
            ),
        }
    });
    let settings_form = may_set.then(|| {
        (
            user.csrf.clone(),
            survey.as_ref().map_or(0, |s| s.settings.version),
            typed_quota.unwrap_or_else(|| {
                survey
                    .as_ref()
                    .map(|s| s.settings.quota.to_string())
                    .unwrap_or_else(|| "30".into())
            }),
        )
    });
    let round_region = state
        .store
        .region(&round.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let round_heading = if en {
        format!("Round {} · {round_region}", round.year)
    } else {
        format!("{} 年度 · {round_region}", round.year)
    };
    let (area_code, area_name, is_community, results_view_, up) = if survey.is_some() {
        let results = service::area_results(state, user, round_id, area, en).await?;
        let view = results_view(lang, &results)?;
        let is_community = results.area.level == "community";
        let up = match &results.area.parent {
            Some(parent)
                if user.actor().covers(parent)
                    && xingfu_core::region::within(
                        parent,
                        &round.region_code,
                        &xingfu_core::region::level_of_code(&round.region_code).to_string(),
                    ) =>
            {
                state.store.region(parent).await?.map(|p| (p.code, p.name))
            }
            _ => None,
        };
        (
            results.area.code.clone(),
            results.area.name.clone(),
            is_community,
            Some(view),
            up,
        )
    } else {
        let code = service::default_area(user, &round, en)?;
        let name = state
            .store
            .region(&code)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        (code, name, false, None, None)
    };
    let (link, link_form, enter_href) = if is_community && results_view_.is_some() {
        let link = state
            .store
            .survey_link_for(round_id, &area_code)
            .await?
            .map(|l| {
                (
                    format!("{}/s/{}", public_base(state, headers), l.token),
                    format!("/rounds/{round_id}/surveys/{area_code}/poster"),
                )
            });
        let link_form = (link.is_none() && service::may_publish_link(user, &area_code, en).is_ok())
            .then(|| user.csrf.clone());
        let enter = service::may_enter(user, &area_code, en)
            .is_ok()
            .then(|| format!("/rounds/{round_id}/surveys/{area_code}/enter"));
        (link, link_form, enter)
    } else {
        (None, None, None)
    };
    let fraud_href = (results_view_.is_some()
        && service::may_see_signals(user, &area_code, en).is_ok())
    .then(|| format!("/rounds/{round_id}/surveys/fraud?area={area_code}"));
    // The 待核实 list is per community, for those who see the fraud page.
    let review_href = (is_community && fraud_href.is_some())
        .then(|| format!("/rounds/{round_id}/surveys/{area_code}/review"));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(ResultsPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/surveys"),
            format!("{}:{area_name}", w.results_heading),
        ),
        w,
        round_id: round_id.to_string(),
        round_heading,
        area_code,
        area_name,
        is_community,
        up,
        errors,
        notice,
        settings,
        settings_form,
        results: results_view_,
        link,
        link_form,
        enter_href,
        fraud_href,
        review_href,
        review_link: lang.pick("待核实的答卷", "Answers held for review"),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// POST /rounds/{round}/surveys/settings: open the survey or change its quota.
pub async fn save_settings(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(field(&pairs, "csrf"))?;
        let area = field(&pairs, "area");
        let typed = field(&pairs, "quota").trim();
        let Some(quota) = typed
            .parse::<i64>()
            .ok()
            .filter(|q| (0..=service::MAX_QUOTA).contains(q))
        else {
            return results_page(
                &state,
                &jar,
                &headers,
                &user,
                lang,
                &round_id,
                Some(area),
                vec![("quota".into(), words(lang).bad_quota.into())],
                None,
                Some(typed.to_string()),
            )
            .await;
        };
        // The version the form was read at; a form without one (not from this page) saves
        // over whatever is stored, as the API without `version` does.
        let read_at = field(&pairs, "version").trim().parse::<i64>().ok();
        match service::save_settings(&state, &user, &round_id, quota, read_at, lang.is_en()).await {
            Ok(_) => {}
            // Shown again with the quota as typed, the message saying who changed what, and
            // the version now stored, so a second submit is a deliberate one.
            Err(AppError::Stale(stale)) => {
                let mut page = results_page(
                    &state,
                    &jar,
                    &headers,
                    &user,
                    lang,
                    &round_id,
                    Some(area),
                    vec![("quota".into(), stale.message)],
                    None,
                    Some(typed.to_string()),
                )
                .await?;
                *page.status_mut() = StatusCode::CONFLICT;
                return Ok(page);
            }
            Err(other) => return Err(other),
        }
        Ok(Redirect::to(&format!(
            "/rounds/{round_id}/surveys?area={}&saved=settings",
            crate::app::auth::urlencode(area)
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /rounds/{round}/surveys/{code}/link: make the community's resident link.
pub async fn make_link(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(field(&pairs, "csrf"))?;
        service::resident_link(&state, &user, &round_id, &code, lang.is_en()).await?;
        Ok::<_, AppError>(
            Redirect::to(&format!(
                "/rounds/{round_id}/surveys?area={code}#link-heading"
            ))
            .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[derive(Template)]
#[template(path = "survey_poster.html")]
struct PosterPage {
    lang: &'static str,
    heading: String,
    community: String,
    call: String,
    qr: String,
    qr_label: String,
    url: String,
    facts: Vec<String>,
    back: String,
    back_label: String,
    print_hint: String,
}

/// GET /rounds/{round}/surveys/{code}/poster: the A4 poster with the QR code of the link.
pub async fn poster(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let result = async {
        user.may_view(&code, lang.is_en())?;
        let link = state
            .store
            .survey_link_for(&round_id, &code)
            .await?
            .ok_or(AppError::NotFound)?;
        let survey = service::round_survey(&state, &round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let q = &survey.questionnaire;
        let community = state
            .store
            .region(&code)
            .await?
            .map(|r| r.name)
            .unwrap_or_else(|| code.clone());
        let url = format!("{}/s/{}", public_base(&state, &headers), link.token);
        let minutes = lang.pick("约需两分钟", "About two minutes");
        let facts = vec![
            format!(
                "{}{}",
                local(lang, &q.title, q.title_en.as_deref()),
                if lang.is_en() {
                    format!(": {} questions", q.questions.len())
                } else {
                    format!(",共 {} 题", q.questions.len())
                }
            ),
            lang.pick(
                "每户填写一份,回答不记名",
                "One form per household; answers are anonymous",
            )
            .to_string(),
            minutes.to_string(),
        ];
        render(PosterPage {
            lang: lang.code(),
            heading: local(lang, &q.title, q.title_en.as_deref()).to_string(),
            community,
            call: w.poster_call.into(),
            qr: service::qr_svg(&url)?,
            qr_label: w.poster_qr.into(),
            url,
            facts,
            back: format!("/rounds/{round_id}/surveys?area={code}"),
            back_label: w.back_to_results.into(),
            print_hint: w.print_hint.into(),
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// GET /rounds/{round}/surveys/results.xlsx: the results of an area as a workbook.
pub async fn export(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let results = service::area_results(
            &state,
            &user,
            &round_id,
            query.area.as_deref(),
            lang.is_en(),
        )
        .await?;
        let bytes = service::results_workbook(&results, lang.is_en())?;
        let name = format!("survey-{}-{}.xlsx", results.round.year, results.area.code);
        Ok::<_, AppError>(workbook_file(&name, bytes))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// A workbook download, named in ASCII and in UTF-8 (RFC 6266).
fn workbook_file(name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

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
                "同一来源集中提交:同一网络地址 {} 分钟内至少 {} 份(工作人员录入的不计)。",
                minutes(params.burst_window_millis),
                params.burst_min
            ),
            format!(
                "答案完全相同:{} 分钟内至少 {} 份全部评价题答案相同。",
                params.pattern_window_millis.map(minutes).unwrap_or(0),
                params.pattern_min
            ),
            format!(
                "不在社区范围内:带定位的答卷距社区范围超过 {} 米。",
                params.outside_margin_m
            ),
        ]
    }
}

/// GET /rounds/{round}/surveys/fraud: the signals per community, for district staff.
pub async fn fraud(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice =
        (query.saved.as_deref() == Some("area")).then(|| words(lang).area_saved.to_string());
    fraud_page(
        &state,
        &jar,
        &user,
        lang,
        &round_id,
        query.area.as_deref(),
        Vec::new(),
        notice,
    )
    .await
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[allow(clippy::too_many_arguments)]
async fn fraud_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    area: Option<&str>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let w = words(lang);
    let params = FraudParams::default();
    let view = service::fraud_signals(state, user, round_id, area, &params, lang.is_en()).await?;
    let is_community = view.area.level == "community";
    let when = crate::web::page::when;
    let mut rows: Vec<FraudRow> = view
        .communities
        .iter()
        .map(|c| {
            let clusters = |list: &[xingfu_core::survey::fraud::Cluster], shorten: bool| {
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
                            "{} 份带定位的答卷在社区范围外;{} 份没有定位。",
                            report.outside.len(),
                            report.unlocated
                        )
                    },
                ),
                None => (
                    0,
                    lang.pick(
                        "没有设置社区范围,无法判断答卷是否在社区范围内。",
                        "No community area is set, so answers cannot be checked against it.",
                    )
                    .to_string(),
                ),
            };
            let (area_lat, area_lon, area_radius) = match &c.area {
                Some(xingfu_core::survey::fraud::CommunityArea::Circle { centre, radius_m }) => (
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(FraudPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/surveys/fraud"),
            format!("{}:{}", w.fraud_heading, view.area.name),
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
    *response.status_mut() = status;
    Ok(response)
}

/// POST /rounds/{round}/surveys/{code}/area: a community's area as a circle.
pub async fn save_area(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(field(&pairs, "csrf"))?;
        let centre = typed_location(field(&pairs, "lat"), field(&pairs, "lon"));
        let radius = field(&pairs, "radius").trim().parse::<f64>();
        let (Ok(Some(centre)), Ok(radius)) = (centre, radius) else {
            return fraud_page(
                &state,
                &jar,
                &user,
                lang,
                &round_id,
                Some(&code),
                vec![("centre_lat".into(), words(lang).bad_location.into())],
                None,
            )
            .await;
        };
        match service::save_circle_area(&state, &user, &code, centre, radius, lang.is_en()).await {
            Ok(()) => Ok(Redirect::to(&format!(
                "/rounds/{round_id}/surveys/fraud?area={code}&saved=area"
            ))
            .into_response()),
            Err(AppError::BadRequest(message)) => {
                fraud_page(
                    &state,
                    &jar,
                    &user,
                    lang,
                    &round_id,
                    Some(&code),
                    vec![("radius".into(), message)],
                    None,
                )
                .await
            }
            Err(other) => Err(other),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_needs_both_coordinates_in_range() {
        assert_eq!(typed_location(" ", ""), Ok(None));
        assert_eq!(
            typed_location("28.01", "120.65"),
            Ok(Some(GeoPoint {
                lat: 28.01,
                lon: 120.65
            }))
        );
        assert_eq!(typed_location("28.01", ""), Err(()));
        assert_eq!(typed_location("91", "120"), Err(()));
        assert_eq!(typed_location("north", "120"), Err(()));
    }

    #[test]
    fn blank_answers_are_left_out_and_the_last_value_wins() {
        let pairs = vec![
            ("a_Q1".to_string(), "satisfied".to_string()),
            ("a_Q2".to_string(), "  ".to_string()),
            ("a_Q1".to_string(), "very_satisfied".to_string()),
            ("phone".to_string(), "13800138000".to_string()),
        ];
        let answers = raw_answers(&pairs);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers["Q1"], "very_satisfied");
        assert_eq!(field(&pairs, "phone"), "13800138000");
        assert_eq!(field(&pairs, "missing"), "");
    }

    #[test]
    fn chart_text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
