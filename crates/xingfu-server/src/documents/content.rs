//! What each document says: the data its template reads, gathered from the round. The rules
//! of when a document may be issued are core's (`xingfu_core::documents`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use xingfu_core::documents::{
    DocumentKind, issuing_region, may_issue_for_entry, may_issue_for_level,
};
use xingfu_core::standard::GovLevel;
use xingfu_core::workflow::{Stage, approval_level};
use xingfu_core::{Dec2, Standard};
use xingfu_store::documents::DocumentKey;
use xingfu_store::rounds::{EntryRow, RoundRow};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::service;
use crate::surveys::service::region_name;

/// Whom a document is about: one community, or the area of the body that issues it.
#[derive(Debug, Clone)]
pub enum Target {
    Community(String),
    Issuer { region: String, level: GovLevel },
}

impl Target {
    /// A document's target from its URL: a community's code, or the issuing region's code.
    pub fn parse(kind: DocumentKind, code: &str) -> Option<Target> {
        let code = code.trim_end_matches(".pdf");
        if !xingfu_core::region::is_division_code(code) {
            return None;
        }
        let level = GovLevel::parse(xingfu_core::region::level_of_code(code))?;
        match (kind.per_community(), level) {
            (true, GovLevel::Community) => Some(Target::Community(code.into())),
            (false, GovLevel::Community) | (true, _) => None,
            (false, level) => Some(Target::Issuer {
                region: code.into(),
                level,
            }),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Target::Community(code) => code,
            Target::Issuer { region, .. } => region,
        }
    }

    pub fn community(&self) -> Option<&str> {
        match self {
            Target::Community(code) => Some(code),
            Target::Issuer { .. } => None,
        }
    }
}

/// A document's content before it is numbered and dated.
pub struct Content {
    pub title: String,
    pub issuer: String,
    pub issuer_region: String,
    /// The 文号's abbreviation of the issuer.
    pub abbreviation: String,
    pub year: i64,
    pub data: Value,
}

impl Content {
    pub fn key<'a>(
        &'a self,
        kind: DocumentKind,
        round_id: &'a str,
        target: &'a Target,
    ) -> DocumentKey<'a> {
        DocumentKey {
            kind: kind.key(),
            round_id,
            community_code: target.community().unwrap_or(""),
            issuer_region: &self.issuer_region,
        }
    }
}

const CHINESE_DIGITS: [&str; 6] = ["零", "一", "二", "三", "四", "五"];

/// `四星级` for 4.
fn star_words(star: i64) -> String {
    let n = usize::try_from(star.clamp(0, 5)).unwrap_or(0);
    if n == 0 {
        "未评星".into()
    } else {
        format!("{}星级", CHINESE_DIGITS[n])
    }
}

fn points(hundredths: Option<i64>) -> String {
    hundredths.map(|h| Dec2(h).to_string()).unwrap_or_default()
}

/// The level whose body approves, publishes, names — and so issues — an entry's documents.
fn deciding_level(standard: &Standard, entry: &EntryRow) -> GovLevel {
    let star = u8::try_from(entry.star.unwrap_or(0).clamp(0, 5)).unwrap_or(0);
    let previous = u8::try_from(entry.previous_star.clamp(0, 5)).unwrap_or(0);
    approval_level(standard, star, previous)
}

fn stage(entry: &EntryRow) -> Stage {
    entry.stage
}

/// `温州市鹿城区五马街道鼓楼社区`: the city, district, street and community names.
async fn full_name(state: &AppState, entry: &EntryRow) -> Result<String, AppError> {
    let code = &entry.community_code;
    let mut name = String::new();
    for above in [
        xingfu_core::region::city_of(code),
        xingfu_core::region::district_of(code),
    ]
    .into_iter()
    .flatten()
    {
        name.push_str(&region_name(state, &above).await?);
    }
    name.push_str(entry.street_name.as_deref().unwrap_or(""));
    name.push_str(&entry.community_name);
    Ok(name)
}

/// Every document the person may have for a round: (kind, target, the target's name).
pub async fn targets(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
) -> Result<Vec<(DocumentKind, Target, String)>, AppError> {
    let round = service::visible_round(state, user, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let entries = state.store.entries(round_id).await?;
    let mut levels: BTreeMap<String, (GovLevel, Vec<Stage>)> = BTreeMap::new();
    let mut out = Vec::new();
    let area = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    for entry in entries
        .iter()
        .filter(|e| e.community_code.starts_with(area))
    {
        let level = deciding_level(&standard, entry);
        if let Some(region) = issuing_region(&entry.community_code, level) {
            levels
                .entry(region)
                .or_insert((level, Vec::new()))
                .1
                .push(stage(entry));
        }
        let unmet = usize::from(matches!(
            stage(entry),
            Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
        ));
        for kind in [
            DocumentKind::Certificate,
            DocumentKind::ScoreReport,
            DocumentKind::RectificationNotice,
        ] {
            // Whether clauses are unmet is known when the notice is made; offer it once scored.
            if may_issue_for_entry(kind, stage(entry), unmet).is_ok() {
                out.push((
                    kind,
                    Target::Community(entry.community_code.clone()),
                    entry.community_name.clone(),
                ));
            }
        }
    }
    let mut level_docs = Vec::new();
    for (region, (level, stages)) in &levels {
        for kind in [DocumentKind::Notice, DocumentKind::Decision] {
            if may_issue_for_level(kind, *level, stages.iter().copied()).is_ok() {
                level_docs.push((
                    kind,
                    Target::Issuer {
                        region: region.clone(),
                        level: *level,
                    },
                    region_name(state, region).await?,
                ));
            }
        }
    }
    // The 通报 comes from the person's own area, once anything in it is scored.
    if user.role.level().is_some()
        && levels.values().flat_map(|(_, s)| s).any(|s| {
            matches!(
                s,
                Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
            )
        })
        && let Some(level) = GovLevel::parse(&user.region_level)
        && matches!(
            level,
            GovLevel::Street | GovLevel::District | GovLevel::City
        )
    {
        level_docs.push((
            DocumentKind::Bulletin,
            Target::Issuer {
                region: user.user.region_code.clone(),
                level,
            },
            user.region_name.clone(),
        ));
    }
    level_docs.extend(out);
    Ok(level_docs)
}

/// The data of one document, or why it cannot be issued yet.
pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    kind: DocumentKind,
    target: &Target,
    lang: Lang,
) -> Result<Content, AppError> {
    let round = service::visible_round(state, user, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let settings_owner = state.documents.typesetter()?;
    let settings = settings_owner.templates().settings();
    let round_area = region_name(state, &round.region_code).await?;
    let round_title = format!(
        "{}年度{round_area}{}星级评定",
        round.year, standard.programme
    );
    let refused = |r: xingfu_core::workflow::Refusal| AppError::Conflict(lang.text(r.zh, r.en));
    let (issuer_region, level) = match target {
        Target::Community(code) => {
            let (_, _, entry) = service::load_visible(state, user, round_id, code, lang).await?;
            let level = deciding_level(&standard, &entry);
            let region = issuing_region(code, level).ok_or(AppError::NotFound)?;
            (region, level)
        }
        Target::Issuer { region, level } => {
            let area =
                xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
            if !xingfu_core::region::overlaps(region, area) {
                return Err(AppError::NotFound);
            }
            (region.clone(), *level)
        }
    };
    let area = region_name(state, &issuer_region).await?;
    let issuer = settings.issuer(level.key(), &area);
    let mut data = json!({
        "kind": kind.key(),
        "programme": standard.programme,
        "standard": standard.name,
        "year": round.year,
        "round": round_title,
        "issuer": issuer,
        "contact": settings.contact(&issuer),
        "seal": !settings.seal.is_empty(),
        "level": level.zh(),
        "area": area,
    });
    let title;
    match (kind, target) {
        (DocumentKind::Notice | DocumentKind::Decision, Target::Issuer { region, level }) => {
            let entries: Vec<EntryRow> = state
                .store
                .entries(round_id)
                .await?
                .into_iter()
                .filter(|e| {
                    deciding_level(&standard, e) == *level
                        && issuing_region(&e.community_code, *level).as_deref() == Some(region)
                })
                .collect();
            may_issue_for_level(kind, *level, entries.iter().map(stage)).map_err(refused)?;
            let shown: Vec<&EntryRow> = entries
                .iter()
                .filter(|e| match kind {
                    DocumentKind::Notice => matches!(stage(e), Stage::Published | Stage::Named),
                    _ => stage(e) == Stage::Named,
                })
                .collect();
            let rows: Vec<Value> = shown
                .iter()
                .map(|e| {
                    let star = e.star.unwrap_or(0);
                    json!({
                        "community": e.community_name,
                        "street": e.street_name.clone().unwrap_or_default(),
                        "stars": star,
                        "star_text": star_words(star),
                        "total": points(e.total),
                    })
                })
                .collect();
            data["entries"] = Value::Array(rows);
            if kind == DocumentKind::Notice {
                let from = shown.iter().filter_map(|e| e.published_at).min();
                let to = shown.iter().filter_map(|e| e.objection_until).max();
                data["period_from"] = from.map(xingfu_core::dates::chinese_date).into();
                data["period_to"] = to.map(xingfu_core::dates::chinese_date).into();
                data["objection_how"] = settings.objection_how(&issuer).into();
                title = format!("{round_title}结果公示");
            } else {
                let decided = shown.iter().filter_map(|e| e.named_at).max();
                data["decided_on"] = decided.map(xingfu_core::dates::chinese_date).into();
                data["recipients"] = recipients(*level).into();
                title = format!(
                    "关于命名{}年度{}星级{}的决定",
                    round.year, area, standard.programme
                );
            }
        }
        (DocumentKind::Bulletin, Target::Issuer { region, level }) => {
            title = format!(
                "关于{}年度{}{}创建工作情况的通报",
                round.year, area, standard.programme
            );
            bulletin(state, user, &round, region, lang, &mut data).await?;
            data["recipients"] = recipients(*level).into();
        }
        (_, Target::Community(code)) => {
            let (_, _, entry) = service::load_visible(state, user, round_id, code, lang).await?;
            let scored = matches!(
                stage(&entry),
                Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
            );
            let card = if scored && kind != DocumentKind::Certificate {
                service::panel(state, &standard, round_id, code).await?
            } else {
                None
            };
            let clauses = card
                .as_ref()
                .map(|card| clause_means(&standard, card))
                .unwrap_or_default();
            let unmet: Vec<&ClauseMean> = clauses.iter().filter(|c| c.earned < c.max).collect();
            may_issue_for_entry(kind, stage(&entry), unmet.len()).map_err(refused)?;
            let star = entry.star.unwrap_or(0);
            data["community"] = entry.community_name.clone().into();
            data["street"] = entry.street_name.clone().unwrap_or_default().into();
            data["district"] = match xingfu_core::region::district_of(code) {
                Some(d) => region_name(state, &d).await?.into(),
                None => Value::Null,
            };
            data["full_name"] = full_name(state, &entry).await?.into();
            data["stars"] = star.into();
            data["star_text"] = star_words(star).into();
            data["total"] = points(entry.total).into();
            title = match kind {
                DocumentKind::Certificate => format!("{}{}", star_words(star), standard.programme),
                DocumentKind::RectificationNotice => {
                    format!("{}创建整改通知书", standard.programme)
                }
                _ => format!("{}评分报告", standard.programme),
            };
            match kind {
                DocumentKind::RectificationNotice => {
                    rectification(state, &entry, &unmet, &mut data).await?;
                }
                DocumentKind::ScoreReport => {
                    score_report(state, &standard, &entry, card.as_ref(), &clauses, &mut data)
                        .await?;
                }
                _ => {}
            }
        }
        _ => return Err(AppError::NotFound),
    }
    data["title"] = title.clone().into();
    Ok(Content {
        title,
        abbreviation: settings.abbreviation(level.key(), &area),
        issuer,
        issuer_region,
        year: round.year,
        data,
    })
}

/// The 主送 line of a level's formal documents.
fn recipients(level: GovLevel) -> &'static str {
    match level {
        GovLevel::City | GovLevel::Province => "各区（县、市）人民政府，有关单位：",
        GovLevel::District => "各街道办事处，区级有关单位：",
        _ => "各社区居民委员会：",
    }
}

/// One clause's points, averaged over the assessors' sheets.
pub struct ClauseMean {
    pub id: String,
    pub category: String,
    pub item: String,
    pub text: String,
    pub earned: Dec2,
    pub max: Dec2,
}

/// Every non-veto clause with its mean points over the panel's sheets, in the standard's order.
fn clause_means(standard: &Standard, card: &xingfu_core::panel::PanelCard<'_>) -> Vec<ClauseMean> {
    let sheets = card.sheets.len().max(1) as i64;
    let mut out = Vec::new();
    for (c, category) in standard.categories.iter().enumerate() {
        for (i, item) in category.items.iter().enumerate() {
            for (k, clause) in item.clauses.iter().enumerate() {
                if clause.veto {
                    continue;
                }
                let earned: Dec2 = card
                    .sheets
                    .iter()
                    .map(|s| s.categories[c].items[i].clauses[k].earned)
                    .sum();
                out.push(ClauseMean {
                    id: clause.id.clone(),
                    category: category.name.clone(),
                    item: item.name.clone(),
                    text: clause.text.clone(),
                    earned: earned.scale(1, sheets),
                    max: clause.points,
                });
            }
        }
    }
    out
}

/// Days a community has to report on its rectification when no task sets a deadline.
const REPORT_DAYS: i64 = 90;

async fn rectification(
    state: &AppState,
    entry: &EntryRow,
    unmet: &[&ClauseMean],
    data: &mut Value,
) -> Result<(), AppError> {
    let tasks = state
        .store
        .rectifications(&entry.round_id, Some(&entry.community_code))
        .await?;
    let rows: Vec<Value> = unmet
        .iter()
        .map(|clause| {
            let task = tasks.iter().find(|t| t.clause_id == clause.id);
            json!({
                "category": clause.category,
                "item": clause.item,
                "clause": clause.text,
                "shortfall": format!("得{}分，满分{}分", clause.earned, clause.max),
                "owner": task.map_or_else(|| "社区居委会".to_string(), |t| t.owner.clone()),
                "deadline": task.map_or_else(|| "另行通知".to_string(), |t| xingfu_core::dates::chinese_date(t.deadline)),
                "status": task.map_or_else(|| "待整改".to_string(), |t| crate::rounds::rectifications::status_label(Lang::Zh, t.status)),
            })
        })
        .collect();
    // The report is due at the first task's deadline, else a fixed time after the result was
    // decided (never "today + n", so the same notice asked for twice is the same document).
    let decided = entry
        .approved_at
        .or(entry.published_at)
        .unwrap_or(entry.declared_at);
    let reply_by = tasks
        .iter()
        .map(|t| t.deadline)
        .min()
        .unwrap_or(decided + REPORT_DAYS * 86_400_000);
    data["clauses"] = Value::Array(rows);
    data["reply_by"] = xingfu_core::dates::chinese_date(reply_by).into();
    data["recipient"] = format!("{}居民委员会", entry.community_name).into();
    Ok(())
}

async fn score_report(
    state: &AppState,
    standard: &Standard,
    entry: &EntryRow,
    card: Option<&xingfu_core::panel::PanelCard<'_>>,
    clauses: &[ClauseMean],
    data: &mut Value,
) -> Result<(), AppError> {
    data["max"] = standard.total_points.to_string().into();
    data["share"] = entry
        .share
        .map(|s| format!("{}%", Dec2(s)))
        .unwrap_or_default()
        .into();
    let mut categories = Vec::new();
    data["veto"] = Value::Null;
    data["next_star"] = Value::Null;
    if let Some(card) = card {
        let sheets = card.sheets.len().max(1) as i64;
        for (index, category) in standard.categories.iter().enumerate() {
            let earned: Dec2 = card.sheets.iter().map(|s| s.categories[index].earned).sum();
            categories.push(json!({
                "name": category.name,
                "points": earned.scale(1, sheets).to_string(),
                "max": card.sheets[0].categories[index].max.to_string(),
            }));
        }
        if !card.vetoed_by.is_empty() {
            data["veto"] = card
                .vetoed_by
                .iter()
                .map(|v| v.text)
                .collect::<Vec<_>>()
                .join("；")
                .into();
        }
        if let Some(next) = &card.next_star {
            data["next_star"] = json!({
                "stars": next.level,
                "star_text": star_words(i64::from(next.level)),
                "points_short": next.points_short.to_string(),
                "clauses": next.candidates.iter().take(next.plan_len.min(10)).map(|fix| json!({
                    "clause": fix.text,
                    "gain": fix.gain.to_string(),
                    "note": "",
                })).collect::<Vec<_>>(),
            });
        }
    }
    data["categories"] = Value::Array(categories);
    data["clauses"] = Value::Array(
        clauses
            .iter()
            .map(|c| {
                json!({
                    "category": c.category,
                    "item": c.item,
                    "clause": c.text,
                    "points": c.earned.to_string(),
                    "max": c.max.to_string(),
                })
            })
            .collect(),
    );
    let history: Vec<Value> = state
        .store
        .history(&entry.community_code)
        .await?
        .into_iter()
        .map(|(round, e)| {
            json!({
                "year": round.year,
                "star_text": e.star.map(star_words).unwrap_or_else(|| "未评定".into()),
                "decision": crate::web::page::decision_label(Lang::Zh, e.decision.as_deref()),
            })
        })
        .collect();
    data["history"] = Value::Array(history);
    Ok(())
}

/// The 通报's figures: the overview of the issuing area for the round's year.
async fn bulletin(
    state: &AppState,
    user: &CurrentUser,
    round: &RoundRow,
    region: &str,
    lang: Lang,
    data: &mut Value,
) -> Result<(), AppError> {
    let overview = crate::overview::service::overview(
        state,
        user,
        Some(region),
        Some(round.year),
        crate::app::reads::Freshness::Latest,
        lang,
    )
    .await?;
    let name_of = |code: &str| {
        overview
            .units
            .iter()
            .find(|u| u.code == code)
            .map_or_else(|| code.to_string(), |u| u.name.clone())
    };
    let total = &overview.total;
    let stars = serde_json::to_value(&total.stars).unwrap_or_default();
    data["summary"] = format!(
        "{}年度，{}共有{}个社区参加星级评定，已评定{}个，平均星级{}。",
        round.year,
        overview.region_name,
        total.declared,
        total.rated,
        total
            .average_star
            .map_or_else(|| "—".to_string(), |a| a.to_string())
    )
    .into();
    data["star_distribution"] = stars;
    data["commend"] = Value::Array(
        overview
            .commended
            .iter()
            .map(|code| json!({"unit": name_of(code), "reason": "各项指标居前，予以通报表扬"}))
            .collect(),
    );
    data["remind"] = Value::Array(
        overview
            .reminded
            .iter()
            .map(|r| json!({"unit": r.name, "reason": r.reasons.join("；")}))
            .collect(),
    );
    let ranking = |indicator: &str, codes: &[String], value: &dyn Fn(&str) -> String| {
        json!({
            "indicator": indicator,
            "rows": codes.iter().enumerate().map(|(i, code)| json!({
                "rank": i + 1,
                "unit": name_of(code),
                "value": value(code),
            })).collect::<Vec<_>>(),
        })
    };
    let unit = |code: &str| overview.units.iter().find(|u| u.code == code);
    data["rankings"] = json!([
        ranking("平均星级", &overview.by_average_star, &|c| {
            unit(c)
                .and_then(|u| u.average_star)
                .map_or_else(|| "—".into(), |a| a.to_string())
        }),
        ranking(
            "随手拍按时办结率",
            &overview.by_on_time_rate,
            &|c| {
                unit(c)
                    .and_then(|u| u.on_time_rate)
                    .map_or_else(|| "—".into(), |a| format!("{a}%"))
            }
        ),
    ]);
    Ok(())
}
