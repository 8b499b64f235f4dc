//! `flicket-web import flicket`: the command-line adapter of [`flicket_core::ops::import`] (options, progress bar,
//! report in the terminal's language).

use std::path::PathBuf;
use std::time::Instant;

use flicket_core::Config;
use flicket_core::i18n::FluentArgs;
use flicket_core::ops::import::{self, ImportError, Progress, Table};
use indicatif::{ProgressBar, ProgressStyle};

/// `flicket-web import …`.
#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Import a whole Flicket 0.3.x database (users, tickets, replies, history, attachments, settings).
    Flicket(FlicketArgs),
}

/// Options of `flicket-web import flicket`.
#[derive(clap::Args)]
pub struct FlicketArgs {
    /// The Flicket database: postgres://…, mysql://… (MariaDB) or sqlite:///path/to/flicket.db.
    #[arg(long)]
    pub from: String,
    /// Flicket's attachment folder (`ticket_upload_folder`); the files are copied under new names.
    #[arg(long)]
    pub uploads: Option<PathBuf>,
    /// Flicket's avatar folder (`avatar_upload_folder`).
    #[arg(long)]
    pub avatars: Option<PathBuf>,
    /// The time zone of Flicket's server (its times are local, without zone); default: this machine's.
    #[arg(long)]
    pub timezone: Option<String>,
    /// Read everything and print the report, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import into a database that has data of its own: users matched by email, everything else added.
    #[arg(long)]
    pub merge: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 1000, hide = true)]
    pub batch_size: usize,
}

/// A progress bar on a terminal (nothing otherwise), and a log line per table with its duration.
struct Bar(ProgressBar, std::sync::Mutex<Option<(Table, Instant)>>);

impl Progress for Bar {
    fn start(&self, table: Table, rows: u64) {
        if let Ok(mut current) = self.1.lock() {
            *current = Some((table, Instant::now()));
        }
        self.0.reset();
        self.0.set_length(rows);
        self.0.set_position(0);
        self.0.set_message(table.source_name());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.set_position(self.0.length().unwrap_or(0));
        if let Ok(mut current) = self.1.lock()
            && let Some((table, started)) = current.take()
        {
            tracing::info!(
                table = table.source_name(),
                rows = self.0.position(),
                seconds = started.elapsed().as_secs_f64(),
                "table imported"
            );
        }
    }
}

/// The machine's time zone: `TZ`, else `/etc/timezone`, else the target of `/etc/localtime`, else UTC.
fn machine_zone() -> String {
    if let Ok(tz) = std::env::var("TZ")
        && !tz.is_empty()
    {
        return tz.trim_start_matches(':').to_owned();
    }
    if let Ok(tz) = std::fs::read_to_string("/etc/timezone") {
        return tz.trim().to_owned();
    }
    std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| {
            let p = p.to_string_lossy().into_owned();
            p.split_once("zoneinfo/").map(|(_, z)| z.to_owned())
        })
        .unwrap_or_else(|| "UTC".to_owned())
}

/// Runs an `import` sub-command.
pub async fn run(config: &Config, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Flicket(args) = command;
    let locale = crate::cli::terminal_locale();
    let zone = args.timezone.clone().unwrap_or_else(machine_zone);
    let timezone = zone.parse().map_err(|_| {
        let mut a = FluentArgs::new();
        a.set("zone", zone.clone());
        anyhow::anyhow!(locale.t_args("import-error-timezone", &a))
    })?;
    let pool = flicket_core::db::pool(config)?;
    flicket_core::db::migrate(&pool).await?;
    let mut options = import::Options::new(
        args.from.clone(),
        config.upload_dir.clone(),
        config.secret_key_bytes().to_vec(),
    );
    options.uploads = args.uploads;
    options.avatars = args.avatars;
    options.timezone = timezone;
    options.dry_run = args.dry_run;
    options.merge = args.merge;
    options.batch_size = args.batch_size.clamp(1, 50_000);
    let bar = if console_is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg:>28} [{bar:40}] {pos}/{len} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = Bar(bar.clone(), std::sync::Mutex::new(None));
    let started = Instant::now();
    let result = import::run(&pool, &options, &progress).await;
    bar.finish_and_clear();
    let source = import::source::redacted(&args.from);
    match result {
        Ok(report) => {
            print!("{}", report.render(locale, &source));
            let mut a = FluentArgs::new();
            a.set("rows", report.imported());
            a.set("seconds", format!("{:.1}", started.elapsed().as_secs_f64()));
            println!("\n{}", locale.t_args("import-report-done", &a));
            if !args.dry_run {
                println!("{}", locale.t("import-report-next"));
            }
            Ok(())
        }
        Err(ImportError::OwnData { users, tickets }) => {
            let mut a = FluentArgs::new();
            a.set("users", users);
            a.set("tickets", tickets);
            Err(anyhow::anyhow!(
                locale.t_args("import-refused-own-data", &a)
            ))
        }
        Err(ImportError::Stopped(n)) => {
            let mut a = FluentArgs::new();
            a.set("batches", n);
            Err(anyhow::anyhow!(locale.t_args("import-stopped", &a)))
        }
        Err(e) => Err(e.into()),
    }
}

fn console_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
