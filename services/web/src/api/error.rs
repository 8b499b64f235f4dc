//! API errors: `{"error": <HTTP reason>, "message": <detail>, "fields": {...}}` with the right status.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// The HTTP reason phrase, e.g. `Unauthorized`.
    pub error: String,
    /// What went wrong, in words.
    pub message: String,
    /// Per-field problems of a 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            fields: None,
        }
    }
    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "A valid bearer token is required.",
        )
    }
    /// 403.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "You may not do this.")
    }
    /// 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "No such resource.")
    }
    /// 422 with field details.
    pub fn invalid(fields: BTreeMap<String, String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Some fields are invalid.".into(),
            fields: Some(fields),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "API request failed");
        if flicket_core::db::is_unavailable(&e) {
            return Self::unavailable();
        }
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An unexpected error happened.",
        )
    }
}

impl ApiError {
    /// 503: PostgreSQL cannot be reached right now (the request can be sent again once it is back).
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            flicket_core::Locale::En.t("error-503-text"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // An ordinary refusal is the client's doing: INFO, once, in the request's span. Server errors were logged
        // at ERROR with their cause where they were made.
        if self.status.is_client_error() {
            tracing::info!(status = self.status.as_u16(), message = %self.message, "request refused");
        }
        let body = ApiErrorBody {
            error: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.message,
            fields: self.fields,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED
            && let Ok(v) = "Bearer".parse()
        {
            resp.headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}

impl ApiError {
    /// 409 with a reason (a fluent id, said in English).
    pub fn conflict(key: &str) -> Self {
        Self::new(StatusCode::CONFLICT, flicket_core::Locale::En.t(key))
    }
    /// 422 for one field, with the reason (a fluent id, said in English).
    pub fn field(field: &str, key: &str) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(field.to_owned(), flicket_core::Locale::En.t(key));
        Self::invalid(fields)
    }
    /// A rejected JSON body: 400 for bad syntax, 415 without `application/json`, 422 for a wrong shape.
    pub fn from_json(rejection: &axum::extract::rejection::JsonRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}

/// A message said in English (the API's language).
fn english(m: &flicket_core::ops::Message) -> String {
    flicket_core::Locale::En.say(m)
}

impl From<flicket_core::tickets::ops::OpError> for ApiError {
    fn from(e: flicket_core::tickets::ops::OpError) -> Self {
        use flicket_core::permissions::tickets::Refusal;
        use flicket_core::tickets::ops::OpError;
        match e {
            OpError::NotFound => Self::not_found(),
            OpError::Refused(Refusal::Forbidden) => Self::forbidden(),
            OpError::Refused(Refusal::Conflict(key)) => Self::conflict(key),
            OpError::Conflict(m) => Self::new(StatusCode::CONFLICT, english(&m)),
            OpError::Invalid(f) => {
                let mut fields = BTreeMap::new();
                fields.insert(f.field.to_owned(), english(&f.message));
                Self::invalid(fields)
            }
            OpError::Db(e) => e.into(),
        }
    }
}

impl ApiError {
    /// 413 with the limit (a human size) in the message.
    pub fn too_large(key: &str, limit: &str) -> Self {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set("value", limit.to_owned());
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            flicket_core::Locale::En.t_args(key, &args),
        )
    }

    /// 409 or 422 with a reason that takes one argument (a fluent id, said in English).
    pub fn with_arg(status: StatusCode, key: &str, name: &str, value: &str) -> Self {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set(name.to_owned(), value.to_owned());
        Self::new(status, flicket_core::Locale::En.t_args(key, &args))
    }
}

impl From<crate::error::AppError> for ApiError {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError;
        match e {
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden | AppError::Csrf => Self::forbidden(),
            AppError::BadRequest(key) => {
                Self::new(StatusCode::BAD_REQUEST, flicket_core::Locale::En.t(key))
            }
            AppError::PayloadTooLarge => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                flicket_core::Locale::En.t("error-413-title"),
            ),
            AppError::TooManyAttempts => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                flicket_core::Locale::En.t("login-rate-limited"),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "API request failed");
                if flicket_core::db::unavailable_in(&e) {
                    return Self::unavailable();
                }
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An unexpected error happened.",
                )
            }
        }
    }
}
