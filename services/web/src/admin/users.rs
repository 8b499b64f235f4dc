//! `/admin/users`: the list of accounts and the user form (saved by `users_save`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flicket_core::Locale;
use flicket_core::domain::{Email, GroupId, JobTitle, PersonName, UserId, Username};
use flicket_core::repo::users::DirectoryEntry;
use flicket_core::repo::{groups, users};
use serde::Deserialize;

use super::form::FormPairs;
use super::guard::AdminUser;
use super::pager::Pager;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
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
    // The shared parsing of typed search text: control characters (NUL among them) dropped.
    let filter = crate::http::typed_text(&q.q, 100);
    let per_page = i64::from(ctx.site(&state).await?.page_size);
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
pub(super) struct Parsed {
    pub username: Username,
    pub name: PersonName,
    pub email: Email,
    pub job_title: JobTitle,
    pub locale: Locale,
}

pub(super) fn parse_fields(
    ctx: &PageCtx,
    form: &FormPairs,
    errors: &mut Vec<String>,
) -> Option<Parsed> {
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

pub(super) fn typed_fields(form: &FormPairs, user_id: Option<UserId>) -> UserFields {
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

pub(super) fn ticked_groups(form: &FormPairs) -> Vec<GroupId> {
    form.all("group")
        .iter()
        .filter_map(|g| g.parse().ok())
        .collect()
}

/// The fluent key for a unique violation of the users table.
pub(crate) fn taken_key(e: &sqlx::Error) -> Option<&'static str> {
    let constraint = e
        .as_database_error()
        .and_then(|d| d.constraint().map(str::to_owned))?;
    flicket_core::repo::is_unique_violation(e).then_some(match constraint.as_str() {
        "users_username_key" => "error-username-taken",
        _ => "error-email-taken",
    })
}

pub(super) async fn form_again(
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
