//! How an answer reached Xingfu: the resident's own page, or staff entering it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How an answer reached Xingfu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The resident answered on the phone page (link or QR code).
    ResidentLink,
    /// Staff asked by telephone and entered the answers (电话调查).
    Phone,
    /// Staff typed in a paper questionnaire (纸质问卷).
    Paper,
    /// A grid member asked face to face on a home visit and entered the answers (入户走访).
    HomeVisit,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::ResidentLink,
        Channel::Phone,
        Channel::Paper,
        Channel::HomeVisit,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Channel::ResidentLink => "resident_link",
            Channel::Phone => "phone",
            Channel::Paper => "paper",
            Channel::HomeVisit => "home_visit",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Channel::ResidentLink => "居民扫码填写",
            Channel::Phone => "电话调查",
            Channel::Paper => "纸质问卷",
            Channel::HomeVisit => "入户走访",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Channel::ResidentLink => "resident link",
            Channel::Phone => "phone survey",
            Channel::Paper => "paper questionnaire",
            Channel::HomeVisit => "home visit",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL
            .into_iter()
            .find(|c| c.key() == text || c.zh() == text)
    }

    /// Entered by an identified staff member rather than by the resident.
    pub fn staff_entered(self) -> bool {
        !matches!(self, Channel::ResidentLink)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}
