//! One facility's page: the add / edit form with its error summary, deleting it, and running it
//! as a neighbourhood centre (or no longer).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde::Deserialize;
use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::FacilityRow;
use xingfu_store::regions::RegionRow;

use super::kit::{
    Choice, Posted, Visit, community_choices, datum_choices, error_pairs, form_reply,
    function_choices, go,
};
use crate::app::auth::urlencode;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::circle::service::areas::{area, may_edit, viewable_area};
use crate::circle::service::centres::flag_centre;
use crate::circle::service::facilities::{
    create_facility, delete_facility, stale_facility, update_facility, viewable_facility,
};
use crate::circle::service::form::{FacilityForm, FieldError};
use crate::i18n::Lang;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, form_version, render};

#[derive(Template)]
#[template(path = "circle_facility.html")]
struct FacilityPage {
    page: Page,
    /// Where the form posts.
    action: String,
    back: String,
    area_name: String,
    editing: Option<FacilityRow>,
    form: FacilityForm,
    functions: Vec<Choice>,
    communities: Vec<Choice>,
    datums: Vec<Choice>,
    csrf: String,
    can_edit: bool,
    centre_area: String,
    errors: Vec<Problem>,
    notice: Option<String>,
}

impl FacilityPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The form of a facility being added (`editing` None) or changed, in the area keeping it.
struct Shown<'a> {
    area: &'a RegionRow,
    editing: Option<FacilityRow>,
    form: FacilityForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn render_facility_form(v: &Visit, shown: Shown<'_>) -> PageResult {
    let Shown {
        area,
        editing,
        form,
        errors,
        notice,
    } = shown;
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let (action, title, can_edit) = match &editing {
        Some(row) => (
            format!("/circle/facilities/{}", row.id),
            row.name.clone(),
            may_edit(user, &row.region_code),
        ),
        None => (
            format!("/circle/areas/{}/facilities", area.code),
            lang.text("登记服务设施", "Register a facility"),
            true,
        ),
    };
    let centre_area = match &editing {
        Some(row) if row.centre => state
            .store
            .centre(&row.id)
            .await?
            .map(|c| c.service_area)
            .unwrap_or_default(),
        _ => String::new(),
    };
    let html = render(FacilityPage {
        page: v.page_titled(&action, title),
        back: format!("/circle/areas/{}", area.code),
        area_name: area.name.clone(),
        functions: function_choices(lang, |f| {
            form.functions
                .iter()
                .any(|c| ServiceFunction::parse(c) == Some(f))
        }),
        communities: community_choices(state, lang, user, area, &form.community).await?,
        datums: datum_choices(lang, &form.datum),
        csrf: user.csrf.clone(),
        can_edit,
        centre_area,
        errors: error_pairs(&errors),
        notice,
        action,
        editing,
        form,
    })?;
    form_reply(html, &errors)
}

/// A saved facility's form again, in the area keeping it, with `errors` against `form`.
async fn render_saved(
    v: &Visit,
    row: FacilityRow,
    form: FacilityForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult {
    let area = area(&v.state, &row.region_code).await?;
    let shown = Shown {
        area: &area,
        editing: Some(row),
        form,
        errors,
        notice,
    };
    render_facility_form(v, shown).await
}

/// GET /circle/areas/{code}/facilities/new
pub async fn new_facility(v: Visit, Path(code): Path<String>) -> PageResult {
    let lang = v.lang;
    let area = viewable_area(&v.state, &v.user, &code, lang).await?;
    if !may_edit(&v.user, &area.code) {
        return Err(AppError::Forbidden(lang.text(
            "只有社区工作者及其上级管理员可以登记设施",
            "only community workers and the administrators above them register facilities",
        )));
    }
    let form = FacilityForm {
        community: if area.level == "community" {
            area.code.clone()
        } else {
            String::new()
        },
        ..FacilityForm::default()
    };
    let shown = Shown {
        area: &area,
        editing: None,
        form,
        errors: Vec::new(),
        notice: None,
    };
    render_facility_form(&v, shown).await
}

/// POST /circle/areas/{code}/facilities
pub async fn create(Path(code): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    let form = FacilityForm::from_fields(&fields.0);
    match create_facility(&v.state, &v.user, &code, &form, v.lang).await? {
        Ok(id) => go(&format!("/circle/facilities/{id}?saved=1")),
        Err(errors) => {
            let area = area(&v.state, &code).await?;
            let shown = Shown {
                area: &area,
                editing: None,
                form,
                errors,
                notice: None,
            };
            render_facility_form(&v, shown).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /circle/facilities/{id}
pub async fn facility(v: Visit, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> PageResult {
    let row = viewable_facility(&v.state, &v.user, &id, v.lang).await?;
    let notice = q.saved.map(|_| v.lang.text("已保存", "Saved"));
    let form = FacilityForm::of_row(&row);
    render_saved(&v, row, form, Vec::new(), notice).await
}

/// The fields whose saved value differs from what the user sent, each with the saved value.
fn changed_fields(lang: Lang, saved: &FacilityForm, sent: &FacilityForm) -> Vec<FieldError> {
    let mut functions = sent.functions.clone();
    functions.sort();
    let mut saved_functions = saved.functions.clone();
    saved_functions.sort();
    let pairs = [
        ("name", lang.pick("名称", "Name"), &saved.name, &sent.name),
        ("lon", lang.pick("经度", "Longitude"), &saved.lon, &sent.lon),
        ("lat", lang.pick("纬度", "Latitude"), &saved.lat, &sent.lat),
        (
            "hours",
            lang.pick("开放时间", "Opening hours"),
            &saved.hours,
            &sent.hours,
        ),
        (
            "capacity",
            lang.pick("容量", "Capacity"),
            &saved.capacity,
            &sent.capacity,
        ),
        (
            "community",
            lang.pick("所在社区", "Community"),
            &saved.community,
            &sent.community,
        ),
    ];
    let mut changed: Vec<FieldError> = pairs
        .iter()
        .filter(|(_, _, saved, sent)| saved.trim() != sent.trim())
        .map(|(field, label, saved, _)| FieldError {
            field: (*field).into(),
            message: saved_now(lang, label, saved),
        })
        .collect();
    if functions != saved_functions {
        changed.push(FieldError {
            field: "functions".into(),
            message: saved_now(
                lang,
                lang.pick("服务功能", "Service functions"),
                &saved.functions.join(lang.pick("、", ", ")),
            ),
        });
    }
    changed
}

fn saved_now(lang: Lang, label: &str, value: &str) -> String {
    if lang.is_en() {
        format!("{label}: saved now as “{value}”")
    } else {
        format!("{label}\u{ff1a}现在保存的是“{value}”")
    }
}

/// POST /circle/facilities/{id}
pub async fn update(Path(id): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let read_at = form_version(lang, fields.get("version"))?;
    let form = FacilityForm::from_fields(&fields.0);
    let errors = match update_facility(state, user, &id, (&form, read_at), lang).await {
        Ok(Ok(())) => return go(&format!("/circle/facilities/{id}?saved=1")),
        Ok(Err(errors)) => errors,
        // Changed since the form was read: the form again with what was typed, the message
        // first, then each field whose saved value now differs from it.
        Err(AppError::Stale(stale)) => {
            let row = viewable_facility(state, user, &id, lang).await?;
            let mut errors = vec![FieldError {
                field: "name".into(),
                message: stale.message,
            }];
            errors.extend(changed_fields(lang, &FacilityForm::of_row(&row), &form));
            let mut response = render_saved(&v, row, form, errors, None).await?;
            *response.status_mut() = StatusCode::CONFLICT;
            return Ok(response);
        }
        Err(e) => return Err(e),
    };
    let row = viewable_facility(state, user, &id, lang).await?;
    render_saved(&v, row, form, errors, None).await
}

/// POST /circle/facilities/{id}/delete
pub async fn delete(Path(id): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    let read_at = fields
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let row = delete_facility(&v.state, &v.user, &id, read_at, v.lang).await?;
    go(&format!(
        "/circle/areas/{}?deleted={}",
        row.region_code,
        urlencode(&row.name)
    ))
}

/// POST /circle/facilities/{id}/centre: run it as a centre (`service_area`, `centre_community`)
/// or stop (`stop=1`).
pub async fn centre_flag(Path(id): Path<String>, Posted { v, form: fields }: Posted) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    // The facility's version the page was read at (a form without one saves regardless).
    let read_at = fields.text("version").trim().parse::<i64>().ok();
    let row = viewable_facility(state, user, &id, lang).await?;
    if fields.text("stop") == "1" {
        if !may_edit(user, &row.region_code) {
            return Err(AppError::Forbidden(
                lang.text("您不能修改这个设施", "you may not change this facility"),
            ));
        }
        return match state
            .store
            .unflag_centre(&id, read_at, &user.user.username, now_ms())
            .await?
        {
            xingfu_store::facilities::Unflagged::HasRatings => Err(AppError::Conflict(lang.text(
                "这个邻里中心已有星级评定记录，不能取消",
                "this centre has ratings on record and stays a centre",
            ))),
            xingfu_store::facilities::Unflagged::Stale(now) => {
                Err(stale_facility(state, lang, &now).await)
            }
            _ => go(&format!("/circle/facilities/{id}?saved=1")),
        };
    }
    match flag_centre(
        state,
        user,
        &id,
        read_at,
        &fields.text("centre_community"),
        &fields.text("service_area"),
        lang,
    )
    .await?
    {
        Ok(()) => go(&format!("/circle/centres/{id}")),
        Err(errors) => {
            let form = FacilityForm::of_row(&row);
            render_saved(&v, row, form, errors, None).await
        }
    }
}
