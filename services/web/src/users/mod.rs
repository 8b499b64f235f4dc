//! `/users`: the directory of people and their profiles, for signed-in users. Email addresses are shown to admins
//! and super users only, and only they can search by email (otherwise the search box would reveal addresses).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use flicket_core::domain::UserId;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::users::{self, DirectoryEntry, Profile};
use serde::Deserialize;

use crate::admin::pager::Pager;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// The directory routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{id}", get(profile))
        .route("/users/{id}/avatar", get(crate::account::avatar::serve))
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    users: Vec<DirectoryEntry>,
    q: String,
    pager: Pager,
    show_emails: bool,
}

#[derive(Template)]
#[template(path = "users/profile.html")]
struct ProfilePage<'a> {
    ctx: &'a PageCtx,
    p: Profile,
    joined: String,
    show_email: bool,
}

/// Query of the directory.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// The directory, by user name, with a search box.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let show_emails = rules::can_see_emails(&Actor::from(&user));
    let filter = crate::http::typed_text(&q.q, 100);
    let per_page = i64::from(ctx.site(&state).await?.page_size);
    let total = users::count_search(&state.pool, &filter, show_emails).await?;
    let keep = format!("&q={}", crate::http::urlencode(&filter));
    let pager = Pager::new(q.page, total, per_page, keep);
    let users = users::search(
        &state.pool,
        &filter,
        show_emails,
        pager.per_page,
        pager.offset(),
    )
    .await?;
    let page = ListPage {
        ctx: &ctx,
        users,
        q: filter,
        pager,
        show_emails,
    };
    Ok(render(&ctx, &state, &page))
}

/// A person's profile.
pub async fn profile(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = users::profile(&state.pool, UserId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    let show_email = rules::can_see_emails(&Actor::from(&user)) || user.user_id == p.user_id;
    let joined = p.created_at.format("%Y-%m-%d").to_string();
    Ok(render(
        &ctx,
        &state,
        &ProfilePage {
            ctx: &ctx,
            p,
            joined,
            show_email,
        },
    ))
}
