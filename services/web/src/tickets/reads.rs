//! Reads that the ticket pages and both APIs make alike.

use flicket_core::domain::{PostId, TicketId};
use flicket_core::permissions::tickets::TicketFacts;
use flicket_core::repo::posts::{self, PostState, PostView};
use flicket_core::repo::tickets;
use sqlx::PgPool;

/// A reply with the facts of its ticket (what the rules decide on); `None` when either is gone.
pub(crate) async fn post_with_facts(
    pool: &PgPool,
    id: PostId,
) -> sqlx::Result<Option<(PostState, TicketFacts)>> {
    let Some(post) = posts::get(pool, id).await? else {
        return Ok(None);
    };
    Ok(tickets::facts(pool, post.ticket_id)
        .await?
        .map(|facts| (post, facts)))
}

/// A reply of a ticket as its page lists it (with its author's name and its dates); `None` when it is not there.
pub(crate) async fn post_view(
    pool: &PgPool,
    ticket_id: TicketId,
    id: PostId,
) -> sqlx::Result<Option<PostView>> {
    let pos = posts::position(pool, ticket_id, id).await?;
    Ok(posts::page(pool, ticket_id, 1, pos)
        .await?
        .into_iter()
        .next())
}
