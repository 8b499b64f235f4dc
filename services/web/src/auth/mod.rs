//! Sign-in, sessions and CSRF protection, and the bearer tokens of the APIs.

pub mod cookies;
pub mod csrf;
pub mod login;
pub mod session;
mod tokens_api;
mod tokens_compat;

use axum::Router;
use axum::routing::post;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use session::{CurrentUser, MaybeUser};

use crate::state::AppState;

/// The `/api/v1` routes of the area: issuing and revoking a token.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tokens_api::create_token, tokens_api::revoke_token))
}

/// The `/flicket-api/` routes of the area: the same, in Flicket's shape.
pub fn compat_routes() -> Router<AppState> {
    Router::new().route(
        "/flicket-api/tokens",
        post(tokens_compat::create).delete(tokens_compat::revoke_token),
    )
}
