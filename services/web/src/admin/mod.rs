//! The admin area: users, groups, departments, statuses and priorities, the test email (the settings, audit and
//! email log pages are in [`crate::settings`]). Every route is for admins only, checked twice: by
//! [`guard::require_admin`] on the whole router (deny by default) and by the [`guard::AdminUser`] extractor each
//! handler takes.

pub mod audit;
pub mod form;
pub mod groups;
pub mod guard;
pub mod home;
pub mod pager;
mod test_email;
pub mod users;
mod users_actions;
mod users_save;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{any, get, post};

use crate::state::AppState;

/// The admin routes (merged into the page router, so they get the session, CSRF and error-page layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home::show))
        .route("/admin/users", get(users::list).post(users_save::create))
        .route("/admin/users/new", get(users::new_form))
        .route(
            "/admin/users/{id}",
            get(users::edit_form).post(users_save::update),
        )
        .route("/admin/users/{id}/disable", post(users_actions::disable))
        .route("/admin/users/{id}/enable", post(users_actions::enable))
        .route("/admin/users/{id}/delete", post(users_actions::delete))
        .route(
            "/admin/users/{id}/reset-password",
            post(users_actions::send_reset),
        )
        .route("/admin/groups", get(groups::list).post(groups::create))
        .route("/admin/groups/{id}", get(groups::show))
        .route("/admin/groups/{id}/rename", post(groups::rename))
        .route("/admin/groups/{id}/delete", post(groups::delete))
        .route("/admin/groups/{id}/members", post(groups::add_member))
        .route(
            "/admin/groups/{id}/members/{user_id}/remove",
            post(groups::remove_member),
        )
        .route("/admin/settings/test-email", post(test_email::send))
        .route("/admin/settings/test-email/{id}", get(test_email::status))
        // Unknown admin paths go through the guard too: an anonymous visitor or a non-admin learns nothing.
        .route("/admin/{*rest}", any(crate::error::not_found))
        .route_layer(from_fn(guard::require_admin))
}
