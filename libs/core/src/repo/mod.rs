//! The repository layer: every SQL statement of the product, checked at compile time. Functions take a connection
//! or a transaction from the caller, who owns the transaction boundary.

pub mod activities;
pub mod api_tokens;
pub mod attachments;
pub mod catalog;
pub mod digests;
pub mod housekeeping;
pub mod login_attempts;
pub mod outbox;
pub mod posts;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod subscriptions;
pub mod ticket_history;
pub mod ticket_list;
pub mod ticket_users;
pub mod tickets;
pub mod users;

/// Any PostgreSQL executor: a pool, a connection or a transaction.
pub trait Db<'c>: sqlx::PgExecutor<'c> {}
impl<'c, T: sqlx::PgExecutor<'c>> Db<'c> for T {}
