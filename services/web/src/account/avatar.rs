//! Avatars: PNG, JPEG, GIF or WebP only (recognised by their first bytes, whatever the file name says), at most
//! [`MAX_AVATAR_BYTES`], stored under a random name, and served only to signed-in users with the attachment
//! safeguards (`Content-Disposition: attachment`, `nosniff`, a type from the bytes). Never SVG: it can carry script.
//! The checks and the files' place are `flicket_core::ops::account`'s; reading and writing the files is done here.

use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use flicket_core::domain::UserId;
use flicket_core::ops::account::{self, MAX_AVATAR_BYTES, Replaced};
use flicket_core::ops::{OpError, OpResult};
use flicket_core::repo::users;

use super::{back, failed};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Id;
use crate::run::run;
use crate::state::AppState;

/// Reads the `avatar` field, stopping past [`MAX_AVATAR_BYTES`] (the operation refuses what is larger); a missing
/// field or a broken upload is an `avatar` error.
async fn read_field(multipart: &mut Multipart) -> OpResult<Vec<u8>> {
    let refused = |e: axum::extract::multipart::MultipartError| {
        let key = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "error-avatar-size"
        } else {
            "error-avatar-type"
        };
        OpError::field("avatar", key)
    };
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        if field.name() != Some("avatar") {
            continue;
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(refused)? {
            data.extend_from_slice(&chunk);
            if data.len() > MAX_AVATAR_BYTES {
                break;
            }
        }
        return Ok(data);
    }
    Err(OpError::field("avatar", "error-avatar-type"))
}

/// Deletes the file of the avatar a committed change replaced, and goes back to the account page.
async fn replaced(state: &AppState, jar: CookieJar, old: Replaced, key: &str) -> Response {
    if let Replaced(Some(old)) = old {
        account::remove_avatar_file(&state.config.upload_dir, &old).await;
    }
    back(state, jar, "success", key)
}

/// `POST /account/avatar` (multipart; the CSRF token is in the action URL).
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let checked = match read_field(&mut multipart).await {
        Ok(data) => account::new_avatar_name(&data).map(|name| (name, data)),
        Err(e) => Err(e),
    };
    let (name, data) = match checked {
        Ok(v) => v,
        Err(OpError::Invalid(f)) => return Ok(back(&state, jar, "danger", f.message.key)),
        Err(e) => return Err(failed(e)),
    };
    let dir = account::avatar_dir(&state.config.upload_dir);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(anyhow::Error::from)?;
    tokio::fs::write(dir.join(&name), &data)
        .await
        .map_err(anyhow::Error::from)?;
    match run(&state, async |c| {
        account::set_avatar(c, user.user_id, &name).await
    })
    .await
    {
        Ok(old) => Ok(replaced(&state, jar, old, "account-avatar-saved").await),
        Err(e) => {
            account::remove_avatar_file(&state.config.upload_dir, &name).await;
            Err(failed(e))
        }
    }
}

/// `POST /account/avatar/delete`.
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let old = run(&state, async |c| {
        account::remove_avatar(c, user.user_id).await
    })
    .await
    .map_err(failed)?;
    Ok(replaced(&state, jar, old, "account-avatar-removed").await)
}

/// `GET /users/{id}/avatar`: the image, to signed-in users.
pub async fn serve(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Id(id): Id<UserId>,
) -> Result<Response, AppError> {
    let profile = users::profile(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = profile
        .avatar
        .and_then(|name| account::avatar_file(&state.config.upload_dir, &name))
        .ok_or(AppError::NotFound)?;
    let data = match tokio::fs::read(path).await {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    // The type comes from the bytes again, not from anything a person typed.
    let (ext, mime) = account::avatar_type(&data).ok_or(AppError::NotFound)?;
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
