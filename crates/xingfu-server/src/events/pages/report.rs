//! The report form for residents (one column, large targets, works without JavaScript) at
//! `/communities/{code}/report`, and its submission.
//!
//! Who reports: a signed-in account (a resident, a grid member on patrol, any staff); there is
//! no anonymous form. Signing in is what lets a resident confirm or reopen their report later,
//! and keeps the form free of spam. (Open311 reports are made by the account whose token is the
//! `api_key`.)
//!
//! Where, in any one of three ways: the phone's position (one button; a script puts it in hidden
//! fields, in WGS-84), a building or grid chosen from the community's grids, or the address or a
//! landmark in words. Residents never see coordinates or their systems; staff may type
//! coordinates in WGS-84, GCJ-02 or BD-09.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::events::ReportError;
use xingfu_core::workflow::Role;

use super::shared::{
    Choice, Visit, Words, datum_choices, form_photos, page_for, person_or_refuse, render_with,
    words,
};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::events::service::{Intake, Place, report_error_text, report_event_at, rules};
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult};
use crate::web::upload::UploadForm;

#[derive(Default, Clone)]
pub struct ReportValues {
    pub category: String,
    pub description: String,
    pub building: String,
    pub lon: String,
    pub lat: String,
    pub datum: String,
    pub address: String,
}

#[derive(Default)]
struct ReportProblems {
    category: Option<String>,
    description: Option<String>,
    location: Option<String>,
    photo: Option<String>,
}

#[derive(Template)]
#[template(path = "event_report.html")]
struct ReportPage {
    page: Page,
    w: &'static Words,
    code: String,
    community_name: String,
    csrf: String,
    categories: Vec<Choice>,
    buildings: Vec<Choice>,
    datums: Vec<Choice>,
    /// Staff see the coordinate fields; residents only the phone's location button.
    staff: bool,
    values: ReportValues,
    errors: Vec<(String, String)>,
    p: ReportProblems,
}

async fn community_name(state: &AppState, code: &str) -> Result<String, AppError> {
    match state.store.region(code).await? {
        Some(r) if r.level == "community" => Ok(r.name),
        _ => Err(AppError::NotFound),
    }
}

/// The community's grids and their buildings, as the report form lists them: (value, label,
/// location). A grid is `grid/` ("鼓楼第一网格（整个网格）"), a building `grid/building`
/// ("鼓楼第一网格 · 3幢"), with its position when the grid file gives one.
async fn place_choices(
    state: &AppState,
    code: &str,
    lang: Lang,
) -> Result<Vec<(String, String, Option<GeoPoint>)>, AppError> {
    let w = words(lang);
    let grids = state.store.grids_of(code).await?;
    Ok(grids
        .iter()
        .flat_map(|g| {
            let whole = (
                format!("{}/", g.id),
                format!("{}{}{}{}", g.name, lang.open(), w.whole_grid, lang.close()),
                None,
            );
            std::iter::once(whole).chain(g.buildings.iter().map(move |b| {
                (
                    format!("{}/{}", g.id, b.id),
                    format!("{} · {}", g.name, b.name),
                    b.location,
                )
            }))
        })
        .collect())
}

/// The ways to say where that the form offers, as the message asking for one names them.
fn ask_where(lang: Lang, list: bool, phone: bool) -> String {
    let (zh, en): (Vec<&str>, Vec<&str>) = [
        (list, "选择所在楼栋", "choose the building or grid"),
        (phone, "使用手机定位填写坐标", "use your phone's location"),
        (
            true,
            "填写地址或位置说明",
            "write the address or a landmark",
        ),
    ]
    .into_iter()
    .filter(|(shown, _, _)| *shown)
    .map(|(_, zh, en)| (zh, en))
    .unzip();
    lang.text(format!("请{}", zh.join("\u{ff0c}或")), en.join(", or "))
}

async fn render_report(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    values: ReportValues,
    p: ReportProblems,
    status: StatusCode,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let w = words(lang);
    let name = community_name(state, code).await?;
    let categories = rules()
        .categories
        .iter()
        .map(|c| Choice {
            value: c.key.clone(),
            label: lang.pick(&c.zh, &c.en).to_string(),
            selected: c.key == values.category,
        })
        .collect();
    let buildings: Vec<Choice> = place_choices(state, code, lang)
        .await?
        .into_iter()
        .map(|(value, label, _)| Choice {
            selected: value == values.building,
            value,
            label,
        })
        .collect();
    let datums = datum_choices([w.datum_wgs84, w.datum_gcj02, w.datum_bd09], |d| {
        d.key() == values.datum || (values.datum.is_empty() && d == Datum::Wgs84)
    });
    // The summary's location error leads to the first way to say where on the page.
    let location_anchor = if buildings.is_empty() {
        "address"
    } else {
        "building"
    };
    let mut errors = Vec::new();
    for (id, message) in [
        ("category", &p.category),
        ("description", &p.description),
        (location_anchor, &p.location),
        ("photo", &p.photo),
    ] {
        if let Some(m) = message {
            errors.push((id.to_string(), m.clone()));
        }
    }
    render_with(
        status,
        ReportPage {
            page: page_for(
                jar,
                user,
                &format!("/communities/{code}/report"),
                format!("{} · {name}", w.report_title),
            )
            .with_offline(),
            w,
            code: code.to_string(),
            community_name: name,
            csrf: user.csrf.clone(),
            categories,
            buildings,
            datums,
            staff: user.role != Role::Resident,
            values,
            errors,
            p,
        },
    )
}

/// GET /communities/{code}/report: the form, for any signed-in account in operations.
pub async fn report_form(viewer: Visit, Path(code): Path<String>) -> PageResult {
    let (state, jar, user, lang) = viewer.into_parts();
    person_or_refuse(&state, &user, lang).await?;
    render_report(
        &state,
        &jar,
        &user,
        &code,
        ReportValues::default(),
        ReportProblems::default(),
        StatusCode::OK,
    )
    .await
}

fn parse_degrees(text: &str) -> Option<f64> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.parse::<f64>().ok()).flatten()
}

/// POST /communities/{code}/report (multipart): checks everything, then records the event
/// and sends the reporter to it.
pub async fn submit_report(
    viewer: Visit,
    Path(code): Path<String>,
    UploadForm(form): UploadForm,
) -> PageResult {
    let (state, jar, user, lang) = viewer.into_parts();
    let (state, jar, user, code) = (&state, &jar, &user, code.as_str());
    let pick = |zh: &str, en_text: &str| lang.pick(zh, en_text).to_string();
    let person = person_or_refuse(state, user, lang).await?;
    community_name(state, code).await?;
    form.check_whole(
        user,
        lang,
        [
            "上报没有完成，请重新提交",
            "the report did not arrive whole; please send it again",
        ],
    )?;
    let values = ReportValues {
        category: form.get("category").unwrap_or_default(),
        description: form.get("description").unwrap_or_default(),
        building: form.get("building").unwrap_or_default(),
        lon: form.get("lon").unwrap_or_default(),
        lat: form.get("lat").unwrap_or_default(),
        datum: form.get("datum").unwrap_or_default(),
        address: form.get("address").unwrap_or_default(),
    };
    let mut p = ReportProblems::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if rules().category(&values.category).is_none() {
        p.category = Some(pick("请选择问题类别", "choose the kind of problem"));
    }
    // Where: the phone's (or typed) coordinates first, then the chosen building or grid, then
    // the address in words.
    let datum = Datum::parse(&values.datum).unwrap_or(Datum::Wgs84);
    let mut address = values.address.clone();
    let place = match (parse_degrees(&values.lon), parse_degrees(&values.lat)) {
        (Some(lon), Some(lat)) => Some((Place::Position, GeoPoint { lon, lat }, datum)),
        _ if !values.lon.trim().is_empty() || !values.lat.trim().is_empty() => {
            p.location = Some(pick(
                "经度和纬度须同时填写，且为数字（如 120.6553）",
                "give both longitude and latitude as numbers (such as 120.6553)",
            ));
            None
        }
        _ => {
            let choices = place_choices(state, code, lang).await?;
            let chosen = choices
                .iter()
                .find(|(value, _, _)| !values.building.is_empty() && *value == values.building);
            let nowhere = GeoPoint { lon: 0.0, lat: 0.0 };
            match chosen {
                Some((_, _, Some(at))) => Some((Place::Position, *at, Datum::Wgs84)),
                Some((value, label, None)) => {
                    let grid = value.split('/').next().unwrap_or_default().to_string();
                    // A building without a position: its name says where in the grid.
                    if address.trim().is_empty() && !value.ends_with('/') {
                        address = label.clone();
                    }
                    Some((Place::Grid(grid), nowhere, Datum::Wgs84))
                }
                None if !values.address.trim().is_empty() => {
                    Some((Place::Words, nowhere, Datum::Wgs84))
                }
                None => {
                    let phone = form.get("no_script").is_none_or(|v| v != "1");
                    p.location = Some(ask_where(lang, !choices.is_empty(), phone));
                    None
                }
            }
        }
    };
    let cleaned = match form_photos(state, &form, lang).await? {
        Ok(cleaned) => cleaned,
        Err((message, photo_status)) => {
            p.photo = Some(message);
            status = photo_status;
            Vec::new()
        }
    };
    let problems_so_far = p.category.is_some() || p.location.is_some() || p.photo.is_some();
    let (Some((place, location, datum)), false) = (place, problems_so_far) else {
        return render_report(state, jar, user, code, values, p, status).await;
    };
    let intake = Intake {
        category: values.category.clone(),
        description: values.description.clone(),
        location,
        datum,
        address: Some(address),
        photos: cleaned,
        extras: Default::default(),
    };
    match report_event_at(state, code, Some(&person), intake, place, now_ms()).await? {
        Ok(event) => Ok(Redirect::to(&format!("/events/{}?reported=1", event.id)).into_response()),
        Err(error) => {
            let text = Some(report_error_text(&error, lang));
            match error {
                ReportError::UnknownCategory(_) => p.category = text,
                ReportError::NothingReported | ReportError::DescriptionTooLong { .. } => {
                    p.description = text
                }
                ReportError::TooManyPhotos { .. } => p.photo = text,
                ReportError::Location(_) | ReportError::NoPlace => p.location = text,
            }
            render_report(state, jar, user, code, values, p, status).await
        }
    }
}
