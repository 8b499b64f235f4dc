//! `POST /preview` (markdown preview of the editors), `GET /help/markdown`, and redirects from Flicket's old URLs
//! (links in old emails keep working; old action URLs only lead to the ticket, they never change anything).

use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get};
use flicket_core::markdown;
use flicket_core::tickets::Body;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{Id, Ids};
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

/// `GET` of an old URL with an id: a permanent redirect to `to`, the id in place of `{id}`.
fn to(to: &'static str) -> MethodRouter<AppState> {
    get(move |Id(id): Id<i64>| async move { moved(to.replace("{id}", &id.to_string())) })
}

/// Our id of a Flicket ticket id: an import that could not keep the id (`--merge`) recorded where it went.
async fn our_ticket(state: &AppState, id: i64) -> i64 {
    flicket_core::repo::import::our_ticket(&state.pool, id)
        .await
        .ok()
        .flatten()
        .unwrap_or(id)
}

/// `/ticket_view/<id>/`: the ticket that Flicket ticket became.
async fn ticket_view(State(state): State<AppState>, Id(id): Id<i64>) -> Response {
    moved(format!("/tickets/{}", our_ticket(&state, id).await))
}

async fn ticket_page_n(State(state): State<AppState>, Ids(id, page): Ids<i64, i64>) -> Response {
    moved(format!(
        "/tickets/{}?page={page}",
        our_ticket(&state, id).await
    ))
}

/// A former action link with a second segment (a status, a user): the ticket.
async fn ticket_of(Ids(id, _): Ids<i64, String>) -> Response {
    moved(format!("/tickets/{id}"))
}

/// Flicket's URLs, as they appear in old emails and bookmarks.
pub fn legacy_routes() -> Router<AppState> {
    Router::new()
        .route("/ticket_view/{id}", get(ticket_view))
        .route("/ticket_view/{id}/", get(ticket_view))
        .route("/ticket_view/{id}/{page}/", get(ticket_page_n))
        .route(
            "/ticket_create/",
            get(async || moved("/tickets/new".into())),
        )
        .route("/edit_ticket/{id}", to("/tickets/{id}/edit"))
        .route("/edit_post/{id}/", to("/posts/{id}/edit"))
        .route("/history/topic/{id}/", to("/tickets/{id}/history"))
        .route("/history/post/{id}/", to("/posts/{id}/history"))
        .route(
            "/markdown_primer/",
            get(async || moved("/help/markdown".into())),
        )
        // Former state-changing links: they only lead to the ticket now.
        .route("/ticket_claim/{id}/", to("/tickets/{id}"))
        .route("/release/{id}/", to("/tickets/{id}"))
        .route("/ticket_assign/{id}/", to("/tickets/{id}"))
        .route("/change_status/{id}/{status}/", get(ticket_of))
        .route("/ticket_department_category/{id}/", to("/tickets/{id}"))
        .route("/delete_ticket/{id}/", to("/tickets/{id}"))
        .route("/delete_post/{id}/", to("/posts/{id}"))
        .route("/unsubscribe/{id}/{user}", get(ticket_of))
}
