//! `flicket-web seed`: deterministic, realistic demo and benchmark data, inserted in batches by PostgreSQL.

use std::io::IsTerminal;

use flicket_core::Config;
use flicket_core::repo::seed;
use indicatif::{ProgressBar, ProgressStyle};
use secrecy::SecretString;

/// Options of `flicket-web seed`.
#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// Users to create (`user1`, `user2`, …; all with the password `seeded-password`).
    #[arg(long, default_value_t = 100)]
    pub users: i64,
    /// Tickets to create.
    #[arg(long, default_value_t = 1000)]
    pub tickets: i64,
    /// Replies on each ticket.
    #[arg(long, default_value_t = 5)]
    pub replies_per_ticket: i32,
    /// Seed of every random choice: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: i64,
}

/// The password of every seeded user.
pub const SEEDED_PASSWORD: &str = "seeded-password";

const BATCH: i64 = 10_000;

fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// Seeds the database the configuration points at.
pub async fn run(config: &Config, args: SeedArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.users >= 1 || args.tickets == 0,
        "tickets need at least one user"
    );
    anyhow::ensure!(
        (0..=1000).contains(&args.replies_per_ticket),
        "--replies-per-ticket must be 0 to 1000"
    );
    let pool = flicket_core::db::pool(config)?;
    let hash = flicket_core::password::hash(&SecretString::from(SEEDED_PASSWORD)).await?;
    let mut conn = pool.acquire().await?;
    let started = std::time::Instant::now();

    let existing: i64 = seed::count_seeded_users(&mut conn).await?;
    let users = bar(args.users as u64, "users");
    let mut done = 0;
    while done < args.users {
        let n = BATCH.min(args.users - done);
        seed::users(&mut conn, args.seed, existing + done + 1, n, &hash).await?;
        done += n;
        users.set_position(done as u64);
    }
    users.finish();

    let tickets = bar(args.tickets as u64, "tickets");
    let mut done = 0;
    let first_id = seed::next_ticket_number(&mut conn).await?;
    // Every ticket loaded below is numbered above the last one there was (`first_id - 1`).
    let last_existing = first_id - 1;
    seed::defer_search_terms(&mut conn).await?;
    while done < args.tickets {
        let n = BATCH.min(args.tickets - done);
        seed::tickets(&mut conn, args.seed, first_id + done, n).await?;
        if args.replies_per_ticket > 0 {
            let (from, to) = seed::last_ticket_ids(&mut conn, n).await?;
            seed::replies(&mut conn, args.seed, from, to, args.replies_per_ticket).await?;
        }
        done += n;
        tickets.set_position(done as u64);
    }
    tickets.finish();
    // Bodies are rendered once, when written, like the web does (a handful of distinct texts).
    let sources = seed::unrendered_sources(&mut conn).await?;
    let html: Vec<String> = sources
        .iter()
        .map(|s| flicket_core::markdown::render(s))
        .collect();
    seed::store_rendered(&mut conn, &sources, &html).await?;
    seed::write_search_terms(&mut conn, last_existing).await?;
    seed::recount(&mut conn).await?;
    seed::compact(&mut conn).await?;
    println!(
        "seeded {} users, {} tickets, {} replies in {:.1} s (user password: {SEEDED_PASSWORD})",
        args.users,
        args.tickets,
        args.tickets * i64::from(args.replies_per_ticket),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
