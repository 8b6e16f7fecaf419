//! A standard version's clause table as an Excel workbook, and a new version imported from an
//! edited table, with the pages' rules ([`crate::standards::service`]).
//!
//! The import takes the .xlsx file itself as the request body (no multipart), the base version
//! in the path and the new label as `?version=`. A refused import answers with the usual error
//! body plus `problems`: every problem of the table, with its row.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::NoStandardVersion;
use crate::i18n::Lang;
use crate::standards::service::{
    self as standard_import, MAX_TABLE, Refusal, Upload, english_table, may_import,
};
use crate::web::api_call::Api;
use crate::web::api_error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::web::download::xlsx_attachment;

/// An .xlsx workbook's bytes, as the OpenAPI document describes them (a binary string).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(pub Vec<u8>);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableQuery {
    /// `en` for English headers, `zh` for Chinese; default: the request's `Accept-Language`.
    #[param(example = "en")]
    pub lang: Option<String>,
}

/// The clause table of one stored standard version (the sheet `条款` / `Clauses` with a row per
/// clause, and the star levels): edit it and import it as a new version.
#[utoipa::path(
    get,
    path = "/standards/{id}/{version}/clauses.xlsx",
    operation_id = "standard_clause_table",
    tag = "reference",
    params(
        ("id" = String, Path, description = "Standard id, e.g. lucheng-2012"),
        ("version" = String, Path, description = "Version, e.g. 2012.1"),
        TableQuery,
    ),
    responses(
        (status = 200, description = "The clause table workbook", body = inline(Workbook),
         content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        NoStandardVersion,
    )
)]
pub async fn clause_table(
    api: Api,
    ApiPath((id, version)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<TableQuery>,
) -> Result<Response, ApiError> {
    let english = english_table(query.lang.as_deref(), api.lang.is_en());
    let table = standard_import::clause_table(&api.state, &id, &version, english)
        .await
        .map_err(api.app())?;
    Ok(xlsx_attachment(&table.file_name, table.bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The new version's label: 1–32 letters, digits, `.`, `-`, `_`, not yet stored for this
    /// standard.
    #[param(example = "2013.1")]
    pub version: String,
}

/// The version stored by an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedVersion {
    #[schema(example = "lucheng-2012")]
    pub id: String,
    #[schema(example = "2013.1")]
    pub version: String,
    /// The version it was made from.
    #[schema(example = "2012.1")]
    pub based_on: String,
    pub name: String,
    /// How many clauses it has.
    pub clauses: usize,
    pub total_points: f64,
}

/// An import's error: the usual `code` and `message`, and every problem of the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorBody {
    pub error: ImportErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorDetail {
    /// `bad_request` (the label), `conflict` (the label is taken), `not_found` (the base),
    /// `payload_too_large`, `invalid_file` (not an .xlsx, or problems in the table), `forbidden`.
    #[schema(example = "invalid_file")]
    pub code: String,
    /// Every problem outside the table, each after the field it is about (`version`, `file`).
    pub message: String,
    /// The table's first problems (empty when it was not read): at most 200.
    pub problems: Vec<TableProblem>,
    /// How many more problems the table has past the listed ones.
    pub unlisted: usize,
}

/// One problem in the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableProblem {
    /// The file and sheet, e.g. `clauses.xlsx [条款]`.
    pub sheet: String,
    /// The 1-based row in the sheet, when the problem is in one.
    pub row: Option<usize>,
    /// The clause, item or category it is about, when one.
    pub id: Option<String>,
    /// What is wrong (naming the column when it is one cell), in the request's language.
    #[schema(example = "第 5 行 G 列（分值）：分值应是最多两位小数的数字，不是 \"十\"")]
    pub message: String,
}

fn refused(
    status: StatusCode,
    code: &str,
    message: String,
    problems: Vec<TableProblem>,
    unlisted: usize,
) -> Response {
    (
        status,
        Json(ImportErrorBody {
            error: ImportErrorDetail {
                code: code.to_string(),
                message,
                problems,
                unlisted,
            },
        }),
    )
        .into_response()
}

/// The answer to a refused import: the most telling status, every field's problem in the
/// message, and the table's problems.
fn refusal_response(refusal: Refusal, lang: Lang) -> Response {
    let en = lang.is_en();
    let (status, code) = if refusal.base.is_some() {
        (StatusCode::NOT_FOUND, "not_found")
    } else if refusal.too_big {
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    } else if refusal.version_taken {
        (StatusCode::CONFLICT, "conflict")
    } else if refusal.version.is_some() {
        (StatusCode::BAD_REQUEST, "bad_request")
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_file")
    };
    let separator = if en { ": " } else { ":" };
    let mut parts = Vec::new();
    for (field, said) in [
        ("base", &refusal.base),
        ("version", &refusal.version),
        ("file", &refusal.file),
    ] {
        if let Some(said) = said {
            parts.push(format!("{field}{separator}{}", said.pick(lang)));
        }
    }
    if !refusal.table.is_empty() {
        let count = refusal.table.total();
        let more = refusal
            .table
            .more_line(en)
            .map(|line| format!("{}{line}", if en { "; " } else { "\u{ff1b}" }))
            .unwrap_or_default();
        parts.push(if en {
            format!(
                "file: the table has {count} problems (see problems{more}); nothing was imported"
            )
        } else {
            format!("file:条款表有 {count} 处问题（见 problems{more}），没有导入任何内容")
        });
    }
    let unlisted = refusal.table.unlisted();
    let problems = refusal
        .table
        .listed()
        .iter()
        .map(|p| TableProblem {
            message: if en { p.en.clone() } else { p.zh.clone() },
            sheet: p.file.clone(),
            row: p.line,
            id: p.id.clone(),
        })
        .collect();
    refused(
        status,
        code,
        parts.join(if en { "; " } else { ";" }),
        problems,
        unlisted,
    )
}

/// Imports an edited clause table (the .xlsx file as the body) as a new version of the standard,
/// starting from the version in the path: categories, items and clauses from the table; stars,
/// rewards, targets and everything else from the base. City and district administrators.
#[utoipa::path(
    post,
    path = "/standards/{id}/{version}/versions",
    operation_id = "import_standard_version",
    tag = "reference",
    params(
        ("id" = String, Path, description = "Standard id, e.g. lucheng-2012"),
        ("version" = String, Path, description = "The stored version the table starts from, e.g. 2012.1"),
        ImportQuery,
    ),
    request_body(
        content = inline(Workbook),
        description = "The clause table as an .xlsx file (at most 5 MiB), sent as the body itself",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    responses(
        (status = 201, description = "The new version, stored", body = ImportedVersion),
        (status = 400, description = "The version label is not valid (named in the message)", body = ImportErrorBody),
        (status = 403, description = "Not a city or district administrator", body = ErrorBody),
        (status = 404, description = "No such base version", body = ImportErrorBody),
        (status = 409, description = "The standard already has that version", body = ImportErrorBody),
        (status = 413, description = "The file is over 5 MiB", body = ImportErrorBody),
        (status = 422, description = "Not an .xlsx file, or problems in the table (listed with their rows)",
         body = ImportErrorBody),
    )
)]
pub async fn import_version(
    api: Api,
    ApiPath((id, base_version)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImportedVersion>), Response> {
    // Nothing is read from someone who may not import.
    may_import(&api.user, api.lang).map_err(|e| ApiError::from_app(e, api.lang).into_response())?;
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("multipart/"));
    if multipart {
        return Err(ApiError::bad_request(api.lang.pick(
            "请把 .xlsx 文件本身作为请求体发送（Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet），不要用 multipart 表单。",
            "Send the .xlsx file itself as the body (Content-Type: \
             application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), not a multipart form.",
        ))
        .into_response());
    }
    let (bytes, too_big) = match axum::body::to_bytes(body, MAX_TABLE).await {
        Ok(bytes) => (Some(bytes.to_vec()), false),
        Err(error) => {
            let over = std::error::Error::source(&error)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if !over {
                tracing::info!("standard import body not read: {error}");
                return Err(ApiError::bad_request(api.lang.pick(
                    "请求体没有读完，没有导入任何内容。请重试。",
                    "The request body could not be read; nothing was imported. Try again.",
                ))
                .into_response());
            }
            (None, true)
        }
    };
    let label = query.version.trim();
    let upload = Upload {
        base_id: &id,
        base_version: &base_version,
        label,
        file_name: "clauses.xlsx",
        bytes,
        too_big,
    };
    match standard_import::import(&api.state, &api.user, upload, api.lang).await {
        Ok(Ok(done)) => Ok((
            StatusCode::CREATED,
            Json(ImportedVersion {
                id: done.id,
                version: done.version,
                based_on: base_version,
                name: done.name,
                clauses: done.clauses,
                total_points: done.total_points.to_f64(),
            }),
        )),
        Ok(Err(refusal)) => Err(refusal_response(refusal, api.lang)),
        Err(e) => Err(ApiError::from_app(e, api.lang).into_response()),
    }
}
