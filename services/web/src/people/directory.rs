//! `/users`: the directory of people and their profiles, for signed-in users. Email addresses are shown to admins
//! and super users only, and only they can search by email (otherwise the search box would reveal addresses).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use flicket_core::domain::UserId;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::users::{self, Profile};

use super::{Found, ListQuery, search};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    found: Found,
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

/// The directory, by user name, with a search box.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let show_emails = rules::can_see_emails(&Actor::from(&user));
    let found = search(&state, &ctx, q, show_emails).await?;
    let page = ListPage {
        ctx: &ctx,
        found,
        show_emails,
    };
    Ok(render(&ctx, &state, &page))
}

/// A person's profile.
pub async fn profile(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let p = users::profile(&state.pool, id)
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
