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

/// Multipart forms (uploads) carry their token in their first part; a token in the URL (where access logs and
/// proxies keep it) is not accepted, nor one in a later part.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_multipart_form_takes_its_token_from_its_first_part_not_from_the_url(pool: PgPool) {
    use crate::tickets_support::*;
    create_user(&pool, "ada", false, Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let ada = signed_in(&t, "ada").await;
    let token = ada.csrf("/tickets/new").await;
    let tickets = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from tickets")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let send = |url: String, form: Multi| {
        let (content_type, body) = form.finish();
        ada.client
            .post(url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    // In the URL only: refused.
    let resp = send(
        ada.url(&format!("/tickets?csrf_token={token}")),
        ticket_form("In the URL", "The token is in the query string."),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // In a later part: refused (only the beginning of an upload is read before the check).
    let resp = send(
        ada.url("/tickets"),
        ticket_form("Token last", "The token is the last field.").text("csrf_token", &token),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(tickets().await, 0);

    // In the first part, with a file after it: accepted.
    let form = ticket_form("Token first", "The token is the first field.")
        .file(b"notes.txt", b"some notes\n")
        .with_token_first(&token);
    let resp = send(ada.url("/tickets"), form).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(tickets().await, 1);
    let id = location(&resp).split(['?', '#']).next().unwrap().to_owned();

    // The pages put the token first in every multipart form and never in an action.
    for page in [
        "/tickets/new".to_owned(),
        id.clone(),
        format!("{id}/edit"),
        "/account".to_owned(),
    ] {
        let html = ada.get_text(&page).await;
        let mut forms = 0;
        for form in html.split("<form").skip(1) {
            let tag = &form[..form.find('>').unwrap()];
            assert!(!tag.contains("csrf_token"), "{page}: {tag}");
            if tag.contains("multipart/form-data") {
                forms += 1;
                let first_field = form.find("name=\"").unwrap();
                assert!(
                    form[first_field..].starts_with("name=\"csrf_token\""),
                    "{page}: the token comes first in {tag}"
                );
            }
        }
        assert!(forms >= 1, "{page} has a multipart form");
    }
}
