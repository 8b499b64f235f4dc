//! Moving from Flicket: `flicket-web import flicket --from <URL>` reads a whole Flicket 0.3.x database
//! (PostgreSQL, MySQL/MariaDB or SQLite, any of its Alembic revisions) and its upload folders, and writes our rows.
//!
//! - Streaming: each table is read in id order and written in batches, one transaction per batch, each with its
//!   rows in `import_map` (Flicket id → ours). Memory holds one batch plus the small tables (users, catalog).
//! - Idempotent and resumable: a mapped row is never written again, so a second run writes nothing and a run
//!   killed halfway resumes after its last committed batch.
//! - Tickets, replies, users and uploads keep their Flicket ids when they are free (always, into a fresh
//!   database), so old links and API clients' ids stay valid; the sequences are moved past them.
//! - Messy data is handled by the rules of [`Rule`], each counted in the [`Report`]; nothing is dropped silently.
//! - No outbox rows: imported activity sends no email.

mod clean;
mod people;
mod records;
mod reference;
pub mod report;
pub mod source;
mod tickets;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::repo::import as repo;
pub use report::{Problem, Report, Rule, Table, TableCount};
use source::Source;
pub use source::{Dialect, Shape, SourceError};

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Flicket database's URL.
    pub from: String,
    /// Flicket's `ticket_upload_folder` (attachments' files), if given.
    pub uploads: Option<PathBuf>,
    /// Flicket's `avatar_upload_folder`, if given.
    pub avatars: Option<PathBuf>,
    /// The zone of Flicket's naive local times.
    pub timezone: Tz,
    /// Read and report, write nothing.
    pub dry_run: bool,
    /// Allow a database that has data of its own: users matched by email, everything else appended.
    pub merge: bool,
    /// Our upload folder (attachments and `avatars/`).
    pub upload_dir: PathBuf,
    /// The key that encrypts the SMTP password at rest.
    pub secret_key: Vec<u8>,
    /// Rows per batch (per transaction).
    pub batch_size: usize,
    /// For tests: stop (as if killed) once this many batches have committed.
    pub stop_after_batches: Option<u64>,
}

impl Options {
    /// Options with the defaults: batches of 1,000, UTC, writing.
    pub fn new(from: impl Into<String>, upload_dir: PathBuf, secret_key: Vec<u8>) -> Options {
        Options {
            from: from.into(),
            uploads: None,
            avatars: None,
            timezone: Tz::UTC,
            dry_run: false,
            merge: false,
            upload_dir,
            secret_key,
            batch_size: 1000,
            stop_after_batches: None,
        }
    }
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Our database has users or tickets of its own and `--merge` was not given.
    #[error("this database already has {users} user(s) and {tickets} ticket(s) of its own")]
    OwnData {
        /// Users no import created.
        users: i64,
        /// Tickets no import created.
        tickets: i64,
    },
    /// Our database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A file could not be written into our upload folder.
    #[error("cannot write into the upload folder: {0}")]
    Files(#[from] std::io::Error),
    /// The source changed under the import (a row that was read is gone).
    #[error("{0}")]
    Inconsistent(String),
    /// `stop_after_batches` was reached (tests).
    #[error("stopped after {0} batch(es)")]
    Stopped(u64),
}

/// Progress of a run, shown by the command line as a bar.
pub trait Progress: Send + Sync {
    /// A table starts, with its number of rows.
    fn start(&self, table: Table, rows: u64);
    /// `n` more rows of it are done.
    fn advance(&self, n: u64);
    /// The table is done.
    fn finish(&self);
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: Table, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Imports a Flicket database into ours and reports what it did.
pub async fn run(
    target: &PgPool,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    let source = Source::open(&options.from).await?;
    let result = Run::new(target, &source, options, progress).go().await;
    source.close().await;
    result
}

/// The ids a kind of Flicket row maps to (the small tables, held in memory).
type IdMap = HashMap<i64, i64>;

/// One run's state.
struct Run<'a> {
    target: &'a PgPool,
    src: &'a Source,
    opts: &'a Options,
    progress: &'a dyn Progress,
    report: Report,
    now: DateTime<Utc>,
    batches: u64,
    users: IdMap,
    groups: IdMap,
    departments: IdMap,
    categories: IdMap,
    statuses: IdMap,
    /// Flicket's status and priority names (lower case) → our ids, for the old action model.
    status_names: HashMap<String, i64>,
    priority_names: HashMap<String, i64>,
    priorities: IdMap,
    default_status: i64,
    default_priority: i64,
    closed_statuses: Vec<i64>,
    fallback_category: Option<i64>,
    deleted_user: Option<i64>,
    recovery_ticket: Option<i64>,
    /// Fake ids handed out in a dry run for rows that would be created.
    next_fake_id: i64,
}

/// The Flicket id under which the import records rows it makes up (the «deleted user», the recovery ticket, the
/// fallback category).
const MADE_UP: i64 = -1;

impl<'a> Run<'a> {
    fn new(
        target: &'a PgPool,
        src: &'a Source,
        opts: &'a Options,
        progress: &'a dyn Progress,
    ) -> Run<'a> {
        Run {
            target,
            src,
            opts,
            progress,
            report: Report {
                dry_run: opts.dry_run,
                ..Report::default()
            },
            now: Utc::now(),
            batches: 0,
            users: IdMap::new(),
            groups: IdMap::new(),
            departments: IdMap::new(),
            categories: IdMap::new(),
            statuses: IdMap::new(),
            status_names: HashMap::new(),
            priority_names: HashMap::new(),
            priorities: IdMap::new(),
            default_status: 0,
            default_priority: 0,
            closed_statuses: Vec::new(),
            fallback_category: None,
            deleted_user: None,
            recovery_ticket: None,
            next_fake_id: -1_000_000,
        }
    }

    async fn go(mut self) -> Result<Report, ImportError> {
        let (users, tickets) = repo::own_data(self.target).await?;
        if (users > 0 || tickets > 0) && !self.opts.merge {
            return Err(ImportError::OwnData { users, tickets });
        }
        let run_id = if self.opts.dry_run {
            None
        } else {
            Some(
                repo::start_run(
                    self.target,
                    &source::redacted(&self.opts.from),
                    false,
                    self.opts.merge,
                )
                .await?,
            )
        };
        self.reference().await?;
        self.users().await?;
        self.memberships().await?;
        self.tickets().await?;
        self.analyze().await?;
        self.posts().await?;
        self.analyze().await?;
        self.uploads().await?;
        self.history().await?;
        self.subscriptions().await?;
        self.actions().await?;
        if let Some(run_id) = run_id {
            let mut tx = self.target.begin().await?;
            repo::keep_updated_at(&mut tx).await?;
            repo::finish_tickets(&mut tx).await?;
            repo::move_sequences(&mut tx).await?;
            crate::repo::user_admin::recount(&mut *tx).await?;
            // Digests start after the import: the latest period already due is not sent for imported tickets.
            let settings = crate::repo::settings::load(&mut *tx).await?;
            if let Ok(schedule) = crate::digest::DigestSchedule::parse(
                &settings.digest_cron,
                &settings.digest_timezone,
            ) && let Some(due) = schedule.latest_at_or_before(Utc::now())
            {
                repo::skip_digest_period(&mut tx, &crate::digest::period_key(due)).await?;
            }
            let report = serde_json::to_value(&self.report).unwrap_or_default();
            repo::finish_run(&mut *tx, run_id, &report).await?;
            crate::repo::audit::record(
                &mut *tx,
                &crate::repo::audit::NewEntry {
                    actor_id: None,
                    action: "cli.flicket_import",
                    target: "flicket",
                    data: Some(
                        serde_json::json!({ "run": run_id, "imported": self.report.imported() }),
                    ),
                    ip: None,
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(self.report)
    }

    /// Fresh planner statistics after a large table (not in a dry run).
    async fn analyze(&self) -> Result<(), ImportError> {
        if !self.opts.dry_run {
            let mut conn = self.target.acquire().await?;
            repo::analyze(&mut conn).await?;
        }
        Ok(())
    }

    /// A transaction for one batch (`None` in a dry run).
    async fn begin(&self) -> Result<Option<Transaction<'static, Postgres>>, ImportError> {
        if self.opts.dry_run {
            return Ok(None);
        }
        let mut tx = self.target.begin().await?;
        repo::keep_updated_at(&mut tx).await?;
        Ok(Some(tx))
    }

    /// Commits a batch; stops when the test limit is reached.
    async fn commit(
        &mut self,
        tx: Option<Transaction<'static, Postgres>>,
    ) -> Result<(), ImportError> {
        if let Some(tx) = tx {
            tx.commit().await?;
            self.batches += 1;
            if self
                .opts
                .stop_after_batches
                .is_some_and(|n| self.batches >= n)
            {
                return Err(ImportError::Stopped(self.batches));
            }
        }
        Ok(())
    }

    /// A made-up id for a row a dry run would create.
    fn fake_id(&mut self) -> i64 {
        self.next_fake_id -= 1;
        self.next_fake_id
    }

    /// A Flicket local time, with its rule counted (a missing optional time is `None`, not a problem).
    fn time(&mut self, text: Option<&str>, required: bool) -> Option<DateTime<Utc>> {
        if text.is_none() && !required {
            return None;
        }
        let (t, rule) = clean::local_time(text, self.opts.timezone);
        if let Some(rule) = rule {
            self.report.rule(rule);
        }
        t
    }

    /// Counts a rule if one applied.
    fn apply(&mut self, rule: Option<Rule>) {
        if let Some(rule) = rule {
            self.report.rule(rule);
        }
    }

    /// Our ids of already mapped rows among `ids` (`None`: mapped but skipped by a rule).
    async fn lookup(
        &self,
        kind: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, Option<i64>>, ImportError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Ok(repo::mapped(self.target, kind, &ids)
            .await?
            .into_iter()
            .collect())
    }

    /// Ids for new rows: the Flicket ids where free (unless merging), fresh ones otherwise.
    async fn ids_for(
        &mut self,
        conn: Option<&mut PgConnection>,
        table: IdTable,
        flicket_ids: &[i64],
    ) -> Result<Vec<i64>, ImportError> {
        let Some(conn) = conn else {
            return Ok(flicket_ids.to_vec());
        };
        let taken: HashSet<i64> = if self.opts.merge {
            flicket_ids.iter().copied().collect()
        } else {
            match table {
                IdTable::Users => repo::taken_user_ids(conn, flicket_ids).await?,
                IdTable::Tickets => repo::taken_ticket_ids(conn, flicket_ids).await?,
                IdTable::Posts => repo::taken_post_ids(conn, flicket_ids).await?,
                IdTable::Uploads => repo::taken_upload_ids(conn, flicket_ids).await?,
            }
            .into_iter()
            .collect()
        };
        let need = flicket_ids
            .iter()
            .filter(|id| taken.contains(id) || **id <= 0)
            .count();
        let mut fresh = if need > 0 {
            let (t, c) = table.identity();
            repo::allocate(conn, t, c, need as i64).await?.into_iter()
        } else {
            Vec::new().into_iter()
        };
        Ok(flicket_ids
            .iter()
            .map(|id| {
                if taken.contains(id) || *id <= 0 {
                    fresh.next().unwrap_or(*id)
                } else {
                    *id
                }
            })
            .collect())
    }
}

/// A table whose rows keep their Flicket ids when free.
#[derive(Clone, Copy)]
enum IdTable {
    Users,
    Tickets,
    Posts,
    Uploads,
}

impl IdTable {
    fn identity(self) -> (&'static str, &'static str) {
        match self {
            IdTable::Users => ("users", "user_id"),
            IdTable::Tickets => ("tickets", "ticket_id"),
            IdTable::Posts => ("posts", "post_id"),
            IdTable::Uploads => ("attachments", "upload_id"),
        }
    }
}
