//! The JSON API under `/api/v1`, authenticated with bearer tokens (never with the session cookie, so it cannot be
//! driven cross-site), described by an OpenAPI 3.1 document generated from the code.

mod auth;
mod error;
mod pagination;
mod reference;
mod rejections;
mod ticket_actions;
mod ticket_view;
mod tickets;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::Extension;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{ApiLimiter, ApiUser};
pub(crate) use auth::{issue_token, revoke_token};
pub use error::ApiError;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Flicket API", version = "1", description = "Tickets, replies and reference data of Flicket."),
    modifiers(&BearerAuth),
    tags((name = "auth", description = "Bearer tokens"), (name = "tickets", description = "Tickets"),
          (name = "reference", description = "Departments, categories, statuses and priorities"),
          (name = "users", description = "People"))
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
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::create_token, auth::revoke_token))
        .routes(routes!(tickets::list, ticket_actions::create))
        .routes(routes!(ticket_view::get))
        .routes(routes!(ticket_view::posts))
        .routes(routes!(ticket_view::activity))
        .routes(routes!(ticket_actions::reply))
        .routes(routes!(ticket_actions::claim))
        .routes(routes!(ticket_actions::release))
        .routes(routes!(ticket_actions::close))
        .routes(routes!(ticket_actions::reopen))
        .routes(routes!(ticket_actions::assign))
        .routes(routes!(reference::departments))
        .routes(routes!(reference::categories))
        .routes(routes!(reference::statuses))
        .routes(routes!(reference::priorities))
        .routes(routes!(users::list))
        .routes(routes!(users::get))
        .split_for_parts();
    // After the routes are in: it looks at every operation.
    rejections::CommonResponses.modify(&mut openapi);
    let limiter = Arc::new(ApiLimiter::per_minute(600));
    // Flicket's API shares the tokens and their rate limit.
    router
        .merge(crate::api_compat::routes())
        .layer(axum::middleware::from_fn(rejections::json_rejections))
        .layer(Extension(limiter))
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
}

/// Parses an id from the path; anything else is a 404, as in the UI.
fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// The site's base URL (for links) and its page size.
async fn site(state: &AppState) -> Result<(String, i64), ApiError> {
    let site = flicket_core::repo::settings::site(&state.pool).await?;
    let base = state.config.base_url.clone().unwrap_or(site.base_url);
    Ok((
        base,
        i64::from(site.page_size).min(pagination::MAX_PER_PAGE),
    ))
}
