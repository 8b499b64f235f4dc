//! `POST /tickets/{id}/replies`: a reply (multipart, with attachments), optionally "reply and close".

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::Response;
use flicket_core::domain::{ParseError, PostId, TicketId};
use flicket_core::ops::Changed;
use flicket_core::permissions::Actor;
use flicket_core::repo::catalog::TicketSettings;
use flicket_core::tickets::ops::{self, OpResult, ReplyInput};
use flicket_core::tickets::{Body, Hours};
use sqlx::PgConnection;

use super::Visit;
use super::forms::parse_choice;
use super::submit::{Shown, TicketForm, submit as submit_form};
use super::ticket_page::{ReplyDraft, render_page};
use super::uploads::FormData;
use crate::error::AppError;
use crate::extract::Id;

/// The reply form of a ticket's page.
struct Reply(TicketId);

impl TicketForm for Reply {
    type Input = ReplyInput;
    type Done = (PostId, Changed);

    fn parse(&self, form: &FormData, _: &TicketSettings) -> Result<ReplyInput, ParseError> {
        Ok(ReplyInput {
            body: Body::parse(form.get("content"))?,
            status_id: parse_choice(form.get("status_id"), "ticket-error-status")?,
            priority_id: parse_choice(form.get("priority_id"), "ticket-error-priority")?,
            hours: Hours::parse(form.get("hours"))?,
            files: form.files.attachments(),
            and_close: form.get("action") == "reply_close",
        })
    }

    async fn change(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        input: &ReplyInput,
    ) -> OpResult<(PostId, Changed)> {
        ops::reply(conn, actor, self.0, input).await
    }

    fn done(&self, (post_id, _): &(PostId, Changed), input: &ReplyInput) -> (String, &'static str) {
        let key = if input.and_close {
            "ticket-replied-closed"
        } else {
            "ticket-replied"
        };
        (format!("/posts/{post_id}"), key)
    }

    fn back(&self) -> String {
        format!("/tickets/{}", self.0)
    }

    /// The ticket's last page, with the form as it was sent.
    async fn show(&self, v: &Visit, form: &FormData, shown: Shown) -> Result<Response, AppError> {
        let draft = ReplyDraft {
            body: form.get("content").to_owned(),
            hours: form.get("hours").to_owned(),
            status: form.get("status_id").to_owned(),
            priority: form.get("priority_id").to_owned(),
            error: shown.error,
            preview: shown.preview,
        };
        let last_page = Some(i64::MAX);
        render_page(v, self.0, last_page, draft, shown.status).await
    }
}

/// Posts the reply, or shows the ticket again with the form and the reason.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %v.user.user_id))]
pub async fn submit(
    v: Visit,
    Id(id): Id<TicketId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    submit_form(&Reply(id), v, multipart).await
}
