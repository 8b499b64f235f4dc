//! `/admin/users`: the list of accounts, and creating and editing one (with its groups).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::Locale;
use flicket_core::domain::{Email, GroupId, JobTitle, PersonName, UserId, Username};
use flicket_core::repo::users::DirectoryEntry;
use flicket_core::repo::{groups, user_admin, users};
use flicket_core::{accounts, password};
use serde::Deserialize;

use super::form::FormPairs;
use super::guard::{AdminUser, ClientIp, admin_transaction};
use super::pager::Pager;
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    users: Vec<DirectoryEntry>,
    q: String,
    pager: Pager,
}

/// Query of the user list.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// Lists every account, filtered by user name, name or email.
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let filter: String = q.q.trim().chars().take(100).collect();
    let per_page = i64::from(
        flicket_core::repo::settings::site(&state.pool)
            .await?
            .page_size,
    );
    let total = users::count_search(&state.pool, &filter, true).await?;
    let keep = format!("&q={}", crate::http::urlencode(&filter));
    let pager = Pager::new(q.page, total, per_page, keep);
    let users = users::search(&state.pool, &filter, true, pager.per_page, pager.offset()).await?;
    Ok(render(
        &ctx,
        &state,
        &ListPage {
            ctx: &ctx,
            users,
            q: filter,
            pager,
        },
    ))
}

/// A group as a checkbox.
pub struct GroupChoice {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

/// The values of the user form, as typed.
#[derive(Default)]
pub struct UserFields {
    /// The account being edited (none: a new one).
    pub user_id: Option<UserId>,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Locale code.
    pub locale: String,
    /// Disabled account (edit only).
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
pub(super) struct FormPage<'a> {
    pub ctx: &'a PageCtx,
    pub f: UserFields,
    pub groups: Vec<GroupChoice>,
    pub errors: Vec<String>,
    pub is_self: bool,
}

pub(super) async fn group_choices(
    state: &AppState,
    ticked: &[GroupId],
) -> Result<Vec<GroupChoice>, AppError> {
    Ok(groups::list(&state.pool)
        .await?
        .into_iter()
        .map(|g| GroupChoice {
            id: g.group_id.0,
            checked: ticked.contains(&g.group_id),
            name: g.name,
        })
        .collect())
}

/// The empty creation form.
pub async fn new_form(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let f = UserFields {
        locale: "en".into(),
        ..Default::default()
    };
    let groups = group_choices(&state, &[]).await?;
    Ok(render(
        &ctx,
        &state,
        &FormPage {
            ctx: &ctx,
            f,
            groups,
            errors: vec![],
            is_self: false,
        },
    ))
}

/// Parsed user fields, or the messages of every field that did not parse.
struct Parsed {
    username: Username,
    name: PersonName,
    email: Email,
    job_title: JobTitle,
    locale: Locale,
}

fn parse_fields(ctx: &PageCtx, form: &FormPairs, errors: &mut Vec<String>) -> Option<Parsed> {
    let mut fail = |key: &str| errors.push(ctx.t(key));
    let username = Username::parse(form.get("username"))
        .map_err(|e| fail(e.key))
        .ok();
    let name = PersonName::parse(form.get("name"))
        .map_err(|e| fail(e.key))
        .ok();
    let email = Email::parse(form.get("email"))
        .map_err(|e| fail(e.key))
        .ok();
    let job_title = JobTitle::parse(form.get("job_title"))
        .map_err(|e| fail(e.key))
        .ok();
    let locale = Locale::from_code(form.get("locale"));
    if locale.is_none() {
        fail("error-locale-invalid");
    }
    Some(Parsed {
        username: username?,
        name: name?,
        email: email?,
        job_title: job_title?,
        locale: locale?,
    })
}

fn typed_fields(form: &FormPairs, user_id: Option<UserId>) -> UserFields {
    UserFields {
        user_id,
        username: form.get("username").chars().take(64).collect(),
        name: form.get("name").chars().take(120).collect(),
        email: form.get("email").chars().take(300).collect(),
        job_title: form.get("job_title").chars().take(128).collect(),
        locale: form.get("locale").chars().take(8).collect(),
        disabled: false,
    }
}

fn ticked_groups(form: &FormPairs) -> Vec<GroupId> {
    form.all("group")
        .iter()
        .filter_map(|g| g.parse().ok())
        .collect()
}

/// The fluent key for a unique violation of the users table.
pub(super) fn taken_key(e: &sqlx::Error) -> Option<&'static str> {
    let constraint = e
        .as_database_error()
        .and_then(|d| d.constraint().map(str::to_owned))?;
    flicket_core::repo::is_unique_violation(e).then_some(match constraint.as_str() {
        "users_username_key" => "error-username-taken",
        _ => "error-email-taken",
    })
}

async fn form_again(
    state: &AppState,
    ctx: &PageCtx,
    f: UserFields,
    ticked: &[GroupId],
    errors: Vec<String>,
    is_self: bool,
) -> Result<Response, AppError> {
    let groups = group_choices(state, ticked).await?;
    let page = FormPage {
        ctx,
        f,
        groups,
        errors,
        is_self,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(ctx, state, &page)).into_response())
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

/// The edit form of an account.
pub async fn edit_form(
    State(state): State<AppState>,
    admin: AdminUser,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    edit_page(&state, &admin, &ctx, UserId(id), vec![], StatusCode::OK).await
}

/// Renders the edit page of `id` with its stored values and the given errors.
pub(super) async fn edit_page(
    state: &AppState,
    admin: &AdminUser,
    ctx: &PageCtx,
    id: UserId,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let p = users::profile(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ticked = groups::of_user(&state.pool, id).await?;
    let f = UserFields {
        user_id: Some(id),
        username: p.username,
        name: p.name,
        email: p.email,
        job_title: p.job_title,
        locale: p.locale,
        disabled: p.disabled,
    };
    let groups = group_choices(state, &ticked).await?;
    let is_self = admin.0.user_id == id;
    let page = FormPage {
        ctx,
        f,
        groups,
        errors,
        is_self,
    };
    Ok((status, render(ctx, state, &page)).into_response())
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
