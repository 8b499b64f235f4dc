//! Saving the user form: creating an account, and editing one with its groups (under the last-admin rule).

use axum::body::Bytes;
use axum::response::Response;
use flicket_core::domain::UserId;
use flicket_core::ops::FieldError;
use flicket_core::ops::people::users::{self as ops, Memberships};
use flicket_core::repo::users;

use super::users::{account_input, form_again, ticked_groups};
use super::{AdminChange, refusal};
use crate::admin::form::FormPairs;
use crate::error::AppError;
use crate::extract::Id;

/// The messages of the wrong fields, in the page's language.
fn said(a: &AdminChange, errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(|f| a.ctx.say(&f.message)).collect()
}

/// Creates an account with an initial password chosen by the admin (checked by the password policy).
pub async fn create(a: AdminChange, body: Bytes) -> Result<Response, AppError> {
    let form = FormPairs::parse(&body);
    let checked = ops::check_new_account(&account_input(&form), form.get("password"));
    let mut errors = match &checked {
        Ok(_) => vec![],
        Err(problems) => said(&a, problems),
    };
    if form.get("password") != form.get("password_confirm") {
        errors.push(a.ctx.t("error-password-mismatch"));
    }
    if let (Ok(new), true) = (checked, errors.is_empty()) {
        let ticked = ticked_groups(&form);
        let groups = Memberships::Exactly(&ticked);
        match a
            .run(async |c, acting| ops::create_user(c, acting, &new, groups).await)
            .await
        {
            Ok(id) => {
                return Ok(a.redirect(
                    "success",
                    "admin-user-created",
                    &format!("/admin/users/{id}"),
                ));
            }
            Err(e) => errors.push(refusal(&a.ctx, e)?),
        }
    }
    form_again(&a.state, &a.ctx, &form, None, false, errors).await
}

/// Saves an account's fields and groups. Removing the last enabled admin from `admin` is refused.
pub async fn update(a: AdminChange, Id(id): Id<UserId>, body: Bytes) -> Result<Response, AppError> {
    let before = users::profile(&a.state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = FormPairs::parse(&body);
    let errors = match ops::check_account(&account_input(&form)) {
        Ok(fields) => {
            let ticked = ticked_groups(&form);
            let groups = Memberships::Exactly(&ticked);
            let outcome = a
                .run(async |c, acting| ops::update_user(c, acting, id, &fields, groups, None).await)
                .await;
            match outcome {
                Ok(()) => {
                    return Ok(a.redirect(
                        "success",
                        "admin-user-saved",
                        &format!("/admin/users/{id}"),
                    ));
                }
                Err(e) => vec![refusal(&a.ctx, e)?],
            }
        }
        Err(problems) => said(&a, &problems),
    };
    form_again(&a.state, &a.ctx, &form, Some(id), before.disabled, errors).await
}
