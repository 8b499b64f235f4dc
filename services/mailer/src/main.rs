//! `flicket-mailer`: takes email jobs from Redis and sends them over SMTP.

use clap::Parser;
use flicket_core::Config;

/// Sends the emails queued by the web and the scheduler. Configured by FLICKET_* environment variables (see README).
#[derive(Parser)]
#[command(version, about)]
struct Cli {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Cli::parse();
    let config = Config::from_env()?;
    let _telemetry = flicket_core::telemetry::init("flicket-mailer", config.log_format)?;
    let service = flicket_mailer::Mailer::build(config).await?;
    tracing::info!(port = service.port(), "flicket-mailer listening");
    service.run_until(flicket_core::shutdown::signal()).await
}
