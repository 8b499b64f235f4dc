//! Reading a JSON body: a rejected body as the API's error, and the problems of every field collected into one 422.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use flicket_core::domain::ParseError;

use super::ApiError;

/// Collects the problems of every field, so one 422 lists them all.
#[derive(Default)]
pub(crate) struct Fields(pub(crate) BTreeMap<String, String>);

impl Fields {
    /// The parsed value, or `None` with the field's problem noted.
    pub(crate) fn take<T>(&mut self, field: &str, r: Result<T, ParseError>) -> Option<T> {
        r.map_err(|e| {
            self.0
                .insert(field.to_owned(), flicket_core::Locale::En.t(e.key));
        })
        .ok()
    }
    /// The 422 listing the problems.
    pub(crate) fn error(self) -> ApiError {
        ApiError::invalid(self.0)
    }
}

/// The body, or the API's answer to a rejected one (400, 415 or 422).
pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|r| ApiError::from_json(&r))
}
