//! Raising a ticket.

use sqlx::PgConnection;

use super::{OpError, OpResult, record_at};
use crate::domain::{CategoryId, PriorityId, TicketId, Title};
use crate::markdown;
use crate::permissions::Actor;
use crate::permissions::tickets::can_create;
use crate::repo::attachments::{self, NewAttachment};
use crate::repo::tickets::{self, NewTicket};
use crate::repo::{catalog, subscriptions, ticket_users};
use crate::tickets::activity::ActivityKind;
use crate::tickets::{Body, Hours};

/// The create form, parsed.
pub struct NewTicketInput {
    /// Title.
    pub title: Title,
    /// Markdown body.
    pub body: Body,
    /// Priority.
    pub priority_id: PriorityId,
    /// Department/category.
    pub category_id: CategoryId,
    /// Hours.
    pub hours: Hours,
    /// Files already stored in the upload directory.
    pub files: Vec<NewAttachment>,
}

/// Raises a ticket: status Open, the creator subscribed, activity "opened", the creator's `total_posts` + 1, and the
/// category remembered for the creator's next ticket.
#[tracing::instrument(skip_all, fields(user.id = %actor.user_id), err(level = "debug"))]
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &NewTicketInput,
) -> OpResult<TicketId> {
    can_create(actor)?;
    if catalog::category(&mut *conn, input.category_id)
        .await?
        .is_none()
    {
        return Err(OpError::field("category_id", "ticket-error-category"));
    }
    if catalog::priority(&mut *conn, input.priority_id)
        .await?
        .is_none()
    {
        return Err(OpError::field("priority_id", "ticket-error-priority"));
    }
    let open = catalog::status_of_kind(&mut *conn, "open").await?;
    let html = markdown::render(input.body.as_str());
    let id = tickets::insert(
        conn,
        &NewTicket {
            title: input.title.as_str(),
            content: input.body.as_str(),
            content_html: &html,
            creator_id: actor.user_id,
            category_id: input.category_id,
            status_id: open.status_id,
            priority_id: input.priority_id,
            hours_cents: input.hours.cents(),
        },
    )
    .await?;
    for file in &input.files {
        attachments::insert(conn, id, None, actor.user_id, file).await?;
    }
    subscriptions::subscribe(conn, id, actor.user_id).await?;
    record_at(
        conn,
        id,
        None,
        ActivityKind::Opened,
        None,
        actor.user_id,
        None,
    )
    .await?;
    ticket_users::add_posts(conn, actor.user_id, 1).await?;
    ticket_users::set_last_category(conn, actor.user_id, input.category_id).await?;
    Ok(id)
}
