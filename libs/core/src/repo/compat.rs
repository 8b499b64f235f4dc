//! Reads in the shapes of Flicket's REST API, for the compatibility layer under `/flicket-api/`: every collection
//! in id order, as Flicket listed them (its queries had no `ORDER BY`, so the database gave them in the order they
//! were written). Reference data, one user and replies are read through their own modules.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::Db;
pub use super::activities::count as count_actions;
use crate::domain::{CategoryId, PostId, PriorityId, StatusId, TicketId, UserId};
use crate::permissions::tickets::TicketFacts;

/// A ticket as Flicket's API showed it.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// Id.
    pub ticket_id: TicketId,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub content: String,
    /// Creator.
    pub creator_id: UserId,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Last editor of the body.
    pub modified_by_id: Option<UserId>,
    /// Category.
    pub category_id: CategoryId,
    /// Status.
    pub status_id: StatusId,
    /// Priority.
    pub priority_id: PriorityId,
    /// Raised at.
    pub created_at: DateTime<Utc>,
    /// Last edit of the body that changed its text.
    pub modified_at: Option<DateTime<Utc>>,
    /// Whether the status is of kind `closed`.
    pub closed: bool,
}

impl TicketRow {
    /// The facts the permission rules look at.
    pub fn facts(&self) -> TicketFacts {
        TicketFacts {
            creator_id: self.creator_id,
            assignee_id: self.assignee_id,
            closed: self.closed,
        }
    }
}

/// One ticket.
pub async fn ticket<'c>(db: impl Db<'c>, id: TicketId) -> sqlx::Result<Option<TicketRow>> {
    sqlx::query_as!(
        TicketRow,
        r#"select t.ticket_id as "ticket_id: TicketId", t.title, t.content, t.creator_id as "creator_id: UserId",
                  t.assignee_id as "assignee_id: UserId", t.modified_by_id as "modified_by_id: UserId",
                  t.category_id as "category_id: CategoryId", t.status_id as "status_id: StatusId",
                  t.priority_id as "priority_id: PriorityId", t.created_at,
                  (select max(h.edited_at) from edit_history h
                    where h.ticket_id = t.ticket_id and h.post_id is null) as modified_at,
                  s.kind = 'closed' as "closed!"
           from tickets t join statuses s using (status_id)
           where t.ticket_id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// One page of tickets, by id (count them with [`super::tickets::count`]).
pub async fn tickets<'c>(db: impl Db<'c>, limit: i64, offset: i64) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as!(
        TicketRow,
        r#"select t.ticket_id as "ticket_id: TicketId", t.title, t.content, t.creator_id as "creator_id: UserId",
                  t.assignee_id as "assignee_id: UserId", t.modified_by_id as "modified_by_id: UserId",
                  t.category_id as "category_id: CategoryId", t.status_id as "status_id: StatusId",
                  t.priority_id as "priority_id: PriorityId", t.created_at,
                  (select max(h.edited_at) from edit_history h
                    where h.ticket_id = t.ticket_id and h.post_id is null) as modified_at,
                  s.kind = 'closed' as "closed!"
           from tickets t join statuses s using (status_id)
           order by t.ticket_id
           limit $1 offset $2"#,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// The permission facts of several tickets (missing tickets are left out).
pub async fn ticket_facts<'c>(
    db: impl Db<'c>,
    ids: &[TicketId],
) -> sqlx::Result<Vec<(TicketId, TicketFacts)>> {
    let ids: Vec<i64> = ids.iter().map(|t| t.0).collect();
    let rows = sqlx::query!(
        r#"select t.ticket_id as "ticket_id: TicketId", t.creator_id as "creator_id: UserId",
                  t.assignee_id as "assignee_id: UserId", s.kind = 'closed' as "closed!"
           from tickets t join statuses s using (status_id)
           where t.ticket_id = any($1)"#,
        &ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let facts = TicketFacts {
                creator_id: r.creator_id,
                assignee_id: r.assignee_id,
                closed: r.closed,
            };
            (r.ticket_id, facts)
        })
        .collect())
}

/// A user as Flicket's API showed them.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub user_id: UserId,
    /// User name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email (shown only to those who may see it).
    pub email: String,
    /// Job title.
    pub job_title: String,
    /// Whether an avatar was uploaded.
    pub has_avatar: bool,
    /// Tickets raised plus replies written.
    pub posts: i64,
}

/// One page of the users whose name (the display name, not the user name) is `like` (a `LIKE` pattern, matched
/// ignoring case; every user without one), by id.
pub async fn users<'c>(
    db: impl Db<'c>,
    like: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select u.user_id as "user_id: UserId", u.username, u.name, u.email, u.job_title,
                  u.avatar is not null as "has_avatar!",
                  ((select count(*) from tickets t where t.creator_id = u.user_id)
                   + (select count(*) from posts p where p.author_id = u.user_id)) as "posts!"
           from users u
           where $1::text is null or u.name ilike $1
           order by u.user_id
           limit $2 offset $3"#,
        like,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// How many users [`users`] pages through.
pub async fn count_users<'c>(db: impl Db<'c>, like: Option<&str>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from users u where $1::text is null or u.name ilike $1"#,
        like
    )
    .fetch_one(db)
    .await
}

/// A subscription with the subscriber's name.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    /// Id.
    pub subscription_id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The subscriber.
    pub user_id: UserId,
    /// The subscriber's display name.
    pub name: String,
}

/// One subscription.
pub async fn subscription<'c>(db: impl Db<'c>, id: i64) -> sqlx::Result<Option<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.subscription_id, s.ticket_id as "ticket_id: TicketId", s.user_id as "user_id: UserId", u.name
           from subscriptions s join users u using (user_id)
           where s.subscription_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// One page of the subscriptions of a ticket (or of every ticket), by id.
pub async fn subscriptions<'c>(
    db: impl Db<'c>,
    ticket: Option<TicketId>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.subscription_id, s.ticket_id as "ticket_id: TicketId", s.user_id as "user_id: UserId", u.name
           from subscriptions s join users u using (user_id)
           where $1::bigint is null or s.ticket_id = $1
           order by s.subscription_id
           limit $2 offset $3"#,
        ticket.map(|t| t.0),
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// How many subscriptions [`subscriptions`] pages through.
pub async fn count_subscriptions<'c>(
    db: impl Db<'c>,
    ticket: Option<TicketId>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from subscriptions where $1::bigint is null or ticket_id = $1"#,
        ticket.map(|t| t.0)
    )
    .fetch_one(db)
    .await
}

/// An attachment.
#[derive(Debug, Clone)]
pub struct UploadRow {
    /// Its stable integer number (Flicket's upload id, for an imported one).
    pub upload_id: i64,
    /// Id (the download URL).
    pub attachment_id: Uuid,
    /// Its ticket.
    pub ticket_id: TicketId,
    /// Its reply (none: the ticket body).
    pub post_id: Option<PostId>,
    /// Original name.
    pub original_name: String,
}

/// One attachment, by its integer number.
pub async fn upload<'c>(db: impl Db<'c>, upload_id: i64) -> sqlx::Result<Option<UploadRow>> {
    sqlx::query_as!(
        UploadRow,
        r#"select upload_id, attachment_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId",
                  original_name
           from attachments where upload_id = $1"#,
        upload_id
    )
    .fetch_optional(db)
    .await
}

/// One page of every attachment, by number.
pub async fn uploads<'c>(db: impl Db<'c>, limit: i64, offset: i64) -> sqlx::Result<Vec<UploadRow>> {
    sqlx::query_as!(
        UploadRow,
        r#"select upload_id, attachment_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId",
                  original_name
           from attachments order by upload_id
           limit $1 offset $2"#,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// Number of attachments.
pub async fn count_uploads<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from attachments"#)
        .fetch_one(db)
        .await
}

/// A previous version of a ticket body or a reply.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// Id.
    pub edit_id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The reply (none: the ticket body).
    pub post_id: Option<PostId>,
    /// The text before the edit.
    pub original_content: String,
    /// Who had written it (none: a deleted user).
    pub author_id: Option<UserId>,
    /// When it was replaced.
    pub edited_at: DateTime<Utc>,
}

/// One previous version.
pub async fn history<'c>(db: impl Db<'c>, id: i64) -> sqlx::Result<Option<HistoryRow>> {
    sqlx::query_as!(
        HistoryRow,
        r#"select edit_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId", original_content,
                  author_id as "author_id: UserId", edited_at
           from edit_history where edit_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// One page of previous versions, by id: of one ticket's body (`topic`), of one reply (`post`), or all.
pub async fn histories<'c>(
    db: impl Db<'c>,
    topic: Option<TicketId>,
    post: Option<PostId>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as!(
        HistoryRow,
        r#"select edit_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId", original_content,
                  author_id as "author_id: UserId", edited_at
           from edit_history
           where ($1::bigint is null or (ticket_id = $1 and post_id is null))
             and ($2::bigint is null or post_id = $2)
           order by edit_id
           limit $3 offset $4"#,
        topic.map(|t| t.0),
        post.map(|p| p.0),
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// How many previous versions [`histories`] pages through.
pub async fn count_histories<'c>(
    db: impl Db<'c>,
    topic: Option<TicketId>,
    post: Option<PostId>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from edit_history
           where ($1::bigint is null or (ticket_id = $1 and post_id is null))
             and ($2::bigint is null or post_id = $2)"#,
        topic.map(|t| t.0),
        post.map(|p| p.0)
    )
    .fetch_one(db)
    .await
}

/// A line of a ticket's activity, with ids rather than names.
#[derive(Debug, Clone)]
pub struct ActionRow {
    /// Id.
    pub activity_id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Shown after this reply (none: after the ticket body).
    pub post_id: Option<PostId>,
    /// Kind (`claim`, `assign`, `status`, …).
    pub kind: String,
    /// Details.
    pub data: Option<Value>,
    /// Who did it.
    pub actor_id: Option<UserId>,
    /// Whom it was about.
    pub recipient_id: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One activity row.
pub async fn action<'c>(db: impl Db<'c>, id: i64) -> sqlx::Result<Option<ActionRow>> {
    sqlx::query_as!(
        ActionRow,
        r#"select activity_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId", kind, data,
                  actor_id as "actor_id: UserId", recipient_id as "recipient_id: UserId", created_at
           from activities where activity_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// One page of a ticket's activity, oldest first.
pub async fn actions<'c>(
    db: impl Db<'c>,
    ticket: TicketId,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ActionRow>> {
    sqlx::query_as!(
        ActionRow,
        r#"select activity_id, ticket_id as "ticket_id: TicketId", post_id as "post_id: PostId", kind, data,
                  actor_id as "actor_id: UserId", recipient_id as "recipient_id: UserId", created_at
           from activities where ticket_id = $1
           order by activity_id
           limit $2 offset $3"#,
        ticket.0,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}
