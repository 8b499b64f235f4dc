//! The workflow buttons of the ticket page, each a POST form with a CSRF token: claim, release, assign, close,
//! reopen, change of category, subscribers, and the password-confirmed deletions.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use axum_extra::extract::CookieJar;
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::domain::{CategoryId, PostId, TicketId, UserId};
use flicket_core::ops::Committed;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, CategoryPolicy, TicketFacts};
use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::{catalog, tickets};
use flicket_core::tickets::ops::{self, OpResult};
use serde::Deserialize;
use sqlx::PgConnection;

use super::reads::post_with_facts;
use super::{Step, change, redirect_flash};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{Id, Ids};
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

/// A form of these buttons, or 400.
type Sent = Result<Form<ActionForm>, FormRejection>;

fn form(f: Sent) -> Result<ActionForm, AppError> {
    f.map(|Form(f)| f)
        .map_err(|_| AppError::BadRequest("ticket-error-bad-form"))
}

/// Makes a change of the ticket `id` and goes back to it, with the message `done` or the reason of a refusal.
async fn on_ticket<T: Committed>(
    state: &AppState,
    jar: CookieJar,
    id: TicketId,
    done: &str,
    op: impl for<'c> AsyncFnOnce(&'c mut PgConnection) -> OpResult<T>,
) -> Result<Response, AppError> {
    let back = format!("/tickets/{id}");
    change(state, jar, (&back, &back), done, op).await
}

/// `POST /tickets/{id}/claim`, `…/release`, `…/close` and `…/reopen`: a button without input.
pub fn step(step: Step) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>,
              CurrentUser(user): CurrentUser,
              jar: CookieJar,
              Id(id): Id<TicketId>| async move { apply(&state, &user, jar, id, step).await },
    )
}

async fn apply(
    state: &AppState,
    user: &SessionUser,
    jar: CookieJar,
    id: TicketId,
    step: Step,
) -> Result<Response, AppError> {
    let actor = Actor::from(user);
    on_ticket(state, jar, id, step.done(), async |c| {
        step.apply(c, &actor, id).await
    })
    .await
}

/// `POST /tickets/{id}/assign` with `username`.
pub async fn assign(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Id(id): Id<TicketId>,
    f: Sent,
) -> Result<Response, AppError> {
    let step = Step::Assign(form(f)?.username);
    apply(&state, &user, jar, id, step).await
}

/// `POST /tickets/{id}/category` with `category_id`; 404 when the feature is off for this person.
pub async fn category(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Id(id): Id<TicketId>,
    f: Sent,
) -> Result<Response, AppError> {
    let actor = Actor::from(&user);
    let settings = catalog::ticket_settings(&state.pool).await?;
    let policy = CategoryPolicy {
        enabled: settings.change_category,
        staff_only: settings.change_category_restricted,
    };
    if !settings.change_category {
        return Err(AppError::NotFound);
    }
    let Ok(category_id) = form(f)?.category_id.trim().parse::<CategoryId>() else {
        let back = format!("/tickets/{id}");
        return Ok(redirect_flash(
            &state,
            jar,
            &back,
            "warning",
            "ticket-error-category",
        ));
    };
    on_ticket(&state, jar, id, "ticket-category-changed", async |c| {
        ops::change_category(c, &actor, id, category_id, policy).await
    })
    .await
}

/// `POST /tickets/{id}/subscribers` with `username`.
pub async fn subscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Id(id): Id<TicketId>,
    f: Sent,
) -> Result<Response, AppError> {
    let f = form(f)?;
    let actor = Actor::from(&user);
    on_ticket(&state, jar, id, "ticket-subscribed", async |c| {
        ops::subscribe(c, &actor, id, &f.username).await
    })
    .await
}

/// `POST /tickets/{id}/subscribers/{user_id}/delete`.
pub async fn unsubscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    Ids(id, target): Ids<TicketId, UserId>,
) -> Result<Response, AppError> {
    let actor = Actor::from(&user);
    on_ticket(&state, jar, id, "ticket-unsubscribed", async |c| {
        ops::unsubscribe(c, &actor, id, target).await
    })
    .await
}

/// Whether a deletion may go on: only for those the rules allow, and only with the admin's own password, checked
/// under the sign-in limiter (the same counter as signing in to this account; once limited, the answer is sign-in's:
/// 429). A wrong password is answered by going back to `wrong` with the reason.
async fn confirm(
    (state, user, ip, jar): (&AppState, &SessionUser, &ClientIp, &CookieJar),
    facts: &TicketFacts,
    f: Sent,
    wrong: &str,
) -> Result<Option<Response>, AppError> {
    rules::can_delete(&Actor::from(user), facts).map_err(|_| AppError::Forbidden)?;
    let password = form(f)?.password;
    match sign_in::check_current_password(&state.pool, user.user_id, &password, &ip.0).await? {
        Outcome::Accepted(()) => Ok(None),
        Outcome::Refused => {
            let key = "ticket-wrong-password";
            Ok(Some(redirect_flash(
                state,
                jar.clone(),
                wrong,
                "danger",
                key,
            )))
        }
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
    Id(id): Id<TicketId>,
    f: Sent,
) -> Result<Response, AppError> {
    let facts = tickets::facts(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = format!("/tickets/{id}");
    if let Some(r) = confirm((&state, &user, &ip, &jar), &facts, f, &back).await? {
        return Ok(r);
    }
    let actor = Actor::from(&user);
    change(
        &state,
        jar,
        (&back, "/tickets"),
        "ticket-deleted",
        async |c| ops::delete_ticket(c, &actor, id).await,
    )
    .await
}

/// `POST /posts/{id}/delete` with the admin's own `password`.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %user.user_id))]
pub async fn delete_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ip: ClientIp,
    jar: CookieJar,
    Id(id): Id<PostId>,
    f: Sent,
) -> Result<Response, AppError> {
    let (post, facts) = post_with_facts(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let wrong = format!("/posts/{id}");
    if let Some(r) = confirm((&state, &user, &ip, &jar), &facts, f, &wrong).await? {
        return Ok(r);
    }
    let back = format!("/tickets/{}", post.ticket_id);
    let actor = Actor::from(&user);
    change(
        &state,
        jar,
        (&back, &back),
        "ticket-post-deleted",
        async |c| ops::delete_post(c, &actor, id).await,
    )
    .await
}
