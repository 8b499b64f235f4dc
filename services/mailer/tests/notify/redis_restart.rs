//! Redis dies and comes back empty (no persistence): the web-side push fails, the mailer's worker restarts once
//! Redis answers again, and the outbox re-push brings the lost job back. Uses a private redis-server process.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use flicket_core::jobs::EmailJob;
use flicket_core::queue::{EmailQueue, RepushPolicy, repush_due};
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
