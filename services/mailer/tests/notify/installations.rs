//! Two installations on one Redis: by default each has a queue of its own; told to share one, each mailer delivers
//! its own installation's jobs and leaves the other's in the queue (never dropped as "gone", never mistaken for a
//! row of its own database with the same id).

use flicket_core::Config;
use flicket_core::queue::EmailQueue;
use sqlx::PgPool;

use crate::helpers::*;

fn server_url() -> String {
    let base = std::env::var("DATABASE_URL").unwrap();
    base.rsplit_once('/').unwrap().0.to_owned()
}

/// A second installation: a database of its own with every migration.
async fn other_installation(pool: &PgPool) -> (String, PgPool) {
    let name = format!("flicket_other_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!(r#"create database "{name}""#)))
        .execute(pool)
        .await
        .unwrap();
    let other = PgPool::connect(&format!("{}/{name}", server_url()))
        .await
        .unwrap();
    flicket_core::db::MIGRATOR.run(&other).await.unwrap();
    (name, other)
}

fn default_queue(database: &str) -> String {
    let url = format!("{}/{database}", server_url());
    let vars = [("FLICKET_DATABASE_URL", url.as_str())];
    Config::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .unwrap()
        .email_queue
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_installations_on_one_queue_each_deliver_their_own_emails(pool: PgPool) {
    let (other_name, other) = other_installation(&pool).await;
    let this_name = pool.connect_options().get_database().unwrap().to_owned();
    assert_ne!(
        default_queue(&this_name),
        default_queue(&other_name),
        "by default the two installations do not share a queue"
    );

    // Told to share one queue anyway (or configured by hand alike).
    let q = TestQueue::new();
    let a = world(&pool).await;
    let b = world(&other).await;
    let queue_a = EmailQueue::connect_lazy(REDIS_URL, &q.name)
        .unwrap()
        .identified_by(pool.clone());
    let queue_b = EmailQueue::connect_lazy(REDIS_URL, &q.name)
        .unwrap()
        .identified_by(other.clone());
    let mailer_a = RunningMailer::start(&pool, options(&q.name)).await;
    let mailer_b = RunningMailer::start(&other, options(&q.name)).await;

    // Fresh databases: both installations have rows with the same outbox ids.
    let mut ids_a = Vec::new();
    let mut ids_b = Vec::new();
    for n in 0..5 {
        ids_a.push(reply_for(&pool, &a, a.customer, &format!("A's reply {n}")).await);
        ids_b.push(reply_for(&other, &b, b.customer, &format!("B's reply {n}")).await);
    }
    assert_eq!(ids_a, ids_b);
    for (ia, ib) in ids_a.iter().zip(&ids_b) {
        push(&queue_a, *ia).await;
        push(&queue_b, *ib).await;
    }

    // No outbox re-push runs here: each email arrives through the queue alone.
    for id in &ids_a {
        assert_eq!(finished(&pool, *id).await, "sent");
    }
    for id in &ids_b {
        assert_eq!(finished(&other, *id).await, "sent");
    }
    let (got_a, got_b) = (
        a.sink.wait_for(5, WAIT).await,
        b.sink.wait_for(5, WAIT).await,
    );
    assert_eq!(got_a.len(), 5);
    assert_eq!(got_b.len(), 5);
    assert!(got_a.iter().all(|m| decoded(m).contains("A's reply")));
    assert!(got_b.iter().all(|m| decoded(m).contains("B's reply")));

    mailer_a.stop().await;
    mailer_b.stop().await;
    other.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        r#"drop database "{other_name}" with (force)"#
    )))
    .execute(&pool)
    .await
    .unwrap();
}
