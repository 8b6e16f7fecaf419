//! The demo's 随手拍: a dozen reports in 五马街道鼓楼社区 at every step of the loop, reported and
//! handled in the past through the same service calls the pages make, so every rule (grid
//! routing, time limits, who may do what) and the roll-up of figures apply. Most come from the
//! demo's resident, one anonymously; the community worker `gulou` handles them, 五马街道 and
//! 鹿城区 take the one the community cannot.

use serde_json::{Value, json};
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::Event;
use xingfu_store::events::Extras;

use super::closed_loop::{ActError, Command, act};
use super::intake::{Intake, report_event};
use super::ops::{OpsPerson, ops_person};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::demo::kit::acting_as;
use crate::i18n::Lang;

/// 五马街道鼓楼社区.
const GULOU: &str = "330302006044";
/// 学院路街道静淑苑社区 (Beijing), on the demo's street network.
const JINGSHUYUAN: &str = "110108010024";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A step of a story: how long before now, by whom.
enum Walk {
    Accept,
    Reject(&'static str),
    Dispatch(&'static str),
    Start,
    /// With what the handler wrote about it.
    Resolve(&'static str),
    Confirm,
    Close,
    /// With why the level could not handle it.
    Escalate(&'static str),
}

/// One report and what happened to it since.
struct Story {
    category: &'static str,
    description: &'static str,
    address: &'static str,
    /// WGS-84, inside 鼓楼社区 (as the events tests place their reports).
    at: (f64, f64),
    /// `None`: reported without an account.
    reporter: Option<&'static str>,
    ago: i64,
    steps: &'static [(i64, &'static str, Walk)],
}

const STORIES: &[Story] = &[
    // Just reported: to accept.
    Story {
        category: "public_facility",
        description: "鼓楼街口的路灯已经三天不亮了\u{ff0c}晚上出门黑乎乎的\u{ff0c}老人孩子容易摔倒。",
        address: "鼓楼街与仓桥街交叉口",
        at: (120.6512, 28.0214),
        reporter: Some("resident"),
        ago: 3 * HOUR,
        steps: &[],
    },
    // Reported almost a day ago, its 24 hours nearly up: the worker's SLA reminder.
    Story {
        category: "safety_hazard",
        description: "5幢2单元楼道里堆满了纸箱和旧家具\u{ff0c}把消防通道堵住了\u{ff0c}有火灾隐患。",
        address: "鼓楼社区5幢2单元",
        at: (120.6521, 28.0208),
        reporter: Some("resident"),
        ago: 22 * HOUR + 30 * MINUTE,
        steps: &[],
    },
    // Accepted, waiting to be dispatched.
    Story {
        category: "sanitation",
        description: "菜场后门的垃圾桶满了两天没人清运\u{ff0c}天热有异味\u{ff0c}招苍蝇。",
        address: "仓桥街菜场后门",
        at: (120.6531, 28.0221),
        reporter: None,
        ago: DAY + 2 * HOUR,
        steps: &[(20 * HOUR, "gulou", Walk::Accept)],
    },
    // Accepted and dispatched: for the worker to start.
    Story {
        category: "safety_hazard",
        description: "3幢门口人行道上的井盖松动了\u{ff0c}踩上去会翘起来\u{ff0c}晚上很危险。",
        address: "鼓楼社区3幢门口",
        at: (120.6507, 28.0205),
        reporter: Some("resident"),
        ago: 6 * HOUR,
        steps: &[
            (5 * HOUR, "gulou", Walk::Accept),
            (5 * HOUR - 10 * MINUTE, "gulou", Walk::Dispatch("gulou")),
        ],
    },
    // Being handled.
    Story {
        category: "public_facility",
        description: "小区健身角的单杠扶手断了一截\u{ff0c}断口很锋利\u{ff0c}小孩经常在那里玩。",
        address: "鼓楼社区健身角",
        at: (120.6516, 28.0226),
        reporter: Some("resident"),
        ago: 2 * DAY,
        steps: &[
            (2 * DAY - HOUR, "gulou", Walk::Accept),
            (2 * DAY - 2 * HOUR, "gulou", Walk::Dispatch("gulou")),
            (DAY, "gulou", Walk::Start),
        ],
    },
    // Beyond the community and the street: at the district, past its time limit.
    Story {
        category: "illegal_construction",
        description: "7幢楼顶有住户在搭彩钢板房\u{ff0c}已经快搭好了\u{ff0c}担心压坏楼板\u{ff0c}也挡了邻居的太阳能热水器。",
        address: "鼓楼社区7幢楼顶",
        at: (120.6525, 28.0229),
        reporter: Some("resident"),
        ago: 10 * DAY,
        steps: &[
            (10 * DAY - 2 * HOUR, "gulou", Walk::Accept),
            (
                9 * DAY,
                "gulou",
                Walk::Escalate("楼顶违建须由街道综合行政执法队处理\u{ff0c}已上报街道。"),
            ),
            (
                8 * DAY,
                "wuma",
                Walk::Escalate("涉及拆除违建\u{ff0c}须由区综合行政执法局认定\u{ff0c}上报区级。"),
            ),
        ],
    },
    // Handled: waiting for the resident to confirm.
    Story {
        category: "sanitation",
        description: "公园路边的绿化带里有人倒了一堆装修垃圾\u{ff0c}好几天了也没人管。",
        address: "公园路鼓楼社区段绿化带",
        at: (120.6535, 28.0212),
        reporter: Some("resident"),
        ago: 2 * DAY + 3 * HOUR,
        steps: &[
            (2 * DAY + 2 * HOUR, "gulou", Walk::Accept),
            (2 * DAY + HOUR, "gulou", Walk::Dispatch("gulou")),
            (DAY + 20 * HOUR, "gulou", Walk::Start),
            (
                6 * HOUR,
                "gulou",
                Walk::Resolve("已联系环卫所清运装修垃圾\u{ff0c}并在绿化带旁立了禁止倾倒的提示牌。"),
            ),
        ],
    },
    // Closed: confirmed by the resident.
    Story {
        category: "public_facility",
        description: "9幢后面小路的路灯坏了\u{ff0c}晚上下班回家要摸黑走。",
        address: "鼓楼社区9幢后小路",
        at: (120.6509, 28.0219),
        reporter: Some("resident"),
        ago: 12 * DAY,
        steps: &[
            (12 * DAY - HOUR, "gulou", Walk::Accept),
            (12 * DAY - 2 * HOUR, "gulou", Walk::Dispatch("gulou")),
            (11 * DAY, "gulou", Walk::Start),
            (
                10 * DAY,
                "gulou",
                Walk::Resolve("已报市政路灯所更换灯泡\u{ff0c}晚上复查已亮。"),
            ),
            (9 * DAY, "resident", Walk::Confirm),
        ],
    },
    Story {
        category: "neighbour_dispute",
        description: "楼上住户经常半夜拖动家具\u{ff0c}噪音很大\u{ff0c}沟通过几次没有用\u{ff0c}希望社区帮忙调解。",
        address: "鼓楼社区2幢",
        at: (120.6518, 28.0203),
        reporter: Some("resident"),
        ago: 20 * DAY,
        steps: &[
            (20 * DAY - 3 * HOUR, "gulou", Walk::Accept),
            (20 * DAY - 4 * HOUR, "gulou", Walk::Dispatch("gulou")),
            (19 * DAY, "gulou", Walk::Start),
            (
                17 * DAY,
                "gulou",
                Walk::Resolve(
                    "已上门调解\u{ff0c}楼上住户同意晚上十点后不再搬动家具\u{ff0c}并在椅脚加了防滑垫。",
                ),
            ),
            (16 * DAY, "resident", Walk::Confirm),
        ],
    },
    // Closed, but handled a day past its 72 hours.
    Story {
        category: "property_service",
        description: "4幢电梯这个月已经停了三次\u{ff0c}物业说在等配件\u{ff0c}楼里有好几位行动不便的老人。",
        address: "鼓楼社区4幢",
        at: (120.6528, 28.0216),
        reporter: Some("resident"),
        ago: 15 * DAY,
        steps: &[
            (15 * DAY - 2 * HOUR, "gulou", Walk::Accept),
            (15 * DAY - 3 * HOUR, "gulou", Walk::Dispatch("gulou")),
            (14 * DAY, "gulou", Walk::Start),
            (
                11 * DAY,
                "gulou",
                Walk::Resolve("已督促物业更换电梯控制板\u{ff0c}电梯经检测合格恢复运行。"),
            ),
            (10 * DAY, "resident", Walk::Confirm),
        ],
    },
    // Closed by the worker: an anonymous report has no one to confirm.
    Story {
        category: "sanitation",
        description: "仓桥街菜场门口下水道堵了\u{ff0c}污水漫到人行道上。",
        address: "仓桥街菜场门口",
        at: (120.6533, 28.0224),
        reporter: None,
        ago: 6 * DAY,
        steps: &[
            (6 * DAY - HOUR, "gulou", Walk::Accept),
            (6 * DAY - 2 * HOUR, "gulou", Walk::Dispatch("gulou")),
            (6 * DAY - 3 * HOUR, "gulou", Walk::Start),
            (
                5 * DAY,
                "gulou",
                Walk::Resolve("已请市政疏通下水道\u{ff0c}人行道已冲洗干净。"),
            ),
            (5 * DAY - HOUR, "gulou", Walk::Close),
        ],
    },
    // Not an event at all: refused, with the reason.
    Story {
        category: "other",
        description: "建议在小区里装一个快递柜\u{ff0c}白天上班收快递很不方便。",
        address: "鼓楼社区",
        at: (120.6514, 28.0211),
        reporter: Some("resident"),
        ago: DAY + 2 * HOUR,
        steps: &[(
            20 * HOUR,
            "gulou",
            Walk::Reject(
                "快递柜属于便民设施建议\u{ff0c}不属于随手拍问题上报范围\u{ff0c}请通过社区居民议事会提出\u{ff0c}我们会转交物业研究。",
            ),
        )],
    },
];

/// The demo's grids (WGS-84): two in 鼓楼社区 where its reports are (网格员 `wangge` serves the
/// first, the community worker the second), and two in 静淑苑社区 over the demo's streets.
fn demo_grids(community: &str) -> Option<String> {
    let square = |lon: f64, lat: f64, w: f64, h: f64| {
        json!([[
            [lon, lat],
            [lon + w, lat],
            [lon + w, lat + h],
            [lon, lat + h],
            [lon, lat]
        ]])
    };
    let grid = |id: &str, name: &str, ring: Value, members: Value| {
        json!({
            "type": "Feature", "id": id,
            "geometry": {"type": "Polygon", "coordinates": ring},
            "properties": {"name": name, "members": members}
        })
    };
    let features = match community {
        GULOU => vec![
            grid(
                "g1",
                "鼓楼第一网格",
                square(120.650, 28.020, 0.002, 0.002),
                json!(["wangge"]),
            ),
            grid(
                "g2",
                "鼓楼第二网格",
                square(120.652, 28.020, 0.002, 0.002),
                json!(["gulou"]),
            ),
        ],
        JINGSHUYUAN => vec![
            grid(
                "j1",
                "静淑苑西网格",
                square(116.3460, 40.0010, 0.0030, 0.0040),
                json!(["jingshu"]),
            ),
            grid(
                "j2",
                "静淑苑东网格",
                square(116.3490, 40.0010, 0.0030, 0.0040),
                json!(["jingshu"]),
            ),
        ],
        _ => return None,
    };
    Some(json!({"type": "FeatureCollection", "features": features}).to_string())
}

/// Reports in 静淑苑社区 on the demo's street network, so its maps have events over streets.
const JINGSHUYUAN_STORIES: &[Story] = &[
    Story {
        category: "sanitation",
        description: "学清路辅路边上堆了好几袋装修垃圾\u{ff0c}占了人行道\u{ff0c}推婴儿车过不去。",
        address: "学清路辅路静淑苑北门外",
        at: (116.3475, 40.0035),
        reporter: None,
        ago: 2 * HOUR,
        steps: &[],
    },
    Story {
        category: "public_facility",
        description: "小区东侧健身器材的单杠松动了\u{ff0c}老人锻炼不安全。",
        address: "静淑苑小区东侧健身场",
        at: (116.3505, 40.0030),
        reporter: None,
        ago: 3 * DAY,
        steps: &[
            (3 * DAY - HOUR, "jingshu", Walk::Accept),
            (3 * DAY - 2 * HOUR, "jingshu", Walk::Dispatch("jingshu")),
            (3 * DAY - 3 * HOUR, "jingshu", Walk::Start),
            (
                2 * DAY,
                "jingshu",
                Walk::Resolve("已联系物业紧固单杠并贴了提示。"),
            ),
            (2 * DAY - HOUR, "jingshu", Walk::Close),
        ],
    },
];

/// Saves the demo's grids of a community through the same reader the grids page uses.
async fn load_grids(state: &AppState, community: &str, now: i64) -> Result<(), AppError> {
    let Some(text) = demo_grids(community) else {
        return Ok(());
    };
    let grids = super::grids::read_grid_geojson(&state.store, community, &text, Datum::Wgs84)
        .await?
        .map_err(|problems| {
            let why: Vec<&str> = problems.iter().map(|p| p.zh.as_str()).collect();
            AppError::Internal(anyhow::anyhow!(
                "demo grids of {community}: {}",
                why.join("; ")
            ))
        })?;
    state
        .store
        .save_grids(community, &grids, "demo", now)
        .await?;
    Ok(())
}

/// Reports and walks the demo's stories, as of now; does nothing without the demo's accounts.
pub async fn load_demo(state: &AppState) -> Result<(), AppError> {
    let now = now_ms();
    for community in [GULOU, JINGSHUYUAN] {
        if state.store.region(community).await?.is_some() {
            load_grids(state, community, now - 30 * DAY).await?;
        }
    }
    let mut people: Vec<OpsPerson> = Vec::new();
    for username in ["resident", "gulou", "wuma"] {
        if state.store.user_by_username(username).await?.is_none() {
            return Ok(());
        }
        let user = acting_as(state, username).await?;
        people.extend(ops_person(&state.store, &user).await?);
    }
    // 静淑苑's worker walks its stories when the demo has that account.
    let jingshu = match state.store.user_by_username("jingshu").await? {
        Some(_) => ops_person(&state.store, &acting_as(state, "jingshu").await?).await?,
        None => None,
    };
    let has_jingshu = jingshu.is_some();
    people.extend(jingshu);
    let person = |username: &str| {
        people
            .iter()
            .find(|p| p.username == username)
            .ok_or(AppError::NotFound)
    };
    // Oldest first, so the events' numbers follow the order they came in.
    let mut stories: Vec<(&str, &Story)> = STORIES.iter().map(|s| (GULOU, s)).collect();
    if has_jingshu {
        stories.extend(JINGSHUYUAN_STORIES.iter().map(|s| (JINGSHUYUAN, s)));
    }
    stories.sort_by_key(|(_, s)| std::cmp::Reverse(s.ago));
    for (community, story) in stories {
        let reporter = story.reporter.map(person).transpose()?;
        let intake = Intake {
            category: story.category.into(),
            description: story.description.into(),
            location: GeoPoint {
                lon: story.at.0,
                lat: story.at.1,
            },
            datum: Datum::Wgs84,
            address: Some(story.address.into()),
            photos: Vec::new(),
            extras: Extras::default(),
        };
        let mut event = report_event(state, community, reporter, intake, now - story.ago)
            .await?
            .map_err(|e| refused(story, e.zh()))?;
        for (ago, who, walk) in story.steps {
            event = step(state, person(who)?, &event, walk, now - ago)
                .await
                .map_err(|e| match e {
                    ActError::App(e) => e,
                    ActError::Refused(why) | ActError::Conflict(why) => refused(story, why),
                })?;
        }
    }
    Ok(())
}

async fn step(
    state: &AppState,
    person: &OpsPerson,
    event: &Event,
    walk: &Walk,
    at: i64,
) -> Result<Event, ActError> {
    let (command, note) = match walk {
        Walk::Accept => (Command::Accept, None),
        Walk::Reject(reason) => (
            Command::Reject {
                reason: (*reason).into(),
            },
            None,
        ),
        Walk::Dispatch(to) => (Command::Dispatch { to: (*to).into() }, None),
        Walk::Start => (Command::Start, None),
        Walk::Resolve(note) => (Command::Resolve, Some(*note)),
        Walk::Confirm => (Command::Confirm, None),
        Walk::Close => (Command::Close, None),
        Walk::Escalate(note) => (Command::Escalate, Some(*note)),
    };
    let version = event.version;
    act(
        state,
        person,
        event.id,
        version,
        &command,
        note,
        Vec::new(),
        at,
        Lang::Zh,
    )
    .await
}

fn refused(story: &Story, why: String) -> AppError {
    AppError::Internal(anyhow::anyhow!(
        "demo event {:?} refused: {why}",
        story.description
    ))
}
