//! Faults of the servers the web depends on, each against a private server the test starts on its own port (never
//! the machine's): PostgreSQL restarting under a request in flight, and NATS going away and coming back.

use std::time::Duration;

use flicket_core::private_servers::{PrivateNats, PrivatePostgres};
use flicket_core::{Config, Locale};
use futures::StreamExt;
use reqwest::StatusCode;
use sqlx::{Connection, PgPool};

use crate::admin_support::settings_fields;
use crate::helpers::*;
use crate::rest_tickets::{get, token_for};
use crate::tickets_support::*;

fn config(database_url: &str, nats_url: &str, uploads: &std::path::Path) -> Config {
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_DATABASE_URL", database_url),
        ("FLICKET_NATS_URL", nats_url),
        ("FLICKET_UPLOAD_DIR", &uploads.display().to_string()),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email"),
    ];
    Config::from_vars(
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_string())),
    )
    .unwrap()
}

fn uploads() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("flicket-uploads-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn status_of(app: &TestApp, path: &str) -> StatusCode {
    app.client.get(app.url(path)).send().await.unwrap().status()
}

/// Polls `path` until it answers `expected` (up to 60 s), and fails with what it answered otherwise.
async fn wait_status(app: &TestApp, path: &str, expected: StatusCode) {
    let mut last = None;
    for _ in 0..300 {
        let status = status_of(app, path).await;
        if status == expected {
            return;
        }
        last = Some(status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{path}: expected {expected}, last answered {last:?}");
}

fn settings_form(title: &str) -> Vec<(&str, &str)> {
    settings_fields(title, "93.184.216.34", "587", "", "")
}

async fn count(pool: &PgPool, sql: &'static str, text: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(text)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarting_under_a_request_gives_503_writes_nothing_half_and_the_web_recovers_alone()
 {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start)
        .await
        .unwrap()
        .unwrap();
    let mut admin = sqlx::PgConnection::connect(&pg.url("postgres"))
        .await
        .unwrap();
    sqlx::query("create database flicket")
        .execute(&mut admin)
        .await
        .unwrap();
    let url = pg.url("flicket");
    let dir = uploads();
    let config = config(&url, "nats://127.0.0.1:4222", &dir);
    // The pool the service itself builds (lazy, with its timeouts): recovery is the pool's doing, not the test's.
    let pool = flicket_core::db::pool(&config).unwrap();
    flicket_core::db::migrate(&pool).await.unwrap();
    create_user(&pool, "root", true, Locale::En).await;
    let bob = create_user(&pool, "bob", false, Locale::En).await;
    let ticket = create_direct(&pool, bob, "Printer jam on floor 2").await;
    let page = format!("/tickets/{}", ticket.0);

    let app = spawn_app_with(pool.clone(), config).await;
    assert_eq!(status_of(&app, "/readyz").await, StatusCode::OK);
    assert_eq!(
        app.login("root", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let bearer = token_for(&app, "root").await;

    // A reply in flight: its transaction has written the post and waits to write the outbox row for bob (another
    // session holds a lock on the outbox) when PostgreSQL shuts down.
    let mut blocker = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("begin").execute(&mut blocker).await.unwrap();
    sqlx::query("lock table outbox in share mode")
        .execute(&mut blocker)
        .await
        .unwrap();
    let token = app.csrf(&page).await;
    let (content_type, body) = reply_form("Sent while the database goes away.")
        .with_token_first(&token)
        .finish();
    let in_flight = tokio::spawn(
        app.client
            .post(app.url(&format!("{page}/replies")))
            .header("content-type", content_type)
            .body(body)
            .send(),
    );
    let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut waiting = false;
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity
             where wait_event_type = 'Lock' and application_name = 'flicket'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if n > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waiting, "the reply is waiting inside its transaction");
    drop(watcher);

    let pg = std::sync::Arc::new(pg);
    let p = pg.clone();
    tokio::task::spawn_blocking(move || p.stop())
        .await
        .unwrap()
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("the request in flight is answered")
        .unwrap()
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a clean 503 for the request in flight"
    );
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("The database cannot be reached right now.")
    );
    drop(blocker);

    // While it is down: not ready, and every front end answers 503 (never a hang, never a 500).
    wait_status(&app, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        status_of(&app, "/tickets").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let api = get(&app, "/api/v1/tickets", &bearer).await;
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "Service Unavailable", "{body}");
    let compat = get(&app, "/flicket-api/tickets/", &bearer).await;
    assert_eq!(compat.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Back: the same process becomes ready, the same session and token work, and the reply can be sent again.
    let p = pg.clone();
    tokio::task::spawn_blocking(move || p.start_again())
        .await
        .unwrap()
        .unwrap();
    wait_status(&app, "/readyz", StatusCode::OK).await;
    assert_eq!(status_of(&app, "/tickets").await, StatusCode::OK);
    let api = get(&app, "/api/v1/tickets", &bearer).await;
    assert_eq!(api.status(), StatusCode::OK);
    let resp = app
        .post_multi(
            &format!("{page}/replies"),
            &page,
            reply_form("Sent once the database is back."),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // Nothing half-written: the interrupted reply left no post and no outbox row; the counters agree.
    let check = PgPool::connect(&url).await.unwrap();
    let posts = "select count(*) from posts where content = $1";
    assert_eq!(
        count(&check, posts, "Sent while the database goes away.").await,
        0
    );
    assert_eq!(
        count(&check, posts, "Sent once the database is back.").await,
        1
    );
    assert_eq!(outbox_rows(&check, ticket).await.len(), 1);
    assert!(counters_drift(&check).await.is_empty());
    check.close().await;
    app.stop().await;
    pool.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn nats_down_the_web_keeps_working_and_config_changes_are_announced_once_it_is_back(
    pool: PgPool,
) {
    let mut nats = tokio::task::spawn_blocking(PrivateNats::start)
        .await
        .unwrap()
        .unwrap();
    create_user(&pool, "root", true, Locale::En).await;
    let dir = uploads();
    let db = crate::replicas::database_url(&pool);
    let app = spawn_app_with(pool.clone(), config(&db, &nats.url(), &dir)).await;
    assert_eq!(
        app.login("root", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let listener = async_nats::connect(nats.url()).await.unwrap();
    let mut changes = listener.subscribe("flicket.config.changed").await.unwrap();
    listener.flush().await.unwrap();
    let save = |title: &'static str| {
        let app = &app;
        async move {
            let token = app.csrf("/admin/settings").await;
            let mut form = settings_form(title);
            form.insert(0, ("csrf_token", &token));
            app.post_form("/admin/settings", &form).await.status()
        }
    };
    assert_eq!(save("Before the outage").await, StatusCode::SEE_OTHER);
    tokio::time::timeout(Duration::from_secs(10), changes.next())
        .await
        .expect("announced while NATS runs")
        .unwrap();

    // NATS goes away: pages, ticket creation and settings keep working (the settings are saved, the announcement is
    // best effort) and the service stays ready.
    nats.stop();
    assert_eq!(status_of(&app, "/readyz").await, StatusCode::OK);
    assert_eq!(save("During the outage").await, StatusCode::SEE_OTHER);
    let t = create_via_page(
        &app,
        "Raised while NATS is down",
        "The web does not need NATS.",
    )
    .await;
    assert_eq!(
        status_of(&app, &format!("/tickets/{}", t.0)).await,
        StatusCode::OK
    );
    assert_eq!(status_of(&app, "/tickets").await, StatusCode::OK);
    let s = flicket_core::repo::settings::load(&pool).await.unwrap();
    assert_eq!(s.application_title, "During the outage");

    // NATS is back on the same address: the web reconnects by itself and the next change is announced.
    let _nats = tokio::task::spawn_blocking(move || {
        nats.start_again().unwrap();
        nats
    })
    .await
    .unwrap();
    let mut arrived = false;
    for _ in 0..60 {
        assert_eq!(save("After the outage").await, StatusCode::SEE_OTHER);
        if let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_millis(500), changes.next()).await
        {
            let body: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
            assert_eq!(body["v"], 1, "{body}");
            arrived = true;
            break;
        }
    }
    assert!(arrived, "a config change announced after NATS is back");
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
