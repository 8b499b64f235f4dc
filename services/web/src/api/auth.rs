//! Bearer tokens: `POST /api/v1/tokens` with HTTP Basic credentials, `DELETE /api/v1/tokens`, and the `ApiUser`
//! extractor with a per-token rate limit.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use chrono::{DateTime, Utc};
use flicket_core::accounts::sign_in::{self, Outcome};
use flicket_core::repo::api_tokens;
use flicket_core::repo::sessions::SessionUser;
use flicket_core::tokens;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ApiError;
use crate::http::ClientIp;
use crate::state::AppState;

/// How long a token lives.
const TOKEN_LIFETIME_HOURS: i64 = 10;

/// Requests allowed per token (per replica: each web process counts its own).
pub struct ApiLimiter(DefaultKeyedRateLimiter<Uuid>);

impl ApiLimiter {
    /// `n` requests a minute per token, in bursts of up to `n`.
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self(RateLimiter::keyed(Quota::per_minute(n)))
    }
}

/// The user of a valid bearer token.
pub struct ApiUser(pub SessionUser);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let (token_id, user) = api_tokens::find(&state.pool, &tokens::hash_token(token))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(limiter) = parts.extensions.get::<Arc<ApiLimiter>>()
            && limiter.0.check_key(&token_id).is_err()
        {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests for this token; slow down.",
            ));
        }
        tracing::Span::current().record("user.id", user.user_id.0);
        Ok(ApiUser(user))
    }
}

/// A new token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token: send it as `Authorization: Bearer <token>`. It is shown only once.
    token: String,
    /// When it stops working.
    expires_at: DateTime<Utc>,
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// Exchanges HTTP Basic credentials (user name or email, password) for a bearer token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", security(("basic" = [])),
    responses((status = 201, body = TokenResponse), (status = 401, body = super::error::ApiErrorBody),
              (status = 429, body = super::error::ApiErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let (token, expires_at) = issue_token(&state, &ip, &headers).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse { token, expires_at }),
    ))
}

/// Checks the HTTP Basic credentials of a request and stores a new token for their user (also used by
/// `/flicket-api/tokens`); returns the token and when it expires.
pub(crate) async fn issue_token(
    state: &AppState,
    ip: &str,
    headers: &HeaderMap,
) -> Result<(String, DateTime<Utc>), ApiError> {
    let (login, pass) = basic(headers).ok_or_else(ApiError::unauthorized)?;
    // The same check and limiter as the sign-in form: one counter per account, whichever way it is named.
    let accepted = match sign_in::sign_in(&state.pool, &login, SecretString::from(pass), ip).await?
    {
        Outcome::Accepted(a) => a,
        Outcome::Refused => return Err(ApiError::unauthorized()),
        Outcome::Limited => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed attempts; try again later.",
            ));
        }
    };
    let token = tokens::random_token();
    let expires_at = Utc::now() + chrono::Duration::hours(TOKEN_LIFETIME_HOURS);
    let mut tx = state.pool.begin().await?;
    api_tokens::create(
        &mut *tx,
        &tokens::hash_token(&token),
        accepted.user_id,
        expires_at,
    )
    .await?;
    accepted.record(&mut *tx).await?;
    tx.commit().await?;
    Ok((token, expires_at))
}

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = super::error::ApiErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or_else(ApiError::unauthorized)?;
    if api_tokens::revoke(&state.pool, &tokens::hash_token(token)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::unauthorized())
    }
}
