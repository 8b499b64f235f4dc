//! Collections as Flicket returned them: `{items, _meta{page, per_page, total_pages, total_items},
//! _links{self, next, prev}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Largest page size.
pub const MAX_PER_PAGE: i64 = 100;

/// `?page=&per_page=`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, at most 100 (default: the site's page size).
    pub per_page: Option<i64>,
}

impl PageParams {
    /// (page, per_page), clamped.
    pub fn resolve(&self, default_per_page: i64) -> (i64, i64) {
        let page = self.page.unwrap_or(1).clamp(1, 1_000_000);
        let per_page = self
            .per_page
            .unwrap_or(default_per_page)
            .clamp(1, MAX_PER_PAGE);
        (page, per_page)
    }
}

/// Paging facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    pub page: i64,
    pub per_page: i64,
    pub total_pages: i64,
    pub total_items: i64,
}

/// Links to this page and its neighbours.
#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    #[serde(rename = "self")]
    pub this: String,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// A page of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub _meta: Meta,
    pub _links: Links,
}

impl<T> Page<T> {
    /// Builds the envelope; `url(page)` gives the absolute URL of a page.
    pub fn new(
        items: Vec<T>,
        page: i64,
        per_page: i64,
        total: i64,
        url: impl Fn(i64) -> String,
    ) -> Self {
        let total_pages = ((total + per_page - 1) / per_page).max(1);
        Self::with_pages(items, (page, per_page, total_pages, total), url)
    }

    /// Builds the envelope with the number of pages given (Flicket's API counts no page for no item).
    pub fn with_pages(
        items: Vec<T>,
        (page, per_page, total_pages, total): (i64, i64, i64, i64),
        url: impl Fn(i64) -> String,
    ) -> Self {
        Page {
            items,
            _meta: Meta {
                page,
                per_page,
                total_pages,
                total_items: total,
            },
            _links: Links {
                this: url(page),
                next: (page < total_pages).then(|| url(page + 1)),
                prev: (page > 1).then(|| url(page - 1)),
            },
        }
    }
}

impl<T> Page<T> {
    /// One page of a short collection read whole (reference data).
    pub fn slice(all: Vec<T>, page: i64, per_page: i64, url: impl Fn(i64) -> String) -> Self {
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
        let take = usize::try_from(per_page).unwrap_or(0);
        let items = all.into_iter().skip(skip).take(take).collect();
        Self::new(items, page, per_page, total, url)
    }
}
