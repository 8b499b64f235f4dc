//! `/api/v1/tickets`: the list with the UI's filters, scopes, sorting and search.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use flicket_core::repo::settings;
use flicket_core::repo::ticket_list::{self, ListRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ListQuery;
use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser};
use crate::state::AppState;

/// A ticket as listed.
#[derive(Serialize, ToSchema)]
pub struct TicketSummary {
    id: i64,
    title: String,
    priority: String,
    status: String,
    department: String,
    category: String,
    creator: String,
    assignee: Option<String>,
    created_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    reply_count: i32,
    /// Ticket hours plus reply hours, as a decimal string.
    total_hours: String,
}

impl From<ListRow> for TicketSummary {
    fn from(r: ListRow) -> Self {
        TicketSummary {
            id: r.ticket_id,
            title: r.title,
            priority: r.priority,
            status: r.status,
            department: r.department,
            category: r.category,
            creator: r.creator,
            assignee: r.assignee,
            created_at: r.created_at,
            last_activity_at: r.last_activity_at,
            reply_count: r.reply_count,
            total_hours: r.total_hours.round_dp(2).to_string(),
        }
    }
}

/// The list's filters (the same as the UI's `/tickets`).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TicketFilters {
    /// Department id.
    department: Option<String>,
    /// Category id.
    category: Option<String>,
    /// Status id (closed tickets are hidden unless this asks for them or `include_closed` is set).
    status: Option<String>,
    /// Creator or assignee: id or user name.
    user: Option<String>,
    /// Assignee id.
    assignee: Option<String>,
    /// Creator id.
    creator: Option<String>,
    /// Text search: words, "phrases", -exclusions, `or`.
    q: Option<String>,
    /// `all`, `mine`, `created`, `assigned` or `subscribed`.
    scope: Option<String>,
    /// `true` to include closed tickets.
    include_closed: Option<String>,
    /// One of the 22 sort keys (e.g. `priority_desc`, `title`) or `relevance`.
    sort: Option<String>,
}

impl TicketFilters {
    fn to_list_query(&self) -> ListQuery {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        ListQuery {
            department: s(&self.department),
            category: s(&self.category),
            status: s(&self.status),
            user: s(&self.user),
            assignee: s(&self.assignee),
            creator: s(&self.creator),
            q: s(&self.q),
            scope: s(&self.scope),
            include_closed: s(&self.include_closed),
            sort: s(&self.sort),
            page: String::new(),
        }
    }
}

/// Lists tickets.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketFilters, PageParams),
    responses((status = 200, body = Page<TicketSummary>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(filters): Query<TicketFilters>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<TicketSummary>>, ApiError> {
    let site = settings::load(&state.pool).await?;
    let q = filters.to_list_query();
    let filter = q.resolve(&state.pool).await?.filter;
    let sort = if ticket_list::is_sort_key(&q.sort) {
        q.sort.clone()
    } else if q.q.trim().is_empty() {
        ticket_list::DEFAULT_SORT.to_owned()
    } else {
        "relevance".to_owned()
    };
    let (page, per_page) = paging.resolve(i64::from(site.page_size).min(100));
    let catalog = ticket_list::catalog(&state.pool, &state.catalog).await?;
    let ticket_list::Page { rows, total } = ticket_list::page(
        &state.pool,
        user.user_id,
        &filter,
        &sort,
        per_page,
        (page - 1) * per_page,
        &catalog,
    )
    .await?;
    let base = state.config.base_url.clone().unwrap_or(site.base_url);
    let mut query = q.base_query();
    if !query.is_empty() {
        query.push('&');
    }
    let url =
        |p: i64| format!("{base}/api/v1/tickets?{query}sort={sort}&page={p}&per_page={per_page}");
    Ok(Json(Page::new(
        rows.into_iter().map(TicketSummary::from).collect(),
        page,
        per_page,
        total,
        url,
    )))
}
