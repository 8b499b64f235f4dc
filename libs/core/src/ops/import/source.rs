//! Reading a Flicket 0.3.x database (PostgreSQL, MySQL/MariaDB or SQLite) through sqlx's `Any` driver.
//!
//! These statements are built at run time, not checked at compile time like the repository's: they run against a
//! foreign schema that differs between Flicket versions (columns added by its Alembic migrations), probed first.
//! The statements are assembled from fixed identifiers only (never from data), hence `AssertSqlSafe`.
//! Every value is read as text or a 64-bit integer (cast in SQL per database), the two types every driver agrees on.

use futures::{Stream, StreamExt};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};

/// The database Flicket runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `postgres://` / `postgresql://`.
    Postgres,
    /// `mysql://` / `mariadb://`.
    MySql,
    /// `sqlite://`.
    Sqlite,
}

/// Why a source cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Not a URL of one of the three databases.
    #[error("unsupported database URL (use postgres://, mysql:// or sqlite://)")]
    Unsupported,
    /// The connection failed.
    #[error("cannot connect to the Flicket database: {0}")]
    Connect(sqlx::Error),
    /// A required table is missing.
    #[error("not a Flicket 0.3 database: table {0} is missing")]
    NotFlicket(&'static str),
    /// A read failed.
    #[error("reading the Flicket database failed: {0}")]
    Read(#[from] sqlx::Error),
}

/// Which optional columns this Flicket database has (its Alembic revision).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// `hours` on tickets and posts (revision 70820003badd).
    pub hours: bool,
    /// `last_updated` on tickets (9e59e0b9d1cf).
    pub last_updated: bool,
    /// `disabled` on users (7ec6c2a6a1c8).
    pub disabled: bool,
    /// The new action model, `action` + `data` (36c91aa9b3b5); otherwise the boolean columns.
    pub new_actions: bool,
    /// The change-category settings (253ae54f5788).
    pub change_category: bool,
}

/// An open Flicket database.
pub struct Source {
    pool: AnyPool,
    /// Its database.
    pub dialect: Dialect,
    /// Its optional columns.
    pub shape: Shape,
}

/// The URL without its password, for the report and the run's record.
pub fn redacted(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!("{}{}:***{}", &url[..start], &rest[..colon], &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl Source {
    /// Connects (SQLite read-only) and probes the schema.
    pub async fn open(url: &str) -> Result<Source, SourceError> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        let (dialect, url) = match scheme.as_str() {
            "postgres" | "postgresql" => (Dialect::Postgres, url.to_owned()),
            "mysql" | "mariadb" => (Dialect::MySql, url.replacen("mariadb:", "mysql:", 1)),
            "sqlite" => {
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=ro")
                } else {
                    format!("{url}?mode=ro")
                };
                (Dialect::Sqlite, url)
            }
            _ => return Err(SourceError::Unsupported),
        };
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(3)
            .connect(&url)
            .await
            .map_err(SourceError::Connect)?;
        let mut source = Source {
            pool,
            dialect,
            shape: Shape::default(),
        };
        for table in [
            "flicket_users",
            "flicket_topic",
            "flicket_post",
            "flicket_category",
            "flicket_department",
            "flicket_status",
            "flicket_priorities",
        ] {
            if !source.has(table, "id").await {
                return Err(SourceError::NotFlicket(table));
            }
        }
        source.shape = Shape {
            hours: source.has("flicket_topic", "hours").await,
            last_updated: source.has("flicket_topic", "last_updated").await,
            disabled: source.has("flicket_users", "disabled").await,
            new_actions: source.has("flicket_ticket_action", "action").await,
            change_category: source.has("flicket_config", "change_category").await,
        };
        Ok(source)
    }

    /// Whether `table.column` exists (a query that selects it and no row).
    pub async fn has(&self, table: &str, column: &str) -> bool {
        // Unquoted: SQLite reads a double-quoted name that is not a column as a string literal, so a quoted probe
        // would find every column. The names are fixed identifiers.
        let sql = format!("SELECT {column} FROM {table} WHERE 1 = 0");
        sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .is_ok()
    }

    /// `expr` as a 64-bit integer.
    pub fn int(&self, expr: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST({expr} AS BIGINT)"),
            Dialect::MySql => format!("CAST({expr} AS SIGNED)"),
            Dialect::Sqlite => format!("CAST({expr} AS INTEGER)"),
        }
    }

    /// A boolean column as 0/1.
    pub fn flag(&self, expr: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST(CAST({expr} AS INTEGER) AS BIGINT)"),
            _ => self.int(expr),
        }
    }

    /// `expr` as text (times as `YYYY-MM-DD HH:MM:SS[.ffffff]`, binary as its bytes).
    pub fn text(&self, expr: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST({expr} AS TEXT)"),
            Dialect::MySql => format!("CAST({expr} AS CHAR)"),
            Dialect::Sqlite => format!("CAST({expr} AS TEXT)"),
        }
    }

    /// A bytes column (bcrypt hashes) as text.
    pub fn bytes_text(&self, expr: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("encode({expr}, 'escape')"),
            _ => self.text(expr),
        }
    }

    /// The number of rows of a table (0 when it does not exist).
    pub async fn count(&self, table: &str) -> u64 {
        let sql = format!("SELECT {} FROM {table}", self.int("COUNT(*)"));
        match sqlx::query(AssertSqlSafe(sql)).fetch_one(&self.pool).await {
            Ok(row) => row.try_get::<i64, _>(0).map_or(0, |n| n.max(0) as u64),
            Err(_) => 0,
        }
    }

    /// Every row of a query, streamed (the driver fetches as it goes; nothing is held beyond a batch).
    pub fn rows<'a>(
        &'a self,
        sql: &'a str,
    ) -> impl Stream<Item = Result<AnyRow, sqlx::Error>> + 'a {
        sqlx::query(AssertSqlSafe(sql.to_owned())).fetch(&self.pool)
    }

    /// Every row of a query at once (for the small reference tables).
    pub async fn all(&self, sql: &str) -> Result<Vec<AnyRow>, sqlx::Error> {
        sqlx::query(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&self.pool)
            .await
    }

    /// Streams a query in batches of `size` rows.
    pub fn batches<'a>(
        &'a self,
        sql: &'a str,
        size: usize,
    ) -> impl Stream<Item = Vec<Result<AnyRow, sqlx::Error>>> + 'a {
        self.rows(sql).chunks(size)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Column `i` of a row as an integer; a NULL or unreadable value is `None`.
pub fn int_at(row: &AnyRow, i: usize) -> Option<i64> {
    row.try_get::<Option<i64>, _>(i).ok().flatten()
}

/// Column `i` of a row as text; a NULL or unreadable value is `None`.
pub fn text_at(row: &AnyRow, i: usize) -> Option<String> {
    match row.try_get::<Option<String>, _>(i) {
        Ok(v) => v,
        // Bytes that are not UTF-8 (a BLOB in SQLite): read leniently.
        Err(_) => row
            .try_get::<Option<Vec<u8>>, _>(i)
            .ok()
            .flatten()
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_left_out_of_the_shown_url() {
        assert_eq!(
            super::redacted("mysql://root:s3cret@db:3306/flicket"),
            "mysql://root:***@db:3306/flicket"
        );
        assert_eq!(super::redacted("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redacted("sqlite:///srv/flicket.db"),
            "sqlite:///srv/flicket.db"
        );
    }
}
