//! `/admin/groups`: groups and their members. `admin` and `super_user` are built in: they cannot be renamed or
//! deleted, and the last enabled admin cannot be removed from `admin`.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::{GroupId, UserId};
use flicket_core::ops::OpResult;
use flicket_core::ops::people::groups as ops;
use flicket_core::repo::groups::{self, GroupRow, Member};
use serde::Deserialize;

use super::{acting, refusal};
use crate::admin::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::extract::{Id, Ids};
use crate::pages::{PageCtx, flash_cookie, render};
use crate::run::run;
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

/// After a change: the group's page (or the list) with a message; a refusal is said on the group's page.
async fn after<T>(
    state: &AppState,
    ctx: &PageCtx,
    jar: CookieJar,
    id: GroupId,
    outcome: OpResult<T>,
    done: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(_) => {
            let jar = jar.add(flash_cookie(state, "success", done));
            Ok((jar, Redirect::to(&format!("/admin/groups/{id}"))).into_response())
        }
        Err(e) => group_page(state, ctx, id, Some(refusal(ctx, e)?)).await,
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
pub async fn create(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    match run(&state, async |c| ops::create_group(c, &acting, &form.name).await).await {
        Ok(id) => after(&state, &ctx, jar, id, Ok(()), "admin-group-created").await,
        Err(e) => {
            let typed: String = form.name.chars().take(100).collect();
            list_page(&state, &ctx, typed, Some(refusal(&ctx, e)?)).await
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
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<GroupId>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let outcome = run(&state, async |c| {
        ops::rename_group(c, &acting, id, &form.name).await
    })
    .await;
    after(&state, &ctx, jar, id, outcome, "admin-group-saved").await
}

/// Deletes a group (not a built-in one); its memberships go with it.
pub async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<GroupId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    match run(&state, async |c| ops::delete_group(c, &acting, id).await).await {
        Ok(()) => {
            let jar = jar.add(flash_cookie(&state, "success", "admin-group-deleted"));
            Ok((jar, Redirect::to("/admin/groups")).into_response())
        }
        Err(e) => after(&state, &ctx, jar, id, Err::<(), _>(e), "").await,
    }
}

/// Adds a member by user name.
pub async fn add_member(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<GroupId>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let outcome = run(&state, async |c| {
        ops::add_member(c, &acting, id, &form.username).await
    })
    .await;
    after(&state, &ctx, jar, id, outcome, "admin-group-saved").await
}

/// Removes a member; removing the last enabled admin from `admin` is refused.
pub async fn remove_member(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Ids(id, user_id): Ids<GroupId, UserId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let outcome = run(&state, async |c| {
        ops::remove_member(c, &acting, id, user_id).await
    })
    .await;
    after(&state, &ctx, jar, id, outcome, "admin-group-saved").await
}
