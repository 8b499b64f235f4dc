//! The catalog area: departments and their categories (`/departments`, managed by admins and super users; also shown
//! at `/admin/departments`), statuses and priorities (`/admin/statuses`, admins only), and the same reference data in
//! both APIs. Every change is an operation of [`flicket_core::ops::catalog`]; the handlers here parse the request,
//! run it and present the outcome.

mod api;
mod compat;
pub mod departments;
pub mod labels;

use std::marker::PhantomData;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use flicket_core::ops::{Acting, Committed, OpError, OpResult};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::Refusal;
use flicket_core::repo::sessions::SessionUser;
use sqlx::PgConnection;

use crate::admin::guard::{AdminUser, StaffUser, require_admin};
use crate::api::{ApiError, ApiUser};
use crate::error::AppError;
use crate::http::ClientIp;
use crate::pages::{PageCtx, flash_cookie};
use crate::run::run;
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
fn acting(user: &SessionUser, ip: ClientIp) -> Acting {
    Acting::new(Actor::from(user), ip.0)
}

/// Who may send a page's change: [`StaffUser`] (departments) or [`AdminUser`] (statuses and priorities).
pub trait Guard: FromRequestParts<AppState, Rejection = Response> {
    /// The signed-in user let through.
    fn user(self) -> SessionUser;
}

impl Guard for StaffUser {
    fn user(self) -> SessionUser {
        self.0
    }
}

impl Guard for AdminUser {
    fn user(self) -> SessionUser {
        self.0
    }
}

/// What every change sent from the catalog's pages takes: who acts (let through by `G`, as before any other part of
/// the request is read), the page context and the cookies (for the flash message).
pub struct PageChange<G> {
    /// The application.
    pub state: AppState,
    /// The user and their address.
    pub acting: Acting,
    /// The page context, to show the page again.
    pub ctx: PageCtx,
    /// The cookies, to flash the outcome.
    pub jar: CookieJar,
    guard: PhantomData<G>,
}

impl<G: Guard> FromRequestParts<AppState> for PageChange<G> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = G::from_request_parts(parts, state).await?.user();
        let Ok(ip) = ClientIp::from_request_parts(parts, state).await;
        let Ok(ctx) = PageCtx::from_request_parts(parts, state).await;
        let Ok(jar) = CookieJar::from_request_parts(parts, state).await;
        Ok(Self {
            state: state.clone(),
            acting: acting(&user, ip),
            ctx,
            jar,
            guard: PhantomData,
        })
    }
}

impl<G> PageChange<G> {
    /// Runs an operation as the acting user, in its own transaction.
    pub async fn run<T: Committed>(
        &self,
        op: impl for<'c, 'a> AsyncFnOnce(&'c mut PgConnection, &'a Acting) -> OpResult<T>,
    ) -> OpResult<T> {
        run(&self.state, async |c| op(c, &self.acting).await).await
    }

    /// On to `to` with `done` flashed when the change was made; else the form's page again, drawn by `again`, with
    /// what was refused (a field's message under the input `input(field)`).
    pub async fn answer<T>(
        self,
        outcome: OpResult<T>,
        (to, done): (&str, &str),
        input: impl Fn(&str) -> String,
        again: impl AsyncFnOnce(&AppState, &PageCtx, Notice) -> Result<Response, AppError>,
    ) -> Result<Response, AppError> {
        match outcome {
            Ok(_) => {
                let jar = self.jar.add(flash_cookie(&self.state, "success", done));
                Ok((jar, Redirect::to(to)).into_response())
            }
            Err(e) => {
                let notice = Notice::of(&self.ctx, e, input)?;
                again(&self.state, &self.ctx, notice).await
            }
        }
    }
}

/// What every change sent through an API takes: the token's user (401 without one) and their address.
pub struct ApiChange {
    /// The application.
    pub state: AppState,
    /// The user and their address.
    pub acting: Acting,
}

impl FromRequestParts<AppState> for ApiChange {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        let Ok(ip) = ClientIp::from_request_parts(parts, state).await;
        Ok(Self {
            state: state.clone(),
            acting: acting(&user, ip),
        })
    }
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
