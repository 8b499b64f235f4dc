//! Digests: one per user per period, whatever the number of replicas, crashes or missed ticks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use chrono::{DateTime, Utc};
use flicket_core::domain::TicketId;
use flicket_core::outbox_message::{OUTBOX_MESSAGE_VERSION, OutboxMessage};
use flicket_core::queue::EmailQueue;
use flicket_core::repo::digests::PeriodOutcome;
use flicket_scheduler::digest::{self, TickOutcome};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

const REDIS_URL: &str = "redis://127.0.0.1:6379/0";

/// A queue of its own on the local Redis; its keys are deleted when the guard drops.
struct TestQueue {
    name: String,
    queue: EmailQueue,
}

impl TestQueue {
    fn new() -> Self {
        let name = format!("flicket:test:digest:{}", uuid::Uuid::new_v4().simple());
        let queue = EmailQueue::connect_lazy(REDIS_URL, &name).unwrap();
        Self { name, queue }
    }

    async fn depth(&self) -> u64 {
        self.queue.depth().await.unwrap()
    }
}

impl Drop for TestQueue {
    fn drop(&mut self) {
        flicket_core::testing::delete_redis_keys(REDIS_URL, &self.name).unwrap();
    }
}

/// Digest rows of a period not yet pushed to the queue.
async fn not_pushed(pool: &PgPool, period: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from outbox where kind = 'digest' and payload->>'period' = $1 and enqueued_at is null",
    )
    .bind(period)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn user(pool: &PgPool, name: &str, disabled: bool, opted_out: bool) -> i64 {
    sqlx::query_scalar(
        "insert into users (username, name, email, password_hash, disabled, digest_opt_out)
         values ($1, $1, $1 || '@example.com', 'x', $2, $3) returning user_id",
    )
    .bind(name)
    .bind(disabled)
    .bind(opted_out)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn ticket(pool: &PgPool, creator: i64, assignee: Option<i64>, status_kind: &str) -> i64 {
    sqlx::query_scalar(
        "insert into tickets (title, content, creator_id, assignee_id, category_id, status_id, priority_id)
         select 'A ticket', 'Some content', $1, $2,
                (select min(category_id) from categories),
                (select status_id from statuses where kind = $3),
                (select priority_id from priorities where kind = 'low')
         returning ticket_id",
    )
    .bind(creator)
    .bind(assignee)
    .bind(status_kind)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Users: ada (creator of an open ticket), bob (assignee of it and creator of an in-work one), and four who get
/// nothing: disabled, opted out, only closed tickets, no tickets.
struct Fixture {
    ada: i64,
    bob: i64,
    bobs_tickets: Vec<i64>,
}

async fn fixture(pool: &PgPool) -> Fixture {
    let ada = user(pool, "ada", false, false).await;
    let bob = user(pool, "bob", false, false).await;
    let dis = user(pool, "disabled", true, false).await;
    let opt = user(pool, "optedout", false, true).await;
    let closed = user(pool, "closedonly", false, false).await;
    user(pool, "idle", false, false).await;
    let t1 = ticket(pool, ada, Some(bob), "open").await;
    let t2 = ticket(pool, bob, None, "in_work").await;
    ticket(pool, dis, None, "open").await;
    ticket(pool, opt, Some(dis), "awaiting_information").await;
    ticket(pool, closed, None, "closed").await;
    Fixture {
        ada,
        bob,
        bobs_tickets: vec![t1, t2],
    }
}

async fn digests(pool: &PgPool, period: &str) -> Vec<(i64, serde_json::Value)> {
    sqlx::query_as(
        "select recipient_id, payload from outbox where kind = 'digest' and payload->>'period' = $1
         order by recipient_id",
    )
    .bind(period)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn ids(payload: &serde_json::Value) -> Vec<i64> {
    payload["ticket_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_replicas_at_once_send_one_digest_per_user(pool: PgPool) {
    let q = TestQueue::new();
    let f = fixture(&pool).await;
    let (a, b) = tokio::join!(
        digest::run(&pool, &q.queue, "P1", "replica-a"),
        digest::run(&pool, &q.queue, "P1", "replica-b")
    );
    let mut outcomes = vec![a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, PeriodOutcome::AlreadyRun));
    assert_eq!(outcomes, [PeriodOutcome::Ran(2), PeriodOutcome::AlreadyRun]);

    let rows = digests(&pool, "P1").await;
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [f.ada, f.bob]);
    assert_eq!(ids(&rows[0].1), [f.bobs_tickets[0]]);
    assert_eq!(ids(&rows[1].1), f.bobs_tickets);

    // The same period again sends nothing; a new period sends again.
    assert_eq!(
        digest::run(&pool, &q.queue, "P1", "replica-a")
            .await
            .unwrap(),
        PeriodOutcome::AlreadyRun
    );
    assert_eq!(
        digest::run(&pool, &q.queue, "P2", "replica-a")
            .await
            .unwrap(),
        PeriodOutcome::Ran(2)
    );
}

/// The digest rows are written in SQL; the mailer reads them with the one decoder of outbox messages.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn digest_rows_decode_as_typed_outbox_messages(pool: PgPool) {
    let q = TestQueue::new();
    let f = fixture(&pool).await;
    digest::run(&pool, &q.queue, "P1", "replica-a")
        .await
        .unwrap();
    let rows: Vec<(i64, String, serde_json::Value)> = sqlx::query_as(
        "select recipient_id, kind, payload from outbox where kind = 'digest' order by recipient_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let decoded: Vec<(i64, OutboxMessage)> = rows
        .iter()
        .map(|(user, kind, payload)| (*user, OutboxMessage::decode(kind, payload).unwrap()))
        .collect();
    let digest_of = |tickets: &[i64]| OutboxMessage::Digest {
        period: "P1".into(),
        ticket_ids: tickets.iter().copied().map(TicketId).collect(),
    };
    assert_eq!(
        decoded,
        [
            (f.ada, digest_of(&f.bobs_tickets[..1])),
            (f.bob, digest_of(&f.bobs_tickets)),
        ]
    );
    assert!(
        rows.iter()
            .all(|(_, _, p)| p["v"] == serde_json::json!(OUTBOX_MESSAGE_VERSION))
    );
}

fn database_url(opts: &PgConnectOptions) -> String {
    let db = opts.get_database().unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{db}", base.rsplit_once('/').unwrap().0)
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_scheduler_processes_run_one_period_once(pool: PgPool) {
    fixture(&pool).await;
    let url = database_url(&pool.connect_options());
    let run = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_flicket-scheduler"))
            .args(["run", "digest", "--period", "2026-11-30T07:00Z"])
            .env("FLICKET_DATABASE_URL", &url)
            .env("FLICKET_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .output()
    };
    let (a, b) = tokio::join!(run(), run());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.status.success() && b.status.success());
    let said = String::from_utf8_lossy(&a.stdout).to_string() + &String::from_utf8_lossy(&b.stdout);
    assert!(
        said.contains("2 emails enqueued") && said.contains("already run"),
        "{said}"
    );
    assert_eq!(digests(&pool, "2026-11-30T07:00Z").await.len(), 2);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_run_digest_command_pushes_its_emails_to_the_queue(pool: PgPool) {
    fixture(&pool).await;
    let q = TestQueue::new();
    let url = database_url(&pool.connect_options());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_flicket-scheduler"))
        .args(["run", "digest", "--period", "2026-11-30T07:00Z"])
        .env("FLICKET_DATABASE_URL", &url)
        .env("FLICKET_REDIS_URL", REDIS_URL)
        .env("FLICKET_EMAIL_QUEUE", &q.name)
        .env("FLICKET_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 emails enqueued"));
    assert_eq!(not_pushed(&pool, "2026-11-30T07:00Z").await, 0);
    assert_eq!(q.depth().await, 2, "both digests are in the queue");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_run_killed_midway_leaves_nothing_and_the_rerun_is_complete(pool: PgPool) {
    let q = TestQueue::new();
    let f = fixture(&pool).await;
    {
        // A replica claims the period and has written one email when it dies: its transaction never commits.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("insert into digest_runs (period_key, claimed_by) values ('P3', 'dead')")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "insert into outbox (idempotency_key, kind, recipient_id) values ('digest:P3:' || $1, 'digest', $1)",
        )
        .bind(f.ada)
        .execute(&mut *tx)
        .await
        .unwrap();
        drop(tx);
    }
    assert_eq!(
        digest::run(&pool, &q.queue, "P3", "survivor")
            .await
            .unwrap(),
        PeriodOutcome::Ran(2)
    );
    assert_eq!(digests(&pool, "P3").await.len(), 2);
    let (claimed_by, finished): (String, bool) = sqlx::query_as(
        "select claimed_by, finished_at is not null from digest_runs where period_key = 'P3'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((claimed_by.as_str(), finished), ("survivor", true));
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One scheduler tick at `when` (RFC 3339), pushing to the test queue.
async fn tick(pool: &PgPool, q: &TestQueue, when: &str) -> TickOutcome {
    digest::tick(pool, &q.queue, at(when), "s").await.unwrap()
}

fn ran(period: &str, emails: u64) -> TickOutcome {
    TickOutcome::Ran {
        period: period.into(),
        emails,
    }
}

async fn set_schedule(pool: &PgPool, cron: &str, tz: &str) {
    sqlx::query("update settings set digest_cron = $1, digest_timezone = $2")
        .bind(cron)
        .bind(tz)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_schedule_change_applies_at_the_next_tick(pool: PgPool) {
    let q = TestQueue::new();
    fixture(&pool).await;
    // The default: Mondays at 07:00 UTC. 2026-11-30 is a Monday.
    let t = tick(&pool, &q, "2026-11-30T07:00:30Z").await;
    assert_eq!(t, ran("2026-11-30T07:00Z", 2));
    // Pushed after the commit, as the web does: nothing waits for the outbox re-push.
    assert_eq!(not_pushed(&pool, "2026-11-30T07:00Z").await, 0);
    assert_eq!(q.depth().await, 2);
    let again = tick(&pool, &q, "2026-11-30T07:01:00Z").await;
    assert_eq!(again, TickOutcome::AlreadyRun("2026-11-30T07:00Z".into()));

    set_schedule(&pool, "30 9 * * *", "Europe/Paris").await;
    let t = tick(&pool, &q, "2026-11-30T08:31:00Z").await;
    assert_eq!(t, ran("2026-11-30T08:30Z", 2));

    set_schedule(&pool, "every monday", "UTC").await;
    assert_eq!(
        tick(&pool, &q, "2026-11-30T09:00:00Z").await,
        TickOutcome::InvalidSchedule
    );
    sqlx::query("update settings set digest_cron = '* * * * *', digest_enabled = false")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        tick(&pool, &q, "2026-11-30T09:00:00Z").await,
        TickOutcome::Disabled
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn after_downtime_a_missed_period_runs_once(pool: PgPool) {
    let q = TestQueue::new();
    fixture(&pool).await;
    set_schedule(&pool, "0 7 * * *", "UTC").await;
    tick(&pool, &q, "2026-11-25T07:00:10Z").await;
    // Down from the 25th to the 30th at noon: five daily periods were missed; only the latest runs.
    let t = tick(&pool, &q, "2026-11-30T12:00:00Z").await;
    assert_eq!(t, ran("2026-11-30T07:00Z", 2));
    let t = tick(&pool, &q, "2026-11-30T12:01:00Z").await;
    assert_eq!(t, TickOutcome::AlreadyRun("2026-11-30T07:00Z".into()));
    let runs: Vec<String> =
        sqlx::query_scalar("select period_key from digest_runs order by period_key")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(runs, ["2026-11-25T07:00Z", "2026-11-30T07:00Z"]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_running_scheduler_sends_digests_on_the_schedule_from_the_settings(pool: PgPool) {
    fixture(&pool).await;
    set_schedule(&pool, "* * * * *", "UTC").await; // every minute: the next tick is due
    let url = database_url(&pool.connect_options());
    let mut scheduler = flicket_core::testing::ServiceProcess::start(
        env!("CARGO_BIN_EXE_flicket-scheduler"),
        "FLICKET_SCHEDULER_LISTEN",
        &[("FLICKET_DATABASE_URL", url.as_str())],
    )
    .unwrap();
    let mut sent = 0;
    for _ in 0..150 {
        sent = sqlx::query_scalar::<_, i64>("select count(*) from outbox where kind = 'digest'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if sent > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(sent, 2, "one digest per user within the minute");
    assert!(
        scheduler
            .terminate(Duration::from_secs(15))
            .await
            .unwrap()
            .success()
    );
}
