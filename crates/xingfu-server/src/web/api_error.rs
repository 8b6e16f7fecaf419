//! The API's errors and its JSON-reading extractors.
//!
//! Every failure is `{"error": {"code", "message"}}` with the matching status. The code is one of
//! `unauthorized` (401), `forbidden` (403), `not_found` (404), `bad_request` (400), `conflict`
//! (409), `payload_too_large` (413), `too_many_requests` (429) and `internal` (500); the message is in Simplified Chinese, or
//! English when the request's `Accept-Language` prefers English. Internal details go to the log,
//! never into a response.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::app::error::AppError;
use crate::i18n::Lang;

/// The language of a request's messages: English when `Accept-Language` prefers it (by its
/// `q` weights) over Chinese, Chinese otherwise.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::Zh;
    };
    let mut best: Option<(f32, Lang)> = None;
    for range in value.split(',') {
        let mut pieces = range.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang).unwrap_or(Lang::Zh)
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthorized`, `forbidden`, `not_found`, `bad_request`, `conflict`,
    /// `payload_too_large`, `too_many_requests` or `internal`.
    #[schema(example = "forbidden")]
    pub code: String,
    /// What went wrong, in the request's language.
    #[schema(example = "4星的评定须由市级审批")]
    pub message: String,
}

/// A failed API request.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(lang: Lang, zh: &str, en: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", lang.pick(zh, en))
    }

    pub fn forbidden(lang: Lang, zh: &str, en: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", lang.pick(zh, en))
    }

    pub fn not_found(lang: Lang) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            lang.pick("没有找到该内容。", "Not found."),
        )
    }

    /// A body over `limit` bytes, naming the limit.
    pub fn payload_too_large(lang: Lang, limit: usize) -> ApiError {
        let mib = limit / (1024 * 1024);
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            lang.pick(
                &format!("请求内容超过 {mib} MB 的上限。"),
                &format!("The request body is over the {mib} MiB limit."),
            ),
        )
    }

    pub fn too_many_requests(lang: Lang) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            lang.t().login_throttled,
        )
    }

    /// The error a service call ended in, in the request's language.
    pub fn from_app(error: AppError, lang: Lang) -> ApiError {
        match error {
            AppError::NotFound => ApiError::not_found(lang),
            AppError::Forbidden(reason) if reason == "csrf" => csrf_refused(lang),
            AppError::Forbidden(reason) if reason.is_empty() => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", lang.t().forbidden)
            }
            AppError::Forbidden(reason) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", reason)
            }
            AppError::BadRequest(reason) => ApiError::bad_request(reason),
            AppError::Conflict(reason) => ApiError::new(StatusCode::CONFLICT, "conflict", reason),
            AppError::Stale(stale) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", stale.message)
            }
            AppError::Internal(error) => {
                tracing::error!("{error:#}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    lang.t().server_error,
                )
            }
        }
    }
}

pub fn csrf_refused(lang: Lang) -> ApiError {
    ApiError::forbidden(
        lang,
        "使用会话 Cookie 时，修改数据的请求须带 X-CSRF-Token 请求头（值为本会话的 csrf）。",
        "A request that changes data with the session cookie needs the X-CSRF-Token header \
         (the session's csrf value).",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"xingfu\""),
            );
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            let seconds = crate::app::auth::FAILURE_WINDOW_MS / 1000;
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// What follows "…: " in axum's rejection text: serde's own message, with the path of the
/// field (`answers.ZG1.1.number: invalid type …`) or its name (`missing field \`password\``).
fn detail(text: &str) -> &str {
    text.split_once(": ").map(|(_, rest)| rest).unwrap_or(text)
}

fn json_rejection(rejection: JsonRejection, lang: Lang) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::payload_too_large(lang, crate::MAX_BODY);
    }
    let text = rejection.body_text();
    let message = match &rejection {
        JsonRejection::JsonDataError(_) => {
            lang.pick("请求内容有误：", "The request body does not fit: ")
                .to_string()
                + detail(&text)
        }
        JsonRejection::JsonSyntaxError(_) => {
            lang.pick(
                "请求内容不是有效的 JSON:",
                "The request body is not valid JSON: ",
            )
            .to_string()
                + detail(&text)
        }
        JsonRejection::MissingJsonContentType(_) => lang
            .pick(
                "请求须带 Content-Type: application/json 请求头。",
                "The request needs the header Content-Type: application/json.",
            )
            .to_string(),
        _ => {
            lang.pick("无法读取请求内容：", "The request body could not be read: ")
                .to_string()
                + &text
        }
    };
    ApiError::bad_request(message)
}

/// `Json<T>` whose rejections are API errors naming the field at fault.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(req.headers());
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, lang)),
        }
    }
}

/// An extractor reading the request's parts with API errors: a value that does not read is a
/// 400 that says where (the path or the query) and what.
macro_rules! parts_extractor {
    ($(#[$doc:meta])* $name:ident reads $inner:ident, $zh:literal, $en:literal) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<S, T> FromRequestParts<S> for $name<T>
        where
            T: DeserializeOwned + Send,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                match $inner::<T>::from_request_parts(parts, state).await {
                    Ok($inner(value)) => Ok($name(value)),
                    Err(rejection) => {
                        let lang = lang_of(&parts.headers);
                        Err(ApiError::bad_request(
                            lang.pick($zh, $en).to_string() + detail(&rejection.body_text()),
                        ))
                    }
                }
            }
        }
    };
}

parts_extractor!(
    /// `Path<T>` with API errors.
    ApiPath reads Path, "地址有误：", "The address is not valid: "
);
parts_extractor!(
    /// `Query<T>` with API errors.
    ApiQuery reads Query, "查询参数有误：", "A query parameter is not valid: "
);

/// Turns a service error into the API's error in the caller's language (for `map_err`).
pub fn app(lang: Lang) -> impl Fn(AppError) -> ApiError {
    move |e| ApiError::from_app(e, lang)
}

pub fn store(lang: Lang) -> impl Fn(xingfu_store::StoreError) -> ApiError {
    move |e| ApiError::from_app(e.into(), lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        lang_of(&headers)
    }

    #[test]
    fn english_only_when_preferred() {
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Zh);
        assert_eq!(lang("en"), Lang::En);
        assert_eq!(lang("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(lang("fr, en;q=0.5"), Lang::En);
        assert_eq!(lang("de"), Lang::Zh);
        assert_eq!(lang("en;q=0"), Lang::Zh);
    }

    #[test]
    fn keeps_serdes_message_with_the_field() {
        assert_eq!(
            detail(
                "Failed to deserialize the JSON body into the target type: answers.ZG1.1.number: invalid type"
            ),
            "answers.ZG1.1.number: invalid type"
        );
    }
}
