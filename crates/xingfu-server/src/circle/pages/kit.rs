//! What the circle's pages share: the posted field list with its CSRF token, choices for
//! selects and boxes, field errors as the error summary lists them, and the replies handlers
//! end with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use xingfu_core::Dec2;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::from_e6;
use xingfu_store::regions::RegionRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::circle::service::areas::may_edit;
use crate::circle::service::convert::function_name;
use crate::circle::service::form::FieldError;
use crate::i18n::Lang;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult};
use crate::web::upload::FormData;

pub use crate::web::visit::Visit;

/// The circle pages' titles: "what · name".
pub trait TitledPage {
    fn page(&self, path: &str, what: (&str, &str), name: &str) -> Page;
}

impl TitledPage for Visit {
    fn page(&self, path: &str, (zh, en): (&str, &str), name: &str) -> Page {
        self.page_titled(path, format!("{} · {name}", self.lang.text(zh, en)))
    }
}

/// A posted circle form: its fields in order, with the visit (CSRF token checked).
pub type Posted = crate::web::posted::Posted<Fields>;

/// A posted form's fields in order (a name may repeat, as `functions` does).
pub use crate::web::fields::Fields;

/// The opening of an upload handler: the upload must have completed and carry the session's
/// CSRF token (unless it was cut off for size before the token, see `csrf_to_check`).
pub fn check_upload(lang: Lang, user: &CurrentUser, form: &FormData) -> Result<(), AppError> {
    let incomplete = [
        "上传没有完成，请重试",
        "the upload did not complete; please try again",
    ];
    form.check_whole(user, lang, incomplete)
}

/// The message for a file over the upload limit.
pub fn too_big(lang: Lang) -> String {
    crate::app::files::too_big().text(lang).to_string()
}

/// Field errors as the error summary and the fields show them (anchors use `-` for `.`).
pub fn error_pairs(errors: &[FieldError]) -> Vec<Problem> {
    errors
        .iter()
        .map(|e| (e.field.replace('.', "-"), e.message.clone()))
        .collect()
}

/// Problems of a whole file, all shown at one field.
pub fn problems_at(field: &str, problems: Vec<String>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| (field.to_string(), p))
        .collect()
}

/// What a page shows besides its data: a notice (200), or the problems of what was posted
/// (422).
pub enum Said {
    Notice(Option<String>),
    Problems(Vec<Problem>),
}

impl Said {
    /// The status, the problems and the notice.
    pub fn parts(self) -> (StatusCode, Vec<Problem>, Option<String>) {
        match self {
            Said::Notice(notice) => (StatusCode::OK, Vec::new(), notice),
            Said::Problems(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        }
    }
}

/// A rendered form page: 422 when it shows problems, else 200.
pub fn form_reply<T>(html: Response, errors: &[T]) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

pub fn go(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

pub fn percent(hundredths: i64) -> String {
    format!("{}%", Dec2(hundredths))
}

pub fn functions_text(keys: &[String], lang: Lang) -> String {
    keys.iter()
        .map(|k| function_name(k, lang))
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

pub fn position_text(lon_e6: i64, lat_e6: i64) -> String {
    format!("{:.6}, {:.6}", from_e6(lon_e6), from_e6(lat_e6))
}

/// A community's name by its code, the code itself when unknown.
pub fn name_of(names: &std::collections::BTreeMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// A choice in a select or a set of boxes.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The nine functions as choices, those `chosen` selected.
pub fn function_choices(lang: Lang, chosen: impl Fn(ServiceFunction) -> bool) -> Vec<Choice> {
    ServiceFunction::ALL
        .iter()
        .map(|f| Choice {
            value: f.key().to_string(),
            label: f.name(lang.is_en()).to_string(),
            selected: chosen(*f),
        })
        .collect()
}

pub fn datum_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    [
        (
            "wgs84",
            "WGS-84(GPS、OpenStreetMap)",
            "WGS-84 (GPS, OpenStreetMap)",
        ),
        ("gcj02", "GCJ-02（高德、腾讯）", "GCJ-02 (AMap, Tencent)"),
        ("bd09", "BD-09（百度）", "BD-09 (Baidu)"),
    ]
    .into_iter()
    .map(|(value, zh, en)| Choice {
        value: value.into(),
        label: lang.text(zh, en),
        selected: value == chosen || (chosen.is_empty() && value == "wgs84"),
    })
    .collect()
}

/// The communities of an area the user may keep facilities in, as choices.
pub async fn community_choices(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    area: &RegionRow,
    chosen: &str,
) -> Result<Vec<Choice>, AppError> {
    let communities = if area.level == "community" {
        vec![area.clone()]
    } else {
        state.store.regions_within(area, "community").await?
    };
    Ok(communities
        .into_iter()
        .filter(|c| may_edit(user, &c.code))
        .map(|c| Choice {
            selected: c.code == chosen,
            label: format!("{}{}{}{}", c.name, lang.open(), c.code, lang.close()),
            value: c.code,
        })
        .collect())
}

/// Community codes to names within an area.
pub async fn community_names(
    state: &AppState,
    area: &RegionRow,
) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    Ok(state
        .store
        .regions_within(area, "community")
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect())
}
