//! `GET /tickets/{id}/history` and `GET /posts/{id}/history`: the previous versions of a text, rendered.

use askama::Template;
use axum::response::Response;
use flicket_core::domain::{PostId, TicketId};
use flicket_core::permissions::tickets::can_view;
use flicket_core::repo::{posts, ticket_history, tickets};

use super::{Visit, fmt_date, tr};
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::{PageCtx, render};

/// One previous version.
pub struct Version {
    pub heading: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "tickets/history.html")]
struct HistoryPage<'a> {
    ctx: &'a PageCtx,
    heading: String,
    back_url: String,
    versions: Vec<Version>,
}

async fn show(
    v: &Visit,
    ticket_id: TicketId,
    post_id: Option<PostId>,
) -> Result<Response, AppError> {
    let (state, ctx) = (&v.state, &v.ctx);
    let facts = tickets::facts(&state.pool, ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    can_view(&v.actor(), &facts).map_err(|_| AppError::NotFound)?;
    let unknown = ctx.t("activity-deleted-user");
    let versions = ticket_history::list(&state.pool, ticket_id, post_id)
        .await?
        .into_iter()
        .map(|v| Version {
            heading: tr(
                ctx.locale,
                "history-entry",
                &[
                    ("name", v.author_name.as_deref().unwrap_or(&unknown)),
                    ("date", &fmt_date(v.edited_at)),
                ],
            ),
            html: v.original_html,
        })
        .collect();
    let padded = ticket_id.padded();
    let (heading, back_url) = match post_id {
        None => (
            tr(ctx.locale, "history-ticket-title", &[("id", &padded)]),
            format!("/tickets/{ticket_id}"),
        ),
        Some(p) => (
            tr(ctx.locale, "history-post-title", &[("id", &padded)]),
            format!("/posts/{p}"),
        ),
    };
    Ok(render(
        ctx,
        state,
        &HistoryPage {
            ctx,
            heading,
            back_url,
            versions,
        },
    ))
}

/// The history of a ticket body.
pub async fn ticket(v: Visit, Id(id): Id<TicketId>) -> Result<Response, AppError> {
    show(&v, id, None).await
}

/// The history of a reply.
pub async fn post(v: Visit, Id(id): Id<PostId>) -> Result<Response, AppError> {
    let post = posts::get(&v.state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    show(&v, post.ticket_id, Some(id)).await
}
