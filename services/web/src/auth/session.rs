//! Loads the session once per request and offers it to handlers as `CurrentUser` / `MaybeUser`.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::repo::sessions::{self, SessionUser};
use flicket_core::repo::settings::SiteSettings;
use flicket_core::tokens;

use super::cookies::SESSION_IDLE_SECS;
use crate::state::AppState;

/// The session found for this request, if any (a request extension set by [`load`]).
#[derive(Clone, Default)]
pub struct Session(pub Option<SessionUser>);

/// The site's settings, read with the session (a request extension set by [`load`] for a signed-in request), so
/// that the page needs no statement of its own for them.
#[derive(Clone)]
pub struct SessionSite(pub SiteSettings);

/// Middleware: resolves the session cookie to a user. A database failure leaves the request anonymous (fail closed),
/// except when PostgreSQL cannot be reached: then the answer is a 503 rather than a sign-in page that would tell a
/// signed-in person they were signed out.
pub async fn load(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let mut found = None;
    let mut site = None;
    if let Some(cookie) = jar.get(state.cookies.session_name()) {
        let hash = tokens::hash_token(cookie.value());
        match sessions::find(&state.pool, &hash, SESSION_IDLE_SECS).await {
            Ok(Some(sessions::Found { user, site: read })) => {
                if (chrono::Utc::now() - user.last_seen_at).num_seconds() > 60
                    && let Err(e) = sessions::touch(&state.pool, user.session_id).await
                {
                    tracing::warn!(error = %e, "could not refresh session");
                }
                tracing::Span::current().record("user.id", user.user_id.0);
                found = Some(user);
                site = read;
            }
            Ok(None) => {}
            Err(e) if flicket_core::db::is_unavailable(&e) => {
                tracing::error!(error = %e, "session lookup failed: PostgreSQL cannot be reached");
                return crate::error::AppError::from(e)
                    .into_response_for(req.headers(), &Session(None));
            }
            Err(e) => tracing::error!(error = %e, "session lookup failed"),
        }
    }
    req.extensions_mut().insert(Session(found));
    if let Some(site) = site {
        req.extensions_mut().insert(SessionSite(site));
    }
    next.run(req).await
}

/// A signed-in user; anonymous requests are redirected to the sign-in page.
#[derive(Clone)]
pub struct CurrentUser(pub SessionUser);

/// The signed-in user, if any.
#[derive(Clone)]
pub struct MaybeUser(pub Option<SessionUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts.extensions.get::<Session>().and_then(|s| s.0.clone()),
        ))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Session>().and_then(|s| s.0.clone()) {
            Some(user) => Ok(Self(user)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = if next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", crate::http::urlencode(next))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}
