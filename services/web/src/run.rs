//! The one transaction runner of every adapter (pages, `/api/v1`, `/flicket-api/`): begin → operation → commit →
//! after-commit work (outbox rows to the relay, removed files to delete).

use flicket_core::ops::{Committed, OpResult};
use sqlx::PgConnection;

use crate::state::AppState;

/// Runs an operation in its own transaction and commits it; the outbox rows it wrote are relayed and the files it
/// removed deleted once it has committed. On error nothing is committed.
pub async fn run<T: Committed>(
    state: &AppState,
    op: impl for<'c> AsyncFnOnce(&'c mut PgConnection) -> OpResult<T>,
) -> OpResult<T> {
    let mut tx = state.pool.begin().await?;
    let mut out = op(&mut tx).await?;
    tx.commit().await?;
    after_commit(state, &mut out);
    Ok(out)
}

/// After commit: pushes the outbox rows and removes the files of deleted attachments.
pub fn after_commit(state: &AppState, out: &mut impl Committed) {
    let changed = out.take_changed();
    state.relay.after_commit(changed.outbox_ids);
    crate::stored_files::remove_stored(state, changed.removed_files);
}
