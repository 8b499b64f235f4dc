//! People: the directory (`/users`), the admin pages of accounts and groups (`/admin/users`, `/admin/groups`), and
//! the `/api/v1/users` and `/flicket-api/user(s)` adapters. Every change is an operation of
//! [`flicket_core::ops::people`] run through [`crate::run::run`].

mod api;
mod compat;
mod directory;
mod groups;
mod users;
mod users_actions;
mod users_save;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::middleware::from_fn;
use axum::response::Response;
use axum::routing::{get, post};
use flicket_core::ops::{Acting, Committed, OpError, OpResult};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::Refusal;
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::users::{self as repo_users, DirectoryEntry};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::admin::guard::AdminUser;
use crate::admin::pager::Pager;
use crate::error::AppError;
use crate::http::ClientIp;
use crate::pages::PageCtx;
use crate::pages::Visit;
use crate::state::AppState;

/// The pages: the directory for signed-in people, and the admin pages behind [`crate::admin::guard::require_admin`].
pub fn routes() -> Router<AppState> {
    let admin = Router::new()
        .route("/admin/users", get(users::list).post(users_save::create))
        .route("/admin/users/new", get(users::new_form))
        .route(
            "/admin/users/{id}",
            get(users::edit_form).post(users_save::update),
        )
        .route("/admin/users/{id}/disable", post(users_actions::disable))
        .route("/admin/users/{id}/enable", post(users_actions::enable))
        .route("/admin/users/{id}/delete", post(users_actions::delete))
        .route(
            "/admin/users/{id}/reset-password",
            post(users_actions::send_reset),
        )
        .route("/admin/groups", get(groups::list).post(groups::create))
        .route("/admin/groups/{id}", get(groups::show))
        .route("/admin/groups/{id}/rename", post(groups::rename))
        .route("/admin/groups/{id}/delete", post(groups::delete))
        .route("/admin/groups/{id}/members", post(groups::add_member))
        .route(
            "/admin/groups/{id}/members/{user_id}/remove",
            post(groups::remove_member),
        )
        .route_layer(from_fn(crate::admin::guard::require_admin));
    Router::new()
        .route("/users", get(directory::list))
        .route("/users/{id}", get(directory::profile))
        .merge(admin)
}

/// The `/api/v1` routes.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list, api::admin::create))
        .routes(routes!(api::get, api::admin::update))
}

/// The `/flicket-api/` routes.
pub fn compat_routes() -> Router<AppState> {
    Router::new()
        .route("/flicket-api/user/{id}", get(compat::get))
        .route("/flicket-api/users", get(crate::api_compat::add_slash))
        .route("/flicket-api/users/", get(compat::list))
}

/// Who makes an admin change, for the operations and the audit log.
fn acting(user: &SessionUser, ip: &ClientIp) -> Acting {
    Acting::new(Actor::from(user), ip.0.clone())
}

/// Runs an operation of `acting` in its own transaction ([`crate::run::run`]).
async fn run_as<T: Committed>(
    state: &AppState,
    acting: &Acting,
    op: impl for<'c, 'a> AsyncFnOnce(&'c mut PgConnection, &'a Acting) -> OpResult<T>,
) -> OpResult<T> {
    crate::run::run(state, async |c| op(c, acting).await).await
}

/// A change asked for on the admin pages of people: a [`Visit`] of an admin (anyone else is refused before any
/// handler runs).
pub struct AdminChange(Visit);

impl std::ops::Deref for AdminChange {
    type Target = Visit;
    fn deref(&self) -> &Visit {
        &self.0
    }
}

impl FromRequestParts<AppState> for AdminChange {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let AdminUser(user) = AdminUser::from_request_parts(parts, state).await?;
        Ok(Self(Visit::of(parts, state, user).await))
    }
}

impl AdminChange {
    /// Redirects to `to` with a message (`kind`: `success` or `danger`; `key`: its fluent id).
    fn redirect(self, kind: &str, key: &str, to: &str) -> Response {
        self.0.redirect(kind, key, to)
    }
}
/// An operation's refusal as a page shows it: the message of a wrong field or of a refused change, in the page's
/// language; anything else is an error page.
fn refusal(ctx: &PageCtx, e: OpError) -> Result<String, AppError> {
    match e {
        OpError::Invalid(f) => Ok(ctx.say(&f.message)),
        OpError::Conflict(m) => Ok(ctx.say(&m)),
        OpError::Refused(Refusal::Conflict(key)) => Ok(ctx.t(key)),
        other => Err(error_page(other)),
    }
}

/// An operation's error that no message on the page answers: its error page.
fn error_page(e: OpError) -> AppError {
    match e {
        OpError::NotFound => AppError::NotFound,
        OpError::Refused(Refusal::Forbidden) => AppError::Forbidden,
        OpError::Db(e) => e.into(),
        other => AppError::Internal(anyhow::anyhow!("unexpected refusal: {other}")),
    }
}

/// Query of the people lists (the directory and the admin list).
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// One page of people whose user name or name (or email, with `by_email`) contains the typed text.
struct Found {
    users: Vec<DirectoryEntry>,
    /// The text searched for, as kept in the search box.
    q: String,
    pager: Pager,
}

async fn search(
    state: &AppState,
    ctx: &PageCtx,
    q: ListQuery,
    by_email: bool,
) -> Result<Found, AppError> {
    // The shared parsing of typed search text: control characters (NUL among them) dropped.
    let filter = crate::http::typed_text(&q.q, 100);
    let per_page = i64::from(ctx.site(state).await?.page_size);
    let total = repo_users::count_search(&state.pool, &filter, by_email).await?;
    let keep = format!("&q={}", crate::http::urlencode(&filter));
    let pager = Pager::new(q.page, total, per_page, keep);
    let users = repo_users::search(
        &state.pool,
        &filter,
        by_email,
        pager.per_page,
        pager.offset(),
    )
    .await?;
    Ok(Found {
        users,
        q: filter,
        pager,
    })
}
