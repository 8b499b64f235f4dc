//! The ticket list: filters, scopes, the 22 sort keys, full-text search and pagination in one query, shared by the
//! page, the CSV export and the API.
//!
//! - `filter`: what to list, and the statements' filter in SQL, written once;
//! - `statements`: the shapes of the list statement (the plain list, a search by relevance or in another order, a
//!   page of ranked ids, the count), each written once;
//! - `sort`: the sort keys and the statement of each order;
//! - `page`: a page and its total, the dashboard's rows, the CSV export's stream, the count;
//! - `postings`: a search by relevance ranked here from the search postings;
//! - `catalog`: the names of departments, categories, statuses and priorities, and the counters.

use chrono::{DateTime, Utc};
use sqlx::types::Decimal;

use super::Db;
use crate::domain::UserId;

mod catalog;
mod filter;
mod page;
mod postings;
mod sort;
mod statements;

pub use catalog::{Catalog, CatalogCache, Choice, DepartmentStatusCount, catalog};
pub use filter::{Scope, TicketFilter};
pub use page::{Page, count, page, read_transaction, rows, stream};
pub use postings::{RANK_POSTINGS_MAX_ENTRIES, Ranked, rank_postings};
pub use sort::{DEFAULT_SORT, SORT_KEYS, is_sort_key};

/// One row of the list.
#[derive(Debug, Clone)]
pub struct ListRow {
    /// Id.
    pub ticket_id: i64,
    /// Title.
    pub title: String,
    /// Priority name.
    pub priority: String,
    /// Priority colour (`#rrggbb`).
    pub priority_colour: String,
    /// Status name.
    pub status: String,
    /// Status kind (`closed` greys the row).
    pub status_kind: String,
    /// Creator's display name.
    pub creator: String,
    /// Assignee's display name.
    pub assignee: Option<String>,
    /// Department name.
    pub department: String,
    /// Category name.
    pub category: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last reply, action or edit.
    pub last_activity_at: DateTime<Utc>,
    /// Replies.
    pub reply_count: i32,
    /// Ticket hours plus reply hours.
    pub total_hours: Decimal,
}

/// A row as the list statement returns it: the small reference tables (priorities, statuses, categories and
/// departments) as ids, named from the [`Catalog`] read in the same request.
struct RawRow {
    ticket_id: i64,
    title: String,
    priority_id: i64,
    status_id: i64,
    category_id: i64,
    creator: String,
    assignee: Option<String>,
    created_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    reply_count: i32,
    total_hours: Decimal,
    /// Every matching ticket, counted in the same pass (searches only).
    total: Option<i64>,
}

/// A user's id from a user name typed in the filter (case-insensitive).
pub async fn user_id_by_username<'c>(db: impl Db<'c>, username: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "select user_id from users where lower(username) = lower($1)",
        username
    )
    .fetch_optional(db)
    .await
}

/// Remembers the user's sort order.
pub async fn save_sort<'c>(db: impl Db<'c>, user: UserId, sort: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set ticket_sort = $2 where user_id = $1 and ticket_sort is distinct from $2",
        user.0,
        sort
    )
    .execute(db)
    .await?;
    Ok(())
}
