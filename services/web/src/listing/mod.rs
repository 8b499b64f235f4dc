//! Finding tickets: the list with filters, scopes, sorting and search (`GET /tickets`), and its CSV export.

mod csv_export;
pub mod page;
mod query;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use query::ListQuery;

/// The routes of this area.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(page::show))
        .route("/tickets.csv", get(csv_export::download))
}
