//! The JSON API: tokens, errors, the ticket list envelope and the OpenAPI document.

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_tickets::{get, token_for};

async fn token(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/tokens"))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn tokens_come_from_basic_credentials_and_are_stored_hashed(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = token_for(&app, "ada").await;
    assert_eq!(t.len(), 43);
    let by_email = token(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(by_email.status(), StatusCode::CREATED);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from api_tokens")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 32 && h.as_slice() != t.as_bytes())
    );

    for (user, pw) in [("ada", "wrong password"), ("nobody", PASSWORD)] {
        let resp = token(&app, user, pw).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "Unauthorized");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn missing_unknown_expired_revoked_and_disabled_tokens_get_401(pool: PgPool) {
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    assert_eq!(
        app.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/api/v1/tickets", "not-a-token").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/api/v1/tickets", &"x".repeat(5000))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let t = token_for(&app, "ada").await;
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::OK
    );
    // Revoked.
    let resp = app
        .client
        .delete(app.url("/api/v1/tokens"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Expired.
    let t = token_for(&app, "ada").await;
    sqlx::query(
        "update api_tokens set expires_at = now() - interval '1 second' where revoked_at is null",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Disabled user.
    let t = token_for(&app, "ada").await;
    let mut conn = pool.acquire().await.unwrap();
    flicket_core::repo::users::set_disabled(&mut conn, id, true)
        .await
        .unwrap();
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token(&app, "ada", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_session_cookie_is_not_an_api_credential(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool).await;
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/api/v1/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn collections_use_flickets_envelope(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    for i in 0..3 {
        sqlx::query(
            "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
             select $1, 'Some content', $2, min(category_id),
                    (select status_id from statuses where kind = 'open'),
                    (select priority_id from priorities where kind = 'low') from categories",
        )
        .bind(format!("Ticket {i}"))
        .bind(ada.0)
        .execute(&pool)
        .await
        .unwrap();
    }
    let app = spawn_app(pool).await;
    let t = token_for(&app, "ada").await;
    let body: Value = get(&app, "/api/v1/tickets?per_page=2&sort=ticketid", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][0]["title"], "Ticket 0");
    assert_eq!(
        body["_meta"],
        serde_json::json!({"page": 1, "per_page": 2, "total_pages": 2, "total_items": 3})
    );
    assert!(
        body["_links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("sort=ticketid&page=2&per_page=2")
    );
    assert!(body["_links"]["prev"].is_null());
    let capped: Value = get(&app, "/api/v1/tickets?per_page=5000", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(capped["_meta"]["per_page"], 100);
    let bad = get(&app, "/api/v1/tickets?per_page=abc", &t).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // A user name no account can have (NUL, control characters) matches nobody; never a server error.
    let nobody: Value = get(&app, "/api/v1/tickets?user=%C2%951%008", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nobody["_meta"]["total_items"], 0, "{nobody}");
    assert_eq!(nobody["items"], serde_json::json!([]));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_openapi_document_and_swagger_ui_are_served_offline(pool: PgPool) {
    let app = spawn_app(pool).await;
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/tickets"]["get"].is_object());
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let ui = app.get_text("/api/docs/").await;
    assert!(ui.contains("swagger") && !ui.contains("https://"), "no CDN");
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "Not Found");
}
