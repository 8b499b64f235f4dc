//! Buttons of the account edit page: disable, enable, delete, send a password-reset link.
//!
//! An admin never sets or sees another person's password after creation: they send a reset link (ASVS 6.4.6).

use axum::http::StatusCode;
use axum::response::Response;
use flicket_core::domain::UserId;
use flicket_core::ops::people::users as ops;
use flicket_core::ops::{OpError, OpResult};
use flicket_core::permissions::tickets::Refusal;

use super::users::edit_page;
use super::{AdminChange, error_page};
use crate::error::AppError;
use crate::extract::Id;

/// Back to the account's page with a message: `done` when the change was made, why not when a rule refused it.
fn back<T>(
    a: AdminChange,
    id: UserId,
    outcome: OpResult<T>,
    done: &str,
) -> Result<Response, AppError> {
    let to = format!("/admin/users/{id}");
    match outcome {
        Ok(_) => Ok(a.redirect("success", done, &to)),
        Err(OpError::Refused(Refusal::Conflict(key))) => Ok(a.redirect("danger", key, &to)),
        Err(e) => Err(error_page(e)),
    }
}

/// Disables an account and ends its sessions. Not one's own account, and never the last enabled admin.
pub async fn disable(a: AdminChange, Id(id): Id<UserId>) -> Result<Response, AppError> {
    let outcome = a
        .run(async |c, acting| ops::disable_user(c, acting, id).await)
        .await;
    back(a, id, outcome, "admin-user-disabled")
}

/// Enables an account again.
pub async fn enable(a: AdminChange, Id(id): Id<UserId>) -> Result<Response, AppError> {
    let outcome = a
        .run(async |c, acting| ops::enable_user(c, acting, id).await)
        .await;
    back(a, id, outcome, "admin-user-enabled")
}

/// Deletes an account that owns no ticket, reply or attachment; otherwise says why and offers to disable it.
pub async fn delete(a: AdminChange, Id(id): Id<UserId>) -> Result<Response, AppError> {
    match a
        .run(async |c, acting| ops::delete_user(c, acting, id).await)
        .await
    {
        Ok(deleted) => {
            if let Some(avatar) = deleted.avatar {
                flicket_core::ops::account::remove_avatar_file(&a.state.config.upload_dir, &avatar)
                    .await;
            }
            Ok(a.redirect("success", "admin-user-deleted", "/admin/users"))
        }
        // What it owns, on its page, with the button to disable it.
        Err(OpError::Conflict(owned)) => {
            let errors = vec![a.ctx.say(&owned)];
            edit_page(&a.state, &a.ctx, id, errors, StatusCode::CONFLICT).await
        }
        Err(e) => back(a, id, Err::<(), _>(e), ""),
    }
}

/// Emails the account a password-reset link (the admin never learns the new password).
pub async fn send_reset(a: AdminChange, Id(id): Id<UserId>) -> Result<Response, AppError> {
    let key = a.state.config.secret_key_bytes();
    let outcome = a
        .run(async |c, acting| ops::send_reset(c, acting, key, id).await)
        .await;
    back(a, id, outcome, "admin-user-reset-sent")
}
