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
    assert_eq!(css.headers()["cache-control"], "public, max-age=86400");
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
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
