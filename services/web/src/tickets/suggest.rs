//! `GET /people/suggest?q=…`: the people offered in the ticket page's assign and subscribe fields, asked for as one
//! types (the page's script fills the fields' `<datalist>`). Without the script the fields take a user name as typed.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use flicket_core::repo::ticket_users;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

/// Most people in one answer.
pub const SUGGESTIONS: i64 = 20;

/// The typed text.
#[derive(Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    q: String,
}

/// One suggestion.
#[derive(Serialize)]
pub struct Suggestion {
    username: String,
    name: String,
}

/// Enabled people whose user name or name contains the text (user names starting with it first), at most
/// [`SUGGESTIONS`]; an empty text gives the first ones by user name.
pub async fn people(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    q: Result<Query<SuggestQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = q.map_err(|_| AppError::BadRequest("ticket-error-bad-form"))?;
    let filter = crate::http::typed_text(&q.q, 64);
    let people = ticket_users::suggest_people(&state.pool, &filter, SUGGESTIONS).await?;
    let body: Vec<Suggestion> = people
        .into_iter()
        .map(|p| Suggestion {
            username: p.username,
            name: p.name,
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(body)).into_response())
}
