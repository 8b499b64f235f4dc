//! What the running service logs: an ordinary refusal (404, 403, 422…) is the client's doing and is logged at INFO,
//! never at ERROR, which is kept for what an operator must look at.

use std::process::{Command, Stdio};
use std::time::Duration;

use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;
use crate::replicas::database_url;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn ordinary_refusals_are_not_logged_as_errors(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let log = std::env::temp_dir().join(format!("flicket-web-log-{}.json", uuid::Uuid::new_v4()));
    let port = flicket_core::testing::free_port();
    let mut child = Command::new(web_binary())
        .env("FLICKET_LISTEN", format!("127.0.0.1:{port}"))
        .env("FLICKET_DATABASE_URL", database_url(&pool))
        .env("FLICKET_EMAIL_QUEUE", "flicket:test:web-email")
        .env("FLICKET_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut up = false;
    for _ in 0..200 {
        if flicket_core::testing::http_status(addr, "/healthz").await == Some(200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the service started");
    let app = TestApp::remote(&format!("http://{addr}"), None);
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // Pages: an attachment and a ticket that do not exist, a form without its token.
    let missing = format!("/attachments/{}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&missing).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/tickets/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_form("/logout", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    // API: an invalid new ticket, a reply to a ticket that does not exist.
    let token = app
        .client
        .post(app.url("/api/v1/tokens"))
        .basic_auth("ada", Some(PASSWORD))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = |path: &str, body: serde_json::Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let resp = api("/api/v1/tickets", serde_json::json!({ "title": "x" }))
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let resp = api(
        "/api/v1/tickets/999999/replies",
        serde_json::json!({ "content": "A reply to nothing." }),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(
        errors.is_empty(),
        "4xx logged as errors:\n{}",
        errors.join("\n")
    );
    assert!(
        text.lines()
            .any(|l| l.contains("\"level\":\"INFO\"") && l.contains("request refused")),
        "refusals are logged at INFO:\n{text}"
    );
}
