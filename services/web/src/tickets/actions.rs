//! The workflow buttons of the ticket page, each a POST form with a CSRF token: claim, release, assign, close,
//! reopen, change of category, subscribers, and the password-confirmed deletions.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::domain::{CategoryId, PostId, TicketId, UserId};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, CategoryPolicy};
use flicket_core::repo::{catalog, posts, tickets};
use flicket_core::tickets::ops::{self, Changed, OpResult};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{after_commit, op_failed, parse_id, redirect_flash};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::http::ClientIp;
use crate::state::AppState;

/// The fields any of these forms may carry (all optional, so a forged form is never a parser error).
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    password: String,
}

fn form(f: Result<Form<ActionForm>, FormRejection>) -> Result<ActionForm, AppError> {
    f.map(|Form(f)| f)
        .map_err(|_| AppError::BadRequest("ticket-error-bad-form"))
}

/// Runs one change in a transaction, commits, hands over the outbox rows, and goes back to the ticket with `done`.
async fn run<F>(
    state: &AppState,
    jar: CookieJar,
    id: TicketId,
    done: &str,
    change: F,
) -> Result<Response, AppError>
where
    F: for<'c> AsyncFnOnce(&'c mut PgConnection) -> OpResult<Changed>,
{
    let back = format!("/tickets/{id}");
    let mut tx = state.pool.begin().await?;
    match change(&mut *tx).await {
        Ok(changed) => {
            tx.commit().await?;
            after_commit(state, changed);
            Ok(redirect_flash(state, jar, &back, "success", done))
        }
        Err(e) => op_failed(state, jar, &back, e),
    }
}

fn sent(ids: Vec<i64>) -> Changed {
    Changed {
        outbox_ids: ids,
        removed_files: vec![],
    }
}

/// `POST /tickets/{id}/claim`.
pub async fn claim(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-claimed", async |c| {
        ops::claim(c, &actor, id).await.map(sent)
    })
    .await
}

/// `POST /tickets/{id}/release`.
pub async fn release(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-released", async |c| {
        ops::release(c, &actor, id).await.map(sent)
    })
    .await
}

/// `POST /tickets/{id}/assign` with `username`.
pub async fn assign(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    f: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let f = form(f)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-assigned-done", async |c| {
        ops::assign(c, &actor, id, &f.username).await.map(sent)
    })
    .await
}

/// `POST /tickets/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-closed", async |c| {
        ops::close(c, &actor, id).await.map(sent)
    })
    .await
}

/// `POST /tickets/{id}/reopen`.
pub async fn reopen(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-reopened", async |c| {
        ops::reopen(c, &actor, id).await.map(sent)
    })
    .await
}

/// `POST /tickets/{id}/category` with `category_id`; 404 when the feature is off for this person.
pub async fn category(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    f: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    let settings = catalog::ticket_settings(&state.pool).await?;
    let policy = CategoryPolicy {
        enabled: settings.change_category,
        staff_only: settings.change_category_restricted,
    };
    if !settings.change_category {
        return Err(AppError::NotFound);
    }
    let f = form(f)?;
    let Ok(category_id) = f.category_id.trim().parse::<CategoryId>() else {
        return Ok(redirect_flash(
            &state,
            jar,
            &format!("/tickets/{id}"),
            "warning",
            "ticket-error-category",
        ));
    };
    run(&state, jar, id, "ticket-category-changed", async |c| {
        ops::change_category(c, &actor, id, category_id, policy)
            .await
            .map(|()| Changed::default())
    })
    .await
}

/// `POST /tickets/{id}/subscribers` with `username`.
pub async fn subscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    f: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let f = form(f)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-subscribed", async |c| {
        ops::subscribe(c, &actor, id, &f.username)
            .await
            .map(|()| Changed::default())
    })
    .await
}

/// `POST /tickets/{id}/subscribers/{user_id}/delete`.
pub async fn unsubscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let target: UserId = parse_id(&user_id)?;
    let actor = Actor::from(&user);
    run(&state, jar, id, "ticket-unsubscribed", async |c| {
        ops::unsubscribe(c, &actor, id, target)
            .await
            .map(|()| Changed::default())
    })
    .await
}

/// Whether the password is the signed-in user's own, checked under the sign-in limiter (the same counter as signing
/// in to this account). Once limited, the answer is sign-in's: 429, "too many attempts".
async fn own_password(
    state: &AppState,
    user: UserId,
    ip: &ClientIp,
    password: &str,
) -> Result<bool, AppError> {
    match sign_in::check_current_password(&state.pool, user, password, &ip.0).await? {
        Outcome::Accepted(()) => Ok(true),
        Outcome::Refused => Ok(false),
        Outcome::Limited => Err(AppError::TooManyAttempts),
    }
}

/// `POST /tickets/{id}/delete` with the admin's own `password`.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %user.user_id))]
pub async fn delete_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ip: ClientIp,
    jar: CookieJar,
    Path(id): Path<String>,
    f: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    let facts = tickets::facts(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    rules::can_delete(&actor, &facts).map_err(|_| AppError::Forbidden)?;
    let back = format!("/tickets/{id}");
    if !own_password(&state, user.user_id, &ip, &form(f)?.password).await? {
        return Ok(redirect_flash(
            &state,
            jar,
            &back,
            "danger",
            "ticket-wrong-password",
        ));
    }
    let mut tx = state.pool.begin().await?;
    match ops::delete_ticket(&mut tx, &actor, id).await {
        Ok(changed) => {
            tx.commit().await?;
            after_commit(&state, changed);
            Ok(redirect_flash(
                &state,
                jar,
                "/tickets",
                "success",
                "ticket-deleted",
            ))
        }
        Err(e) => op_failed(&state, jar, &back, e),
    }
}

/// `POST /posts/{id}/delete` with the admin's own `password`.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %user.user_id))]
pub async fn delete_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ip: ClientIp,
    jar: CookieJar,
    Path(id): Path<String>,
    f: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let post_id: PostId = parse_id(&id)?;
    let actor = Actor::from(&user);
    let post = posts::get(&state.pool, post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = tickets::facts(&state.pool, post.ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    rules::can_delete(&actor, &facts).map_err(|_| AppError::Forbidden)?;
    let back = format!("/tickets/{}", post.ticket_id);
    if !own_password(&state, user.user_id, &ip, &form(f)?.password).await? {
        return Ok(redirect_flash(
            &state,
            jar,
            &format!("/posts/{post_id}"),
            "danger",
            "ticket-wrong-password",
        ));
    }
    let mut tx = state.pool.begin().await?;
    match ops::delete_post(&mut tx, &actor, post_id).await {
        Ok((_, changed)) => {
            tx.commit().await?;
            after_commit(&state, changed);
            Ok(redirect_flash(
                &state,
                jar,
                &back,
                "success",
                "ticket-post-deleted",
            ))
        }
        Err(e) => op_failed(&state, jar, &back, e),
    }
}
