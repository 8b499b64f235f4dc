//! NATS down for a while, against a private `nats-server` the test starts, stops and starts again on its own port:
//! the mailer keeps delivering, and a settings change made while NATS was down (its announcement reached nobody)
//! applies as soon as NATS is back, without waiting for the periodic re-read.

use std::net::SocketAddr;

use flicket_core::Config;
use flicket_core::private_servers::PrivateNats;
use flicket_core::repo::fixtures;
use flicket_core::smtp_sink::SmtpSink;
use flicket_core::testing::http_get;
use sqlx::PgPool;

use crate::helpers::*;

fn config_with_nats(queue: &str, nats_url: &str) -> Config {
    let vars = [
        ("FLICKET_MAILER_LISTEN", "127.0.0.1:0"),
        ("FLICKET_EMAIL_QUEUE", queue),
        ("FLICKET_NATS_URL", nats_url),
        // The sinks listen on 127.0.0.1, which the mailer's SSRF guard refuses unless private hosts are allowed.
        ("FLICKET_SMTP_ALLOW_PRIVATE", "true"),
    ];
    Config::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))).unwrap()
}

/// Whether the mailer's `/readyz` reports its NATS connection as `up`.
async fn nats_reported(port: u16, up: bool) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let expected = format!("\"nats\":{up}");
    http_get(addr, "/readyz")
        .await
        .is_some_and(|(_, text)| text.contains(&expected))
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_settings_change_made_while_nats_was_down_applies_once_nats_is_back(pool: PgPool) {
    let mut w = world(&pool).await;
    let q = TestQueue::new();
    let mut nats = tokio::task::spawn_blocking(PrivateNats::start)
        .await
        .unwrap()
        .unwrap();
    // The periodic re-read is an hour away in these options: only NATS can bring a change in time.
    let mailer = RunningMailer::start_with(
        &pool,
        config_with_nats(&q.name, &nats.url()),
        options(&q.name),
    )
    .await;
    eventually("the mailer is connected to NATS", || {
        nats_reported(mailer.port, true)
    })
    .await;
    let first = reply_for(&pool, &w, w.customer, "Before the outage.").await;
    push(&q.queue, first).await;
    assert_eq!(finished(&pool, first).await, "sent");

    nats.stop();
    eventually("the mailer sees NATS gone", || {
        nats_reported(mailer.port, false)
    })
    .await;
    // Mail keeps flowing without NATS.
    let during = reply_for(&pool, &w, w.customer, "During the outage.").await;
    push(&q.queue, during).await;
    assert_eq!(finished(&pool, during).await, "sent");
    assert_eq!(w.sink.wait_for(2, WAIT).await.len(), 2);

    // The admin moves the mail server while NATS is down: the announcement of that change is lost.
    w.sink.stop();
    let new_sink = SmtpSink::start().await.unwrap();
    fixtures::smtp_settings(&pool, new_sink.port(), false, BASE_URL)
        .await
        .unwrap();

    let nats = tokio::task::spawn_blocking(move || {
        nats.start_again().unwrap();
        nats
    })
    .await
    .unwrap();
    eventually("the mailer is connected to NATS again", || {
        nats_reported(mailer.port, true)
    })
    .await;
    let after = reply_for(&pool, &w, w.customer, "Through the new server.").await;
    push(&q.queue, after).await;
    let outcome = finished(&pool, after).await;
    let delivery = fixtures::delivery(&pool, &key_of(&pool, after).await)
        .await
        .unwrap();
    assert_eq!(outcome, "sent", "{delivery:?}");
    assert_eq!(new_sink.wait_for(1, WAIT).await.len(), 1);
    assert_eq!(
        w.sink.messages().len(),
        2,
        "nothing more through the old server"
    );
    mailer.stop().await;
    drop(nats);
}
