//! Sign-in, language switch and sign-out as a person does them, in headless Chromium.

use flicket_core::Locale;
use sqlx::PgPool;

use crate::browser::Browser;
use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_person_signs_in_switches_to_french_and_signs_out(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool).await;
    let b = Browser::start().await;

    b.goto(&app.url("/")).await;
    b.wait_path("/login").await; // anonymous visitors land on the sign-in page

    b.submit_login("ada", "not my password").await;
    b.wait_text("#login-error", "Invalid user name, email or password.")
        .await;

    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_text("main h1", "Dashboard").await;
    b.wait_text(".flash", "You are signed in.").await;

    b.click("#language-select option[value=fr]").await;
    b.click(".language-form button").await;
    b.wait_text("main h1", "Tableau de bord").await;

    b.click("form[action='/logout'] button").await;
    b.wait_path("/login").await;
    b.wait_text(".flash", "Vous êtes déconnecté.").await;
    b.goto(&app.url("/")).await;
    b.wait_path("/login").await; // signed out for real
    b.close().await;
}
