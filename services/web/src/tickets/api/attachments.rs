//! Attachments through the API: upload (multipart, streamed to disk with the UI's limits and name cleaning), list,
//! and download through the same authorising handler as the pages.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use flicket_core::domain::{PostId, TicketId, Title};
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{self as rules, Refusal};
use flicket_core::repo::attachments::{self, AttachmentView};
use flicket_core::repo::{catalog, posts, tickets};
use flicket_core::tickets::ops::{self, EditPostInput, EditTicketInput, OpError};
use flicket_core::tickets::{Body, Hours};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::super::uploads::{self, UploadError};
use super::Listed;
use super::view::load;
use crate::api::error::ApiErrorBody;
use crate::api::pagination::{Page, PageParams};
use crate::api::{ApiError, ApiUser};
use crate::extract::ApiId;
use crate::run::run;
use crate::state::AppState;

/// An attachment.
#[derive(Serialize, ToSchema)]
pub struct Attachment {
    id: Uuid,
    /// The reply it belongs to (none: the ticket body).
    post_id: Option<i64>,
    /// The cleaned original name.
    name: String,
    size_bytes: i64,
    created_at: DateTime<Utc>,
    /// Where to download it (`GET`, with the bearer token).
    url: String,
}

impl From<AttachmentView> for Attachment {
    fn from(a: AttachmentView) -> Self {
        Attachment {
            url: format!("/api/v1/attachments/{}", a.attachment_id),
            id: a.attachment_id,
            post_id: a.post_id.map(|p| p.0),
            name: a.original_name,
            size_bytes: a.size_bytes,
            created_at: a.created_at,
        }
    }
}

/// The upload form: one or more `files` parts.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart body only
pub struct UploadForm {
    /// The files (the settings' extensions, sizes and number per post apply).
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// `?post_id=`: attach to a reply instead of the ticket body.
#[derive(Deserialize, IntoParams)]
pub struct UploadTarget {
    /// The reply (of this ticket) to attach the files to; none: the ticket body.
    post_id: Option<i64>,
}

/// What an upload edits.
enum Edit {
    Ticket(EditTicketInput),
    Post(PostId, EditPostInput),
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::Forbidden => ApiError::forbidden(),
        Refusal::Conflict(key) => ApiError::conflict(key),
    }
}

fn upload_error(e: &UploadError) -> ApiError {
    let mut args = flicket_core::i18n::FluentArgs::new();
    args.set("value", e.value.clone());
    let message = flicket_core::Locale::En.t_args(e.key, &args);
    if e.status == StatusCode::UNPROCESSABLE_ENTITY {
        let mut fields = BTreeMap::new();
        fields.insert("files".to_owned(), message);
        ApiError::invalid(fields)
    } else {
        ApiError::new(e.status, message)
    }
}

/// Adds files to the ticket body, or to one of its replies with `?post_id=`. The rules are the UI's edit: the
/// ticket's creator (the reply's author) or an admin, not while the ticket is closed; nothing is stored otherwise.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), UploadTarget),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Vec<Attachment>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
              (status = 413, body = ApiErrorBody), (status = 415, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all, fields(user.id = %user.user_id))]
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<TicketId>,
    Query(target): Query<UploadTarget>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let actor = Actor::from(&user);
    let facts = tickets::facts(&state.pool, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    // Checked before the upload is read, so that a refused person stores nothing.
    let post = match target.post_id {
        None => {
            rules::can_edit_ticket(&actor, &facts).map_err(refusal)?;
            None
        }
        Some(p) => {
            let post = posts::get(&state.pool, PostId(p))
                .await?
                .filter(|post| post.ticket_id == id)
                .ok_or_else(|| ApiError::field("post_id", "api-error-unknown-reply"))?;
            rules::can_edit_post(&actor, post.author_id, &facts).map_err(refusal)?;
            Some(post)
        }
    };
    let multipart = multipart.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let (form, refused) = uploads::read(&state.config.upload_dir, multipart, &settings).await?;
    if let Some(e) = refused {
        return Err(upload_error(&e));
    }
    if form.files.is_empty() {
        return Err(ApiError::field("files", "api-error-no-files"));
    }
    let files = form.files.attachments();
    let new_ids: Vec<Uuid> = files.iter().map(|f| f.attachment_id).collect();
    let max_files = i64::from(settings.max_uploads_per_post);
    let t = load(&state, &actor, id).await?;
    // The edit of the body or of the reply, unchanged but for the files.
    let body = |text: &str| Body::parse(text).map_err(|e| ApiError::field("content", e.key));
    let edit = match post {
        None => Edit::Ticket(EditTicketInput {
            title: Title::parse(&t.title).map_err(|e| ApiError::field("title", e.key))?,
            body: body(&t.content)?,
            priority_id: t.priority_id,
            hours: Hours::from_cents(t.hours_cents),
            remove: vec![],
            files,
            max_files,
        }),
        Some(p) => Edit::Post(
            p.post_id,
            EditPostInput {
                body: body(&p.content)?,
                status_id: t.status_id,
                priority_id: t.priority_id,
                hours: Hours::from_cents(p.hours_cents),
                remove: vec![],
                files,
                max_files,
            },
        ),
    };
    run(&state, async |c| match &edit {
        Edit::Ticket(input) => ops::edit_ticket(c, &actor, id, input).await,
        Edit::Post(post_id, input) => ops::edit_post(c, &actor, *post_id, input)
            .await
            .map(|(_, changed)| changed),
    })
    .await
    .map_err(|e| match e {
        OpError::Invalid(f) => ApiError::field("files", f.message.key),
        e => e.into(),
    })?;
    form.files.keep();
    let items: Vec<Attachment> = attachments::for_ticket(&state.pool, id)
        .await?
        .into_iter()
        .filter(|a| new_ids.contains(&a.attachment_id))
        .map(Attachment::from)
        .collect();
    Ok((StatusCode::CREATED, Json(items)).into_response())
}

/// The attachments of a ticket (body and replies), oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket id"), PageParams),
    responses((status = 200, body = Page<Attachment>), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn list(t: Listed) -> Result<Json<Page<Attachment>>, ApiError> {
    let all = attachments::for_ticket(&t.state.pool, t.id())
        .await?
        .into_iter()
        .map(Attachment::from)
        .collect();
    Ok(Json(t.paged("attachments").await?.slice(all)))
}

/// Downloads an attachment (`Content-Disposition: attachment`, `nosniff`); unknown ids and tickets the caller may
/// not see are both 404.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id (a UUID)")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
              (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId<Uuid>,
) -> Result<Response, ApiError> {
    Ok(super::super::files::serve(&state, &Actor::from(&user), id).await?)
}
