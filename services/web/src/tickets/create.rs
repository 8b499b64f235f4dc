//! `GET /tickets/new` and `POST /tickets`: raising a ticket.

use askama::Template;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::Response;
use flicket_core::domain::{ParseError, TicketId, Title};
use flicket_core::permissions::Actor;
use flicket_core::repo::catalog::{self, TicketSettings};
use flicket_core::repo::ticket_users;
use flicket_core::tickets::ops::{self, NewTicketInput, OpResult};
use flicket_core::tickets::{Body, Hours};
use sqlx::PgConnection;

use super::Visit;
use super::forms::{self, SelectOption, parse_choice};
use super::submit::{Shown, TicketForm, submit as submit_form};
use super::uploads::FormData;
use crate::error::AppError;
use crate::pages::{PageCtx, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "tickets/new.html")]
struct NewPage<'a> {
    ctx: &'a PageCtx,
    title: String,
    body: String,
    hours: String,
    priorities: Vec<SelectOption>,
    categories: Vec<SelectOption>,
    files_hint: String,
    error: Option<String>,
    preview: Option<String>,
}

struct Draft {
    title: String,
    body: String,
    hours: String,
    priority: String,
    category: String,
}

impl Draft {
    /// The values of a sent form.
    fn from_form(form: &FormData) -> Self {
        Self {
            title: form.get("title").to_owned(),
            body: form.get("content").to_owned(),
            hours: form.get("hours").to_owned(),
            priority: form.get("priority_id").to_owned(),
            category: form.get("category_id").to_owned(),
        }
    }
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    draft: Draft,
    shown: Shown,
) -> Result<Response, AppError> {
    let settings = catalog::ticket_settings(&state.pool).await?;
    let priorities = catalog::priorities(&state.pool).await?;
    let categories = catalog::categories(&state.pool).await?;
    let priority = if draft.priority.is_empty() {
        forms::default_priority(&priorities)
    } else {
        draft.priority
    };
    let mut resp = render(
        ctx,
        state,
        &NewPage {
            ctx,
            title: draft.title,
            body: draft.body,
            hours: draft.hours,
            priorities: forms::priorities(&priorities, &priority),
            categories: forms::categories(&categories, &draft.category),
            files_hint: forms::files_hint(ctx.locale, &settings),
            error: shown.error,
            preview: shown.preview,
        },
    );
    *resp.status_mut() = shown.status;
    Ok(resp)
}

/// The empty form; the category of the user's previous ticket is preselected.
pub async fn form(v: Visit) -> Result<Response, AppError> {
    let last = ticket_users::last_category(&v.state.pool, v.user.user_id).await?;
    let draft = Draft {
        title: String::new(),
        body: String::new(),
        hours: "0".into(),
        priority: String::new(),
        category: last.map(|c| c.to_string()).unwrap_or_default(),
    };
    page(&v.state, &v.ctx, draft, Shown::fresh()).await
}

/// The form of a new ticket.
struct NewTicket;

impl TicketForm for NewTicket {
    type Input = NewTicketInput;
    type Done = TicketId;

    fn parse(&self, form: &FormData, _: &TicketSettings) -> Result<NewTicketInput, ParseError> {
        Ok(NewTicketInput {
            title: Title::parse(form.get("title"))?,
            body: Body::parse(form.get("content"))?,
            priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
            category_id: parse_choice(form.get("category_id"), "ticket-error-category")?,
            hours: Hours::parse(form.get("hours"))?,
            files: form.files.attachments(),
        })
    }

    async fn change(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        input: &NewTicketInput,
    ) -> OpResult<TicketId> {
        ops::create(conn, actor, input).await
    }

    fn done(&self, id: &TicketId, _: &NewTicketInput) -> (String, &'static str) {
        (format!("/tickets/{id}"), "ticket-created")
    }

    fn back(&self) -> String {
        "/tickets/new".to_owned()
    }

    async fn show(&self, v: &Visit, form: &FormData, shown: Shown) -> Result<Response, AppError> {
        page(&v.state, &v.ctx, Draft::from_form(form), shown).await
    }
}

/// Creates the ticket, or shows the form again with the reason (422, or 413 for sizes).
#[tracing::instrument(skip_all, fields(user.id = %v.user.user_id))]
pub async fn submit(
    v: Visit,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    submit_form(&NewTicket, v, multipart).await
}
