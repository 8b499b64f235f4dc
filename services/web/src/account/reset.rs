//! Password reset: `/password-reset` asks for an email address and always gives the same answer; when an enabled
//! account has that address, a single-use link valid 30 minutes is emailed through the outbox. The link sets a new
//! password and signs out every session. (Flicket mailed a new password in clear; we never do.)
//!
//! Only the SHA-256 of the token is stored in `password_resets`. The raw token has to reach the mailer, which builds
//! the link: it travels in the outbox row's payload (`{"token": …}`), a server-side table that only the services read
//! and whose rows age out; it is never logged, never in a response, and useless once used, replaced or expired.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::{Email, UserId};
use flicket_core::repo::outbox::{self, NewOutbox, OutboxKind};
use flicket_core::repo::{password_resets, sessions, users};
use flicket_core::{accounts, password, tokens};
use serde::Deserialize;
use sqlx::PgConnection;

use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

/// At most this many links per account per hour (no mail bombing through the form).
const MAX_PER_HOUR: i64 = 3;

/// Creates a link for `user_id` and its outbox row, in the caller's transaction; returns the outbox id to hand to
/// the relay after commit (`None` if the row already existed, which cannot happen with a fresh id).
pub async fn issue(
    conn: &mut PgConnection,
    secret_key: &[u8],
    user_id: UserId,
) -> Result<Option<i64>, AppError> {
    let token = tokens::random_token();
    // The raw token exists only in the email: the outbox row carries it encrypted with FLICKET_SECRET_KEY.
    let token_enc = flicket_core::crypto::encrypt_to_string(secret_key, &token)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot encrypt the reset token: {e}")))?;
    let reset_id =
        password_resets::create(&mut *conn, user_id, &tokens::hash_token(&token)).await?;
    let row = NewOutbox {
        idempotency_key: format!("password_reset:{reset_id}"),
        kind: OutboxKind::PasswordReset,
        recipient_id: Some(user_id),
        recipient_email: None,
        ticket_id: None,
        payload: serde_json::json!({
            "token_enc": token_enc,
            "expires_minutes": password_resets::TTL_SECS / 60,
        }),
    };
    Ok(outbox::insert(&mut *conn, &row).await?)
}

#[derive(Template)]
#[template(path = "account/reset_request.html")]
struct RequestPage<'a> {
    ctx: &'a PageCtx,
    email: String,
    error: Option<String>,
    sent: bool,
}

#[derive(Template)]
#[template(path = "account/reset_form.html")]
struct ResetPage<'a> {
    ctx: &'a PageCtx,
    token: String,
    valid: bool,
    errors: Vec<String>,
}

/// The request form.
#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

/// The query of the emailed link.
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// The new-password form (the token travels in a hidden field, never in a path that could be logged).
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

/// `GET /password-reset`.
pub async fn request_form(State(state): State<AppState>, ctx: PageCtx) -> Response {
    render(
        &ctx,
        &state,
        &RequestPage {
            ctx: &ctx,
            email: String::new(),
            error: None,
            sent: false,
        },
    )
}

/// `POST /password-reset`: the same page whether or not the address belongs to someone.
pub async fn request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    let Ok(email) = Email::parse(&form.email) else {
        let typed = form.email.chars().take(254).collect();
        let page = RequestPage {
            ctx: &ctx,
            email: typed,
            error: Some(ctx.t("error-email-invalid")),
            sent: false,
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ctx, &state, &page),
        )
            .into_response());
    };
    if let Some(user_id) = users::find_enabled_by_email(&state.pool, email.as_str()).await? {
        if password_resets::recent_count(&state.pool, user_id, 3600).await? < MAX_PER_HOUR {
            let mut tx = state.pool.begin().await?;
            let outbox_id = issue(&mut tx, state.config.secret_key_bytes(), user_id).await?;
            tx.commit().await?;
            state.relay.after_commit(outbox_id.into_iter().collect());
            tracing::info!(user.id = user_id.0, "password reset link issued");
        } else {
            tracing::warn!(user.id = user_id.0, "password reset rate limited");
        }
    }
    let page = RequestPage {
        ctx: &ctx,
        email: String::new(),
        error: None,
        sent: true,
    };
    Ok(render(&ctx, &state, &page))
}

fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

async fn target(
    state: &AppState,
    token: &str,
) -> Result<Option<password_resets::ResetTarget>, AppError> {
    if !plausible(token) {
        return Ok(None);
    }
    Ok(password_resets::find_valid(&state.pool, &tokens::hash_token(token)).await?)
}

fn reset_page(
    state: &AppState,
    ctx: &PageCtx,
    token: &str,
    valid: bool,
    errors: Vec<String>,
) -> Response {
    let status = match (valid, errors.is_empty()) {
        (false, _) => StatusCode::BAD_REQUEST,
        (true, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (true, true) => StatusCode::OK,
    };
    let token = if valid {
        token.to_owned()
    } else {
        String::new()
    };
    (
        status,
        render(
            ctx,
            state,
            &ResetPage {
                ctx,
                token,
                valid,
                errors,
            },
        ),
    )
        .into_response()
}

/// `GET /password-reset/new?token=…`: the new-password form, or why the link cannot be used.
pub async fn form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(LinkQuery { token }): Query<LinkQuery>,
) -> Result<Response, AppError> {
    let valid = target(&state, &token).await?.is_some();
    Ok(reset_page(&state, &ctx, &token, valid, vec![]))
}

/// `POST /password-reset/new`: sets the password, uses up the link, ends every session.
pub async fn complete(
    State(state): State<AppState>,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let token = form.token.clone();
    let Some(t) = target(&state, &token).await? else {
        return Ok(reset_page(&state, &ctx, &token, false, vec![]));
    };
    let new = match accounts::parse_new_password(&form.new_password, &t.username, &t.email) {
        Ok(p) => p,
        Err(e) => return Ok(reset_page(&state, &ctx, &token, true, vec![ctx.t(e.key)])),
    };
    if form.new_password != form.new_password_confirm {
        return Ok(reset_page(
            &state,
            &ctx,
            &token,
            true,
            vec![ctx.t("error-password-mismatch")],
        ));
    }
    let hash = password::hash(new.secret())
        .await
        .map_err(anyhow::Error::from)?;
    let mut tx = state.pool.begin().await?;
    // Checked again, atomically: of two uses of one link, only one sets a password.
    let Some(user_id) = password_resets::consume(&mut tx, &tokens::hash_token(&token)).await?
    else {
        drop(tx);
        return Ok(reset_page(&state, &ctx, &token, false, vec![]));
    };
    users::set_password_hash(&mut *tx, user_id, &hash).await?;
    password_resets::invalidate_for_user(&mut *tx, user_id).await?;
    sessions::delete_for_user(&mut *tx, user_id).await?;
    tx.commit().await?;
    tracing::info!(
        user.id = user_id.0,
        "password reset completed; every session ended"
    );
    let jar = jar.add(flash_cookie(&state, "success", "reset-done"));
    Ok((jar, Redirect::to("/login")).into_response())
}
