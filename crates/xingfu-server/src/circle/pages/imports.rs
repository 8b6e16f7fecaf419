//! Imports from the pages: a registry file (CSV, GeoJSON or .osm.pbf), the street network's
//! points of interest, and community boundaries (GeoJSON). Problems come back on the page they
//! were sent from, each numbered by its line or feature.

use axum::extract::Path;
use xingfu_core::ops::coords::Datum;

use super::coverage::render_coverage;
use super::kit::{Posted, Said, Visit, check_upload, go, problems_at, too_big};
use super::registry::render_facilities;
use crate::circle::service::convert::ALL_SIX;
use crate::circle::service::imports::{
    ImportFrom, ImportOutcome, import_facilities, save_boundaries,
};
use crate::web::forms::Problem;
use crate::web::page::PageResult;
use crate::web::upload::{FileTooBig, FormData, UploadForm};

/// The coordinate system a form names, WGS-84 by default.
fn datum_of(form: &FormData) -> Datum {
    form.get("datum")
        .as_deref()
        .and_then(Datum::parse)
        .unwrap_or(Datum::Wgs84)
}

/// After an import: the registry with what was done, or the problems on the registry page.
async fn imported(
    v: &Visit,
    code: &str,
    outcome: Result<ImportOutcome, Vec<Problem>>,
) -> PageResult {
    match outcome {
        Ok(done) => go(&format!(
            "/circle/areas/{code}?added={}&updated={}&skipped={}",
            done.added, done.updated, done.skipped
        )),
        Err(errors) => render_facilities(v, code, Said::Problems(errors)).await,
    }
}

/// POST /circle/areas/{code}/import (multipart: csrf, file, community, datum).
pub async fn import(
    v: Visit,
    Path(code): Path<String>,
    UploadForm(form): UploadForm,
) -> PageResult {
    let lang = v.lang;
    check_upload(lang, &v.user, &form)?;
    let problem = |message: String| vec![("file".to_string(), message)];
    let bytes = match form.file("file") {
        Err(FileTooBig) => Err(problem(too_big(lang))),
        Ok(Some(bytes)) => Ok(bytes.to_vec()),
        Ok(None) => Err(problem(lang.text(
            "请选择要导入的文件（CSV、GeoJSON 或 .osm.pbf）",
            "choose a file to import (CSV, GeoJSON or .osm.pbf)",
        ))),
    };
    let outcome = match bytes {
        Ok(bytes) => import_facilities(
            &v.state,
            &v.user,
            &code,
            ImportFrom::Upload(bytes),
            form.get("community").as_deref(),
            datum_of(&form),
            lang,
        )
        .await?
        .map_err(|problems| problems_at("file", problems)),
        Err(errors) => Err(errors),
    };
    imported(&v, &code, outcome).await
}

/// POST /circle/areas/{code}/import-network: the network extract's points of interest.
pub async fn import_network(Path(code): Path<String>, Posted { v, .. }: Posted) -> PageResult {
    let outcome = import_facilities(
        &v.state,
        &v.user,
        &code,
        ImportFrom::Network,
        None,
        Datum::Wgs84,
        v.lang,
    )
    .await?
    .map_err(|problems| problems_at("file", problems));
    imported(&v, &code, outcome).await
}

/// POST /circle/areas/{code}/boundaries (multipart: csrf, datum, file or geojson).
pub async fn boundaries(
    v: Visit,
    Path(code): Path<String>,
    UploadForm(form): UploadForm,
) -> PageResult {
    let lang = v.lang;
    check_upload(lang, &v.user, &form)?;
    let text = match form.file("file") {
        Err(FileTooBig) => Err(too_big(lang)),
        Ok(Some(bytes)) => String::from_utf8(bytes.to_vec())
            .map_err(|_| lang.text("文件不是 UTF-8 编码的文本", "the file is not UTF-8 text")),
        Ok(None) => match form.get("geojson") {
            Some(text) if !text.trim().is_empty() => Ok(text),
            _ => Err(lang.text(
                "请选择 GeoJSON 文件或粘贴其内容",
                "choose a GeoJSON file or paste its content",
            )),
        },
    };
    let outcome = match text {
        Ok(text) => save_boundaries(&v.state, &v.user, &code, &text, datum_of(&form), lang).await?,
        Err(e) => Err(vec![e]),
    };
    match outcome {
        Ok(n) => go(&format!("/circle/areas/{code}/coverage?saved={n}")),
        Err(problems) => {
            let said = Said::Problems(problems_at("boundary-file", problems));
            render_coverage(&v, &code, ALL_SIX, said).await
        }
    }
}
