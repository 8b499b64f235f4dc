//! Flicket's REST API under `/flicket-api/`, so that scripts written for Flicket keep working: the same paths
//! (trailing slashes and path-segment paging where Flicket had them), the same field names (typos included:
//! `started_ny`, `data_added`), the `{items, _meta, _links}` envelope with absolute links, RFC 1123 dates and
//! `{"error": <reason>, "message": ...}` errors.
//!
//! Everything else is `/api/v1`'s: the same tokens and rate limit ([`ApiUser`]), the same permission functions (a
//! token sees what the UI shows its user, email addresses only for admins and super users, departments and
//! categories created only by those the admin pages allow) and the same domain operation to raise a ticket.
//! Flicket's bugs are not copied: an unknown token is a 401, statuses link to statuses.

use std::collections::HashMap;

use axum::extract::OriginalUri;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use flicket_core::domain::TicketId;
use flicket_core::permissions::Actor;
use flicket_core::permissions::tickets::{TicketFacts, can_view};
use flicket_core::repo::{compat, settings};

use crate::api::{ApiError, ApiUser};
use crate::state::AppState;

/// The prefix of every path.
pub(crate) const PREFIX: &str = "/flicket-api";

/// Largest page size, as in Flicket.
const MAX_PER_PAGE: i64 = 100;

/// `GET` of a collection's path without its trailing slash: a permanent redirect to it, as Flicket answered.
pub(crate) async fn add_slash(OriginalUri(uri): OriginalUri) -> Response {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::permanent(&format!("{}/{query}", uri.path())).into_response()
}

/// The base URL of links and the default page size.
pub(crate) struct Site {
    pub(crate) base: String,
    per_page: i64,
}

impl Site {
    pub(crate) async fn load(state: &AppState) -> Result<Self, ApiError> {
        let site = settings::site(&state.pool).await?;
        Ok(Self {
            base: state.config.base_url.clone().unwrap_or(site.base_url),
            per_page: i64::from(site.page_size).clamp(1, MAX_PER_PAGE),
        })
    }

    /// The absolute URL of an API path (`ticket/1`, `tickets/`, …).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{PREFIX}/{path}", self.base)
    }

    /// The page size asked for (`?per_page=`, at most 100); anything unreadable is the default, as in Flicket.
    pub(crate) fn per_page(&self, query: &Params) -> i64 {
        query
            .int("per_page")
            .map_or(self.per_page, |n| n.clamp(1, MAX_PER_PAGE))
    }
}

/// The query string, read leniently as Flicket did (an unreadable number is as good as absent).
pub(crate) type Params = HashMap<String, String>;

pub(crate) trait ParamsExt {
    fn int(&self, key: &str) -> Option<i64>;
    fn text(&self, key: &str) -> Option<String>;
}

impl ParamsExt for Params {
    fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }
    /// A non-empty text value, without control characters, at most 200 characters.
    fn text(&self, key: &str) -> Option<String> {
        let v: String = self
            .get(key)?
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        (!v.is_empty()).then_some(v)
    }
}

/// A filter given as an integer, or a 400 saying so.
pub(crate) fn int_filter(query: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    match query.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad_request(&format!("{key} must be an integer."))),
    }
}

/// An id from the path; anything else is a 404, as Flicket's `<int:id>` routes.
fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(ApiError::not_found)
}

/// A page number from the path (`…/2/`).
pub(crate) fn path_page(raw: &str) -> Result<i64, ApiError> {
    path_id(raw).map(|p| p.clamp(1, 1_000_000))
}

/// Flicket's 400.
pub(crate) fn bad_request(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// A date as Flicket's JSON encoder wrote it (RFC 1123, always GMT).
pub(crate) fn date(d: DateTime<Utc>) -> String {
    d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The person acting.
pub(crate) fn actor(user: &ApiUser) -> Actor {
    Actor::from(&user.0)
}

/// A ticket the user may see; otherwise, like a missing one, a 404.
pub(crate) fn visible(actor: &Actor, facts: &TicketFacts) -> Result<(), ApiError> {
    can_view(actor, facts).map_err(|_| ApiError::not_found())
}

/// Keeps the rows whose ticket the user may see.
pub(crate) async fn keep_visible<T>(
    state: &AppState,
    actor: &Actor,
    rows: Vec<T>,
    ticket_of: impl Fn(&T) -> TicketId,
) -> Result<Vec<T>, ApiError> {
    let ids: Vec<TicketId> = rows.iter().map(&ticket_of).collect();
    let facts = compat::ticket_facts(&state.pool, &ids).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            let id = ticket_of(r);
            facts
                .iter()
                .any(|(t, f)| *t == id && can_view(actor, f).is_ok())
        })
        .collect())
}

/// Where the page number goes in a collection's links.
pub(crate) enum Paging<'a> {
    /// `…/tickets/2/?per_page=50`: the path before the page number (`tickets/`).
    Path(&'a str),
    /// `…/departments/?page=2&per_page=50`: the collection's path (`departments/`).
    Query(&'a str),
}

/// A page of a collection, as Flicket's `to_collection_dict` built it: the same envelope as `/api/v1`'s.
pub(crate) type Collection<T> = crate::api::pagination::Page<T>;

impl<T> Collection<T> {
    /// `filters` are the query parameters kept in the links (`("topic_id", "1")`, …).
    pub(crate) fn of(
        site: &Site,
        paging: Paging<'_>,
        filters: &[(&str, String)],
        (page, per_page, total): (i64, i64, i64),
        items: Vec<T>,
    ) -> Self {
        let extra: String = filters
            .iter()
            .map(|(k, v)| format!("&{k}={}", crate::http::urlencode(v)))
            .collect();
        let url = |p: i64| match paging {
            Paging::Path(path) => site.url(&format!("{path}{p}/?per_page={per_page}{extra}")),
            Paging::Query(path) => site.url(&format!("{path}?page={p}&per_page={per_page}{extra}")),
        };
        let total_pages = (total + per_page - 1) / per_page;
        Self::with_pages(items, (page, per_page, total_pages, total), url)
    }
}

/// One page of a short collection read whole: (the page's items, (page, per_page, total)).
pub(crate) fn slice<T>(all: Vec<T>, page: i64, per_page: i64) -> (Vec<T>, (i64, i64, i64)) {
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(0);
    let items = all.into_iter().skip(skip).take(take).collect();
    (items, (page, per_page, total))
}

/// The page asked for with `?page=` (default 1).
pub(crate) fn query_page(query: &Params) -> i64 {
    query.int("page").unwrap_or(1).clamp(1, 1_000_000)
}

/// The offset of a page.
pub(crate) fn offset(page: i64, per_page: i64) -> i64 {
    (page - 1).saturating_mul(per_page)
}
