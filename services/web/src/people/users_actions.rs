//! Buttons of the account edit page: disable, enable, delete, send a password-reset link.
//!
//! An admin never sets or sees another person's password after creation: they send a reset link (ASVS 6.4.6).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::ops::people::users as ops;
use flicket_core::ops::{OpError, OpResult};
use flicket_core::permissions::tickets::Refusal;

use super::users::edit_page;
use super::{acting, error_page};
use crate::admin::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, flash_cookie};
use crate::run::run;
use crate::state::AppState;

/// Back to the account's page with a message: `done` when the change was made, why not when a rule refused it.
fn back<T>(
    state: &AppState,
    jar: CookieJar,
    id: UserId,
    outcome: OpResult<T>,
    done: &str,
) -> Result<Response, AppError> {
    let jar = match outcome {
        Ok(_) => jar.add(flash_cookie(state, "success", done)),
        Err(OpError::Refused(Refusal::Conflict(key))) => jar.add(flash_cookie(state, "danger", key)),
        Err(e) => return Err(error_page(e)),
    };
    Ok((jar, Redirect::to(&format!("/admin/users/{id}"))).into_response())
}

/// Disables an account and ends its sessions. Not one's own account, and never the last enabled admin.
pub async fn disable(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
        jar: CookieJar,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let outcome = run(&state, async |c| ops::disable_user(c, &acting, id).await).await;
    back(&state, jar, id, outcome, "admin-user-disabled")
}

/// Enables an account again.
pub async fn enable(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
        jar: CookieJar,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let outcome = run(&state, async |c| ops::enable_user(c, &acting, id).await).await;
    back(&state, jar, id, outcome, "admin-user-enabled")
}

/// Deletes an account that owns no ticket, reply or attachment; otherwise says why and offers to disable it.
pub async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    match run(&state, async |c| ops::delete_user(c, &acting, id).await).await {
        Ok(deleted) => {
            if let Some(avatar) = deleted.avatar {
                crate::account::avatar::remove_file(&state, &avatar).await;
            }
            let jar = jar.add(flash_cookie(&state, "success", "admin-user-deleted"));
            Ok((jar, Redirect::to("/admin/users")).into_response())
        }
        // What it owns, on its page, with the button to disable it.
        Err(OpError::Conflict(owned)) => {
            let errors = vec![ctx.say(&owned)];
            edit_page(&state, &ctx, id, errors, StatusCode::CONFLICT).await
        }
        Err(e) => back(&state, jar, id, Err::<(), _>(e), ""),
    }
}

/// Emails the account a password-reset link (the admin never learns the new password).
pub async fn send_reset(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
        jar: CookieJar,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let acting = acting(&admin.0, &ip);
    let key = state.config.secret_key_bytes();
    let outcome = run(&state, async |c| ops::send_reset(c, &acting, key, id).await).await;
    back(&state, jar, id, outcome, "admin-user-reset-sent")
}
