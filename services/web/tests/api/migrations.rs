use flicket_core::db::MIGRATOR;
use flicket_core::setup::{self, SetupOutcome, SetupRequest};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

async fn applied(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from _sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn migrating_twice_is_a_no_op(pool: PgPool) {
    let before = applied(&pool).await;
    MIGRATOR.run(&pool).await.unwrap();
    assert_eq!(applied(&pool).await, before);
    let statuses: Vec<String> = sqlx::query_scalar("select kind from statuses order by position")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        statuses,
        ["open", "closed", "in_work", "awaiting_information"]
    );
    let without_other: i64 = sqlx::query_scalar(
        "select count(*) from departments d where not exists
           (select 1 from categories c where c.department_id = d.department_id and c.name = 'Other')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(without_other, 0, "every department has Other");
}

fn database_url(opts: &PgConnectOptions) -> String {
    let db = opts.get_database().unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{db}")
}

#[sqlx::test(migrations = false)]
async fn two_migrate_processes_at_once_both_succeed(
    _opts: sqlx::pool::PoolOptions<sqlx::Postgres>,
    opts: PgConnectOptions,
) {
    let url = database_url(&opts);
    let run = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_flicket-web"))
            .arg("migrate")
            .env("FLICKET_DATABASE_URL", &url)
            .env("FLICKET_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .status()
    };
    let (a, b) = tokio::join!(run(), run());
    assert!(a.unwrap().success() && b.unwrap().success());
    let pool = PgPool::connect(&url).await.unwrap();
    assert_eq!(applied(&pool).await, MIGRATOR.iter().count() as i64);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn setup_twice_changes_nothing(pool: PgPool) {
    let request = || SetupRequest {
        admin_username: "boss".into(),
        admin_email: "boss@example.com".into(),
        admin_password: None,
        base_url: Some("https://help.example.com/".into()),
    };
    let first = setup::run(&pool, request()).await.unwrap();
    let SetupOutcome::AdminCreated {
        generated_password: Some(pw),
        ..
    } = first
    else {
        panic!("expected an admin: {first:?}");
    };
    assert!(pw.len() >= 20);
    let snapshot = || async {
        sqlx::query_as::<_, (String, String, chrono::DateTime<chrono::Utc>)>(
            "select u.password_hash, s.base_url, s.updated_at from users u, settings s",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let before = snapshot().await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].1, "https://help.example.com");

    assert!(matches!(
        setup::run(&pool, request()).await.unwrap(),
        SetupOutcome::AlreadySetUp
    ));
    assert_eq!(snapshot().await, before);
    let admins: i64 = sqlx::query_scalar(
        "select count(*) from user_groups join groups using (group_id) where groups.name = 'admin'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(admins, 1);
}
