//! `flicket-scheduler`: periodic work without cron (digests, outbox re-push, housekeeping).

use flicket_core::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let _telemetry = flicket_core::telemetry::init("flicket-scheduler", config.log_format)?;
    let service = flicket_scheduler::Scheduler::build(config).await?;
    tracing::info!(port = service.port(), "flicket-scheduler listening");
    service.run_until(flicket_core::shutdown::signal()).await
}
