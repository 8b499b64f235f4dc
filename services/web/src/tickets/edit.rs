//! `GET|POST /tickets/{id}/edit` and `GET|POST /posts/{id}/edit`: editing a ticket body or a reply, with its
//! attachments (removable by checkbox). The previous text goes to the edit history.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{ParseError, PostId, TicketId, Title};
use flicket_core::markdown;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, Decision, Refusal};
use flicket_core::repo::attachments::AttachmentView;
use flicket_core::repo::{attachments, catalog, posts, tickets};
use flicket_core::tickets::ops::{self, EditPostInput, EditTicketInput, OpError};
use flicket_core::tickets::{Body, Hours};
use uuid::Uuid;

use super::forms::{self, SelectOption, parse_choice};
use super::uploads::{self, FormData};
use super::{after_commit, op_failed, parse_id, redirect_flash, tr};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// An attachment that can be removed.
pub struct RemovableFile {
    pub id: String,
    pub name: String,
    pub url: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "tickets/edit.html")]
struct EditPage<'a> {
    ctx: &'a PageCtx,
    heading: String,
    action: String,
    back_url: String,
    is_ticket: bool,
    title: String,
    body: String,
    hours: String,
    priorities: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    files: Vec<RemovableFile>,
    files_hint: String,
    error: Option<String>,
    preview: Option<String>,
}

/// What the form shows: the stored values, or what was sent.
struct Draft {
    title: String,
    body: String,
    hours: String,
    priority: String,
    status: String,
    remove: Vec<String>,
}

impl Draft {
    fn from_form(form: &FormData) -> Self {
        Self {
            title: form.get("title").to_owned(),
            body: form.get("content").to_owned(),
            hours: form.get("hours").to_owned(),
            priority: form.get("priority_id").to_owned(),
            status: form.get("status_id").to_owned(),
            remove: form.all("remove").into_iter().map(str::to_owned).collect(),
        }
    }
}

/// Where the form is: the ticket body or a reply.
#[derive(Clone, Copy)]
enum Target {
    Ticket(TicketId),
    Post(TicketId, PostId),
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    target: Target,
    draft: Draft,
    error: Option<String>,
    preview: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (ticket_id, post_id) = match target {
        Target::Ticket(t) => (t, None),
        Target::Post(t, p) => (t, Some(p)),
    };
    let all = attachments::for_ticket(&state.pool, ticket_id).await?;
    let files = all
        .iter()
        .filter(|a: &&AttachmentView| a.post_id == post_id)
        .map(|a| RemovableFile {
            id: a.attachment_id.to_string(),
            name: a.original_name.clone(),
            url: format!("/attachments/{}", a.attachment_id),
            label: tr(
                ctx.locale,
                "ticket-remove-file",
                &[("name", &a.original_name)],
            ),
            checked: draft.remove.contains(&a.attachment_id.to_string()),
        })
        .collect();
    let padded = ticket_id.padded();
    let (heading, action, is_ticket) = match target {
        Target::Ticket(t) => (
            tr(ctx.locale, "ticket-edit-title", &[("id", &padded)]),
            format!("/tickets/{t}/edit"),
            true,
        ),
        Target::Post(_, p) => (
            tr(ctx.locale, "ticket-edit-post-title", &[("id", &padded)]),
            format!("/posts/{p}/edit"),
            false,
        ),
    };
    let back_url = match target {
        Target::Ticket(t) => format!("/tickets/{t}"),
        Target::Post(_, p) => format!("/posts/{p}"),
    };
    let mut resp = render(
        ctx,
        state,
        &EditPage {
            ctx,
            heading,
            action,
            back_url,
            is_ticket,
            title: draft.title,
            body: draft.body,
            hours: draft.hours,
            priorities: forms::priorities(
                &catalog::priorities(&state.pool).await?,
                &draft.priority,
            ),
            statuses: forms::statuses(&catalog::statuses(&state.pool).await?, &draft.status),
            files,
            files_hint: forms::files_hint(ctx.locale, &settings),
            error,
            preview,
        },
    );
    *resp.status_mut() = status;
    Ok(resp)
}

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
    let back = format!("/tickets/{id}");
    if let Some(r) = refused(
        &state,
        jar,
        &back,
        rules::can_edit_ticket(&Actor::from(&user), &t.facts()),
    )? {
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
    page(
        &state,
        &ctx,
        Target::Ticket(id),
        draft,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

fn remove_ids(form: &FormData) -> Vec<Uuid> {
    form.all("remove")
        .into_iter()
        .filter_map(|r| Uuid::parse_str(r).ok())
        .collect()
}

/// Saves a ticket edit, or shows the form again with the reason.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %user.user_id), err)]
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
    let back = format!("/tickets/{id}");
    if let Some(r) = refused(
        &state,
        jar.clone(),
        &back,
        rules::can_edit_ticket(&actor, &facts),
    )? {
        return Ok(r);
    }
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refusal) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let target = Target::Ticket(id);
    if let Some(e) = refusal {
        let msg = forms::upload_message(ctx.locale, &e);
        return page(
            &state,
            &ctx,
            target,
            Draft::from_form(&form),
            Some(msg),
            None,
            e.status,
        )
        .await;
    }
    if form.get("action") == "preview" {
        let html = markdown::render(form.get("content"));
        let note = (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again"));
        return page(
            &state,
            &ctx,
            target,
            Draft::from_form(&form),
            note,
            Some(html),
            StatusCode::OK,
        )
        .await;
    }
    let parsed = (|| -> Result<EditTicketInput, ParseError> {
        Ok(EditTicketInput {
            title: Title::parse(form.get("title"))?,
            body: Body::parse(form.get("content"))?,
            priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
            hours: Hours::parse(form.get("hours"))?,
            remove: remove_ids(&form),
            files: form.files.attachments(),
            max_files: i64::from(settings.max_uploads_per_post),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(e) => {
            let msg = Some(ctx.t(e.key));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(
                &state,
                &ctx,
                target,
                Draft::from_form(&form),
                msg,
                None,
                status,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    match ops::edit_ticket(&mut tx, &actor, id, &input).await {
        Ok(changed) => {
            tx.commit().await?;
            form.files.keep();
            after_commit(&state, changed);
            Ok(redirect_flash(
                &state,
                jar,
                &back,
                "success",
                "ticket-edited",
            ))
        }
        Err(OpError::Invalid(key)) => {
            drop(tx);
            let msg = Some(ctx.t(key));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                &state,
                &ctx,
                target,
                Draft::from_form(&form),
                msg,
                None,
                status,
            )
            .await
        }
        Err(e) => op_failed(&state, jar, &back, e),
    }
}

/// Reads a reply, its ticket's facts and whether the user may edit it.
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

/// The reply edit form (its author or an admin, not while the ticket is closed).
pub async fn post_form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (post, decision) = post_target(&state, &Actor::from(&user), &id).await?;
    let back = format!("/posts/{}", post.post_id);
    if let Some(r) = refused(&state, jar, &back, decision)? {
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
    page(
        &state,
        &ctx,
        Target::Post(post.ticket_id, post.post_id),
        draft,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Saves a reply edit, or shows the form again with the reason.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %user.user_id), err)]
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
    let back = format!("/posts/{}", post.post_id);
    if let Some(r) = refused(&state, jar.clone(), &back, decision)? {
        return Ok(r);
    }
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refusal) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let target = Target::Post(post.ticket_id, post.post_id);
    if let Some(e) = refusal {
        let msg = forms::upload_message(ctx.locale, &e);
        return page(
            &state,
            &ctx,
            target,
            Draft::from_form(&form),
            Some(msg),
            None,
            e.status,
        )
        .await;
    }
    if form.get("action") == "preview" {
        let html = markdown::render(form.get("content"));
        let note = (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again"));
        return page(
            &state,
            &ctx,
            target,
            Draft::from_form(&form),
            note,
            Some(html),
            StatusCode::OK,
        )
        .await;
    }
    let parsed = (|| -> Result<EditPostInput, ParseError> {
        Ok(EditPostInput {
            body: Body::parse(form.get("content"))?,
            status_id: parse_choice(form.get("status_id"), "ticket-error-status")?,
            priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
            hours: Hours::parse(form.get("hours"))?,
            remove: remove_ids(&form),
            files: form.files.attachments(),
            max_files: i64::from(settings.max_uploads_per_post),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(e) => {
            let msg = Some(ctx.t(e.key));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(
                &state,
                &ctx,
                target,
                Draft::from_form(&form),
                msg,
                None,
                status,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    match ops::edit_post(&mut tx, &actor, post.post_id, &input).await {
        Ok((_, changed)) => {
            tx.commit().await?;
            form.files.keep();
            after_commit(&state, changed);
            Ok(redirect_flash(
                &state,
                jar,
                &back,
                "success",
                "ticket-post-edited",
            ))
        }
        Err(OpError::Invalid(key)) => {
            drop(tx);
            let msg = Some(ctx.t(key));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                &state,
                &ctx,
                target,
                Draft::from_form(&form),
                msg,
                None,
                status,
            )
            .await
        }
        Err(e) => op_failed(&state, jar, &back, e),
    }
}
