//! What the running service logs: an ordinary refusal (404, 403, 422…) is the client's doing and is logged at INFO,
//! never at ERROR, which is kept for what an operator must look at.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::replicas::database_url;

/// The service's binary, running on the test's database with JSON logs at INFO written to a file.
struct Service {
    child: Child,
    log: PathBuf,
    addr: std::net::SocketAddr,
}

impl Service {
    async fn start(pool: &PgPool) -> Self {
        let log =
            std::env::temp_dir().join(format!("flicket-web-log-{}.json", uuid::Uuid::new_v4()));
        let port = flicket_core::testing::free_port();
        let child = Command::new(web_binary())
            .env("FLICKET_LISTEN", format!("127.0.0.1:{port}"))
            .env("FLICKET_DATABASE_URL", database_url(pool))
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
        Self { child, log, addr }
    }

    fn app(&self) -> TestApp {
        TestApp::remote(&format!("http://{}", self.addr), None)
    }

    /// Stops the service and returns what it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.log).unwrap();
        let _ = std::fs::remove_file(&self.log);
        text
    }
}

/// The lines logged at ERROR.
fn errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("\"level\":\"ERROR\""))
        .collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn ordinary_refusals_are_not_logged_as_errors(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let service = Service::start(&pool).await;
    let app = service.app();
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

    let text = service.stop();
    let errors = errors(&text);
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

/// Every client error of Flicket's API and of `/api/v1` (a token that does not work, an unknown id, a page past the
/// end, a refused write, an invalid field, a taken user name) is logged below ERROR: the operations and the
/// repository functions whose errors may be the client's trace them at DEBUG, and the answer is logged once, at
/// INFO, where it is made. A server error is still logged at ERROR.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn api_client_errors_are_logged_below_error_and_server_errors_at_error(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "root", true, Locale::En).await;
    let service = Service::start(&pool).await;
    let app = service.app();
    let (ada, root) = (
        crate::rest_compat::compat_token(&app, "ada").await,
        crate::rest_compat::compat_token(&app, "root").await,
    );
    let (ada, root) = (ada.as_str(), root.as_str());
    let send = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let req = app.client.request(method, app.url(path)).bearer_auth(token);
        match body {
            Some(b) => req.json(&b).send(),
            None => req.send(),
        }
    };
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
    let ticket = json!({"title": "Printer on fire", "content": "Something does not work.",
                        "category_id": 999_999, "ticket_priority_id": 1});
    let v1_ticket = json!({"title": "Printer on fire", "content": "Something does not work.",
                           "category_id": 999_999, "priority_id": 1});
    let taken = json!({"username": "ada", "name": "Ada Again", "email": "ada2@example.com",
                       "password": "a long enough password 42"});
    for (method, path, token, body, status) in [
        (get.clone(), "/flicket-api/tickets/", "unknown", None, 401),
        (get.clone(), "/flicket-api/tickets/99/", ada, None, 404),
        (
            get.clone(),
            "/flicket-api/users/?per_page=0",
            ada,
            None,
            404,
        ),
        (get.clone(), "/flicket-api/ticket/999999", ada, None, 404),
        (get.clone(), "/flicket-api/upload/abc", ada, None, 404),
        (
            get.clone(),
            "/flicket-api/histories/?topic_id=x",
            ada,
            None,
            400,
        ),
        (post.clone(), "/flicket-api/tickets", ada, Some(ticket), 400),
        (
            post.clone(),
            "/flicket-api/departments",
            ada,
            Some(json!({"department": "Facilities"})),
            403,
        ),
        (
            post.clone(),
            "/flicket-api/departments",
            root,
            Some(json!({"department": "IT"})),
            400,
        ),
        (get.clone(), "/api/v1/tickets/999999", ada, None, 404),
        (post.clone(), "/api/v1/tickets", ada, Some(v1_ticket), 422),
        (post.clone(), "/api/v1/users", ada, Some(taken.clone()), 403),
        (post.clone(), "/api/v1/users", root, Some(taken), 422),
    ] {
        let resp = send(method.clone(), path, token, body).await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
    }
    // A server error: a table the API reads has gone.
    sqlx::query("alter table attachments rename to attachments_gone")
        .execute(&pool)
        .await
        .unwrap();
    let resp = send(get, "/flicket-api/uploads/", ada, None).await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let text = service.stop();
    let errors = errors(&text);
    assert!(!errors.is_empty(), "the 500 is logged at ERROR:\n{text}");
    assert!(
        errors.iter().all(|l| l.contains("/flicket-api/uploads/")),
        "only the 500 is logged at ERROR:\n{}",
        errors.join("\n")
    );
    let refusals = text
        .lines()
        .filter(|l| l.contains("\"level\":\"INFO\"") && l.contains("request refused"))
        .count();
    assert!(
        refusals >= 13,
        "each refusal is logged at INFO ({refusals}):\n{text}"
    );
}
