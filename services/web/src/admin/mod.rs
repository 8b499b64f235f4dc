//! The admin area: users, groups, departments, statuses and priorities, the test email (the settings, audit and
//! email log pages are in [`crate::settings`]). Every route is for admins only, checked twice: by
//! [`guard::require_admin`] on the whole router (deny by default) and by the [`guard::AdminUser`] extractor each
//! handler takes.

pub mod form;
pub mod guard;
pub mod home;
pub mod pager;
mod test_email;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{any, get, post};

use crate::state::AppState;

/// The admin routes (merged into the page router, so they get the session, CSRF and error-page layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home::show))
        .route("/admin/settings/test-email", post(test_email::send))
        .route("/admin/settings/test-email/{id}", get(test_email::status))
        // Unknown admin paths go through the guard too: an anonymous visitor or a non-admin learns nothing.
        .route("/admin/{*rest}", any(crate::error::not_found))
        .route_layer(from_fn(guard::require_admin))
}
