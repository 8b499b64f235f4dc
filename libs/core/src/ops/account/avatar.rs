//! Avatars: checking an upload, its stored name and file, setting and removing it.

use std::path::{Path, PathBuf};

use sqlx::PgConnection;
use uuid::Uuid;

use super::MAX_AVATAR_BYTES;
use crate::domain::UserId;
use crate::ops::{Changed, Committed, OpError, OpResult};
use crate::repo::users;

/// The image type of an avatar's bytes, recognised by its first bytes whatever the file name says: (extension,
/// MIME type) of PNG, JPEG, GIF or WebP, or `None`. Never SVG: it can carry script.
pub fn avatar_type(data: &[u8]) -> Option<(&'static str, &'static str)> {
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

/// A stored avatar name we generated ourselves (`<uuid>.<ext>`); anything else is refused before touching the disk.
pub fn avatar_name_ok(name: &str) -> bool {
    name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Checks an uploaded avatar (`avatar`: at most [`MAX_AVATAR_BYTES`], one of the four image types) and gives it
/// the random name to store it under.
pub fn new_avatar_name(data: &[u8]) -> OpResult<String> {
    if data.len() > MAX_AVATAR_BYTES {
        return Err(OpError::field("avatar", "error-avatar-size"));
    }
    let (ext, _) = avatar_type(data).ok_or(OpError::field("avatar", "error-avatar-type"))?;
    Ok(format!("{}.{ext}", Uuid::new_v4()))
}

/// The folder of the avatars' files, below the upload folder.
pub fn avatar_dir(upload_dir: &Path) -> PathBuf {
    upload_dir.join("avatars")
}

/// Where a stored avatar's file is; `None` for a name we did not generate.
pub fn avatar_file(upload_dir: &Path, name: &str) -> Option<PathBuf> {
    avatar_name_ok(name).then(|| avatar_dir(upload_dir).join(name))
}

/// Deletes a stored avatar's file once the change that dropped it has committed (best effort: a leftover file is
/// harmless, a failed request is not).
pub async fn remove_avatar_file(upload_dir: &Path, name: &str) {
    if let Some(path) = avatar_file(upload_dir, name)
        && let Err(e) = tokio::fs::remove_file(path).await
    {
        tracing::warn!(error = %e, "could not delete an avatar file");
    }
}

/// The avatar a change replaced, whose file the caller deletes once the change is committed (the files are the
/// web's: they live in its upload folder).
#[derive(Debug, Default)]
pub struct Replaced(pub Option<String>);

impl Committed for Replaced {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// Sets the avatar of `user_id` to a file already stored under `name` (from [`new_avatar_name`]).
pub async fn set_avatar(
    conn: &mut PgConnection,
    user_id: UserId,
    name: &str,
) -> OpResult<Replaced> {
    if !avatar_name_ok(name) {
        return Err(OpError::field("avatar", "error-avatar-type"));
    }
    Ok(Replaced(
        users::set_avatar(conn, user_id, Some(name)).await?,
    ))
}

/// Removes the avatar of `user_id`.
pub async fn remove_avatar(conn: &mut PgConnection, user_id: UserId) -> OpResult<Replaced> {
    Ok(Replaced(users::set_avatar(conn, user_id, None).await?))
}
