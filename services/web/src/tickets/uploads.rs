//! Multipart forms with attachments, read as a stream: each file goes to a temporary file while its size and the
//! request's total are counted against the settings, then is renamed into the upload directory under a random name.
//! Nothing is ever buffered whole in memory. Files stay only if the caller commits; otherwise they are removed when
//! the [`PendingFiles`] is dropped.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use flicket_core::repo::attachments::NewAttachment;
use flicket_core::repo::catalog::TicketSettings;
use flicket_core::tickets::files;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::error::AppError;

/// Longest text field read, in bytes (a 10,000-character body fits in 40 KiB).
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most parts read from one form.
const MAX_PARTS: usize = 300;
/// Name of the file input.
pub const FILES_FIELD: &str = "files";

/// Why a form was refused while reading it; shown on the form again.
#[derive(Debug, Clone)]
pub struct UploadError {
    /// 413 for sizes, 422 otherwise.
    pub status: StatusCode,
    /// Fluent message id (argument `value`).
    pub key: &'static str,
    /// The limit or list it quotes.
    pub value: String,
}

/// Files written to the upload directory by this request; removed on drop unless [`PendingFiles::keep`] is called.
#[derive(Debug, Default)]
pub struct PendingFiles {
    dir: PathBuf,
    files: Vec<NewAttachment>,
}

impl PendingFiles {
    /// The rows to record for the files.
    pub fn attachments(&self) -> Vec<NewAttachment> {
        self.files.clone()
    }

    /// Whether a file was uploaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Keeps the files (their rows have been committed).
    pub fn keep(mut self) {
        self.files.clear();
    }
}

impl Drop for PendingFiles {
    fn drop(&mut self) {
        for f in &self.files {
            if let Err(e) = std::fs::remove_file(self.dir.join(&f.stored_name)) {
                tracing::warn!(error = %e, file = %f.stored_name, "could not remove an unused upload");
            }
        }
    }
}

/// The fields of a form, and its files.
#[derive(Debug, Default)]
pub struct FormData {
    fields: Vec<(String, String)>,
    /// The uploaded files.
    pub files: PendingFiles,
}

impl FormData {
    /// The first value of a field, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Every value of a field (checkbox lists).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn refuse(status: StatusCode, key: &'static str, value: String) -> UploadError {
    UploadError { status, key, value }
}

fn bad_form() -> UploadError {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket-error-bad-form",
        String::new(),
    )
}

fn from_multipart(e: &MultipartError) -> UploadError {
    tracing::info!(error = %e.body_text(), "unreadable multipart form");
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-error-request-too-large",
            String::new(),
        )
    } else {
        bad_form()
    }
}

/// Reads a multipart form. Text fields are kept (as far as they were read) even when the form is refused, so that it
/// can be shown again with what the person typed. I/O errors of the upload directory are server errors.
pub async fn read(
    upload_dir: &Path,
    mut multipart: Multipart,
    settings: &TicketSettings,
) -> Result<(FormData, Option<UploadError>), AppError> {
    let mut form = FormData {
        fields: vec![],
        files: PendingFiles {
            dir: upload_dir.to_path_buf(),
            files: vec![],
        },
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((form, None)),
            Err(e) => return Ok((form, Some(from_multipart(&e)))),
        };
        parts += 1;
        if parts > MAX_PARTS {
            return Ok((form, Some(bad_form())));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name != FILES_FIELD {
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_TEXT_BYTES => {
                        bytes.extend_from_slice(&chunk)
                    }
                    Ok(Some(_)) => {
                        return Ok((
                            form,
                            Some(refuse(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                "ticket-error-field-too-long",
                                String::new(),
                            )),
                        ));
                    }
                    Ok(None) => break,
                    Err(e) => return Ok((form, Some(from_multipart(&e)))),
                }
            }
            match String::from_utf8(bytes) {
                Ok(text) => form.fields.push((name, text)),
                Err(_) => return Ok((form, Some(bad_form()))),
            }
            continue;
        }

        let original = field.file_name().and_then(files::clean_name);
        // The first non-empty chunk, if any (an empty part may still yield an empty chunk).
        let first = loop {
            match field.chunk().await {
                Ok(Some(c)) if c.is_empty() => continue,
                Ok(c) => break c,
                Err(e) => return Ok((form, Some(from_multipart(&e)))),
            }
        };
        let allowed = settings.extensions();
        let original = match (original, first.as_ref()) {
            // An empty file input: browsers send a nameless, empty part.
            (None, None) => continue,
            (Some(n), _) if files::allowed(&n, &allowed) => n,
            _ => {
                let list = allowed.join(", ");
                return Ok((
                    form,
                    Some(refuse(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "upload-error-extension",
                        list,
                    )),
                ));
            }
        };
        if form.files.files.len() >= settings.max_uploads_per_post.max(0) as usize {
            let max = settings.max_uploads_per_post.to_string();
            return Ok((
                form,
                Some(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "upload-error-too-many",
                    max,
                )),
            ));
        }
        match store(upload_dir, &mut field, first, settings, &mut total).await? {
            Ok((stored_name, size_bytes, sha256)) => form.files.files.push(NewAttachment {
                attachment_id: Uuid::new_v4(),
                content_type: files::content_type(&original).to_owned(),
                original_name: original,
                stored_name,
                size_bytes,
                sha256,
            }),
            Err(refusal) => return Ok((form, Some(refusal))),
        }
    }
}

/// Streams one file to `tmp/`, counting sizes, then renames it into the upload directory.
async fn store(
    dir: &Path,
    field: &mut axum::extract::multipart::Field<'_>,
    first: Option<axum::body::Bytes>,
    settings: &TicketSettings,
    total: &mut i64,
) -> Result<Result<(String, i64, Vec<u8>), UploadError>, AppError> {
    let tmp_dir = dir.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "upload directory {}: {e}",
            tmp_dir.display()
        ))
    })?;
    let stored_name = Uuid::new_v4().simple().to_string();
    let tmp = tmp_dir.join(format!("{stored_name}.part"));
    let mut out = tokio::fs::File::create(&tmp)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("create {}: {e}", tmp.display())))?;
    let guard = TempFile(Some(tmp.clone()));
    let mut hasher = Sha256::new();
    let mut size: i64 = 0;
    let mut next = first;
    while let Some(chunk) = next {
        size += chunk.len() as i64;
        *total += chunk.len() as i64;
        if size > settings.max_upload_bytes {
            let limit = super::human_size(settings.max_upload_bytes);
            return Ok(Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload-error-file-too-large",
                limit,
            )));
        }
        if *total > settings.max_request_bytes {
            let limit = super::human_size(settings.max_request_bytes);
            return Ok(Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload-error-request-too-large",
                limit,
            )));
        }
        hasher.update(&chunk);
        out.write_all(&chunk)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("write {}: {e}", tmp.display())))?;
        next = match field.chunk().await {
            Ok(c) => c,
            Err(e) => return Ok(Err(from_multipart(&e))),
        };
    }
    out.flush()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("flush {}: {e}", tmp.display())))?;
    drop(out);
    tokio::fs::rename(&tmp, dir.join(&stored_name))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rename {}: {e}", tmp.display())))?;
    guard.disarm();
    Ok(Ok((stored_name, size, hasher.finalize().to_vec())))
}

/// Removes a partial file when its upload is abandoned.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}
