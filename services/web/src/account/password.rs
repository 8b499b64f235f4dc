//! `POST /account/password`: the current password is required (under the sign-in limiter); the new one follows the
//! password policy; every API token of the user is revoked and every other session signed out, this one stays.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::ops::account::{self, NewPassword};
use serde::Deserialize;

use super::{Which, acting, answer};
use crate::admin::guard::ClientIp;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;

/// The password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

/// Changes the password.
pub async fn change(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let new = NewPassword {
        new_password: &form.new_password,
        new_password_confirm: &form.new_password_confirm,
    };
    let acting = acting(&user, &ip);
    let result = account::change_password(
        &state.pool,
        &acting,
        user.session_id,
        &form.current_password,
        &new,
    )
    .await;
    let on = (&state, &ctx, &user, jar);
    answer(on, Which::Password, None, result, "account-password-changed").await
}
