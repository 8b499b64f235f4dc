//! The bearer token of an API request: the `ApiUser` extractor with a per-token rate limit. Tokens are issued and
//! revoked by `crate::signin::tokens_api` (`/api/v1/tokens`) and `crate::signin::tokens_compat` (`/flicket-api/tokens`).

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use flicket_core::repo::api_tokens;
use flicket_core::repo::sessions::SessionUser;
use flicket_core::tokens;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use super::ApiError;
use crate::state::AppState;

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

/// The bearer token of a request's `Authorization` header (at most 256 characters).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
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
