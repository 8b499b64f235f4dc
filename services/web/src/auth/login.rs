//! `GET /login`, `POST /login`, `POST /logout`.
//!
//! Unknown user, wrong password and disabled account give the same answer, after the same amount of work (a dummy
//! argon2 verification for unknown users). Failures are counted per account and per address in PostgreSQL, so the
//! limit holds across replicas.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::Utc;
use flicket_core::password::{self, Verified};
use flicket_core::repo::{login_attempts, sessions, users};
use flicket_core::tokens;
use secrecy::SecretString;
use serde::Deserialize;

use super::MaybeUser;
use super::cookies::SESSION_MAX_AGE_SECS;
use crate::error::AppError;
use crate::http::{ClientIp, safe_next};
use crate::pages::{PageCtx, flash_cookie, render};
use crate::state::AppState;

/// Failures allowed per account in the window.
const MAX_ACCOUNT_FAILURES: i64 = 10;
/// Failures allowed per client address in the window.
const MAX_IP_FAILURES: i64 = 50;
/// The window, in seconds.
const WINDOW_SECS: i64 = 15 * 60;

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
    let account_key: String = login
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(254)
        .collect();
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

    let recent =
        login_attempts::recent_failures(&state.pool, &account_key, &ip, WINDOW_SECS).await?;
    if recent.account >= MAX_ACCOUNT_FAILURES || recent.ip >= MAX_IP_FAILURES {
        tracing::warn!(ip, "sign-in rate limited");
        return Ok(fail(StatusCode::TOO_MANY_REQUESTS, "login-rate-limited"));
    }

    let plausible = !login.is_empty()
        && login.len() <= 254
        && !login.contains('\0')
        && form.password.len() <= 1024
        && !form.password.is_empty();
    let user = if plausible {
        users::find_for_login(&state.pool, login).await?
    } else {
        None
    };
    let secret = SecretString::from(form.password);
    let verified = password::verify(&secret, user.as_ref().map(|u| u.password_hash.clone())).await;
    let user = match (user, verified) {
        (Some(u), Verified::Yes | Verified::YesRehash) if !u.disabled => (u, verified),
        _ => {
            login_attempts::record(&state.pool, &account_key, &ip, false).await?;
            tracing::info!(ip, "sign-in failed");
            return Ok(fail(StatusCode::UNAUTHORIZED, "login-failed"));
        }
    };
    let (user, verified) = user;
    tracing::Span::current().record("user.id", user.user_id.0);

    if verified == Verified::YesRehash {
        match password::hash(&secret).await {
            Ok(h) => users::set_password_hash(&state.pool, user.user_id, &h).await?,
            Err(e) => tracing::warn!(error = %e, "could not re-hash password"),
        }
    }

    let token = tokens::random_token();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expires = Utc::now() + chrono::Duration::seconds(SESSION_MAX_AGE_SECS);
    let mut tx = state.pool.begin().await?;
    sessions::create(
        &mut *tx,
        &tokens::hash_token(&token),
        user.user_id,
        expires,
        &ip,
        user_agent,
    )
    .await?;
    login_attempts::record(&mut *tx, &account_key, &ip, true).await?;
    tx.commit().await?;
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
        sessions::delete(&state.pool, &tokens::hash_token(c.value())).await?;
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
