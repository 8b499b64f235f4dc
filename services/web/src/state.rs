//! State shared by every request.

use std::sync::Arc;

use flicket_core::Config;
use sqlx::PgPool;

/// Cloned into every handler (cheap: everything is behind `Arc` or is a pool handle).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub pool: PgPool,
    /// The configuration.
    pub config: Arc<Config>,
    /// Cookie settings derived from the base URL.
    pub cookies: Arc<crate::auth::cookies::CookieSettings>,
    /// Pushes committed outbox rows to the mailer's queue.
    pub relay: crate::relay::Relay,
    /// Password-reset requests, handled after the answer.
    pub reset_requests: crate::reset_queue::ResetRequests,
    /// NATS, for best-effort events (`flicket.config.changed`); connects and reconnects in the background.
    pub nats: async_nats::Client,
    /// The ticket list's reference names, kept while they do not change.
    pub catalog: Arc<flicket_core::repo::ticket_list::CatalogCache>,
}
