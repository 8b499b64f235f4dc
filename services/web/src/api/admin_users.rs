//! Admin writes on accounts: `POST /api/v1/users` and `PATCH /api/v1/users/{id}`, with the admin pages' rules (admins
//! only, the password policy, unique user names and emails, never disabling oneself, never leaving the site without
//! an enabled admin) and their audit entries, in one transaction that re-checks the caller is still an admin.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{Email, GroupId, JobTitle, PersonName, UserId, Username};
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::groups::{self, GroupRow};
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::{user_admin, users};
use flicket_core::{Locale, accounts, password};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::input::{Fields, body};
use super::users::User;
use super::{ApiError, ApiUser, parse_id};
use crate::admin::audit;
use crate::admin::guard::{AdminUser, ClientIp, admin_transaction};
use crate::admin::users::taken_key;
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

/// The parsed fields of an account.
struct Parsed {
    username: Username,
    name: PersonName,
    email: Email,
    job_title: JobTitle,
    locale: Locale,
}

fn parse(
    f: &mut Fields,
    username: &str,
    name: &str,
    email: &str,
    job_title: &str,
    locale: &str,
) -> Option<Parsed> {
    let username = f.take("username", Username::parse(username));
    let name = f.take("name", PersonName::parse(name));
    let email = f.take("email", Email::parse(email));
    let job_title = f.take("job_title", JobTitle::parse(job_title));
    let locale = Locale::from_code(locale);
    if locale.is_none() {
        f.0.insert("locale".into(), Locale::En.t("error-locale-invalid"));
    }
    Some(Parsed {
        username: username?,
        name: name?,
        email: email?,
        job_title: job_title?,
        locale: locale?,
    })
}

/// The caller, if an admin; 403 otherwise (before anything is read).
fn admin(user: &SessionUser) -> Result<AdminUser, ApiError> {
    if rules::can_administer(&Actor::from(user)) {
        Ok(AdminUser(user.clone()))
    } else {
        tracing::warn!(user.id = user.user_id.0, "API admin action refused");
        Err(ApiError::forbidden())
    }
}

/// The memberships asked for: `names` (or `current`), then `is_admin` and `is_super_user` applied.
fn wanted_groups(
    all: &[GroupRow],
    current: &[GroupId],
    names: Option<&[String]>,
    is_admin: Option<bool>,
    is_super_user: Option<bool>,
) -> Result<Vec<GroupId>, ApiError> {
    let mut ids: Vec<GroupId> = match names {
        None => current.to_vec(),
        Some(names) => names
            .iter()
            .map(|n| {
                all.iter()
                    .find(|g| g.name == *n)
                    .map(|g| g.group_id)
                    .ok_or_else(|| ApiError::field("groups", "api-error-unknown-group"))
            })
            .collect::<Result<_, _>>()?,
    };
    for (name, on) in [("admin", is_admin), ("super_user", is_super_user)] {
        let (Some(on), Some(g)) = (on, all.iter().find(|g| g.name == name)) else {
            continue;
        };
        ids.retain(|id| *id != g.group_id);
        if on {
            ids.push(g.group_id);
        }
    }
    ids.sort_by_key(|g| g.0);
    ids.dedup();
    Ok(ids)
}

/// 422 for a taken user name or email.
fn taken(e: sqlx::Error) -> ApiError {
    match taken_key(&e) {
        Some(key) => ApiError::field(
            if key == "error-username-taken" {
                "username"
            } else {
                "email"
            },
            key,
        ),
        None => e.into(),
    }
}

/// Whether removing `id` (from `admin`, or by disabling it) would leave no enabled admin (under the admin-set lock).
async fn last_admin(conn: &mut PgConnection, id: UserId) -> Result<bool, ApiError> {
    Ok(user_admin::is_enabled_admin(&mut *conn, id).await?
        && user_admin::other_enabled_admins(&mut *conn, id).await? == 0)
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
    let admin = admin(&user)?;
    let b = body(b)?;
    let mut f = Fields::default();
    let parsed = parse(
        &mut f,
        &b.username,
        &b.name,
        &b.email,
        b.job_title.as_deref().unwrap_or_default(),
        b.locale.as_deref().unwrap_or("en"),
    );
    let secret = parsed.as_ref().and_then(|p| {
        f.take(
            "password",
            accounts::parse_new_password(&b.password, p.username.as_str(), p.email.as_str()),
        )
    });
    let (Some(p), Some(secret), true) = (parsed, secret, f.0.is_empty()) else {
        return Err(f.error());
    };
    let hash = password::hash(secret.secret())
        .await
        .map_err(|e| ApiError::from(crate::error::AppError::Internal(anyhow::Error::from(e))))?;
    let mut tx = admin_transaction(&state, &admin).await?;
    let all = groups::list(&mut *tx).await?;
    let wanted = wanted_groups(&all, &[], b.groups.as_deref(), b.is_admin, b.is_super_user)?;
    let new = user_admin::NewAccount {
        username: &p.username,
        name: &p.name,
        email: &p.email,
        job_title: &p.job_title,
        locale: p.locale,
        password_hash: &hash,
    };
    let id = user_admin::create(&mut *tx, &new).await.map_err(taken)?;
    groups::set_for_user(&mut tx, id, &wanted).await?;
    let data = serde_json::json!({
        "username": p.username.as_str(), "name": p.name.as_str(), "email": p.email.as_str(),
        "job_title": p.job_title.as_str(), "locale": p.locale.code(),
        "groups": groups::of_user(&mut *tx, id).await?,
    });
    let target = format!("user:{id} {}", p.username.as_str());
    audit::record(&mut tx, &admin, &ip, "user.create", &target, Some(data)).await?;
    tx.commit().await?;
    tracing::info!(user.id = id.0, "account created through the API");
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
    Path(id): Path<String>,
    b: Result<Json<UserChanges>, JsonRejection>,
) -> Result<Json<User>, ApiError> {
    let admin = admin(&user)?;
    let id: UserId = parse_id(&id)?;
    let b = body(b)?;
    let before = users::profile(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut f = Fields::default();
    let Some(p) = parse(
        &mut f,
        b.username.as_deref().unwrap_or(&before.username),
        b.name.as_deref().unwrap_or(&before.name),
        b.email.as_deref().unwrap_or(&before.email),
        b.job_title.as_deref().unwrap_or(&before.job_title),
        b.locale.as_deref().unwrap_or(&before.locale),
    ) else {
        return Err(f.error());
    };
    let disable = b.disabled.filter(|d| *d != before.disabled);
    if disable == Some(true) && !rules::can_remove_account(&Actor::from(&user), id) {
        return Err(ApiError::conflict("error-cannot-remove-self"));
    }

    let mut tx = admin_transaction(&state, &admin).await?;
    let all = groups::list(&mut *tx).await?;
    let groups_before = groups::of_user(&mut *tx, id).await?;
    let wanted = wanted_groups(
        &all,
        &groups_before,
        b.groups.as_deref(),
        b.is_admin,
        b.is_super_user,
    )?;
    let admin_group = all.iter().find(|g| g.name == "admin").map(|g| g.group_id);
    let loses_admin =
        admin_group.is_some_and(|g| groups_before.contains(&g) && !wanted.contains(&g));
    if loses_admin && last_admin(&mut tx, id).await? {
        return Err(ApiError::conflict("error-last-admin"));
    }
    let upd = user_admin::AdminUpdate {
        username: &p.username,
        name: &p.name,
        email: &p.email,
        job_title: &p.job_title,
        locale: p.locale,
    };
    if !user_admin::update(&mut tx, id, &upd).await.map_err(taken)? {
        return Err(ApiError::not_found());
    }
    groups::set_for_user(&mut tx, id, &wanted).await?;
    let groups_after = groups::of_user(&mut *tx, id).await?;
    let data = serde_json::json!({
        "before": { "username": before.username, "name": before.name, "email": before.email,
                    "job_title": before.job_title, "locale": before.locale, "groups": groups_before },
        "after": { "username": p.username.as_str(), "name": p.name.as_str(), "email": p.email.as_str(),
                   "job_title": p.job_title.as_str(), "locale": p.locale.code(), "groups": groups_after },
    });
    let label = format!("user:{id} {}", p.username.as_str());
    audit::record(&mut tx, &admin, &ip, "user.update", &label, Some(data)).await?;
    match disable {
        Some(true) => {
            if last_admin(&mut tx, id).await? {
                return Err(ApiError::conflict("error-last-admin"));
            }
            users::set_disabled(&mut tx, id, true).await?;
            audit::record(&mut tx, &admin, &ip, "user.disable", &label, None).await?;
        }
        Some(false) => {
            users::set_disabled(&mut tx, id, false).await?;
            audit::record(&mut tx, &admin, &ip, "user.enable", &label, None).await?;
        }
        None => {}
    }
    tx.commit().await?;
    Ok(Json(shown(&state, id).await?))
}
