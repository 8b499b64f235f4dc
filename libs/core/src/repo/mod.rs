//! The repository layer: every SQL statement of the product, checked at compile time. Functions take a connection
//! or a transaction from the caller, who owns the transaction boundary.

pub mod activities;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod catalog;
pub mod catalog_admin;
pub mod compat;
pub mod deliveries;
pub mod digests;
#[cfg(feature = "test-support")]
pub mod fixtures;
pub mod groups;
pub mod housekeeping;
pub mod import;
pub mod installation;
pub mod login_attempts;
pub mod mail;
pub mod outbox;
pub mod password_resets;
pub mod posts;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod subscriptions;
pub mod ticket_history;
pub mod ticket_list;
pub mod ticket_users;
pub mod tickets;
pub mod user_admin;
pub mod users;

/// Any PostgreSQL executor: a pool, a connection or a transaction.
pub trait Db<'c>: sqlx::PgExecutor<'c> {}
impl<'c, T: sqlx::PgExecutor<'c>> Db<'c> for T {}

/// Whether an error is a foreign-key violation (SQLSTATE 23503): the row is still in use, or its parent is gone.
pub fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.code().as_deref() == Some("23503"))
}

/// `text` for a `LIKE` pattern: `%`, `_` and `\` taken literally.
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A `LIKE` pattern that matches `text` anywhere, with `%`, `_` and `\` in the text taken literally.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", like_literal(text))
}

/// A `LIKE` pattern that matches what starts with `text`, with `%`, `_` and `\` in the text taken literally.
pub fn prefix_pattern(text: &str) -> String {
    format!("{}%", like_literal(text))
}
