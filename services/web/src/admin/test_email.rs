//! "Send test email" on the settings page (the use case is `flicket_core::ops::test_email`) and its status page,
//! which shows the outcome once the mailer has one — in plain words, never the server's own error text (which could
//! reveal internal banners).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::ops::test_email::send_test_email;
use flicket_core::ops::{Acting, OpError};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::Refusal;
use flicket_core::repo::settings;
use serde::Deserialize;

use super::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::run::run;
use crate::state::AppState;

/// The test-email form.
#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    recipient: String,
}

#[derive(Template)]
#[template(path = "admin/test_email.html")]
struct StatusPage<'a> {
    ctx: &'a PageCtx,
    recipient: String,
    requested: String,
    outcome: String,
    known: bool,
    outbox_id: i64,
}

fn refuse(state: &AppState, jar: CookieJar, key: &str) -> Response {
    let jar = jar.add(flash_cookie(state, "danger", key));
    (jar, Redirect::to("/admin/settings")).into_response()
}

/// Queues a test email to the given address.
pub async fn send(
    State(state): State<AppState>,
    admin: AdminUser,
    ip: ClientIp,
    jar: CookieJar,
    Form(form): Form<TestForm>,
) -> Result<Response, AppError> {
    let acting = Acting::new(Actor::from(&admin.0), ip.0.clone());
    let allow_private = state.config.smtp_allow_private;
    let queued = run(&state, async |c| {
        send_test_email(c, &acting, &form.recipient, allow_private).await
    })
    .await;
    let outbox_id = match queued {
        Ok(q) => q.outbox_id,
        Err(OpError::Invalid(f)) => return Ok(refuse(&state, jar, f.message.key)),
        Err(OpError::NotFound) => return Err(AppError::NotFound),
        Err(OpError::Refused(Refusal::Forbidden)) => return Err(AppError::Forbidden),
        Err(OpError::Refused(Refusal::Conflict(key))) => return Ok(refuse(&state, jar, key)),
        Err(OpError::Conflict(m)) => return Ok(refuse(&state, jar, m.key)),
        Err(OpError::Db(e)) => return Err(e.into()),
    };
    let jar = jar.add(flash_cookie(&state, "info", "admin-test-email-queued"));
    Ok((
        jar,
        Redirect::to(&format!("/admin/settings/test-email/{outbox_id}")),
    )
        .into_response())
}

/// What became of a test email.
pub async fn status(
    State(state): State<AppState>,
    _admin: AdminUser,
    ctx: PageCtx,
    Id(id): Id<i64>,
) -> Result<Response, AppError> {
    let st = settings::test_email_status(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (key, known) = match st.state.as_deref() {
        None => ("admin-test-email-pending", false),
        Some("sending") => ("admin-test-email-sending", false),
        Some("sent") => ("admin-test-email-sent", true),
        Some("suppressed") => ("admin-test-email-suppressed", true),
        Some(_) => ("admin-test-email-failed", true),
    };
    let page = StatusPage {
        ctx: &ctx,
        recipient: st.recipient,
        requested: st.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        outcome: ctx.t(key),
        known,
        outbox_id: id,
    };
    Ok(render(&ctx, &state, &page))
}
