//! Faults: malformed payloads, panics, SMTP outages and refusals, lost Redis jobs, shutdown, settings changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use flicket_core::queue::{RepushPolicy, repush_due};
use flicket_core::repo::fixtures;
use flicket_core::smtp_sink::SmtpSink;
use sqlx::PgPool;

use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_malformed_payload_goes_to_the_dead_set_without_blocking_the_next_job(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let id = reply_for(&pool, &w, w.customer, "The good one.").await;
    // In one batch: bytes that are not JSON, JSON of the wrong shape, an unknown version, then a good job.
    q.queue
        .push_bytes(vec![
            b"\xff\xfe not json".to_vec(),
            br#"{"junk":1}"#.to_vec(),
            br#"{"v":99,"outbox_id":1}"#.to_vec(),
        ])
        .await
        .unwrap();
    push(&q.queue, id).await;
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    assert_eq!(finished(&pool, id).await, "sent");
    eventually("three dead jobs", || async { q.dead().await == 3 }).await;
    // The worker is still consuming.
    let next = reply_for(&pool, &w, w.customer, "And the next one.").await;
    push(&q.queue, next).await;
    assert_eq!(finished(&pool, next).await, "sent");
    assert_eq!(w.sink.wait_for(2, WAIT).await.len(), 2);
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_panic_in_one_job_does_not_kill_the_worker(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let doomed = reply_for(&pool, &w, w.customer, "This job panics.").await;
    let panicking = Arc::new(AtomicI64::new(doomed));
    let mut o = options(&q.name);
    let p = panicking.clone();
    o.before_job = Some(Arc::new(move |job| {
        if job.outbox_id == p.load(Ordering::SeqCst) {
            panic!("injected panic for outbox row {}", job.outbox_id);
        }
    }));
    let mailer = RunningMailer::start(&pool, o).await;
    push(&q.queue, doomed).await;
    let after = reply_for(&pool, &w, w.customer, "This one is fine.").await;
    push(&q.queue, after).await;
    assert_eq!(finished(&pool, after).await, "sent");
    eventually("the panicking job is dead", || async {
        q.dead().await == 1
    })
    .await;
    let later = reply_for(&pool, &w, w.customer, "Still alive?").await;
    push(&q.queue, later).await;
    assert_eq!(finished(&pool, later).await, "sent");
    // The panicked row is not lost: it stays undelivered for the outbox re-push.
    assert!(!fixtures::outbox_delivered(&pool, doomed).await.unwrap());
    assert_eq!(w.sink.messages().len(), 2);
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn smtp_down_for_a_while_then_up_delivers_every_email_once(pool: PgPool) {
    let mut w = world(&pool).await;
    let q = TestQueue::new();
    w.sink.stop();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = reply_for(&pool, &w, w.customer, &format!("During the outage {n}")).await;
        push(&q.queue, id).await;
        ids.push(id);
    }
    for id in &ids {
        let key = key_of(&pool, *id).await;
        eventually("several failed attempts", || async {
            matches!(fixtures::delivery(&pool, &key).await.unwrap(),
                Some((s, attempts, Some(_))) if s == "sending" && attempts >= 3)
        })
        .await;
    }
    w.sink.restart().await.unwrap();
    for id in &ids {
        assert_eq!(finished(&pool, *id).await, "sent");
    }
    let mail = w.sink.wait_for(ids.len(), WAIT).await;
    assert_eq!(mail.len(), ids.len());
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_lasting_outage_or_a_refusal_ends_in_a_recorded_permanent_failure(pool: PgPool) {
    let mut w = world(&pool).await;
    let q = TestQueue::new();
    let mut o = options(&q.name);
    o.max_attempts = 3;
    let mailer = RunningMailer::start(&pool, o).await;

    w.sink.reject_with(Some((550, "5.1.1 mailbox unavailable")));
    let refused = reply_for(&pool, &w, w.customer, "Refused for good.").await;
    push(&q.queue, refused).await;
    assert_eq!(finished(&pool, refused).await, "failed");
    let (_, attempts, reason) = fixtures::delivery(&pool, &key_of(&pool, refused).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempts, 1, "a permanent refusal is not retried");
    assert!(reason.unwrap().contains("refused"));

    w.sink.reject_with(None);
    w.sink.stop();
    let unreachable = reply_for(&pool, &w, w.customer, "Nobody listens.").await;
    push(&q.queue, unreachable).await;
    assert_eq!(finished(&pool, unreachable).await, "failed");
    let (_, attempts, reason) = fixtures::delivery(&pool, &key_of(&pool, unreachable).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempts, 3);
    assert!(reason.unwrap().starts_with("gave up after 3 attempts"));
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn jobs_lost_by_redis_are_pushed_again_by_the_outbox_repush(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    // One row whose push never happened (Redis was down), one whose job Redis lost after the push.
    let never_pushed = reply_for(&pool, &w, w.customer, "Never reached Redis.").await;
    let lost = reply_for(
        &pool,
        &w,
        w.customer,
        "Reached Redis, then Redis was flushed.",
    )
    .await;
    push(&q.queue, lost).await;
    flicket_core::repo::outbox::mark_enqueued(&pool, &[lost])
        .await
        .unwrap();
    q.flush();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let policy = RepushPolicy {
        not_enqueued_after: Duration::ZERO,
        not_delivered_after: Duration::from_secs(60),
        batch: 1,
    };
    // Too recent to be presumed lost: only the never-pushed row goes.
    assert_eq!(repush_due(&pool, &q.queue, policy).await.unwrap(), 1);
    assert_eq!(finished(&pool, never_pushed).await, "sent");
    fixtures::backdate_enqueue(&pool, lost, 120.0)
        .await
        .unwrap();
    assert_eq!(repush_due(&pool, &q.queue, policy).await.unwrap(), 1);
    assert_eq!(finished(&pool, lost).await, "sent");
    assert_eq!(
        repush_due(&pool, &q.queue, policy).await.unwrap(),
        0,
        "nothing left"
    );
    assert_eq!(w.sink.wait_for(2, WAIT).await.len(), 2);
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn shutdown_lets_the_job_in_flight_finish(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    // A slow server: the message is in, the "250" comes a second later.
    w.sink.delay_replies(Duration::from_secs(1));
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let id = reply_for(&pool, &w, w.customer, "Sent while shutting down.").await;
    push(&q.queue, id).await;
    assert_eq!(w.sink.wait_for(1, WAIT).await.len(), 1);
    assert!(
        !fixtures::outbox_delivered(&pool, id).await.unwrap(),
        "still in flight"
    );
    mailer.stop().await;
    assert!(fixtures::outbox_delivered(&pool, id).await.unwrap());
    assert_eq!(
        state(&pool, &key_of(&pool, id).await).await.unwrap(),
        "sent"
    );
    assert_eq!(w.sink.messages().len(), 1);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_settings_change_announced_on_nats_switches_the_smtp_server(pool: PgPool) {
    let mut w = world(&pool).await;
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let first = reply_for(&pool, &w, w.customer, "Through the old server.").await;
    push(&q.queue, first).await;
    assert_eq!(finished(&pool, first).await, "sent");

    // The old server goes away; the admin points the settings at a new one and saving announces it.
    w.sink.stop();
    let new_sink = SmtpSink::start().await.unwrap();
    fixtures::smtp_settings(&pool, new_sink.port(), false, BASE_URL)
        .await
        .unwrap();
    let nats = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    nats.publish("flicket.config.changed", "{}".into())
        .await
        .unwrap();
    nats.flush().await.unwrap();
    let second = reply_for(&pool, &w, w.customer, "Through the new server.").await;
    push(&q.queue, second).await;
    // The periodic refresh is an hour away in this test: only the NATS event can make this arrive.
    assert_eq!(finished(&pool, second).await, "sent");
    assert_eq!(new_sink.wait_for(1, WAIT).await.len(), 1);
    assert_eq!(w.sink.messages().len(), 1);
    mailer.stop().await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_schedulers_repushing_at_once_push_each_row_once(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let mut ids = Vec::new();
    for n in 0..60 {
        ids.push(
            reply_for(
                &pool,
                &w,
                w.customer,
                &format!("Waiting for the scheduler {n}"),
            )
            .await,
        );
    }
    let policy = RepushPolicy {
        not_enqueued_after: Duration::ZERO,
        not_delivered_after: Duration::from_secs(600),
        batch: 7,
    };
    let other_pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        repush_due(&pool, &q.queue, policy),
        repush_due(&other_pool, &q.queue, policy)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 60);
    assert_eq!(q.queue.depth().await.unwrap(), 60);
    for id in ids {
        assert!(fixtures::outbox_enqueued(&pool, id).await.unwrap());
    }
    assert_eq!(repush_due(&pool, &q.queue, policy).await.unwrap(), 0);
}

/// Jobs whose apalis bookkeeping in Redis is damaged (not their payload): a metadata hash with a non-numeric attempt
/// count, and an id whose data entry is gone. apalis-redis fails the whole fetched batch on them, so the good job
/// fetched with them is stranded in the worker's in-flight set; the worker must live on and the outbox re-push must
/// still deliver that job, once.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn corrupted_job_metadata_neither_kills_the_worker_nor_loses_the_good_job(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let good = reply_for(&pool, &w, w.customer, "Fetched with damaged jobs.").await;
    push(&q.queue, good).await;
    flicket_core::repo::outbox::mark_enqueued(&pool, &[good])
        .await
        .unwrap();
    q.queue
        .push_bytes(vec![
            br#"{"v":1,"outbox_id":900001}"#.to_vec(),
            br#"{"v":1,"outbox_id":900002}"#.to_vec(),
        ])
        .await
        .unwrap();
    let mut conn = q.queue.connection();
    // Queued jobs wait in the scheduled set until a worker promotes them; find the two damaged ones by payload.
    let ids: Vec<String> = redis::cmd("ZRANGE")
        .arg(q.queue.config().scheduled_jobs_set())
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(ids.len(), 3, "three jobs queued");
    let mut damaged = Vec::new();
    for id in &ids {
        let data: Vec<u8> = redis::cmd("HGET")
            .arg(q.queue.config().job_data_hash())
            .arg(id)
            .query_async(&mut conn)
            .await
            .unwrap();
        if data.ends_with(br#""outbox_id":900001}"#) || data.ends_with(br#""outbox_id":900002}"#) {
            damaged.push(id.clone());
        }
    }
    assert_eq!(damaged.len(), 2);
    let meta = format!("{}:{}", q.queue.config().job_meta_hash(), damaged[0]);
    let _: () = redis::cmd("HSET")
        .arg(&meta)
        .arg("attempts")
        .arg("not a number")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: () = redis::cmd("HDEL")
        .arg(q.queue.config().job_data_hash())
        .arg(&damaged[1])
        .query_async(&mut conn)
        .await
        .unwrap();

    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    // Let the worker fetch the damaged batch first (nothing left scheduled or waiting), so that the job below is
    // not fetched with it: under load the worker may start polling only after that job was pushed.
    let scheduled = q.queue.config().scheduled_jobs_set();
    let active = q.queue.config().active_jobs_list();
    eventually("the damaged batch fetched", || {
        let mut conn = q.queue.connection();
        let (scheduled, active) = (scheduled.clone(), active.clone());
        async move {
            let waiting: i64 = redis::cmd("ZCARD")
                .arg(&scheduled)
                .query_async(&mut conn)
                .await
                .unwrap();
            let queued: i64 = redis::cmd("LLEN")
                .arg(&active)
                .query_async(&mut conn)
                .await
                .unwrap();
            waiting == 0 && queued == 0
        }
    })
    .await;
    // The worker is alive: a job pushed now is delivered.
    let later = reply_for(&pool, &w, w.customer, "Pushed after the damage.").await;
    push(&q.queue, later).await;
    assert_eq!(finished(&pool, later).await, "sent");
    // The good job of the damaged batch is delivered, by the re-push if it was stranded.
    let policy = RepushPolicy {
        not_enqueued_after: Duration::ZERO,
        not_delivered_after: Duration::from_secs(60),
        batch: 10,
    };
    // (`later` was queued behind the damaged batch, so that batch has been fetched by now.)
    if !fixtures::outbox_delivered(&pool, good).await.unwrap() {
        fixtures::backdate_enqueue(&pool, good, 120.0)
            .await
            .unwrap();
        assert_eq!(repush_due(&pool, &q.queue, policy).await.unwrap(), 1);
    }
    assert_eq!(finished(&pool, good).await, "sent");
    let texts: Vec<String> = w
        .sink
        .wait_for(2, WAIT)
        .await
        .iter()
        .map(|m| m.decoded_text())
        .collect();
    assert_eq!(texts.len(), 2, "each email once");
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("Fetched with damaged jobs."))
            .count(),
        1
    );
    mailer.stop().await;
}
