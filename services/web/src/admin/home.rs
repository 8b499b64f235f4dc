//! `GET /admin`: the admin home, a menu of the admin pages.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::guard::AdminUser;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/home.html")]
struct HomePage<'a> {
    ctx: &'a PageCtx,
}

/// Shows the admin menu.
pub async fn show(State(state): State<AppState>, _admin: AdminUser, ctx: PageCtx) -> Response {
    render(&ctx, &state, &HomePage { ctx: &ctx })
}
