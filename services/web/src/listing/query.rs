//! The list's query string, shared by the page and the CSV export.

use flicket_core::repo::sessions::SessionUser;
use flicket_core::repo::ticket_list::{self, Scope, TicketFilter};
use serde::Deserialize;
use sqlx::PgPool;

/// `?department=&category=&status=&user=&assignee=&creator=&q=&scope=&include_closed=&sort=&page=`. Every field is
/// text so that a malformed value is ignored instead of failing the whole page.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    /// Creator or assignee: an id or a user name.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub creator: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub include_closed: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

fn id(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|n| *n > 0)
}

/// The filter, and whether a user name in `user` matched nobody.
pub struct Resolved {
    pub filter: TicketFilter,
    pub unknown_user: bool,
}

impl ListQuery {
    /// Turns the query into a filter (a user name is looked up).
    pub async fn resolve(&self, pool: &PgPool) -> sqlx::Result<Resolved> {
        let mut unknown_user = false;
        let user = match self.user.trim() {
            "" => None,
            v => match id(v) {
                Some(n) => Some(n),
                // No user name holds control characters (PostgreSQL refuses NUL outright): nobody to look up.
                None if v.chars().any(char::is_control) || v.chars().count() > 64 => {
                    unknown_user = true;
                    Some(-1)
                }
                None => {
                    let found = ticket_list::user_id_by_username(pool, v).await?;
                    unknown_user = found.is_none();
                    // Matches nobody rather than everybody.
                    Some(found.unwrap_or(-1))
                }
            },
        };
        let q: String = self.q.chars().take(200).collect();
        Ok(Resolved {
            filter: TicketFilter {
                department: id(&self.department),
                category: id(&self.category),
                status: id(&self.status),
                priority: None,
                user,
                assignee: id(&self.assignee),
                creator: id(&self.creator),
                tsquery: flicket_core::search::to_tsquery(&q),
                terms: flicket_core::search::to_terms(&q),
                include_closed: matches!(self.include_closed.as_str(), "1" | "on" | "true"),
                scope: Scope::parse(&self.scope),
            },
            unknown_user,
        })
    }

    /// The list page's sort: [`Self::chosen_sort`], and one asked for is remembered for the user.
    pub async fn sort(&self, pool: &PgPool, viewer: &SessionUser) -> sqlx::Result<String> {
        if ticket_list::is_sort_key(&self.sort)
            && self.sort != "relevance"
            && viewer.ticket_sort.as_deref() != Some(self.sort.as_str())
        {
            ticket_list::save_sort(pool, viewer.user_id, &self.sort).await?;
        }
        Ok(self.chosen_sort(viewer))
    }

    /// The sort to use: the one asked for, else the user's last one, else relevance for a search, else the default.
    /// Remembers nothing (an export follows the page's order without changing the user's choice).
    pub fn chosen_sort(&self, viewer: &SessionUser) -> String {
        if ticket_list::is_sort_key(&self.sort) {
            return self.sort.clone();
        }
        if !self.q.trim().is_empty() {
            return "relevance".to_owned();
        }
        viewer
            .ticket_sort
            .clone()
            .filter(|s| ticket_list::is_sort_key(s))
            .unwrap_or_else(|| ticket_list::DEFAULT_SORT.to_owned())
    }

    /// 1-based page number.
    pub fn page_number(&self) -> i64 {
        self.page
            .trim()
            .parse()
            .ok()
            .filter(|p| *p >= 1 && *p <= 1_000_000)
            .unwrap_or(1)
    }

    /// The query string without `page` and `sort` (for links that change one of them).
    pub fn base_query(&self) -> String {
        let pairs = [
            ("department", &self.department),
            ("category", &self.category),
            ("status", &self.status),
            ("user", &self.user),
            ("assignee", &self.assignee),
            ("creator", &self.creator),
            ("q", &self.q),
            ("scope", &self.scope),
            ("include_closed", &self.include_closed),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", crate::http::urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}
