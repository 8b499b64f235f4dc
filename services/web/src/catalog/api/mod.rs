//! The catalog in `/api/v1`: departments, categories, statuses and priorities to read (every signed-in token), and
//! departments and categories to manage (admins and super users, as on the pages).

mod manage;
mod reference;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The `/api/v1` routes of the catalog.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reference::departments, manage::create_department))
        .routes(routes!(
            manage::rename_department,
            manage::delete_department
        ))
        .routes(routes!(reference::categories, manage::create_category))
        .routes(routes!(manage::rename_category, manage::delete_category))
        .routes(routes!(reference::statuses))
        .routes(routes!(reference::priorities))
}
