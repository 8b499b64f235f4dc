use flicket_core::Locale;
use flicket_core::repo::users;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn sign_in_by_username_and_by_email(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;

    let resp = app.login("ada", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/");
    let home = app.get_text("/").await;
    assert!(home.contains("Welcome, ada Tester."), "{home}");
    assert!(home.contains("You are signed in."));

    let other = spawn_app(pool).await;
    let resp = other.login("ADA@example.com", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(other.get_text("/").await.contains("Welcome, ada Tester."));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn wrong_password_and_unknown_user_get_the_same_answer(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool).await;

    let wrong = app.login("ada", "not the password").await;
    let unknown = app.login("nobody", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let names = |r: &reqwest::Response| {
        let mut v: Vec<String> = r.headers().keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&wrong), names(&unknown));
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    let message = "Invalid user name, email or password.";
    assert!(wrong.contains(message) && unknown.contains(message));
    // Same page apart from the echoed user name and the CSRF token.
    let strip = |s: &str, name: &str| {
        s.replace(&format!("value=\"{name}\""), "")
            .replace(&csrf_from(s), "")
    };
    assert_eq!(strip(&wrong, "ada"), strip(&unknown, "nobody"));
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "still anonymous"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_disabled_user_is_refused_and_loses_its_sessions(pool: PgPool) {
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/").await.status(), StatusCode::OK);

    let mut conn = pool.acquire().await.unwrap();
    users::set_disabled(&mut conn, id, true).await.unwrap();
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "session ended"
    );

    let resp = app.login("ada", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Invalid user name, email or password.")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_session_survives_a_web_restart(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let first = spawn_app(pool.clone()).await;
    let cookie = session_cookie(&first).await;
    first.stop().await;

    let second = spawn_app(pool).await;
    let (bare, _) = client();
    let resp = bare
        .get(second.url("/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("Welcome, ada Tester."));
}

async fn session_cookie(app: &TestApp) -> String {
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    format!(
        "flicket_session={}",
        app.cookie("flicket_session").expect("session cookie")
    )
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn logout_revokes_the_session_on_the_server(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let cookie = session_cookie(&app).await;
    let replay = || async {
        let (bare, _) = client();
        bare.get(app.url("/"))
            .header("cookie", cookie.clone())
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(replay().await, StatusCode::OK);

    let token = app.csrf("/").await;
    let resp = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");

    assert_eq!(
        replay().await,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
    let left: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_flicket_bcrypt_hash_signs_in_and_is_restored_as_argon2id(pool: PgPool) {
    let bcrypt_hash = bcrypt::hash("Flicket-export-1", 4).unwrap();
    let id = create_user_with_hash(&pool, "legacy", &bcrypt_hash, false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    assert_eq!(
        app.login("legacy", "Flicket-export-1").await.status(),
        StatusCode::SEE_OTHER
    );
    let stored: String = sqlx::query_scalar("select password_hash from users where user_id = $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    let again = spawn_app(pool).await;
    assert_eq!(
        again.login("legacy", "Flicket-export-1").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn repeated_failures_are_rate_limited_whether_or_not_the_account_exists(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool).await;
    for name in ["ada", "ghost"] {
        for _ in 0..10 {
            assert_eq!(
                app.login(name, "wrong password").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        let (status, text) = answer(app.login(name, PASSWORD).await).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(text.contains("Too many sign-in attempts"));
    }
}

/// A response's status and text.
async fn answer(resp: reqwest::Response) -> (StatusCode, String) {
    (resp.status(), resp.text().await.unwrap())
}

/// Asks `path` (`/api/v1/tokens` or `/flicket-api/tokens`) for a token with HTTP Basic credentials.
async fn basic_sign_in(app: &TestApp, path: &str, login: &str, password: &str) -> StatusCode {
    app.client
        .post(app.url(path))
        .basic_auth(login, Some(password))
        .send()
        .await
        .unwrap()
        .status()
}

/// A sign-in guess at the form (`None`) or at a token endpoint (`Some(path)`), with its answer's status.
async fn guess(app: &TestApp, front: Option<&str>, login: &str, password: &str) -> StatusCode {
    match front {
        None => app.login(login, password).await.status(),
        Some(path) => basic_sign_in(app, path, login, password).await,
    }
}

/// One counter per account, however it is named (user name, email, any case) and wherever the guess is made (the
/// form, `/api/v1/tokens`, `/flicket-api/tokens`): ten guesses in all, not ten per spelling and per front end. A name
/// that matches no account is counted under the text typed, also across front ends.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_sign_in_limit_is_per_account_across_names_and_front_ends(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "bob", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let (v1, compat) = ("/api/v1/tokens", "/flicket-api/tokens");
    let guesses = [
        (None, "ada"),
        (Some(v1), "ADA@example.com"),
        (Some(compat), "ada@example.com"),
    ];
    for _ in 0..3 {
        for (front, login) in guesses {
            assert_eq!(
                guess(&app, front, login, "wrong password").await,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    assert_eq!(
        guess(&app, None, "Ada@Example.com", "wrong password").await,
        StatusCode::UNAUTHORIZED,
        "the tenth guess"
    );
    let (status, text) = answer(app.login("ada", PASSWORD).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(text.contains("Too many sign-in attempts"));
    for login in ["ada", "ada@example.com"] {
        for front in [v1, compat] {
            assert_eq!(
                guess(&app, Some(front), login, PASSWORD).await,
                StatusCode::TOO_MANY_REQUESTS
            );
        }
    }
    assert_eq!(
        new_client_login(&pool, "bob@example.com").await,
        StatusCode::SEE_OTHER,
        "another account is not held back"
    );

    // An unknown name: the form and the APIs add up under what was typed.
    for _ in 0..5 {
        for (front, login) in [(None, "ghost"), (Some(v1), "GHOST")] {
            assert_eq!(
                guess(&app, front, login, "wrong password").await,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    for front in [None, Some(compat)] {
        assert_eq!(
            guess(&app, front, "ghost", "wrong password").await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

/// Signs in as ada with this `X-Forwarded-For`.
async fn login_from(app: &TestApp, forwarded_for: &str, password: &str) -> StatusCode {
    let token = app.csrf("/login").await;
    app.client
        .post(app.url("/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "ada"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind a reverse proxy (an ingress), every connection comes from the proxy: the per-address sign-in limit must
/// count the client `X-Forwarded-For` names when, and only when, the proxy is trusted (`FLICKET_TRUSTED_PROXIES`).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_sign_in_limit_counts_clients_behind_a_trusted_proxy(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    // 50 recent failures from one client address (the limit), each for another account.
    sqlx::query(
        "insert into login_attempts (account_key, ip, succeeded)
         select 'someone' || n, '203.0.113.5', false from generate_series(1, 50) n",
    )
    .execute(&pool)
    .await
    .unwrap();
    // The test client connects from 127.0.0.1: trusted as a proxy here.
    let mut config = test_config();
    config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    let proxied = spawn_app_with(pool.clone(), config).await;
    assert_eq!(
        login_from(&proxied, "203.0.113.5", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the limited client, through the proxy"
    );
    assert_eq!(
        login_from(&proxied, "203.0.113.5, 127.0.0.1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "past a chain of trusted proxies"
    );
    // Another client through the same proxy is not held back; a failure is recorded under its own address.
    assert_eq!(
        login_from(&proxied, "198.51.100.7", "wrong password").await,
        StatusCode::UNAUTHORIZED
    );
    let ip: String = sqlx::query_scalar(
        "select ip from login_attempts where account_key like 'user:%' order by login_attempt_id desc limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ip, "198.51.100.7");
    // A client cannot hide behind an address it writes itself: only the entry the proxy appended counts.
    assert_eq!(
        login_from(&proxied, "198.51.100.99, 203.0.113.5", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&proxied, "not-an-address", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "a malformed header counts as the proxy itself"
    );

    // Without trusted proxies the header is ignored: it can neither lift nor impose the limit.
    let direct = spawn_app(pool).await;
    assert_eq!(
        login_from(&direct, "203.0.113.5", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn hostile_input_is_refused_without_a_server_error(pool: PgPool) {
    let app = spawn_app(pool).await;
    let long = "x".repeat(10_000);
    for (user, pw) in [
        ("ada\0", "pw"),
        (long.as_str(), "pw"),
        ("ada", long.as_str()),
        ("", ""),
    ] {
        let resp = app.login(user, pw).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{}",
            &user[..user.len().min(10)]
        );
    }
    // Invalid UTF-8 in the form body.
    let token = app.csrf("/login").await;
    let mut body = format!("csrf_token={token}&username=").into_bytes();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"&password=x");
    let resp = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn sign_in_never_redirects_off_site(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/tickets?page=2",
    ] {
        let app = spawn_app(pool.clone()).await;
        let token = app.csrf("/login").await;
        let resp = app
            .post_form(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", "ada"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        let expected = if next.starts_with("/t") { next } else { "/" };
        assert_eq!(location(&resp), expected);
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn anonymous_visitors_are_sent_to_sign_in(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app.get("/").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
}
