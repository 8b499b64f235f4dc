//! The edit form of a ticket body or a reply, shown empty, again with a message, or with a preview.

use askama::Template;
use axum::response::Response;
use flicket_core::domain::{PostId, TicketId};
use flicket_core::repo::{attachments, catalog};

use super::forms::{self, SelectOption};
use super::submit::Shown;
use super::tr;
use super::uploads::FormData;
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
pub struct Draft {
    pub title: String,
    pub body: String,
    pub hours: String,
    pub priority: String,
    pub status: String,
    pub remove: Vec<String>,
}

impl Draft {
    /// The values of a submitted form.
    pub fn from_form(form: &FormData) -> Self {
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
pub enum Target {
    Ticket(TicketId),
    Post(TicketId, PostId),
}

impl Target {
    /// The page to go back to.
    pub fn back_url(self) -> String {
        match self {
            Target::Ticket(t) => format!("/tickets/{t}"),
            Target::Post(_, p) => format!("/posts/{p}"),
        }
    }
}

/// Renders the form.
pub async fn page(
    state: &AppState,
    ctx: &PageCtx,
    target: Target,
    draft: Draft,
    shown: Shown,
) -> Result<Response, AppError> {
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (ticket_id, post_id) = match target {
        Target::Ticket(t) => (t, None),
        Target::Post(t, p) => (t, Some(p)),
    };
    let files = attachments::for_ticket(&state.pool, ticket_id)
        .await?
        .into_iter()
        .filter(|a| a.post_id == post_id)
        .map(|a| RemovableFile {
            id: a.attachment_id.to_string(),
            url: format!("/attachments/{}", a.attachment_id),
            label: tr(
                ctx.locale,
                "ticket-remove-file",
                &[("name", &a.original_name)],
            ),
            checked: draft.remove.contains(&a.attachment_id.to_string()),
            name: a.original_name,
        })
        .collect();
    let padded = ticket_id.padded();
    let (heading, action) = match target {
        Target::Ticket(t) => (
            tr(ctx.locale, "ticket-edit-title", &[("id", &padded)]),
            format!("/tickets/{t}/edit"),
        ),
        Target::Post(_, p) => (
            tr(ctx.locale, "ticket-edit-post-title", &[("id", &padded)]),
            format!("/posts/{p}/edit"),
        ),
    };
    let mut resp = render(
        ctx,
        state,
        &EditPage {
            ctx,
            heading,
            action,
            back_url: target.back_url(),
            is_ticket: matches!(target, Target::Ticket(_)),
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
            error: shown.error,
            preview: shown.preview,
        },
    );
    *resp.status_mut() = shown.status;
    Ok(resp)
}
