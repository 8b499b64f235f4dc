//! `flicket-mailer`: takes email jobs from Redis and sends them over SMTP.

use flicket_core::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let _telemetry = flicket_core::telemetry::init("flicket-mailer", config.log_format)?;
    let service = flicket_mailer::Mailer::build(config).await?;
    tracing::info!(port = service.port(), "flicket-mailer listening");
    service.run_until(flicket_core::shutdown::signal()).await
}
