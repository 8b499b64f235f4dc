//! Password reset: `/password-reset` asks for an email address and always gives the same answer, at once; when an
//! enabled account has that address, a single-use link valid 30 minutes is emailed through the outbox (issued after
//! the answer, by `crate::reset_queue`, so that the answer takes the same time for every address). The link sets a new
//! password, signs out every session and revokes every API token. (Flicket mailed a new password in clear; we never
//! do.) The rules are `flicket_core::ops::account`'s.
//!
//! Only the SHA-256 of the token is stored in `password_resets`. The raw token has to reach the mailer, which builds
//! the link: it travels encrypted in the outbox row's payload, a server-side table that only the services read and
//! whose rows age out; it is never logged, never in a response, and useless once used, replaced or expired.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::ops::OpError;
use flicket_core::ops::account::{self, NewPassword};
use serde::Deserialize;

use super::{Said, failed};
use crate::error::AppError;
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/reset_request.html")]
struct RequestPage<'a> {
    ctx: &'a PageCtx,
    email: String,
    said: Said,
    sent: bool,
}

#[derive(Template)]
#[template(path = "account/reset_form.html")]
struct ResetPage<'a> {
    ctx: &'a PageCtx,
    token: String,
    valid: bool,
    password: Said,
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

fn request_page(
    state: &AppState,
    ctx: &PageCtx,
    email: String,
    said: Said,
    sent: bool,
) -> Response {
    let status = if said.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RequestPage {
        ctx,
        email,
        said,
        sent,
    };
    (status, render(ctx, state, &page)).into_response()
}

/// `GET /password-reset`.
pub async fn request_form(State(state): State<AppState>, ctx: PageCtx) -> Response {
    request_page(&state, &ctx, String::new(), Said::default(), false)
}

/// `POST /password-reset`: the same page whether or not the address belongs to someone.
pub async fn request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<RequestForm>,
) -> Response {
    match account::reset_request_email(&form.email) {
        Ok(email) => {
            // The lookup and the inserts run after the answer: it cannot depend on the address.
            state.reset_requests.submit(email);
            request_page(&state, &ctx, String::new(), Said::default(), true)
        }
        Err(e) => {
            let said = Said::of(&ctx, e.field_error());
            let typed = form.email.chars().take(254).collect();
            request_page(&state, &ctx, typed, said, false)
        }
    }
}

/// The new-password page: the form for a usable link (422 with messages), or why it cannot be used (400).
fn reset_page(state: &AppState, ctx: &PageCtx, token: Option<&str>, password: Said) -> Response {
    let status = match (token, password.is_empty()) {
        (None, _) => StatusCode::BAD_REQUEST,
        (Some(_), false) => StatusCode::UNPROCESSABLE_ENTITY,
        (Some(_), true) => StatusCode::OK,
    };
    let page = ResetPage {
        ctx,
        token: token.unwrap_or_default().to_owned(),
        valid: token.is_some(),
        password,
    };
    (status, render(ctx, state, &page)).into_response()
}

/// `GET /password-reset/new?token=…`: the new-password form, or why the link cannot be used.
pub async fn form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(LinkQuery { token }): Query<LinkQuery>,
) -> Result<Response, AppError> {
    let usable = match account::reset_link(&state.pool, &token).await {
        Ok(_) => Some(token.as_str()),
        Err(OpError::NotFound) => None,
        Err(e) => return Err(failed(e)),
    };
    Ok(reset_page(&state, &ctx, usable, Said::default()))
}

/// `POST /password-reset/new`: sets the password, uses up the link, ends every session.
pub async fn complete(
    State(state): State<AppState>,
    ctx: PageCtx,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let new = NewPassword {
        new_password: &form.new_password,
        new_password_confirm: &form.new_password_confirm,
    };
    match account::consume_reset(&state.pool, &form.token, &new).await {
        Ok(_) => {
            let jar = jar.add(flash_cookie(&state, "success", "reset-done"));
            Ok((jar, Redirect::to("/login")).into_response())
        }
        Err(OpError::NotFound) => Ok(reset_page(&state, &ctx, None, Said::default())),
        Err(OpError::Invalid(f)) => {
            let said = Said::of(&ctx, &[f]);
            Ok(reset_page(&state, &ctx, Some(&form.token), said))
        }
        Err(e) => Err(failed(e)),
    }
}
