//! The questionnaires that ship with Xingfu, built into the binary like the standards. The files
//! themselves are under `questionnaires/`; each names the standard whose survey clauses it feeds.

use xingfu_core::Standard;
use xingfu_core::survey::Questionnaire;

use crate::problem::FileProblem;
use crate::questionnaire_file::{load_questionnaire, load_questionnaire_for};

/// One shipped questionnaire: its id, the standard it feeds, and the file text.
pub struct ShippedQuestionnaire {
    pub id: &'static str,
    pub standard: &'static str,
    pub text: &'static str,
}

pub const SHIPPED: &[ShippedQuestionnaire] = &[
    ShippedQuestionnaire {
        id: "weihai-2020",
        standard: "weihai-lingang-2020",
        text: include_str!("../../../questionnaires/weihai-2020.toml"),
    },
    ShippedQuestionnaire {
        id: "weihai-2022",
        standard: "weihai-jzxf-2022",
        text: include_str!("../../../questionnaires/weihai-2022.toml"),
    },
    ShippedQuestionnaire {
        id: "lucheng-2012",
        standard: "lucheng-2012",
        text: include_str!("../../../questionnaires/lucheng-2012.toml"),
    },
];

pub fn ids() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|q| q.id)
}

fn file_name(id: &str) -> String {
    format!("questionnaires/{id}.toml")
}

/// A shipped questionnaire by id, or `None` for an unknown id.
pub fn shipped(id: &str) -> Option<Result<Questionnaire, Vec<FileProblem>>> {
    SHIPPED
        .iter()
        .find(|q| q.id == id)
        .map(|q| load_questionnaire(&file_name(q.id), q.text))
}

/// The shipped questionnaire feeding `standard`, checked against it; `None` when none ships.
pub fn for_standard(standard: &Standard) -> Option<Result<Questionnaire, Vec<FileProblem>>> {
    SHIPPED
        .iter()
        .find(|q| q.standard == standard.id)
        .map(|q| load_questionnaire_for(&file_name(q.id), q.text, standard))
}
