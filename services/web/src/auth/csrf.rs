//! CSRF protection for every state-changing request.
//!
//! A random seed lives in an `HttpOnly` cookie; the token put in forms is an HMAC of the seed and the session, keyed
//! by `FLICKET_SECRET_KEY`. A POST needs a token that matches this browser's seed and session, and, when the browser
//! sends an `Origin`, an origin equal to the site's own.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use bytes::BytesMut;
use flicket_core::tokens;
use futures::StreamExt;

use super::session::Session;
use crate::body_limits;
use crate::error::AppError;
use crate::state::AppState;

/// Name of the hidden form field.
pub const FIELD: &str = "csrf_token";
/// Header accepted instead of the form field.
pub const HEADER: &str = "x-csrf-token";

/// The token for this request's forms (a request extension).
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or(CsrfToken(String::new())))
    }
}

fn message(seed: &str, session: &Session) -> Vec<u8> {
    let sid = session
        .0
        .as_ref()
        .map(|s| s.session_id.to_string())
        .unwrap_or_default();
    format!("csrf|{seed}|{sid}").into_bytes()
}

/// Middleware: makes sure the browser has a seed, exposes the token, and checks it on POST, PUT, PATCH and DELETE.
pub async fn protect(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let key = state.config.secret_key_bytes().to_vec();
    let session = req
        .extensions()
        .get::<Session>()
        .cloned()
        .unwrap_or_default();
    let existing = jar
        .get(state.cookies.csrf_name())
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43);
    let (seed, new_seed) = match existing {
        Some(s) => (s, false),
        None => (tokens::random_token(), true),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        if !origin_allowed(req.headers(), &state) {
            tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "CSRF: foreign origin refused");
            return AppError::Csrf.into_response_for(req.headers(), &session);
        }
        let (candidate, rebuilt) = match extract_candidate(req).await {
            Ok(v) => v,
            Err(resp) => return *resp,
        };
        req = rebuilt;
        let valid = !new_seed
            && candidate.is_some_and(|c| tokens::verify_mac(&key, &message(&seed, &session), &c));
        if !valid {
            tracing::warn!(path = %req.uri().path(), "CSRF: missing or invalid token");
            return AppError::Csrf.into_response_for(req.headers(), &session);
        }
    }
    req.extensions_mut()
        .insert(CsrfToken(tokens::mac(&key, &message(&seed, &session))));
    let mut resp = next.run(req).await;
    if new_seed {
        let cookie = state.cookies.build(state.cookies.csrf_name(), seed, None);
        if let Ok(v) = cookie.to_string().parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The token that goes with a new seed and session (used right after sign-in and sign-out).
pub fn token_for(state: &AppState, seed: &str, session: &Session) -> String {
    tokens::mac(state.config.secret_key_bytes(), &message(seed, session))
}

fn origin_allowed(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true; // Not sent by every client; the token still has to match.
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let own = |scheme: &str| format!("{scheme}://{host}") == origin;
    let base = state
        .config
        .base_url
        .as_deref()
        .is_some_and(|b| b == origin);
    own("http") || own("https") || base
}

/// Most bytes read from the start of a multipart body to find the token in its first part.
const FIRST_PART_MAX_BYTES: usize = 8 * 1024;

/// Reads the token from the header, from the first part of a multipart body, or from an urlencoded body (what was
/// read is put back for the handler).
async fn extract_candidate(req: Request) -> Result<(Option<String>, Request), Box<Response>> {
    let header_token = req
        .headers()
        .get(HEADER)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    if body_limits::is_multipart(req.headers()) {
        if header_token.is_some() {
            return Ok((header_token, req));
        }
        // Uploads are streamed, so only the beginning of the body is read: the pages put the hidden token field
        // first, and browsers send fields in document order. The token never travels in the URL (access logs).
        return Ok(first_part_token(req).await);
    }
    if !body_limits::is_urlencoded(req.headers()) {
        return Ok((header_token, req));
    }
    let (parts, body) = req.into_parts();
    let refuse = |e: AppError| {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .unwrap_or_default();
        Box::new(e.into_response_for(&parts.headers, &session))
    };
    let bytes = match to_bytes(body, body_limits::MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return Err(refuse(AppError::PayloadTooLarge)),
    };
    let token = header_token.or_else(|| form_urlencoded_field(&bytes, FIELD));
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of the first part of a multipart body when that part is the token field; `None` otherwise (another
/// field first, or a first part longer than what was read).
fn token_in_first_part(head: &[u8], boundary: &str) -> Option<String> {
    let opening = format!("--{boundary}\r\n");
    let start = find(head, opening.as_bytes())? + opening.len();
    let rest = &head[start..];
    let headers_end = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
    let names_the_field = headers.split("\r\n").any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && value.split(';').skip(1).any(|param| {
                param.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("name") && v.trim().trim_matches('"') == FIELD
                })
            })
    });
    if !names_the_field {
        return None;
    }
    let value = &rest[headers_end + 4..];
    let end = find(value, format!("\r\n--{boundary}").as_bytes())?;
    String::from_utf8(value[..end].to_vec()).ok()
}

/// Reads the beginning of a multipart body (up to the end of its first part, at most [`FIRST_PART_MAX_BYTES`]),
/// takes the token from it, and puts what was read back in front of the rest of the stream.
async fn first_part_token(req: Request) -> (Option<String>, Request) {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = boundary(content_type) else {
        return (None, req);
    };
    let (parts, body) = req.into_parts();
    // Fused: the rest is chained after what was read, even when the body has already ended.
    let mut stream = body.into_data_stream().fuse();
    let mut head = BytesMut::new();
    let closing = format!("\r\n--{boundary}");
    let mut failed = None;
    while head.len() < FIRST_PART_MAX_BYTES && find(&head, closing.as_bytes()).is_none() {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let token = token_in_first_part(&head, &boundary);
    let head = futures::stream::once(std::future::ready(Ok::<_, axum::Error>(head.freeze())));
    // A read error is handed on to the handler, which reports an unreadable form.
    let failed = futures::stream::iter(failed.map(Err));
    let body = Body::from_stream(head.chain(failed).chain(stream));
    (token, Request::from_parts(parts, body))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&').find_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = it.next()?;
        let v = it.next().unwrap_or_default();
        (k == name.as_bytes()).then(|| String::from_utf8_lossy(v).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_field() {
        assert_eq!(
            form_urlencoded_field(b"a=1&csrf_token=xy_z-&b=2", FIELD).as_deref(),
            Some("xy_z-")
        );
        assert_eq!(form_urlencoded_field(b"a=1", FIELD), None);
    }

    #[test]
    fn finds_the_token_in_the_first_part_only() {
        let ct = "multipart/form-data; boundary=----WebKitFormBoundaryAb1";
        let b = boundary(ct).unwrap();
        assert_eq!(b, "----WebKitFormBoundaryAb1");
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; Boundary=\"x y\"").as_deref(),
            Some("x y")
        );
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok_EN-1\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n--{b}--\r\n"
        );
        assert_eq!(
            token_in_first_part(body.as_bytes(), &b).as_deref(),
            Some("tok_EN-1")
        );
        // Cut before the end of the first part: not found.
        assert_eq!(token_in_first_part(&body.as_bytes()[..60], &b), None);
        // The token in a later part does not count.
        let later = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n--{b}--\r\n"
        );
        assert_eq!(token_in_first_part(later.as_bytes(), &b), None);
        // A field whose name only starts like it does not count either.
        let other = body.replace("name=\"csrf_token\"", "name=\"csrf_token2\"");
        assert_eq!(token_in_first_part(other.as_bytes(), &b), None);
    }
}
