//! `GET /tickets`: the ticket list.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use flicket_core::repo::ticket_list::{self, Choice, ListRow, SORT_KEYS, Scope};

use super::ListQuery;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// A row as shown.
pub struct Row {
    pub id: i64,
    pub padded: String,
    pub title: String,
    pub priority: String,
    pub priority_colour: String,
    pub status: String,
    pub closed: bool,
    pub creator: String,
    pub assignee: Option<String>,
    pub department_category: String,
    pub created: String,
    pub updated: String,
    pub replies: i32,
    pub hours: String,
}

impl From<ListRow> for Row {
    fn from(r: ListRow) -> Self {
        Row {
            id: r.ticket_id,
            padded: format!("{:05}", r.ticket_id),
            title: r.title,
            priority: r.priority,
            priority_colour: r.priority_colour,
            closed: r.status_kind == "closed",
            status: r.status,
            creator: r.creator,
            assignee: r.assignee,
            department_category: format!("{} / {}", r.department, r.category),
            created: r.created_at.format("%Y-%m-%d").to_string(),
            updated: r.last_activity_at.format("%Y-%m-%d").to_string(),
            replies: r.reply_count,
            hours: r.total_hours.round_dp(2).to_string(),
        }
    }
}

/// A link of the pager.
pub struct PageLink {
    pub number: i64,
    pub current: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "listing/tickets.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    q: &'a ListQuery,
    rows: Vec<Row>,
    total: i64,
    pages: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
    sort: String,
    sort_keys: Vec<(&'static str, String)>,
    scopes: Vec<(&'static str, String, bool)>,
    departments: &'a [Choice],
    categories: &'a [Choice],
    statuses: &'a [Choice],
    unknown_user: bool,
    /// Text was typed in the search box but holds no word to find (exclusions alone, `or`, punctuation): the list
    /// is not searched, and says so.
    search_ignored: bool,
    csv_href: String,
    csv_cut: bool,
    csv_limit: i32,
}

/// Pager numbers: first, last, and two around the current page.
fn pager(current: i64, last: i64, base: &str, sort: &str) -> Vec<PageLink> {
    let mut numbers: Vec<i64> = vec![1, last];
    numbers.extend((current - 2).max(1)..=(current + 2).min(last));
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .filter(|n| *n >= 1)
        .map(|n| PageLink {
            number: n,
            current: n == current,
            href: href(base, sort, n),
        })
        .collect()
}

fn href(base: &str, sort: &str, page: i64) -> String {
    let mut q = base.to_owned();
    for (k, v) in [("sort", sort.to_owned()), ("page", page.to_string())] {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!("{k}={v}"));
    }
    format!("/tickets?{q}")
}

/// The list page.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let site = ctx.site(&state).await?;
    let resolved = q.resolve(&state.pool).await?;
    let sort = q.sort(&state.pool, &user).await?;
    let page_size = i64::from(site.page_size.max(1));
    let page = q.page_number();
    let catalog = ticket_list::catalog(&state.pool, &state.catalog).await?;
    let ticket_list::Page { rows, total } = ticket_list::page(
        &state.pool,
        user.user_id,
        &resolved.filter,
        &sort,
        page_size,
        (page - 1) * page_size,
        &catalog,
    )
    .await?;
    let last = ((total + page_size - 1) / page_size).max(1);
    let base = q.base_query();
    let scope = Scope::parse(&q.scope);
    let scopes = [
        Scope::All,
        Scope::Mine,
        Scope::Created,
        Scope::Assigned,
        Scope::Subscribed,
    ]
    .into_iter()
    .map(|s| {
        (
            s.as_str(),
            ctx.t(&format!("list-scope-{}", s.as_str())),
            s == scope,
        )
    })
    .collect();
    let mut sort_keys: Vec<(&'static str, String)> = SORT_KEYS
        .iter()
        .map(|k| (*k, ctx.t(&format!("sort-{k}"))))
        .collect();
    if !q.q.trim().is_empty() {
        sort_keys.insert(0, ("relevance", ctx.t("sort-relevance")));
    }
    let page_view = ListPage {
        ctx: &ctx,
        q: &q,
        rows: rows.into_iter().map(Row::from).collect(),
        total,
        prev: (page > 1).then(|| href(&base, &sort, page - 1)),
        next: (page < last).then(|| href(&base, &sort, page + 1)),
        pages: pager(page, last, &base, &sort),
        csv_href: if base.is_empty() {
            format!("/tickets.csv?sort={sort}")
        } else {
            format!("/tickets.csv?{base}&sort={sort}")
        },
        csv_cut: total > i64::from(site.csv_limit),
        csv_limit: site.csv_limit,
        sort,
        sort_keys,
        scopes,
        departments: catalog.departments(),
        categories: catalog.categories(),
        statuses: catalog.statuses(),
        unknown_user: resolved.unknown_user,
        search_ignored: !q.q.trim().is_empty() && resolved.filter.tsquery.is_none(),
    };
    Ok(render(&ctx, &state, &page_view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_shows_ends_and_neighbours() {
        let numbers: Vec<i64> = pager(10, 500, "", "title")
            .iter()
            .map(|p| p.number)
            .collect();
        assert_eq!(numbers, [1, 8, 9, 10, 11, 12, 500]);
        assert_eq!(
            pager(1, 1, "q=x", "title")[0].href,
            "/tickets?q=x&sort=title&page=1"
        );
    }
}
