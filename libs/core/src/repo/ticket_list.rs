//! The ticket list: filters, scopes, the 22 sort keys, full-text search and pagination in one query, shared by the
//! page, the CSV export and the API.

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use sqlx::types::Decimal;

use super::Db;
use crate::domain::UserId;

/// Which tickets, relative to the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every ticket.
    #[default]
    All,
    /// Created by or assigned to the viewer.
    Mine,
    /// Created by the viewer.
    Created,
    /// Assigned to the viewer.
    Assigned,
    /// Followed by the viewer.
    Subscribed,
}

impl Scope {
    /// Parses `?scope=`; anything unknown is `All`.
    pub fn parse(s: &str) -> Self {
        match s {
            "mine" => Scope::Mine,
            "created" => Scope::Created,
            "assigned" => Scope::Assigned,
            "subscribed" => Scope::Subscribed,
            _ => Scope::All,
        }
    }

    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Mine => "mine",
            Scope::Created => "created",
            Scope::Assigned => "assigned",
            Scope::Subscribed => "subscribed",
        }
    }
}

/// The 22 sort keys of Flicket (each ascending and `_desc`), plus `relevance` for searches.
pub const SORT_KEYS: [&str; 22] = [
    "priority",
    "priority_desc",
    "ticketid",
    "ticketid_desc",
    "title",
    "title_desc",
    "addedby",
    "addedby_desc",
    "addedon",
    "addedon_desc",
    "last_updated",
    "last_updated_desc",
    "department_category",
    "department_category_desc",
    "status",
    "status_desc",
    "assigned",
    "assigned_desc",
    "replies",
    "replies_desc",
    "time",
    "time_desc",
];

/// The default order of the list (Flicket's).
pub const DEFAULT_SORT: &str = "priority_desc";

/// Whether `key` is a sort key (`relevance` included).
pub fn is_sort_key(key: &str) -> bool {
    key == "relevance" || SORT_KEYS.contains(&key)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Department id.
    pub department: Option<i64>,
    /// Category id.
    pub category: Option<i64>,
    /// Status id.
    pub status: Option<i64>,
    /// Priority id.
    pub priority: Option<i64>,
    /// Creator or assignee.
    pub user: Option<i64>,
    /// Assignee.
    pub assignee: Option<i64>,
    /// Creator.
    pub creator: Option<i64>,
    /// A `tsquery` built by [`crate::search::to_tsquery`].
    pub tsquery: Option<String>,
    /// Show closed tickets even without a status filter.
    pub include_closed: bool,
    /// Scope relative to the viewer.
    pub scope: Scope,
}

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

impl TicketFilter {
    /// Whether the filter only narrows by department, category, status, priority and the closed rule, so its count
    /// can be read from the per-category/status/priority counters.
    fn counted_by_keys(&self) -> bool {
        self.user.is_none()
            && self.assignee.is_none()
            && self.creator.is_none()
            && self.tsquery.is_none()
            && self.scope == Scope::All
    }
}

// One page of the list in one order. The inner query finds the page's ids from `tickets` alone (its indexes hold the
// order and the filtered columns, so the common orders are index-only scans that stop after the page); only those
// ids get their names (scalar subqueries: cheaper to plan than a seven-table join). Each order is its own statement
// so that PostgreSQL plans it with its index; `$joins` names the side tables that order needs.
macro_rules! list_rows {
    ($db:expr, $viewer:expr, $f:expr, $limit:expr, $offset:expr, $joins:literal, $order:literal) => {
        sqlx::query_as!(
            ListRow,
            r#"with page as materialized (
                   select t.ticket_id
                   from tickets t "# + $joins + r#"
                   where ($2::bigint is null
                          or t.category_id in (select dc.category_id from categories dc where dc.department_id = $2))
                     and ($3::bigint is null or t.category_id = $3)
                     and ($4::bigint is null or t.status_id = $4)
                     and ($5::bigint is null or t.creator_id = $5 or t.assignee_id = $5)
                     and ($6::bigint is null or t.assignee_id = $6)
                     and ($7::bigint is null or t.creator_id = $7)
                     and ($13::bigint is null or t.priority_id = $13)
                     and ($4::bigint is not null or $9 or not t.is_closed)
                     and ($10 <> 'mine' or t.creator_id = $1 or t.assignee_id = $1)
                     and ($10 <> 'created' or t.creator_id = $1)
                     and ($10 <> 'assigned' or t.assignee_id = $1)
                     and ($10 <> 'subscribed'
                          or exists (select 1 from subscriptions sub
                                     where sub.ticket_id = t.ticket_id and sub.user_id = $1))
                     and ($8::text is null
                          or t.ticket_id = any(array(
                              select ts.ticket_id from tickets ts
                              where ts.search @@ to_tsquery('simple', f_unaccent($8))
                              union
                              select po.ticket_id from posts po
                              where po.search @@ to_tsquery('simple', f_unaccent($8)))))
                   order by "# + $order + r#"
                   limit $11 offset $12
               )
               select t.ticket_id, t.title,
                      (select x.name from priorities x where x.priority_id = t.priority_id) as "priority!",
                      (select x.colour from priorities x where x.priority_id = t.priority_id) as "priority_colour!",
                      (select x.name from statuses x where x.status_id = t.status_id) as "status!",
                      (select x.kind from statuses x where x.status_id = t.status_id) as "status_kind!",
                      (select x.name from users x where x.user_id = t.creator_id) as "creator!",
                      (select x.name from users x where x.user_id = t.assignee_id) as "assignee?",
                      (select x.name from categories y join departments x on x.department_id = y.department_id
                       where y.category_id = t.category_id) as "department!",
                      (select x.name from categories x where x.category_id = t.category_id) as "category!",
                      t.created_at, t.last_activity_at, t.reply_count,
                      (t.hours + t.reply_hours) as "total_hours!"
               from page
               join tickets t on t.ticket_id = page.ticket_id "# + $joins + r#"
               order by "# + $order,
            $viewer.0,
            $f.department,
            $f.category,
            $f.status,
            $f.user,
            $f.assignee,
            $f.creator,
            $f.tsquery,
            $f.include_closed,
            $f.scope.as_str(),
            $limit,
            $offset,
            $f.priority
        )
        .fetch($db)
    };
}

/// The rows of the list in the order of `sort` (an unknown key falls back to the default; ties by id), from
/// `offset`, at most `limit`.
fn rows<'a, 'c: 'a>(
    db: impl Db<'c> + 'a,
    viewer: UserId,
    f: &'a TicketFilter,
    sort: &str,
    limit: i64,
    offset: i64,
) -> BoxStream<'a, sqlx::Result<ListRow>> {
    let sort = if is_sort_key(sort) {
        sort
    } else {
        DEFAULT_SORT
    };
    match sort {
        "relevance" => list_rows!(db, viewer, f, limit, offset, "",
            "ts_rank(t.search, to_tsquery('simple', f_unaccent(coalesce($8, '')))) desc, t.ticket_id").boxed(),
        "priority" => list_rows!(db, viewer, f, limit, offset, "", "t.priority_position, t.ticket_id").boxed(),
        "ticketid" => list_rows!(db, viewer, f, limit, offset, "", "t.ticket_id").boxed(),
        "ticketid_desc" => list_rows!(db, viewer, f, limit, offset, "", "t.ticket_id desc").boxed(),
        "title" => list_rows!(db, viewer, f, limit, offset, "", "lower(t.title), t.ticket_id").boxed(),
        "title_desc" => list_rows!(db, viewer, f, limit, offset, "", "lower(t.title) desc, t.ticket_id").boxed(),
        "addedby" => list_rows!(db, viewer, f, limit, offset, "join users cu on cu.user_id = t.creator_id",
            "lower(cu.name), t.ticket_id").boxed(),
        "addedby_desc" => list_rows!(db, viewer, f, limit, offset, "join users cu on cu.user_id = t.creator_id",
            "lower(cu.name) desc, t.ticket_id").boxed(),
        "addedon" => list_rows!(db, viewer, f, limit, offset, "", "t.created_at, t.ticket_id").boxed(),
        "addedon_desc" => list_rows!(db, viewer, f, limit, offset, "", "t.created_at desc, t.ticket_id").boxed(),
        "last_updated" => list_rows!(db, viewer, f, limit, offset, "", "t.last_activity_at, t.ticket_id").boxed(),
        "last_updated_desc" => list_rows!(db, viewer, f, limit, offset, "",
            "t.last_activity_at desc, t.ticket_id").boxed(),
        "department_category" => list_rows!(db, viewer, f, limit, offset,
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name), lower(c.name), t.ticket_id").boxed(),
        "department_category_desc" => list_rows!(db, viewer, f, limit, offset,
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name) desc, lower(c.name) desc, t.ticket_id").boxed(),
        "status" => list_rows!(db, viewer, f, limit, offset, "join statuses s on s.status_id = t.status_id",
            "s.position, t.ticket_id").boxed(),
        "status_desc" => list_rows!(db, viewer, f, limit, offset, "join statuses s on s.status_id = t.status_id",
            "s.position desc, t.ticket_id").boxed(),
        "assigned" => list_rows!(db, viewer, f, limit, offset, "left join users au on au.user_id = t.assignee_id",
            "lower(au.name) nulls first, t.ticket_id").boxed(),
        "assigned_desc" => list_rows!(db, viewer, f, limit, offset,
            "left join users au on au.user_id = t.assignee_id",
            "lower(au.name) desc nulls last, t.ticket_id").boxed(),
        "replies" => list_rows!(db, viewer, f, limit, offset, "", "t.reply_count, t.ticket_id").boxed(),
        "replies_desc" => list_rows!(db, viewer, f, limit, offset, "", "t.reply_count desc, t.ticket_id").boxed(),
        "time" => list_rows!(db, viewer, f, limit, offset, "", "t.hours + t.reply_hours, t.ticket_id").boxed(),
        "time_desc" => list_rows!(db, viewer, f, limit, offset, "",
            "t.hours + t.reply_hours desc, t.ticket_id").boxed(),
        _ => list_rows!(db, viewer, f, limit, offset, "", "t.priority_position desc, t.ticket_id").boxed(),
    }
}

/// One page of the list, in the order of `sort` (an unknown key falls back to the default), ties by id.
#[tracing::instrument(skip_all, err)]
pub async fn page<'c>(
    db: impl Db<'c>,
    viewer: UserId,
    filter: &TicketFilter,
    sort: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ListRow>> {
    rows(db, viewer, filter, sort, limit, offset)
        .try_collect()
        .await
}

/// Every matching row up to `limit`, streamed (for the CSV export: constant memory, stops when dropped).
pub fn stream<'a>(
    pool: &'a sqlx::PgPool,
    viewer: UserId,
    filter: &'a TicketFilter,
    sort: &'a str,
    limit: i64,
) -> impl Stream<Item = sqlx::Result<ListRow>> + 'a {
    rows(pool, viewer, filter, sort, limit, 0)
}

/// How many tickets match `filter`. A filter on departments, categories, statuses and priorities only (the list as
/// most people open it) is answered from the counters; one on people, scopes or text counts the matching tickets.
#[tracing::instrument(skip_all, err)]
pub async fn count<'c>(db: impl Db<'c>, viewer: UserId, f: &TicketFilter) -> sqlx::Result<i64> {
    if f.counted_by_keys() {
        return sqlx::query_scalar!(
            r#"select coalesce(sum(k.tickets), 0)::bigint as "n!"
               from ticket_counts k
               join categories c on c.category_id = k.category_id
               join statuses s on s.status_id = k.status_id
               where ($1::bigint is null or c.department_id = $1)
                 and ($2::bigint is null or k.category_id = $2)
                 and ($3::bigint is null or k.status_id = $3)
                 and ($4::bigint is null or k.priority_id = $4)
                 and ($3::bigint is not null or $5 or s.kind <> 'closed')"#,
            f.department,
            f.category,
            f.status,
            f.priority,
            f.include_closed
        )
        .fetch_one(db)
        .await;
    }
    sqlx::query_scalar!(
        r#"select count(*) as "n!"
           from tickets t
           where ($2::bigint is null
                  or t.category_id in (select dc.category_id from categories dc where dc.department_id = $2))
             and ($3::bigint is null or t.category_id = $3)
             and ($4::bigint is null or t.status_id = $4)
             and ($5::bigint is null or t.creator_id = $5 or t.assignee_id = $5)
             and ($6::bigint is null or t.assignee_id = $6)
             and ($7::bigint is null or t.creator_id = $7)
             and ($11::bigint is null or t.priority_id = $11)
             and ($4::bigint is not null or $9 or not t.is_closed)
             and ($10 <> 'mine' or t.creator_id = $1 or t.assignee_id = $1)
             and ($10 <> 'created' or t.creator_id = $1)
             and ($10 <> 'assigned' or t.assignee_id = $1)
             and ($10 <> 'subscribed'
                  or exists (select 1 from subscriptions sub where sub.ticket_id = t.ticket_id and sub.user_id = $1))
             and ($8::text is null
                  or t.ticket_id = any(array(
                      select ts.ticket_id from tickets ts where ts.search @@ to_tsquery('simple', f_unaccent($8))
                      union
                      select po.ticket_id from posts po where po.search @@ to_tsquery('simple', f_unaccent($8)))))"#,
        viewer.0,
        f.department,
        f.category,
        f.status,
        f.user,
        f.assignee,
        f.creator,
        f.tsquery,
        f.include_closed,
        f.scope.as_str(),
        f.priority
    )
    .fetch_one(db)
    .await
}

/// A choice in a filter.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// For categories: the department's id.
    pub parent: Option<i64>,
}

/// Departments, categories and statuses for the filter form.
pub async fn filter_choices(
    pool: &sqlx::PgPool,
) -> sqlx::Result<(Vec<Choice>, Vec<Choice>, Vec<Choice>)> {
    let departments = sqlx::query_as!(
        Choice,
        r#"select department_id as id, name, null::bigint as parent from departments order by lower(name)"#
    )
    .fetch_all(pool)
    .await?;
    let categories = sqlx::query_as!(
        Choice,
        r#"select c.category_id as id, d.name || ' / ' || c.name as "name!", c.department_id as "parent?"
           from categories c join departments d using (department_id)
           order by lower(d.name), lower(c.name)"#
    )
    .fetch_all(pool)
    .await?;
    let statuses = sqlx::query_as!(
        Choice,
        r#"select status_id as id, name, null::bigint as parent from statuses order by position, status_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok((departments, categories, statuses))
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

/// The sort order the user chose last, if any.
pub async fn saved_sort<'c>(db: impl Db<'c>, user: UserId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("select ticket_sort from users where user_id = $1", user.0)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
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

/// Ticket counts per department and status, for the dashboard charts.
#[derive(Debug, Clone)]
pub struct DepartmentStatusCount {
    /// Department.
    pub department: String,
    /// Status name.
    pub status: String,
    /// Status colour.
    pub colour: String,
    /// Tickets.
    pub count: i64,
}

/// Counts of tickets per department and status (departments without tickets are left out).
pub async fn counts_by_department<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<DepartmentStatusCount>> {
    sqlx::query_as!(
        DepartmentStatusCount,
        r#"select d.name as department, s.name as status, s.colour, sum(k.tickets)::bigint as "count!"
           from ticket_counts k
           join categories c on c.category_id = k.category_id
           join departments d on d.department_id = c.department_id
           join statuses s on s.status_id = k.status_id
           group by d.name, s.name, s.colour, s.position
           having sum(k.tickets) > 0
           order by lower(d.name), s.position"#
    )
    .fetch_all(db)
    .await
}

/// The ids of the built-in `open` status and `high` priority (for the dashboard).
pub async fn open_and_high_ids<'c>(db: impl Db<'c>) -> sqlx::Result<(Option<i64>, Option<i64>)> {
    let row = sqlx::query!(
        r#"select (select status_id from statuses where kind = 'open') as "open?",
                  (select priority_id from priorities where kind = 'high') as "high?""#
    )
    .fetch_one(db)
    .await?;
    Ok((row.open, row.high))
}
