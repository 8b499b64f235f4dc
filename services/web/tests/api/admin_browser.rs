//! In headless Chromium: an admin creates an account in the admin area and signs out; the new person signs in,
//! switches their account to French and changes their password.

use flicket_core::Locale;
use sqlx::PgPool;

use crate::browser::Browser;
use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_admin_creates_a_person_who_signs_in_switches_to_french_and_changes_password(
    pool: PgPool,
) {
    create_user(&pool, "root", true, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let b = Browser::start().await;

    b.goto(&app.url("/login")).await;
    b.submit_login("root", PASSWORD).await;
    b.wait_text("main h1", "Dashboard").await;

    b.click("a[href='/admin']").await;
    b.wait_text("main h1", "Administration").await;
    b.click("main a[href='/admin/users']").await;
    b.click("#new-user").await;
    b.wait_text("main h1", "New user").await;
    b.fill("#username", "grace").await;
    b.fill("#name", "Grace Hopper").await;
    b.fill("#email", "grace@example.com").await;
    b.fill("#job_title", "Rear admiral").await;
    b.fill("#password", "first password, set by root").await;
    b.fill("#password_confirm", "first password, set by root")
        .await;
    b.click("#user-form button[type=submit]").await;
    b.wait_text(".flash", "The user was created.").await;
    b.wait_text("main h1", "Account grace").await;

    b.click("form[action='/logout'] button").await;
    b.wait_path("/login").await;

    b.submit_login("grace", "first password, set by root").await;
    b.wait_text("main h1", "Dashboard").await;

    b.goto(&app.url("/account")).await;
    b.wait_text("main h1", "My account").await;
    b.click("#locale option[value=fr]").await;
    b.click("#profile-form button[type=submit]").await;
    b.wait_text("main h1", "Mon compte").await;
    b.wait_text(".flash", "Votre compte a été enregistré.")
        .await;

    b.fill("#current_password", "first password, set by root")
        .await;
    b.fill("#new_password", "a second, better passphrase").await;
    b.fill("#new_password_confirm", "a second, better passphrase")
        .await;
    b.click("#password-form button[type=submit]").await;
    b.wait_text(
        ".flash",
        "Votre mot de passe a été changé. Toutes vos autres sessions ont été fermées.",
    )
    .await;
    b.close().await;

    let check = spawn_app(pool).await;
    assert_eq!(
        check
            .login("grace", "first password, set by root")
            .await
            .status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        check
            .login("grace", "a second, better passphrase")
            .await
            .status(),
        reqwest::StatusCode::SEE_OTHER
    );
}
