//! `flicket-web`: the web UI and API, plus the admin sub-commands `migrate`, `setup`, `users`, `recount` and `import`.

use clap::{Parser, Subcommand};
use flicket_core::Config;

#[derive(Parser)]
#[command(version, about = "Flicket web service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI (the default).
    Serve,
    /// Apply database migrations (safe to run from several processes at once).
    Migrate,
    /// Create the first administrator and store the base URL; a second run changes nothing.
    Setup(flicket_web::cli::SetupArgs),
    /// Fill the database with deterministic demo data (for trying things out and for benchmarks).
    Seed(flicket_web::seed::SeedArgs),
    /// Export or import accounts as JSON (Flicket's users.json format).
    #[command(subcommand)]
    Users(flicket_web::cli::UsersCommand),
    /// Recompute every user's post and assignment counters.
    Recount,
    /// Import another help-desk's data (`import flicket --from <URL>`).
    #[command(subcommand)]
    Import(flicket_web::import_cli::ImportCommand),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let _telemetry = flicket_core::telemetry::init("flicket-web", config.log_format)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = flicket_web::startup::Application::build(config).await?;
            tracing::info!(port = app.port(), "flicket-web listening");
            app.run_until(flicket_core::shutdown::signal()).await
        }
        Command::Migrate => flicket_web::cli::migrate(&config).await,
        Command::Setup(args) => flicket_web::cli::setup(&config, args).await,
        Command::Seed(args) => flicket_web::seed::run(&config, args).await,
        Command::Users(command) => flicket_web::cli::users(&config, command).await,
        Command::Recount => flicket_web::cli::recount(&config).await,
        Command::Import(command) => flicket_web::import_cli::run(&config, command).await,
    }
}
