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
use flicket_core::tokens;

use super::session::Session;
use crate::error::AppError;
use crate::state::AppState;

/// Largest form body read by the CSRF check (larger forms must be multipart and carry the token in a header).
const MAX_FORM_BYTES: usize = 256 * 1024;
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

/// Reads the token from the header, or from an urlencoded body (which is then put back for the handler).
async fn extract_candidate(req: Request) -> Result<(Option<String>, Request), Box<Response>> {
    if let Some(h) = req.headers().get(HEADER).and_then(|h| h.to_str().ok()) {
        let token = h.to_owned();
        return Ok((Some(token), req));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        // Uploads are streamed, so the token cannot be read from the body first: multipart forms carry it in the
        // action URL (`?csrf_token=…`). Referrer-Policy keeps it on this site.
        let token = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded_field(q.as_bytes(), FIELD));
        return Ok((token, req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let session = parts
                .extensions
                .get::<Session>()
                .cloned()
                .unwrap_or_default();
            return Err(Box::new(
                AppError::PayloadTooLarge.into_response_for(&parts.headers, &session),
            ));
        }
    };
    let token = form_urlencoded_field(&bytes, FIELD);
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
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
}
