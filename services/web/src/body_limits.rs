//! Body limits checked before a handler reads anything, on the pages as on the API: a body whose declared
//! `Content-Length` is larger than the route takes is answered 413 at once, instead of waiting for bytes that would
//! be refused anyway (or for the request timeout).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::session::Session;
use crate::error::AppError;
use crate::state::AppState;

/// Largest urlencoded form the pages read (the CSRF check reads it whole).
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// Largest body of any other kind a page route reads (axum's default body limit).
pub const MAX_OTHER_BYTES: u64 = 2 * 1024 * 1024;
/// Room a multipart body needs beyond its files: the text fields (64 KiB each at most) and the part headers.
pub const MULTIPART_OVERHEAD_BYTES: u64 = 1024 * 1024;

/// The `Content-Length` the client announced, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_start()
        .to_ascii_lowercase()
}

/// Whether the body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("multipart/form-data")
}

/// Whether the body is an urlencoded form.
pub fn is_urlencoded(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("application/x-www-form-urlencoded")
}

/// Largest multipart body a route takes: the site's per-request limit plus room for the text fields.
pub fn multipart_limit(max_request_bytes: i64) -> u64 {
    max_request_bytes
        .max(0)
        .unsigned_abs()
        .saturating_add(MULTIPART_OVERHEAD_BYTES)
}

/// Middleware of the pages (inside the session, before the CSRF check reads a form): a body declared larger than
/// the route takes is a 413, before reading it.
pub async fn guard_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let refuse = |req: &Request, e: AppError| {
        let session = req
            .extensions()
            .get::<Session>()
            .cloned()
            .unwrap_or_default();
        e.into_response_for(req.headers(), &session)
    };
    let Some(declared) = declared_length(req.headers()) else {
        return next.run(req).await;
    };
    let limit = if is_multipart(req.headers()) {
        // Smaller multipart bodies cannot be over any limit worth a query; the upload reader counts them.
        if declared <= MULTIPART_OVERHEAD_BYTES {
            return next.run(req).await;
        }
        match flicket_core::repo::catalog::ticket_settings(&state.pool).await {
            Ok(s) => multipart_limit(s.max_request_bytes),
            // As a page like the others (this layer runs outside the one that renders error markers).
            Err(e) => return refuse(&req, AppError::from(e)),
        }
    } else if is_urlencoded(req.headers()) {
        MAX_FORM_BYTES as u64
    } else {
        MAX_OTHER_BYTES
    };
    if declared > limit {
        tracing::info!(declared, limit, "request body declared too large");
        return refuse(&req, AppError::PayloadTooLarge);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_limit_leaves_room_for_fields() {
        assert_eq!(multipart_limit(1024), 1024 + MULTIPART_OVERHEAD_BYTES);
        assert_eq!(multipart_limit(-5), MULTIPART_OVERHEAD_BYTES);
    }
}
