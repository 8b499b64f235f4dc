//! HTTP plumbing: security headers, static assets, small helpers.

use axum::extract::{MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The Content Security Policy of every page: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// [`CSP`] plus the one inline `<style>` Swagger UI writes (in its SVG logo) at `/api/docs`, allowed by its hash and
/// nothing else. The hash belongs to the bundled Swagger UI (5.32.6): another version with another inline style
/// shows up as a CSP violation in the browser test `accessibility::the_api_documentation_loads_without_a_csp_violation`.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
                            style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
                            img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
                            frame-ancestors 'none'";

/// Adds the security headers to every response; over https also `Strict-Transport-Security` (one year, with
/// subdomains: a deployment served over https never wants a plain-http visit).
pub async fn security_headers(
    State(state): State<crate::state::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A handler may set a policy of its own (attachments are served with `sandbox`, the API docs with `DOCS_CSP`).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.cookies.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Counts requests and their latency per route template.
pub async fn metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    resp
}

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "flicket.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/flicket.css"),
    },
    Asset {
        name: "flicket-tickets.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/flicket-tickets.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/favicon.svg"),
    },
];

/// Each asset's version (the first 8 bytes of its SHA-256 in hex) and versioned URL, computed once.
static ASSET_VERSIONS: std::sync::LazyLock<Vec<(String, String)>> =
    std::sync::LazyLock::new(|| {
        use sha2::Digest;
        ASSETS
            .iter()
            .map(|a| {
                let version: String = sha2::Sha256::digest(a.body)[..8]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let url = format!("/static/{}?v={version}", a.name);
                (version, url)
            })
            .collect()
    });

/// An asset, its version and its versioned URL.
fn asset(name: &str) -> Option<(&'static Asset, &'static str, &'static str)> {
    let i = ASSETS.iter().position(|a| a.name == name)?;
    let (version, url) = ASSET_VERSIONS.get(i)?;
    Some((&ASSETS[i], version.as_str(), url.as_str()))
}

/// The URL pages use for an embedded asset: `/static/{name}?v={hash of its content}`, so that a browser never
/// keeps an earlier release's script or style sheet after a deploy, and may keep this one for good.
pub fn asset_url(name: &str) -> &'static str {
    asset(name).map_or("/static/unknown", |(_, _, url)| url)
}

/// `GET /static/{file}`: assets embedded in the binary. Asked for with the version of this content (the URL pages
/// carry), it may be cached for a year as is; without it, or with another release's version (another replica during
/// a rolling deploy), for five minutes only.
pub async fn static_asset(Path(file): Path<String>, RawQuery(query): RawQuery) -> Response {
    let Some((a, version, _)) = asset(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if query.is_some_and(|q| q.strip_prefix("v=") == Some(version)) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        a.body,
    )
        .into_response()
}

/// The client's address: the peer of the connection, or, when that peer is one of `FLICKET_TRUSTED_PROXIES`, the
/// address `X-Forwarded-For` gives past the trusted proxies (see `flicket_core::config::client_address`). What the
/// sign-in and token limits count per address and what the audit log records.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl ClientIp {
    /// The client's address of a request from `peer` with these headers.
    pub fn resolve(
        config: &flicket_core::Config,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> Self {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            // A value that is not text stops the walk like any malformed entry.
            .map(|v| v.to_str().unwrap_or(""))
            .collect::<Vec<_>>();
        Self(
            flicket_core::config::client_address(
                peer,
                forwarded.into_iter(),
                &config.trusted_proxies,
            )
            .to_string(),
        )
    }
}

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        Ok(Self::resolve(&state.config, peer, &parts.headers))
    }
}

/// Text typed into a search field, made safe to query with: trimmed, control characters (NUL among them) dropped,
/// at most `max` characters.
pub fn typed_text(raw: &str, max: usize) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

/// Percent-encodes a string for use in a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A redirect target from user input: an app-relative path, never another site (`//x`, `/\x`, `https:`…).
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !next.to_ascii_lowercase().contains("%2f%2f")
        && next.len() <= 2048;
    if ok { next } else { "/" }
}

/// A size for people: `10 MiB`, `512 KiB`, `300 bytes`.
pub fn human_size(bytes: i64) -> String {
    const MIB: i64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_never_leaves_the_site() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F%2Fevil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "/x\r\nLocation: https://evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
        assert_eq!(safe_next("/tickets?page=2"), "/tickets?page=2");
    }

    #[test]
    fn typed_text_is_trimmed_cleaned_and_bounded() {
        assert_eq!(typed_text("  bob\0 \u{7}tester\n ", 100), "bob tester");
        assert_eq!(typed_text("élodie", 3), "élo");
        assert_eq!(typed_text(" \t ", 10), "");
    }

    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(
            urlencode("/tickets?page=2&x=a b"),
            "/tickets%3Fpage%3D2%26x%3Da%20b"
        );
    }
}
