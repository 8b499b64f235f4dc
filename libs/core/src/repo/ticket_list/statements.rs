//! The statements of the list, one per shape: one page of the list in one order, in one of five shapes, and its
//! total, a sixth. Each is written once, with the filter of [`super::filter`], and run for each order by
//! [`super::sort`].
//!
//! The plain list: the inner query finds the page's ids from `tickets` alone (its indexes hold the order and the
//! filtered columns, so the common orders are index-only scans that stop after the page); only those ids get their
//! people's names (primary-key lookups); priorities, statuses, categories and departments come back as ids and are
//! named from the catalog. It does not count: that would walk the whole index instead of stopping after the page.
//!
//! A search: every match must be read anyway (to rank or sort it), so one pass over the matches counts them too.
//! By relevance (`ranked`) only ids and ranks are kept and the page comes from a top-N sort; in another order
//! (`search`) the ids of the whole order are gathered into an array (`array_agg(… order by …)`) whose page slice is
//! joined back to `tickets`. Both are a third cheaper than `count(*) over ()` beside a top-N sort at 100k tickets:
//! the window buffered every match's whole row before the sort could start.
//!
//! Each order is its own statement so that PostgreSQL plans it with its index.

// One shape of the list statement, called by `list_statement!` with the parameters, the order and the filter's
// fragments (`$where`, the closed rule `$closed`, the search condition `$text`). Its first arm adds the fragments of
// the page's rows, the same in every shape that has them.
macro_rules! statement {
    ($shape:ident, $db:expr, [$($arg:expr),*], $joins:literal, $order:literal,
     $where:literal, $closed:literal, $text:literal) => {
        $crate::repo::ticket_list::statements::statement!(@ $shape, $db, [$($arg),*], $joins, $order,
            $where, $closed, $text,
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
    // The plain list (`$8` is null).
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
pub(super) use statement;
