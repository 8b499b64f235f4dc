//! The writes of `flicket-web import flicket`: batches of rows as arrays (one statement per table and batch), the
//! mapping from Flicket ids to ours, and the clean-up after the last batch. Nullable array elements use a sentinel
//! (`0` for ids, `''` for text) turned into NULL by `nullif`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Db;

/// Makes every update of this transaction keep the rows' `updated_at` (Flicket's `date_modified`) instead of the
/// trigger's `now()`: replies update their ticket's counters, which must not make it look edited today.
pub async fn keep_updated_at(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("select set_config('flicket.keep_updated_at', 'on', true) as \"set!\"")
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// Rows of ours that no import created: (users, tickets).
pub async fn own_data<'c>(db: impl Db<'c>) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"select (select count(*) from users u where not exists
                      (select 1 from import_map m where m.kind = 'user' and m.our_id = u.user_id)) as "users!",
                  (select count(*) from tickets t where not exists
                      (select 1 from import_map m where m.kind = 'ticket' and m.our_id = t.ticket_id)) as "tickets!""#
    )
    .fetch_one(db)
    .await?;
    Ok((r.users, r.tickets))
}

/// The mapped rows among `flicket_ids`: (Flicket id, our id or none when the row was skipped by a rule).
pub async fn mapped<'c>(
    db: impl Db<'c>,
    kind: &str,
    flicket_ids: &[i64],
) -> sqlx::Result<Vec<(i64, Option<i64>)>> {
    let rows = sqlx::query!(
        "select m.flicket_id, m.our_id from unnest($2::bigint[]) as f (id)
         join import_map m on m.kind = $1 and m.flicket_id = f.id",
        kind,
        flicket_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.flicket_id, r.our_id)).collect())
}

/// Refreshes the planner's statistics of the tables an import grows (they go from empty to large within minutes,
/// faster than autovacuum notices: without this, lookups by id turn into scans).
pub async fn analyze(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("analyze import_map, tickets, posts")
        .execute(conn)
        .await?;
    Ok(())
}

/// Every mapping of a kind (for the small tables: users, groups, catalog).
pub async fn all_mapped<'c>(db: impl Db<'c>, kind: &str) -> sqlx::Result<Vec<(i64, Option<i64>)>> {
    let rows = sqlx::query!(
        "select flicket_id, our_id from import_map where kind = $1",
        kind
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.flicket_id, r.our_id)).collect())
}

/// Records mappings (`our_ids[i] == 0`: skipped by a rule); an existing mapping is kept.
pub async fn map(
    conn: &mut PgConnection,
    kind: &str,
    flicket_ids: &[i64],
    our_ids: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into import_map (kind, flicket_id, our_id)
         select $1, f, nullif(o, 0) from unnest($2::bigint[], $3::bigint[]) as m (f, o)
         on conflict (kind, flicket_id) do nothing",
        kind,
        flicket_ids,
        our_ids
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Our id of an imported Flicket ticket, when the import had to give it another id (`None`: not imported, or the
/// same id).
pub async fn our_ticket<'c>(db: impl Db<'c>, flicket_id: i64) -> sqlx::Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "select our_id from import_map where kind = 'ticket' and flicket_id = $1",
        flicket_id
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

/// `n` fresh values of the identity of `table.column` (for rows that cannot keep their Flicket id).
pub async fn allocate(
    conn: &mut PgConnection,
    table: &str,
    column: &str,
    n: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select nextval(pg_get_serial_sequence($1, $2)) as "id!" from generate_series(1, $3::bigint)"#,
        table,
        column,
        n
    )
    .fetch_all(conn)
    .await
}

/// Which of `ids` are taken in `tickets` (a kept Flicket id must be free).
pub async fn taken_ticket_ids(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select ticket_id from tickets where ticket_id = any($1)",
        ids
    )
    .fetch_all(conn)
    .await
}

/// Which of `ids` are taken in `posts`.
pub async fn taken_post_ids(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!("select post_id from posts where post_id = any($1)", ids)
        .fetch_all(conn)
        .await
}

/// Which of `ids` are taken in `users`.
pub async fn taken_user_ids(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!("select user_id from users where user_id = any($1)", ids)
        .fetch_all(conn)
        .await
}

/// Which of `ids` are taken as upload ids.
pub async fn taken_upload_ids(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select upload_id as "id!" from attachments where upload_id = any($1)"#,
        ids
    )
    .fetch_all(conn)
    .await
}

/// Moves the identity sequences of users, tickets, posts and upload ids past the largest id in use.
pub async fn move_sequences(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!(
        r#"select setval(pg_get_serial_sequence('users', 'user_id'), greatest((select max(user_id) from users), 1)) as "u!",
                  setval(pg_get_serial_sequence('tickets', 'ticket_id'), greatest((select max(ticket_id) from tickets), 1)) as "t!",
                  setval(pg_get_serial_sequence('posts', 'post_id'), greatest((select max(post_id) from posts), 1)) as "p!",
                  setval(pg_get_serial_sequence('attachments', 'upload_id'), greatest((select max(upload_id) from attachments), 1)) as "a!""#
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// A row of a named catalog table.
#[derive(Debug, Clone)]
pub struct Named {
    /// Its id.
    pub id: i64,
    /// Its kind (`custom` or a built-in), for statuses and priorities; empty otherwise.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its department (categories only; 0 otherwise).
    pub parent: i64,
}

/// Every group, department, category, status and priority of ours: `(groups, departments, categories, statuses,
/// priorities)`.
pub async fn catalog(
    conn: &mut PgConnection,
) -> sqlx::Result<(Vec<Named>, Vec<Named>, Vec<Named>, Vec<Named>, Vec<Named>)> {
    let groups = sqlx::query!("select group_id, name from groups order by group_id")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| Named {
            id: r.group_id,
            kind: String::new(),
            name: r.name,
            parent: 0,
        })
        .collect();
    let departments =
        sqlx::query!("select department_id, name from departments order by department_id")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| Named {
                id: r.department_id,
                kind: String::new(),
                name: r.name,
                parent: 0,
            })
            .collect();
    let categories = sqlx::query!(
        "select category_id, department_id, name from categories order by category_id"
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Named {
        id: r.category_id,
        kind: String::new(),
        name: r.name,
        parent: r.department_id,
    })
    .collect();
    let statuses =
        sqlx::query!("select status_id, kind, name from statuses order by position, status_id")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| Named {
                id: r.status_id,
                kind: r.kind,
                name: r.name,
                parent: 0,
            })
            .collect();
    let priorities = sqlx::query!(
        "select priority_id, kind, name from priorities order by position, priority_id"
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Named {
        id: r.priority_id,
        kind: r.kind,
        name: r.name,
        parent: 0,
    })
    .collect();
    Ok((groups, departments, categories, statuses, priorities))
}

/// Creates a group.
pub async fn insert_group(conn: &mut PgConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into groups (name) values ($1) returning group_id",
        name
    )
    .fetch_one(conn)
    .await
}

/// Creates a department.
pub async fn insert_department(conn: &mut PgConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into departments (name) values ($1) returning department_id",
        name
    )
    .fetch_one(conn)
    .await
}

/// Creates a category.
pub async fn insert_category(
    conn: &mut PgConnection,
    department_id: i64,
    name: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into categories (department_id, name) values ($1, $2) returning category_id",
        department_id,
        name
    )
    .fetch_one(conn)
    .await
}

/// Creates a custom status after the others.
pub async fn insert_status(conn: &mut PgConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into statuses (kind, name, position)
         values ('custom', $1, (select coalesce(max(position), 0) + 1 from statuses)) returning status_id",
        name
    )
    .fetch_one(conn)
    .await
}

/// Creates a custom priority above the others.
pub async fn insert_priority(conn: &mut PgConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into priorities (kind, name, position)
         values ('custom', $1, (select coalesce(max(position), 0) + 1 from priorities)) returning priority_id",
        name
    )
    .fetch_one(conn)
    .await
}

/// Every user's lower-case user name and email, with its id (to match and to avoid clashes).
pub async fn user_keys(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query!(
        r#"select user_id, lower(username) as "username!", lower(email) as "email!" from users"#
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.user_id, r.username, r.email))
    .collect())
}

/// A batch of users, column by column.
#[derive(Debug, Default)]
pub struct Users {
    pub user_id: Vec<i64>,
    pub username: Vec<String>,
    pub name: Vec<String>,
    pub email: Vec<String>,
    pub password_hash: Vec<String>,
    pub job_title: Vec<String>,
    /// `''`: none.
    pub avatar: Vec<String>,
    pub locale: Vec<String>,
    pub disabled: Vec<bool>,
    pub created_at: Vec<DateTime<Utc>>,
    pub updated_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of users with the given ids.
pub async fn insert_users(conn: &mut PgConnection, u: &Users) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into users (user_id, username, name, email, password_hash, job_title, avatar, locale, disabled,
                            created_at, updated_at)
         overriding system value
         select i, un, n, e, p, j, nullif(a, ''), l, d, c, m
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::bool[], $10::timestamptz[], $11::timestamptz[])
              as x (i, un, n, e, p, j, a, l, d, c, m)",
        &u.user_id,
        &u.username,
        &u.name,
        &u.email,
        &u.password_hash,
        &u.job_title,
        &u.avatar,
        &u.locale,
        &u.disabled,
        &u.created_at,
        &u.updated_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds memberships (a duplicate is ignored).
pub async fn insert_memberships(
    conn: &mut PgConnection,
    users: &[i64],
    groups: &[i64],
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "insert into user_groups (user_id, group_id)
         select * from unnest($1::bigint[], $2::bigint[]) on conflict do nothing",
        users,
        groups
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// A batch of tickets, column by column.
#[derive(Debug, Default)]
pub struct Tickets {
    pub ticket_id: Vec<i64>,
    pub title: Vec<String>,
    pub content: Vec<String>,
    pub content_html: Vec<String>,
    pub creator_id: Vec<i64>,
    /// `0`: none.
    pub assignee_id: Vec<i64>,
    /// `0`: none.
    pub modified_by_id: Vec<i64>,
    pub category_id: Vec<i64>,
    pub status_id: Vec<i64>,
    pub priority_id: Vec<i64>,
    pub hours: Vec<Decimal>,
    pub created_at: Vec<DateTime<Utc>>,
    pub updated_at: Vec<DateTime<Utc>>,
    pub last_activity_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of tickets with the given ids.
pub async fn insert_tickets(conn: &mut PgConnection, t: &Tickets) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into tickets (ticket_id, title, content, content_html, creator_id, assignee_id, modified_by_id,
                              category_id, status_id, priority_id, hours, created_at, updated_at, last_activity_at)
         overriding system value
         select i, ti, c, h, cr, nullif(a, 0), nullif(m, 0), ca, s, p, ho, cd, ud, la
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::numeric[], $12::timestamptz[],
                     $13::timestamptz[], $14::timestamptz[])
              as x (i, ti, c, h, cr, a, m, ca, s, p, ho, cd, ud, la)",
        &t.ticket_id,
        &t.title,
        &t.content,
        &t.content_html,
        &t.creator_id,
        &t.assignee_id,
        &t.modified_by_id,
        &t.category_id,
        &t.status_id,
        &t.priority_id,
        &t.hours,
        &t.created_at,
        &t.updated_at,
        &t.last_activity_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A batch of replies, column by column.
#[derive(Debug, Default)]
pub struct Posts {
    pub post_id: Vec<i64>,
    pub ticket_id: Vec<i64>,
    pub author_id: Vec<i64>,
    /// `0`: none.
    pub modified_by_id: Vec<i64>,
    pub content: Vec<String>,
    pub content_html: Vec<String>,
    pub hours: Vec<Decimal>,
    pub created_at: Vec<DateTime<Utc>>,
    pub updated_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of replies with the given ids (ordered by ticket, so each ticket's counters are updated
/// together).
pub async fn insert_posts(conn: &mut PgConnection, p: &Posts) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into posts (post_id, ticket_id, author_id, modified_by_id, content, content_html, hours,
                            created_at, updated_at)
         overriding system value
         select i, t, a, nullif(m, 0), c, h, ho, cd, ud
         from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                     $7::numeric[], $8::timestamptz[], $9::timestamptz[])
              as x (i, t, a, m, c, h, ho, cd, ud)
         order by t, i",
        &p.post_id,
        &p.ticket_id,
        &p.author_id,
        &p.modified_by_id,
        &p.content,
        &p.content_html,
        &p.hours,
        &p.created_at,
        &p.updated_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A batch of attachments, column by column.
#[derive(Debug, Default)]
pub struct Attachments {
    pub attachment_id: Vec<Uuid>,
    pub upload_id: Vec<i64>,
    pub ticket_id: Vec<i64>,
    /// `0`: the ticket body.
    pub post_id: Vec<i64>,
    pub uploader_id: Vec<i64>,
    pub original_name: Vec<String>,
    pub stored_name: Vec<String>,
    pub content_type: Vec<String>,
    pub size_bytes: Vec<i64>,
    pub sha256: Vec<Vec<u8>>,
    pub created_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of attachments.
pub async fn insert_attachments(conn: &mut PgConnection, a: &Attachments) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into attachments (attachment_id, upload_id, ticket_id, post_id, uploader_id, original_name,
                                  stored_name, content_type, size_bytes, sha256, created_at)
         select i, u, t, nullif(p, 0), up, o, s, ct, sz, h, c
         from unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[],
                     $8::text[], $9::bigint[], $10::bytea[], $11::timestamptz[])
              as x (i, u, t, p, up, o, s, ct, sz, h, c)",
        &a.attachment_id,
        &a.upload_id,
        &a.ticket_id,
        &a.post_id,
        &a.uploader_id,
        &a.original_name,
        &a.stored_name,
        &a.content_type,
        &a.size_bytes,
        &a.sha256,
        &a.created_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes this transaction's reply inserts skip the per-row update of their ticket (see
/// [`refresh_reply_counters`], which must follow in the same transaction).
pub async fn bulk_replies(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("select set_config('flicket.bulk_replies', 'on', true) as \"set!\"")
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// Recomputes the reply counters and the replies' search document of `tickets` from their replies (once per ticket
/// and batch, instead of once per reply).
pub async fn refresh_reply_counters(conn: &mut PgConnection, tickets: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets t set reply_count = r.n, reply_hours = r.hours, replies_search = ticket_replies_document(t.ticket_id)
         from (select ticket_id, count(*)::int as n, coalesce(sum(hours), 0) as hours from posts
               where ticket_id = any($1) group by ticket_id) r
         where t.ticket_id = r.ticket_id",
        tickets
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A batch of edit history rows, column by column.
#[derive(Debug, Default)]
pub struct Edits {
    pub ticket_id: Vec<i64>,
    /// `0`: the ticket body.
    pub post_id: Vec<i64>,
    pub original_content: Vec<String>,
    pub original_html: Vec<String>,
    /// `0`: unknown.
    pub author_id: Vec<i64>,
    pub edited_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of edit history rows; returns their ids in order.
pub async fn insert_edits(conn: &mut PgConnection, e: &Edits) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "insert into edit_history (ticket_id, post_id, original_content, original_html, author_id, edited_at)
         select t, nullif(p, 0), c, h, nullif(a, 0), d
         from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])
              with ordinality as x (t, p, c, h, a, d, n)
         order by n
         returning edit_id",
        &e.ticket_id,
        &e.post_id,
        &e.original_content,
        &e.original_html,
        &e.author_id,
        &e.edited_at
    )
    .fetch_all(conn)
    .await
}

/// Inserts subscriptions; returns (ticket, user) of those added (a duplicate adds nothing).
pub async fn insert_subscriptions(
    conn: &mut PgConnection,
    tickets: &[i64],
    users: &[i64],
    created_at: &[DateTime<Utc>],
) -> sqlx::Result<Vec<(i64, i64)>> {
    Ok(sqlx::query!(
        "insert into subscriptions (ticket_id, user_id, created_at)
         select * from unnest($1::bigint[], $2::bigint[], $3::timestamptz[])
         on conflict do nothing
         returning ticket_id, user_id",
        tickets,
        users,
        created_at
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.ticket_id, r.user_id))
    .collect())
}

/// A batch of activity rows, column by column.
#[derive(Debug, Default)]
pub struct Activities {
    pub ticket_id: Vec<i64>,
    /// `0`: after the ticket body.
    pub post_id: Vec<i64>,
    pub kind: Vec<String>,
    /// JSON text; `''`: none.
    pub data: Vec<String>,
    /// `0`: unknown.
    pub actor_id: Vec<i64>,
    /// `0`: none.
    pub recipient_id: Vec<i64>,
    pub created_at: Vec<DateTime<Utc>>,
}

/// Inserts a batch of activity rows; returns their ids in order.
pub async fn insert_activities(conn: &mut PgConnection, a: &Activities) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "insert into activities (ticket_id, post_id, kind, data, actor_id, recipient_id, created_at)
         select t, nullif(p, 0), k, nullif(d, '')::jsonb, nullif(a, 0), nullif(r, 0), c
         from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::timestamptz[])
              with ordinality as x (t, p, k, d, a, r, c, n)
         order by n
         returning activity_id",
        &a.ticket_id,
        &a.post_id,
        &a.kind,
        &a.data,
        &a.actor_id,
        &a.recipient_id,
        &a.created_at
    )
    .fetch_all(conn)
    .await
}

/// After the replies: the last activity of imported tickets is at least their last reply's time, and a closed
/// ticket's closing time is its last «close» action (else its last activity).
pub async fn finish_tickets(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets t set last_activity_at = p.latest
         from (select ticket_id, max(created_at) as latest from posts
               where ticket_id in (select our_id from import_map where kind = 'ticket')
               group by ticket_id) p
         where p.ticket_id = t.ticket_id and p.latest > t.last_activity_at"
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update tickets t set closed_at = coalesce(
             (select max(a.created_at) from activities a where a.ticket_id = t.ticket_id and a.kind = 'close'),
             t.last_activity_at)
         where t.is_closed and t.closed_at is null
           and t.ticket_id in (select our_id from import_map where kind = 'ticket')"
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a digest period as done without sending it: the digest of imported tickets starts with the next period.
pub async fn skip_digest_period(conn: &mut PgConnection, period: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into digest_runs (period_key, claimed_by, finished_at) values ($1, 'flicket-import', now())
         on conflict (period_key) do nothing",
        period
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Flicket's settings, as the import stores them.
#[derive(Debug, Clone)]
pub struct ImportedSettings {
    pub application_title: String,
    pub base_url: String,
    pub page_size: i32,
    pub allowed_extensions: String,
    pub csv_limit: i32,
    pub change_category: bool,
    pub change_category_restricted: bool,
    pub smtp_host: Option<String>,
    pub smtp_port: i32,
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    pub smtp_password_enc: Option<Vec<u8>>,
    pub mail_from: String,
    pub suppress_send: bool,
}

/// Stores Flicket's settings in our single row.
pub async fn store_settings(conn: &mut PgConnection, s: &ImportedSettings) -> sqlx::Result<()> {
    sqlx::query!(
        "update settings set application_title = $1, base_url = $2, page_size = $3, allowed_extensions = $4,
                csv_limit = $5, change_category = $6, change_category_restricted = $7, smtp_host = $8,
                smtp_port = $9, smtp_tls = $10, smtp_username = $11, smtp_password_enc = $12, mail_from = $13,
                suppress_send = $14
         where settings_id = 1",
        s.application_title,
        s.base_url,
        s.page_size,
        s.allowed_extensions,
        s.csv_limit,
        s.change_category,
        s.change_category_restricted,
        s.smtp_host,
        s.smtp_port,
        s.smtp_tls,
        s.smtp_username,
        s.smtp_password_enc,
        s.mail_from,
        s.suppress_send
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens the record of a run.
pub async fn start_run<'c>(
    db: impl Db<'c>,
    source: &str,
    dry_run: bool,
    merge: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into import_runs (source, dry_run, merge) values ($1, $2, $3) returning import_run_id",
        source,
        dry_run,
        merge
    )
    .fetch_one(db)
    .await
}

/// Closes the record of a run with its report.
pub async fn finish_run<'c>(
    db: impl Db<'c>,
    run: i64,
    report: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update import_runs set finished_at = now(), report = $2 where import_run_id = $1",
        run,
        report
    )
    .execute(db)
    .await?;
    Ok(())
}
