//! Reading the list: a page and its total (the list page, the API), the first rows (the dashboard), every row as a
//! stream (the CSV export), and the count.

use futures::{Stream, StreamExt, TryStreamExt};

use super::filter::list_statement;
use super::postings::{RANK_POSTINGS_MAX_ENTRIES, Ranked, rank_postings};
use super::sort::raw_rows;
use super::{Catalog, ListRow, RawRow, TicketFilter};
use crate::domain::UserId;
use crate::repo::Db;

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
