//! Finding tickets: the dashboard (`GET /`), the list with filters, scopes, sorting and search (`GET /tickets`), its
//! CSV export, and the same list under `/api/v1/tickets`.

mod api;
mod csv_export;
mod dashboard;
pub mod page;
mod query;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub use query::ListQuery;

/// The pages of this area.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/tickets", get(page::show))
        .route("/tickets.csv", get(csv_export::download))
}

/// The `/api/v1` routes of this area (`POST /api/v1/tickets`, raising a ticket, is the `tickets` area's).
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::list))
}
