//! `POST /api/v1/tokens` (HTTP Basic credentials) and `DELETE /api/v1/tokens`: the bearer tokens of both APIs,
//! issued and revoked by [`flicket_core::ops::tokens`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use chrono::{DateTime, Utc};
use flicket_core::accounts::sign_in::Outcome;
use flicket_core::ops::OpError;
use flicket_core::ops::tokens::{self, NewToken};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{ApiError, ApiErrorBody, bearer};
use crate::http::ClientIp;
use crate::state::AppState;

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
    responses((status = 201, body = TokenResponse), (status = 401, body = ApiErrorBody),
              (status = 429, body = ApiErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let NewToken { token, expires_at } = issue_token(&state, &ip, &headers).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse { token, expires_at }),
    ))
}

/// Checks the HTTP Basic credentials of a request and stores a new token for their user (both APIs).
pub(super) async fn issue_token(
    state: &AppState,
    ip: &str,
    headers: &HeaderMap,
) -> Result<NewToken, ApiError> {
    let (login, pass) = basic(headers).ok_or_else(ApiError::unauthorized)?;
    match tokens::create(&state.pool, &login, SecretString::from(pass), ip).await? {
        Outcome::Accepted(token) => Ok(token),
        Outcome::Refused => Err(ApiError::unauthorized()),
        Outcome::Limited => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts; try again later.",
        )),
    }
}

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    revoke(&state, &headers).await
}

/// Revokes the bearer token of a request: 204, or 401 when it is not a live token (both APIs).
pub(super) async fn revoke(state: &AppState, headers: &HeaderMap) -> Result<StatusCode, ApiError> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    match crate::run::run(state, async |c| tokens::revoke(c, token).await).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(OpError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}
