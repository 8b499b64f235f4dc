//! The JSON API under `/api/v1`, authenticated with bearer tokens (never with the session cookie, so it cannot be
//! driven cross-site), described by an OpenAPI 3.1 document generated from the code.

mod auth;
mod body;
pub(crate) mod error;
pub(crate) mod input;
pub(crate) mod pagination;

use std::sync::Arc;

use axum::Router;
use axum::extract::Extension;
use axum::middleware::{from_fn, from_fn_with_state};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{ApiLimiter, ApiUser, bearer};
pub use error::{ApiError, ApiErrorBody};

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

/// The API's routes: `v1` (every area's `/api/v1` routes) with its OpenAPI document at `/api/v1/openapi.json` and
/// Swagger UI at `/api/docs` (assets served from the binary, no CDN), and `compat` (every area's `/flicket-api/`
/// routes), which shares the tokens and their rate limit.
pub fn routes(
    state: AppState,
    v1: OpenApiRouter<AppState>,
    compat: Router<AppState>,
) -> Router<AppState> {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(v1)
        .split_for_parts();
    let limiter = Arc::new(ApiLimiter::per_minute(600));
    router
        .merge(compat)
        .layer(from_fn_with_state(state, body::limit_body))
        .layer(from_fn(body::json_errors))
        .layer(Extension(limiter))
        .merge(
            Router::from(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
                .layer(axum::middleware::map_response(docs_csp)),
        )
}

/// The API documentation's policy ([`crate::http::DOCS_CSP`]).
async fn docs_csp(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(crate::http::DOCS_CSP),
    );
    resp
}

/// The site's base URL (for links) and its page size.
pub(crate) async fn site(state: &AppState) -> Result<(String, i64), ApiError> {
    let site = flicket_core::repo::settings::site(&state.pool).await?;
    let base = state.config.base_url.clone().unwrap_or(site.base_url);
    Ok((
        base,
        i64::from(site.page_size).min(pagination::MAX_PER_PAGE),
    ))
}
