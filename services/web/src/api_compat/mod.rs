//! Flicket's REST API under `/flicket-api/`, so that scripts written for Flicket keep working: the same paths
//! (trailing slashes and path-segment paging where Flicket had them), the same field names (typos included:
//! `started_ny`, `data_added`), the `{items, _meta, _links}` envelope with absolute links, RFC 1123 dates and
//! `{"error": <reason>, "message": ...}` errors (a 404 is Flicket's bare `{"error": "Not Found"}`, see [`not_found`]).
//!
//! Everything else is `/api/v1`'s: the same tokens and rate limit ([`ApiUser`]), the same permission functions (a
//! token sees what the UI shows its user, email addresses only for admins and super users, departments and
//! categories created only by those the admin pages allow) and the same domain operation to raise a ticket.
//! Flicket's bugs are not copied: an unknown token is a 401, statuses link to statuses.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{OriginalUri, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
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

/// Flicket's 404: `{"error": "Not Found"}` and nothing else (its `error_response(404)`), for an unknown id, an
/// unknown path and a page past the end alike.
pub(crate) fn not_found() -> Response {
    let body = serde_json::json!({ "error": "Not Found" });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// Middleware of the `/flicket-api/` routes: every 404 (already logged as a refusal where it was made) is answered
/// with Flicket's body ([`not_found`]).
pub(crate) async fn flicket_not_found(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    resp
}

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

    /// Which page of a collection, and how many items on it: `page` (from the path or `?page=`) and `?per_page=`
    /// (at most 100; unreadable or absent, the site's page size), as Flicket's views handed them to Flask-SQLAlchemy's
    /// `paginate(page=, per_page=)`, which answers 404 for a page or a page size below 1.
    pub(crate) fn window(&self, page: i64, query: &Params) -> Result<Window, ApiError> {
        let per_page = query
            .get("per_page")
            .and_then(|v| python_int(v))
            .map_or(self.per_page, |n| n.min(MAX_PER_PAGE));
        if page < 1 || per_page < 1 {
            return Err(ApiError::not_found());
        }
        Ok(Window { page, per_page })
    }
}

/// The query string, read leniently as Flicket did (an unreadable number is as good as absent).
pub(crate) type Params = HashMap<String, String>;

pub(crate) trait ParamsExt {
    fn text(&self, key: &str) -> Option<String>;
}

impl ParamsExt for Params {
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

/// A number as Python's `int()` reads it, which is how Flicket read `?page=` and `?per_page=`
/// (`request.args.get(.., type=int)`): spaces around, a sign, ASCII digits with single underscores between them.
/// `None` when it is not a number (Flicket then took the default); a number too large for an `i64` saturates.
fn python_int(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut n: i64 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        n = n
            .saturating_mul(10)
            .saturating_add(i64::from(c.to_digit(10)?));
    }
    Some(if negative { -n } else { n })
}

/// A page number in a collection's path (`…/tickets/2/`), as Flicket's `<int:page>` took it: ASCII digits only
/// (anything else is a 404, as an unknown path); `0` is read, and refused as a page by [`Site::window`]. A number too
/// large for an `i64` is a page past the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageNo(pub(crate) i64);

impl FromStr for PageNo {
    type Err = ApiError;
    fn from_str(raw: &str) -> Result<Self, ApiError> {
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::not_found());
        }
        Ok(Self(raw.parse().unwrap_or(i64::MAX)))
    }
}

/// The page asked for with `?page=`: 1 when absent or not a number, as in Flicket (and, like there, a page below 1
/// is refused by [`Site::window`]).
pub(crate) fn query_page(query: &Params) -> i64 {
    query.get("page").and_then(|v| python_int(v)).unwrap_or(1)
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

/// Which page of a collection is shown, and how many items it holds at most (from [`Site::window`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// 1-based.
    pub(crate) page: i64,
    /// 1 to 100.
    pub(crate) per_page: i64,
}

impl Window {
    /// How many items come before the page.
    pub(crate) fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
    /// The items of this page out of a short collection read whole.
    pub(crate) fn slice<T>(self, all: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(0);
        all.into_iter().skip(skip).take(take).collect()
    }
}

/// A page of a collection, as Flicket's `to_collection_dict` built it: the same envelope as `/api/v1`'s.
pub(crate) type Collection<T> = crate::api::pagination::Page<T>;

impl<T> Collection<T> {
    /// The page `window` of a collection of `total` items; `filters` are the query parameters kept in the links
    /// (`("topic_id", "1")`, …).
    ///
    /// A page after the last is a 404, as Flask-SQLAlchemy's `paginate(error_out=True)` answered for a page other
    /// than the first that has no item; the first page of an empty collection is not an error (an empty `items`,
    /// `total_pages` 0, no `next` nor `prev`).
    pub(crate) fn of(
        site: &Site,
        paging: Paging<'_>,
        filters: &[(&str, String)],
        (window, total): (Window, i64),
        items: Vec<T>,
    ) -> Result<Self, ApiError> {
        if window.page > 1 && window.offset() >= total {
            return Err(ApiError::not_found());
        }
        let Window { page, per_page } = window;
        let extra: String = filters
            .iter()
            .map(|(k, v)| format!("&{k}={}", crate::http::urlencode(v)))
            .collect();
        let url = |p: i64| match paging {
            Paging::Path(path) => site.url(&format!("{path}{p}/?per_page={per_page}{extra}")),
            Paging::Query(path) => site.url(&format!("{path}?page={p}&per_page={per_page}{extra}")),
        };
        let total_pages = (total + per_page - 1) / per_page;
        Ok(Self::with_pages(
            items,
            (page, per_page, total_pages, total),
            url,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_pythons_int_read_them() {
        for (raw, want) in [
            ("2", Some(2)),
            (" 2 ", Some(2)),
            ("+2", Some(2)),
            ("-2", Some(-2)),
            ("007", Some(7)),
            ("1_000", Some(1000)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(-i64::MAX)),
            ("", None),
            ("abc", None),
            ("2.0", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("+-1", None),
            // Python also reads other scripts' digits; Flicket's clients send ASCII.
            ("٣", None),
        ] {
            assert_eq!(python_int(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_page_in_the_path_is_digits_only() {
        assert_eq!("0".parse::<PageNo>().map(|p| p.0).ok(), Some(0));
        assert_eq!("12".parse::<PageNo>().map(|p| p.0).ok(), Some(12));
        assert_eq!(
            "99999999999999999999999"
                .parse::<PageNo>()
                .map(|p| p.0)
                .ok(),
            Some(i64::MAX)
        );
        for raw in ["", "+1", "-1", "1.0", "x"] {
            assert!(raw.parse::<PageNo>().is_err(), "{raw:?}");
        }
    }
}
