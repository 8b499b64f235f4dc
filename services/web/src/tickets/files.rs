//! `GET /attachments/{id}`: the only way to an attachment. The viewer must be signed in and allowed to see the
//! ticket; the file is sent as a download that no browser renders in the site's origin.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::can_view;
use flicket_core::repo::{attachments, tickets};
use flicket_core::tickets::files::content_disposition;
use tokio_util::io::ReaderStream;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::state::AppState;
use crate::stored_files::is_stored_name;

/// Sends an attachment. Unknown ids and tickets the viewer may not see are both 404, so ids cannot be probed.
#[tracing::instrument(skip_all, fields(attachment.id = %id))]
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id<Uuid>,
) -> Result<Response, AppError> {
    serve(&state, &Actor::from(&user), id).await
}

/// Sends the attachment `id` to `actor` (the pages' download and the API's).
pub(crate) async fn serve(state: &AppState, actor: &Actor, id: Uuid) -> Result<Response, AppError> {
    let file = attachments::get(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = tickets::facts(&state.pool, file.ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    can_view(actor, &facts).map_err(|_| AppError::NotFound)?;
    if !is_stored_name(&file.stored_name) {
        tracing::error!(stored = %file.stored_name, "attachment row with an unexpected stored name");
        return Err(AppError::NotFound);
    }
    let path = state.config.upload_dir.join(&file.stored_name);
    let handle = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "attachment file missing");
            return Err(AppError::NotFound);
        }
    };
    let mut resp = Body::from_stream(ReaderStream::new(handle)).into_response();
    let or =
        |s: &str, default| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(default));
    let disposition = content_disposition(&file.original_name);
    let headers = [
        (
            header::CONTENT_TYPE,
            or(&file.content_type, "application/octet-stream"),
        ),
        (
            header::CONTENT_LENGTH,
            HeaderValue::from(file.size_bytes.max(0) as u64),
        ),
        (header::CONTENT_DISPOSITION, or(&disposition, "attachment")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
    ];
    for (name, value) in headers {
        resp.headers_mut().insert(name, value);
    }
    Ok(resp)
}
