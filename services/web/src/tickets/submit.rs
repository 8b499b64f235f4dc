//! What the three multipart ticket forms (raise, reply, edit) do alike once sent: read the body under the upload
//! limits of the settings; show the form again for a refused upload, a preview or a field that does not parse; run
//! the change; keep the new files only once it has committed; show a field error of the change under the form.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;
use axum::response::Response;
use flicket_core::domain::ParseError;
use flicket_core::markdown;
use flicket_core::ops::Committed;
use flicket_core::permissions::Actor;
use flicket_core::repo::catalog::{self, TicketSettings};
use flicket_core::tickets::ops::{OpError, OpResult};
use sqlx::PgConnection;

use super::uploads::{self, FormData};
use super::{Visit, forms, op_failed, redirect_flash};
use crate::error::AppError;

/// How a form is shown: a message, a preview, and the status code.
pub struct Shown {
    pub error: Option<String>,
    pub preview: Option<String>,
    pub status: StatusCode,
}

impl Shown {
    /// As stored.
    pub fn fresh() -> Self {
        Self {
            error: None,
            preview: None,
            status: StatusCode::OK,
        }
    }

    /// Again, with why it was refused.
    pub fn refused(message: String, status: StatusCode) -> Self {
        Self {
            error: Some(message),
            preview: None,
            status,
        }
    }
}

/// One of the ticket forms.
pub(super) trait TicketForm {
    /// The change's input, parsed from the form.
    type Input;
    /// What the change gives back.
    type Done: Committed;

    /// Parses the fields, in the order the form shows them (the first problem is the one said).
    fn parse(&self, form: &FormData, settings: &TicketSettings) -> Result<Self::Input, ParseError>;

    /// Makes the change.
    async fn change(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        input: &Self::Input,
    ) -> OpResult<Self::Done>;

    /// Where to go once it is done, and the message said there.
    fn done(&self, done: &Self::Done, input: &Self::Input) -> (String, &'static str);

    /// Where a refusal of the change is said.
    fn back(&self) -> String;

    /// The form again, with what was sent.
    async fn show(&self, v: &Visit, form: &FormData, shown: Shown) -> Result<Response, AppError>;
}

/// Handles a sent ticket form: the form again (413 or 422 for a refused upload, 200 with a preview, 422 for a field
/// that does not parse or that the change refuses), or the change made and its page with the success message.
pub(super) async fn submit<F: TicketForm>(
    f: &F,
    v: Visit,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (state, ctx) = (&v.state, &v.ctx);
    let multipart = multipart.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refused) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    let unprocessable = |key: &str| Shown::refused(ctx.t(key), StatusCode::UNPROCESSABLE_ENTITY);
    if let Some(e) = refused {
        let shown = Shown::refused(forms::upload_message(ctx.locale, &e), e.status);
        return f.show(&v, &form, shown).await;
    }
    if form.get("action") == "preview" {
        let shown = Shown {
            error: (!form.files.is_empty()).then(|| ctx.t("ticket-preview-files-again")),
            preview: Some(markdown::render(form.get("content"))),
            status: StatusCode::OK,
        };
        return f.show(&v, &form, shown).await;
    }
    let input = match f.parse(&form, &settings) {
        Ok(i) => i,
        Err(e) => return f.show(&v, &form, unprocessable(e.key)).await,
    };
    let actor = v.actor();
    match crate::run::run(state, async |c| f.change(c, &actor, &input).await).await {
        Ok(done) => {
            form.files.keep();
            let (to, key) = f.done(&done, &input);
            Ok(redirect_flash(state, v.jar, &to, "success", key))
        }
        Err(OpError::Invalid(e)) => {
            let shown = unprocessable(e.message.key);
            f.show(&v, &form, shown).await
        }
        Err(e) => op_failed(state, v.jar, &f.back(), e),
    }
}
