use reqwest::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn unknown_pages_are_404_in_html_or_json(pool: PgPool) {
    let app = spawn_app(pool).await;
    let html = app.get("/no/such/page").await;
    assert_eq!(html.status(), StatusCode::NOT_FOUND);
    assert!(html.text().await.unwrap().contains("Page not found"));

    let json = app
        .client
        .get(app.url("/no/such/page"))
        .header("accept", "application/json")
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["error"], "Not Found");
    assert_eq!(body["message"], "La page demandée n’existe pas.");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_page_carries_the_security_headers(pool: PgPool) {
    let app = spawn_app(pool).await;
    for path in ["/login", "/no/such/page", "/static/flicket.css"] {
        let resp = app.get(path).await;
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let css = app.get("/static/flicket.css").await;
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

/// Over https every response asks browsers to keep to https for a year (HSTS), and the cookies are `__Host-`
/// prefixed, `Secure`, `HttpOnly`, `SameSite=Lax` and `Path=/`; a plain-http deployment (a laptop) sends no HSTS,
/// which would otherwise pin the browser to an https that does not exist.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn https_deployments_send_hsts_and_locked_down_cookies(pool: PgPool) {
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email"),
        ("FLICKET_BASE_URL", "https://help.example.com"),
        (
            "FLICKET_SECRET_KEY",
            "a-test-secret-key-of-more-than-32-characters",
        ),
    ];
    let config = flicket_core::Config::from_vars(
        vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .unwrap();
    let app = spawn_app_with(pool.clone(), config).await;
    for path in [
        "/login",
        "/no/such/page",
        "/static/flicket.css",
        "/api/v1/tickets",
    ] {
        let resp = app.get(path).await;
        assert_eq!(
            resp.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
    // A client without a cookie jar: the first visit is the one that gets the cookies.
    let login = reqwest::Client::new()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-flicket_csrf="))
        .unwrap_or_else(|| panic!("no __Host- CSRF cookie in {cookies:?}"));
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            csrf.split("; ").any(|a| a == attribute),
            "{attribute} missing: {csrf}"
        );
    }
    assert!(!csrf.contains("Domain="), "{csrf}");

    let plain = spawn_app(pool).await;
    let resp = plain.get("/login").await;
    assert!(resp.headers().get("strict-transport-security").is_none());
    assert!(
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("flicket_csrf=")),
    );
}

/// Pages link their style sheet and script by a version derived from the content: that URL may be cached for
/// good, while an unversioned or stale URL (a page of an earlier release) is cached briefly, so a deploy's new script
/// reaches browsers with the next page.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn assets_are_linked_by_version_and_cached_accordingly(pool: PgPool) {
    use sha2::Digest;
    let app = spawn_app(pool).await;
    let page = app.get_text("/login").await;
    let css_body = app.get("/static/flicket.css").await.bytes().await.unwrap();
    let hex: String = sha2::Sha256::digest(&css_body)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let url = format!("/static/flicket.css?v={hex}");
    assert!(page.contains(&format!("href=\"{url}\"")), "{page}");
    let current = app.get(&url).await;
    assert_eq!(current.status(), StatusCode::OK);
    assert_eq!(
        current.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(current.bytes().await.unwrap(), css_body);
    for stale in [
        "/static/flicket.css",
        "/static/flicket.css?v=0123456789abcdef",
        "/static/flicket.css?v=",
        "/static/flicket.css?v=%00%FF&v=x",
    ] {
        let resp = app.get(stale).await;
        assert_eq!(resp.status(), StatusCode::OK, "{stale}");
        assert_eq!(
            resp.headers()["cache-control"],
            "public, max-age=300",
            "{stale}"
        );
    }
    assert_eq!(
        app.get("/static/nothing.js?v=1").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn pages_use_no_external_assets(pool: PgPool) {
    let app = spawn_app(pool).await;
    let page = app.get_text("/login").await;
    for needle in ["http://", "https://", "//cdn"] {
        assert!(!page.contains(needle), "{needle} in login page");
    }
    // Every input has a label.
    for id in ["username", "password", "language-select"] {
        assert!(page.contains(&format!("for=\"{id}\"")), "{id} has no label");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn readyz_follows_postgres(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    assert!(
        app.get_text("/metrics")
            .await
            .contains("http_requests_total")
    );
    // Through a reverse proxy (the ingress adds one of these headers) the metrics are not shown.
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.5"),
        ("forwarded", "for=203.0.113.5"),
    ] {
        let proxied = app
            .client
            .get(app.url("/metrics"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(proxied.status(), StatusCode::NOT_FOUND, "{name}");
        assert!(
            !proxied
                .text()
                .await
                .unwrap()
                .contains("http_requests_total")
        );
    }

    let unreachable = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nothing")
        .unwrap();
    let down = spawn_app(unreachable).await;
    assert_eq!(
        down.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(down.get("/healthz").await.status(), StatusCode::OK);
}
