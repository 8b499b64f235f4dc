//! Password reset: `/password-reset` asks for an email address and always gives the same answer, at once; when an
//! enabled account has that address, a single-use link valid 30 minutes is emailed through the outbox (issued after
//! the answer, by `reset_queue`, so that the answer takes the same time for every address). The link sets a new
//! password, signs out every session and revokes every API token. (Flicket mailed a new password in clear; we never
//! do.)
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
use flicket_core::accounts::{self, credentials};
use flicket_core::domain::Email;
use flicket_core::repo::password_resets;
use flicket_core::{password, tokens};
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

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
    // The lookup and the inserts run after the answer: it cannot depend on the address.
    state.reset_requests.submit(email);
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
    let ended = credentials::set_password(&mut tx, user_id, &hash, None).await?;
    tx.commit().await?;
    tracing::info!(
        user.id = user_id.0,
        api_tokens_revoked = ended.api_tokens,
        "password reset completed; every session ended"
    );
    let jar = jar.add(flash_cookie(&state, "success", "reset-done"));
    Ok((jar, Redirect::to("/login")).into_response())
}
