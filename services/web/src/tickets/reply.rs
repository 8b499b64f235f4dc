//! `POST /tickets/{id}/replies`: a reply (multipart, with attachments), optionally "reply and close".

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{ParseError, TicketId};
use flicket_core::markdown;
use flicket_core::permissions::Actor;
use flicket_core::repo::catalog;
use flicket_core::tickets::ops::{self, OpError, ReplyInput};
use flicket_core::tickets::{Body, Hours};

use super::forms::{self, parse_choice};
use super::ticket_page::{ReplyDraft, render_page};
use super::uploads::{self, FormData};
use super::{after_commit, op_failed, parse_id, redirect_flash};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;

fn parse(form: &FormData) -> Result<ReplyInput, ParseError> {
    Ok(ReplyInput {
        body: Body::parse(form.get("content"))?,
        status_id: parse_choice(form.get("status_id"), "ticket-error-status")?,
        priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
        hours: Hours::parse(form.get("hours"))?,
        files: form.files.attachments(),
        and_close: form.get("action") == "reply_close",
    })
}

/// Posts the reply, or shows the ticket again with the form and the reason.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %user.user_id))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id: TicketId = parse_id(&id)?;
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refused) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let draft = |error: Option<String>, preview: Option<String>| ReplyDraft {
        body: form.get("content").to_owned(),
        hours: form.get("hours").to_owned(),
        status: form.get("status_id").to_owned(),
        priority: form.get("priority_id").to_owned(),
        error,
        preview,
    };
    let last_page = Some(i64::MAX);
    if let Some(e) = refused {
        let msg = forms::upload_message(ctx.locale, &e);
        return render_page(
            &state,
            &ctx,
            &user,
            id,
            last_page,
            draft(Some(msg), None),
            e.status,
        )
        .await;
    }
    if form.get("action") == "preview" {
        let html = markdown::render(form.get("content"));
        let note = (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again"));
        return render_page(
            &state,
            &ctx,
            &user,
            id,
            last_page,
            draft(note, Some(html)),
            StatusCode::OK,
        )
        .await;
    }
    let input = match parse(&form) {
        Ok(i) => i,
        Err(e) => {
            let d = draft(Some(ctx.t(e.key)), None);
            return render_page(
                &state,
                &ctx,
                &user,
                id,
                last_page,
                d,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    match ops::reply(&mut tx, &Actor::from(&user), id, &input).await {
        Ok((post_id, changed)) => {
            tx.commit().await?;
            form.files.keep();
            after_commit(&state, changed);
            let flash = if input.and_close {
                "ticket-replied-closed"
            } else {
                "ticket-replied"
            };
            Ok(redirect_flash(
                &state,
                jar,
                &format!("/posts/{post_id}"),
                "success",
                flash,
            ))
        }
        Err(OpError::Invalid(f)) => {
            let key = f.message.key;
            drop(tx);
            let d = draft(Some(ctx.t(key)), None);
            render_page(
                &state,
                &ctx,
                &user,
                id,
                last_page,
                d,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => op_failed(&state, jar, &format!("/tickets/{id}"), e),
    }
}
