//! The settings area (admins only): the site and mail settings, the audit log and the email log. The operations are
//! in [`flicket_core::ops::settings`]; this area parses the forms and shows the pages.

pub mod audit;
pub mod email_log;
pub mod site;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use flicket_core::ops::OpError;
use flicket_core::permissions::tickets::Refusal;

use crate::admin::guard::require_admin;
use crate::error::AppError;
use crate::state::AppState;

/// The pages of the area. The settings and the audit log sit behind the admin guard like the rest of `/admin`; the
/// email log checks its reader itself.
pub fn routes() -> Router<AppState> {
    let guarded = Router::new()
        .route("/admin/settings", get(site::form).post(site::save))
        .route("/admin/audit", get(audit::list))
        .route_layer(from_fn(require_admin));
    Router::new()
        .route("/admin/email", get(email_log::show))
        .route("/admin/email/{id}/retry", post(email_log::retry))
        .merge(guarded)
}

/// The page's answer to an operation's refusal (the forms of this area report field errors before calling one).
fn refused(e: OpError) -> AppError {
    match e {
        OpError::NotFound => AppError::NotFound,
        OpError::Refused(Refusal::Forbidden) => AppError::Forbidden,
        OpError::Refused(Refusal::Conflict(key)) => AppError::BadRequest(key),
        OpError::Conflict(m)
        | OpError::Invalid(flicket_core::ops::FieldError { message: m, .. }) => {
            AppError::BadRequest(m.key)
        }
        OpError::Db(e) => e.into(),
    }
}
