//! Flicket 0.3.x source databases for the import tests: a fresh PostgreSQL, MariaDB/MySQL or SQLite database with
//! the schema of one variant (`New`: after Flicket's 7 Alembic migrations; `Old`: the initial revision, old action
//! model) and the messy fixture data of `tests/fixtures/flicket/` (every mess item and count: `EXPECTED.md` there),
//! plus a private copy of its uploads and avatars folders.
//!
//! PostgreSQL: the server of `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`), as a superuser (the data
//! is loaded with `session_replication_role = replica`). MariaDB/MySQL: `FLICKET_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306`). SQLite: a file in the source's temporary folder.

use std::path::{Path, PathBuf};

use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// After all 7 migrations (head `7ec6c2a6a1c8`): `action` + `data` JSON, `hours`, `last_updated`, `disabled`,
    /// `change_category*`.
    New,
    /// The initial revision `fe0f77ef3f46` only: the boolean action columns, none of the later columns.
    Old,
}

/// A Flicket source database and its files. `url` is what `flicket-web import flicket --from` takes; `uploads` and
/// `avatars` are copies the test may change (delete a file, …). Call [`Source::cleanup`] at the end.
pub struct Source {
    pub url: String,
    pub uploads: PathBuf,
    pub avatars: PathBuf,
    dialect: Dialect,
    database: String,
    dir: PathBuf,
}

const PG_NEW: &str = include_str!("../fixtures/flicket/schema-postgres.sql");
const PG_OLD: &str = include_str!("../fixtures/flicket/schema-old-actions-postgres.sql");
const MYSQL_NEW: &str = include_str!("../fixtures/flicket/schema-mysql.sql");
const MYSQL_OLD: &str = include_str!("../fixtures/flicket/schema-old-actions-mysql.sql");
const SQLITE_NEW: &str = include_str!("../fixtures/flicket/schema-sqlite.sql");
const SQLITE_OLD: &str = include_str!("../fixtures/flicket/schema-old-actions-sqlite.sql");
const DATA_NEW: &str = include_str!("../fixtures/flicket/data-new.sql");
const DATA_OLD: &str = include_str!("../fixtures/flicket/data-old.sql");
/// Two users whose emails differ only by case: MariaDB's case-insensitive unique index refuses them, so not on MySQL.
const DATA_CASE_EMAILS: &str = include_str!("../fixtures/flicket/data-case-emails.sql");
const POST_LOAD_PG: &str = include_str!("../fixtures/flicket/post-load-postgres.sql");
const POST_LOAD_SQLITE: &str = include_str!("../fixtures/flicket/post-load-sqlite.sql");

/// Every table of a Flicket database (both variants), in load order.
pub const TABLES: [&str; 15] = [
    "alembic_version",
    "flicket_config",
    "flicket_users",
    "flicket_group",
    "flicket_groups",
    "flicket_department",
    "flicket_category",
    "flicket_status",
    "flicket_priorities",
    "flicket_topic",
    "flicket_post",
    "flicket_uploads",
    "flicket_history",
    "flicket_ticket_subscription",
    "flicket_ticket_action",
];

/// The rows per table of a freshly built source (the table of EXPECTED.md).
pub fn expected_rows(dialect: Dialect, variant: Variant) -> Vec<(&'static str, i64)> {
    TABLES
        .iter()
        .map(|&table| {
            let n = match table {
                "alembic_version" | "flicket_config" => 1,
                // ids 1-5, 7, 10, and 8, 9 (the case-only email pair) except on MySQL
                "flicket_users" if dialect == Dialect::MySql => 7,
                "flicket_users" => 9,
                "flicket_group" => 4,
                "flicket_groups" => 6,
                "flicket_department" => 7,
                "flicket_category" => 18,
                "flicket_status" => 5,
                "flicket_priorities" => 4,
                "flicket_topic" => 12,
                "flicket_post" => 12,
                "flicket_uploads" => 4,
                "flicket_history" => 6,
                "flicket_ticket_subscription" => 12,
                "flicket_ticket_action" if variant == Variant::New => 20,
                "flicket_ticket_action" => 17,
                _ => unreachable!("a table of TABLES"),
            };
            (table, n)
        })
        .collect()
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flicket")
}

fn pg_server() -> String {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (scheme, rest) = url
        .split_once("://")
        .expect("DATABASE_URL is a postgres:// URL");
    let server = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{server}")
}

fn mysql_server() -> String {
    std::env::var("FLICKET_TEST_MYSQL_URL")
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy of a fixture folder");
    for entry in std::fs::read_dir(from).expect("read a fixture folder") {
        let entry = entry.expect("read a fixture folder entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a fixture file");
    }
}

async fn run_pg(conn: &mut PgConnection, script: &'static str, what: &str) {
    sqlx::raw_sql(script)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL refused {what}: {e}"));
}

async fn run_mysql(conn: &mut MySqlConnection, script: &'static str, what: &str) {
    sqlx::raw_sql(script)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("MySQL refused {what}: {e}"));
}

async fn run_sqlite(conn: &mut SqliteConnection, script: &'static str, what: &str) {
    sqlx::raw_sql(script)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("SQLite refused {what}: {e}"));
}

impl Source {
    /// Creates a fresh, uniquely named source database (PG: `flicket_src_<uuid simple>`; MySQL: the same name;
    /// SQLite: a file in a temporary folder), loads the variant's schema and data (and `data-case-emails.sql`
    /// unless MySQL) with foreign-key checks off, and copies the uploads and avatars folders to a temporary folder.
    pub async fn build(dialect: Dialect, variant: Variant) -> Source {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let database = format!("flicket_src_{id}");
        let dir = std::env::temp_dir().join(&database);
        let uploads = dir.join("uploads");
        let avatars = dir.join("avatars");
        copy_dir(&fixtures_dir().join("uploads"), &uploads);
        copy_dir(&fixtures_dir().join("avatars"), &avatars);
        let data = match variant {
            Variant::New => DATA_NEW,
            Variant::Old => DATA_OLD,
        };
        let url = match dialect {
            Dialect::Postgres => {
                let server = pg_server();
                let mut admin = PgConnection::connect(&format!("{server}/postgres"))
                    .await
                    .expect("connect to PostgreSQL (database postgres)");
                sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{database}""#)))
                    .execute(&mut admin)
                    .await
                    .expect("create the PostgreSQL source database");
                admin
                    .close()
                    .await
                    .expect("close the PostgreSQL admin connection");
                let url = format!("{server}/{database}");
                let mut conn = PgConnection::connect(&url)
                    .await
                    .expect("connect to the PostgreSQL source database");
                let schema = match variant {
                    Variant::New => PG_NEW,
                    Variant::Old => PG_OLD,
                };
                run_pg(&mut conn, schema, "the schema").await;
                run_pg(
                    &mut conn,
                    "SET session_replication_role = replica",
                    "turning FK checks off",
                )
                .await;
                run_pg(&mut conn, data, "the data").await;
                run_pg(&mut conn, DATA_CASE_EMAILS, "data-case-emails.sql").await;
                run_pg(
                    &mut conn,
                    "SET session_replication_role = DEFAULT",
                    "turning FK checks on",
                )
                .await;
                run_pg(&mut conn, POST_LOAD_PG, "post-load-postgres.sql").await;
                conn.close()
                    .await
                    .expect("close the PostgreSQL source connection");
                url
            }
            Dialect::MySql => {
                let server = mysql_server();
                let mut admin = MySqlConnection::connect(&server)
                    .await
                    .expect("connect to MySQL");
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                )))
                .execute(&mut admin)
                .await
                .expect("create the MySQL source database");
                admin
                    .close()
                    .await
                    .expect("close the MySQL admin connection");
                let url = format!("{server}/{database}");
                let mut conn = MySqlConnection::connect(&url)
                    .await
                    .expect("connect to the MySQL source database");
                let schema = match variant {
                    Variant::New => MYSQL_NEW,
                    Variant::Old => MYSQL_OLD,
                };
                run_mysql(&mut conn, schema, "the schema").await;
                // The data has backslashes (a Windows path, markdown escapes, JSON \u escapes): without
                // NO_BACKSLASH_ESCAPES MySQL would read them as escapes where PostgreSQL and SQLite keep them.
                run_mysql(
                    &mut conn,
                    "SET FOREIGN_KEY_CHECKS = 0; SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')",
                    "the session settings",
                )
                .await;
                run_mysql(&mut conn, data, "the data").await;
                conn.close()
                    .await
                    .expect("close the MySQL source connection");
                url
            }
            Dialect::Sqlite => {
                let path = dir.join("flicket.db");
                let options = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .foreign_keys(false);
                let mut conn = SqliteConnection::connect_with(&options)
                    .await
                    .expect("create the SQLite source database");
                let schema = match variant {
                    Variant::New => SQLITE_NEW,
                    Variant::Old => SQLITE_OLD,
                };
                run_sqlite(&mut conn, schema, "the schema").await;
                run_sqlite(&mut conn, data, "the data").await;
                run_sqlite(&mut conn, DATA_CASE_EMAILS, "data-case-emails.sql").await;
                run_sqlite(&mut conn, POST_LOAD_SQLITE, "post-load-sqlite.sql").await;
                conn.close()
                    .await
                    .expect("close the SQLite source database");
                format!("sqlite://{}", path.display())
            }
        };
        Source {
            url,
            uploads,
            avatars,
            dialect,
            database,
            dir,
        }
    }

    /// Rows in `table` of the source now.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        match self.dialect {
            Dialect::Postgres => {
                let mut conn = PgConnection::connect(&self.url)
                    .await
                    .expect("connect to the source");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("count rows")
            }
            Dialect::MySql => {
                let mut conn = MySqlConnection::connect(&self.url)
                    .await
                    .expect("connect to the source");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("count rows")
            }
            Dialect::Sqlite => {
                let mut conn = SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect to the source");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .expect("count rows")
            }
        }
    }

    /// Drops the PostgreSQL/MySQL database and removes the temporary folder (SQLite file, uploads, avatars).
    pub async fn cleanup(self) {
        match self.dialect {
            Dialect::Postgres => {
                let mut admin = PgConnection::connect(&format!("{}/postgres", pg_server()))
                    .await
                    .expect("connect to PostgreSQL (database postgres)");
                sqlx::raw_sql(AssertSqlSafe(format!(
                    r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#,
                    self.database
                )))
                .execute(&mut admin)
                .await
                .expect("drop the PostgreSQL source database");
            }
            Dialect::MySql => {
                let mut admin = MySqlConnection::connect(&mysql_server())
                    .await
                    .expect("connect to MySQL");
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS `{}`",
                    self.database
                )))
                .execute(&mut admin)
                .await
                .expect("drop the MySQL source database");
            }
            Dialect::Sqlite => {}
        }
        std::fs::remove_dir_all(&self.dir).expect("remove the source's temporary folder");
    }
}

async fn builds_with_the_expected_rows(dialect: Dialect, variant: Variant) {
    let source = Source::build(dialect, variant).await;
    let mut counted = Vec::new();
    for table in TABLES {
        counted.push((table, source.count(table).await));
    }
    assert_eq!(
        counted,
        expected_rows(dialect, variant),
        "{dialect:?} {variant:?}"
    );
    for file in ["a8k2m4q1.txt", "p0z9x7c3.PNG", "d3l3t3d7.txt"] {
        assert!(source.uploads.join(file).is_file(), "uploads/{file}");
    }
    assert!(
        !source.uploads.join("m1ss1ng0.pdf").exists(),
        "the missing upload is missing"
    );
    assert!(source.avatars.join("k3j9x2qa.png").is_file());
    let dir = source.dir.clone();
    source.cleanup().await;
    assert!(!dir.exists());
}

#[tokio::test]
async fn postgres_new_source_builds() {
    builds_with_the_expected_rows(Dialect::Postgres, Variant::New).await;
}

#[tokio::test]
async fn postgres_old_source_builds() {
    builds_with_the_expected_rows(Dialect::Postgres, Variant::Old).await;
}

#[tokio::test]
async fn mysql_new_source_builds() {
    builds_with_the_expected_rows(Dialect::MySql, Variant::New).await;
}

#[tokio::test]
async fn mysql_old_source_builds() {
    builds_with_the_expected_rows(Dialect::MySql, Variant::Old).await;
}

#[tokio::test]
async fn sqlite_new_source_builds() {
    builds_with_the_expected_rows(Dialect::Sqlite, Variant::New).await;
}

#[tokio::test]
async fn sqlite_old_source_builds() {
    builds_with_the_expected_rows(Dialect::Sqlite, Variant::Old).await;
}
