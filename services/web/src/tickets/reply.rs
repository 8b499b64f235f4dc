//! `POST /tickets/{id}/replies`: a reply (multipart, with attachments), optionally "reply and close".

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use flicket_core::domain::{ParseError, PostId, TicketId};
use flicket_core::ops::Changed;
use flicket_core::permissions::Actor;
use flicket_core::repo::catalog::TicketSettings;
use flicket_core::repo::sessions::SessionUser;
use flicket_core::tickets::ops::{self, OpResult, ReplyInput};
use flicket_core::tickets::{Body, Hours};
use sqlx::PgConnection;

use super::forms::parse_choice;
use super::submit::{Shown, TicketForm, submit as submit_form};
use super::ticket_page::{ReplyDraft, render_page};
use super::uploads::FormData;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::pages::PageCtx;
use crate::state::AppState;

/// The reply form of a ticket's page.
struct Reply<'a> {
    user: &'a SessionUser,
    id: TicketId,
}

impl TicketForm for Reply<'_> {
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
        ops::reply(conn, actor, self.id, input).await
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
        format!("/tickets/{}", self.id)
    }

    /// The ticket's last page, with the form as it was sent.
    async fn show(
        &self,
        state: &AppState,
        ctx: &PageCtx,
        form: &FormData,
        shown: Shown,
    ) -> Result<Response, AppError> {
        let draft = ReplyDraft {
            body: form.get("content").to_owned(),
            hours: form.get("hours").to_owned(),
            status: form.get("status_id").to_owned(),
            priority: form.get("priority_id").to_owned(),
            error: shown.error,
            preview: shown.preview,
        };
        let last_page = Some(i64::MAX);
        render_page(
            state,
            ctx,
            self.user,
            self.id,
            last_page,
            draft,
            shown.status,
        )
        .await
    }
}

/// Posts the reply, or shows the ticket again with the form and the reason.
#[tracing::instrument(skip_all, fields(ticket.id = %id, user.id = %user.user_id))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: PageCtx,
    jar: CookieJar,
    Id(id): Id<TicketId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = Reply { user: &user, id };
    submit_form(&form, (&state, &ctx, jar), &Actor::from(&user), multipart).await
}
