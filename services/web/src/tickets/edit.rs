//! `GET|POST /tickets/{id}/edit` and `GET|POST /posts/{id}/edit`: editing a ticket body or a reply, with its
//! attachments (removable by checkbox). The previous text goes to the edit history.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::Response;
use flicket_core::domain::{ParseError, PostId, TicketId, Title};
use flicket_core::ops::Changed;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, Decision, Refusal};
use flicket_core::repo::catalog::TicketSettings;
use flicket_core::repo::posts::PostState;
use flicket_core::repo::tickets;
use flicket_core::tickets::ops::{self, EditPostInput, EditTicketInput, OpResult};
use flicket_core::tickets::{Body, Hours};
use sqlx::PgConnection;
use uuid::Uuid;

use super::edit_page::{Draft, Target, page};
use super::forms::parse_choice;
use super::reads::post_with_facts;
use super::submit::{Shown, TicketForm, submit};
use super::uploads::FormData;
use super::{Visit, redirect_flash};
use crate::error::AppError;
use crate::extract::Id;

/// Where the form is, whether the user may edit there, and the reply edited.
struct Editing {
    target: Target,
    decision: Decision,
    post: Option<PostState>,
}

impl Editing {
    /// The ticket body (its creator or an admin, not while closed).
    async fn ticket(v: &Visit, id: TicketId) -> Result<Self, AppError> {
        let facts = tickets::facts(&v.state.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            target: Target::Ticket(id),
            decision: rules::can_edit_ticket(&v.actor(), &facts),
            post: None,
        })
    }

    /// A reply (its author or an admin, not while the ticket is closed).
    async fn post(v: &Visit, id: PostId) -> Result<Self, AppError> {
        let (post, facts) = post_with_facts(&v.state.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            target: Target::Post(post.ticket_id, post.post_id),
            decision: rules::can_edit_post(&v.actor(), post.author_id, &facts),
            post: Some(post),
        })
    }

    /// The answer when the user may not edit: 403, or back to the ticket with the reason.
    fn refused(&self, v: &Visit) -> Result<Option<Response>, AppError> {
        match self.decision {
            Ok(()) => Ok(None),
            Err(Refusal::Forbidden) => Err(AppError::Forbidden),
            Err(Refusal::Conflict(key)) => {
                let (back, jar) = (self.target.back_url(), v.jar.clone());
                Ok(Some(redirect_flash(&v.state, jar, &back, "warning", key)))
            }
        }
    }

    /// The form with the stored values.
    async fn show_stored(self, v: &Visit) -> Result<Response, AppError> {
        if let Some(refused) = self.refused(v)? {
            return Ok(refused);
        }
        let ticket_id = match self.target {
            Target::Ticket(t) | Target::Post(t, _) => t,
        };
        let t = tickets::view(&v.state.pool, ticket_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (title, body, hours_cents) = match self.post {
            None => (t.title, t.content, t.hours_cents),
            Some(p) => (String::new(), p.content, p.hours_cents),
        };
        let draft = Draft {
            title,
            body,
            hours: Hours::from_cents(hours_cents).display(),
            priority: t.priority_id.to_string(),
            status: t.status_id.to_string(),
            remove: vec![],
        };
        page(&v.state, &v.ctx, self.target, draft, Shown::fresh()).await
    }

    /// Saves the edit, or shows the form again with the reason. The permission is checked before the upload is read,
    /// so that a refused person stores nothing.
    async fn save(self, v: Visit, multipart: Sent) -> Result<Response, AppError> {
        if let Some(refused) = self.refused(&v)? {
            return Ok(refused);
        }
        submit(&self.target, v, multipart).await
    }
}

/// A sent multipart form.
type Sent = Result<Multipart, MultipartRejection>;

/// The ticket edit form.
pub async fn ticket_form(v: Visit, Id(id): Id<TicketId>) -> Result<Response, AppError> {
    Editing::ticket(&v, id).await?.show_stored(&v).await
}

/// The reply edit form.
pub async fn post_form(v: Visit, Id(id): Id<PostId>) -> Result<Response, AppError> {
    Editing::post(&v, id).await?.show_stored(&v).await
}

/// Saves a ticket edit.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %v.user.user_id))]
pub async fn ticket_submit(
    v: Visit,
    Id(id): Id<TicketId>,
    sent: Sent,
) -> Result<Response, AppError> {
    Editing::ticket(&v, id).await?.save(v, sent).await
}

/// Saves a reply edit.
#[tracing::instrument(skip_all, fields(post.id = %id, user.id = %v.user.user_id))]
pub async fn post_submit(v: Visit, Id(id): Id<PostId>, sent: Sent) -> Result<Response, AppError> {
    Editing::post(&v, id).await?.save(v, sent).await
}

/// The parsed edit of a ticket body or of a reply.
pub(super) enum EditInput {
    Ticket(TicketId, EditTicketInput),
    Post(PostId, EditPostInput),
}

impl TicketForm for Target {
    type Input = EditInput;
    type Done = Changed;

    fn parse(&self, form: &FormData, settings: &TicketSettings) -> Result<EditInput, ParseError> {
        let title = match self {
            Target::Ticket(_) => Some(Title::parse(form.get("title"))?),
            Target::Post(..) => None,
        };
        let body = Body::parse(form.get("content"))?;
        let status = match self {
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
        let max_files = i64::from(settings.max_uploads_per_post);
        Ok(match (*self, title, status) {
            (Target::Ticket(id), Some(title), _) => EditInput::Ticket(
                id,
                EditTicketInput {
                    title,
                    body,
                    priority_id,
                    hours,
                    remove,
                    files,
                    max_files,
                },
            ),
            (Target::Post(_, id), _, Some(status_id)) => EditInput::Post(
                id,
                EditPostInput {
                    body,
                    status_id,
                    priority_id,
                    hours,
                    remove,
                    files,
                    max_files,
                },
            ),
            _ => {
                return Err(ParseError {
                    key: "ticket-error-bad-form",
                });
            }
        })
    }

    async fn change(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        input: &EditInput,
    ) -> OpResult<Changed> {
        match input {
            EditInput::Ticket(id, i) => ops::edit_ticket(conn, actor, *id, i).await,
            EditInput::Post(id, i) => ops::edit_post(conn, actor, *id, i).await.map(|(_, c)| c),
        }
    }

    fn done(&self, _: &Changed, input: &EditInput) -> (String, &'static str) {
        let key = match input {
            EditInput::Ticket(..) => "ticket-edited",
            EditInput::Post(..) => "ticket-post-edited",
        };
        (self.back_url(), key)
    }

    fn back(&self) -> String {
        self.back_url()
    }

    async fn show(&self, v: &Visit, form: &FormData, shown: Shown) -> Result<Response, AppError> {
        page(&v.state, &v.ctx, *self, Draft::from_form(form), shown).await
    }
}
