use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn accept_language_chooses_french_for_visitors(pool: PgPool) {
    let app = spawn_app(pool).await;
    let page = |lang: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/login"))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let fr = page("fr-FR,fr;q=0.9,en;q=0.5").await;
    assert!(
        fr.contains("<html lang=\"fr\">") && fr.contains("Connexion"),
        "{fr}"
    );
    let en = page("en-US,en;q=0.9").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_users_own_locale_overrides_accept_language(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "zoe", false, Locale::Fr).await;
    let app = spawn_app(pool.clone()).await;
    app.login("ada", PASSWORD).await;
    let home = app
        .client
        .get(app.url("/"))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert!(home.text().await.unwrap().contains("Dashboard"));

    let zoe = spawn_app(pool).await;
    zoe.login("zoe", PASSWORD).await;
    let home = zoe
        .client
        .get(zoe.url("/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(home.text().await.unwrap().contains("Tableau de bord"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_language_switch_is_remembered(pool: PgPool) {
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    // Anonymous: a cookie.
    let token = app.csrf("/login").await;
    let resp = app
        .post_form(
            "/language",
            &[("csrf_token", &token), ("locale", "fr"), ("next", "/login")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    assert!(app.get_text("/login").await.contains("Connexion"));
    // Signed in: stored on the account.
    app.login("ada", PASSWORD).await;
    let token = app.csrf("/").await;
    app.post_form(
        "/language",
        &[
            ("csrf_token", &token),
            ("locale", "fr"),
            ("next", "https://evil.example"),
        ],
    )
    .await;
    let stored: String = sqlx::query_scalar("select locale from users where user_id = $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, "fr");
    let token = app.csrf("/").await;
    let bad = app
        .post_form("/language", &[("csrf_token", &token), ("locale", "de")])
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
