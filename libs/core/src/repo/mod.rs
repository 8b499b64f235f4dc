//! The repository layer: every SQL statement of the product, checked at compile time. Functions take a connection
//! or a transaction from the caller, who owns the transaction boundary.

pub mod deliveries;
#[cfg(feature = "test-support")]
pub mod fixtures;
pub mod login_attempts;
pub mod mail;
pub mod outbox;
pub mod sessions;
pub mod settings;
pub mod users;

/// Any PostgreSQL executor: a pool, a connection or a transaction.
pub trait Db<'c>: sqlx::PgExecutor<'c> {}
impl<'c, T: sqlx::PgExecutor<'c>> Db<'c> for T {}
