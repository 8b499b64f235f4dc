//! A mailer process killed with SIGKILL in the middle of a batch: nothing is lost, and the only duplicates are
//! messages the SMTP server had accepted when the process died (the documented window). The test reports them.

use std::collections::HashMap;
use std::time::Duration;

use flicket_core::jobs::EmailJob;
use flicket_core::testing::ServiceProcess;
use sqlx::PgPool;

use crate::helpers::*;

const EMAILS: usize = 40;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_mailer_killed_mid_batch_loses_nothing_and_duplicates_stay_in_the_window(pool: PgPool) {
    let w = world(&pool).await;
    // A slow server: each message is recorded at once and acknowledged 300 ms later.
    w.sink.delay_replies(Duration::from_millis(300));
    let q = TestQueue::new();
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let db_url = format!("postgres://postgres@127.0.0.1:5432/{database}");
    let mailer = ServiceProcess::start(
        env!("CARGO_BIN_EXE_flicket-mailer"),
        "FLICKET_MAILER_LISTEN",
        &[
            ("FLICKET_DATABASE_URL", &db_url),
            ("FLICKET_EMAIL_QUEUE", &q.name),
            ("FLICKET_SMTP_ALLOW_PRIVATE", "true"),
        ],
    )
    .unwrap();
    assert!(mailer.wait_for("/readyz", 200, WAIT).await, "mailer ready");
    let mut ids = Vec::new();
    for n in 0..EMAILS {
        ids.push(reply_for(&pool, &w, w.customer, &format!("Batch reply {n}")).await);
    }
    let jobs: Vec<EmailJob> = ids.iter().map(|id| EmailJob::new(*id)).collect();
    q.queue.push(&jobs).await.unwrap();
    w.sink.wait_for(8, WAIT).await;
    drop(mailer); // SIGKILL
    let in_flight = flicket_core::repo::deliveries::recent(&pool, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.state == "sending")
        .count();

    // Its replacement: orphaned jobs are re-queued 2 s after the dead worker's last heartbeat, claims taken over
    // after 3 s.
    let mut o = options(&q.name);
    o.missed_heartbeats = 2;
    o.lease = Duration::from_secs(3);
    let replacement = RunningMailer::start(&pool, o).await;
    for id in &ids {
        assert_eq!(finished(&pool, *id).await, "sent");
    }
    replacement.stop().await;

    let mut per_id: HashMap<String, usize> = HashMap::new();
    for m in w.sink.messages() {
        *per_id.entry(m.header("Message-ID").unwrap()).or_default() += 1;
    }
    let duplicates: usize = per_id.values().map(|n| n - 1).sum();
    println!(
        "SIGKILL mid-batch: {EMAILS} emails, {in_flight} claimed and unfinished at the kill, {duplicates} duplicate(s) sent"
    );
    assert_eq!(per_id.len(), EMAILS, "every email arrived");
    assert!(
        duplicates <= in_flight,
        "duplicates ({duplicates}) only among deliveries in flight at the kill ({in_flight})"
    );
}
