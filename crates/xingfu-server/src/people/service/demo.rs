//! The demo's home visits, volunteers and love mall: in 五马街道鼓楼社区 (温州) and in
//! 学院路街道静淑苑社区 (Beijing, on the demo's street network), made through the same service
//! calls the pages make, so every rule (who keeps households, points per hour, stock) applies.
//! Each community has households on its grids (some on the special-attention lists), registered
//! and visited by the grid's member (鼓楼第一网格's is the 网格员 王芳), with a follow-up still open, a volunteer station and team, volunteers (鼓楼's first is the
//! demo resident's own, with points to spend), a finished activity with its hours and points,
//! one coming, and mall items; the resident has exchanged one item, waiting to be handed out.

use xingfu_core::ops::visits::VisitPurpose;

use super::{
    ActivityInput, HouseholdInput, Refused, VisitInput, VolunteerInput, add_attention,
    create_activity, create_household, create_item, create_station, create_team, create_volunteer,
    identity, new_request_key, purpose_key, record_visit, redeem, set_people_served, sign_in,
    sign_out,
};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::demo::kit::acting_as;
use crate::i18n::Lang;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

struct Household {
    /// Who registers and visits it: the grid's member (a grid member keeps only their grids).
    keeper: &'static str,
    grid: &'static str,
    building: &'static str,
    address: &'static str,
    contact: &'static str,
    /// (person, list, note) on a special-attention list.
    attention: Option<(&'static str, &'static str, &'static str)>,
    visit: Option<Visit>,
}

struct Visit {
    days_ago: i64,
    purpose: VisitPurpose,
    notes: &'static str,
    /// What is to be done, within how many days of the visit.
    follow_up: Option<(&'static str, i64)>,
}

struct Community {
    code: &'static str,
    /// The community worker who keeps its households, volunteers and mall.
    worker: &'static str,
    households: &'static [Household],
    station: &'static str,
    team: &'static str,
    /// (name, the volunteer's own account).
    volunteers: &'static [(&'static str, Option<&'static str>)],
    /// (title, type, starts in days (negative: past), hours, people served once it is over):
    /// a finished one has every volunteer signed in at its start and out at its end.
    activities: &'static [(&'static str, &'static str, i64, i64, Option<i64>)],
    /// (name, points, stock).
    items: &'static [(&'static str, i64, i64)],
    /// The item the resident exchanged, if any.
    exchanged: Option<&'static str>,
}

const COMMUNITIES: &[Community] = &[
    Community {
        code: "330302006044",
        worker: "gulou",
        households: &[
            Household {
                keeper: "wangge",
                grid: "g1",
                building: "3幢",
                address: "鼓楼巷3幢2单元401",
                contact: "李奶奶",
                attention: Some(("李奶奶", "elderly_alone", "独居，腿脚不便，女儿在杭州")),
                visit: Some(Visit {
                    days_ago: 9,
                    purpose: VisitPurpose::CareVisit,
                    notes: "身体尚好；冬季取暖器已检查，插座老化。",
                    follow_up: Some(("请物业更换老化插座", 5)),
                }),
            },
            Household {
                keeper: "wangge",
                grid: "g1",
                building: "5幢",
                address: "鼓楼巷5幢1单元101",
                contact: "张爷爷",
                attention: Some(("张爷爷", "disabled", "轮椅出行")),
                visit: Some(Visit {
                    days_ago: 3,
                    purpose: VisitPurpose::SafetyCheck,
                    notes: "楼道无障碍坡道完好，燃气阀门正常。",
                    follow_up: None,
                }),
            },
            Household {
                keeper: "gulou",
                grid: "g2",
                building: "8幢",
                address: "仓桥街8幢302",
                contact: "王阿姨",
                attention: Some(("王阿姨", "low_income", "")),
                visit: None,
            },
        ],
        station: "鼓楼社区志愿服务站",
        team: "鼓楼红马甲服务队",
        volunteers: &[("陈居民", Some("resident")), ("李四", None), ("王五", None)],
        activities: &[
            ("敬老院义务理发", "care", -14, 2, Some(12)),
            ("冬季消防安全宣传", "safety", 6, 2, None),
        ],
        items: &[("大米 5kg", 100, 10), ("洗衣液", 30, 20), ("理发券", 20, 5)],
        exchanged: Some("理发券"),
    },
    Community {
        code: "110108010024",
        worker: "jingshu",
        households: &[
            Household {
                keeper: "jingshu",
                grid: "j1",
                building: "2号楼",
                address: "静淑苑2号楼3门201",
                contact: "赵大爷",
                attention: Some(("赵大爷", "elderly_alone", "老伴去年过世")),
                visit: Some(Visit {
                    days_ago: 6,
                    purpose: VisitPurpose::CareVisit,
                    notes: "情绪稳定，想参加社区合唱队。",
                    follow_up: Some(("告知合唱队活动时间", 7)),
                }),
            },
            Household {
                keeper: "jingshu",
                grid: "j2",
                building: "7号楼",
                address: "静淑苑7号楼1门502",
                contact: "孙女士",
                attention: None,
                visit: Some(Visit {
                    days_ago: 2,
                    purpose: VisitPurpose::OpinionGathering,
                    notes: "反映小区南门夜间照明不足。",
                    follow_up: None,
                }),
            },
        ],
        station: "静淑苑社区志愿服务站",
        team: "学院路银发志愿者队",
        volunteers: &[("周老师", None), ("吴同学", None)],
        activities: &[
            ("小区环境清洁日", "environment", -10, 3, Some(40)),
            ("重阳节文艺汇演", "culture", 9, 3, None),
        ],
        items: &[("抽纸一提", 15, 30), ("保温杯", 60, 8)],
        exchanged: None,
    },
];

fn failed(what: &str, refused: Refused) -> AppError {
    let why = match refused {
        Refused::Fields(errors) => errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        Refused::App(e) => return e,
    };
    AppError::Internal(anyhow::anyhow!("demo {what}: {why}"))
}

/// Loads the households, visits, volunteers, activities and mall of the demo communities whose
/// worker account exists; does nothing for the others.
pub async fn load_demo(state: &AppState) -> Result<(), AppError> {
    let lang = Lang::Zh;
    let now = now_ms();
    for c in COMMUNITIES {
        if state.store.user_by_username(c.worker).await?.is_none() {
            continue;
        }
        let worker = acting_as(state, c.worker).await?;
        for h in c.households {
            let keeper = acting_as(state, h.keeper).await?;
            let who = identity(state, &keeper, lang).await?;
            let input = HouseholdInput {
                address: h.address.into(),
                contact_name: h.contact.into(),
                phone: String::new(),
                grid: h.grid.into(),
                building: h.building.into(),
            };
            let household = create_household(state, &who, &input, lang)
                .await
                .map_err(|e| failed(h.address, e))?;
            if let Some((person, list, note)) = h.attention {
                add_attention(state, &who, &household.id, person, list, note, lang)
                    .await
                    .map_err(|e| failed(person, e))?;
            }
            if let Some(visit) = &h.visit {
                let visited_at = now - visit.days_ago * DAY;
                let input = VisitInput {
                    visited_at,
                    purpose: purpose_key(visit.purpose),
                    notes: visit.notes.into(),
                    follow_ups: visit
                        .follow_up
                        .map(|(what, days)| (what.to_string(), Some(visited_at + days * DAY)))
                        .into_iter()
                        .collect(),
                };
                record_visit(state, &who, &household.id, &input, lang)
                    .await
                    .map_err(|e| failed(h.address, e))?;
            }
        }

        let station = create_station(state, &worker, c.code, c.station, lang)
            .await
            .map_err(|e| failed(c.station, e))?;
        let team = create_team(state, &worker, c.code, c.team, &station.id, lang)
            .await
            .map_err(|e| failed(c.team, e))?;
        let mut volunteers = Vec::new();
        for (name, account) in c.volunteers {
            let input = VolunteerInput {
                name: name.to_string(),
                team: team.id.clone(),
                username: account.unwrap_or_default().to_string(),
                phone: String::new(),
            };
            let volunteer = create_volunteer(state, &worker, c.code, &input, lang)
                .await
                .map_err(|e| failed(name, e))?;
            volunteers.push(volunteer.id);
        }

        for &(title, kind, in_days, hours, served) in c.activities {
            let starts_at = now + in_days * DAY;
            let ends_at = starts_at + hours * HOUR;
            let input = ActivityInput {
                title: title.into(),
                activity_type: kind.into(),
                station: station.id.clone(),
                team: team.id.clone(),
                starts_at,
                ends_at,
            };
            let activity = create_activity(state, &worker, c.code, &input, lang)
                .await
                .map_err(|e| failed(title, e))?;
            let Some(served) = served else { continue };
            for volunteer in &volunteers {
                sign_in(state, &worker, &activity.id, volunteer, starts_at, lang)
                    .await
                    .map_err(|e| failed(title, e))?;
                sign_out(state, &worker, &activity.id, volunteer, ends_at, lang)
                    .await
                    .map_err(|e| failed(title, e))?;
            }
            let served = served.to_string();
            set_people_served(state, &worker, &activity.id, &served, "0", lang)
                .await
                .map_err(|e| failed(title, e))?;
        }

        let mut exchanged = None;
        for (name, points, stock) in c.items {
            let item = create_item(
                state,
                &worker,
                c.code,
                name,
                &points.to_string(),
                &stock.to_string(),
                lang,
            )
            .await
            .map_err(|e| failed(name, e))?;
            if c.exchanged == Some(*name) {
                exchanged = Some(item.id);
            }
        }
        let resident = c.volunteers.iter().find_map(|(_, account)| *account);
        if let (Some(item), Some(account)) = (exchanged, resident) {
            let user = acting_as(state, account).await?;
            redeem(state, &user, None, &item, "1", &new_request_key(), lang)
                .await
                .map_err(|e| failed("redeem", e))?;
        }
    }
    Ok(())
}
