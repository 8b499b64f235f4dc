//! Request bodies and framework errors of the API. JSON bodies larger than the per-request limit are refused with a
//! JSON 413 before they are read whole; every error the framework answers by itself (a malformed query string, an
//! unknown method, …) gets the API's JSON shape instead of plain text.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use flicket_core::repo::catalog;
use futures::StreamExt;

use super::ApiError;
use crate::body_limits;
use crate::state::AppState;

/// The largest JSON body read, whatever the settings say (axum's default body limit).
pub const MAX_JSON_BYTES: i64 = 2 * 1024 * 1024;

fn too_large(limit: i64) -> Response {
    ApiError::too_large("api-error-body-too-large", &crate::http::human_size(limit)).into_response()
}

/// Middleware: reads a non-multipart body up to the smaller of the site's per-request limit and
/// [`MAX_JSON_BYTES`]; a larger one is a JSON 413 (at once when `Content-Length` says so). Multipart uploads are
/// streamed by their handler, which applies the upload limits itself; one declared larger than the site takes is a
/// 413 at once too.
pub async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    // Requests without a body (most GETs) cost nothing: the settings are read only when there is one.
    if req.body().is_end_stream() || req.body().size_hint().exact() == Some(0) {
        return next.run(req).await;
    }
    let multipart = body_limits::is_multipart(headers);
    let declared = body_limits::declared_length(headers);
    if multipart && declared.is_none_or(|n| n <= body_limits::MULTIPART_OVERHEAD_BYTES) {
        return next.run(req).await;
    }
    let settings = match catalog::ticket_settings(&state.pool).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if multipart {
        if declared.is_some_and(|n| n > body_limits::multipart_limit(settings.max_request_bytes)) {
            return too_large(settings.max_request_bytes);
        }
        return next.run(req).await;
    }
    let limit = settings.max_request_bytes.clamp(1, MAX_JSON_BYTES);
    if declared.is_some_and(|n| n > limit.unsigned_abs()) {
        return too_large(limit);
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                flicket_core::Locale::En.t("api-error-unreadable-body"),
            )
            .into_response();
        };
        if (buf.len() + chunk.len()) as u64 > limit.unsigned_abs() {
            return too_large(limit);
        }
        buf.extend_from_slice(&chunk);
    }
    next.run(Request::from_parts(parts, Body::from(buf.freeze())))
        .await
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Middleware: an error response that is not JSON (the framework's own rejections, 405, …) is rewritten as
/// `{error, message}` with the same status; a 4xx keeps the framework's explanation as its message.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|t| {
            t.chars()
                .filter(|c| !c.is_control())
                .take(1000)
                .collect::<String>()
        })
        .filter(|t| !t.trim().is_empty() && status.is_client_error());
    let message = text.unwrap_or_else(|| {
        if status.is_server_error() {
            "An unexpected error happened.".to_owned()
        } else {
            status.canonical_reason().unwrap_or("Error").to_owned()
        }
    });
    let mut out = ApiError::new(status, message).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
