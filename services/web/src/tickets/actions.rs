//! The workflow buttons of the ticket page, each a POST form with a CSRF token: claim, release, assign, close,
//! reopen, change of category, subscribers, and the password-confirmed deletions.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::domain::{CategoryId, PostId, TicketId, UserId};
use flicket_core::ops::Committed;
use flicket_core::permissions::tickets::{self as rules, CategoryPolicy, TicketFacts};
use flicket_core::repo::{catalog, tickets};
use flicket_core::tickets::ops::{self, OpResult};
use serde::Deserialize;
use sqlx::PgConnection;

use super::reads::post_with_facts;
use super::{Step, Visit, change, redirect_flash};
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
    v: Visit,
    id: TicketId,
    done: &str,
    op: impl for<'c> AsyncFnOnce(&'c mut PgConnection) -> OpResult<T>,
) -> Result<Response, AppError> {
    let back = format!("/tickets/{id}");
    change(v, (&back, &back), done, op).await
}

/// `POST /tickets/{id}/claim`, `…/release`, `…/close` and `…/reopen`: a button without input.
pub fn step(step: Step) -> MethodRouter<AppState> {
    post(move |v: Visit, Id(id): Id<TicketId>| apply(v, id, step))
}

async fn apply(v: Visit, id: TicketId, step: Step) -> Result<Response, AppError> {
    let actor = v.actor();
    on_ticket(v, id, step.done(), async |c| {
        step.apply(c, &actor, id).await
    })
    .await
}

/// `POST /tickets/{id}/assign` with `username`.
pub async fn assign(v: Visit, Id(id): Id<TicketId>, f: Sent) -> Result<Response, AppError> {
    apply(v, id, Step::Assign(form(f)?.username)).await
}

/// `POST /tickets/{id}/category` with `category_id`; 404 when the feature is off for this person.
pub async fn category(v: Visit, Id(id): Id<TicketId>, f: Sent) -> Result<Response, AppError> {
    let settings = catalog::ticket_settings(&v.state.pool).await?;
    let policy = CategoryPolicy {
        enabled: settings.change_category,
        staff_only: settings.change_category_restricted,
    };
    if !settings.change_category {
        return Err(AppError::NotFound);
    }
    let Ok(category_id) = form(f)?.category_id.trim().parse::<CategoryId>() else {
        let (back, key) = (format!("/tickets/{id}"), "ticket-error-category");
        return Ok(redirect_flash(&v.state, v.jar, &back, "warning", key));
    };
    let actor = v.actor();
    on_ticket(v, id, "ticket-category-changed", async |c| {
        ops::change_category(c, &actor, id, category_id, policy).await
    })
    .await
}

/// `POST /tickets/{id}/subscribers` with `username`.
pub async fn subscribe(v: Visit, Id(id): Id<TicketId>, f: Sent) -> Result<Response, AppError> {
    let (f, actor) = (form(f)?, v.actor());
    on_ticket(v, id, "ticket-subscribed", async |c| {
        ops::subscribe(c, &actor, id, &f.username).await
    })
    .await
}

/// `POST /tickets/{id}/subscribers/{user_id}/delete`.
pub async fn unsubscribe(
    v: Visit,
    Ids(id, target): Ids<TicketId, UserId>,
) -> Result<Response, AppError> {
    let actor = v.actor();
    on_ticket(v, id, "ticket-unsubscribed", async |c| {
        ops::unsubscribe(c, &actor, id, target).await
    })
    .await
}

/// Whether a deletion may go on: only for those the rules allow, and only with the admin's own password, checked
/// under the sign-in limiter (the same counter as signing in to this account; once limited, the answer is sign-in's:
/// 429). A wrong password is answered by going back to `wrong` with the reason.
async fn confirm(
    v: &Visit,
    ip: &ClientIp,
    facts: &TicketFacts,
    f: Sent,
    wrong: &str,
) -> Result<Option<Response>, AppError> {
    rules::can_delete(&v.actor(), facts).map_err(|_| AppError::Forbidden)?;
    let password = form(f)?.password;
    let user = v.user.user_id;
    match sign_in::check_current_password(&v.state.pool, user, &password, &ip.0).await? {
        Outcome::Accepted(()) => Ok(None),
        Outcome::Refused => {
            let key = "ticket-wrong-password";
            Ok(Some(redirect_flash(
                &v.state,
                v.jar.clone(),
                wrong,
                "danger",
                key,
            )))
        }
        Outcome::Limited => Err(AppError::TooManyAttempts),
    }
}

/// `POST /tickets/{id}/delete` with the admin's own `password`.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %v.user.user_id))]
pub async fn delete_ticket(
    v: Visit,
    ip: ClientIp,
    Id(id): Id<TicketId>,
    f: Sent,
) -> Result<Response, AppError> {
    let facts = tickets::facts(&v.state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = format!("/tickets/{id}");
    if let Some(r) = confirm(&v, &ip, &facts, f, &back).await? {
        return Ok(r);
    }
    let actor = v.actor();
    change(v, (&back, "/tickets"), "ticket-deleted", async |c| {
        ops::delete_ticket(c, &actor, id).await
    })
    .await
}

/// `POST /posts/{id}/delete` with the admin's own `password`.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %v.user.user_id))]
pub async fn delete_post(
    v: Visit,
    ip: ClientIp,
    Id(id): Id<PostId>,
    f: Sent,
) -> Result<Response, AppError> {
    let (post, facts) = post_with_facts(&v.state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(r) = confirm(&v, &ip, &facts, f, &format!("/posts/{id}")).await? {
        return Ok(r);
    }
    let (back, actor) = (format!("/tickets/{}", post.ticket_id), v.actor());
    change(v, (&back, &back), "ticket-post-deleted", async |c| {
        ops::delete_post(c, &actor, id).await
    })
    .await
}
