//! What every request goes through before a handler reads it, on the pages and on both APIs alike: a NUL character
//! anywhere in the URL or in a text body is refused (PostgreSQL cannot store it, and no person types it), and a body
//! whose declared `Content-Length` is larger than the route takes is answered 413 at once, instead of waiting for
//! bytes that would be refused anyway.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::session::Session;
use crate::error::AppError;
use crate::state::AppState;

/// Largest urlencoded form the pages read (the CSRF check reads it whole).
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// Largest body of any other kind a page route reads (axum's default body limit).
pub const MAX_OTHER_BYTES: u64 = 2 * 1024 * 1024;
/// Room a multipart body needs beyond its files: the text fields (64 KiB each at most) and the part headers.
pub const MULTIPART_OVERHEAD_BYTES: u64 = 1024 * 1024;
/// The fluent message id of a refused NUL (or other control character).
pub const NUL_REFUSED: &str = "error-control-characters";

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

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether urlencoded text (a query string, a path, a form body) carries a NUL, encoded (`%00`) or raw.
pub fn nul_in_urlencoded(raw: &[u8]) -> bool {
    raw.contains(&0) || find(raw, b"%00")
}

/// Whether a JSON document carries a NUL: raw, or as the escape `\u0000` inside a string.
pub fn nul_in_json(raw: &[u8]) -> bool {
    if raw.contains(&0) {
        return true;
    }
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if raw.get(i + 1) == Some(&b'u') && raw.get(i + 2..i + 6) == Some(b"0000".as_slice()) {
                return true;
            }
            // Skip the escaped character, so that `\\u0000` (a backslash, then text) is not mistaken for one.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether the URL's path or query carries a NUL.
pub fn nul_in_uri(uri: &Uri) -> bool {
    nul_in_urlencoded(uri.path().as_bytes())
        || uri.query().is_some_and(|q| nul_in_urlencoded(q.as_bytes()))
}

/// Whether a text body carries a NUL: an urlencoded form as such, anything else as JSON (Flicket's API reads JSON
/// whatever the content type says). Multipart bodies are checked field by field while read.
pub fn nul_in_body(headers: &HeaderMap, body: &[u8]) -> bool {
    if is_urlencoded(headers) {
        nul_in_urlencoded(body)
    } else {
        nul_in_json(body)
    }
}

/// Middleware of the pages (inside the session, before the CSRF check reads a form): refuses a NUL in the URL
/// with 400, and a body declared larger than the route takes with 413, before reading it.
pub async fn guard_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let refuse = |req: &Request, e: AppError| {
        let session = req
            .extensions()
            .get::<Session>()
            .cloned()
            .unwrap_or_default();
        e.into_response_for(req.headers(), &session)
    };
    if nul_in_uri(req.uri()) {
        tracing::info!(path = %req.uri().path(), "NUL in the URL refused");
        return refuse(&req, AppError::BadRequest(NUL_REFUSED));
    }
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
            Err(e) => return AppError::from(e).into_response(),
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
    fn nul_in_forms_and_urls() {
        assert!(nul_in_urlencoded(b"q=%00"));
        assert!(nul_in_urlencoded(b"username=a%00b&x=1"));
        assert!(nul_in_urlencoded(b"a=\0"));
        assert!(!nul_in_urlencoded(b"q=%2500&r=100%25"));
        assert!(nul_in_uri(&"/admin/users?q=%00".parse().unwrap()));
        assert!(nul_in_uri(&"/users/a%00b".parse().unwrap()));
        assert!(!nul_in_uri(&"/tickets?page=100".parse().unwrap()));
    }

    #[test]
    fn nul_in_json_strings() {
        assert!(nul_in_json(br#"{"title":"a\u0000b"}"#));
        assert!(nul_in_json(b"{\"title\":\"a\0b\"}"));
        assert!(nul_in_json(br#"{"title":"\\\u0000"}"#));
        assert!(!nul_in_json(
            br#"{"title":"\\u0000 is how JSON writes NUL"}"#
        ));
        assert!(nul_in_json(br#"{"title":"a\u00001"}"#));
        assert!(!nul_in_json(br#"{"title":"%00 \u0001"}"#));
    }

    #[test]
    fn multipart_limit_leaves_room_for_fields() {
        assert_eq!(multipart_limit(1024), 1024 + MULTIPART_OVERHEAD_BYTES);
        assert_eq!(multipart_limit(-5), MULTIPART_OVERHEAD_BYTES);
    }
}
