//! Signing in and out of the pages, and the bearer tokens of the APIs (`/api/v1/tokens`, `/flicket-api/tokens`).

pub mod login;
mod tokens_api;
mod tokens_compat;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The pages of the area: the sign-in form and sign-out.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
}

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
