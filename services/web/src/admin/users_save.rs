//! Saving the user form: creating an account, and editing one with its groups (under the last-admin rule).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::repo::{groups, user_admin, users};
use flicket_core::{accounts, password};

use super::form::FormPairs;
use super::guard::{AdminUser, ClientIp, admin_transaction};
use super::users::{form_again, parse_fields, taken_key, ticked_groups, typed_fields};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie};
use crate::state::AppState;

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
    let ticked = ticked_groups(&form);
    let mut errors = vec![];
    let parsed = parse_fields(&ctx, &form, &mut errors);
    let pw = form.get("password");
    let secret = parsed.as_ref().and_then(|p| {
        match accounts::parse_new_password(pw, p.username.as_str(), p.email.as_str()) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(ctx.t(e.key));
                None
            }
        }
    });
    if pw != form.get("password_confirm") {
        errors.push(ctx.t("error-password-mismatch"));
    }
    let (Some(p), Some(secret), true) = (parsed, secret, errors.is_empty()) else {
        return form_again(
            &state,
            &ctx,
            typed_fields(&form, None),
            &ticked,
            errors,
            false,
        )
        .await;
    };
    let hash = password::hash(secret.secret())
        .await
        .map_err(anyhow::Error::from)?;
    let mut tx = admin_transaction(&state, &admin).await?;
    let new = user_admin::NewAccount {
        username: &p.username,
        name: &p.name,
        email: &p.email,
        job_title: &p.job_title,
        locale: p.locale,
        password_hash: &hash,
    };
    let user_id = match user_admin::create(&mut *tx, &new).await {
        Ok(id) => id,
        Err(e) => match taken_key(&e) {
            Some(key) => {
                drop(tx);
                let errors = vec![ctx.t(key)];
                return form_again(
                    &state,
                    &ctx,
                    typed_fields(&form, None),
                    &ticked,
                    errors,
                    false,
                )
                .await;
            }
            None => return Err(e.into()),
        },
    };
    groups::set_for_user(&mut tx, user_id, &ticked).await?;
    let data = serde_json::json!({
        "username": p.username.as_str(), "name": p.name.as_str(), "email": p.email.as_str(),
        "job_title": p.job_title.as_str(), "locale": p.locale.code(),
        "groups": groups::of_user(&mut *tx, user_id).await?,
    });
    let target = format!("user:{user_id} {}", p.username.as_str());
    super::audit::record(&mut tx, &admin, &ip, "user.create", &target, Some(data)).await?;
    tx.commit().await?;
    tracing::info!(user.id = user_id.0, "account created by an admin");
    let jar = jar.add(flash_cookie(&state, "success", "admin-user-created"));
    Ok((jar, Redirect::to(&format!("/admin/users/{user_id}"))).into_response())
}

/// Saves an account's fields and groups. Removing the last enabled admin from `admin` is refused.
pub async fn update(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = UserId(id);
    let before = users::profile(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = FormPairs::parse(&body);
    let ticked = ticked_groups(&form);
    let is_self = admin.0.user_id == id;
    let mut errors = vec![];
    let again = |errors| {
        let mut f = typed_fields(&form, Some(id));
        f.disabled = before.disabled;
        form_again(&state, &ctx, f, &ticked, errors, is_self)
    };
    let Some(p) = parse_fields(&ctx, &form, &mut errors) else {
        return again(errors).await;
    };
    let mut tx = admin_transaction(&state, &admin).await?;
    let groups_before = groups::of_user(&mut *tx, id).await?;
    let admin_group = groups::list(&mut *tx)
        .await?
        .into_iter()
        .find(|g| g.name == "admin")
        .map(|g| g.group_id);
    let loses_admin =
        admin_group.is_some_and(|g| groups_before.contains(&g) && !ticked.contains(&g));
    if loses_admin
        && user_admin::is_enabled_admin(&mut tx, id).await?
        && user_admin::other_enabled_admins(&mut tx, id).await? == 0
    {
        drop(tx);
        return again(vec![ctx.t("error-last-admin")]).await;
    }
    let upd = user_admin::AdminUpdate {
        username: &p.username,
        name: &p.name,
        email: &p.email,
        job_title: &p.job_title,
        locale: p.locale,
    };
    match user_admin::update(&mut tx, id, &upd).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(e) => match taken_key(&e) {
            Some(key) => {
                drop(tx);
                return again(vec![ctx.t(key)]).await;
            }
            None => return Err(e.into()),
        },
    }
    groups::set_for_user(&mut tx, id, &ticked).await?;
    let groups_after = groups::of_user(&mut *tx, id).await?;
    let data = serde_json::json!({
        "before": { "username": before.username, "name": before.name, "email": before.email,
                    "job_title": before.job_title, "locale": before.locale, "groups": groups_before },
        "after": { "username": p.username.as_str(), "name": p.name.as_str(), "email": p.email.as_str(),
                   "job_title": p.job_title.as_str(), "locale": p.locale.code(), "groups": groups_after },
    });
    let target = format!("user:{id} {}", p.username.as_str());
    super::audit::record(&mut tx, &admin, &ip, "user.update", &target, Some(data)).await?;
    tx.commit().await?;
    let jar = jar.add(flash_cookie(&state, "success", "admin-user-saved"));
    Ok((jar, Redirect::to(&format!("/admin/users/{id}"))).into_response())
}
