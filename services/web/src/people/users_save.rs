//! Saving the user form: creating an account, and editing one with its groups (under the last-admin rule).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::ops::FieldError;
use flicket_core::ops::people::users::{self as ops, Memberships};
use flicket_core::repo::users;

use super::users::{account_input, form_again, ticked_groups};
use super::{acting, refusal};
use crate::admin::form::FormPairs;
use crate::admin::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, flash_cookie};
use crate::run::run;
use crate::state::AppState;

/// The messages of the wrong fields, in the page's language.
fn said(ctx: &PageCtx, errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(|f| ctx.say(&f.message)).collect()
}

/// After a save: the account's page with a message.
fn saved(state: &AppState, jar: CookieJar, id: UserId, key: &str) -> Response {
    let jar = jar.add(flash_cookie(state, "success", key));
    (jar, Redirect::to(&format!("/admin/users/{id}"))).into_response()
}

/// Creates an account with an initial password chosen by the admin (checked by the password policy).
pub async fn create(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = FormPairs::parse(&body);
    let checked = ops::check_new_account(&account_input(&form), form.get("password"));
    let mut errors = match &checked {
        Ok(_) => vec![],
        Err(problems) => said(&ctx, &problems),
    };
    if form.get("password") != form.get("password_confirm") {
        errors.push(ctx.t("error-password-mismatch"));
    }
    let (Ok(new), true) = (checked, errors.is_empty()) else {
        return form_again(&state, &ctx, &form, None, false, errors).await;
    };
    let ticked = ticked_groups(&form);
    let acting = acting(&admin.0, &ip);
    let created = run(&state, async |c| {
        ops::create_user(c, &acting, &new, Memberships::Exactly(&ticked)).await
    })
    .await;
    match created {
        Ok(id) => Ok(saved(&state, jar, id, "admin-user-created")),
        Err(e) => {
            let errors = vec![refusal(&ctx, e)?];
            form_again(&state, &ctx, &form, None, false, errors).await
        }
    }
}

/// Saves an account's fields and groups. Removing the last enabled admin from `admin` is refused.
pub async fn update(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<UserId>,
    body: Bytes,
) -> Result<Response, AppError> {
    let before = users::profile(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = FormPairs::parse(&body);
    let errors = match ops::check_account(&account_input(&form)) {
        Ok(fields) => {
            let ticked = ticked_groups(&form);
            let acting = acting(&admin.0, &ip);
            let saved_now = run(&state, async |c| {
                ops::update_user(c, &acting, id, &fields, Memberships::Exactly(&ticked), None)
                    .await
            })
            .await;
            match saved_now {
                Ok(()) => return Ok(saved(&state, jar, id, "admin-user-saved")),
                Err(e) => vec![refusal(&ctx, e)?],
            }
        }
        Err(problems) => said(&ctx, &problems),
    };
    form_again(&state, &ctx, &form, Some(id), before.disabled, errors).await
}
