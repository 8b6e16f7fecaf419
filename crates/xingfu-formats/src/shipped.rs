//! The standards that ship with Xingfu, built into the binary so `--standard lucheng-2012` works
//! from any directory. The files themselves are under `standards/`.

use xingfu_core::Standard;

use crate::problem::FileProblem;
use crate::standard_file::load_standard;

/// (id, file text) of every shipped standard.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "weihai-lingang-2020",
        include_str!("../../../standards/weihai-lingang-2020.toml"),
    ),
    (
        "weihai-jzxf-2022",
        include_str!("../../../standards/weihai-jzxf-2022.toml"),
    ),
    (
        "lucheng-2012",
        include_str!("../../../standards/lucheng-2012.toml"),
    ),
    (
        "fengze-centre",
        include_str!("../../../standards/fengze-centre.toml"),
    ),
    (
        "weibin-four-types",
        include_str!("../../../standards/weibin-four-types.toml"),
    ),
];

pub fn ids() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|(id, _)| *id)
}

/// A shipped standard by id, or `None` for an unknown id.
pub fn shipped(id: &str) -> Option<Result<Standard, Vec<FileProblem>>> {
    SHIPPED
        .iter()
        .find(|(shipped_id, _)| *shipped_id == id)
        .map(|(id, text)| load_standard(&format!("standards/{id}.toml"), text))
}
