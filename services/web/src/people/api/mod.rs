//! `/api/v1/users`: the directory, as the UI's `/users`. Email addresses are shown to admins and super users (and to
//! a person for their own account), and only they can search by email.

pub(super) mod admin;

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use flicket_core::domain::UserId;
use flicket_core::permissions::{Actor, admin as rules};
use flicket_core::repo::users::{self, DirectoryEntry, Profile};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser, site};
use crate::extract::ApiId;
use crate::state::AppState;

/// A person.
#[derive(Serialize, ToSchema)]
pub struct User {
    id: i64,
    username: String,
    name: String,
    /// Only for admins and super users (and one's own account).
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    job_title: String,
    /// Tickets raised plus replies written.
    posts: i64,
    /// Tickets currently assigned.
    assigned: i64,
    is_admin: bool,
    is_super_user: bool,
    disabled: bool,
    /// When the account was created (single user only).
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<DateTime<Utc>>,
}

impl User {
    fn entry(u: DirectoryEntry, show_email: bool) -> Self {
        User {
            id: u.user_id.0,
            username: u.username,
            name: u.name,
            email: show_email.then_some(u.email),
            job_title: u.job_title,
            posts: u.posts,
            assigned: u.assigned,
            is_admin: u.is_admin,
            is_super_user: u.is_super_user,
            disabled: u.disabled,
            created_at: None,
        }
    }

    pub(super) fn profile(p: Profile, show_email: bool) -> Self {
        User {
            id: p.user_id.0,
            username: p.username,
            name: p.name,
            email: show_email.then_some(p.email),
            job_title: p.job_title,
            posts: p.posts,
            assigned: p.assigned,
            is_admin: p.is_admin,
            is_super_user: p.is_super_user,
            disabled: p.disabled,
            created_at: Some(p.created_at),
        }
    }
}

/// `?q=`.
#[derive(Deserialize, IntoParams)]
pub struct UserFilter {
    /// Part of the user name or name (or email, for admins and super users).
    q: Option<String>,
}

/// The directory, by user name.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses((status = 200, body = Page<User>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<UserFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<User>>, ApiError> {
    let show_emails = rules::can_see_emails(&Actor::from(&user));
    let filter: String =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
    let (base, default) = site(&state).await?;
    let (page, per_page) = paging.resolve(default);
    let total = users::count_search(&state.pool, &filter, show_emails).await?;
    let rows = users::search(
        &state.pool,
        &filter,
        show_emails,
        per_page,
        (page - 1) * per_page,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|u| {
            let own = u.user_id == user.user_id;
            User::entry(u, show_emails || own)
        })
        .collect();
    let q = crate::http::urlencode(&filter);
    let url = |p: i64| format!("{base}/api/v1/users?q={q}&page={p}&per_page={per_page}");
    Ok(Json(Page::new(items, page, per_page, total, url)))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<UserId>,
) -> Result<Json<User>, ApiError> {
    let p = users::profile(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let show = rules::can_see_emails(&Actor::from(&user)) || user.user_id == p.user_id;
    Ok(Json(User::profile(p, show)))
}
