//! Redis dies and comes back empty (no persistence): the web-side push fails, the mailer's worker restarts once
//! Redis answers again, and the outbox re-push brings the lost job back. Uses a private redis-server process.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flicket_core::jobs::EmailJob;
use flicket_core::queue::{EmailQueue, RepushPolicy, repush_due};
use flicket_core::repo::outbox;
use flicket_core::testing::free_port;
use sqlx::PgPool;

use crate::helpers::*;

struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    async fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let redis = Self {
            port,
            child: Some(child),
        };
        eventually("private redis answers", || async {
            let Ok(client) = redis::Client::open(redis.url()) else {
                return false;
            };
            match client.get_multiplexed_async_connection().await {
                Ok(mut c) => redis::cmd("PING")
                    .query_async::<String>(&mut c)
                    .await
                    .is_ok(),
                Err(_) => false,
            }
        })
        .await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_redis_restart_without_persistence_loses_no_email(pool: PgPool) {
    let w = world(&pool).await;
    let mut redis = PrivateRedis::start(free_port()).await;
    let name = "flicket:test:restart";
    let queue = EmailQueue::connect_lazy(&redis.url(), name).unwrap();
    let mailer =
        RunningMailer::start_with(&pool, config_with_redis(name, &redis.url()), options(name))
            .await;

    let before = reply_for(&pool, &w, w.customer, "Before the Redis crash.").await;
    queue.push(&[EmailJob::new(before)]).await.unwrap();
    assert_eq!(finished(&pool, before).await, "sent");

    redis.kill();
    let during = reply_for(&pool, &w, w.customer, "While Redis is down.").await;
    assert!(
        queue.push(&[EmailJob::new(during)]).await.is_err(),
        "Redis is down"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _redis = PrivateRedis::start(redis.port).await;

    let policy = RepushPolicy {
        not_enqueued_after: Duration::ZERO,
        ..RepushPolicy::default()
    };
    eventually("the re-push reaches the restarted Redis", || async {
        repush_due(&pool, &queue, policy)
            .await
            .is_ok_and(|n| n == 1)
    })
    .await;
    assert_eq!(finished(&pool, during).await, "sent");
    assert_eq!(w.sink.wait_for(2, WAIT).await.len(), 2);
    mailer.stop().await;
}

/// Target of issue 19: every email delivered within this delay after Redis comes back empty.
const RESTART_TARGET: Duration = Duration::from_secs(60);

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn after_redis_restarts_empty_every_email_is_delivered_within_a_minute_and_once(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let mut redis = PrivateRedis::start(free_port()).await;
    let name = "flicket:test:restart-delay";
    let queue = EmailQueue::connect_lazy(&redis.url(), name).unwrap();
    // One email at a time on a slow server: the others wait in Redis when it dies.
    let mut o = options(name);
    o.concurrency = 1;
    o.batch_size = 1;
    let mailer = RunningMailer::start_with(&pool, config_with_redis(name, &redis.url()), o).await;
    // The scheduler's re-push loop with its production policy and intervals.
    let stop = tokio_util::sync::CancellationToken::new();
    let repush = tokio::spawn(flicket_scheduler::outbox_repush::run(
        pool.clone(),
        queue.clone(),
        RepushPolicy::default(),
        flicket_scheduler::outbox_repush::INTERVAL,
        stop.clone(),
    ));

    let first = reply_for(&pool, &w, w.customer, "Before the Redis crash.").await;
    queue.push(&[EmailJob::new(first)]).await.unwrap();
    outbox::mark_enqueued(&pool, &[first]).await.unwrap();
    assert_eq!(finished(&pool, first).await, "sent");

    w.sink.delay_replies(Duration::from_secs(2));
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(reply_for(&pool, &w, w.customer, &format!("Queued {n}.")).await);
    }
    let jobs: Vec<EmailJob> = ids.iter().map(|id| EmailJob::new(*id)).collect();
    queue.push(&jobs).await.unwrap();
    outbox::mark_enqueued(&pool, &ids).await.unwrap();
    w.sink.wait_for(2, WAIT).await; // one of them is being sent; the rest wait in Redis

    redis.kill();
    let during = reply_for(&pool, &w, w.customer, "While Redis is down.").await;
    assert!(queue.push(&[EmailJob::new(during)]).await.is_err());
    ids.push(during);
    w.sink.delay_replies(Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _redis = PrivateRedis::start(redis.port).await;
    let back = Instant::now();

    let mut delivered = false;
    while back.elapsed() < RESTART_TARGET + Duration::from_secs(30) {
        let mut all = true;
        for id in &ids {
            all &= flicket_core::repo::fixtures::outbox_delivered(&pool, *id)
                .await
                .unwrap();
        }
        if all {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delay = back.elapsed();
    println!(
        "redis restart: every email delivered {:.1} s after Redis came back empty (target <= {} s)",
        delay.as_secs_f64(),
        RESTART_TARGET.as_secs()
    );
    assert!(delivered, "not every email was delivered within {delay:?}");
    assert!(delay <= RESTART_TARGET, "{delay:?}");
    for id in &ids {
        assert_eq!(
            state(&pool, &key_of(&pool, *id).await).await.as_deref(),
            Some("sent")
        );
    }
    // Exactly once: one message per outbox row, none twice, even though rows were pushed again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let messages = w.sink.messages();
    let mut message_ids: Vec<String> = messages
        .iter()
        .map(|m| m.header("Message-ID").unwrap_or_default())
        .collect();
    message_ids.sort();
    message_ids.dedup();
    assert_eq!(
        messages.len(),
        7,
        "first + 5 queued + 1 written during the outage"
    );
    assert_eq!(message_ids.len(), 7, "no duplicate");

    stop.cancel();
    repush.await.unwrap();
    mailer.stop().await;
}
