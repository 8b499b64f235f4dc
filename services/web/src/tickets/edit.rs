//! `GET|POST /tickets/{id}/edit` and `GET|POST /posts/{id}/edit`: editing a ticket body or a reply, with its
//! attachments (removable by checkbox). The previous text goes to the edit history.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{ParseError, PostId, TicketId, Title};
use flicket_core::markdown;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, Decision, Refusal};
use flicket_core::repo::{catalog, posts, tickets};
use flicket_core::tickets::ops::{self, EditPostInput, EditTicketInput, OpError};
use flicket_core::tickets::{Body, Hours};
use uuid::Uuid;

use super::edit_page::{Draft, Shown, Target, page};
use super::forms::{self, parse_choice};
use super::uploads::{self, FormData};
use super::{after_commit, op_failed, parse_id, redirect_flash};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;

/// A refusal before anything is read: 403, or back to the ticket with the reason.
fn refused(
    state: &AppState,
    jar: CookieJar,
    back: &str,
    d: Decision,
) -> Result<Option<Response>, AppError> {
    match d {
        Ok(()) => Ok(None),
        Err(Refusal::Forbidden) => Err(AppError::Forbidden),
        Err(Refusal::Conflict(key)) => Ok(Some(redirect_flash(state, jar, back, "warning", key))),
    }
}

/// Reads a reply, and whether the user may edit it.
async fn post_target(
    state: &AppState,
    user: &Actor,
    raw: &str,
) -> Result<(posts::PostState, Decision), AppError> {
    let post_id: PostId = parse_id(raw)?;
    let post = posts::get(&state.pool, post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = tickets::facts(&state.pool, post.ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decision = rules::can_edit_post(user, post.author_id, &facts);
    Ok((post, decision))
}

/// The ticket edit form (creator or admin, not while closed).
pub async fn ticket_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let t = tickets::view(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = Target::Ticket(id);
    let decision = rules::can_edit_ticket(&Actor::from(&user), &t.facts());
    if let Some(r) = refused(&state, jar, &target.back_url(), decision)? {
        return Ok(r);
    }
    let draft = Draft {
        title: t.title,
        body: t.content,
        hours: Hours::from_cents(t.hours_cents).display(),
        priority: t.priority_id.to_string(),
        status: t.status_id.to_string(),
        remove: vec![],
    };
    page(&state, &ctx, target, draft, Shown::fresh()).await
}

/// The reply edit form (its author or an admin, not while the ticket is closed).
pub async fn post_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (post, decision) = post_target(&state, &Actor::from(&user), &id).await?;
    let target = Target::Post(post.ticket_id, post.post_id);
    if let Some(r) = refused(&state, jar, &target.back_url(), decision)? {
        return Ok(r);
    }
    let t = tickets::view(&state.pool, post.ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let draft = Draft {
        title: String::new(),
        body: post.content,
        hours: Hours::from_cents(post.hours_cents).display(),
        priority: t.priority_id.to_string(),
        status: t.status_id.to_string(),
        remove: vec![],
    };
    page(&state, &ctx, target, draft, Shown::fresh()).await
}

/// Saves a ticket edit, or shows the form again with the reason.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %user.user_id))]
pub async fn ticket_submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let actor = Actor::from(&user);
    let facts = tickets::facts(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = Target::Ticket(id);
    // Checked before the upload is read, so that a refused person stores nothing.
    if let Some(r) = refused(
        &state,
        jar.clone(),
        &target.back_url(),
        rules::can_edit_ticket(&actor, &facts),
    )? {
        return Ok(r);
    }
    save(&state, &ctx, jar, &actor, target, multipart).await
}

/// Saves a reply edit, or shows the form again with the reason.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %user.user_id))]
pub async fn post_submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let actor = Actor::from(&user);
    let (post, decision) = post_target(&state, &actor, &id).await?;
    let target = Target::Post(post.ticket_id, post.post_id);
    if let Some(r) = refused(&state, jar.clone(), &target.back_url(), decision)? {
        return Ok(r);
    }
    save(&state, &ctx, jar, &actor, target, multipart).await
}

enum EditInput {
    Ticket(EditTicketInput),
    Post(EditPostInput),
}

fn parse(target: Target, form: &FormData, max_files: i64) -> Result<EditInput, ParseError> {
    let title = match target {
        Target::Ticket(_) => Some(Title::parse(form.get("title"))?),
        Target::Post(..) => None,
    };
    let body = Body::parse(form.get("content"))?;
    let status = match target {
        Target::Post(..) => Some(parse_choice(form.get("status_id"), "ticket-error-status")?),
        Target::Ticket(_) => None,
    };
    let priority_id = parse_choice(form.get("priority_id"), "ticket-error-priority")?;
    let hours = Hours::parse(form.get("hours"))?;
    let remove: Vec<Uuid> = form
        .all("remove")
        .into_iter()
        .filter_map(|r| Uuid::parse_str(r).ok())
        .collect();
    let files = form.files.attachments();
    Ok(match (title, status) {
        (Some(title), _) => EditInput::Ticket(EditTicketInput {
            title,
            body,
            priority_id,
            hours,
            remove,
            files,
            max_files,
        }),
        (None, Some(status_id)) => EditInput::Post(EditPostInput {
            body,
            status_id,
            priority_id,
            hours,
            remove,
            files,
            max_files,
        }),
        (None, None) => {
            return Err(ParseError {
                key: "ticket-error-bad-form",
            });
        }
    })
}

/// Reads the form, applies the edit in one transaction, and keeps the new files only if it commits.
async fn save(
    state: &AppState,
    ctx: &PageCtx,
    jar: CookieJar,
    actor: &Actor,
    target: Target,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refusal) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let unprocessable = |message: String| Shown::refused(message, StatusCode::UNPROCESSABLE_ENTITY);
    if let Some(e) = refusal {
        let shown = Shown::refused(forms::upload_message(ctx.locale, &e), e.status);
        return page(state, ctx, target, Draft::from_form(&form), shown).await;
    }
    if form.get("action") == "preview" {
        let shown = Shown {
            error: (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again")),
            preview: Some(markdown::render(form.get("content"))),
            status: StatusCode::OK,
        };
        return page(state, ctx, target, Draft::from_form(&form), shown).await;
    }
    let input = match parse(target, &form, i64::from(settings.max_uploads_per_post)) {
        Ok(i) => i,
        Err(e) => {
            return page(
                state,
                ctx,
                target,
                Draft::from_form(&form),
                unprocessable(ctx.t(e.key)),
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let (result, done) = match (&input, target) {
        (EditInput::Ticket(i), Target::Ticket(id)) => (
            ops::edit_ticket(&mut tx, actor, id, i).await,
            "ticket-edited",
        ),
        (EditInput::Post(i), Target::Post(_, id)) => (
            ops::edit_post(&mut tx, actor, id, i).await.map(|(_, c)| c),
            "ticket-post-edited",
        ),
        _ => return Err(AppError::BadRequest("ticket-error-bad-form")),
    };
    match result {
        Ok(changed) => {
            tx.commit().await?;
            form.files.keep();
            after_commit(state, changed);
            Ok(redirect_flash(
                state,
                jar,
                &target.back_url(),
                "success",
                done,
            ))
        }
        Err(OpError::Invalid(f)) => {
            let key = f.message.key;
            drop(tx);
            page(
                state,
                ctx,
                target,
                Draft::from_form(&form),
                unprocessable(ctx.t(key)),
            )
            .await
        }
        Err(e) => op_failed(state, jar, &target.back_url(), e),
    }
}
