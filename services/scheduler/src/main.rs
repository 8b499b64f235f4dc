//! `flicket-scheduler`: periodic work without cron (digests, outbox re-push, housekeeping).

use clap::{Parser, Subcommand};
use flicket_core::Config;
use flicket_core::repo::digests::PeriodOutcome;

#[derive(Parser)]
#[command(version, about = "Flicket scheduler")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the periodic jobs (the default).
    Serve,
    /// Run one job now, with the same guarantees as the schedule.
    #[command(subcommand)]
    Run(RunCommand),
}

#[derive(Subcommand)]
enum RunCommand {
    /// Enqueue the outstanding-ticket digest for one period; running the same period again sends nothing.
    Digest {
        /// Period key; defaults to the current minute (UTC), e.g. 2026-11-30T07:00Z.
        #[arg(long)]
        period: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let _telemetry = flicket_core::telemetry::init("flicket-scheduler", config.log_format)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let service = flicket_scheduler::Scheduler::build(config).await?;
            tracing::info!(port = service.port(), "flicket-scheduler listening");
            service.run_until(flicket_core::shutdown::signal()).await
        }
        Command::Run(RunCommand::Digest { period }) => {
            let period =
                period.unwrap_or_else(|| flicket_core::digest::period_key(chrono::Utc::now()));
            anyhow::ensure!(
                flicket_core::digest::valid_period_key(&period),
                "invalid period key {period:?}"
            );
            let pool = flicket_core::db::pool(&config)?;
            let instance = flicket_scheduler::instance_name();
            let queue = flicket_core::queue::EmailQueue::connect_lazy(
                secrecy::ExposeSecret::expose_secret(&config.redis_url),
                &config.email_queue,
            )?
            .identified_by(pool.clone());
            match flicket_scheduler::digest::run(&pool, &queue, &period, &instance).await? {
                PeriodOutcome::Ran(n) => println!("digest {period}: {n} emails enqueued"),
                PeriodOutcome::AlreadyRun => println!("digest {period}: already run, nothing sent"),
            }
            Ok(())
        }
    }
}
