//! `make bench`: emails per second from the queue into the local SMTP sink, for one mailer. Ignored by `cargo test`.

use std::time::Instant;

use flicket_core::jobs::EmailJob;
use sqlx::PgPool;

use crate::helpers::*;

const EMAILS: usize = 2000;

#[ignore = "benchmark: run with `make bench`"]
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn bench_emails_per_second_for_one_mailer(pool: PgPool) {
    let w = world(&pool).await;
    let q = TestQueue::new();
    let mut ids = Vec::with_capacity(EMAILS);
    for n in 0..EMAILS {
        ids.push(
            reply_for(
                &pool,
                &w,
                w.customer,
                &format!("Benchmark reply number {n}"),
            )
            .await,
        );
    }
    let mut o = options(&q.name);
    o.concurrency = 32;
    o.batch_size = 64;
    o.poll_interval = std::time::Duration::from_millis(20);
    // The mailer gets a multi-threaded runtime of its own (the test's runtime has one thread, shared with the sink).
    let options = (*pool.connect_options()).clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mailer = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(40)
                .connect_with(options)
                .await
                .unwrap();
            let m = flicket_mailer::Mailer::build_with(config(&o.queue), pool, o)
                .await
                .unwrap();
            m.run_until(async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let start = Instant::now();
    for chunk in ids.chunks(500) {
        let jobs: Vec<EmailJob> = chunk.iter().map(|id| EmailJob::new(*id)).collect();
        q.queue.push(&jobs).await.unwrap();
    }
    let received = w
        .sink
        .wait_for(EMAILS, std::time::Duration::from_secs(600))
        .await;
    let elapsed = start.elapsed();
    assert_eq!(received.len(), EMAILS);
    println!(
        "mailer throughput: {EMAILS} emails in {:.2} s = {:.0} emails/s (one mailer, concurrency 32)",
        elapsed.as_secs_f64(),
        EMAILS as f64 / elapsed.as_secs_f64()
    );
    let _ = stop_tx.send(());
    tokio::task::spawn_blocking(move || mailer.join().unwrap())
        .await
        .unwrap();
}
