//! "Send test email" on the settings page: queues a test email through the outbox and shows its outcome once the
//! mailer has one — in plain words, never the server's own error text (which could reveal internal banners).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::Email;
use flicket_core::net_guard;
use flicket_core::repo::outbox::{self, NewOutbox, OutboxKind};
use flicket_core::repo::settings;
use serde::Deserialize;

use super::guard::{AdminUser, ClientIp};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
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
    let Ok(recipient) = Email::parse(&form.recipient) else {
        return Ok(refuse(&state, jar, "error-email-invalid"));
    };
    let s = settings::load(&state.pool).await?;
    let Some(host) = s.smtp_host.as_deref() else {
        return Ok(refuse(&state, jar, "error-test-email-no-host"));
    };
    // The saved host was vetted when saved; names can resolve elsewhere since (DNS rebinding), so check again.
    let port = u16::try_from(s.smtp_port).unwrap_or(0);
    if let Err(e) = net_guard::vet_smtp_host(host, port, state.config.smtp_allow_private).await {
        return Ok(refuse(&state, jar, e.key()));
    }
    let mut tx = state.pool.begin().await?;
    let row = NewOutbox {
        idempotency_key: format!("test_email:{}", uuid::Uuid::new_v4()),
        kind: OutboxKind::TestEmail,
        recipient_id: None,
        recipient_email: Some(recipient.as_str().to_owned()),
        ticket_id: None,
        payload: serde_json::json!({ "requested_by": admin.0.user_id }),
    };
    let outbox_id = outbox::insert(&mut *tx, &row)
        .await?
        .ok_or_else(|| anyhow::anyhow!("duplicate test email key"))?;
    let data = serde_json::json!({ "recipient": recipient.as_str() });
    super::audit::record(
        &mut tx,
        &admin,
        &ip,
        "settings.test_email",
        "settings",
        Some(data),
    )
    .await?;
    tx.commit().await?;
    state.relay.after_commit(vec![outbox_id]);
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
    Path(id): Path<i64>,
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
