//! `xingfu bench seed`: loads a database for the page and overview benchmarks: a city of N
//! synthetic communities (10 districts × 10 streets × N/100, codes in the national 12-digit
//! layout), or every community of a province already imported with `xingfu import regions`, a
//! round of the 128-clause standard per year with every entry named and one assessor sheet
//! each, and, when asked, 随手拍 events and survey answers spread over the years.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::bench::{Lcg, token};
use super::resolve_standard;

/// Loads a database for the page load test: `communities` synthetic communities (10 districts
/// × 10 streets × N/100) under one city, `years` rounds of the 128-clause standard, every entry
/// named with one assessor sheet of 128 answers; prints a session cookie for the load generator
/// and the paths to request. With `province`, the communities are that province's, imported
/// before (the database holds only its regions), and `communities` is not used.
pub fn seed(
    database: &str,
    province: Option<&str>,
    communities: usize,
    years: usize,
    events: usize,
    survey_answers: usize,
) -> Result<ExitCode> {
    use xingfu_store::Store;
    use xingfu_store::accounts::NewUser;
    use xingfu_store::bulk::BulkEntry;
    use xingfu_store::rounds::NewRound;

    let standard = resolve_standard("weihai-jzxf-2022", false)?;
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "weihai-jzxf-2022")
        .map(|(_, t)| *t)
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::connect(database).await?;
        let started = Instant::now();
        let (top, codes) = match province {
            Some(province) => province_communities(&store, province).await?,
            None => {
                if store.count_regions().await? > 0 {
                    anyhow::bail!("the database is not empty: seed a new one");
                }
                synthetic_city(&store, communities).await?
            }
        };
        let communities = codes.len();
        store
            .save_standard(&standard.id, &standard.version, text, 0)
            .await?;
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$Ym9ndXNoYXNoYm9ndXNoYXNoYm9ndXNo";
        let user = store
            .create_user(
                &NewUser {
                    username: "bench",
                    display_name: "压测账号",
                    password_hash: hash,
                    role: "city_admin",
                    region_code: &top,
                },
                0,
            )
            .await?;
        let token = token();
        let far = i64::MAX / 2;
        store
            .create_session(&token, &user.id, "bench-csrf", 0, far)
            .await?;

        let clauses: Vec<_> = standard.clauses().collect();
        let mut rng = Lcg(7);
        let mut last_round = String::new();
        let mut previous: Vec<i64> = vec![0; communities];
        for year in 0..years {
            let round = store
                .create_round(
                    &NewRound {
                        year: 2019 + year as i64,
                        region_code: &top,
                        standard_id: &standard.id,
                        standard_version: &standard.version,
                        objection_days: 7,
                    },
                    "bench",
                    0,
                )
                .await?;
            let mut entries = Vec::with_capacity(communities);
            let mut answers = Vec::with_capacity(communities * clauses.len());
            for (i, code) in codes.iter().enumerate() {
                let quality = 40 + rng.below(61);
                let mut met = 0i64;
                for clause in &clauses {
                    let yes = rng.below(100) < quality;
                    let answer = match &clause.judge {
                        xingfu_core::standard::Judge::Survey { .. } => {
                            format!("{{\"number\":{}}}", 80 + rng.below(20))
                        }
                        xingfu_core::standard::Judge::Numeric { .. } => {
                            format!("{{\"number\":{}}}", if yes { 12 } else { 3 })
                        }
                        _ => format!("{{\"met\":{yes}}}"),
                    };
                    if yes {
                        met += 1;
                    }
                    answers.push((
                        round.id.clone(),
                        code.clone(),
                        "bench-assessor".to_string(),
                        clause.id.clone(),
                        answer,
                    ));
                }
                let total = xingfu_core::Dec2::from_int(met);
                let star = i64::from(xingfu_core::scoring::star_for(&standard, total));
                entries.push(BulkEntry {
                    round_id: round.id.clone(),
                    community_code: code.clone(),
                    stage: "named".into(),
                    previous_star: previous[i],
                    total: total.hundredths(),
                    share: xingfu_core::Dec2::percent_of(total, standard.total_points).hundredths(),
                    star,
                    decision: serde_json::to_value(xingfu_core::round::Decision::of(
                        previous[i] as u8,
                        star as u8,
                    ))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                    reward_fen: 0,
                });
                previous[i] = star;
            }
            store.bulk_entries(&entries, 0).await?;
            store.bulk_answers(&answers, 0).await?;
            let year_number = 2019 + year as i64;
            let share = |total: usize| total / years + usize::from(year < total % years);
            load_events(&store, &codes, year_number, share(events), &mut rng).await?;
            load_survey_answers(&store, &round.id, &codes, share(survey_answers), &mut rng).await?;
            eprintln!(
                "year {} loaded ({} entries, {} answers) at {:.0?}",
                2019 + year,
                entries.len(),
                answers.len(),
                started.elapsed()
            );
            last_round = round.id;
        }
        // Statistics and the visibility map as autovacuum leaves them after a bulk load: without
        // this the run would measure the first minutes after loading (on PostgreSQL every
        // index-only probe then reads the table too: the round overview took 61 ms, 22 after).
        let settle = match store.backend() {
            xingfu_store::Backend::Sqlite => "ANALYZE",
            xingfu_store::Backend::Postgres => "VACUUM ANALYZE",
        };
        store.execute_admin(settle).await?;
        println!("cookie: xingfu_session={token}");
        println!("round overview: /rounds/{last_round}");
        println!(
            "community page: /rounds/{last_round}/communities/{}",
            codes[codes.len() / 2]
        );
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A synthetic city of `communities` communities (10 districts × 10 streets × N/100), written
/// as regions; returns the city's code and the communities' codes.
async fn synthetic_city(
    store: &xingfu_store::Store,
    communities: usize,
) -> Result<(String, Vec<String>)> {
    use xingfu_store::regions::RegionRow;

    let region = |code: String, name: String, level: &str, parent: Option<String>| RegionRow {
        code,
        name,
        level: level.into(),
        parent,
        urban_rural: None,
    };
    let city = "371000000000".to_string();
    let mut regions = vec![region(city.clone(), "基准市".into(), "city", None)];
    let mut codes = Vec::with_capacity(communities);
    for i in 0..communities {
        let district = 1 + (i / 1000) % 99;
        let street = 1 + (i / 100) % 10;
        let community = 1 + i % 100;
        let d = format!("3710{district:02}000000");
        let s = format!("3710{district:02}{street:03}000");
        if i % 1000 == 0 {
            regions.push(region(
                d.clone(),
                format!("基准区{district}"),
                "district",
                Some(city.clone()),
            ));
        }
        if i % 100 == 0 {
            regions.push(region(
                s.clone(),
                format!("基准街道{district}-{street}"),
                "street",
                Some(d),
            ));
        }
        let code = format!("3710{district:02}{street:03}{community:03}");
        regions.push(region(
            code.clone(),
            format!("基准社区{i}"),
            "community",
            Some(s),
        ));
        codes.push(code);
    }
    store.bulk_regions(&regions).await?;
    Ok((city, codes))
}

/// The communities of a province imported before: its 12-digit code (`37` is padded to
/// `370000000000`) and its communities' codes. Refuses a province that has rounds already, so
/// a second seed cannot add another.
async fn province_communities(
    store: &xingfu_store::Store,
    province: &str,
) -> Result<(String, Vec<String>)> {
    let code = format!("{province:0<12}");
    let Some(row) = store.region(&code).await? else {
        anyhow::bail!("no region {code}: import the province's divisions first");
    };
    if row.level != "province" {
        anyhow::bail!("{code} is a {}, not a province", row.level);
    }
    let prefix = xingfu_core::region::subtree_prefix(&code, "province");
    if !store.rounds_overlapping(prefix).await?.is_empty() {
        anyhow::bail!("the database already holds rounds: seed a new one");
    }
    let codes: Vec<String> = store
        .regions_within(&row, "community")
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    if codes.is_empty() {
        anyhow::bail!("{code} has no communities: import villages.csv too");
    }
    Ok((code, codes))
}

/// 随手拍 events reported in `year` across the communities: 70% closed (one in ten of them
/// late), 10% rejected or merged, 20% still open with a deadline inside the year.
async fn load_events(
    store: &xingfu_store::Store,
    codes: &[String],
    year: i64,
    count: usize,
    rng: &mut Lcg,
) -> Result<()> {
    use xingfu_core::ops::Level;
    use xingfu_core::ops::coords::GeoPoint;
    use xingfu_core::ops::events::{Event, EventId, EventState, HOUR_MS};

    let (from, to) = xingfu_server::metrics::year_period(year);
    let first_id = (year as u64 - 2000) * 10_000_000;
    let mut batch = Vec::with_capacity(50_000);
    for i in 0..count {
        let community = codes[rng.below(codes.len() as u64) as usize].clone();
        let reported_at = from + rng.below((to - from - 30 * 24 * HOUR_MS) as u64) as i64;
        let roll = rng.below(100);
        let state = match roll {
            0..=69 => EventState::Closed,
            70..=74 => EventState::Rejected,
            75..=79 => EventState::Merged,
            80..=89 => EventState::InProgress,
            _ => EventState::Reported,
        };
        let live = !state.is_final();
        let handled_in = (1 + rng.below(96)) as i64 * HOUR_MS;
        let late = state == EventState::Closed && roll.is_multiple_of(10);
        batch.push(Event {
            id: EventId(first_id + i as u64),
            category: "sanitation".into(),
            description: String::new(),
            location: GeoPoint {
                lon: 117.0 + rng.below(1000) as f64 / 1000.0,
                lat: 36.0 + rng.below(1000) as f64 / 1000.0,
            },
            located: true,
            address: None,
            photos: vec![],
            community,
            grid: None,
            reporter: None,
            state,
            level: Level::Community,
            assignee: None,
            reported_at,
            deadline: live.then_some(reported_at + 72 * HOUR_MS),
            resolved_at: None,
            closed_at: (!live).then_some(reported_at + handled_in),
            late,
            escalations: u32::from(late),
            reopens: 0,
            merged_into: (state == EventState::Merged).then_some(EventId(first_id)),
            updated_at: reported_at + handled_in,
            version: 1,
        });
        if batch.len() == batch.capacity() {
            store.bulk_events(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.bulk_events(&batch).await?;
    }
    Ok(())
}

/// Survey answers for the round, with the standard's shipped questionnaire as its survey: spread
/// over the communities, mostly satisfied, stored with their tallies as the ingest stores them.
async fn load_survey_answers(
    store: &xingfu_store::Store,
    round_id: &str,
    codes: &[String],
    count: usize,
    rng: &mut Lcg,
) -> Result<()> {
    use xingfu_store::surveys::{NewSurveyAnswer, NewSurveySettings};

    if count == 0 {
        return Ok(());
    }
    let standard = resolve_standard("weihai-jzxf-2022", false)?;
    let shipped = xingfu_formats::shipped_questionnaires::SHIPPED
        .iter()
        .find(|q| q.standard == standard.id)
        .ok_or_else(|| anyhow::anyhow!("a questionnaire ships for {}", standard.id))?;
    let questionnaire = xingfu_formats::shipped_questionnaires::for_standard(&standard)
        .ok_or_else(|| anyhow::anyhow!("a questionnaire ships for {}", standard.id))?
        .map_err(|_| anyhow::anyhow!("the {} questionnaire loads", standard.id))?;
    let by = xingfu_store::rounds::By {
        actor: "bench",
        at: 0,
    };
    store
        .set_survey_settings(
            &NewSurveySettings {
                read_at: None,
                round_id,
                questionnaire_id: &questionnaire.id,
                questionnaire_version: &questionnaire.version,
                questionnaire_body: shipped.text,
                quota: 30,
                closes_at: None,
            },
            by,
        )
        .await?;
    let mut answer_rng = super::bench_survey::Lcg(rng.next());
    let mut batch = Vec::with_capacity(5_000);
    for index in 0..count {
        let community = &codes[rng.below(codes.len() as u64) as usize];
        let given = super::bench_survey::answers(&questionnaire, &mut answer_rng);
        let checked = super::bench_survey::checked(&questionnaire, &given)?;
        batch.push(NewSurveyAnswer {
            id: xingfu_store::new_id(),
            round_id: round_id.to_string(),
            community_code: community.clone(),
            questionnaire_id: questionnaire.id.clone(),
            questionnaire_version: questionnaire.version.clone(),
            household: format!("{:032x}{index:032x}", round_id.len()),
            client_token: format!("seed-{round_id}-{index:010}"),
            channel: xingfu_core::survey::Channel::ResidentLink.key().to_string(),
            entered_by: None,
            source: None,
            location_e6: None,
            pattern: checked.pattern().to_string(),
            answers: serde_json::to_string(&checked.submission().answers)?,
            increments: checked.increments().iter().map(|k| k.to_string()).collect(),
            at: 0,
            hold: Default::default(),
        });
        if batch.len() == batch.capacity() {
            store.bulk_survey_answers(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.bulk_survey_answers(&batch).await?;
    }
    Ok(())
}
