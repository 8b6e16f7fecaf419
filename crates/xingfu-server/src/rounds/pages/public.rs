//! GET /notices: the public 公示 list (see `rounds::public`), for anyone without signing in.

use askama::Template;
use axum::extract::{Query, State};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::workflow::Stage;

use crate::app::clock::now_ms;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::public::{self, NoticeQuery, Notices, RoundChoice};
use crate::web::page::{Page, PageResult, points, render, star_text, stars, when};

crate::word_table! {
    /// The public 公示 list's texts.
    Words, words {
        title: "幸福社区评定结果公示" / "Happy Community results on public notice",
        lead: "这里公布各评选年度已公示和已命名的幸福社区星级评定结果，任何人不需登录即可查看。" / "The Happy Community star ratings that are on public notice (公示) or named, for anyone to read without signing in.",
        how_to_object: "对公示中的结果有异议的，请在“异议受理至”的时间之前提出：登录本平台（居民使用社区发放的账号），打开该社区的页面填写异议；也可以向社区所在街道或区文明办反映。异议由作出评定的一级政府受理、核实并答复，异议成立的，结果退回重新评分。" / "To object to a result on notice, do so before the time under “Objections until”: sign in (residents with the account their community gave them) and write it on the community's page, or tell the community's street office or the district civilisation office. The level that decided the rating looks into it and answers; an objection upheld sends the result back to be scored again.",
        next_heading: "异议和下一步" / "Objections and what happens next",
        next: "下一步：公示期满、没有成立的异议的，由审批该星级的一级政府命名，并出具命名决定和星级证书。" / "Next: once the notice period is over with no objection upheld, the level that approves the star names the community and issues the naming decision and the star certificate.",
        round: "评选年度" / "Round",
        area: "地区" / "Area",
        all_areas: "全部" / "All",
        show: "查看" / "Show",
        year_of: "年度" / "",
        results: "项结果" / "results",
        community: "社区" / "Community",
        street: "街道" / "Street",
        star: "星级" / "Star",
        total: "得分" / "Score",
        status: "状态" / "Status",
        on_notice: "公示中，异议受理至" / "On notice; objections until",
        notice_over: "公示期已满，待命名" / "Notice period over, to be named",
        named: "已命名" / "Named",
        none: "目前没有已公示的评定结果。评定结果经审批后公示，公示后会在这里列出。" / "No rating is on public notice yet. Results are listed here once they are approved and published.",
        none_in_area: "所选地区在这一评选年度没有已公示的结果。" / "The area chosen has no published result in this round.",
        documents: "正式公示文件" / "The formal documents",
        documents_help: "张贴的公示和命名决定带有编号和二维码，可在此核验：" / "The notices and naming decisions posted carry a serial and a QR code; check them here:",
        verify_other: "核验其他文件" / "Check another document",
        open_count: "项在公示中（尚未命名）" / "on notice, not yet named",
    }
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    page: Page,
    w: &'static Words,
    notices: Notices,
    round: Option<RoundChoice>,
    lines: Vec<Line>,
    documents: Vec<(&'static str, String, String, String)>,
    /// The list's address with the round and area, for the pager to add `page=` to.
    base: String,
}

struct Line {
    name: String,
    street: String,
    stars: String,
    star_text: String,
    total: String,
    status: String,
    open: bool,
}

#[derive(Deserialize, Default)]
pub struct NoticesQuery {
    #[serde(default)]
    round: Option<String>,
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

/// GET /notices: results on public notice or named, by round and area.
pub async fn list(
    State(state): State<AppState>,
    jar: CookieJar,
    freshness: Freshness,
    Query(query): Query<NoticesQuery>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let asked = NoticeQuery {
        round: query.round.filter(|r| !r.is_empty()),
        area: query.area.filter(|a| !a.is_empty()),
        page: query.page.unwrap_or(1),
    };
    let notices = public::notices(&state, freshness, &asked).await?;
    let now = now_ms();
    let lines = notices
        .entries
        .iter()
        .map(|e| {
            let open =
                e.stage == Stage::Published && e.objection_until.is_some_and(|until| now < until);
            let status = match (e.stage, e.objection_until, e.named_at) {
                (Stage::Named, _, Some(at)) => {
                    format!("{}{}{}{}", w.named, lang.open(), when(at), lang.close())
                }
                (Stage::Named, _, None) => w.named.to_string(),
                (_, Some(until), _) if open => format!("{} {}", w.on_notice, when(until)),
                _ => w.notice_over.to_string(),
            };
            Line {
                name: e.community_name.clone(),
                street: e.street_name.clone().unwrap_or_default(),
                stars: stars(e.star.unwrap_or(0)),
                star_text: star_text(lang, e.star),
                total: points(e.total),
                status,
                open,
            }
        })
        .collect();
    let documents = notices
        .documents
        .iter()
        .map(|(kind, serial, title, issuer)| {
            (
                lang.pick(kind.zh(), kind.en()),
                serial.clone(),
                title.clone(),
                issuer.clone(),
            )
        })
        .collect();
    let mut base = String::from("/notices?");
    if let Some(round) = &notices.round {
        base.push_str(&format!("round={}&", round.id));
    }
    if let Some(area) = &notices.area {
        base.push_str(&format!("area={area}&"));
    }
    render(NoticesPage {
        page: Page::new(&jar, None, "/notices", w.title),
        w,
        round: notices.round.clone(),
        notices,
        lines,
        documents,
        base,
    })
}
