//! `/admin/groups`: groups and their members. `admin` and `super_user` are built in: they cannot be renamed or
//! deleted, and the last enabled admin cannot be removed from `admin`.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{GroupId, UserId};
use flicket_core::ops::OpResult;
use flicket_core::ops::people::groups as ops;
use flicket_core::repo::groups::{self, GroupRow, Member};
use serde::Deserialize;

use super::{AdminChange, refusal};
use crate::admin::guard::AdminUser;
use crate::error::AppError;
use crate::extract::{Id, Ids};
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/groups.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    groups: Vec<GroupRow>,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/group.html")]
struct GroupPage<'a> {
    ctx: &'a PageCtx,
    group: GroupRow,
    members: Vec<Member>,
    error: Option<String>,
}

/// The name form.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// The add-member form.
#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    username: String,
}

/// 422 with a message, 200 without.
fn status_of(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    name: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = status_of(&error);
    let groups = groups::list(&state.pool).await?;
    let page = ListPage {
        ctx,
        groups,
        name,
        error,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

async fn group_page(
    state: &AppState,
    ctx: &PageCtx,
    id: GroupId,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = status_of(&error);
    let group = groups::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = groups::members(&state.pool, id).await?;
    let page = GroupPage {
        ctx,
        group,
        members,
        error,
    };
    Ok((status, render(ctx, state, &page)).into_response())
}

/// After a change: the group's page with a message; a refusal is said on the group's page.
async fn after<T>(
    a: AdminChange,
    id: GroupId,
    outcome: OpResult<T>,
    done: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(_) => Ok(a.redirect("success", done, &format!("/admin/groups/{id}"))),
        Err(e) => group_page(&a.state, &a.ctx, id, Some(refusal(&a.ctx, e)?)).await,
    }
}

/// Lists the groups.
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    list_page(&state, &ctx, String::new(), None).await
}

/// Creates a group.
pub async fn create(a: AdminChange, Form(form): Form<NameForm>) -> Result<Response, AppError> {
    match a
        .run(async |c, acting| ops::create_group(c, acting, &form.name).await)
        .await
    {
        Ok(id) => after(a, id, Ok(()), "admin-group-created").await,
        Err(e) => {
            let typed: String = form.name.chars().take(100).collect();
            list_page(&a.state, &a.ctx, typed, Some(refusal(&a.ctx, e)?)).await
        }
    }
}

/// A group and its members.
pub async fn show(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Id(id): Id<GroupId>,
) -> Result<Response, AppError> {
    group_page(&state, &ctx, id, None).await
}

/// Renames a group (not a built-in one).
pub async fn rename(
    a: AdminChange,
    Id(id): Id<GroupId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let outcome = a
        .run(async |c, acting| ops::rename_group(c, acting, id, &form.name).await)
        .await;
    after(a, id, outcome, "admin-group-saved").await
}

/// Deletes a group (not a built-in one); its memberships go with it.
pub async fn delete(a: AdminChange, Id(id): Id<GroupId>) -> Result<Response, AppError> {
    match a
        .run(async |c, acting| ops::delete_group(c, acting, id).await)
        .await
    {
        Ok(()) => Ok(a.redirect("success", "admin-group-deleted", "/admin/groups")),
        Err(e) => after(a, id, Err::<(), _>(e), "").await,
    }
}

/// Adds a member by user name.
pub async fn add_member(
    a: AdminChange,
    Id(id): Id<GroupId>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let outcome = a
        .run(async |c, acting| ops::add_member(c, acting, id, &form.username).await)
        .await;
    after(a, id, outcome, "admin-group-saved").await
}

/// Removes a member; removing the last enabled admin from `admin` is refused.
pub async fn remove_member(
    a: AdminChange,
    Ids(id, user_id): Ids<GroupId, UserId>,
) -> Result<Response, AppError> {
    let outcome = a
        .run(async |c, acting| ops::remove_member(c, acting, id, user_id).await)
        .await;
    after(a, id, outcome, "admin-group-saved").await
}
