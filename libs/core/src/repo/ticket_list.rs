//! The ticket list: filters, scopes, the 22 sort keys, full-text search and pagination in one query, shared by the
//! page, the CSV export and the API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

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
    /// The same search for the search postings, when they can answer it ([`crate::search::to_terms`]): a search by
    /// relevance then reads them instead of the full-text index.
    pub terms: Option<crate::search::Terms>,
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
    /// Whether the filter narrows by nothing but the text and the closed rule (no status filter, which also decides
    /// the closed rule, and the scope "all"): a search by relevance is then ranked from the postings alone
    /// ([`rank_postings`]).
    fn text_only(&self) -> bool {
        self.department.is_none()
            && self.category.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.no_people_nor_scope()
    }

    /// Whether the filter names no person and keeps the scope "all".
    fn no_people_nor_scope(&self) -> bool {
        self.user.is_none()
            && self.assignee.is_none()
            && self.creator.is_none()
            && self.scope == Scope::All
    }

    /// Whether the filter only narrows by department, category, status, priority and the closed rule, so its count
    /// can be read from the per-category/status/priority counters.
    fn counted_by_keys(&self) -> bool {
        self.tsquery.is_none() && self.no_people_nor_scope()
    }
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

// One page of the list in one order, in one of three shapes (and its total, a fourth).
//
// The plain list: the inner query finds the page's ids from `tickets` alone (its indexes hold the order and the
// filtered columns, so the common orders are index-only scans that stop after the page); only those ids get their
// people's names (primary-key lookups); priorities, statuses, categories and departments come back as ids and are
// named from the catalog. It does not count: that would walk the whole index instead of stopping after the page.
//
// A search: every match must be read anyway (to rank or sort it), so one pass over the matches counts them too.
// By relevance (`ranked`) only ids and ranks are kept and the page comes from a top-N sort; in another order
// (`search`) the ids of the whole order are gathered into an array (`array_agg(… order by …)`) whose page slice is
// joined back to `tickets`. Both are a third cheaper than `count(*) over ()` beside a top-N sort at 100k tickets:
// the window buffered every match's whole row before the sort could start.
//
// Each order is its own statement so that PostgreSQL plans it with its index; `$joins` names the side tables that
// order needs. The filters (`$where`) are the same text in every shape, `count` included.
macro_rules! list_statement {
    // The parameters, and the list's filters and scope (`$1` the viewer, `$2`… the filter), the same in every shape.
    ($shape:ident, $db:expr, $viewer:expr, $f:expr, $limit:expr, $offset:expr, $joins:literal, $order:literal
     $(, $extra:expr)*) => {
        list_statement!(@ $shape, $db,
            [$viewer.0, $f.department, $f.category, $f.status, $f.user, $f.assignee, $f.creator, $f.tsquery,
             $f.include_closed, $f.scope.as_str(), $limit, $offset, $f.priority $(, $extra)*],
            $joins, $order,
            r#"
                   where ($2::bigint is null
                          or t.category_id in (select dc.category_id from categories dc where dc.department_id = $2))
                     and ($3::bigint is null or t.category_id = $3)
                     and ($4::bigint is null or t.status_id = $4)
                     and ($5::bigint is null or t.creator_id = $5 or t.assignee_id = $5)
                     and ($6::bigint is null or t.assignee_id = $6)
                     and ($7::bigint is null or t.creator_id = $7)
                     and ($13::bigint is null or t.priority_id = $13)
                     and ($10 <> 'mine' or t.creator_id = $1 or t.assignee_id = $1)
                     and ($10 <> 'created' or t.creator_id = $1)
                     and ($10 <> 'assigned' or t.assignee_id = $1)
                     and ($10 <> 'subscribed'
                          or exists (select 1 from subscriptions sub
                                     where sub.ticket_id = t.ticket_id and sub.user_id = $1))"#,
            // The closed rule: closed tickets only with a status filter or "include closed".
            r#"
                     and ($4::bigint is not null or $9 or not t.is_closed)"#,
            // A search's condition. It names the open and the closed case apart, so that PostgreSQL uses the partial
            // GIN index of open tickets alone, or ORs it with the closed one's when closed tickets are asked for.
            r#"
                     and ((t.search @@ to_tsquery('simple', f_unaccent($8)) and not t.is_closed)
                          or (t.search @@ to_tsquery('simple', f_unaccent($8)) and t.is_closed
                              and ($4::bigint is not null or $9)))"#,
            // The page's columns, the same in every shape.
            r#"select t.ticket_id, t.title, t.priority_id, t.status_id, t.category_id,
                      (select x.name from users x where x.user_id = t.creator_id) as "creator!",
                      (select x.name from users x where x.user_id = t.assignee_id) as "assignee?",
                      t.created_at, t.last_activity_at, t.reply_count,
                      (t.hours + t.reply_hours) as "total_hours!","#,
            // A search by relevance: the page of `matches` (ids and ranks), counted, then its rows.
            r#",
               page as materialized (
                   select m.ticket_id, m.rank, (select count(*) from matches) as total
                   from matches m
                   order by m.rank desc, m.ticket_id
                   limit $11 offset $12
               )
               "#,
            r#"
                      page.total as "total?"
               from page
               join tickets t on t.ticket_id = page.ticket_id
               order by page.rank desc, t.ticket_id"#)
    };
    (@ plain, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_as!(
            RawRow,
            r#"with page as materialized (
                   select t.ticket_id
                   from tickets t "# + $joins + $where + $closed + r#"
                     and $8::text is null
                   order by "# + $order + r#"
                   limit $11 offset $12
               )
               "# + $columns + r#"
                      null::bigint as "total?"
               from page
               join tickets t on t.ticket_id = page.ticket_id "# + $joins + r#"
               order by "# + $order,
            $($arg),*
        )
        .fetch($db)
        .boxed()
    };
    // A search by relevance, the usual one: the matches' ids and ranks only are kept (narrow rows), counted, and
    // the page taken from them by a top-N sort; at 100k tickets ~15 % cheaper than gathering the whole order into
    // an array as the other orders do, which must carry their sort keys.
    (@ ranked, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_as!(
            RawRow,
            r#"with matches as materialized (
                   select t.ticket_id, ts_rank(t.search, to_tsquery('simple', f_unaccent($8))) as rank
                   from tickets t "# + $where + $closed + $text + r#"
               )"# + $ranked_page + $columns + $ranked_rows,
            $($arg),*
        )
        .fetch($db)
        .boxed()
    };
    // A search by relevance from the search postings (`$14`… the words of `crate::search::Terms`): each word's
    // entries are read from the postings' index alone (a prefix is a range of words), summed per ticket into its
    // rank and the mask of the words it has; a ticket matches when one alternative's needed words are all there and
    // its excluded ones absent. One materialized step, not two: at 100k tickets a separate step for the sums took
    // half again as long. The closed rule is read from the postings too, so without other filters `tickets`
    // (joined for them) is not read at all: PostgreSQL removes the join when the plan for these values needs none
    // of its columns. Only the page's rows are then read from `tickets`.
    (@ postings, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_as!(
            RawRow,
            r#"with matches as materialized (
                   select h.ticket_id, h.rank
                   from (select s.ticket_id,
                                sum(s.score) filter (where not q.negated) as rank,
                                bit_or(1::bigint << (q.n - 1)::int) as mask
                         from unnest($14::text[], $15::bool[], $16::bool[])
                              with ordinality as q(word, prefix, negated, n)
                         cross join lateral (select lower(f_unaccent(q.word)) collate "C" as lexeme) w
                         join search_terms s
                           on s.lexeme >= w.lexeme
                          and s.lexeme < w.lexeme || case when q.prefix then chr(1114111) else chr(1) end
                         -- `$8` (the same search as a tsquery) is not read here, but every parameter must
                         -- appear for PostgreSQL to type it.
                         where (not s.is_closed or $4::bigint is not null or $9) and $8::text is not null
                         group by s.ticket_id) h
                   left join tickets t on t.ticket_id = h.ticket_id "# + $where + r#"
                     -- One alternative (no `or`, the usual case) is tested without a subquery per ticket.
                     and ((cardinality($17::bigint[]) = 1
                           and h.mask & ($17::bigint[])[1] = ($17::bigint[])[1] and h.mask & ($18::bigint[])[1] = 0)
                          or (cardinality($17::bigint[]) > 1
                              and exists (select 1 from unnest($17::bigint[], $18::bigint[]) as alt(need, forbid)
                                          where h.mask & alt.need = alt.need and h.mask & alt.forbid = 0)))
               )"# + $ranked_page + $columns + $ranked_rows,
            $($arg),*
        )
        .fetch($db)
        .boxed()
    };
    // The rows of a page of ids ranked beforehand (`$14`, in their order; [`rank_postings`]). The filters and the
    // closed rule, which every id given already passed, are the same text as elsewhere: every parameter must appear
    // for PostgreSQL to type it. `limit $11 offset $12` is given the page's length and 0.
    (@ by_ids, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_as!(
            RawRow,
            r#"with page as materialized (
                   select p.ticket_id, p.n
                   from unnest($14::bigint[]) with ordinality as p(ticket_id, n)
                   order by p.n
                   limit $11 offset $12
               )
               "# + $columns + r#"
                      null::bigint as "total?"
               from page
               join tickets t on t.ticket_id = page.ticket_id "# + $where + $closed + r#"
                 and $8::text is not null
               order by page.n"#,
            $($arg),*
        )
        .fetch($db)
        .boxed()
    };
    // A search in another order. Array bounds are `int`: the offset and the end are capped far beyond any page a
    // person or the CSV export can ask for.
    (@ search, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_as!(
            RawRow,
            r#"with matches as materialized (
                   select count(*) as total,
                          (array_agg(t.ticket_id order by "# + $order + r#"))
                              [least($12::bigint, 2000000000)::int + 1 : least($12::bigint + $11::bigint, 2000000000)::int] as ids
                   from tickets t "# + $joins + $where + $closed + $text + r#"
               )
               "# + $columns + r#"
                      matches.total as "total?"
               from matches
               cross join lateral unnest(matches.ids) with ordinality as page(ticket_id, n)
               join tickets t on t.ticket_id = page.ticket_id
               order by page.n"#,
            $($arg),*
        )
        .fetch($db)
        .boxed()
    };
    // How many tickets match, search or not (`$8` null). `limit $11 offset $12` is given `null` and 0 (no limit):
    // it keeps the parameters of the other shapes, so the filters are the same text.
    (@ count, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal, $columns:literal, $ranked_page:literal,
     $ranked_rows:literal) => {
        sqlx::query_scalar!(
            r#"select count(*) as "n!"
               from (select 1
                     from tickets t "# + $where + $closed + r#"
                       and ($8::text is null or true "# + $text + r#")
                     limit $11 offset $12) matching"#,
            $($arg),*
        )
        .fetch_one($db)
    };
}

// The list statement of one order, as a search (the text matches `$8`, ranked and counted) or as the plain list
// (`$8` is null).
macro_rules! list_rows {
    ($search:expr, $db:expr, $viewer:expr, $f:expr, $limit:expr, $offset:expr, $joins:literal, $order:literal) => {
        if $search {
            list_statement!(search, $db, $viewer, $f, $limit, $offset, $joins, $order)
        } else {
            list_statement!(plain, $db, $viewer, $f, $limit, $offset, $joins, $order)
        }
    };
}

/// The rows of the list in the order of `sort` (an unknown key falls back to the default; ties by id), from
/// `offset`, at most `limit`.
fn raw_rows<'a>(
    db: impl sqlx::Executor<'a, Database = sqlx::Postgres> + 'a,
    viewer: UserId,
    f: &'a TicketFilter,
    sort: &str,
    limit: i64,
    offset: i64,
) -> BoxStream<'a, sqlx::Result<RawRow>> {
    let sort = if is_sort_key(sort) {
        sort
    } else {
        DEFAULT_SORT
    };
    let search = f.tsquery.is_some();
    match sort {
        // Without words every ticket ranks the same: the list by id.
        "relevance" if search => match &f.terms {
            Some(terms) => list_statement!(
                postings,
                db,
                viewer,
                f,
                limit,
                offset,
                "",
                // The order of a search by relevance is its own (`rank desc`, then ids).
                "",
                &terms.words,
                &terms.prefix,
                &terms.negated,
                &terms.need,
                &terms.forbid
            ),
            None => list_statement!(ranked, db, viewer, f, limit, offset, "", ""),
        },
        "relevance" => list_statement!(plain, db, viewer, f, limit, offset, "", "t.ticket_id"),
        "priority" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.priority_position, t.ticket_id"
        ),
        "ticketid" => list_rows!(search, db, viewer, f, limit, offset, "", "t.ticket_id"),
        "ticketid_desc" => list_rows!(search, db, viewer, f, limit, offset, "", "t.ticket_id desc"),
        "title" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "lower(t.title), t.ticket_id"
        ),
        "title_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "lower(t.title) desc, t.ticket_id"
        ),
        "addedby" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join users cu on cu.user_id = t.creator_id",
            "lower(cu.name), t.ticket_id"
        ),
        "addedby_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join users cu on cu.user_id = t.creator_id",
            "lower(cu.name) desc, t.ticket_id"
        ),
        "addedon" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.created_at, t.ticket_id"
        ),
        "addedon_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.created_at desc, t.ticket_id"
        ),
        "last_updated" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.last_activity_at, t.ticket_id"
        ),
        "last_updated_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.last_activity_at desc, t.ticket_id"
        ),
        "department_category" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name), lower(c.name), t.ticket_id"
        ),
        "department_category_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name) desc, lower(c.name) desc, t.ticket_id"
        ),
        "status" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join statuses s on s.status_id = t.status_id",
            "s.position, t.ticket_id"
        ),
        "status_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "join statuses s on s.status_id = t.status_id",
            "s.position desc, t.ticket_id"
        ),
        "assigned" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "left join users au on au.user_id = t.assignee_id",
            "lower(au.name) nulls first, t.ticket_id"
        ),
        "assigned_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "left join users au on au.user_id = t.assignee_id",
            "lower(au.name) desc nulls last, t.ticket_id"
        ),
        "replies" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.reply_count, t.ticket_id"
        ),
        "replies_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.reply_count desc, t.ticket_id"
        ),
        "time" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.hours + t.reply_hours, t.ticket_id"
        ),
        "time_desc" => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.hours + t.reply_hours desc, t.ticket_id"
        ),
        _ => list_rows!(
            search,
            db,
            viewer,
            f,
            limit,
            offset,
            "",
            "t.priority_position desc, t.ticket_id"
        ),
    }
}

/// A page of the list and how many tickets match in all.
#[derive(Debug, Clone)]
pub struct Page {
    /// The rows.
    pub rows: Vec<ListRow>,
    /// Every matching ticket.
    pub total: i64,
}

/// One page of the list, in the order of `sort` (an unknown key falls back to the default), ties by id, with the
/// total: from the page's own statement for a search, else from [`count`].
#[tracing::instrument(skip_all, err)]
pub async fn page(
    pool: &sqlx::PgPool,
    viewer: UserId,
    filter: &TicketFilter,
    sort: &str,
    limit: i64,
    offset: i64,
    catalog: &Catalog,
) -> sqlx::Result<Page> {
    let (raw, total) = page_raw(pool, viewer, filter, sort, limit, offset, catalog).await?;
    Ok(Page {
        rows: raw.into_iter().map(|r| catalog.name(r)).collect(),
        total,
    })
}

/// [`page`]'s rows as the statements return them, and the total.
async fn page_raw(
    pool: &sqlx::PgPool,
    viewer: UserId,
    filter: &TicketFilter,
    sort: &str,
    limit: i64,
    offset: i64,
    catalog: &Catalog,
) -> sqlx::Result<(Vec<RawRow>, i64)> {
    if filter.tsquery.is_none() {
        let raw: Vec<RawRow> = raw_rows(pool, viewer, filter, sort, limit, offset)
            .try_collect()
            .await?;
        // The plain list does not count (it stops after the page): the counters, or a count.
        let total = match catalog.count(filter) {
            Some(n) => n,
            None => count(pool, viewer, filter).await?,
        };
        return Ok((raw, total));
    }
    // A search by relevance of words alone: ranked from the postings here, then the page's rows.
    if let (Some(terms), "relevance", true) = (&filter.terms, sort, filter.text_only()) {
        let ranked = rank_postings(
            pool,
            terms,
            filter.include_closed,
            offset,
            limit,
            RANK_POSTINGS_MAX_ENTRIES,
        )
        .await?;
        if let Some(Ranked { ids, total }) = ranked {
            if ids.is_empty() {
                return Ok((Vec::new(), total));
            }
            let len = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            let raw = list_statement!(by_ids, pool, viewer, filter, len, 0_i64, "", "", &ids)
                .try_collect()
                .await?;
            return Ok((raw, total));
        }
    }
    // A search is planned for its words every time (see `read_transaction`).
    let mut tx = read_transaction(pool, filter).await?;
    let raw: Vec<RawRow> = raw_rows(&mut *tx, viewer, filter, sort, limit, offset)
        .try_collect()
        .await?;
    let total = match raw.first().and_then(|r| r.total) {
        Some(total) => total,
        // The first page came back empty: nothing matches.
        None if offset == 0 => 0,
        // A page past the end.
        None => count(&mut *tx, viewer, filter).await?,
    };
    tx.commit().await?;
    Ok((raw, total))
}

/// A search with more postings entries than this (all its words together) is ranked by PostgreSQL instead of
/// [`rank_postings`]: the entries travel to the web process, ~12 bytes each.
pub const RANK_POSTINGS_MAX_ENTRIES: i64 = 100_000;

/// One page of a search's matches ranked from the search postings, and how many match.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The page's ticket ids, best first (ties by id).
    pub ids: Vec<i64>,
    /// Every matching ticket.
    pub total: i64,
}

struct WordEntries {
    n: i64,
    entries: i64,
    ids: Option<Vec<i64>>,
    scores: Option<Vec<f32>>,
}

/// The search `terms` ranked from the search postings in this process: PostgreSQL reads each word's entries from
/// the postings' index alone and hands them over as two arrays per word (ids and weights); they are summed per
/// ticket (in the order PostgreSQL's `sum(real)` adds them: words in order, then entries in index order), the
/// query's alternatives tested on the words present, counted, and the page taken by a partial selection. The same
/// ranking as the `postings` shape of the list statement, for about half of PostgreSQL's work in the benchmark: there
/// most of it went to grouping, materializing and sorting the matches, and to planning the statement for its words
/// each time.
///
/// Closed tickets count only with `include_closed`; no other filter applies (the page calls it for filters of text
/// alone).
/// `None` when the words have more than `max_entries` entries in all: then nothing is handed over, and no word's
/// entries are read past the first `max_entries + 1` (a broad prefix such as `a` has ~290,000 open entries in the
/// benchmark's data: read in full into arrays that were then dropped, they took this statement 74 ms; 35 ms now).
#[tracing::instrument(skip_all, err)]
pub async fn rank_postings<'c>(
    db: impl Db<'c>,
    terms: &crate::search::Terms,
    include_closed: bool,
    offset: i64,
    limit: i64,
    max_entries: i64,
) -> sqlx::Result<Option<Ranked>> {
    let words = sqlx::query_as!(
        WordEntries,
        r#"select q.n as "n!", x.entries as "entries!",
                  case when sum(x.entries) over () <= $4::bigint then x.ids end as ids,
                  case when sum(x.entries) over () <= $4::bigint then x.scores end as scores
           from unnest($1::text[], $2::bool[]) with ordinality as q(word, prefix, n)
           cross join lateral (
               select count(*) as entries, array_agg(e.ticket_id) as ids, array_agg(e.score) as scores
               from (select s.ticket_id, s.score
                     from search_terms s
                     where s.lexeme >= lower(f_unaccent(q.word)) collate "C"
                       and s.lexeme < lower(f_unaccent(q.word)) collate "C"
                                      || case when q.prefix then chr(1114111) else chr(1) end
                       and (not s.is_closed or $3)
                     limit $4::bigint + 1) e
           ) x
           order by q.n"#,
        &terms.words,
        &terms.prefix,
        include_closed,
        max_entries,
    )
    .fetch_all(db)
    .await?;
    if words
        .iter()
        .any(|w| w.entries > 0 && (w.ids.is_none() || w.scores.is_none()))
    {
        return Ok(None);
    }
    // Every entry as (ticket, weight if the word is not excluded, the word's bit), grouped by ticket by a stable sort:
    // each word's entries come in index order, ascending ids per word of the range, so the sort mostly merges runs,
    // and a ticket's weights stay in the order `sum(real)` adds them.
    let mut entries: Vec<(i64, Option<f32>, i64)> = Vec::with_capacity(
        words
            .iter()
            .map(|w| w.ids.as_ref().map_or(0, Vec::len))
            .sum(),
    );
    for word in &words {
        let (Some(ids), Some(scores)) = (&word.ids, &word.scores) else {
            continue; // no entries
        };
        let Some(i) = usize::try_from(word.n - 1).ok().filter(|i| *i < 63) else {
            continue;
        };
        let positive = !terms.negated.get(i).copied().unwrap_or(false);
        entries.extend(
            ids.iter()
                .zip(scores)
                .map(|(&id, &score)| (id, positive.then_some(score), 1_i64 << i)),
        );
    }
    entries.sort_by_key(|e| e.0);
    // Per ticket: the sum of its positive words' weights and the words present; kept when an alternative holds.
    let mut matches: Vec<(f32, i64)> = Vec::new();
    for group in entries.chunk_by(|a, b| a.0 == b.0) {
        let rank: f32 = group.iter().filter_map(|e| e.1).sum();
        let present = group.iter().fold(0, |m, e| m | e.2);
        if terms
            .need
            .iter()
            .zip(&terms.forbid)
            .any(|(need, forbid)| present & need == *need && present & forbid == 0)
        {
            matches.push((rank, group[0].0));
        }
    }
    let total = matches.len();
    // Best first, ties by id (as `order by rank desc, ticket_id`; equal weights compare equal).
    let order = |a: &(f32, i64), b: &(f32, i64)| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    };
    let clamp = |n: i64| usize::try_from(n.max(0)).unwrap_or(usize::MAX).min(total);
    let start = clamp(offset);
    let end = clamp(offset.saturating_add(limit.max(0)));
    if end > 0 && end < total {
        matches.select_nth_unstable_by(end - 1, order);
    }
    matches.truncate(end);
    matches.sort_unstable_by(order);
    Ok(Some(Ranked {
        ids: matches
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map(|m| m.1)
            .collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
    }))
}

/// One page of the list without its total (the dashboard's short lists).
#[tracing::instrument(skip_all, err)]
pub async fn rows(
    pool: &sqlx::PgPool,
    viewer: UserId,
    filter: &TicketFilter,
    sort: &str,
    limit: i64,
    catalog: &Catalog,
) -> sqlx::Result<Vec<ListRow>> {
    raw_rows(pool, viewer, filter, sort, limit, 0)
        .map_ok(|r| catalog.name(r))
        .try_collect()
        .await
}

/// Every matching row up to `limit`, streamed (for the CSV export: constant memory, stops when dropped). Run it in
/// [`read_transaction`], which plans a search for its words.
pub fn stream<'a>(
    db: impl sqlx::Executor<'a, Database = sqlx::Postgres> + 'a,
    viewer: UserId,
    filter: &'a TicketFilter,
    sort: &'a str,
    limit: i64,
    catalog: &'a Catalog,
) -> impl Stream<Item = sqlx::Result<ListRow>> + 'a {
    raw_rows(db, viewer, filter, sort, limit, 0).map_ok(|r| catalog.name(r))
}

/// A read-only transaction to list in. For a search it asks PostgreSQL to plan each statement for its words: after
/// five runs of a prepared statement PostgreSQL may keep a generic plan, which cannot know that the query only
/// concerns open tickets (the partial index) nor how many documents match (at 100k tickets 14 ms against 6 for the
/// plan made for the words). The setting is local to the transaction, opened with it in one round trip.
pub async fn read_transaction(
    pool: &sqlx::PgPool,
    filter: &TicketFilter,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    if filter.tsquery.is_some() {
        pool.begin_with("begin read only; set local plan_cache_mode = force_custom_plan")
            .await
    } else {
        pool.begin_with("begin read only").await
    }
}

/// How many tickets match `filter`, counted. [`page`] calls it only when [`Catalog::count`] cannot answer from the
/// counters (filters on people, scopes or priority) and the page statement did not count (the plain list, or a
/// search's page past the end).
#[tracing::instrument(skip_all, err)]
pub async fn count<'c>(db: impl Db<'c>, viewer: UserId, f: &TicketFilter) -> sqlx::Result<i64> {
    list_statement!(count, db, viewer, f, None::<i64>, 0_i64, "", "").await
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

/// One entry of the catalog statement.
struct CatalogEntry {
    kind: String,
    id: i64,
    name: String,
    colour: Option<String>,
    key: Option<String>,
    parent: Option<i64>,
    parent_name: Option<String>,
}

/// A priority or status as the list shows it.
#[derive(Debug, Clone)]
struct Label {
    name: String,
    colour: String,
    kind: String,
}

/// The small reference tables the list names its rows from and offers as filters: departments, categories,
/// statuses and priorities, with the ticket counters. The names are kept in a [`CatalogCache`] while the
/// `catalog_version` counter (moved by every change to those tables) stays put, so they are never stale; the
/// counters are read on every request.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    names: Arc<CatalogNames>,
    /// Tickets per (category, status), from the counters.
    counts: Vec<(i64, i64, i64)>,
}

/// The names part of the [`Catalog`].
#[derive(Debug, Default)]
struct CatalogNames {
    departments: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    status_labels: HashMap<i64, Label>,
    priority_labels: HashMap<i64, Label>,
    /// Category id → (department name, category name).
    category_names: HashMap<i64, (String, String)>,
    /// Category id → department id.
    category_department: HashMap<i64, i64>,
}

/// The catalog's names as last read, with the `catalog_version` they were read at (one per web process).
#[derive(Debug, Default)]
pub struct CatalogCache(Mutex<Option<(i64, Arc<CatalogNames>)>>);

impl CatalogCache {
    fn get(&self, version: i64) -> Option<Arc<CatalogNames>> {
        let cached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, names)| names.clone())
    }

    fn put(&self, version: i64, names: Arc<CatalogNames>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, names));
    }
}

impl Catalog {
    /// Departments for the filter form, by name.
    pub fn departments(&self) -> &[Choice] {
        &self.names.departments
    }

    /// Categories ("Department / Category") for the filter form, by department then name.
    pub fn categories(&self) -> &[Choice] {
        &self.names.categories
    }

    /// Statuses for the filter form, in their order.
    pub fn statuses(&self) -> &[Choice] {
        &self.names.statuses
    }

    /// The id of the built-in status of `kind` (`open`, `closed`, …).
    pub fn status_of_kind(&self, kind: &str) -> Option<i64> {
        self.names
            .status_labels
            .iter()
            .find(|(_, l)| l.kind == kind)
            .map(|(id, _)| *id)
    }

    /// The id of the built-in priority of `kind` (`low`, `medium`, `high`).
    pub fn priority_of_kind(&self, kind: &str) -> Option<i64> {
        self.names
            .priority_labels
            .iter()
            .find(|(_, l)| l.kind == kind)
            .map(|(id, _)| *id)
    }

    /// How many tickets match `f`, from the counters, when its conditions are all on department, category, status
    /// and the closed rule (the list as most people open it); `None` when the tickets must be counted.
    pub fn count(&self, f: &TicketFilter) -> Option<i64> {
        if !f.counted_by_keys() || f.priority.is_some() {
            return None;
        }
        let closed = |status: i64| {
            self.names
                .status_labels
                .get(&status)
                .is_some_and(|l| l.kind == "closed")
        };
        Some(
            self.counts
                .iter()
                .filter(|(category, status, _)| {
                    f.department
                        .is_none_or(|d| self.names.category_department.get(category) == Some(&d))
                        && f.category.is_none_or(|c| c == *category)
                        && f.status.is_none_or(|s| s == *status)
                        && (f.status.is_some() || f.include_closed || !closed(*status))
                })
                .map(|(_, _, n)| n)
                .sum(),
        )
    }

    /// Tickets per department and status for the dashboard's charts: departments by name, statuses in their
    /// order, empty ones left out.
    pub fn counts_by_department(&self) -> Vec<DepartmentStatusCount> {
        let mut sums: HashMap<(String, i64), i64> = HashMap::new();
        for (category, status, n) in &self.counts {
            if let Some((department, _)) = self.names.category_names.get(category) {
                *sums.entry((department.clone(), *status)).or_default() += n;
            }
        }
        let order = |status: i64| self.names.statuses.iter().position(|s| s.id == status);
        let mut out: Vec<(Option<usize>, DepartmentStatusCount)> = sums
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .filter_map(|((department, status), count)| {
                let label = self.names.status_labels.get(&status)?;
                Some((
                    order(status),
                    DepartmentStatusCount {
                        department,
                        status: label.name.clone(),
                        colour: label.colour.clone(),
                        count,
                    },
                ))
            })
            .collect();
        out.sort_by(|(a_order, a), (b_order, b)| {
            (a.department.to_lowercase(), a_order, &a.department).cmp(&(
                b.department.to_lowercase(),
                b_order,
                &b.department,
            ))
        });
        out.into_iter().map(|(_, c)| c).collect()
    }

    /// Names a row. An id missing from the catalog (a label removed between the two statements) shows empty.
    fn name(&self, r: RawRow) -> ListRow {
        let priority = self.names.priority_labels.get(&r.priority_id);
        let status = self.names.status_labels.get(&r.status_id);
        let (department, category) = self
            .names
            .category_names
            .get(&r.category_id)
            .cloned()
            .unwrap_or_default();
        ListRow {
            ticket_id: r.ticket_id,
            title: r.title,
            priority: priority.map(|l| l.name.clone()).unwrap_or_default(),
            priority_colour: priority
                .map(|l| l.colour.clone())
                .unwrap_or_else(|| "#6c757d".to_owned()),
            status: status.map(|l| l.name.clone()).unwrap_or_default(),
            status_kind: status.map(|l| l.kind.clone()).unwrap_or_default(),
            creator: r.creator,
            assignee: r.assignee,
            department,
            category,
            created_at: r.created_at,
            last_activity_at: r.last_activity_at,
            reply_count: r.reply_count,
            total_hours: r.total_hours,
        }
    }
}

/// One row of the counters statement: the catalog version, and tickets per category and status.
struct CountEntry {
    version: i64,
    category_id: Option<i64>,
    status_id: Option<i64>,
    tickets: Option<i64>,
}

/// Reads the catalog: the counters and the catalog version in one statement, and the names from `cache` unless
/// the version moved since they were read (then a second statement reads them again).
#[tracing::instrument(skip_all, err)]
pub async fn catalog(pool: &sqlx::PgPool, cache: &CatalogCache) -> sqlx::Result<Catalog> {
    let rows = sqlx::query_as!(
        CountEntry,
        r#"select v.version as "version!", c.category_id as "category_id?", c.status_id as "status_id?",
                  c.tickets as "tickets?"
           from catalog_version v
           left join (select category_id, status_id, sum(tickets)::bigint as tickets
                      from ticket_counts group by category_id, status_id having sum(tickets) > 0) c on true"#
    )
    .fetch_all(pool)
    .await?;
    let version = rows.first().map(|r| r.version);
    let counts = rows
        .into_iter()
        .filter_map(|r| Some((r.category_id?, r.status_id?, r.tickets?)))
        .collect();
    let names = match version.and_then(|v| cache.get(v)) {
        Some(names) => names,
        None => {
            // Read after the version: these names are at least as new as it, so keeping them under it is safe.
            let names = Arc::new(catalog_names(pool).await?);
            if let Some(v) = version {
                cache.put(v, names.clone());
            }
            names
        }
    };
    Ok(Catalog { names, counts })
}

/// Reads the names of the catalog (one statement).
async fn catalog_names<'c>(db: impl Db<'c>) -> sqlx::Result<CatalogNames> {
    let entries = sqlx::query_as!(
        CatalogEntry,
        r#"select kind as "kind!", id as "id!", name as "name!", colour as "colour?", key as "key?",
                  parent as "parent?", parent_name as "parent_name?"
           from (select 'department' as kind, department_id as id, name, null::text as colour, null::text as key,
                        null::bigint as parent, null::text as parent_name,
                        lower(name) as sort_a, ''::text as sort_b, 0 as position
                 from departments
                 union all
                 select 'category', c.category_id, c.name, null, null, d.department_id, d.name,
                        lower(d.name), lower(c.name), 0
                 from categories c join departments d on d.department_id = c.department_id
                 union all
                 select 'status', status_id, name, colour, kind, null, null, '', '', position from statuses
                 union all
                 select 'priority', priority_id, name, colour, kind, null, null, '', '', position
                 from priorities
                ) entries
           order by kind, position, sort_a, sort_b, id"#
    )
    .fetch_all(db)
    .await?;
    let mut c = CatalogNames::default();
    for e in entries {
        let label = || Label {
            name: e.name.clone(),
            colour: e.colour.clone().unwrap_or_default(),
            kind: e.key.clone().unwrap_or_default(),
        };
        match e.kind.as_str() {
            "department" => c.departments.push(Choice {
                id: e.id,
                name: e.name,
                parent: None,
            }),
            "category" => {
                let department = e.parent_name.unwrap_or_default();
                c.categories.push(Choice {
                    id: e.id,
                    name: format!("{department} / {}", e.name),
                    parent: e.parent,
                });
                c.category_names.insert(e.id, (department, e.name));
                if let Some(d) = e.parent {
                    c.category_department.insert(e.id, d);
                }
            }
            "status" => {
                c.status_labels.insert(e.id, label());
                c.statuses.push(Choice {
                    id: e.id,
                    name: e.name,
                    parent: None,
                });
            }
            "priority" => {
                c.priority_labels.insert(e.id, label());
            }
            _ => {}
        }
    }
    Ok(c)
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
