//! `POST /account/password`: the current password is required (under the sign-in limiter); the new one follows the
//! password policy; every API token of the user is revoked and every other session signed out, this one stays.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::accounts::{self, credentials};
use flicket_core::password as hashing;
use flicket_core::repo::users;
use serde::Deserialize;

use super::{check_current_password, page};
use crate::admin::guard::ClientIp;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie};
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
    let fail = |key: &str| page(&state, &ctx, &user, None, vec![], vec![ctx.t(key)]);
    if let Err(refusal) = check_current_password(&state, &user, &ip, &form.current_password).await?
    {
        return Ok(refusal.apply(fail(refusal.key()).await?));
    }
    let profile = users::profile(&state.pool, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new =
        match accounts::parse_new_password(&form.new_password, &profile.username, &profile.email) {
            Ok(p) => p,
            Err(e) => return fail(e.key).await,
        };
    if form.new_password != form.new_password_confirm {
        return fail("error-password-mismatch").await;
    }
    let new_hash = hashing::hash(new.secret())
        .await
        .map_err(anyhow::Error::from)?;
    let mut tx = state.pool.begin().await?;
    let ended =
        credentials::set_password(&mut tx, user.user_id, &new_hash, Some(user.session_id)).await?;
    tx.commit().await?;
    tracing::info!(
        user.id = user.user_id.0,
        other_sessions_ended = ended.sessions,
        api_tokens_revoked = ended.api_tokens,
        "password changed"
    );
    let jar = jar.add(flash_cookie(&state, "success", "account-password-changed"));
    Ok((jar, Redirect::to("/account")).into_response())
}
