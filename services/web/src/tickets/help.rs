//! `POST /preview` (markdown preview of the editors), `GET /help/markdown`, and redirects from Flicket's old URLs
//! (links in old emails keep working; old action URLs only lead to the ticket, they never change anything).

use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use flicket_core::markdown;
use flicket_core::tickets::Body;
use serde::Deserialize;

use super::parse_id;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

/// The preview form.
#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    content: String,
}

/// Renders markdown exactly as it will be stored (an HTML fragment, sanitised). Texts longer than a body may be are
/// refused.
pub async fn preview(
    CurrentUser(_user): CurrentUser,
    f: Result<Form<PreviewForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Form(f) = f.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    if f.content.chars().count() > Body::MAX {
        return Err(AppError::BadRequest("ticket-error-body-length"));
    }
    Ok(Html(markdown::render(&f.content)).into_response())
}

/// The examples of the help page: (fluent id of the description, markdown source).
const EXAMPLES: &[(&str, &str)] = &[
    ("help-md-heading", "# Heading\n## Smaller heading"),
    ("help-md-paragraph", "First paragraph.\n\nSecond paragraph."),
    ("help-md-emphasis", "**bold**, _italic_, ~~struck~~"),
    ("help-md-link", "[Flicket](https://flicket.readthedocs.io)"),
    ("help-md-list", "- one\n- two\n  - two and a half"),
    ("help-md-ordered", "1. first\n2. second"),
    ("help-md-quote", "> quoted text"),
    ("help-md-code", "Use `inline code` in a sentence."),
    ("help-md-block", "```\nfn main() {}\n```"),
    ("help-md-table", "| a | b |\n|---|---|\n| 1 | 2 |"),
    ("help-md-rule", "above\n\n---\n\nbelow"),
];

static RENDERED: LazyLock<Vec<String>> = LazyLock::new(|| {
    EXAMPLES
        .iter()
        .map(|(_, src)| markdown::render(src))
        .collect()
});

/// One example of the help page.
pub struct Example {
    pub text: String,
    pub source: &'static str,
    pub html: &'static str,
}

#[derive(Template)]
#[template(path = "tickets/markdown_help.html")]
struct HelpPage<'a> {
    ctx: &'a PageCtx,
    examples: Vec<Example>,
}

/// The markdown help page.
pub async fn markdown(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    ctx: PageCtx,
) -> Response {
    let examples = EXAMPLES
        .iter()
        .zip(RENDERED.iter())
        .map(|((key, source), html)| Example {
            text: ctx.t(key),
            source,
            html,
        })
        .collect();
    render(
        &ctx,
        &state,
        &HelpPage {
            ctx: &ctx,
            examples,
        },
    )
}

fn moved(to: String) -> Response {
    Redirect::permanent(&to).into_response()
}

async fn ticket_page(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/tickets/{}", parse_id::<i64>(&id)?)))
}

async fn ticket_page_n(Path((id, page)): Path<(String, String)>) -> Result<Response, AppError> {
    let (id, page) = (parse_id::<i64>(&id)?, parse_id::<i64>(&page)?);
    Ok(moved(format!("/tickets/{id}?page={page}")))
}

async fn ticket_edit(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/tickets/{}/edit", parse_id::<i64>(&id)?)))
}

async fn post_edit(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/posts/{}/edit", parse_id::<i64>(&id)?)))
}

async fn post_page(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/posts/{}", parse_id::<i64>(&id)?)))
}

async fn ticket_history(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/tickets/{}/history", parse_id::<i64>(&id)?)))
}

async fn post_history(Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(moved(format!("/posts/{}/history", parse_id::<i64>(&id)?)))
}

async fn status_link(Path((id, _status)): Path<(String, String)>) -> Result<Response, AppError> {
    Ok(moved(format!("/tickets/{}", parse_id::<i64>(&id)?)))
}

/// Flicket's URLs, as they appear in old emails and bookmarks.
pub fn legacy_routes() -> Router<AppState> {
    Router::new()
        .route("/ticket_view/{id}", get(ticket_page))
        .route("/ticket_view/{id}/", get(ticket_page))
        .route("/ticket_view/{id}/{page}/", get(ticket_page_n))
        .route(
            "/ticket_create/",
            get(async || moved("/tickets/new".into())),
        )
        .route("/edit_ticket/{id}", get(ticket_edit))
        .route("/edit_post/{id}/", get(post_edit))
        .route("/history/topic/{id}/", get(ticket_history))
        .route("/history/post/{id}/", get(post_history))
        .route(
            "/markdown_primer/",
            get(async || moved("/help/markdown".into())),
        )
        // Former state-changing links: they only lead to the ticket now.
        .route("/ticket_claim/{id}/", get(ticket_page))
        .route("/release/{id}/", get(ticket_page))
        .route("/ticket_assign/{id}/", get(ticket_page))
        .route("/change_status/{id}/{status}/", get(status_link))
        .route("/ticket_department_category/{id}/", get(ticket_page))
        .route("/delete_ticket/{id}/", get(ticket_page))
        .route("/delete_post/{id}/", get(post_page))
        .route("/unsubscribe/{id}/{user}", get(status_link))
}
