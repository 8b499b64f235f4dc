//! The orders of the list: the 22 sort keys of Flicket and, for each, the statement that lists in that order.

use futures::StreamExt;
use futures::stream::BoxStream;

use super::filter::list_statement;
use super::{RawRow, TicketFilter};
use crate::domain::UserId;

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

/// The rows of the list in the order of `sort` (an unknown key falls back to the default; ties by id), from
/// `offset`, at most `limit`.
pub(super) fn raw_rows<'a>(
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
    if sort == "relevance" {
        return match (search, &f.terms) {
            // The order of a search by relevance is its own (`rank desc`, then ids).
            (true, Some(terms)) => list_statement!(
                postings,
                db,
                viewer,
                f,
                limit,
                offset,
                "",
                "",
                &terms.words,
                &terms.prefix,
                &terms.negated,
                &terms.need,
                &terms.forbid
            ),
            (true, None) => list_statement!(ranked, db, viewer, f, limit, offset, "", ""),
            // Without words every ticket ranks the same: the list by id.
            (false, _) => list_statement!(plain, db, viewer, f, limit, offset, "", "t.ticket_id"),
        };
    }
    // Each key's side tables (those its order names) and its order, as a search (the text matches `$8`, ranked and
    // counted) or as the plain list (`$8` is null).
    macro_rules! orders {
        ($($key:pat => $joins:literal, $order:literal;)*) => {
            match sort {
                $($key => if search {
                    list_statement!(search, db, viewer, f, limit, offset, $joins, $order)
                } else {
                    list_statement!(plain, db, viewer, f, limit, offset, $joins, $order)
                },)*
            }
        };
    }
    orders! {
        "priority" => "", "t.priority_position, t.ticket_id";
        "ticketid" => "", "t.ticket_id";
        "ticketid_desc" => "", "t.ticket_id desc";
        "title" => "", "lower(t.title), t.ticket_id";
        "title_desc" => "", "lower(t.title) desc, t.ticket_id";
        "addedby" => "join users cu on cu.user_id = t.creator_id", "lower(cu.name), t.ticket_id";
        "addedby_desc" => "join users cu on cu.user_id = t.creator_id", "lower(cu.name) desc, t.ticket_id";
        "addedon" => "", "t.created_at, t.ticket_id";
        "addedon_desc" => "", "t.created_at desc, t.ticket_id";
        "last_updated" => "", "t.last_activity_at, t.ticket_id";
        "last_updated_desc" => "", "t.last_activity_at desc, t.ticket_id";
        "department_category" =>
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name), lower(c.name), t.ticket_id";
        "department_category_desc" =>
            "join categories c on c.category_id = t.category_id join departments d on d.department_id = c.department_id",
            "lower(d.name) desc, lower(c.name) desc, t.ticket_id";
        "status" => "join statuses s on s.status_id = t.status_id", "s.position, t.ticket_id";
        "status_desc" => "join statuses s on s.status_id = t.status_id", "s.position desc, t.ticket_id";
        "assigned" => "left join users au on au.user_id = t.assignee_id", "lower(au.name) nulls first, t.ticket_id";
        "assigned_desc" =>
            "left join users au on au.user_id = t.assignee_id", "lower(au.name) desc nulls last, t.ticket_id";
        "replies" => "", "t.reply_count, t.ticket_id";
        "replies_desc" => "", "t.reply_count desc, t.ticket_id";
        "time" => "", "t.hours + t.reply_hours, t.ticket_id";
        "time_desc" => "", "t.hours + t.reply_hours desc, t.ticket_id";
        // `priority_desc`, the default.
        _ => "", "t.priority_position desc, t.ticket_id";
    }
}
