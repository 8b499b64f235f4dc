//! The `migrate` and `setup` sub-commands.

use flicket_core::Config;
use flicket_core::setup::{SetupOutcome, SetupRequest};
use secrecy::SecretString;

/// Options of `flicket-web setup`; each also comes from the environment.
#[derive(clap::Args)]
pub struct SetupArgs {
    /// User name of the first administrator.
    #[arg(long, env = "FLICKET_ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,
    /// Email of the first administrator.
    #[arg(
        long,
        env = "FLICKET_ADMIN_EMAIL",
        default_value = "admin@localhost.localdomain"
    )]
    pub admin_email: String,
    /// Password of the first administrator; a strong one is generated and printed once when absent.
    #[arg(long, env = "FLICKET_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Public URL of the site, used in links in emails.
    #[arg(long, env = "FLICKET_BASE_URL")]
    pub base_url: Option<String>,
}

/// Creates the database when it does not exist yet, then applies the migrations.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    use sqlx::migrate::MigrateDatabase;
    let url = config.database_url.expose_secret();
    if !sqlx::Postgres::database_exists(url).await?
        && let Err(e) = sqlx::Postgres::create_database(url).await
        && !sqlx::Postgres::database_exists(url).await?
    {
        return Err(e.into());
    }
    let pool = flicket_core::db::pool(config)?;
    flicket_core::db::migrate(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Runs the idempotent set-up and prints what a person needs to sign in.
pub async fn setup(config: &Config, args: SetupArgs) -> anyhow::Result<()> {
    let pool = flicket_core::db::pool(config)?;
    let base_url = args.base_url.clone();
    let outcome = flicket_core::setup::run(
        &pool,
        SetupRequest {
            admin_username: args.admin_username,
            admin_email: args.admin_email,
            // `--admin-password` / FLICKET_ADMIN_PASSWORD, else FLICKET_ADMIN_PASSWORD_FILE through the configuration.
            admin_password: args
                .admin_password
                .map(SecretString::from)
                .or_else(|| config.admin_password.clone()),
            base_url: args.base_url,
        },
    )
    .await?;
    let url = base_url.unwrap_or_else(|| format!("http://{}", config.listen));
    match outcome {
        SetupOutcome::AdminCreated {
            username,
            generated_password,
        } => {
            println!("Flicket is set up at {url}");
            println!("  administrator: {username}");
            match generated_password {
                Some(p) => {
                    println!("  password:      {p}   (shown only once: sign in and change it)")
                }
                None => println!("  password:      the one you gave"),
            }
        }
        SetupOutcome::AlreadySetUp => {
            println!("Flicket is already set up at {url}; nothing changed.")
        }
    }
    Ok(())
}
