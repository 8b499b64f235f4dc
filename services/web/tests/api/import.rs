//! `flicket-web import flicket`: real Flicket 0.3.x databases (PostgreSQL, MariaDB, SQLite; both action models, with
//! every kind of messy data of `tests/fixtures/flicket/EXPECTED.md`) imported into ours, then used through the web.

use std::path::PathBuf;

use flicket_core::ops::import::{self, ImportError, Options, Quiet, Report, Rule, Table};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::flicket_source::{Dialect, Source, Variant};
use crate::helpers::*;

/// Options importing `source` into a database whose upload folder is `upload_dir`, times in Europe/Paris.
fn options(source: &Source, upload_dir: PathBuf) -> Options {
    let mut o = Options::new(
        source.url.clone(),
        upload_dir,
        b"a-secret-key-that-is-long-enough-for-flicket".to_vec(),
    );
    o.uploads = Some(source.uploads.clone());
    o.avatars = Some(source.avatars.clone());
    o.timezone = "Europe/Paris".parse().expect("zone");
    o
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("flicket-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

/// What every dialect and variant must give: rows per table, each mess counted, nothing new on a second run.
async fn imports_everything(pool: PgPool, dialect: Dialect, variant: Variant) -> Report {
    let source = Source::build(dialect, variant).await;
    let uploads = temp_dir();
    let report = import::run(&pool, &options(&source, uploads.clone()), &Quiet)
        .await
        .expect("import");
    let mysql = dialect == Dialect::MySql;
    let users = if mysql { 7 } else { 9 };
    // Every Flicket row read.
    for table in Table::ALL {
        let read = report.tables.get(&table).map_or(0, |c| c.read) as i64;
        assert_eq!(
            read,
            source.count(table.source_name()).await,
            "{table:?} read"
        );
    }
    // Rows: 12 tickets + the recovery ticket of reply 7; 12 replies; the users and the «deleted user».
    assert_eq!(count(&pool, "select count(*) from tickets").await, 13);
    assert_eq!(count(&pool, "select count(*) from posts").await, 12);
    assert_eq!(count(&pool, "select count(*) from users").await, users + 1);
    // Uploads 1 and 2 have files; 3's is missing, 4's ticket was deleted.
    assert_eq!(count(&pool, "select count(*) from attachments").await, 2);
    // History 6 edits a deleted reply.
    assert_eq!(count(&pool, "select count(*) from edit_history").await, 5);
    assert_eq!(
        count(&pool, "select count(*) from import_map where kind = 'ticket' and flicket_id = 1042 and our_id = 1042").await,
        1,
        "ids are kept"
    );
    // Each mess, counted.
    for rule in [
        Rule::TimeInDstGap,
        Rule::TimeAmbiguous,
        Rule::GroupDuplicateMerged,
        Rule::MembershipDuplicate,
        Rule::MembershipOrphan,
        Rule::CategorySameNameElsewhere,
        Rule::CategoryMissing,
        Rule::StatusMissing,
        Rule::PriorityMissing,
        Rule::AuthorMissing,
        Rule::ContentFitted,
        Rule::RawHtmlSanitised,
        Rule::PostOrphanRecovered,
        Rule::OrphanSkipped,
        Rule::SubscriptionDuplicate,
        Rule::UserOrphanSkipped,
        Rule::UploadFileMissing,
        Rule::CatalogCreated,
        Rule::ActionLegacyOpen,
        Rule::SmtpPasswordEncrypted,
    ] {
        assert!(report.count(rule) >= 1, "{rule:?} not counted: {report:#?}");
    }
    assert_eq!(
        report.count(Rule::EmailCaseDuplicate),
        if mysql { 0 } else { 1 }
    );
    assert_eq!(
        report.count(Rule::ActionOldModel) > 0,
        variant == Variant::Old
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.rule == Rule::UploadFileMissing && p.detail.ends_with(".pdf"))
    );
    // No email for imported activity, and the digest due now is not sent for the imported tickets.
    assert_eq!(count(&pool, "select count(*) from outbox").await, 0);
    assert_eq!(
        count(
            &pool,
            "select count(*) from digest_runs where claimed_by = 'flicket-import'"
        )
        .await,
        1
    );
    // A second run imports nothing.
    let again = import::run(&pool, &options(&source, uploads.clone()), &Quiet)
        .await
        .expect("second import");
    assert_eq!(again.imported(), 0, "{again:#?}");
    assert_eq!(count(&pool, "select count(*) from tickets").await, 13);
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(uploads);
    report
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn imports_postgres_new(pool: PgPool) {
    imports_everything(pool, Dialect::Postgres, Variant::New).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn imports_postgres_old_action_model(pool: PgPool) {
    imports_everything(pool, Dialect::Postgres, Variant::Old).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn imports_mariadb_new(pool: PgPool) {
    imports_everything(pool, Dialect::MySql, Variant::New).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn imports_mariadb_old_action_model(pool: PgPool) {
    imports_everything(pool, Dialect::MySql, Variant::Old).await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn imports_sqlite_old_action_model(pool: PgPool) {
    let report = imports_everything(pool.clone(), Dialect::Sqlite, Variant::Old).await;
    // The old model's status rows carry only a name: our status id is found by it.
    let data: Vec<serde_json::Value> = sqlx::query_scalar(
        "select data from activities where kind = 'status' and data is not null",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!data.is_empty());
    let in_work: i64 = sqlx::query_scalar("select status_id from statuses where kind = 'in_work'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        data.iter()
            .any(|d| d["status_id"] == serde_json::json!(in_work) && d["status"] == "In Work"),
        "an old «status In Work» action points at our In Work status: {data:?}"
    );
    assert!(report.count(Rule::ActionOldModel) > 0);
}

/// The SQLite import, then the site: a Flicket user signs in with the old password, the tickets show their replies
/// and history, an attachment downloads byte for byte, old links lead to the same ticket.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_imported_sqlite_desk_works_on_the_web(pool: PgPool) {
    let source = Source::build(Dialect::Sqlite, Variant::New).await;
    let mut config = test_config();
    config.upload_dir = temp_dir();
    let report = import::run(&pool, &options(&source, config.upload_dir.clone()), &Quiet)
        .await
        .expect("import");
    assert_eq!(report.tables[&Table::Tickets].imported, 12);
    let hash_before: String =
        sqlx::query_scalar("select password_hash from users where username = 'admin'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(hash_before.starts_with("$2b$"), "the bcrypt hash is kept");
    let app = spawn_app_with(pool.clone(), config.clone()).await;
    let resp = app.login("admin", "olddesk-2021").await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "an imported bcrypt user signs in"
    );
    let hash_after: String =
        sqlx::query_scalar("select password_hash from users where username = 'admin'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        hash_after.starts_with("$argon2id$"),
        "upgraded at first sign-in"
    );
    // Every ticket page shows its replies and its history.
    let replies: Vec<(i64, String)> =
        sqlx::query_as("select ticket_id, content_html from posts order by post_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (ticket, html) in &replies {
        let page = app.get_text(&format!("/tickets/{ticket}")).await;
        assert!(
            page.contains(html.trim()),
            "ticket {ticket} shows its reply {html}"
        );
    }
    let page = app.get_text("/tickets/1042").await;
    assert!(page.contains("Contract renewal with the cleaning company"));
    let activities = count(
        &pool,
        "select count(*) from activities where ticket_id = 1042",
    )
    .await;
    assert!(activities >= 2, "ticket 1042 keeps its actions");
    let history = app.get_text("/tickets/1/history").await;
    let originals: Vec<String> = sqlx::query_scalar(
        "select original_html from edit_history where ticket_id = 1 and post_id is null",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        originals.len(),
        2,
        "ticket 1's body was edited twice in Flicket"
    );
    for html in &originals {
        assert!(history.contains(html.trim()), "the history shows {html}");
    }
    // The raw HTML was sanitised.
    let page = app.get_text("/tickets/10").await;
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(
        page.contains("<b>bold</b>") || page.contains("<strong>"),
        "harmless markup is kept"
    );
    // Old links.
    let resp = app.get("/ticket_view/1042/").await;
    assert_eq!(location(&resp), "/tickets/1042");
    // The attachment on ticket 1's body, byte for byte.
    let id: uuid::Uuid =
        sqlx::query_scalar("select attachment_id from attachments where upload_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let resp = app.get(&format!("/attachments/{id}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.bytes().await.unwrap();
    let original = std::fs::read_dir(&source.uploads)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read(e.path()).unwrap())
        .find(|b| b.as_slice() == body.as_ref());
    assert!(
        original.is_some(),
        "the download is the Flicket file, byte for byte"
    );
    // The settings row came across, the SMTP password encrypted.
    let (title, enc): (String, Option<Vec<u8>>) =
        sqlx::query_as("select application_title, smtp_password_enc from settings")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(title, "Old Desk");
    assert!(enc.is_some());
    // New tickets get ids past the imported ones.
    let next: i64 = sqlx::query_scalar(
        "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
         select 'A new ticket', 'after the import', 1, category_id, (select status_id from statuses where kind = 'open'),
                (select priority_id from priorities where kind = 'low')
         from categories limit 1 returning ticket_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(next > 1043, "sequence moved past the imported ids: {next}");
    app.stop().await;
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(&config.upload_dir);
}

/// Every imported row, without surrogate ids nobody sees, as text (to compare two databases).
async fn canonical(pool: &PgPool) -> Vec<String> {
    let queries = [
        "select ticket_id, title, content, creator_id, assignee_id, category_id, status_id, priority_id, hours,
                case when created_at > now() - interval '1 day' then null else created_at end,
                case when updated_at > now() - interval '1 day' then null else updated_at end,
                case when last_activity_at > now() - interval '1 day' then null else last_activity_at end,
                closed_at is not null, reply_count, reply_hours from tickets order by ticket_id",
        "select post_id, ticket_id, author_id, modified_by_id, content, content_html, hours, created_at, updated_at
         from posts order by post_id",
        "select user_id, username, name, email, password_hash, locale, disabled, avatar is not null, total_posts
         from users order by user_id",
        "select upload_id, ticket_id, post_id, original_name, size_bytes, sha256 from attachments order by upload_id",
        "select ticket_id, post_id, original_content, author_id, edited_at from edit_history
         order by ticket_id, post_id, edited_at, original_content",
        "select ticket_id, user_id from subscriptions order by 1, 2",
        "select ticket_id, post_id, kind, data, actor_id, recipient_id, created_at from activities
         order by ticket_id, created_at, kind, data::text",
        "select u.username, g.name from user_groups ug join users u using (user_id) join groups g using (group_id)
         order by 1, 2",
        "select c.category_id, c.name, d.name from categories c join departments d using (department_id) order by 1",
        "select kind, flicket_id, our_id is null from import_map where kind not in ('history', 'action') order by 1, 2",
    ];
    let mut out = Vec::new();
    for q in queries {
        let sql = format!("select (x.*)::text from ({q}) x");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .expect(q);
        out.extend(rows);
    }
    out
}

/// A run stopped after its first committed batch, then run again, gives the database of one clean run.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_run_killed_after_its_first_batch_resumes_to_the_same_database(pool: PgPool) {
    let source = Source::build(Dialect::Sqlite, Variant::New).await;
    // The clean run, in a database of its own.
    let clean_db = format!("flicket_import_clean_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {clean_db}")))
        .execute(&pool)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let clean = PgPool::connect(&format!("{server}/{clean_db}"))
        .await
        .unwrap();
    flicket_core::db::migrate(&clean).await.unwrap();
    let dir = temp_dir();
    let mut opts = options(&source, dir.clone());
    opts.batch_size = 3;
    import::run(&clean, &opts, &Quiet).await.expect("clean run");
    // The interrupted run: batches of 3 rows, stopped after the first commit, then resumed.
    opts.stop_after_batches = Some(2);
    let stopped = import::run(&pool, &opts, &Quiet).await;
    assert!(
        matches!(stopped, Err(ImportError::Stopped(2))),
        "{stopped:?}"
    );
    assert!(
        count(&pool, "select count(*) from users").await > 0,
        "the first batches stayed"
    );
    assert_eq!(
        count(&pool, "select count(*) from tickets").await,
        0,
        "it stopped early"
    );
    opts.stop_after_batches = None;
    let resumed = import::run(&pool, &opts, &Quiet)
        .await
        .expect("resumed run");
    assert!(resumed.tables[&Table::Users].already > 0);
    assert_eq!(canonical(&pool).await, canonical(&clean).await);
    clean.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database {clean_db} with (force)"
    )))
    .execute(&pool)
    .await
    .unwrap();
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Into a database with data of its own: refused, unless --merge (users matched by email, the rest added).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_database_with_its_own_data_needs_merge(pool: PgPool) {
    let source = Source::build(Dialect::Postgres, Variant::New).await;
    let ours = create_user(&pool, "robert", false, flicket_core::Locale::En).await;
    sqlx::query("update users set email = 'BOB@olddesk.example' where user_id = $1")
        .bind(ours.0)
        .execute(&pool)
        .await
        .unwrap();
    let dir = temp_dir();
    let refused = import::run(&pool, &options(&source, dir.clone()), &Quiet).await;
    assert!(
        matches!(
            refused,
            Err(ImportError::OwnData {
                users: 1,
                tickets: 0
            })
        ),
        "{refused:?}"
    );
    assert_eq!(
        count(&pool, "select count(*) from import_map").await,
        0,
        "nothing written"
    );
    let mut opts = options(&source, dir.clone());
    opts.merge = true;
    let report = import::run(&pool, &opts, &Quiet).await.expect("merge");
    assert_eq!(report.count(Rule::UserMatchedByEmail), 1);
    assert_eq!(report.count(Rule::SettingsKept), 1);
    // Bob's Flicket tickets are now robert's.
    let bobs: i64 = sqlx::query_scalar("select count(*) from tickets where creator_id = $1")
        .bind(ours.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(bobs > 0);
    let title: String = sqlx::query_scalar("select application_title from settings")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(title, "Old Desk", "our settings are kept");
    // An old link leads to where ticket 1042 went.
    let moved_to: i64 = sqlx::query_scalar(
        "select our_id from import_map where kind = 'ticket' and flicket_id = 1042",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let app = spawn_app(pool.clone()).await;
    let resp = app.get("/ticket_view/1042/").await;
    assert_eq!(location(&resp), format!("/tickets/{moved_to}"));
    app.stop().await;
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// `--dry-run` reads everything and reports, and writes nothing.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_dry_run_reports_and_writes_nothing(pool: PgPool) {
    let source = Source::build(Dialect::Sqlite, Variant::New).await;
    let dir = temp_dir();
    let mut opts = options(&source, dir.clone());
    opts.dry_run = true;
    let report = import::run(&pool, &opts, &Quiet).await.expect("dry run");
    assert!(report.dry_run);
    assert_eq!(report.tables[&Table::Tickets].imported, 12);
    assert_eq!(report.count(Rule::UploadFileMissing), 1);
    assert_eq!(count(&pool, "select count(*) from tickets").await, 0);
    assert_eq!(count(&pool, "select count(*) from users").await, 0);
    assert_eq!(count(&pool, "select count(*) from import_map").await, 0);
    assert_eq!(count(&pool, "select count(*) from import_runs").await, 0);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no file copied"
    );
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The command itself: the report on standard output, a clear refusal for a database that is not Flicket's.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_command_prints_the_report_and_refuses_what_is_not_flicket(pool: PgPool) {
    let source = Source::build(Dialect::Sqlite, Variant::New).await;
    let name: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    let dir = temp_dir();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flicket-web"))
            .args(args)
            .env("FLICKET_DATABASE_URL", &url)
            .env("FLICKET_UPLOAD_DIR", &dir)
            .env("FLICKET_LOG_FORMAT", "json")
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let uploads = source.uploads.to_string_lossy().into_owned();
    let (ok, out, err) = run(&[
        "import",
        "flicket",
        "--from",
        &source.url,
        "--uploads",
        &uploads,
        "--timezone",
        "Europe/Paris",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("flicket_topic") && out.contains("12"), "{out}");
    assert!(
        out.contains("an attachment whose file is not in the uploads folder"),
        "{out}"
    );
    assert!(out.contains("row(s) imported"), "{out}");
    let (ok, _, err) = run(&[
        "import",
        "flicket",
        "--from",
        "sqlite:///nonexistent/flicket.db",
    ]);
    assert!(!ok);
    assert!(
        err.contains("cannot connect to the Flicket database"),
        "{err}"
    );
    let (ok, _, err) = run(&[
        "import",
        "flicket",
        "--from",
        &source.url,
        "--timezone",
        "Mars/Olympus",
    ]);
    assert!(!ok);
    assert!(err.contains("Unknown time zone"), "{err}");
    let (ok, _, err) = run(&["import", "flicket", "--from", "ftp://example.com/x"]);
    assert!(!ok);
    assert!(err.contains("unsupported database URL"), "{err}");
    source.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}
