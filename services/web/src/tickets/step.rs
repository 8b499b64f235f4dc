//! The workflow changes of a ticket as the page's buttons and the API's `POST`s both name them.

use flicket_core::domain::TicketId;
use flicket_core::permissions::Actor;
use flicket_core::tickets::ops::{self, OpResult};
use sqlx::PgConnection;

/// Claim, release, close, reopen, or assign to a user (by user name).
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Claim,
    Release,
    Close,
    Reopen,
    Assign(String),
}

impl Step {
    /// Makes the change; returns the outbox rows it wrote.
    pub(crate) async fn apply(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        id: TicketId,
    ) -> OpResult<Vec<i64>> {
        match self {
            Step::Claim => ops::claim(conn, actor, id).await,
            Step::Release => ops::release(conn, actor, id).await,
            Step::Close => ops::close(conn, actor, id).await,
            Step::Reopen => ops::reopen(conn, actor, id).await,
            Step::Assign(username) => ops::assign(conn, actor, id, username).await,
        }
    }

    /// The page's message once it is done.
    pub(crate) fn done(&self) -> &'static str {
        match self {
            Step::Claim => "ticket-claimed",
            Step::Release => "ticket-released",
            Step::Close => "ticket-closed",
            Step::Reopen => "ticket-reopened",
            Step::Assign(_) => "ticket-assigned-done",
        }
    }
}
