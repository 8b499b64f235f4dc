//! `GET /tickets/{id}` (with `?page=` and `?quote=`) and `GET /posts/{id}`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use flicket_core::domain::{PostId, TicketId};
use flicket_core::repo::{catalog, posts, tickets};
use flicket_core::tickets::quote::quote;
use serde::Deserialize;

use super::reads::post_view;
use super::ticket_page::{ReplyDraft, render_page};
use super::{Visit, fmt_date, tr};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::PageCtx;
use crate::state::AppState;

/// Query of the ticket page.
#[derive(Deserialize, Default)]
pub struct ViewQuery {
    page: Option<String>,
    quote: Option<String>,
}

/// Shows a ticket.
pub async fn show(
    v: Visit,
    Id(id): Id<TicketId>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, AppError> {
    let page = q.page.as_deref().and_then(|p| p.parse().ok());
    let mut draft = ReplyDraft::default();
    if let Some(quoted) = q.quote.as_deref() {
        draft.body = quote_text(&v.state, &v.ctx, id, quoted).await?;
    }
    render_page(&v, id, page, draft, StatusCode::OK).await
}

/// The text of a quoted post of this ticket (`ticket` for its body, or a reply id).
async fn quote_text(
    state: &AppState,
    ctx: &PageCtx,
    id: TicketId,
    quoted: &str,
) -> Result<String, AppError> {
    let Some(t) = tickets::view(&state.pool, id).await? else {
        return Ok(String::new());
    };
    let (author, date, content) = if quoted == "ticket" {
        (t.creator_name, t.created_at, t.content)
    } else {
        let Ok(post_id) = quoted.parse::<PostId>() else {
            return Ok(String::new());
        };
        let Some(post) = posts::get(&state.pool, post_id)
            .await?
            .filter(|p| p.ticket_id == id)
        else {
            return Ok(String::new());
        };
        let Some(view) = post_view(&state.pool, id, post_id).await? else {
            return Ok(String::new());
        };
        (view.author_name, view.created_at, post.content)
    };
    let header = tr(
        ctx.locale,
        "ticket-wrote",
        &[("name", &author), ("date", &fmt_date(date))],
    );
    Ok(quote(&header, &content))
}

/// `GET /posts/{id}`: the ticket page at the reply (links in emails).
pub async fn post_redirect(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Id(post_id): Id<PostId>,
) -> Result<Response, AppError> {
    let post = posts::get(&state.pool, post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let pos = posts::position(&state.pool, post.ticket_id, post_id).await?;
    let page = pos / i64::from(settings.page_size.max(1)) + 1;
    Ok(Redirect::to(&format!(
        "/tickets/{}?page={page}#post-{post_id}",
        post.ticket_id
    ))
    .into_response())
}
