//! Who may enter the admin area and the department management: extractors for handlers, and a middleware on the
//! whole `/admin` router so that a route added without the extractor is still refused (deny by default).

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use flicket_core::permissions::{Actor, admin};
use flicket_core::repo::sessions::SessionUser;

use crate::auth::session::Session;
use crate::error::AppError;

/// A signed-in admin.
#[derive(Clone)]
pub struct AdminUser(pub SessionUser);

/// A signed-in admin or super user (departments and categories).
#[derive(Clone)]
pub struct StaffUser(pub SessionUser);

fn sign_in_redirect(parts: &Parts) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    Redirect::to(&format!("/login?next={}", crate::http::urlencode(next))).into_response()
}

fn check(parts: &Parts, allowed: fn(&Actor) -> bool) -> Result<SessionUser, Box<Response>> {
    match parts.extensions.get::<Session>().and_then(|s| s.0.clone()) {
        None => Err(Box::new(sign_in_redirect(parts))),
        Some(user) if allowed(&Actor::from(&user)) => Ok(user),
        Some(user) => {
            tracing::warn!(user.id = user.user_id.0, path = %parts.uri.path(), "authorization refused");
            Err(Box::new(AppError::Forbidden.into_response()))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        check(parts, admin::can_administer)
            .map(Self)
            .map_err(|r| *r)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for StaffUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        check(parts, admin::can_manage_departments)
            .map(Self)
            .map_err(|r| *r)
    }
}

/// Middleware of the `/admin` router: anonymous → sign-in page, non-admin → 403, before any handler runs.
pub async fn require_admin(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if let Err(resp) = check(&parts, admin::can_administer) {
        return *resp;
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The client's address, for the audit log.
pub use crate::http::ClientIp;
