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

/// The language of the person at the terminal: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set
/// (`fr_FR.UTF-8` → French), English otherwise.
pub fn terminal_locale() -> flicket_core::Locale {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .and_then(|v| {
            let code: String = v.chars().take_while(char::is_ascii_alphabetic).collect();
            flicket_core::Locale::from_code(&code.to_ascii_lowercase())
        })
        .unwrap_or_default()
}

/// Runs the idempotent set-up and prints what a person needs to sign in; a refusal is a sentence in the language
/// of the terminal.
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
    .await
    .map_err(|e| anyhow::anyhow!(e.sentence(terminal_locale())))?;
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

/// `flicket-web users …`: move accounts between installations (Flicket's `users.json` format).
#[derive(clap::Subcommand)]
pub enum UsersCommand {
    /// Write every account (with its password hash) as JSON to FILE, or to standard output.
    Export {
        /// Where to write; refused if the file exists, unless --force.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Overwrite FILE.
        #[arg(long)]
        force: bool,
    },
    /// Create the accounts of a JSON file; existing user names and emails are skipped, never duplicated.
    Import {
        /// The JSON file (Flicket's `users.json` or our export).
        file: std::path::PathBuf,
    },
}

/// Runs a `users` sub-command.
pub async fn users(config: &Config, command: UsersCommand) -> anyhow::Result<()> {
    use flicket_core::accounts::transfer;
    let pool = flicket_core::db::pool(config)?;
    match command {
        UsersCommand::Export { out, force } => {
            let mut conn = pool.acquire().await?;
            let json = transfer::export_json(&mut conn).await?;
            match out {
                None => print!("{json}"),
                Some(path) => {
                    write_private(&path, json.as_bytes(), force)?;
                    eprintln!(
                        "exported to {} (it holds password hashes: keep it private)",
                        path.display()
                    );
                }
            }
        }
        UsersCommand::Import { file } => {
            let meta = std::fs::metadata(&file)?;
            anyhow::ensure!(
                meta.len() <= 64 * 1024 * 1024,
                "{} is larger than 64 MiB",
                file.display()
            );
            let text = std::fs::read_to_string(&file)?;
            let mut tx = pool.begin().await?;
            let report = transfer::import_json(&mut tx, &text).await?;
            let entry = flicket_core::repo::audit::NewEntry {
                actor_id: None,
                action: "cli.users_import",
                target: "users",
                data: Some(
                    serde_json::json!({ "created": report.created, "skipped": report.skipped.len() }),
                ),
                ip: None,
            };
            flicket_core::repo::audit::record(&mut *tx, &entry).await?;
            tx.commit().await?;
            for name in &report.created {
                println!("created {name}");
            }
            for (name, reason) in &report.skipped {
                println!("skipped {name}: {reason}");
            }
            println!(
                "{} created, {} skipped",
                report.created.len(),
                report.skipped.len()
            );
        }
    }
    Ok(())
}

/// Writes a file readable by its owner only (it holds password hashes).
fn write_private(path: &std::path::Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} exists; pass --force to overwrite it", path.display())
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    file.write_all(bytes)?;
    Ok(())
}

/// `flicket-web recount`: recomputes every user's stored post and assignment counters and prints what changed.
pub async fn recount(config: &Config) -> anyhow::Result<()> {
    let pool = flicket_core::db::pool(config)?;
    let fixes = flicket_core::repo::user_admin::recount(&pool).await?;
    for f in &fixes {
        println!(
            "{}: posts {} → {}, assigned {} → {}",
            f.username, f.posts_before, f.posts_after, f.assigned_before, f.assigned_after
        );
    }
    println!("{} user(s) corrected", fixes.len());
    Ok(())
}
