//! Buttons of the account edit page: disable, enable, delete, send a password-reset link.
//!
//! An admin never sets or sees another person's password after creation: they send a reset link (ASVS 6.4.6).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::{self, user_admin, users};

use super::guard::{AdminUser, ClientIp, admin_transaction};
use super::users::edit_page;
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie};
use crate::state::AppState;

fn back(state: &AppState, jar: CookieJar, id: UserId, kind: &str, key: &str) -> Response {
    let jar = jar.add(flash_cookie(state, kind, key));
    (jar, Redirect::to(&format!("/admin/users/{id}"))).into_response()
}

/// Disables an account and ends its sessions. Not one's own account, and never the last enabled admin.
pub async fn disable(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    if !rules::can_remove_account(&Actor::from(&admin.0), id) {
        return Ok(back(&state, jar, id, "danger", "error-cannot-remove-self"));
    }
    let mut tx = admin_transaction(&state, &admin).await?;
    let target = users::profile(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user_admin::is_enabled_admin(&mut tx, id).await?
        && user_admin::other_enabled_admins(&mut tx, id).await? == 0
    {
        return Ok(back(&state, jar, id, "danger", "error-last-admin"));
    }
    users::set_disabled(&mut tx, id, true).await?;
    let label = format!("user:{id} {}", target.username);
    super::audit::record(&mut tx, &admin, &ip, "user.disable", &label, None).await?;
    tx.commit().await?;
    Ok(back(&state, jar, id, "success", "admin-user-disabled"))
}

/// Enables an account again.
pub async fn enable(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    let mut tx = admin_transaction(&state, &admin).await?;
    let target = users::profile(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    users::set_disabled(&mut tx, id, false).await?;
    let label = format!("user:{id} {}", target.username);
    super::audit::record(&mut tx, &admin, &ip, "user.enable", &label, None).await?;
    tx.commit().await?;
    Ok(back(&state, jar, id, "success", "admin-user-enabled"))
}

/// Deletes an account that owns no ticket, reply or attachment; otherwise says why and offers to disable it.
pub async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    if !rules::can_remove_account(&Actor::from(&admin.0), id) {
        return Ok(back(&state, jar, id, "danger", "error-cannot-remove-self"));
    }
    let mut tx = admin_transaction(&state, &admin).await?;
    let target = users::profile(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user_admin::is_enabled_admin(&mut tx, id).await?
        && user_admin::other_enabled_admins(&mut tx, id).await? == 0
    {
        return Ok(back(&state, jar, id, "danger", "error-last-admin"));
    }
    let owned = user_admin::ownership(&mut *tx, id).await?;
    let in_use = |owned: user_admin::Ownership| {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set("tickets", owned.tickets);
        args.set("posts", owned.posts);
        args.set("attachments", owned.attachments);
        ctx.locale.t_args("error-user-owns-content", &args)
    };
    if owned.any() {
        drop(tx);
        return edit_page(
            &state,
            &admin,
            &ctx,
            id,
            vec![in_use(owned)],
            StatusCode::CONFLICT,
        )
        .await;
    }
    let label = format!("user:{id} {}", target.username);
    let data = serde_json::json!({ "username": target.username, "name": target.name, "email": target.email });
    super::audit::record(&mut tx, &admin, &ip, "user.delete", &label, Some(data)).await?;
    match user_admin::delete(&mut tx, id).await {
        Ok(_) => {}
        // It came to own something between the count and the delete: same refusal.
        Err(e) if repo::is_foreign_key_violation(&e) => {
            drop(tx);
            let owned = user_admin::ownership(&state.pool, id).await?;
            return edit_page(
                &state,
                &admin,
                &ctx,
                id,
                vec![in_use(owned)],
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    if let Some(avatar) = target.avatar {
        crate::account::avatar::remove_file(&state, &avatar).await;
    }
    let jar = jar.add(flash_cookie(&state, "success", "admin-user-deleted"));
    Ok((jar, Redirect::to("/admin/users")).into_response())
}

/// Emails the account a password-reset link (the admin never learns the new password).
pub async fn send_reset(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let id = UserId(id);
    let mut tx = state.pool.begin().await?;
    let target = users::profile(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.disabled {
        return Ok(back(&state, jar, id, "danger", "error-reset-disabled-user"));
    }
    let outbox_id =
        flicket_core::accounts::password_reset::issue(&mut tx, state.config.secret_key_bytes(), id)
            .await
            .map_err(anyhow::Error::from)?;
    let label = format!("user:{id} {}", target.username);
    super::audit::record(&mut tx, &admin, &ip, "user.reset_link", &label, None).await?;
    tx.commit().await?;
    state.relay.after_commit(outbox_id.into_iter().collect());
    Ok(back(&state, jar, id, "success", "admin-user-reset-sent"))
}
