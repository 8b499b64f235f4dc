//! `GET /tickets/new` and `POST /tickets`: raising a ticket.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{ParseError, Title};
use flicket_core::markdown;
use flicket_core::permissions::Actor;
use flicket_core::repo::{catalog, ticket_users};
use flicket_core::tickets::ops::{self, NewTicketInput, OpError};
use flicket_core::tickets::{Body, Hours};

use super::forms::{self, SelectOption, parse_choice};
use super::uploads::{self, FormData};
use super::{op_failed, redirect_flash};
use crate::auth::CurrentUser;
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

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    draft: Draft,
    error: Option<String>,
    preview: Option<String>,
    status: StatusCode,
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
            error,
            preview,
        },
    );
    *resp.status_mut() = status;
    Ok(resp)
}

/// The empty form; the category of the user's previous ticket is preselected.
pub async fn form(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let last = ticket_users::last_category(&state.pool, user.user_id).await?;
    let draft = Draft {
        title: String::new(),
        body: String::new(),
        hours: "0".into(),
        priority: String::new(),
        category: last.map(|c| c.to_string()).unwrap_or_default(),
    };
    page(&state, &ctx, draft, None, None, StatusCode::OK).await
}

fn parse(form: &FormData) -> Result<NewTicketInput, ParseError> {
    Ok(NewTicketInput {
        title: Title::parse(form.get("title"))?,
        body: Body::parse(form.get("content"))?,
        priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
        category_id: parse_choice(form.get("category_id"), "ticket-error-category")?,
        hours: Hours::parse(form.get("hours"))?,
        files: form.files.attachments(),
    })
}

/// Creates the ticket, or shows the form again with the reason (422, or 413 for sizes).
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refused) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let draft = Draft {
        title: form.get("title").to_owned(),
        body: form.get("content").to_owned(),
        hours: form.get("hours").to_owned(),
        priority: form.get("priority_id").to_owned(),
        category: form.get("category_id").to_owned(),
    };
    if let Some(e) = refused {
        let msg = forms::upload_message(ctx.locale, &e);
        return page(&state, &ctx, draft, Some(msg), None, e.status).await;
    }
    if form.get("action") == "preview" {
        let html = markdown::render(form.get("content"));
        let note = (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again"));
        return page(&state, &ctx, draft, note, Some(html), StatusCode::OK).await;
    }
    let input = match parse(&form) {
        Ok(i) => i,
        Err(e) => {
            let msg = ctx.t(e.key);
            return page(
                &state,
                &ctx,
                draft,
                Some(msg),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    match ops::create(&mut tx, &Actor::from(&user), &input).await {
        Ok(id) => {
            tx.commit().await?;
            form.files.keep();
            Ok(redirect_flash(
                &state,
                jar,
                &format!("/tickets/{id}"),
                "success",
                "ticket-created",
            ))
        }
        Err(OpError::Invalid(f)) => {
            let msg = ctx.t(f.message.key);
            page(
                &state,
                &ctx,
                draft,
                Some(msg),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => op_failed(&state, jar, "/tickets/new", e),
    }
}
