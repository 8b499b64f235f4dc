//! `/admin/users`: the list of accounts and the user form (saved by `users_save`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flicket_core::domain::{GroupId, UserId};
use flicket_core::ops::people::users::AccountInput;
use flicket_core::repo::{groups, users};

use super::{Found, ListQuery, search};
use crate::admin::form::FormPairs;
use crate::admin::guard::AdminUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    found: Found,
}

/// Lists every account, filtered by user name, name or email.
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let found = search(&state, &ctx, q, true).await?;
    Ok(render(&ctx, &state, &ListPage { ctx: &ctx, found }))
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
struct FormPage<'a> {
    ctx: &'a PageCtx,
    f: UserFields,
    groups: Vec<GroupChoice>,
    errors: Vec<String>,
    is_self: bool,
}

/// Renders the user form with `status`: the groups offered, with `ticked` ticked.
async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    f: UserFields,
    ticked: &[GroupId],
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let groups = groups::list(&state.pool)
        .await?
        .into_iter()
        .map(|g| GroupChoice {
            id: g.group_id.0,
            checked: ticked.contains(&g.group_id),
            name: g.name,
        })
        .collect();
    // The form offers no disable or delete button on the admin's own account.
    let is_self = f.user_id.is_some() && f.user_id == ctx.user.as_ref().map(|u| u.user_id);
    let page = FormPage {
        ctx,
        f,
        groups,
        errors,
        is_self,
    };
    Ok((status, render(ctx, state, &page)).into_response())
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
    form_page(&state, &ctx, f, &[], vec![], StatusCode::OK).await
}

/// The typed fields of the form, for the operations.
pub(super) fn account_input(form: &FormPairs) -> AccountInput<'_> {
    AccountInput {
        username: form.get("username"),
        name: form.get("name"),
        email: form.get("email"),
        job_title: form.get("job_title"),
        locale: form.get("locale"),
    }
}

/// The form as typed, to show again (each value cut to a length the inputs accept).
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

/// The groups ticked on the form.
pub(super) fn ticked_groups(form: &FormPairs) -> Vec<GroupId> {
    form.all("group")
        .iter()
        .filter_map(|g| g.parse().ok())
        .collect()
}

/// The form again as typed, with what is wrong (422). `disabled`: the account's state, for the edit form.
pub(super) async fn form_again(
    state: &AppState,
    ctx: &PageCtx,
    form: &FormPairs,
    user_id: Option<UserId>,
    disabled: bool,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let f = UserFields {
        disabled,
        ..typed_fields(form, user_id)
    };
    let ticked = ticked_groups(form);
    form_page(
        state,
        ctx,
        f,
        &ticked,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The edit form of an account.
pub async fn edit_form(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    edit_page(&state, &ctx, id, vec![], StatusCode::OK).await
}

/// Renders the edit page of `id` with its stored values and the given errors.
pub(super) async fn edit_page(
    state: &AppState,
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
    form_page(state, ctx, f, &ticked, errors, status).await
}
