//! The SSRF guard at send time (security bar §1.5): with `FLICKET_SMTP_ALLOW_PRIVATE` off, a stored host that is or
//! resolves to an internal address is refused by the mailer itself, with the reason on the email's ledger row, and
//! nothing connects to it, whatever the settings page let through earlier.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flicket_core::domain::UserId;
use flicket_core::repo::fixtures;
use flicket_core::testing::insert_test_email;
use sqlx::PgPool;

use crate::helpers::*;

/// A TCP listener on 127.0.0.1 that only counts the connections it is offered.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

async fn store_host(pool: &PgPool, host: &str, port: u16) {
    sqlx::query("update settings set smtp_host = $1, smtp_port = $2, smtp_tls = 'none'")
        .bind(host)
        .bind(i32::from(port))
        .execute(pool)
        .await
        .unwrap();
}

/// A test email (as the settings page queues it); returns its outbox id.
async fn test_email(pool: &PgPool, n: usize) -> i64 {
    let key = format!("test_email:ssrf-{n}");
    insert_test_email(pool, &key, "admin@example.test", UserId(1), None)
        .await
        .unwrap()
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_stored_internal_smtp_host_is_refused_at_send_time_and_never_connected(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let (port, connections) = counting_listener().await;
    let mut o = options(&q.name);
    o.max_attempts = 1; // the refusal is recorded as the email's final outcome at once

    // Stored while the switch was on, or before the guard existed: the web never vets it again.
    let cases = [
        ("127.0.0.1", port, "not a mail port"),
        ("127.0.0.1", 587, "internal address"),
        ("localhost", 2525, "internal address"),
        ("[::ffff:127.0.0.1]", 25, "internal address"),
        ("10.0.0.5", 587, "internal address"),
        ("169.254.169.254", 465, "internal address"),
        ("0x7f000001", 587, "not a valid host name"),
    ];
    for (n, (host, port, why)) in cases.into_iter().enumerate() {
        store_host(&pool, host, port).await;
        let reply = reply_for(&pool, &w, w.customer, &format!("Reply {n}")).await;
        let test = test_email(&pool, n).await;
        // Restart the mailer so it loads the stored host afresh (as after a deploy).
        let m = RunningMailer::start_with(&pool, config_from(&q.name, REDIS_URL, false), o.clone())
            .await;
        push(&q.queue, reply).await;
        push(&q.queue, test).await;
        for id in [reply, test] {
            assert_eq!(finished(&pool, id).await, "failed", "{host}:{port}");
            let (_, _, error) = fixtures::delivery(&pool, &key_of(&pool, id).await)
                .await
                .unwrap()
                .unwrap();
            let error = error.unwrap_or_default();
            assert!(
                error.contains("SMTP server was refused") && error.contains(why),
                "{host}:{port}: {error}"
            );
        }
        m.stop().await;
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "never a connection");
    assert!(w.sink.messages().is_empty());

    // The same stored local sink is used when the operator allows it (a development machine).
    store_host(&pool, "127.0.0.1", w.sink.port()).await;
    let allowed = RunningMailer::start(&pool, options(&q.name)).await;
    let ok = reply_for(&pool, &w, w.customer, "Allowed now.").await;
    push(&q.queue, ok).await;
    assert_eq!(finished(&pool, ok).await, "sent");
    allowed.stop().await;
}
