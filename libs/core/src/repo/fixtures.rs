//! Test support (feature `test-support`): rows the tests of other areas need, written directly (bypassing the
//! validation of the web forms on purpose, e.g. a display name with CR/LF). Runtime-checked SQL: not part of `.sqlx/`.

use sqlx::PgPool;

/// Inserts a user with exactly these values (no validation); returns the id.
pub async fn user(
    pool: &PgPool,
    username: &str,
    name: &str,
    email: &str,
    locale: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into users (username, name, email, password_hash, locale)
         values ($1, $2, $3, 'x', $4) returning user_id",
    )
    .bind(username)
    .bind(name)
    .bind(email)
    .bind(locale)
    .fetch_one(pool)
    .await
}

/// Inserts an open, low-priority ticket in the first category; returns its id.
pub async fn ticket(
    pool: &PgPool,
    creator_id: i64,
    title: &str,
    content: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
         values ($1, $2, $3,
                 (select min(category_id) from categories),
                 (select status_id from statuses where kind = 'open'),
                 (select priority_id from priorities where kind = 'low'))
         returning ticket_id",
    )
    .bind(title)
    .bind(content)
    .bind(creator_id)
    .fetch_one(pool)
    .await
}

/// Inserts a reply; returns its id.
pub async fn post(
    pool: &PgPool,
    ticket_id: i64,
    author_id: i64,
    content: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into posts (ticket_id, author_id, content) values ($1, $2, $3) returning post_id",
    )
    .bind(ticket_id)
    .bind(author_id)
    .bind(content)
    .fetch_one(pool)
    .await
}

/// Sets a ticket's assignee.
pub async fn assign(pool: &PgPool, ticket_id: i64, assignee_id: i64) -> sqlx::Result<()> {
    sqlx::query("update tickets set assignee_id = $2 where ticket_id = $1")
        .bind(ticket_id)
        .bind(assignee_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Points the mail settings at a local SMTP server (`tls` = `none`), with sending on or off.
pub async fn smtp_settings(
    pool: &PgPool,
    port: u16,
    suppress_send: bool,
    base_url: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update settings set smtp_host = '127.0.0.1', smtp_port = $1, smtp_tls = 'none', smtp_username = null,
                smtp_password_enc = null, mail_from = 'helpdesk@flicket.test', suppress_send = $2, base_url = $3
         where settings_id = 1",
    )
    .bind(i32::from(port))
    .bind(suppress_send)
    .bind(base_url)
    .execute(pool)
    .await?;
    Ok(())
}

/// Turns "suppress sending" on or off.
pub async fn suppress_send(pool: &PgPool, suppress: bool) -> sqlx::Result<()> {
    sqlx::query("update settings set suppress_send = $1 where settings_id = 1")
        .bind(suppress)
        .execute(pool)
        .await?;
    Ok(())
}

/// A ledger row's state, attempts and last error.
pub async fn delivery(
    pool: &PgPool,
    idempotency_key: &str,
) -> sqlx::Result<Option<(String, i32, Option<String>)>> {
    sqlx::query_as(
        "select state, attempts, last_error from email_deliveries where idempotency_key = $1",
    )
    .bind(idempotency_key)
    .fetch_optional(pool)
    .await
}

/// Whether the outbox row is finished (`delivered_at` set).
pub async fn outbox_delivered(pool: &PgPool, outbox_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("select delivered_at is not null from outbox where outbox_id = $1")
        .bind(outbox_id)
        .fetch_one(pool)
        .await
}

/// Pretends an outbox row was pushed `secs` seconds ago (the job then "got lost").
pub async fn backdate_enqueue(pool: &PgPool, outbox_id: i64, secs: f64) -> sqlx::Result<()> {
    sqlx::query(
        "update outbox set enqueued_at = now() - make_interval(secs => $2), created_at = now() - make_interval(secs => $2)
         where outbox_id = $1",
    )
    .bind(outbox_id)
    .bind(secs)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the outbox row was recorded as pushed to the queue.
pub async fn outbox_enqueued(pool: &PgPool, outbox_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("select enqueued_at is not null from outbox where outbox_id = $1")
        .bind(outbox_id)
        .fetch_one(pool)
        .await
}
