//! The errors that every operation of a kind can give, whatever its handler: a query string or a body the
//! extractors reject (400, 415), a token over its rate limit (429). The middleware gives the extractors' plain-text
//! rejections the API's JSON error body; the modifier documents these statuses on every operation they apply to.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use super::ApiError;

/// Longest rejection text kept (axum's are one line).
const MAX_MESSAGE: usize = 4096;

/// Middleware: a client error answered in plain text (an extractor's rejection) becomes `{error, message}` with the
/// same status.
pub async fn json_rejections(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let plain_text = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !resp.status().is_client_error() || !plain_text {
        return resp;
    }
    let status = resp.status();
    let text = match axum::body::to_bytes(resp.into_body(), MAX_MESSAGE).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    };
    ApiError::new(status, message).into_response()
}

/// Documents 400 and 415 on the operations that read a query string or a body, and 429 on those that take a bearer
/// token, where a handler did not already.
pub struct CommonResponses;

fn add(op: &mut Operation, status: &str, description: &str) {
    if op.responses.responses.contains_key(status) {
        return;
    }
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ApiErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build();
    op.responses
        .responses
        .insert(status.to_owned(), RefOr::T(response));
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                let has_query = op.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.parameter_in == ParameterIn::Query,
                    RefOr::Ref(_) => false,
                });
                if has_query {
                    add(op, "400", "The query string cannot be read.");
                }
                if op.request_body.is_some() {
                    add(op, "400", "The body is not valid JSON.");
                    add(op, "415", "The body is not `application/json`.");
                }
                if op.security.iter().flatten().any(|s| *s == bearer) {
                    add(op, "429", "Too many requests for this token.");
                }
            }
        }
    }
}
