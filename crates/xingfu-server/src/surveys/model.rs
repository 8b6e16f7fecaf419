//! The survey's plain data that its services and the ingest runtime share: a round's survey as
//! answers are read against it, and a resident link.

use std::sync::Arc;

use xingfu_core::survey::{Questionnaire, Quota};
use xingfu_store::surveys::SurveySettingsRow;

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
