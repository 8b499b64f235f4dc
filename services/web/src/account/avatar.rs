//! Avatars: PNG, JPEG, GIF or WebP only (recognised by their first bytes, whatever the file name says), at most
//! [`MAX_BYTES`], stored under a random name, and served only to signed-in users with the attachment safeguards
//! (`Content-Disposition: attachment`, `nosniff`, a type from the stored extension). Never SVG: it can carry script.

use std::path::PathBuf;

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::repo::users;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::flash_cookie;
use crate::state::AppState;

/// Largest avatar accepted.
pub const MAX_BYTES: usize = 1024 * 1024;

/// The image type of some bytes: (extension, MIME type), or `None` when it is not one of the accepted formats.
pub fn sniff(data: &[u8]) -> Option<(&'static str, &'static str)> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("png", "image/png"))
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(("jpg", "image/jpeg"))
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some(("gif", "image/gif"))
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some(("webp", "image/webp"))
    } else {
        None
    }
}

fn dir(state: &AppState) -> PathBuf {
    state.config.upload_dir.join("avatars")
}

/// A stored name we generated ourselves: `<uuid>.<ext>`; anything else is refused before touching the disk.
fn stored_name_ok(name: &str) -> bool {
    name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Deletes a stored avatar file (best effort: a leftover file is harmless, a failed request is not).
pub async fn remove_file(state: &AppState, name: &str) {
    if stored_name_ok(name)
        && let Err(e) = tokio::fs::remove_file(dir(state).join(name)).await
    {
        tracing::warn!(error = %e, "could not delete an avatar file");
    }
}

fn back(state: &AppState, jar: CookieJar, kind: &str, key: &str) -> Response {
    (
        jar.add(flash_cookie(state, kind, key)),
        Redirect::to("/account"),
    )
        .into_response()
}

/// Reads the `avatar` field, at most [`MAX_BYTES`]; `Err(fluent key)` when it is missing or too large.
async fn read_field(multipart: &mut Multipart) -> Result<Vec<u8>, &'static str> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            "error-avatar-size"
        } else {
            "error-avatar-type"
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() != Some("avatar") {
            continue;
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(too_large)? {
            data.extend_from_slice(&chunk);
            if data.len() > MAX_BYTES {
                return Err("error-avatar-size");
            }
        }
        return Ok(data);
    }
    Err("error-avatar-type")
}

/// `POST /account/avatar` (multipart; the CSRF token is in the action URL).
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let data = match read_field(&mut multipart).await {
        Ok(d) => d,
        Err(key) => return Ok(back(&state, jar, "danger", key)),
    };
    let Some((ext, _)) = sniff(&data) else {
        return Ok(back(&state, jar, "danger", "error-avatar-type"));
    };
    let name = format!("{}.{ext}", uuid::Uuid::new_v4());
    let dir = dir(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(anyhow::Error::from)?;
    tokio::fs::write(dir.join(&name), &data)
        .await
        .map_err(anyhow::Error::from)?;
    let previous = match users::set_avatar(&state.pool, user.user_id, Some(&name)).await {
        Ok(p) => p,
        Err(e) => {
            remove_file(&state, &name).await;
            return Err(e.into());
        }
    };
    if let Some(old) = previous {
        remove_file(&state, &old).await;
    }
    Ok(back(&state, jar, "success", "account-avatar-saved"))
}

/// `POST /account/avatar/delete`.
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Some(old) = users::set_avatar(&state.pool, user.user_id, None).await? {
        remove_file(&state, &old).await;
    }
    Ok(back(&state, jar, "success", "account-avatar-removed"))
}

/// `GET /users/{id}/avatar`: the image, to signed-in users.
pub async fn serve(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let profile = users::profile(&state.pool, UserId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    let name = profile
        .avatar
        .filter(|n| stored_name_ok(n))
        .ok_or(AppError::NotFound)?;
    let data = match tokio::fs::read(dir(&state).join(&name)).await {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    // The type comes from the bytes again, not from anything a person typed.
    let (ext, mime) = sniff(&data).ok_or(AppError::NotFound)?;
    let disposition = format!("attachment; filename=\"avatar.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        data,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_image_formats_pass() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").map(|t| t.0), Some("png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]).map(|t| t.0), Some("jpg"));
        assert_eq!(sniff(b"GIF89a..").map(|t| t.0), Some("gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").map(|t| t.0), Some("webp"));
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b"<html><script>"), None);
        assert!(!stored_name_ok("../etc/passwd") && stored_name_ok("0b9e-1.png"));
    }
}
