//! Typed ids in paths: `Id<TicketId>` for `/tickets/{id}`, `Ids<DepartmentId, CategoryId>` for two. A segment that
//! is not an id (letters, a sign, an overflow) is a 404, as for an id that does not exist. The HTML pages reject with
//! [`AppError`]; the APIs use [`ApiId`] and [`ApiIds`], which reject with [`ApiError`].

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::api::ApiError;
use crate::error::AppError;

/// One path segment as an id; a leading `+` or `-` is refused (ids are never negative).
fn parse<T: FromStr>(raw: &str) -> Option<T> {
    if raw.starts_with(['+', '-']) {
        return None;
    }
    raw.parse().ok()
}

async fn segments<S: Send + Sync>(parts: &mut Parts, state: &S) -> Option<Vec<String>> {
    Path::<Vec<String>>::from_request_parts(parts, state)
        .await
        .ok()
        .map(|Path(v)| v)
}

macro_rules! path_ids {
    ($(#[$one:meta])* $id:ident, $(#[$two:meta])* $ids:ident, $rejection:ty, $not_found:expr) => {
        $(#[$one])*
        #[derive(Debug, Clone, Copy)]
        pub struct $id<T>(pub T);

        impl<S: Send + Sync, T: FromStr + Send> FromRequestParts<S> for $id<T> {
            type Rejection = $rejection;
            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                match segments(parts, state).await.as_deref() {
                    Some([raw]) => parse(raw).map($id).ok_or_else(|| $not_found),
                    _ => Err($not_found),
                }
            }
        }

        $(#[$two])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ids<A, B>(pub A, pub B);

        impl<S: Send + Sync, A: FromStr + Send, B: FromStr + Send> FromRequestParts<S> for $ids<A, B> {
            type Rejection = $rejection;
            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                match segments(parts, state).await.as_deref() {
                    Some([a, b]) => match (parse(a), parse(b)) {
                        (Some(a), Some(b)) => Ok($ids(a, b)),
                        _ => Err($not_found),
                    },
                    _ => Err($not_found),
                }
            }
        }
    };
}

path_ids!(
    /// The one id of a page's path, or the 404 page.
    Id,
    /// The two ids of a page's path, or the 404 page.
    Ids,
    AppError,
    AppError::NotFound
);

path_ids!(
    /// The one id of an API path, or the API's 404.
    ApiId,
    /// The two ids of an API path, or the API's 404.
    ApiIds,
    ApiError,
    ApiError::not_found()
);
