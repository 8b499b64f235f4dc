//! `POST /flicket-api/tokens` (HTTP Basic) and `DELETE /flicket-api/tokens`: the tokens of `/api/v1`, in Flicket's
//! shape (`200 {"token": …}`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::tokens_api::{issue_token, revoke};
use crate::api::{ApiError, ApiUser};
use crate::http::ClientIp;
use crate::state::AppState;

/// Flicket's token answer.
#[derive(Serialize)]
pub struct Token {
    token: String,
}

/// Exchanges HTTP Basic credentials for a bearer token (a new one each time; tokens are stored hashed, so an
/// earlier one cannot be handed out again).
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<Json<Token>, ApiError> {
    let token = issue_token(&state, &ip, &headers).await?.token;
    Ok(Json(Token { token }))
}

/// Revokes the token of the request: 204, or 401 for a token that does not work (as every other endpoint, a
/// disabled user's token does not).
pub async fn revoke_token(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    revoke(&state, &headers).await
}
