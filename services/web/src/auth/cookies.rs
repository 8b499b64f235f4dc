//! Cookie names and attributes. Over https the session cookie is `__Host-` prefixed and `Secure`.

use axum_extra::extract::cookie::{Cookie, SameSite};

/// How cookies are written for this deployment.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// Whether the base URL is https.
    pub secure: bool,
}

/// Session lifetime: absolute.
pub const SESSION_MAX_AGE_SECS: i64 = 14 * 24 * 3600;
/// Session lifetime: without use.
pub const SESSION_IDLE_SECS: i64 = 24 * 3600;

impl CookieSettings {
    /// Settings for a base URL.
    pub fn for_base_url(base_url: &str) -> Self {
        Self {
            secure: base_url.starts_with("https://"),
        }
    }

    /// Name of the session cookie.
    pub fn session_name(&self) -> &'static str {
        if self.secure {
            "__Host-flicket_session"
        } else {
            "flicket_session"
        }
    }

    /// Name of the CSRF seed cookie.
    pub fn csrf_name(&self) -> &'static str {
        if self.secure {
            "__Host-flicket_csrf"
        } else {
            "flicket_csrf"
        }
    }

    /// A cookie with this deployment's attributes: `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` over https.
    pub fn build(
        &self,
        name: &'static str,
        value: String,
        max_age_secs: Option<i64>,
    ) -> Cookie<'static> {
        let mut c = Cookie::build((name, value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure);
        if let Some(secs) = max_age_secs {
            c = c.max_age(time_duration(secs));
        }
        c.build()
    }

    /// A cookie that deletes `name`.
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        self.build(name, String::new(), Some(0))
    }
}

fn time_duration(secs: i64) -> time::Duration {
    time::Duration::seconds(secs)
}

/// Language cookie for visitors who are not signed in.
pub const LANG_COOKIE: &str = "flicket_lang";
/// One-shot message shown on the next page.
pub const FLASH_COOKIE: &str = "flicket_flash";
