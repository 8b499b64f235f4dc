//! The JSON API under `/api/v1`, authenticated with bearer tokens (never with the session cookie, so it cannot be
//! driven cross-site), described by an OpenAPI 3.1 document generated from the code.

mod auth;
mod error;
mod pagination;
mod tickets;

use std::sync::Arc;

use axum::Router;
use axum::extract::Extension;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{ApiLimiter, ApiUser};
pub use error::ApiError;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Flicket API", version = "1", description = "Tickets, replies and reference data of Flicket."),
    modifiers(&BearerAuth),
    tags((name = "auth", description = "Bearer tokens"), (name = "tickets", description = "Tickets"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
            components.add_security_scheme(
                "basic",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
            );
        }
    }
}

/// The API's routes, its OpenAPI document at `/api/v1/openapi.json` and Swagger UI at `/api/docs` (assets served
/// from the binary, no CDN).
pub fn routes() -> Router<AppState> {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::create_token, auth::revoke_token))
        .routes(routes!(tickets::list))
        .split_for_parts();
    let limiter = Arc::new(ApiLimiter::per_minute(600));
    router
        .layer(Extension(limiter))
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
}
