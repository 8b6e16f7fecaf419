//! Where a recorded answer stands: counted in the results, held for a district officer to check,
//! or rejected by one.

use serde::{Deserialize, Serialize};

/// Where a recorded answer stands (stored as its key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    /// In the community's results.
    Counted,
    /// Held by the fraud checks until a district officer accepts or rejects it (待核实).
    Held,
    /// Rejected by a district officer: never counted.
    Rejected,
}

impl AnswerStatus {
    pub const ALL: [AnswerStatus; 3] = [
        AnswerStatus::Counted,
        AnswerStatus::Held,
        AnswerStatus::Rejected,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AnswerStatus::Counted => "counted",
            AnswerStatus::Held => "held",
            AnswerStatus::Rejected => "rejected",
        }
    }

    pub fn parse(key: &str) -> Option<AnswerStatus> {
        AnswerStatus::ALL.into_iter().find(|s| s.key() == key)
    }
}

crate::keys::stored_as_key!(AnswerStatus, "answer status");

#[cfg(test)]
mod tests {
    use super::AnswerStatus;

    #[test]
    fn every_status_is_read_back_from_its_key() {
        for status in AnswerStatus::ALL {
            assert_eq!(AnswerStatus::try_from(status.key().to_string()), Ok(status));
        }
        let unknown = AnswerStatus::try_from("pending".to_string()).unwrap_err();
        assert_eq!(unknown.to_string(), "unknown answer status \"pending\"");
    }
}
