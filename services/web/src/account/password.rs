//! `POST /account/password`: the current password is required (under the sign-in limiter); the new one follows the
//! password policy; every API token of the user is revoked and every other session signed out, this one stays.

use axum::Form;
use axum::response::Response;
use flicket_core::ops::account::{self, NewPassword};
use serde::Deserialize;

use super::{Own, Which, answer};
use crate::error::AppError;

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
pub async fn change(own: Own, Form(form): Form<PasswordForm>) -> Result<Response, AppError> {
    let new = NewPassword {
        new_password: &form.new_password,
        new_password_confirm: &form.new_password_confirm,
    };
    let keep = own.user.session_id;
    let (pool, current) = (&own.state.pool, &form.current_password);
    let result = account::change_password(pool, &own.acting, keep, current, &new).await;
    answer(
        own,
        Which::Password,
        None,
        result,
        "account-password-changed",
    )
    .await
}
