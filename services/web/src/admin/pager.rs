//! Page numbers for the paginated lists of the people and admin pages.

/// Which page of a list is shown, and links to its neighbours.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Current page, from 1.
    pub page: i64,
    /// Number of pages (at least 1).
    pub pages: i64,
    /// Rows per page.
    pub per_page: i64,
    /// Query string kept on the page links (already URL-encoded, starting with `&` when not empty).
    pub keep: String,
}

impl Pager {
    /// A pager for `total` rows, `per_page` per page, at the requested page (clamped to the valid range).
    pub fn new(requested: Option<i64>, total: i64, per_page: i64, keep: String) -> Self {
        let per_page = per_page.max(1);
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = requested.unwrap_or(1).clamp(1, pages);
        Self {
            page,
            pages,
            per_page,
            keep,
        }
    }

    /// SQL `offset`.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// Whether there is a previous page.
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// Whether there is a next page.
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    /// Query string of page `n` (keeps the filters).
    pub fn query(&self, n: i64) -> String {
        format!("?page={n}{}", self.keep)
    }

    /// Query string of the previous page.
    pub fn prev_query(&self) -> String {
        self.query(self.page - 1)
    }

    /// Query string of the next page.
    pub fn next_query(&self) -> String {
        self.query(self.page + 1)
    }

    /// "Page 2 of 5", translated.
    pub fn label(&self, ctx: &crate::pages::PageCtx) -> String {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set("page", self.page);
        args.set("pages", self.pages);
        ctx.locale.t_args("people-pager-position", &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped() {
        let p = Pager::new(Some(99), 101, 50, String::new());
        assert_eq!((p.page, p.pages, p.offset()), (3, 3, 100));
        let p = Pager::new(Some(-4), 0, 50, "&q=a".into());
        assert_eq!((p.page, p.pages), (1, 1));
        assert!(!p.has_prev() && !p.has_next());
        assert_eq!(p.next_query(), "?page=2&q=a");
    }
}
