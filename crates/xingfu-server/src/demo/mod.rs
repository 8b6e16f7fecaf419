//! The demo data set a zero-configuration start loads: the real divisions of 温州市 (national
//! statistical codes, 2023), the shipped standards, an account for each role, and two Lucheng
//! rounds for 鹿城区 built from `examples/lucheng/round-2013.csv` (scores illustrative); and, for
//! the 15-minute service circle, 北京海淀区学院路街道 with the OpenStreetMap extract around it
//! (its facilities imported and coverage computed, see [`crate::circle::service::demo::load_demo`]);
//! a dozen 随手拍 reports in 鼓楼社区 at every step of the loop
//! ([`crate::events::service::demo::load_demo`]); and households with visits, volunteers,
//! activities and mall items in 鼓楼社区 and 静淑苑社区 ([`crate::people::service::demo::load_demo`]).

use xingfu_core::scoring::Answer;
use xingfu_core::workflow::{Role, Stage};
use xingfu_formats::problems_in_one_line;
use xingfu_formats::round_input::read_csv;
use xingfu_formats::shipped::SHIPPED;
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::rounds::NewRound;

use crate::app::auth::{hash_password, random_token};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::{decisions, service};

pub mod kit;

pub const WENZHOU_REGIONS: &str = include_str!("../../../../data/regions/wenzhou.csv");
const ROUND_2013: &str = include_str!("../../../../examples/lucheng/round-2013.csv");

pub const LUCHENG: &str = "330302000000";
/// 五马街道鼓楼社区, where the demo's community worker and resident live.
const GULOU: &str = "330302006044";
/// 大南街道虞师里社区: left in scoring with only 评审员乙's sheet, so 评审员甲 has one to score.
const UNSCORED: &str = "330302029002";
/// 五马街道乘凉社区: declared and left for 五马街道 to check.
const TO_CHECK: &str = "330302006117";
/// 学院路街道静淑苑社区, on the demo's street network.
const JINGSHUYUAN: &str = "110108010024";
/// 北京市海淀区, the demo's 15-minute circle district.
const HAIDIAN: &str = crate::circle::service::demo::DEMO_DISTRICT;

/// Demo accounts: (user name, display name, role, region).
pub const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("admin", "温州市管理员", Role::CityAdmin, "330300000000"),
    ("lucheng", "鹿城区文明办", Role::DistrictAdmin, LUCHENG),
    ("wuma", "五马街道办事处", Role::StreetAdmin, "330302006000"),
    ("gulou", "鼓楼社区工作者", Role::CommunityWorker, GULOU),
    ("assessor1", "评审员甲", Role::Assessor, LUCHENG),
    ("assessor2", "评审员乙", Role::Assessor, LUCHENG),
    ("resident", "居民", Role::Resident, GULOU),
    // A resident serving 鼓楼第一网格: signs in as a 网格员 (the grid makes the role).
    ("wangge", "网格员王芳", Role::Resident, GULOU),
    ("haidian", "海淀区民政局", Role::DistrictAdmin, HAIDIAN),
    (
        "jingshu",
        "静淑苑社区工作者",
        Role::CommunityWorker,
        JINGSHUYUAN,
    ),
];

/// What the console prints after loading the demo.
pub struct DemoLogin {
    pub password: String,
}

/// Loads the regions into an empty database; returns how many were written.
pub async fn load_regions(store: &Store) -> anyhow::Result<usize> {
    kit::load_regions_csv(store, "data/regions/wenzhou.csv", WENZHOU_REGIONS).await
}

/// Loads the whole demo into an empty database. Does nothing if users already exist.
pub async fn load(state: &AppState) -> anyhow::Result<Option<DemoLogin>> {
    let store = &state.store;
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let now = now_ms();
    load_regions(store).await?;
    crate::circle::service::demo::load_demo_regions(store).await?;
    for (id, text) in SHIPPED {
        let standard = xingfu_formats::standard_file::load_standard(id, text)
            .map_err(|_| anyhow::anyhow!("shipped standard {id} does not load"))?;
        store
            .save_standard(&standard.id, &standard.version, text, now)
            .await?;
    }
    let password = random_token()[..12].to_string();
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (username, display_name, role, region) in ACCOUNTS {
        store
            .create_user(
                &NewUser {
                    username,
                    display_name,
                    password_hash: &hash,
                    role: role.key(),
                    region_code: region,
                },
                now,
            )
            .await?;
    }
    load_rounds(state)
        .await
        .map_err(|e| anyhow::anyhow!("demo rounds: {e}"))?;
    crate::surveys::demo::load_demo(state, LUCHENG)
        .await
        .map_err(|e| anyhow::anyhow!("demo surveys: {e}"))?;
    crate::circle::service::demo::load_demo(state)
        .await
        .map_err(|e| anyhow::anyhow!("demo circle: {e}"))?;
    // Before the sweep, so the 随手拍 waiting for someone and the reporter's news are in it.
    crate::events::service::demo::load_demo(state)
        .await
        .map_err(|e| anyhow::anyhow!("demo events: {e}"))?;
    crate::people::service::demo::load_demo(state)
        .await
        .map_err(|e| anyhow::anyhow!("demo visits, volunteers and mall: {e}"))?;
    // Messages for every role, made by the real sweep: what is new in each 待办, the deadlines
    // near, and this week's digest for the administrators.
    let now = now_ms();
    crate::notifications::service::reminders::sweep(state, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo notifications: {e}"))?;
    let week = xingfu_core::notify::digest_week_start(now);
    crate::notifications::service::reminders::digests(state, week, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo digests: {e}"))?;
    Ok(Some(DemoLogin { password }))
}

/// 2012: last year's stars as named; 2013: every community declared and scored, most of them
/// computed, approved and published, a few left at earlier stages to try the workflow on: a
/// 五马街道 declaration to check, sheets to score, results for the district and one 4–5★ result
/// for the city to approve.
async fn load_rounds(state: &AppState) -> Result<(), AppError> {
    let store = &state.store;
    let standard = state.standard("lucheng-2012", "2012.1").await?;
    let input = read_csv("examples/lucheng/round-2013.csv", ROUND_2013, &standard)
        .map_err(|p| AppError::Internal(anyhow::anyhow!("{}", problems_in_one_line(&p))))?;
    let admin = kit::acting_as(state, "admin").await?;
    let district = kit::acting_as(state, "lucheng").await?;
    let assessors = [
        kit::acting_as(state, "assessor1").await?,
        kit::acting_as(state, "assessor2").await?,
    ];
    let now = now_ms();
    let open = |year| NewRound {
        year,
        region_code: LUCHENG,
        standard_id: "lucheng-2012",
        standard_version: "2012.1",
        objection_days: 7,
    };
    let round_2012 = store.create_round(&open(2012), "admin", now).await?;
    for entry in &input.entries {
        let star = i64::from(entry.previous_star.unwrap_or(0));
        let declared = store
            .declare(&round_2012.id, &entry.code, 0, "admin", now)
            .await?;
        let change = xingfu_store::rounds::EntryChange {
            stage: Some(Stage::Named),
            star: Some(star),
            star_by_score: Some(star),
            decision: Some(if star > 0 { "new" } else { "not_rated" }.into()),
            named_at: Some(now),
            ..Default::default()
        };
        let by = xingfu_store::rounds::By {
            actor: "admin",
            at: now,
        };
        let _ = store
            .update_entry(
                &round_2012.id,
                &entry.code,
                declared.version,
                &change,
                "demo_history",
                by,
            )
            .await?;
    }

    let round = store.create_round(&open(2013), "admin", now).await?;
    let count = input.entries.len();
    let mut city_waits = false;
    for (index, entry) in input.entries.iter().enumerate() {
        service::declare(state, &district, &round.id, &entry.code, Lang::Zh).await?;
        let (vetoes, scores): (Vec<_>, Vec<_>) = entry
            .assessment
            .answers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .partition(|(clause, _)| standard.clause(clause).is_some_and(|c| c.veto));
        service::save_sheet(state, &district, &round.id, &entry.code, vetoes, Lang::Zh).await?;
        // The last two, and one of 五马街道's, stay declared, to try the workflow on.
        if index + 2 >= count || entry.code == TO_CHECK {
            continue;
        }
        let checked = service::check(state, &district, &round.id, &entry.code, Lang::Zh).await?;
        if checked.stage != Stage::Scoring {
            continue;
        }
        if entry.code != UNSCORED {
            service::save_sheet(
                state,
                &assessors[0],
                &round.id,
                &entry.code,
                scores.clone(),
                Lang::Zh,
            )
            .await?;
        }
        // The second assessor is a little stricter on graded clauses.
        let stricter: Vec<(String, Answer)> = scores
            .iter()
            .map(|(clause, answer)| {
                let mut answer = answer.clone();
                if let (Some(n), Some(c)) = (answer.number, standard.clause(clause))
                    && c.judge == xingfu_core::standard::Judge::Graded
                    && n.hundredths() >= 100
                {
                    answer.number = Some(xingfu_core::Dec2(n.hundredths() - 100));
                }
                (clause.clone(), answer)
            })
            .collect();
        service::save_sheet(
            state,
            &assessors[1],
            &round.id,
            &entry.code,
            stricter,
            Lang::Zh,
        )
        .await?;
        if index % 5 == 4 {
            continue; // left in scoring
        }
        let computed = service::compute(state, &district, &round.id, &entry.code, Lang::Zh).await?;
        if index % 3 == 2 {
            continue; // left awaiting approval
        }
        let for_city = computed.star.unwrap_or(0).max(computed.previous_star) >= 4;
        // The first 4–5★ result other than 鼓楼's waits for the city's approval.
        if for_city && !city_waits && entry.code != GULOU {
            city_waits = true;
            continue;
        }
        let approver = if for_city { &admin } else { &district };
        decisions::approve(state, approver, &round.id, &entry.code, Lang::Zh).await?;
        service::publish(state, approver, &round.id, &entry.code, Lang::Zh).await?;
    }
    rectify_gulou(state, &district, &round.id).await
}

/// 鼓楼社区 has rectification tasks for the clauses it fell short on, due in 30 days; it has
/// reported on the first, which waits for 五马街道 (or the district) to verify.
async fn rectify_gulou(
    state: &AppState,
    district: &crate::app::auth::CurrentUser,
    round_id: &str,
) -> Result<(), AppError> {
    use crate::rounds::rectifications::{TaskRefusal, move_task, open_tasks};
    let lang = crate::i18n::Lang::Zh;
    let deadline = xingfu_core::dates::local_text(now_ms() + 30 * 86_400_000);
    let day = deadline.get(..10).unwrap_or_default();
    if let Err(problem) = open_tasks(state, district, (round_id, GULOU), day, lang).await? {
        return Err(AppError::Internal(anyhow::anyhow!("{problem}")));
    }
    let tasks = state.store.rectifications(round_id, Some(GULOU)).await?;
    let Some(first) = tasks.first() else {
        return Ok(());
    };
    let worker = kit::acting_as(state, "gulou").await?;
    let step = xingfu_core::rectification::TaskStep::Submit;
    let report = "已按要求整改\u{ff0c}整改前后照片见佐证材料。";
    match move_task(
        state,
        &worker,
        (round_id, &first.id),
        step,
        report,
        None,
        lang,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(TaskRefusal::Refused(e)) => Err(e),
        Err(TaskRefusal::Report(problem)) => Err(AppError::Internal(anyhow::anyhow!("{problem}"))),
    }
}
