//! The scheduler process starts, reports ready while PostgreSQL answers, and exits cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use flicket_core::testing::ServiceProcess;

#[tokio::test]
async fn starts_reports_ready_and_stops_on_sigterm() {
    let bin = env!("CARGO_BIN_EXE_flicket-scheduler");
    let mut scheduler =
        ServiceProcess::start(bin, "FLICKET_SCHEDULER_LISTEN", &[]).expect("starts");
    assert!(
        scheduler
            .wait_for("/readyz", 200, Duration::from_secs(20))
            .await,
        "readyz"
    );
    let status = scheduler
        .terminate(Duration::from_secs(15))
        .await
        .expect("exits in time");
    assert!(status.success(), "{status:?}");

    let down = ServiceProcess::start(
        bin,
        "FLICKET_SCHEDULER_LISTEN",
        &[(
            "FLICKET_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/none",
        )],
    )
    .expect("starts without PostgreSQL");
    assert!(
        down.wait_for("/healthz", 200, Duration::from_secs(20))
            .await
    );
    assert!(down.wait_for("/readyz", 503, Duration::from_secs(10)).await);
}
