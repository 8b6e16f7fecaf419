//! Resident satisfaction surveys in the server: a round's survey settings, resident links, the
//! ingest of answers with group commit, results for a community or an area, the feed into the
//! rating core, fraud signals, the Excel export and the QR code.
//!
//! **Ingest.** Every answer, from a resident's phone or a staff member's form, goes to ONE writer
//! task per process ([`SurveyRuntime`]). The writer takes what is waiting (up to
//! [`IngestConfig::max_batch`], waiting at most [`IngestConfig::linger`] for more), writes the
//! whole batch in one transaction ([`xingfu_store::Store::record_survey_answers`]: answers, the
//! one-answer-per-household decision and the running tallies), and only after the commit replies
//! to each request. Durability is the database's own (SQLite `synchronous = FULL`, PostgreSQL's
//! default `synchronous_commit`): batching spreads one flush over many answers instead of
//! weakening it. If a batch fails, each of its answers is written alone, so one bad answer cannot
//! fail the others.
//!
//! **Households** are kept only as HMAC-SHA256 of the normalised identifier under a secret kept in
//! the database, and per round, so the same household cannot be followed from one year's survey to
//! the next. A household code (户号) is numbered by its community, so its hash also covers the
//! community; a phone number is the same household wherever it answers.
//!
//! **Held answers (待核实).** An answer that trips a fraud signal is stored but held out of the
//! tallies, and so out of the rating (see [`xingfu_store::surveys`]); this module marks a located
//! answer outside the community's area at arrival, and refuses a household code that is not in
//! the community's household register where it keeps one. District officers accept or reject
//! held answers ([`decide`]).
//!
//! **Results** read only the tally rows: a community's, or the sum of those under a street's or
//! district's code range.
//!
//! **Feed.** When a community has survey answers in a round that runs a survey, its survey clauses
//! come from the survey alone: the rates replace any figure assessors typed, and a clause whose
//! dimension is below the round's quota is left "not assessed" (see [`apply_feed`]). A community
//! without any survey answer keeps the assessors' figures (its survey was run outside Xingfu).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot};
use xingfu_core::Standard;
use xingfu_core::region;
use xingfu_core::scoring::Assessment;
use xingfu_core::survey::fraud::{
    AnswerMeta, CommunityArea, FraudParams, FraudSignals, GeoPoint, signals,
};
use xingfu_core::survey::fraud::{HoldSignal, outside_community};
use xingfu_core::survey::household::{
    HouseholdId, HouseholdIdError, is_valid_client_token, outside_register,
};
use xingfu_core::survey::submission::SubmissionError;
use xingfu_core::survey::{
    Channel, CounterKey, Questionnaire, Quota, Submission, SurveyFeed, Tally, check_submission,
    feed,
};
use xingfu_core::workflow::Role;
use xingfu_store::Store;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, RoundRow};
use xingfu_store::surveys::{
    NewSurveyAnswer, NewSurveySettings, RecordOutcome, ReviewAnswerRow, ReviewCounts,
    ReviewDecision, ReviewOutcome, SURVEY_SECRET, SettingsSaved, SurveyLinkRow, SurveySettingsRow,
};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};

/// How the writer gathers a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestConfig {
    /// Most answers written in one transaction.
    pub max_batch: usize,
    /// Longest wait for more answers once one is waiting and the batch is not full.
    pub linger: Duration,
    /// Answers waiting for the writer before senders wait too (back-pressure).
    pub queue: usize,
}

impl Default for IngestConfig {
    /// 256 answers or 2 ms: the batch fills while the previous one commits under load, and a lone
    /// answer waits at most 2 ms longer than it would alone.
    fn default() -> IngestConfig {
        IngestConfig {
            max_batch: 256,
            linger: Duration::from_millis(2),
            queue: 4096,
        }
    }
}

/// Reading a round's survey settings again after this long, for answers (other app servers may
/// have changed the quota; the questionnaire cannot change once answers exist).
const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// Answers read at most for one fraud-signal page.
pub const MAX_FRAUD_ANSWERS: i64 = 200_000;
/// Largest quota a round may set.
pub const MAX_QUOTA: i64 = 100_000;

type Reply = oneshot::Sender<Result<RecordOutcome, String>>;

struct Job {
    answer: NewSurveyAnswer,
    reply: Reply,
}

/// A round's survey: its settings and the questionnaire they name.
#[derive(Debug, Clone)]
pub struct RoundSurvey {
    pub settings: SurveySettingsRow,
    pub questionnaire: Arc<Questionnaire>,
}

impl RoundSurvey {
    pub fn quota(&self) -> Quota {
        Quota {
            min_respondents: self.settings.quota.max(0) as u64,
        }
    }
}

/// A resident link, as the resident pages need it.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub round_id: String,
    pub community_code: String,
    pub community_name: String,
}

/// How much the writer has written since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestCounts {
    /// Transactions committed (or attempted).
    pub batches: u64,
    /// Answers handed to them.
    pub answers: u64,
    /// The largest batch.
    pub largest: u64,
}

#[derive(Default)]
struct Counters {
    batches: std::sync::atomic::AtomicU64,
    answers: std::sync::atomic::AtomicU64,
    largest: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Inner {
    config: IngestConfig,
    counters: Arc<Counters>,
    writer: OnceLock<mpsc::Sender<Job>>,
    secret: tokio::sync::OnceCell<Vec<u8>>,
    rounds: RwLock<HashMap<String, (Instant, Arc<RoundSurvey>)>>,
    questionnaires: RwLock<HashMap<(String, String), Arc<Questionnaire>>>,
    links: RwLock<HashMap<String, LinkInfo>>,
}

/// The survey side of the server's state: the writer task (started on the first answer) and
/// caches of what answers are read against.
#[derive(Clone, Default)]
pub struct SurveyRuntime {
    inner: Arc<Inner>,
}

impl SurveyRuntime {
    pub fn with_config(config: IngestConfig) -> SurveyRuntime {
        SurveyRuntime {
            inner: Arc::new(Inner {
                config,
                ..Inner::default()
            }),
        }
    }

    pub fn config(&self) -> IngestConfig {
        self.inner.config
    }

    /// Batches and answers written so far by this process's writer.
    pub fn counts(&self) -> IngestCounts {
        use std::sync::atomic::Ordering::Relaxed;
        let counters = &self.inner.counters;
        IngestCounts {
            batches: counters.batches.load(Relaxed),
            answers: counters.answers.load(Relaxed),
            largest: counters.largest.load(Relaxed),
        }
    }

    fn writer(&self, store: &Store) -> mpsc::Sender<Job> {
        self.inner
            .writer
            .get_or_init(|| {
                let config = self.inner.config;
                let (sender, receiver) = mpsc::channel(config.queue.max(1));
                let counters = self.inner.counters.clone();
                tokio::spawn(run_writer(store.clone(), receiver, config, counters));
                sender
            })
            .clone()
    }

    fn forget_round(&self, round_id: &str) {
        if let Ok(mut rounds) = self.inner.rounds.write() {
            rounds.remove(round_id);
        }
    }
}

/// The writer task: gathers a batch, writes it in one transaction, then replies to each.
async fn run_writer(
    store: Store,
    mut receiver: mpsc::Receiver<Job>,
    config: IngestConfig,
    counters: Arc<Counters>,
) {
    let max = config.max_batch.max(1);
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < max {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if jobs.len() < max && !config.linger.is_zero() {
            let deadline = tokio::time::Instant::now() + config.linger;
            while jobs.len() < max {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(job)) => jobs.push(job),
                    _ => break,
                }
            }
        }
        {
            use std::sync::atomic::Ordering::Relaxed;
            counters.batches.fetch_add(1, Relaxed);
            counters.answers.fetch_add(jobs.len() as u64, Relaxed);
            counters.largest.fetch_max(jobs.len() as u64, Relaxed);
        }
        write_batch(&store, jobs).await;
    }
}

async fn write_batch(store: &Store, jobs: Vec<Job>) {
    let (answers, replies): (Vec<NewSurveyAnswer>, Vec<Reply>) =
        jobs.into_iter().map(|job| (job.answer, job.reply)).unzip();
    match store.record_survey_answers(&answers).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(error) if answers.len() > 1 => {
            tracing::warn!(
                "a batch of {} survey answers failed ({error}); writing each alone",
                answers.len()
            );
            for (answer, reply) in answers.iter().zip(replies) {
                let outcome = store
                    .record_survey_answers(std::slice::from_ref(answer))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|mut o| o.pop().ok_or_else(|| "no outcome".to_string()));
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(error.to_string()));
            }
        }
    }
}

fn internal(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}"))
}

fn pick(en: bool, zh: impl Into<String>, english: impl Into<String>) -> String {
    if en { english.into() } else { zh.into() }
}

/// The questionnaire of stored settings, parsed once per (id, version).
fn questionnaire_of(
    runtime: &SurveyRuntime,
    settings: &SurveySettingsRow,
) -> Result<Arc<Questionnaire>, AppError> {
    let key = (
        settings.questionnaire_id.clone(),
        settings.questionnaire_version.clone(),
    );
    if let Some(found) = runtime
        .inner
        .questionnaires
        .read()
        .ok()
        .and_then(|map| map.get(&key).cloned())
    {
        return Ok(found);
    }
    let name = format!("{} {}", key.0, key.1);
    let parsed =
        xingfu_formats::questionnaire_file::load_questionnaire(&name, &settings.questionnaire_body)
            .map_err(|problems| {
                internal(format!(
                    "stored questionnaire {name} does not load: {}",
                    problems
                        .iter()
                        .map(|p| p.render(true))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })?;
    let parsed = Arc::new(parsed);
    if let Ok(mut map) = runtime.inner.questionnaires.write() {
        map.insert(key, parsed.clone());
    }
    Ok(parsed)
}

/// The round's survey as stored now (for results and settings pages).
pub async fn round_survey(
    state: &AppState,
    round_id: &str,
) -> Result<Option<RoundSurvey>, AppError> {
    let Some(settings) = state.store.survey_settings(round_id).await? else {
        return Ok(None);
    };
    let questionnaire = questionnaire_of(&state.surveys, &settings)?;
    Ok(Some(RoundSurvey {
        settings,
        questionnaire,
    }))
}

/// The round's survey, read again after [`SETTINGS_TTL`] (for answers and the feed).
pub async fn cached_round_survey(
    state: &AppState,
    round_id: &str,
) -> Result<Option<Arc<RoundSurvey>>, AppError> {
    let runtime = &state.surveys;
    if let Some((at, found)) = runtime
        .inner
        .rounds
        .read()
        .ok()
        .and_then(|map| map.get(round_id).cloned())
        && at.elapsed() < SETTINGS_TTL
    {
        return Ok(Some(found));
    }
    let Some(survey) = round_survey(state, round_id).await? else {
        return Ok(None);
    };
    let survey = Arc::new(survey);
    if let Ok(mut map) = runtime.inner.rounds.write() {
        map.insert(round_id.to_string(), (Instant::now(), survey.clone()));
    }
    Ok(Some(survey))
}

async fn secret(state: &AppState) -> Result<&[u8], AppError> {
    let secret = state
        .surveys
        .inner
        .secret
        .get_or_try_init(|| async {
            let text = state.store.server_secret(SURVEY_SECRET, now_ms()).await?;
            hex::decode(text).map_err(|e| internal(format!("the survey secret is not hex: {e}")))
        })
        .await?;
    Ok(secret.as_slice())
}

/// HMAC-SHA256 of length-prefixed parts, as hex.
fn hmac_hex(secret: &[u8], parts: &[&str]) -> Result<String, AppError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|e| internal(format!("HMAC key: {e}")))?;
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part.as_bytes());
    }
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// The stored form of a household in a round (see the module notes).
pub fn household_hash(
    secret: &[u8],
    round_id: &str,
    community: &str,
    household: &HouseholdId,
) -> Result<String, AppError> {
    let scope = match household {
        HouseholdId::Phone(_) => "",
        HouseholdId::Code(_) => community,
    };
    hmac_hex(
        secret,
        &["household", round_id, scope, &household.hash_input()],
    )
}

/// The stored form of a sender's network address in a round.
pub fn source_hash(secret: &[u8], round_id: &str, address: IpAddr) -> Result<String, AppError> {
    hmac_hex(secret, &["source", round_id, &address.to_string()])
}

/// May `user` enter phone, paper and home-visit answers for `community`? Community workers (grid
/// members), administrators and assessors whose area contains it; an assessor never for their own
/// community.
pub fn may_enter(user: &CurrentUser, community: &str, en: bool) -> Result<(), AppError> {
    let role_may = matches!(
        user.role,
        Role::CommunityWorker
            | Role::StreetAdmin
            | Role::DistrictAdmin
            | Role::CityAdmin
            | Role::Assessor
    );
    let own = user.role == Role::Assessor
        && user.region_level == "community"
        && user.user.region_code == community;
    if !role_may || own || !user.actor().covers(community) {
        return Err(AppError::Forbidden(pick(
            en,
            "只有本辖区的社区工作者、管理员或评审员可以录入问卷(评审员不录入自己所在的社区)",
            "only community workers, administrators and assessors of this area enter answers \
             (an assessor never for their own community)",
        )));
    }
    Ok(())
}

/// May `user` make a community's resident link and poster? Its community workers and the
/// administrators whose area contains it.
pub fn may_publish_link(user: &CurrentUser, community: &str, en: bool) -> Result<(), AppError> {
    let role_may = matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    );
    if !role_may || !user.actor().covers(community) {
        return Err(AppError::Forbidden(pick(
            en,
            "只有本辖区的社区工作者或管理员可以生成问卷链接",
            "only community workers and administrators of this area make survey links",
        )));
    }
    Ok(())
}

/// May `user` see fraud signals for `area`? District and city administrators whose area contains it.
pub fn may_see_signals(user: &CurrentUser, area: &str, en: bool) -> Result<(), AppError> {
    if !matches!(user.role, Role::DistrictAdmin | Role::CityAdmin) || !user.actor().covers(area) {
        return Err(AppError::Forbidden(pick(
            en,
            "异常提示只向区级和市级管理员显示",
            "fraud signals are shown to district and city administrators only",
        )));
    }
    Ok(())
}

async fn round_of(state: &AppState, round_id: &str) -> Result<RoundRow, AppError> {
    state.store.round(round_id).await?.ok_or(AppError::NotFound)
}

/// A community of the round's area, or a refusal naming why not.
async fn community_of_round(
    state: &AppState,
    round: &RoundRow,
    community: &str,
    en: bool,
) -> Result<RegionRow, AppError> {
    let found = state.store.region(community).await?;
    let Some(found) = found.filter(|r| r.level == "community") else {
        return Err(AppError::BadRequest(pick(
            en,
            format!("{community} 不是社区编码"),
            format!("{community} is not a community code"),
        )));
    };
    if !region::within(
        community,
        &round.region_code,
        &xingfu_core::region::level_of_code(&round.region_code).to_string(),
    ) {
        return Err(AppError::BadRequest(pick(
            en,
            "该社区不在本评选年度的范围内",
            "this community is outside the round's area",
        )));
    }
    Ok(found)
}

/// Sets the round's survey: the questionnaire shipped for its standard and the quota. City or
/// district administrators whose area contains the round's region.
pub async fn save_settings(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    quota: i64,
    read_at: Option<i64>,
    en: bool,
) -> Result<SurveySettingsRow, AppError> {
    let round = round_of(state, round_id).await?;
    let admin = matches!(user.role, Role::CityAdmin | Role::DistrictAdmin);
    if !admin || !user.actor().covers(&round.region_code) {
        return Err(AppError::Forbidden(pick(
            en,
            "只有本评选年度所在地区的市级或区级管理员可以设置满意度调查",
            "only a city or district administrator of the round's area sets its survey",
        )));
    }
    if !(0..=MAX_QUOTA).contains(&quota) {
        return Err(AppError::BadRequest(pick(
            en,
            format!("样本量须在 0–{MAX_QUOTA} 户之间"),
            format!("the quota must be between 0 and {MAX_QUOTA} households"),
        )));
    }
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let shipped = xingfu_formats::shipped_questionnaires::SHIPPED
        .iter()
        .find(|q| q.standard == standard.id);
    let (Some(shipped), Some(loaded)) = (
        shipped,
        xingfu_formats::shipped_questionnaires::for_standard(&standard),
    ) else {
        return Err(AppError::BadRequest(pick(
            en,
            format!("标准 {} 没有随附的满意度调查问卷", standard.id),
            format!("no questionnaire ships for standard {}", standard.id),
        )));
    };
    let questionnaire = loaded.map_err(|problems| {
        internal(format!(
            "shipped questionnaire {} does not load with its standard: {}",
            shipped.id,
            problems
                .iter()
                .map(|p| p.render(true))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let saved = state
        .store
        .set_survey_settings(
            &NewSurveySettings {
                round_id,
                questionnaire_id: &questionnaire.id,
                questionnaire_version: &questionnaire.version,
                questionnaire_body: shipped.text,
                quota,
                read_at,
            },
            By {
                actor: &user.user.username,
                at: now_ms(),
            },
        )
        .await?;
    state.surveys.forget_round(round_id);
    match saved {
        SettingsSaved::Saved(row) => Ok(row),
        SettingsSaved::QuestionnaireLocked { answers } => Err(AppError::Conflict(pick(
            en,
            format!("本年度已收到 {answers} 份其他版本问卷的答卷,不能更换问卷"),
            format!("the round already holds {answers} answers to another questionnaire version"),
        ))),
        SettingsSaved::Stale(now) => Err(crate::app::versions::stale(
            state,
            en,
            crate::app::versions::SURVEY_SETTINGS,
            now.as_ref().map_or(0, |n| n.version),
            now.as_ref().map(|n| n.updated_by.as_str()),
            now.as_ref().map(|n| n.updated_at),
        )
        .await),
    }
}

/// The community's resident link in the round (made on first request).
pub async fn resident_link(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    en: bool,
) -> Result<SurveyLinkRow, AppError> {
    may_publish_link(user, community, en)?;
    let round = round_of(state, round_id).await?;
    community_of_round(state, &round, community, en).await?;
    if state.store.survey_settings(round_id).await?.is_none() {
        return Err(AppError::Conflict(pick(
            en,
            "本评选年度还没有设置满意度调查",
            "this round has no survey set up yet",
        )));
    }
    let token: [u8; 16] = rand::random();
    Ok(state
        .store
        .create_survey_link(
            round_id,
            community,
            &hex::encode(token),
            By {
                actor: &user.user.username,
                at: now_ms(),
            },
        )
        .await?)
}

/// The round and community a resident link leads to; `None` for a token that is not a link.
pub async fn link(state: &AppState, token: &str) -> Result<Option<LinkInfo>, AppError> {
    // Links are never deleted, so a found link is kept; unknown tokens are not remembered.
    if let Some(found) = state
        .surveys
        .inner
        .links
        .read()
        .ok()
        .and_then(|map| map.get(token).cloned())
    {
        return Ok(Some(found));
    }
    if token.len() > 128 {
        return Ok(None);
    }
    let Some(row) = state.store.survey_link(token).await? else {
        return Ok(None);
    };
    let name = state
        .store
        .region(&row.community_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_else(|| row.community_code.clone());
    let info = LinkInfo {
        round_id: row.round_id,
        community_code: row.community_code,
        community_name: name,
    };
    if let Ok(mut map) = state.surveys.inner.links.write() {
        map.insert(token.to_string(), info.clone());
    }
    Ok(Some(info))
}

/// Who sends an answer, and from where.
#[derive(Debug, Clone)]
pub struct Respondent<'a> {
    pub client_token: &'a str,
    pub household: HouseholdId,
    pub channel: Channel,
    /// The staff member's user name for staff-entered channels.
    pub entered_by: Option<&'a str>,
    pub address: Option<IpAddr>,
    pub location: Option<GeoPoint>,
}

/// Why an answer was not taken before it reached the database.
#[derive(Debug)]
pub enum SubmitError {
    /// The answers do not fit the questionnaire (every problem, with its question).
    Answers(Vec<SubmissionError>),
    /// The form's client token is not 16–128 letters, digits, `-` or `_`.
    ClientToken,
    /// The location is not a latitude/longitude.
    Location,
    /// The household cannot answer as given (a code outside the community's register).
    Household(HouseholdIdError),
    App(AppError),
}

impl From<AppError> for SubmitError {
    fn from(error: AppError) -> SubmitError {
        SubmitError::App(error)
    }
}

/// Checks one household's answers and hands them to the writer; returns once the batch holding
/// them is committed (or refused), never before.
pub async fn submit(
    state: &AppState,
    survey: &RoundSurvey,
    community: &str,
    answers: BTreeMap<String, xingfu_core::survey::Response>,
    respondent: Respondent<'_>,
) -> Result<RecordOutcome, SubmitError> {
    if !is_valid_client_token(respondent.client_token) {
        return Err(SubmitError::ClientToken);
    }
    if respondent.location.is_some_and(|p| !p.is_valid()) {
        return Err(SubmitError::Location);
    }
    let q = &survey.questionnaire;
    let checked = check_submission(
        q,
        Submission {
            questionnaire: q.id.clone(),
            version: q.version.clone(),
            channel: respondent.channel,
            answers,
        },
    )
    .map_err(SubmitError::Answers)?;
    if let HouseholdId::Code(code) = &respondent.household {
        let register = state
            .store
            .household_register(community)
            .await
            .map_err(AppError::from)?;
        if outside_register(&respondent.household, register.iter().map(String::as_str)) {
            return Err(SubmitError::Household(HouseholdIdError::NotInRegister(
                code.clone(),
            )));
        }
    }
    let hold = match respondent.location {
        Some(point) => located_outside(state, community, point).await?,
        None => Default::default(),
    };
    let secret = secret(state).await?;
    let round_id = &survey.settings.round_id;
    let household = household_hash(secret, round_id, community, &respondent.household)?;
    let source = respondent
        .address
        .map(|address| source_hash(secret, round_id, address))
        .transpose()?;
    let answer = NewSurveyAnswer {
        id: xingfu_store::new_id(),
        round_id: round_id.clone(),
        community_code: community.to_string(),
        questionnaire_id: q.id.clone(),
        questionnaire_version: q.version.clone(),
        household,
        client_token: respondent.client_token.to_string(),
        channel: respondent.channel.key().to_string(),
        entered_by: respondent.entered_by.map(str::to_string),
        source,
        location_e6: respondent.location.map(|p| {
            (
                (p.lat * 1_000_000.0).round() as i64,
                (p.lon * 1_000_000.0).round() as i64,
            )
        }),
        pattern: checked.pattern().to_string(),
        answers: serde_json::to_string(&checked.submission().answers)
            .map_err(|e| internal(format!("answers as JSON: {e}")))?,
        increments: checked.increments().iter().map(|k| k.to_string()).collect(),
        at: now_ms(),
        hold,
    };
    let (reply, outcome) = oneshot::channel();
    state
        .surveys
        .writer(&state.store)
        .send(Job { answer, reply })
        .await
        .map_err(|_| internal("the survey writer has stopped"))?;
    let outcome = outcome
        .await
        .map_err(|_| internal("the survey writer dropped an answer"))?
        .map_err(|e| internal(format!("writing survey answers: {e}")))?;
    Ok(outcome)
}

/// Whether a located answer is beyond the community's area (with the fraud page's margin): then
/// it is held from arrival. No area set, or one that does not check: nothing to hold for.
async fn located_outside(
    state: &AppState,
    community: &str,
    point: GeoPoint,
) -> Result<std::collections::BTreeSet<HoldSignal>, AppError> {
    let area = state
        .store
        .survey_area(community)
        .await?
        .as_deref()
        .and_then(parse_area);
    let meta = AnswerMeta {
        id: String::new(),
        at_millis: 0,
        channel: Channel::HomeVisit,
        source: None,
        location: Some(point),
        pattern: String::new(),
    };
    let outside = area
        .and_then(|area| outside_community(&[meta], &area, &FraudParams::default()).ok())
        .is_some_and(|report| !report.outside.is_empty());
    Ok(if outside {
        [HoldSignal::OutsideCommunity].into()
    } else {
        Default::default()
    })
}

/// A tally from stored counters; a counter name that does not parse is logged and left out.
pub fn tally_of(q: &Questionnaire, counters: impl IntoIterator<Item = (String, i64)>) -> Tally {
    Tally::from_counters(
        &q.id,
        &q.version,
        counters
            .into_iter()
            .filter_map(|(name, count)| match name.parse::<CounterKey>() {
                Ok(key) => Some((key, count.max(0) as u64)),
                Err(e) => {
                    tracing::warn!("survey tally: {e}");
                    None
                }
            }),
    )
}

/// One community's tally in an area's results.
#[derive(Debug, Clone)]
pub struct CommunityTally {
    pub code: String,
    pub name: String,
    pub tally: Tally,
}

/// Everything the results of an area (a community, street or district) are built from.
#[derive(Debug, Clone)]
pub struct AreaResults {
    pub round: RoundRow,
    pub standard: Arc<Standard>,
    pub survey: RoundSurvey,
    pub area: RegionRow,
    /// The area's tally: its communities' tallies summed.
    pub tally: Tally,
    /// The round's quota, when the area is one community (a quota is per community).
    pub quota: Option<Quota>,
    /// Every community of the area (just the one for a community), with its tally.
    pub communities: Vec<CommunityTally>,
    /// Answers of the area held for review and rejected; the tally holds the counted ones only.
    pub review: ReviewCounts,
}

/// The area a user's results default to: their own region if it lies in the round's, else the
/// round's region if it lies in theirs.
pub fn default_area(user: &CurrentUser, round: &RoundRow, en: bool) -> Result<String, AppError> {
    let round_level = xingfu_core::region::level_of_code(&round.region_code).to_string();
    if region::within(&user.user.region_code, &round.region_code, &round_level) {
        Ok(user.user.region_code.clone())
    } else if user.actor().covers(&round.region_code) {
        Ok(round.region_code.clone())
    } else {
        Err(AppError::Forbidden(pick(
            en,
            "该评选年度不在您的管辖范围内",
            "this round is outside your area",
        )))
    }
}

/// Results for `area` in the round, for a user whose area contains it. Residents see none.
pub async fn area_results(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    area: Option<&str>,
    en: bool,
) -> Result<AreaResults, AppError> {
    let round = round_of(state, round_id).await?;
    if user.role == Role::Resident {
        return Err(AppError::Forbidden(pick(
            en,
            "调查结果只向工作人员显示",
            "survey results are shown to staff only",
        )));
    }
    let area = match area.filter(|a| !a.is_empty()) {
        Some(area) => area.to_string(),
        None => default_area(user, &round, en)?,
    };
    let round_level = xingfu_core::region::level_of_code(&round.region_code).to_string();
    if !region::is_division_code(&area) || !region::within(&area, &round.region_code, &round_level)
    {
        return Err(AppError::BadRequest(pick(
            en,
            format!("{area} 不在本评选年度的范围内"),
            format!("{area} is outside the round's area"),
        )));
    }
    user.may_view(&area, en)?;
    let area_row = state.store.region(&area).await?.ok_or(AppError::NotFound)?;
    let Some(survey) = round_survey(state, round_id).await? else {
        return Err(AppError::Conflict(pick(
            en,
            "本评选年度还没有设置满意度调查",
            "this round has no survey set up yet",
        )));
    };
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let prefix = region::subtree_prefix(&area_row.code, &area_row.level).to_string();
    let q = survey.questionnaire.clone();
    let is_community = area_row.level == "community";
    let (tally, communities) = if is_community {
        let tally = tally_of(&q, state.store.survey_tally(round_id, &prefix).await?);
        let one = CommunityTally {
            code: area_row.code.clone(),
            name: area_row.name.clone(),
            tally: tally.clone(),
        };
        (tally, vec![one])
    } else {
        // One read of the communities' rows gives both their tallies and the area's sum.
        let mut sums: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_community: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for (community, counter, count) in state
            .store
            .survey_tallies_by_community(round_id, &prefix)
            .await?
        {
            *sums.entry(counter.clone()).or_insert(0) += count;
            by_community
                .entry(community)
                .or_default()
                .push((counter, count));
        }
        let communities = state
            .store
            .regions_within(&area_row, "community")
            .await?
            .into_iter()
            .map(|c| CommunityTally {
                tally: tally_of(&q, by_community.remove(&c.code).unwrap_or_default()),
                code: c.code,
                name: c.name,
            })
            .collect();
        (tally_of(&q, sums), communities)
    };
    let mut review = ReviewCounts::default();
    for counts in state
        .store
        .survey_review_counts(round_id, &prefix)
        .await?
        .values()
    {
        review.held += counts.held;
        review.rejected += counts.rejected;
    }
    Ok(AreaResults {
        review,
        quota: is_community.then(|| survey.quota()),
        round,
        standard,
        survey,
        area: area_row,
        tally,
        communities,
    })
}

/// What the survey gives the rating core for one community's entry: `None` when the round runs
/// no survey or the community has no survey answer (its assessors' figures stand).
pub async fn survey_feed(
    state: &AppState,
    round_id: &str,
    community: &str,
) -> Result<Option<SurveyFeed>, AppError> {
    let Some(survey) = cached_round_survey(state, round_id).await? else {
        return Ok(None);
    };
    let tally = tally_of(
        &survey.questionnaire,
        state.store.survey_tally(round_id, community).await?,
    );
    if tally.respondents() == 0 {
        return Ok(None);
    }
    let round = round_of(state, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    feed(
        &survey.questionnaire,
        &tally,
        &standard,
        Some(survey.quota()),
    )
    .map(Some)
    .map_err(|e| internal(format!("survey feed of {community}: {e}")))
}

/// Puts the survey into one assessor's sheet: its rates replace the sheet's answers for those
/// clauses, and the clauses it withholds (below quota, no counted answer) lose any figure typed
/// for them, so they are "not assessed" as the survey rules say.
pub fn apply_feed(feed: &SurveyFeed, sheet: &mut Assessment) {
    feed.apply_to(sheet);
    for withheld in &feed.withheld {
        sheet.answers.remove(&withheld.clause);
    }
}

/// A community's area as stored (JSON of the core's `CommunityArea`).
pub fn parse_area(text: &str) -> Option<CommunityArea> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let point = |v: &serde_json::Value| -> Option<GeoPoint> {
        Some(GeoPoint {
            lat: v.get("lat")?.as_f64()?,
            lon: v.get("lon")?.as_f64()?,
        })
    };
    match value.get("kind")?.as_str()? {
        "circle" => Some(CommunityArea::Circle {
            centre: point(value.get("centre")?)?,
            radius_m: value.get("radius_m")?.as_f64()?,
        }),
        "polygon" => Some(CommunityArea::Polygon {
            ring: value
                .get("ring")?
                .as_array()?
                .iter()
                .map(point)
                .collect::<Option<Vec<_>>>()?,
        }),
        _ => None,
    }
}

/// Sets a community's area as a circle, for the outside-the-community signal.
pub async fn save_circle_area(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    centre: GeoPoint,
    radius_m: f64,
    en: bool,
) -> Result<(), AppError> {
    may_see_signals(user, community, en)?;
    let area = CommunityArea::Circle { centre, radius_m };
    area.check()
        .map_err(|e| AppError::BadRequest(if en { e.to_string() } else { e.zh() }))?;
    let text = serde_json::to_string(&area).map_err(|e| internal(format!("area JSON: {e}")))?;
    state
        .store
        .set_survey_area(
            community,
            &text,
            By {
                actor: &user.user.username,
                at: now_ms(),
            },
        )
        .await?;
    Ok(())
}

/// The signals of one community.
#[derive(Debug, Clone, Serialize)]
pub struct CommunitySignals {
    pub code: String,
    pub name: String,
    pub answers: usize,
    pub area: Option<CommunityArea>,
    pub signals: FraudSignals,
}

/// Fraud signals for every community of an area.
#[derive(Debug, Clone)]
pub struct FraudView {
    pub round: RoundRow,
    pub area: RegionRow,
    /// More answers than [`MAX_FRAUD_ANSWERS`]: choose a smaller area.
    pub too_many: bool,
    pub communities: Vec<CommunitySignals>,
}

fn meta_of(row: xingfu_store::surveys::SurveyAnswerMeta) -> Option<AnswerMeta> {
    Some(AnswerMeta {
        channel: Channel::parse(&row.channel)?,
        location: row.location_e6.map(|(lat, lon)| GeoPoint {
            lat: lat as f64 / 1_000_000.0,
            lon: lon as f64 / 1_000_000.0,
        }),
        id: row.id,
        at_millis: row.at,
        source: row.source,
        pattern: row.pattern,
    })
}

/// The three signals per community of `area`, for district and city administrators.
pub async fn fraud_signals(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    area: Option<&str>,
    params: &FraudParams,
    en: bool,
) -> Result<FraudView, AppError> {
    let round = round_of(state, round_id).await?;
    let area = match area.filter(|a| !a.is_empty()) {
        Some(area) => area.to_string(),
        None => default_area(user, &round, en)?,
    };
    may_see_signals(user, &area, en)?;
    let area_row = state.store.region(&area).await?.ok_or(AppError::NotFound)?;
    let prefix = region::subtree_prefix(&area_row.code, &area_row.level).to_string();
    let Some(rows) = state
        .store
        .survey_answer_metas(round_id, &prefix, MAX_FRAUD_ANSWERS)
        .await?
    else {
        return Ok(FraudView {
            round,
            area: area_row,
            too_many: true,
            communities: Vec::new(),
        });
    };
    let mut by_community: BTreeMap<String, Vec<AnswerMeta>> = BTreeMap::new();
    for row in rows {
        let community = row.community_code.clone();
        if let Some(meta) = meta_of(row) {
            by_community.entry(community).or_default().push(meta);
        }
    }
    let mut communities = Vec::new();
    for (code, metas) in by_community {
        let name = state
            .store
            .region(&code)
            .await?
            .map(|r| r.name)
            .unwrap_or_else(|| code.clone());
        let area = state
            .store
            .survey_area(&code)
            .await?
            .as_deref()
            .and_then(parse_area);
        // A stored area that does not check is shown as missing rather than failing the page.
        let checked_area = area.clone().filter(|a| a.check().is_ok());
        let found = signals(&metas, checked_area.as_ref(), params)
            .map_err(|e| internal(format!("fraud signals of {code}: {e}")))?;
        communities.push(CommunitySignals {
            code,
            name,
            answers: metas.len(),
            area: checked_area,
            signals: found,
        });
    }
    Ok(FraudView {
        round,
        area: area_row,
        too_many: false,
        communities,
    })
}

/// Held answers read at most for one 待核实 list.
pub const MAX_REVIEW_ANSWERS: i64 = 2_000;

/// One community's 待核实 list.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub round: RoundRow,
    pub community: RegionRow,
    pub survey: RoundSurvey,
    pub held: Vec<ReviewAnswerRow>,
    pub counts: ReviewCounts,
}

/// A community's answers held for review, for the district officers who see the fraud page.
pub async fn review_list(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    en: bool,
) -> Result<ReviewView, AppError> {
    may_see_signals(user, community, en)?;
    let round = round_of(state, round_id).await?;
    let community_row = community_of_round(state, &round, community, en).await?;
    let Some(survey) = round_survey(state, round_id).await? else {
        return Err(AppError::Conflict(pick(
            en,
            "本评选年度还没有设置满意度调查",
            "this round has no survey set up yet",
        )));
    };
    let held = state
        .store
        .held_survey_answers(round_id, community, MAX_REVIEW_ANSWERS)
        .await?;
    let counts = state
        .store
        .survey_review_counts(round_id, community)
        .await?
        .remove(community)
        .unwrap_or_default();
    Ok(ReviewView {
        round,
        community: community_row,
        survey,
        held,
        counts,
    })
}

/// Accepts or rejects held answers of a community (one, several, or all listed). Answers another
/// officer decided first are reported stale, not decided twice.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    ids: &[String],
    decision: ReviewDecision,
    en: bool,
) -> Result<ReviewOutcome, AppError> {
    may_see_signals(user, community, en)?;
    let round = round_of(state, round_id).await?;
    community_of_round(state, &round, community, en).await?;
    if ids.is_empty() {
        return Err(AppError::BadRequest(pick(
            en,
            "请至少选择一份答卷",
            "choose at least one answer",
        )));
    }
    if ids.len() as i64 > MAX_REVIEW_ANSWERS {
        return Err(AppError::BadRequest(pick(
            en,
            format!("一次最多处理 {MAX_REVIEW_ANSWERS} 份答卷"),
            format!("at most {MAX_REVIEW_ANSWERS} answers at once"),
        )));
    }
    let outcome = state
        .store
        .decide_survey_answers(
            round_id,
            community,
            ids,
            decision,
            By {
                actor: &user.user.username,
                at: now_ms(),
            },
        )
        .await?;
    if outcome.closed.is_some() {
        return Err(AppError::Conflict(pick(
            en,
            "本社区本年度的评分已经完成\u{ff0c}答卷不能再计入\u{ff1b}可以不予计入",
            "this community's result is computed: answers can no longer be counted (they may be rejected)",
        )));
    }
    Ok(outcome)
}

/// The QR code of `text` as an inline SVG element (no XML declaration), black on white.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| internal(format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

/// The sender's network address: the connection's peer, or, when the peer is a reverse proxy on
/// this machine (loopback), the address that proxy put last in `X-Forwarded-For`. Other
/// `X-Forwarded-For` values are ignored: a sender could write anything there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = peer.filter(IpAddr::is_loopback).and_then(|_| {
            parts
                .headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse::<IpAddr>()
                .ok()
        });
        Ok(PeerAddress(forwarded.or(peer)))
    }
}

/// The results of an area as an Excel workbook: the dimensions (with the standard's clauses), the
/// communities, and every question's answers.
pub fn results_workbook(results: &AreaResults, en: bool) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let xlsx =
        |e: rust_xlsxwriter::XlsxError| internal(format!("writing the survey workbook: {e}"));
    let q = &results.survey.questionnaire;
    let report =
        xingfu_core::survey::report(q, &results.tally, Some(&results.standard), results.quota)
            .map_err(|e| internal(format!("survey report: {e}")))?;
    let t = |zh: &'static str, english: &'static str| if en { english } else { zh };
    // Points belong to a community's entry; an area's workbook shows its rates only.
    let is_community = results.area.level == "community";
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00");
    let mut workbook = Workbook::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("结果", "Results")).map_err(xlsx)?;
    let facts: Vec<(&str, String)> = vec![
        (t("评选年度", "Round"), results.round.year.to_string()),
        (
            t("范围", "Area"),
            format!("{} {}", results.area.code, results.area.name),
        ),
        (
            t("问卷", "Questionnaire"),
            format!("{} {}", q.id, q.version),
        ),
        (
            t("答卷(户)", "Households answered"),
            report.respondents.to_string(),
        ),
        (
            t("样本量要求(每个社区)", "Quota (per community)"),
            results.survey.settings.quota.to_string(),
        ),
    ];
    for (row, (label, value)) in facts.iter().enumerate() {
        sheet
            .write_string_with_format(row as u32, 0, *label, &bold)
            .map_err(xlsx)?;
        sheet.write_string(row as u32, 1, value).map_err(xlsx)?;
    }
    let mut row = facts.len() as u32 + 1;
    for (index, channel) in report.channels.iter().enumerate() {
        let label = if en {
            channel.channel.en()
        } else {
            channel.channel.zh()
        };
        sheet
            .write_string(row, index as u16 * 2, label)
            .map_err(xlsx)?;
        sheet
            .write_number(row, index as u16 * 2 + 1, channel.count as f64)
            .map_err(xlsx)?;
    }
    row += 2;
    let headers = [
        t("维度", "Dimension"),
        t("有效样本(户)", "Sample (households)"),
        t("满意", "Satisfied"),
        t("有效回答", "Counted"),
        t("不了解", "Don't know"),
        t("满意率(%)", "Rate (%)"),
        t("95%置信区间下限(%)", "95% CI low (%)"),
        t("95%置信区间上限(%)", "95% CI high (%)"),
        t("条款", "Clauses"),
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(row, col as u16, *header, &bold)
            .map_err(xlsx)?;
    }
    let write_rate = |sheet: &mut rust_xlsxwriter::Worksheet,
                      row: u32,
                      name: &str,
                      sample: Option<u64>,
                      rate: &xingfu_core::survey::results::RateSummary,
                      clauses: String|
     -> Result<(), AppError> {
        sheet.write_string(row, 0, name).map_err(xlsx)?;
        if let Some(sample) = sample {
            sheet.write_number(row, 1, sample as f64).map_err(xlsx)?;
        }
        sheet
            .write_number(row, 2, rate.satisfied as f64)
            .map_err(xlsx)?;
        sheet
            .write_number(row, 3, rate.counted as f64)
            .map_err(xlsx)?;
        sheet
            .write_number(row, 4, rate.not_counted as f64)
            .map_err(xlsx)?;
        if let Some(p) = rate.percent {
            sheet
                .write_number_with_format(row, 5, p.to_f64(), &percent)
                .map_err(xlsx)?;
        }
        if let Some(i) = rate.wilson {
            sheet
                .write_number_with_format(row, 6, i.low, &percent)
                .map_err(xlsx)?;
            sheet
                .write_number_with_format(row, 7, i.high, &percent)
                .map_err(xlsx)?;
        }
        sheet.write_string(row, 8, &clauses).map_err(xlsx)?;
        Ok(())
    };
    for dimension in &report.dimensions {
        row += 1;
        let clauses = dimension
            .clauses
            .iter()
            .map(|c| {
                let met = match c.met {
                    Some(true) => t(" 达到", " met"),
                    Some(false) => t(" 未达到", " not met"),
                    None => "",
                };
                let earned = match (c.earned, c.withheld) {
                    _ if !is_community => String::new(),
                    (_, Some(reason)) => {
                        format!(" {}", if en { reason.en() } else { reason.zh() })
                    }
                    (Some(points), None) => format!(" {points}/{}", c.max),
                    (None, None) => String::new(),
                };
                format!("{}{met}{earned}", c.clause)
            })
            .collect::<Vec<_>>()
            .join("; ");
        let name = if en {
            dimension.name_en.unwrap_or(dimension.name)
        } else {
            dimension.name
        };
        write_rate(
            sheet,
            row,
            name,
            Some(dimension.respondents),
            &dimension.rate,
            clauses,
        )?;
    }
    row += 1;
    write_rate(
        sheet,
        row,
        t("总体(只作展示)", "Overall (shown only)"),
        None,
        &report.overall,
        String::new(),
    )?;
    if let Some(points) = report.survey_points.filter(|_| is_community) {
        row += 2;
        sheet
            .write_string_with_format(row, 0, t("调查得分", "Survey points"), &bold)
            .map_err(xlsx)?;
        sheet.write_number(row, 1, points.to_f64()).map_err(xlsx)?;
    }
    sheet.set_column_width(0, 28).map_err(xlsx)?;
    sheet.set_column_width(8, 60).map_err(xlsx)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("各社区", "Communities")).map_err(xlsx)?;
    let mut headers: Vec<String> = vec![
        t("社区编码", "Code").into(),
        t("社区", "Community").into(),
        t("答卷(户)", "Households").into(),
        t("达到样本量", "Quota met").into(),
    ];
    for dimension in &q.dimensions {
        let name = if en {
            dimension.name_en.as_deref().unwrap_or(&dimension.name)
        } else {
            &dimension.name
        };
        headers.push(format!("{name} {}", t("满意率(%)", "rate (%)")));
        headers.push(format!("{name} {}", t("有效样本", "sample")));
    }
    for (col, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, header, &bold)
            .map_err(xlsx)?;
    }
    let quota = results.survey.quota();
    for (index, community) in results.communities.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, &community.code).map_err(xlsx)?;
        sheet.write_string(row, 1, &community.name).map_err(xlsx)?;
        sheet
            .write_number(row, 2, community.tally.respondents() as f64)
            .map_err(xlsx)?;
        let met = quota.check(community.tally.respondents()).met;
        sheet
            .write_string(row, 3, if met { t("是", "yes") } else { t("否", "no") })
            .map_err(xlsx)?;
        for (d, dimension) in q.dimensions.iter().enumerate() {
            let col = 4 + d as u16 * 2;
            let (rate, _) =
                xingfu_core::survey::results::dimension_rate(q, &community.tally, &dimension.id);
            if let Some(p) = rate.percent() {
                sheet
                    .write_number_with_format(row, col, p.to_f64(), &percent)
                    .map_err(xlsx)?;
            }
            sheet
                .write_number(
                    row,
                    col + 1,
                    community.tally.dimension_respondents(&dimension.id) as f64,
                )
                .map_err(xlsx)?;
        }
    }
    sheet.set_column_width(0, 14).map_err(xlsx)?;
    sheet.set_column_width(1, 24).map_err(xlsx)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("各题", "Questions")).map_err(xlsx)?;
    for (col, header) in [
        t("题号", "Question"),
        t("题目", "Text"),
        t("回答", "Answer"),
        t("计入", "Counts as"),
        t("份数", "Count"),
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, col as u16, *header, &bold)
            .map_err(xlsx)?;
    }
    let mut row = 0u32;
    for question in &report.questions {
        let text = q
            .question(question.id)
            .map(|full| {
                if en {
                    full.text_en.as_deref().unwrap_or(&full.text)
                } else {
                    &full.text
                }
            })
            .unwrap_or(question.text);
        if let Some(answered) = question.text_answers {
            row += 1;
            sheet.write_string(row, 0, question.id).map_err(xlsx)?;
            sheet.write_string(row, 1, text).map_err(xlsx)?;
            sheet
                .write_string(row, 2, t("(文字回答)", "(free text)"))
                .map_err(xlsx)?;
            sheet.write_number(row, 4, answered as f64).map_err(xlsx)?;
        }
        for option in &question.options {
            row += 1;
            sheet.write_string(row, 0, question.id).map_err(xlsx)?;
            sheet.write_string(row, 1, text).map_err(xlsx)?;
            let label = if en {
                option.label_en.unwrap_or(option.label)
            } else {
                option.label
            };
            sheet.write_string(row, 2, label).map_err(xlsx)?;
            sheet
                .write_string(row, 3, option.counts.key())
                .map_err(xlsx)?;
            sheet
                .write_number(row, 4, option.count as f64)
                .map_err(xlsx)?;
        }
    }
    sheet.set_column_width(1, 60).map_err(xlsx)?;
    workbook.save_to_buffer().map_err(xlsx)
}

/// Loads survey answers into the demo: the 2013 round runs the Lucheng questionnaire with a quota
/// of 30, and a few communities still being scored get 30–45 answers each (mostly from residents'
/// phones, some entered by staff), with one burst from one address to show the signals.
pub async fn load_demo(state: &AppState, district: &str) -> Result<(), AppError> {
    let store = &state.store;
    let Some(round) = store
        .rounds_overlapping(district)
        .await?
        .into_iter()
        .find(|r| r.year == 2013 && r.standard_id == "lucheng-2012")
    else {
        return Ok(());
    };
    let admin = demo_user(state, "lucheng").await?;
    save_settings(state, &admin, &round.id, 30, None, false).await?;
    let Some(survey) = round_survey(state, &round.id).await? else {
        return Ok(());
    };
    let open: Vec<String> = store
        .entries(&round.id)
        .await?
        .into_iter()
        .filter(|e| matches!(e.stage.as_str(), "scoring" | "declared"))
        .map(|e| e.community_code)
        .take(4)
        .collect();
    let mut rng = DemoRng(2013);
    for (index, community) in open.iter().enumerate() {
        resident_link(state, &admin, &round.id, community, false).await?;
        // Satisfaction differs by community: 97%, 90%, 80%, … chosen per answer.
        let satisfied_percent = 97 - 8 * index as u64;
        let households = 30 + 5 * index;
        for n in 0..households {
            let answers: BTreeMap<String, xingfu_core::survey::Response> = survey
                .questionnaire
                .questions
                .iter()
                .filter_map(|question| {
                    let scale = survey.questionnaire.scale_of(question)?;
                    let roll = rng.below(100);
                    let option = if roll < satisfied_percent {
                        ["very_satisfied", "satisfied", "fairly_satisfied"][rng.below(3) as usize]
                    } else if roll < 98 {
                        ["dissatisfied", "very_dissatisfied"][rng.below(2) as usize]
                    } else {
                        "dont_know"
                    };
                    scale.option(option).map(|o| {
                        (
                            question.id.clone(),
                            xingfu_core::survey::Response::Choice(o.id.clone()),
                        )
                    })
                })
                .collect();
            let channel = match n % 10 {
                8 => Channel::Phone,
                9 => Channel::Paper,
                _ => Channel::ResidentLink,
            };
            let token = format!("demo-{index}-{n:04}-{:06}", rng.below(1_000_000));
            let phone = HouseholdId::Phone(format!("139{:04}{:04}", index * 1000 + n, n));
            // The first community's first six answers come from one address within minutes.
            let address = if index == 0 && n < 6 {
                Some(IpAddr::from([10, 0, 0, 1]))
            } else {
                Some(IpAddr::from([10, 1, index as u8, (n % 250) as u8]))
            };
            let respondent = Respondent {
                client_token: &token,
                household: phone,
                channel,
                entered_by: channel.staff_entered().then_some("lucheng"),
                address: address.filter(|_| !channel.staff_entered()),
                location: None,
            };
            match submit(state, &survey, community, answers, respondent).await {
                Ok(_) => {}
                Err(SubmitError::App(e)) => return Err(e),
                Err(other) => return Err(internal(format!("demo survey answer: {other:?}"))),
            }
        }
    }
    Ok(())
}

async fn demo_user(state: &AppState, username: &str) -> Result<CurrentUser, AppError> {
    let user = state
        .store
        .user_by_username(username)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = state
        .store
        .region(&user.region_code)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CurrentUser {
        role: Role::parse(&user.role).ok_or(AppError::NotFound)?,
        region_level: region.level,
        region_name: region.name,
        csrf: String::new(),
        user,
    })
}

/// A small deterministic generator, so the demo is the same every time.
struct DemoRng(u64);

impl DemoRng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_household_hashes_alike_however_it_is_typed_and_differently_per_round() {
        let secret = [7u8; 32];
        let typed = HouseholdId::phone("138 0013 8000").unwrap();
        let plain = HouseholdId::phone("+86 13800138000").unwrap();
        let a = household_hash(&secret, "r1", "330302006044", &typed).unwrap();
        assert_eq!(
            a,
            household_hash(&secret, "r1", "330302006045", &plain).unwrap(),
            "a phone number is one household wherever it answers"
        );
        assert_ne!(
            a,
            household_hash(&secret, "r2", "330302006044", &typed).unwrap()
        );
        assert_ne!(
            a,
            household_hash(&[8u8; 32], "r1", "330302006044", &typed).unwrap()
        );
        assert_eq!(a.len(), 64);
        assert!(!a.contains("13800138000"));
        // A household code belongs to its community.
        let code = HouseholdId::code("3栋501").unwrap();
        assert_ne!(
            household_hash(&secret, "r1", "330302006044", &code).unwrap(),
            household_hash(&secret, "r1", "330302006045", &code).unwrap()
        );
    }

    #[test]
    fn parts_are_length_prefixed() {
        let secret = [1u8; 32];
        assert_ne!(
            hmac_hex(&secret, &["ab", "c"]).unwrap(),
            hmac_hex(&secret, &["a", "bc"]).unwrap()
        );
    }

    #[test]
    fn withheld_clauses_lose_the_assessors_figure() {
        use xingfu_core::Dec2;
        use xingfu_core::scoring::Answer;
        use xingfu_core::survey::results::{Withheld, WithheldReason};
        let mut feed = SurveyFeed::default();
        feed.answers
            .insert("ZG1.1".into(), Answer::number(Dec2(9_500)));
        feed.withheld.push(Withheld {
            clause: "ZG1.2".into(),
            dimension: "environment".into(),
            reason: WithheldReason::BelowQuota { have: 3, need: 30 },
        });
        let mut sheet = Assessment::default();
        for clause in ["ZG1.1", "ZG1.2", "ZZ1.1"] {
            sheet
                .answers
                .insert(clause.into(), Answer::number(Dec2(8_000)));
        }
        apply_feed(&feed, &mut sheet);
        assert_eq!(sheet.answers["ZG1.1"].number, Some(Dec2(9_500)));
        assert!(!sheet.answers.contains_key("ZG1.2"));
        assert_eq!(sheet.answers["ZZ1.1"].number, Some(Dec2(8_000)));
    }

    #[test]
    fn areas_read_back_from_their_json() {
        let circle = CommunityArea::Circle {
            centre: GeoPoint {
                lat: 28.01,
                lon: 120.65,
            },
            radius_m: 400.0,
        };
        let text = serde_json::to_string(&circle).unwrap();
        assert_eq!(parse_area(&text), Some(circle));
        let polygon = CommunityArea::Polygon {
            ring: vec![
                GeoPoint { lat: 1.0, lon: 2.0 },
                GeoPoint { lat: 1.5, lon: 2.0 },
                GeoPoint { lat: 1.5, lon: 2.5 },
            ],
        };
        assert_eq!(
            parse_area(&serde_json::to_string(&polygon).unwrap()),
            Some(polygon)
        );
        assert_eq!(parse_area(r#"{"kind":"square"}"#), None);
        assert_eq!(parse_area("not json"), None);
    }

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg("https://example.org/s/0123456789abcdef").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
