//! The mailer process starts against the local services, reports ready, and exits cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use flicket_core::testing::ServiceProcess;

#[tokio::test]
async fn starts_reports_ready_and_stops_on_sigterm() {
    let mut mailer = ServiceProcess::start(
        env!("CARGO_BIN_EXE_flicket-mailer"),
        "FLICKET_MAILER_LISTEN",
        &[],
    )
    .expect("mailer starts");
    assert!(
        mailer
            .wait_for("/healthz", 200, Duration::from_secs(20))
            .await,
        "healthz"
    );
    assert!(
        mailer
            .wait_for("/readyz", 200, Duration::from_secs(10))
            .await,
        "readyz with PostgreSQL and Redis up"
    );
    assert!(
        mailer
            .wait_for("/metrics", 200, Duration::from_secs(5))
            .await
    );
    let status = mailer
        .terminate(Duration::from_secs(15))
        .await
        .expect("exits within the grace period");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn is_not_ready_without_redis() {
    let mailer = ServiceProcess::start(
        env!("CARGO_BIN_EXE_flicket-mailer"),
        "FLICKET_MAILER_LISTEN",
        &[("FLICKET_REDIS_URL", "redis://127.0.0.1:1/0")],
    )
    .expect("mailer starts");
    assert!(
        mailer
            .wait_for("/healthz", 200, Duration::from_secs(20))
            .await
    );
    assert!(
        mailer
            .wait_for("/readyz", 503, Duration::from_secs(10))
            .await
    );
}
