//! The tickets area: the ticket pages (create, view, reply, edit, the workflow actions, history, attachments,
//! markdown preview and help, redirects from Flicket's old URLs), their `/api/v1` routes ([`api`]) and their
//! `/flicket-api/` routes ([`compat`]). Every change goes through an operation of `flicket_core::tickets::ops`, run
//! by [`crate::run::run`].

mod actions;
mod api;
mod compat;
mod create;
mod edit;
mod edit_page;
pub(crate) mod files;
mod forms;
mod help;
mod history;
mod reads;
mod reply;
mod step;
mod submit;
mod suggest;
mod ticket_page;
mod uploads;
mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use flicket_core::Locale;
use flicket_core::i18n::FluentArgs;
use flicket_core::ops::{Committed, FieldError};
use flicket_core::permissions::tickets::Refusal;
use flicket_core::tickets::ops::{OpError, OpResult};
use sqlx::PgConnection;

pub use api::routes as api_routes;
pub use compat::routes as compat_routes;
use step::Step;

use crate::error::AppError;
use crate::pages::flash_cookie;
use crate::state::AppState;

/// Every ticket page. Upload routes read their body as a stream and enforce the limits of the settings themselves,
/// so the default body limit is lifted there only.
pub fn routes() -> Router<AppState> {
    let streamed = || DefaultBodyLimit::disable();
    Router::new()
        // `GET /tickets` is the list of the `listing` area.
        .route("/tickets", post(create::submit).layer(streamed()))
        .route("/tickets/new", get(create::form))
        .route("/tickets/{id}", get(view::show))
        .route(
            "/tickets/{id}/replies",
            post(reply::submit).layer(streamed()),
        )
        .route(
            "/tickets/{id}/edit",
            get(edit::ticket_form)
                .post(edit::ticket_submit)
                .layer(streamed()),
        )
        .route("/tickets/{id}/history", get(history::ticket))
        .route("/tickets/{id}/claim", actions::step(Step::Claim))
        .route("/tickets/{id}/release", actions::step(Step::Release))
        .route("/tickets/{id}/assign", post(actions::assign))
        .route("/tickets/{id}/close", actions::step(Step::Close))
        .route("/tickets/{id}/reopen", actions::step(Step::Reopen))
        .route("/tickets/{id}/category", post(actions::category))
        .route("/tickets/{id}/subscribers", post(actions::subscribe))
        .route(
            "/tickets/{id}/subscribers/{user_id}/delete",
            post(actions::unsubscribe),
        )
        .route("/tickets/{id}/delete", post(actions::delete_ticket))
        .route("/posts/{id}", get(view::post_redirect))
        .route(
            "/posts/{id}/edit",
            get(edit::post_form)
                .post(edit::post_submit)
                .layer(streamed()),
        )
        .route("/posts/{id}/delete", post(actions::delete_post))
        .route("/posts/{id}/history", get(history::post))
        .route("/attachments/{id}", get(files::download))
        .route("/preview", post(help::preview))
        .route("/people/suggest", get(suggest::people))
        .route("/help/markdown", get(help::markdown))
        .merge(help::legacy_routes())
}

pub(crate) use crate::pages::Visit;

/// A redirect that shows a message on the next page.
fn redirect_flash(state: &AppState, jar: CookieJar, to: &str, kind: &str, key: &str) -> Response {
    (jar.add(flash_cookie(state, kind, key)), Redirect::to(to)).into_response()
}

/// Maps a refused or failed change: 404, 403, or back to `back` with the reason.
fn op_failed(
    state: &AppState,
    jar: CookieJar,
    back: &str,
    e: OpError,
) -> Result<Response, AppError> {
    match e {
        OpError::NotFound => Err(AppError::NotFound),
        OpError::Refused(Refusal::Forbidden) => Err(AppError::Forbidden),
        OpError::Refused(Refusal::Conflict(key)) => {
            Ok(redirect_flash(state, jar, back, "warning", key))
        }
        OpError::Invalid(FieldError { message, .. }) | OpError::Conflict(message) => {
            Ok(redirect_flash(state, jar, back, "warning", message.key))
        }
        OpError::Db(e) => Err(e.into()),
    }
}

/// Runs a change of a page with the one runner: once committed, to `to` with the message `done`; refused, as
/// [`op_failed`] back to `back`.
async fn change<T: Committed>(
    v: Visit,
    (back, to): (&str, &str),
    done: &str,
    op: impl for<'c> AsyncFnOnce(&'c mut PgConnection) -> OpResult<T>,
) -> Result<Response, AppError> {
    match crate::run::run(&v.state, op).await {
        Ok(_) => Ok(redirect_flash(&v.state, v.jar, to, "success", done)),
        Err(e) => op_failed(&v.state, v.jar, back, e),
    }
}

/// Dates as Flicket showed them (`dd-mm-YYYY HH:MM`, UTC).
fn fmt_date(d: DateTime<Utc>) -> String {
    d.format("%d-%m-%Y %H:%M").to_string()
}

/// Translates a message with several arguments.
fn tr(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(k.to_string(), v.to_string());
    }
    locale.t_args(key, &fa)
}

/// Page numbers for a list of `total` items shown `per_page` at a time.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Current page (1-based).
    pub page: i64,
    /// Number of pages (at least 1).
    pub pages: i64,
    /// Link to the previous page.
    pub prev: Option<String>,
    /// Link to the next page.
    pub next: Option<String>,
}

impl Pager {
    fn new(requested: Option<i64>, total: i64, per_page: i64, base: &str) -> Self {
        let per_page = per_page.max(1);
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = requested.unwrap_or(1).clamp(1, pages);
        let link = |p: i64| format!("{base}?page={p}");
        Self {
            page,
            pages,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }

    fn offset(&self, per_page: i64) -> i64 {
        (self.page - 1) * per_page.max(1)
    }
}

pub(crate) use crate::http::human_size;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped() {
        let p = Pager::new(Some(99), 101, 50, "/t");
        assert_eq!((p.page, p.pages), (3, 3));
        assert_eq!(p.prev.as_deref(), Some("/t?page=2"));
        assert!(p.next.is_none());
        let empty = Pager::new(Some(-4), 0, 50, "/t");
        assert_eq!((empty.page, empty.pages, empty.offset(50)), (1, 1, 0));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(human_size(25 * 1024 * 1024 / 10), "2.5 MiB");
        assert_eq!(human_size(2048), "2 KiB");
    }
}
