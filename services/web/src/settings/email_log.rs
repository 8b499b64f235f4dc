//! `/admin/email`: the email log — recent deliveries with their state, attempts and last error — and the retry of
//! a failed one. Administrators only.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::ops::settings::retry_delivery;
use flicket_core::permissions::{Actor, admin};
use flicket_core::repo::deliveries::{self, DeliveryLine};

use super::refused;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

/// Deliveries shown on the page.
const SHOWN: i64 = 200;

/// One line as shown.
struct Line {
    id: i64,
    when: String,
    kind: String,
    recipient: String,
    state: String,
    state_label: String,
    attempts: i32,
    detail: String,
    retryable: bool,
}

#[derive(Template)]
#[template(path = "email_log.html")]
struct EmailLogPage<'a> {
    ctx: &'a PageCtx,
    lines: Vec<Line>,
}

fn line(ctx: &PageCtx, d: DeliveryLine) -> Line {
    let detail = match (&d.state[..], &d.next_attempt_at, &d.last_error) {
        ("sending", Some(next), Some(err)) => {
            ctx.t1(
                "email-log-retry-at",
                "time",
                &next.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            ) + " — "
                + err
        }
        (_, _, Some(err)) => err.clone(),
        _ => String::new(),
    };
    Line {
        id: d.email_delivery_id,
        when: d.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        kind: d.kind.unwrap_or_default(),
        recipient: d.recipient,
        state_label: ctx.t(&format!("email-log-state-{}", d.state)),
        retryable: d.state == "failed" && d.outbox_id.is_some(),
        state: d.state,
        attempts: d.attempts,
        detail,
    }
}

/// The log, newest first.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    // Only administrators see who was emailed what.
    if !admin::can_administer(&Actor::from(&user)) {
        return Err(AppError::Forbidden);
    }
    let lines = deliveries::recent(&state.pool, SHOWN)
        .await?
        .into_iter()
        .map(|d| line(&ctx, d))
        .collect();
    Ok(render(&ctx, &state, &EmailLogPage { ctx: &ctx, lines }))
}

/// Puts a failed delivery back in line and pushes it to the queue after the commit.
pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Id(id): Id<i64>,
) -> Result<Response, AppError> {
    let actor = Actor::from(&user);
    let retry = crate::run::run(&state, async |c| retry_delivery(c, &actor, id).await)
        .await
        .map_err(refused)?;
    let (kind, key) = if retry.queued {
        ("success", "email-log-retried")
    } else {
        ("warning", "email-log-not-retryable")
    };
    let jar = jar.add(flash_cookie(&state, kind, key));
    Ok((jar, Redirect::to("/admin/email")).into_response())
}
