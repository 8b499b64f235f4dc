//! The work behind `POST /password-reset`, done after the answer: looking the address up, the hourly cap, and the
//! link's two inserts (reset row, outbox row) happen in a background task, so the answer is the same, after the same
//! work, whether or not the address belongs to someone (no timing difference to measure).
//!
//! Requests go through a bounded channel to one task that handles them in order. If the channel is full (a flood of
//! requests), the request is dropped and logged: the person sees the usual answer and can ask again; nothing else
//! depends on it.

use std::sync::Arc;

use flicket_core::Config;
use flicket_core::domain::Email;
use flicket_core::ops::account::{Requested, request_reset};
use sqlx::PgPool;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::relay::Relay;

/// Requests waiting for the background task; beyond this they are dropped.
const CAPACITY: usize = 256;

struct Request {
    email: Email,
    span: tracing::Span,
}

/// The queue of reset requests typed on the form.
#[derive(Clone)]
pub struct ResetRequests {
    tx: mpsc::Sender<Request>,
}

impl ResetRequests {
    /// Starts the background task that issues links in `pool` (the token encrypted with the configured secret key) and
    /// hands them to `relay`.
    pub fn start(pool: PgPool, config: Arc<Config>, relay: Relay) -> Self {
        let (tx, rx) = mpsc::channel(CAPACITY);
        tokio::spawn(work(pool, config, relay, rx));
        Self { tx }
    }

    /// Queues a request without waiting for it (never fails the request that submits it).
    pub fn submit(&self, email: Email) {
        // A child of the request's span: the email joins the trace of the request that asked for it.
        let span = tracing::info_span!("password_reset.request");
        if self.tx.try_send(Request { email, span }).is_err() {
            metrics::counter!("password_reset_requests_dropped_total").increment(1);
            tracing::warn!("password reset queue full; request dropped");
        }
    }
}

async fn work(pool: PgPool, config: Arc<Config>, relay: Relay, mut rx: mpsc::Receiver<Request>) {
    while let Some(Request { email, span }) = rx.recv().await {
        let done = request_reset(&pool, config.secret_key_bytes(), &email)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        match done {
            Ok(Requested::Issued(outbox_id)) => relay.after_commit(outbox_id.into_iter().collect()),
            Ok(Requested::Capped | Requested::NoAccount) => {}
            Err(e) => tracing::error!(error = %e, "password reset request failed"),
        }
    }
}
