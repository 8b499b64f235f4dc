//! `GET /`: the dashboard of a signed-in user.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{PageCtx, render};
use crate::auth::CurrentUser;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    ctx: &'a PageCtx,
    welcome: String,
}

/// The dashboard (anonymous visitors are sent to `/login`).
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Response {
    let welcome = ctx.t1("dashboard-welcome", "name", &user.name);
    render(&ctx, &state, &DashboardPage { ctx: &ctx, welcome })
}
