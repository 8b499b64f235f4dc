//! `GET /login`, `POST /login`, `POST /logout`.
//!
//! Unknown user, wrong password and disabled account give the same answer, after the same amount of work (a dummy
//! argon2 verification for unknown users). The check and its limiter (per account found, per address, in PostgreSQL
//! so that it holds across replicas) are core's `accounts::sign_in`, shared with the API's token endpoints.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::ops::account;
use flicket_core::tokens;
use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::auth::cookies::SESSION_MAX_AGE_SECS;
use crate::error::AppError;
use crate::http::{ClientIp, safe_next};
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    ctx: &'a PageCtx,
    username: &'a str,
    next: &'a str,
    error: Option<String>,
}

/// Query of `GET /login`.
#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Shows the sign-in form (signed-in users go to the dashboard).
pub async fn form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ctx: PageCtx,
    Query(q): Query<NextQuery>,
) -> Response {
    if user.is_some() {
        return Redirect::to("/").into_response();
    }
    let next = safe_next(&q.next);
    render(
        &ctx,
        &state,
        &LoginPage {
            ctx: &ctx,
            username: "",
            next,
            error: None,
        },
    )
}

/// Checks the credentials, starts a session and redirects.
#[tracing::instrument(skip_all, fields(user.id))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    jar: CookieJar,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let login = form.username.trim();
    let next = safe_next(&form.next).to_owned();
    let fail = |status: StatusCode, key: &str| {
        let page = LoginPage {
            ctx: &ctx,
            username: login,
            next: &next,
            error: Some(ctx.t(key)),
        };
        (status, render(&ctx, &state, &page)).into_response()
    };

    let secret = SecretString::from(form.password);
    let accepted = match sign_in::sign_in(&state.pool, login, secret, &ip).await? {
        Outcome::Accepted(a) => a,
        Outcome::Refused => return Ok(fail(StatusCode::UNAUTHORIZED, "login-failed")),
        Outcome::Limited => return Ok(fail(StatusCode::TOO_MANY_REQUESTS, "login-rate-limited")),
    };
    let user_id = accepted.user_id;
    tracing::Span::current().record("user.id", user_id.0);

    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let lifetime = chrono::Duration::seconds(SESSION_MAX_AGE_SECS);
    let token = account::open_session(&state.pool, &accepted, &ip, user_agent, lifetime).await?;
    tracing::info!(ip, "signed in");

    // A new CSRF seed with the new session: tokens from before sign-in stop working.
    let jar = jar
        .add(state.cookies.build(
            state.cookies.session_name(),
            token,
            Some(SESSION_MAX_AGE_SECS),
        ))
        .add(
            state
                .cookies
                .build(state.cookies.csrf_name(), tokens::random_token(), None),
        )
        .add(flash_cookie(&state, "success", "login-success"));
    Ok((jar, Redirect::to(&next)).into_response())
}

/// Ends the session on the server and clears the cookies.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(c) = jar.get(state.cookies.session_name()) {
        account::close_session(&state.pool, c.value()).await?;
    }
    let jar = jar
        .add(state.cookies.removal(state.cookies.session_name()))
        .add(
            state
                .cookies
                .build(state.cookies.csrf_name(), tokens::random_token(), None),
        )
        .add(flash_cookie(&state, "info", "logout-success"));
    Ok((jar, Redirect::to("/login")).into_response())
}
