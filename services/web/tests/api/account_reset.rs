//! The password-reset flow: same answer for every address, a hashed single-use link valid 30 minutes, sent through
//! the outbox, that sets a new password and signs out every session.

use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

/// Asks for a link, then waits until the app has done the work, which it does after answering: requests are
/// handled in order, so once the link asked next for a sentinel account exists, this request has been handled. The
/// sentinel's rows are removed again.
async fn ask(app: &TestApp, pool: &PgPool, email: &str) -> reqwest::Response {
    let resp = post(app, "/password-reset", &[("email", email)]).await;
    sqlx::query(
        "insert into users (username, name, email, password_hash, locale)
         values ('reset-sentinel', 'Sentinel', 'reset-sentinel@example.com', 'x', 'en')
         on conflict do nothing",
    )
    .execute(pool)
    .await
    .unwrap();
    let sentinel: i64 =
        sqlx::query_scalar("select user_id from users where username = 'reset-sentinel'")
            .fetch_one(pool)
            .await
            .unwrap();
    let _ = post(
        app,
        "/password-reset",
        &[("email", "reset-sentinel@example.com")],
    )
    .await;
    wait_for_link(pool, sentinel).await;
    sqlx::query("delete from outbox where recipient_id = $1")
        .bind(sentinel)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("delete from password_resets where user_id = $1")
        .bind(sentinel)
        .execute(pool)
        .await
        .unwrap();
    resp
}

/// Waits (at most 20 s, then fails) until a link for `user_id` exists.
async fn wait_for_link(pool: &PgPool, user_id: i64) {
    for _ in 0..1000 {
        let n: i64 = sqlx::query_scalar("select count(*) from password_resets where user_id = $1")
            .bind(user_id)
            .fetch_one(pool)
            .await
            .unwrap();
        if n > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no reset link was issued for user {user_id}");
}

/// The raw token of the latest reset email (only the mailer reads it, to build the link).
/// The token the mailer will put in the email (the outbox row carries it encrypted with the secret key).
async fn mailed_token(pool: &PgPool) -> String {
    let enc: String = sqlx::query_scalar(
        "select payload->>'token_enc' from outbox where kind = 'password_reset' order by outbox_id desc limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let key = secrecy::ExposeSecret::expose_secret(&test_config().secret_key)
        .as_bytes()
        .to_vec();
    flicket_core::crypto::decrypt_string(&key, &enc).unwrap()
}

async fn set(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    post(
        app,
        "/password-reset/new",
        &[
            ("token", token),
            ("new_password", password),
            ("new_password_confirm", password),
        ],
    )
    .await
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn known_and_unknown_addresses_get_the_same_answer(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let known = ask(&app, &pool, "ada@example.com").await;
    let unknown = ask(&app, &pool, "nobody@example.com").await;
    assert_eq!(known.status(), unknown.status());
    let (known, unknown) = (known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(
        known.replace(&csrf_from(&known), ""),
        unknown.replace(&csrf_from(&unknown), "")
    );
    let token = mailed_token(&pool).await;
    assert!(!known.contains(&token), "the token is only in the email");
    let rows: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let stored: Vec<u8> = sqlx::query_scalar("select token_hash from password_resets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        flicket_core::tokens::hash_token(&token),
        "only the hash is stored"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_link_sets_a_new_password_once_and_signs_out_every_session(pool: PgPool) {
    let ada = app_as(&pool, Role::User, "ada").await;
    let app = spawn_app(pool.clone()).await;
    ask(&app, &pool, "ADA@example.com").await;
    let token = mailed_token(&pool).await;
    assert!(
        app.get_text(&format!("/password-reset/new?token={token}"))
            .await
            .contains("Choose a new password")
    );

    let weak = set(&app, &token, "password123").await;
    assert_eq!(
        weak.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the policy applies and the link survives"
    );
    let resp = set(&app, &token, "a fresh reset passphrase").await;
    assert_eq!(
        (resp.status(), location(&resp)),
        (StatusCode::SEE_OTHER, "/login".to_owned())
    );
    assert_eq!(
        ada.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "every session ended"
    );
    assert_eq!(
        app.login("ada", "a fresh reset passphrase").await.status(),
        StatusCode::SEE_OTHER
    );

    let again = set(
        &spawn_app(pool.clone()).await,
        &token,
        "yet another passphrase",
    )
    .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "single use");
    assert!(again.text().await.unwrap().contains("cannot be used"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn expired_replaced_wrong_and_stale_links_are_refused(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    ask(&app, &pool, "ada@example.com").await;
    let first = mailed_token(&pool).await;
    ask(&app, &pool, "ada@example.com").await;
    let second = mailed_token(&pool).await;
    assert_eq!(
        set(&app, &first, "a fresh reset passphrase").await.status(),
        StatusCode::BAD_REQUEST,
        "replaced"
    );

    sqlx::query("update password_resets set expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        set(&app, &second, "a fresh reset passphrase")
            .await
            .status(),
        StatusCode::BAD_REQUEST,
        "expired"
    );
    let wrong = "A".repeat(43);
    assert_eq!(
        app.get(&format!("/password-reset/new?token={wrong}"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/password-reset/new?token=..%2F..%2Fetc")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/password-reset/new").await.status(),
        StatusCode::BAD_REQUEST
    );

    // A new email address makes older links useless.
    ask(&app, &pool, "ada@example.com").await;
    let third = mailed_token(&pool).await;
    let user = spawn_app(pool.clone()).await;
    user.login("ada", PASSWORD).await;
    let fields = [
        ("name", "Ada"),
        ("email", "ada2@example.com"),
        ("job_title", ""),
        ("locale", "en"),
        ("current_password", PASSWORD),
    ];
    assert_eq!(
        post(&user, "/account", &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        set(&app, &third, "a fresh reset passphrase").await.status(),
        StatusCode::BAD_REQUEST,
        "email changed"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn disabled_accounts_get_no_link_and_requests_are_capped(pool: PgPool) {
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    for _ in 0..5 {
        assert_eq!(
            ask(&app, &pool, "ada@example.com").await.status(),
            StatusCode::OK
        );
    }
    let sent: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sent, 3, "at most three links an hour");
    sqlx::query("delete from outbox")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("delete from password_resets")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(id.0)
        .execute(&pool)
        .await
        .unwrap();
    ask(&app, &pool, "ada@example.com").await;
    let sent: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sent, 0);
}

/// A reset ends what the old password gave: every session (above) and the tokens of both APIs.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_reset_revokes_every_api_token(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let tokens = crate::rest_compat::tokens_of_both_apis(&app, "ada").await;
    let answers = |app| crate::rest_compat::token_answers(app, &tokens);
    assert_eq!(answers(&app).await, vec![StatusCode::OK; 4]);
    ask(&app, &pool, "ada@example.com").await;
    let token = mailed_token(&pool).await;
    assert_eq!(
        answers(&app).await,
        vec![StatusCode::OK; 4],
        "asking for a link changes nothing"
    );
    let resp = set(&app, &token, "a fresh reset passphrase").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answers(&app).await,
        vec![StatusCode::UNAUTHORIZED; 4],
        "every token revoked"
    );
}

/// The answer does not wait for the work that only a known address causes (the lookup's result, the link's two
/// inserts): with the reset table held by another transaction, a request for a known address is still answered,
/// with the page an unknown address gets; the link is issued once the table is free again. (Were the inserts done
/// before answering, the request would wait for the lock, and take longer for known addresses than for unknown ones.)
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_answer_does_not_wait_for_the_link_to_be_issued(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let unknown = post(&app, "/password-reset", &[("email", "nobody@example.com")]).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let unknown = unknown.text().await.unwrap();

    let mut hold = pool.begin().await.unwrap();
    sqlx::query("lock table password_resets in exclusive mode")
        .execute(&mut *hold)
        .await
        .unwrap();
    // A bound so that the test fails instead of hanging; the answer is expected at once.
    let known = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        post(&app, "/password-reset", &[("email", "ada@example.com")]),
    )
    .await
    .expect("answered while the link could not be written yet");
    assert_eq!(known.status(), StatusCode::OK);
    let known = known.text().await.unwrap();
    assert_eq!(
        known.replace(&csrf_from(&known), ""),
        unknown.replace(&csrf_from(&unknown), ""),
        "the same page"
    );
    let written: i64 = sqlx::query_scalar("select count(*) from password_resets")
        .fetch_one(&mut *hold)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing written before the answer");
    hold.rollback().await.unwrap();

    wait_for_link(&pool, ada.0).await;
    let rows: i64 = sqlx::query_scalar(
        "select count(*) from outbox where kind = 'password_reset' and recipient_id = $1",
    )
    .bind(ada.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, 1, "the link's email is on its way");
}
