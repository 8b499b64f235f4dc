//! The catalog area: departments and their categories (`/departments`, managed by admins and super users; also shown
//! at `/admin/departments`), statuses and priorities (`/admin/statuses`, admins only), and the same reference data in
//! both APIs. Every change is an operation of [`flicket_core::ops::catalog`]; the handlers here parse the request,
//! run it and present the outcome.

mod api;
mod compat;
pub mod departments;
pub mod labels;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use flicket_core::ops::{Acting, OpError};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::Refusal;
use flicket_core::repo::sessions::SessionUser;

use crate::admin::guard::require_admin;
use crate::error::AppError;
use crate::http::ClientIp;
use crate::pages::PageCtx;
use crate::state::AppState;

pub use api::api_routes;
pub use compat::compat_routes;

/// The pages: `/departments` for everyone, and the admin pages (behind [`require_admin`], as the whole admin area).
pub fn routes() -> Router<AppState> {
    use departments::{categories, manage};
    let admin = Router::new()
        .route("/admin/departments", get(departments::admin_list))
        .route("/admin/statuses", get(labels::show))
        .route("/admin/statuses/{table}", post(labels::create))
        .route("/admin/statuses/{table}/{id}", post(labels::update))
        .route("/admin/statuses/{table}/{id}/move", post(labels::reorder))
        .route("/admin/statuses/{table}/{id}/delete", post(labels::delete))
        .route_layer(from_fn(require_admin));
    Router::new()
        .route(
            "/departments",
            get(departments::list).post(manage::create_department),
        )
        .route("/departments/{id}", get(departments::show))
        .route("/departments/{id}/rename", post(manage::rename_department))
        .route("/departments/{id}/delete", post(manage::delete_department))
        .route(
            "/departments/{id}/categories",
            post(categories::create_category),
        )
        .route(
            "/departments/{id}/categories/{category}/rename",
            post(categories::rename_category),
        )
        .route(
            "/departments/{id}/categories/{category}/delete",
            post(categories::delete_category),
        )
        .merge(admin)
}

/// A signed-in user acting from the client's address (written to the audit log).
pub(crate) fn acting(user: &SessionUser, ip: ClientIp) -> Acting {
    Acting::new(Actor::from(user), ip.0)
}

/// What a page shows again after a refused change: a field's message under its input, or the reason at the top.
pub struct Notice {
    /// The status of the page.
    pub status: StatusCode,
    /// The reason, shown at the top of the page.
    pub error: Option<String>,
    /// The id of the input the message belongs to, and the message.
    field: Option<(String, String)>,
}

impl Notice {
    /// Nothing to say.
    pub fn none() -> Self {
        Self {
            status: StatusCode::OK,
            error: None,
            field: None,
        }
    }

    /// The message under the input `input`, if any.
    pub fn on(&self, input: &str) -> Option<&str> {
        self.field
            .as_ref()
            .filter(|(id, _)| id == input)
            .map(|(_, text)| text.as_str())
    }

    /// An operation's refusal as the form's page shows it: a field error under the input `input(field)` (422), a
    /// conflict at the top (409). Anything else is the error page.
    pub fn of(ctx: &PageCtx, e: OpError, input: impl Fn(&str) -> String) -> Result<Self, AppError> {
        let conflict = |error| Self {
            status: StatusCode::CONFLICT,
            error: Some(error),
            field: None,
        };
        match e {
            OpError::Invalid(f) => Ok(Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error: None,
                field: Some((input(f.field), ctx.say(&f.message))),
            }),
            OpError::Conflict(m) => Ok(conflict(ctx.say(&m))),
            OpError::Refused(Refusal::Conflict(key)) => Ok(conflict(ctx.t(key))),
            e => Err(page_error(e)),
        }
    }
}

/// An operation's error that no form shows: the error page.
pub(crate) fn page_error(e: OpError) -> AppError {
    match e {
        OpError::NotFound => AppError::NotFound,
        OpError::Refused(Refusal::Forbidden) => AppError::Forbidden,
        OpError::Db(e) => e.into(),
        other => AppError::Internal(anyhow::anyhow!("unexpected refusal: {other}")),
    }
}
