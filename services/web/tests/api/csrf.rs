use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

async fn session_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_post_without_a_valid_token_is_refused(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // (a) no token
    let resp = app.post_form("/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("Your form has expired"));
    // (b) a token from another browser's session
    let other = spawn_app(pool.clone()).await;
    let foreign = other.csrf("/login").await;
    assert_eq!(
        app.post_form("/logout", &[("csrf_token", &foreign)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // (c) the right token sent from a foreign origin
    let token = app.csrf("/").await;
    let resp = app
        .client
        .post(app.url("/logout"))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(session_count(&pool).await, 1, "still signed in");
    assert_eq!(app.get("/").await.status(), StatusCode::OK);

    // The right token from the page works.
    assert_eq!(
        app.post_form("/logout", &[("csrf_token", &token)])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(session_count(&pool).await, 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn sign_in_needs_a_token_and_tokens_change_at_sign_in(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let resp = app
        .post_form("/login", &[("username", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(session_count(&pool).await, 0);

    let before = app.csrf("/login").await;
    app.login("ada", PASSWORD).await;
    let after = app.csrf("/").await;
    assert_ne!(before, after);
    assert_eq!(
        app.post_form("/logout", &[("csrf_token", &before)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn nothing_changes_state_on_get(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    app.login("ada", PASSWORD).await;
    let resp = app.get("/logout").await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(session_count(&pool).await, 1);
}
