//! Server-rendered pages and what every page needs (`PageCtx`).

pub mod language;
mod visit;

pub use visit::Visit;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use flicket_core::Locale;
use flicket_core::repo::sessions::SessionUser;

use crate::auth::cookies::{FLASH_COOKIE, LANG_COOKIE};
use crate::auth::csrf::CsrfToken;
use crate::auth::session::{Session, SessionSite};
use crate::state::AppState;

/// A one-shot message: its kind (`success`, `info`, `warning`, `danger`) and fluent key.
#[derive(Debug, Clone)]
pub struct Flash {
    /// CSS class suffix.
    pub kind: &'static str,
    /// Translated text.
    pub text: String,
}

/// Everything the layout needs: language, user, CSRF token, flash message, application title.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Language of the page.
    pub locale: Locale,
    /// The signed-in user.
    pub user: Option<SessionUser>,
    /// Token for the page's forms.
    pub csrf: String,
    /// Message from the previous request.
    pub flash: Option<Flash>,
    /// Application title from the settings.
    pub app_title: String,
    /// The settings every page reads, loaded once per request (`None` when they could not be read).
    pub site: Option<flicket_core::repo::settings::SiteSettings>,
    /// Path and query of this page (for the language form's `next`).
    pub here: String,
    /// Version string for the footer.
    pub version: &'static str,
}

impl PageCtx {
    /// The site's settings: those read for the page, else (their read failed then) read again, so that a failure
    /// is this page's error.
    pub async fn site(
        &self,
        state: &AppState,
    ) -> sqlx::Result<flicket_core::repo::settings::SiteSettings> {
        match &self.site {
            Some(site) => Ok(site.clone()),
            None => flicket_core::repo::settings::site(&state.pool).await,
        }
    }

    /// Translates a message.
    pub fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }

    /// Translates an operation's message.
    pub fn say(&self, m: &flicket_core::ops::Message) -> String {
        self.locale.say(m)
    }

    /// Translates a message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set(name.to_owned(), value.to_owned());
        self.locale.t_args(key, &args)
    }

    /// Translates a message with two arguments.
    pub fn t2(&self, key: &str, name1: &str, value1: &str, name2: &str, value2: &str) -> String {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set(name1.to_owned(), value1.to_owned());
        args.set(name2.to_owned(), value2.to_owned());
        self.locale.t_args(key, &args)
    }

    /// Translates a message with a number (plural forms).
    pub fn tn(&self, key: &str, name: &str, n: i64) -> String {
        let mut args = flicket_core::i18n::FluentArgs::new();
        args.set(name.to_owned(), n);
        self.locale.t_args(key, &args)
    }

    /// Whether the user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_admin)
    }

    /// The document title: the page's own title, then the application title.
    pub fn doc_title(&self, page: &str) -> String {
        if page.is_empty() {
            self.app_title.clone()
        } else {
            format!("{page} · {}", self.app_title)
        }
    }
}

/// Chooses the language: the signed-in user's own, then the language cookie, then `Accept-Language`.
pub fn resolve_locale(headers: &HeaderMap, user: Option<&SessionUser>) -> Locale {
    if let Some(l) = user.and_then(|u| Locale::from_code(&u.locale)) {
        return l;
    }
    let jar = CookieJar::from_headers(headers);
    if let Some(l) = jar
        .get(LANG_COOKIE)
        .and_then(|c| Locale::from_code(c.value()))
    {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::negotiate)
        .unwrap_or_default()
}

fn read_flash(headers: &HeaderMap, locale: Locale) -> Option<Flash> {
    let jar = CookieJar::from_headers(headers);
    let raw = jar.get(FLASH_COOKIE)?.value().to_owned();
    let (kind, key) = raw.split_once(':')?;
    let kind = match kind {
        "success" => "success",
        "warning" => "warning",
        "danger" => "danger",
        _ => "info",
    };
    // Only message ids are carried in the cookie, never text, so it cannot inject content.
    let valid = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (valid && locale.has(key)).then(|| Flash {
        kind,
        text: locale.t(key),
    })
}

/// Builds the page context for a request (also used by the error pages). `site`: the settings read with the
/// session, if any; else they are read here.
pub async fn page_ctx(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    site: Option<SessionSite>,
    csrf: String,
    here: String,
) -> PageCtx {
    let user = session.0.clone();
    let locale = resolve_locale(headers, user.as_ref());
    let site = match site {
        Some(SessionSite(site)) => Some(site),
        None => flicket_core::repo::settings::site(&state.pool).await.ok(),
    };
    let app_title = site
        .as_ref()
        .map_or_else(|| "Flicket".to_owned(), |s| s.application_title.clone());
    PageCtx {
        locale,
        flash: read_flash(headers, locale),
        user,
        csrf,
        app_title,
        site,
        here,
        version: env!("CARGO_PKG_VERSION"),
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .unwrap_or_default();
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let site = parts.extensions.get::<SessionSite>().cloned();
        Ok(page_ctx(state, &parts.headers, &session, site, csrf, here).await)
    }
}

/// Renders a template into a response; clears the flash cookie once it has been shown.
pub fn render<T: askama::Template>(ctx: &PageCtx, state: &AppState, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            if ctx.flash.is_some()
                && let Ok(v) = state.cookies.removal(FLASH_COOKIE).to_string().parse()
            {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => crate::error::AppError::Internal(e.into()).into_response(),
    }
}

/// A cookie that shows a message on the next page.
pub fn flash_cookie(
    state: &AppState,
    kind: &str,
    key: &str,
) -> axum_extra::extract::cookie::Cookie<'static> {
    state
        .cookies
        .build(FLASH_COOKIE, format!("{kind}:{key}"), Some(60))
}
