//! `GET /tickets`: the newest tickets first (filters and search come with the ticket-list issue).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use flicket_core::repo::{catalog, tickets};
use serde::Deserialize;

use super::{Pager, fmt_date};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// One line of the list.
pub struct Row {
    pub url: String,
    pub padded: String,
    pub title: String,
    pub status: String,
    pub closed: bool,
    pub priority: String,
    pub assignee: Option<String>,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "tickets/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<Row>,
    pager: Pager,
}

/// Query of the list.
#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<String>,
}

/// Shows one page of tickets.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let per_page = i64::from(catalog::ticket_settings(&state.pool).await?.page_size);
    let total = tickets::count(&state.pool).await?;
    let pager = Pager::new(
        q.page.and_then(|p| p.parse().ok()),
        total,
        per_page,
        "/tickets",
    );
    let rows = tickets::newest(&state.pool, per_page, pager.offset(per_page))
        .await?
        .into_iter()
        .map(|t| Row {
            url: format!("/tickets/{}", t.ticket_id),
            padded: t.ticket_id.padded(),
            title: t.title,
            status: t.status_name,
            closed: t.status_kind == "closed",
            priority: t.priority_name,
            assignee: t.assignee_name,
            updated: fmt_date(t.last_activity_at),
        })
        .collect();
    Ok(render(
        &ctx,
        &state,
        &ListPage {
            ctx: &ctx,
            rows,
            pager,
        },
    ))
}
