//! The relay pushes committed outbox rows to Redis in the background, and nothing in the web waits for Redis.

use std::time::Duration;

use flicket_core::domain::UserId;
use flicket_core::queue::EmailQueue;
use flicket_core::repo::fixtures;
use flicket_core::testing::insert_test_email;
use flicket_web::relay::Relay;
use sqlx::PgPool;

use crate::helpers::*;

async fn test_email_row(pool: &PgPool, key: &str) -> i64 {
    insert_test_email(pool, key, "admin@example.test", UserId(1), None)
        .await
        .unwrap()
        .unwrap()
}

fn delete_queue(name: &str) {
    flicket_core::testing::delete_redis_keys("redis://127.0.0.1:6379/0", name).unwrap();
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn committed_outbox_rows_are_pushed_to_the_queue(pool: PgPool) {
    let name = format!("flicket:test:relay:{}", uuid::Uuid::new_v4().simple());
    let queue = EmailQueue::connect_lazy("redis://127.0.0.1:6379/0", &name).unwrap();
    let relay = Relay::start(pool.clone(), queue.clone());
    let a = test_email_row(&pool, "test_email:a").await;
    let b = test_email_row(&pool, "test_email:b").await;
    relay.after_commit(vec![a, b]);
    let mut pushed = false;
    for _ in 0..200 {
        if fixtures::outbox_enqueued(&pool, a).await.unwrap()
            && fixtures::outbox_enqueued(&pool, b).await.unwrap()
        {
            pushed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(pushed, "rows recorded as enqueued");
    assert_eq!(queue.depth().await.unwrap(), 2);
    delete_queue(&name);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_web_keeps_serving_while_redis_is_down(pool: PgPool) {
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_REDIS_URL", "redis://127.0.0.1:1/0"),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email"),
    ];
    let config = flicket_core::Config::from_vars(
        vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .unwrap();
    let app = spawn_app_with(pool.clone(), config).await;
    assert_eq!(app.get("/login").await.status(), 200);
    create_user(&pool, "ada", false, flicket_core::Locale::En).await;
    assert_eq!(app.login("ada", PASSWORD).await.status(), 303);

    // The relay of a web whose Redis is down accepts rows without waiting, beyond its buffer too.
    let queue = EmailQueue::connect_lazy("redis://127.0.0.1:1/0", "flicket:test:nowhere").unwrap();
    let relay = Relay::start(pool.clone(), queue);
    let id = test_email_row(&pool, "test_email:down").await;
    for _ in 0..5000 {
        relay.after_commit(vec![id]);
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert!(
        !fixtures::outbox_enqueued(&pool, id).await.unwrap(),
        "left to the scheduler"
    );
    app.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn jobs_pushed_by_the_web_carry_the_installation_id(pool: PgPool) {
    let name = format!("flicket:test:relay:{}", uuid::Uuid::new_v4().simple());
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_EMAIL_QUEUE", name.as_str()),
    ];
    let config = flicket_core::Config::from_vars(
        vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .unwrap();
    create_user(&pool, "ada", false, flicket_core::Locale::En).await;
    let app = spawn_app_with(pool.clone(), config).await;
    crate::admin_support::post(&app, "/password-reset", &[("email", "ada@example.com")]).await;

    let queue = EmailQueue::connect_lazy("redis://127.0.0.1:6379/0", &name).unwrap();
    for _ in 0..200 {
        if queue.depth().await.unwrap() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut conn = queue.connection();
    let payloads: Vec<Vec<u8>> = redis::cmd("HVALS")
        .arg(queue.config().job_data_hash())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(payloads.len(), 1);
    let job = flicket_core::jobs::EmailJob::parse(&payloads[0]).unwrap();
    let ours = flicket_core::repo::installation::id(&pool).await.unwrap();
    assert_eq!(job.installation, Some(ours));
    app.stop().await;
    delete_queue(&name);
}
