//! A person's own account: profile, password change, avatar, and the password-reset flow.

use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;
use crate::rest_compat::{token_answers, tokens_of_both_apis};

fn profile<'a>(email: &'a str, current: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Ada Lovelace"),
        ("email", email),
        ("job_title", "Analyst"),
        ("locale", "fr"),
        ("digest_opt_out", "on"),
        ("current_password", current),
    ]
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_profile_is_saved_and_extra_fields_are_ignored(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    let mut fields = profile("ada@example.com", "");
    fields.extend([
        ("is_admin", "true"),
        ("group", "1"),
        ("disabled", "true"),
        ("username", "root"),
    ]);
    let resp = post(&ada, "/account", &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let row: (String, String, String, bool, String, bool) = sqlx::query_as(
        "select username, name, locale, digest_opt_out, job_title, disabled from users",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "ada".into(),
            "Ada Lovelace".into(),
            "fr".into(),
            true,
            "Analyst".into(),
            false
        )
    );
    assert!(
        !is_admin(&pool, user_id(&pool, "ada").await).await,
        "no mass assignment"
    );
    assert!(
        ada.get_text("/account").await.contains("Mon compte"),
        "the new language applies at once"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn changing_the_email_needs_the_password_and_a_free_address(pool: PgPool) {
    create_user(&pool, "grace", false, Locale::En).await;
    let ada = app_as(&pool, Role::User, "ada").await;
    let resp = post(&ada, "/account", &profile("new@example.com", "")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("current password is not correct")
    );
    let resp = post(&ada, "/account", &profile("GRACE@example.com", PASSWORD)).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("already used"));
    let resp = post(&ada, "/account", &profile("not-an-address", PASSWORD)).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = post(&ada, "/account", &profile("new@example.com", PASSWORD)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let email: String = sqlx::query_scalar("select email from users where username = 'ada'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "new@example.com");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_password_change_keeps_this_session_and_ends_the_others(pool: PgPool) {
    let here = app_as(&pool, Role::User, "ada").await;
    let elsewhere = spawn_app(pool.clone()).await;
    elsewhere.login("ada", PASSWORD).await;
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let here = &here;
        async move {
            post(
                here,
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("new_password_confirm", confirm),
                ],
            )
            .await
        }
    };
    for (current, new, confirm, text) in [
        (
            "wrong password!",
            "a brand new passphrase",
            "a brand new passphrase",
            "not correct",
        ),
        (PASSWORD, "qwertyuiop", "qwertyuiop", "most common"),
        (
            PASSWORD,
            "ada-and-more-ada",
            "ada-and-more-ada",
            "must not contain",
        ),
        (
            PASSWORD,
            "a brand new passphrase",
            "another one",
            "different",
        ),
    ] {
        let resp = change(current, new, confirm).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(resp.text().await.unwrap().contains(text), "{text}");
    }
    let resp = change(PASSWORD, "a brand new passphrase", "a brand new passphrase").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        here.get("/account").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    let fresh = spawn_app(pool.clone()).await;
    assert_eq!(
        fresh.login("ada", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login("ada", "a brand new passphrase").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn guessing_the_current_password_is_rate_limited(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    for _ in 0..10 {
        let fields = [
            ("current_password", "guess"),
            ("new_password", "a brand new passphrase"),
            ("new_password_confirm", "a brand new passphrase"),
        ];
        post(&ada, "/account/password", &fields).await;
    }
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", "a brand new passphrase"),
        ("new_password_confirm", "a brand new passphrase"),
    ];
    let resp = post(&ada, "/account/password", &fields).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.text().await.unwrap().contains("Too many"));
}

/// A new password ends what the old one gave: the tokens of both APIs are revoked with the other sessions.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_password_change_revokes_every_api_token(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    let tokens = tokens_of_both_apis(&ada, "ada").await;
    assert_eq!(token_answers(&ada, &tokens).await, vec![StatusCode::OK; 4]);
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", "a brand new passphrase"),
        ("new_password_confirm", "a brand new passphrase"),
    ];
    let resp = post(&ada, "/account/password", &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        token_answers(&ada, &tokens).await,
        vec![StatusCode::UNAUTHORIZED; 4],
        "every token revoked"
    );
    assert_eq!(
        ada.get("/account").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    let live: i64 = sqlx::query_scalar("select count(*) from api_tokens where revoked_at is null")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 0);
}

/// The current-password check of the account page shares the sign-in limiter and counter: guesses at the sign-in
/// form (by name or by email) and on the page add up, failures are recorded, and the answer is sign-in's 429.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_current_password_check_shares_the_sign_in_limit(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    let other = spawn_app(pool.clone()).await;
    for login in ["ada", "ADA@example.com", "Ada"] {
        for _ in 0..3 {
            assert_eq!(
                other.login(login, "wrong password").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let guess = [
        ("current_password", "guess"),
        ("new_password", "a brand new passphrase"),
        ("new_password_confirm", "a brand new passphrase"),
    ];
    let resp = post(&ada, "/account/password", &guess).await;
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "10th failure"
    );
    let id = user_id(&pool, "ada").await;
    let failures: i64 = sqlx::query_scalar(
        "select count(*) from login_attempts where account_key = $1 and not succeeded",
    )
    .bind(format!("user:{id}"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(failures, 10, "every failure on the one account's counter");

    let right = [
        ("current_password", PASSWORD),
        ("new_password", "a brand new passphrase"),
        ("new_password_confirm", "a brand new passphrase"),
    ];
    let resp = post(&ada, "/account/password", &right).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    let resp = post(&ada, "/account", &profile("new@example.com", PASSWORD)).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "email change");
    assert_eq!(
        other.login("ada", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let email: String = sqlx::query_scalar("select email from users where username = 'ada'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "ada@example.com", "nothing changed");
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = app.csrf("/account").await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part("avatar", part);
    app.client
        .post(app.url("/account/avatar"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn avatars_are_images_only_and_served_as_attachments(pool: PgPool) {
    let dir = std::env::temp_dir().join(format!("flicket-avatars-{}", uuid::Uuid::new_v4()));
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0".to_owned()),
        ("FLICKET_UPLOAD_DIR", dir.display().to_string()),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email".to_owned()),
    ];
    let config =
        flicket_core::Config::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())))
            .unwrap();
    create_user(&pool, "ada", false, Locale::En).await;
    let ada = spawn_app_with(pool.clone(), config).await;
    ada.login("ada", PASSWORD).await;
    let id = user_id(&pool, "ada").await;

    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let resp = upload(&ada, "evil.png", svg).await;
    assert_eq!(location(&resp), "/account");
    assert!(
        ada.get_text("/account")
            .await
            .contains("PNG, JPEG, GIF or WebP image")
    );
    let resp = upload(&ada, "big.png", [PNG, &vec![0u8; 1024 * 1024]].concat()).await;
    assert!(
        resp.status() == StatusCode::SEE_OTHER || resp.status() == StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        ada.get(&format!("/users/{id}/avatar")).await.status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        upload(&ada, "me.txt", PNG.to_vec()).await.status(),
        StatusCode::SEE_OTHER
    );
    let resp = ada.get(&format!("/users/{id}/avatar")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["content-type"], "image/png");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
    assert_eq!(
        spawn_app(pool.clone())
            .await
            .get(&format!("/users/{id}/avatar"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    post(&ada, "/account/avatar/delete", &[]).await;
    assert_eq!(
        ada.get(&format!("/users/{id}/avatar")).await.status(),
        StatusCode::NOT_FOUND
    );
    let left = std::fs::read_dir(dir.join("avatars")).unwrap().count();
    assert_eq!(left, 0, "the file is gone too");
    let _ = std::fs::remove_dir_all(dir);
}

/// Checks that the page's one message, `text`, stands under the input `#id`, which points to it.
fn under_its_field(html: &str, id: &str, text: &str) {
    let input = html
        .split(&format!("<input id=\"{id}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no #{id}"));
    let tag = input.split('>').next().unwrap();
    assert!(tag.contains("aria-invalid=\"true\""), "{id}: {tag}");
    assert!(
        tag.contains(&format!("aria-describedby=\"{id}-error")),
        "{id}: {tag}"
    );
    let message = format!("<small id=\"{id}-error\" class=\"error\">");
    let after = html
        .split(&message)
        .nth(1)
        .unwrap_or_else(|| panic!("{id}"));
    assert!(
        after.split("</small>").next().unwrap().contains(text),
        "{id}"
    );
    assert_eq!(html.matches("aria-invalid").count(), 1, "{id}: one field");
}

/// The operation's field error reaches its field: the message stands under the input it is about, which points to
/// it (`aria-describedby`, `aria-invalid`), on the password form, the profile form and the reset request.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn messages_stand_under_the_field_they_are_about(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    for (current, new, confirm, id, text) in [
        (
            "wrong password!",
            "a brand new passphrase",
            "a brand new passphrase",
            "current_password",
            "not correct",
        ),
        (
            PASSWORD,
            "qwertyuiop",
            "qwertyuiop",
            "new_password",
            "most common",
        ),
        (
            PASSWORD,
            "a brand new passphrase",
            "another one",
            "new_password_confirm",
            "different",
        ),
    ] {
        let fields = [
            ("current_password", current),
            ("new_password", new),
            ("new_password_confirm", confirm),
        ];
        let resp = post(&ada, "/account/password", &fields).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        under_its_field(&resp.text().await.unwrap(), id, text);
    }
    let resp = post(&ada, "/account", &profile("GRACE@example.com", "")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    under_its_field(&html, "profile-current-password", "not correct");

    let app = spawn_app(pool.clone()).await;
    let resp = post(&app, "/password-reset", &[("email", "nobody")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    under_its_field(&html, "email", "Please enter a valid email address.");
}
