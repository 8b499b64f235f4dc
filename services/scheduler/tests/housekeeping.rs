//! Housekeeping removes what has expired and keeps what is still in use.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use sqlx::PgPool;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn expired_rows_go_and_live_ones_stay(pool: PgPool) {
    let user: i64 = sqlx::query_scalar(
        "insert into users (username, name, email, password_hash) values ('ada', 'Ada', 'ada@x.io', 'x')
         returning user_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for (i, expires) in ["now() - interval '2 days'", "now() + interval '1 hour'"]
        .iter()
        .enumerate()
    {
        let hash = format!("decode(lpad('{i}', 64, '0'), 'hex')");
        for sql in [
            format!(
                "insert into sessions (session_id, token_hash, user_id, expires_at)
                 values (gen_random_uuid(), {hash}, $1, {expires})"
            ),
            format!(
                "insert into password_resets (password_reset_id, token_hash, user_id, expires_at)
                 values (gen_random_uuid(), {hash}, $1, {expires})"
            ),
            format!(
                "insert into api_tokens (api_token_id, token_hash, user_id, expires_at)
                 values (gen_random_uuid(), {hash}, $1, {expires})"
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    sqlx::query(
        "insert into login_attempts (account_key, ip, succeeded, attempted_at) values
           ('ada', '1.2.3.4', false, now() - interval '2 days'), ('ada', '1.2.3.4', false, now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into email_deliveries (idempotency_key, recipient, state, finished_at) values
           ('old', 'a@x.io', 'sent', now() - interval '100 days'), ('new', 'a@x.io', 'sent', now())",
    )
    .execute(&pool)
    .await
    .unwrap();

    let removed = flicket_scheduler::housekeeping::run_once(&pool)
        .await
        .unwrap();
    assert_eq!(removed, 5);
    for table in [
        "sessions",
        "password_resets",
        "api_tokens",
        "login_attempts",
        "email_deliveries",
    ] {
        assert_eq!(count(&pool, table).await, 1, "{table}");
    }
    assert_eq!(
        flicket_scheduler::housekeeping::run_once(&pool)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
}
