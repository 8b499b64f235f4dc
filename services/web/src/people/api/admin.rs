//! Admin writes on accounts: `POST /api/v1/users` and `PATCH /api/v1/users/{id}`, the operations of the admin pages
//! ([`flicket_core::ops::people::users`]: admins only, the password policy, unique user names and emails, never
//! disabling oneself, never leaving the site without an enabled admin, the audit entries).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::UserId;
use flicket_core::ops::FieldError;
use flicket_core::ops::people::users::{self as ops, AccountInput, Memberships};
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::users;
use serde::Deserialize;
use utoipa::ToSchema;

use super::User;
use crate::api::error::ApiErrorBody;
use crate::api::{ApiError, ApiUser};
use crate::extract::ApiId;
use crate::http::ClientIp;
use crate::people::{acting, run_as};
use crate::state::AppState;

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3 to 32 letters, digits, dots, dashes or underscores.
    username: String,
    name: String,
    email: String,
    #[serde(default)]
    job_title: Option<String>,
    /// `en` (default) or `fr`.
    #[serde(default)]
    locale: Option<String>,
    /// The initial password (the password policy applies).
    password: String,
    #[serde(default)]
    is_admin: Option<bool>,
    #[serde(default)]
    is_super_user: Option<bool>,
    /// Names of the groups to belong to (`is_admin` and `is_super_user` are applied on top).
    #[serde(default)]
    groups: Option<Vec<String>>,
}

/// Changes to an account; fields left out keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    job_title: Option<String>,
    /// `en` or `fr`.
    #[serde(default)]
    locale: Option<String>,
    /// Disable (which ends the account's sessions and tokens) or enable the account.
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    is_admin: Option<bool>,
    #[serde(default)]
    is_super_user: Option<bool>,
    /// Names of the groups to belong to, replacing the current ones (`is_admin` and `is_super_user` are applied on
    /// top).
    #[serde(default)]
    groups: Option<Vec<String>>,
}

/// The caller, if an admin; 403 otherwise (before the body is read).
fn admins_only(user: &SessionUser) -> Result<(), ApiError> {
    if rules::can_administer(&Actor::from(user)) {
        Ok(())
    } else {
        tracing::warn!(user.id = user.user_id.0, "API admin action refused");
        Err(ApiError::forbidden())
    }
}

/// The body, or the API's answer to a rejected one (400, 415 or 422).
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|r| ApiError::from_json(&r))
}

/// The groups asked for: by name (or the current ones), then the roles on top.
fn memberships(
    groups: &Option<Vec<String>>,
    is_admin: Option<bool>,
    is_super_user: Option<bool>,
) -> Memberships<'_> {
    Memberships::Named {
        names: groups.as_deref(),
        is_admin,
        is_super_user,
    }
}

/// One 422 listing every wrong field.
fn invalid(problems: Vec<FieldError>) -> ApiError {
    let fields: BTreeMap<String, String> = problems
        .into_iter()
        .map(|f| (f.field.to_owned(), flicket_core::Locale::En.say(&f.message)))
        .collect();
    ApiError::invalid(fields)
}

async fn shown(state: &AppState, id: UserId) -> Result<User, ApiError> {
    let p = users::profile(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(User::profile(p, true))
}

/// Creates an account (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 201, body = User, headers(("Location" = String))), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    b: Result<Json<NewUser>, JsonRejection>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    let b = body(b)?;
    let input = AccountInput {
        username: &b.username,
        name: &b.name,
        email: &b.email,
        job_title: b.job_title.as_deref().unwrap_or_default(),
        locale: b.locale.as_deref().unwrap_or("en"),
    };
    let new = ops::check_new_account(&input, &b.password).map_err(invalid)?;
    let groups = memberships(&b.groups, b.is_admin, b.is_super_user);
    let acting = acting(&user, &ip);
    let id = run_as(&state, &acting, async |c, a| {
        ops::create_user(c, a, &new, groups).await
    })
    .await?;
    let location = format!("/api/v1/users/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shown(&state, id).await?),
    )
        .into_response())
}

/// Changes an account (admins only): its fields, its groups, and whether it is disabled. An admin cannot disable
/// their own account, and nobody can remove the last enabled admin (409).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body = UserChanges,
    responses((status = 200, body = User), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ip: ClientIp,
    ApiId(id): ApiId<UserId>,
    b: Result<Json<UserChanges>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    admins_only(&user)?;
    let b = body(b)?;
    let before = users::profile(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let input = AccountInput {
        username: b.username.as_deref().unwrap_or(&before.username),
        name: b.name.as_deref().unwrap_or(&before.name),
        email: b.email.as_deref().unwrap_or(&before.email),
        job_title: b.job_title.as_deref().unwrap_or(&before.job_title),
        locale: b.locale.as_deref().unwrap_or(&before.locale),
    };
    let fields = ops::check_account(&input).map_err(invalid)?;
    let groups = memberships(&b.groups, b.is_admin, b.is_super_user);
    let acting = acting(&user, &ip);
    run_as(&state, &acting, async |c, a| {
        ops::update_user(c, a, id, &fields, groups, b.disabled).await
    })
    .await?;
    Ok(Json(shown(&state, id).await?))
}
