//! What to list: the filter and the scope, and the statements' filter in SQL, written once for every statement of
//! the list ([`list_statement!`]).

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

impl TicketFilter {
    /// Whether the filter narrows by nothing but the text and the closed rule (no status filter, which also decides
    /// the closed rule, and the scope "all"): a search by relevance is then ranked from the postings alone
    /// ([`super::rank_postings`]).
    pub(super) fn text_only(&self) -> bool {
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

    /// Whether the filter only narrows by department, category, status and the closed rule, so its count can be
    /// read from the per-category/status counters ([`super::Catalog::count`], with [`Self::keeps`]).
    pub(super) fn counted_by_keys(&self) -> bool {
        self.tsquery.is_none() && self.priority.is_none() && self.no_people_nor_scope()
    }

    /// Whether the tickets of `category` (of `department`) in `status` (`closed` or not) pass the filter's
    /// department, category and status and the closed rule: the conditions of the statements' filter below on those
    /// columns, for the counters (when [`Self::counted_by_keys`]).
    pub(super) fn keeps(
        &self,
        department: Option<i64>,
        category: i64,
        status: i64,
        closed: bool,
    ) -> bool {
        self.department.is_none_or(|d| department == Some(d))
            && self.category.is_none_or(|c| c == category)
            && self.status.is_none_or(|s| s == status)
            && (self.status.is_some() || self.include_closed || !closed)
    }
}

// Runs one shape of the list statement ([`super::statements`]) with the list's parameters and its filter, the same
// text in every shape (`count` included): `$1` the viewer, `$2`… the filter, `$8` the search (a `tsquery`, null
// for the plain list), `$11`/`$12` the page (limit, offset), `$13` the priority, `$14`… the shape's own (`$extra`).
// `$joins` names the side tables that `$order` needs.
//
// `query_as!` takes string literals joined by `+`, not constants nor macros: the fragments are literals handed to
// the statement as macro arguments.
macro_rules! list_statement {
    ($shape:ident, $db:expr, $viewer:expr, $f:expr, $limit:expr, $offset:expr, $joins:literal, $order:literal
     $(, $extra:expr)*) => {
        $crate::repo::ticket_list::statements::statement!($shape, $db,
            [$viewer.0, $f.department, $f.category, $f.status, $f.user, $f.assignee, $f.creator, $f.tsquery,
             $f.include_closed, $f.scope.as_str(), $limit, $offset, $f.priority $(, $extra)*],
            $joins, $order,
            // The filters and the scope.
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
                              and ($4::bigint is not null or $9)))"#)
    };
}
pub(super) use list_statement;
