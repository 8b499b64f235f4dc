//! `/admin/groups`: groups and their members. `admin` and `super_user` are built in: they cannot be renamed or
//! deleted, and the last enabled admin cannot be removed from `admin`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::{GroupId, GroupName, UserId};
use flicket_core::repo::groups::{self, GroupRow, Member};
use flicket_core::repo::{self, user_admin, users};
use serde::Deserialize;

use super::guard::{AdminUser, ClientIp, admin_transaction};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
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

async fn list_page(
    state: &AppState,
    ctx: &PageCtx,
    name: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let groups = groups::list(&state.pool).await?;
    Ok((
        status,
        render(
            ctx,
            state,
            &ListPage {
                ctx,
                groups,
                name,
                error,
            },
        ),
    )
        .into_response())
}

async fn group_page(
    state: &AppState,
    ctx: &PageCtx,
    id: GroupId,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let group = groups::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = groups::members(&state.pool, id).await?;
    Ok((
        status,
        render(
            ctx,
            state,
            &GroupPage {
                ctx,
                group,
                members,
                error,
            },
        ),
    )
        .into_response())
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
    let typed: String = form.name.chars().take(100).collect();
    let name = match GroupName::parse(&form.name) {
        Ok(n) => n,
        Err(e) => return list_page(&state, &ctx, typed, Some(ctx.t(e.key))).await,
    };
    let mut tx = admin_transaction(&state, &admin).await?;
    let id = match groups::create(&mut *tx, &name).await {
        Ok(id) => id,
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            return list_page(&state, &ctx, typed, Some(ctx.t("error-group-taken"))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let target = format!("group:{id} {}", name.as_str());
    super::audit::record(&mut tx, &admin, &ip, "group.create", &target, None).await?;
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-group-created"));
    Ok((jar, Redirect::to(&format!("/admin/groups/{id}"))).into_response())
}

/// A group and its members.
pub async fn show(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    group_page(&state, &ctx, GroupId(id), None).await
}

/// Renames a group (not a built-in one).
pub async fn rename(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let id = GroupId(id);
    let name = match GroupName::parse(&form.name) {
        Ok(n) => n,
        Err(e) => return group_page(&state, &ctx, id, Some(ctx.t(e.key))).await,
    };
    let mut tx = admin_transaction(&state, &admin).await?;
    let old = match groups::rename(&mut *tx, id, &name).await {
        Ok(Some(old)) => old,
        Ok(None) => {
            drop(tx);
            groups::find(&state.pool, id)
                .await?
                .ok_or(AppError::NotFound)?;
            return group_page(&state, &ctx, id, Some(ctx.t("error-group-builtin"))).await;
        }
        Err(e) if repo::is_unique_violation(&e) => {
            drop(tx);
            return group_page(&state, &ctx, id, Some(ctx.t("error-group-taken"))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let data = serde_json::json!({ "before": old, "after": name.as_str() });
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        "group.rename",
        &format!("group:{id}"),
        Some(data),
    )
    .await?;
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-group-saved"));
    Ok((jar, Redirect::to(&format!("/admin/groups/{id}"))).into_response())
}

/// Deletes a group (not a built-in one); its memberships go with it.
pub async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = GroupId(id);
    let mut tx = admin_transaction(&state, &admin).await?;
    let Some(name) = groups::delete(&mut *tx, id).await? else {
        drop(tx);
        groups::find(&state.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        return group_page(&state, &ctx, id, Some(ctx.t("error-group-builtin"))).await;
    };
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        "group.delete",
        &format!("group:{id} {name}"),
        None,
    )
    .await?;
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-group-deleted"));
    Ok((jar, Redirect::to("/admin/groups")).into_response())
}

/// Adds a member by user name.
pub async fn add_member(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let id = GroupId(id);
    let group = groups::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let login = match flicket_core::domain::LoginName::parse(&form.username) {
        Ok(login) => login,
        Err(e) => return group_page(&state, &ctx, id, Some(ctx.t(e.key))).await,
    };
    let Some(user) = users::find_for_login(&state.pool, login.as_str()).await? else {
        return group_page(&state, &ctx, id, Some(ctx.t("error-user-not-found"))).await;
    };
    let mut tx = admin_transaction(&state, &admin).await?;
    if groups::add_member(&mut *tx, id, user.user_id).await? {
        let target = format!("group:{id} {} user:{}", group.name, user.user_id);
        super::audit::record(&mut tx, &admin, &ip, "group.add_member", &target, None).await?;
    }
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-group-saved"));
    Ok((jar, Redirect::to(&format!("/admin/groups/{id}"))).into_response())
}

/// Removes a member; removing the last enabled admin from `admin` is refused.
pub async fn remove_member(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path((id, user_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (id, user_id) = (GroupId(id), UserId(user_id));
    let group = groups::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = admin_transaction(&state, &admin).await?;
    if groups::is_admin_group(&mut *tx, id).await?
        && user_admin::is_enabled_admin(&mut tx, user_id).await?
        && user_admin::other_enabled_admins(&mut tx, user_id).await? == 0
    {
        drop(tx);
        return group_page(&state, &ctx, id, Some(ctx.t("error-last-admin"))).await;
    }
    if groups::remove_member(&mut *tx, id, user_id).await? {
        let target = format!("group:{id} {} user:{user_id}", group.name);
        super::audit::record(&mut tx, &admin, &ip, "group.remove_member", &target, None).await?;
    }
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-group-saved"));
    Ok((jar, Redirect::to(&format!("/admin/groups/{id}"))).into_response())
}
