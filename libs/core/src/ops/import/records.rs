//! What hangs off tickets: attachments (with their files), edit history, subscriptions and the activity log.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::clean;
use super::source::{int_at, text_at};
use super::{IdTable, ImportError, Rule, Run, SourceError, Table};
use crate::repo::import::{self as repo, Activities, Attachments, Edits};
use crate::tickets::files;

/// A copied file: stored name, size, SHA-256.
struct Copied {
    stored_name: String,
    size: i64,
    sha256: Vec<u8>,
}

/// Copies `from` into `dir` under a new random name (or, in a dry run, only reads it), hashing as it goes.
fn copy_file(from: &Path, dir: Option<&Path>) -> std::io::Result<Copied> {
    let mut input = std::fs::File::open(from)?;
    let stored_name = Uuid::new_v4().simple().to_string();
    let mut output = match dir {
        Some(d) => Some(std::fs::File::create_new(d.join(&stored_name))?),
        None => None,
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0i64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(o) = output.as_mut() {
            o.write_all(&buf[..n])?;
        }
        size += n as i64;
    }
    if let Some(o) = output.as_mut() {
        o.sync_all()?;
    }
    Ok(Copied {
        stored_name,
        size,
        sha256: hasher.finalize().to_vec(),
    })
}

impl Run<'_> {
    /// Reads a batch's rows, or fails on a read error.
    fn collect(rows: Vec<Result<AnyRow, sqlx::Error>>) -> Result<Vec<AnyRow>, ImportError> {
        Ok(rows
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(SourceError::Read)?)
    }

    /// Our ticket and reply of a row whose Flicket ticket and reply were looked up: `None` when neither exists.
    fn place(
        &self,
        ticket: Option<i64>,
        post: Option<i64>,
        post_ticket: Option<i64>,
        tickets: &std::collections::HashMap<i64, Option<i64>>,
        posts: &std::collections::HashMap<i64, Option<i64>>,
    ) -> Option<(i64, i64)> {
        if self.opts.dry_run {
            return ticket.or(post_ticket).map(|t| (t, post.unwrap_or(0)));
        }
        let our_post = post.and_then(|p| posts.get(&p).copied().flatten());
        let our_ticket = ticket
            .or(post_ticket)
            .and_then(|t| tickets.get(&t).copied().flatten());
        our_ticket.map(|t| (t, our_post.unwrap_or(0)))
    }

    /// Attachments: each file is copied from `--uploads` under a new random name; a missing file is reported.
    pub(super) async fn uploads(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        if !s.has("flicket_uploads", "id").await {
            return Ok(());
        }
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_uploads u \
             LEFT JOIN flicket_topic t ON t.id = u.topic_id LEFT JOIN flicket_post p ON p.id = u.posts_id \
             ORDER BY u.id",
            s.int("u.id"),
            s.text("u.filename"),
            s.text("u.original_filename"),
            s.int("t.id"),
            s.int("p.id"),
            s.int("p.ticket_id"),
            s.int("p.user_id"),
            s.int("t.started_id"),
            s.text("p.date_added"),
            s.text("t.date_added"),
            s.int("u.topic_id"),
        );
        self.progress
            .start(Table::Uploads, s.count("flicket_uploads").await);
        let upload_dir = self.opts.upload_dir.clone();
        if !self.opts.dry_run {
            tokio::fs::create_dir_all(&upload_dir).await?;
        }
        let mut batches = s.batches(&sql, self.opts.batch_size);
        while let Some(rows) = batches.next().await {
            let rows = Self::collect(rows)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("upload", &ids).await?;
            let tickets = self
                .lookup(
                    "ticket",
                    &rows
                        .iter()
                        .flat_map(|r| [int_at(r, 3), int_at(r, 5)])
                        .flatten()
                        .collect::<Vec<_>>(),
                )
                .await?;
            let posts = self
                .lookup(
                    "post",
                    &rows.iter().filter_map(|r| int_at(r, 4)).collect::<Vec<_>>(),
                )
                .await?;
            let mut tx = self.begin().await?;
            let mut batch = Attachments::default();
            let (mut flicket_ids, mut skipped) = (Vec::new(), Vec::new());
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::Uploads).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::Uploads).already += 1;
                    continue;
                }
                let Some((ticket, post)) = self.place(
                    int_at(row, 3),
                    int_at(row, 4),
                    int_at(row, 5),
                    &tickets,
                    &posts,
                ) else {
                    self.report.rule(Rule::OrphanSkipped);
                    self.report.table(Table::Uploads).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                let filename = text_at(row, 1).unwrap_or_default();
                let plain = !filename.is_empty()
                    && Path::new(&filename).file_name().and_then(|f| f.to_str())
                        == Some(filename.as_str())
                    && !filename.starts_with('.');
                let from: Option<PathBuf> = self
                    .opts
                    .uploads
                    .as_ref()
                    .filter(|_| plain)
                    .map(|d| d.join(&filename));
                let dest = (!self.opts.dry_run).then(|| upload_dir.clone());
                let copied = match from {
                    Some(path) => {
                        tokio::task::spawn_blocking(move || copy_file(&path, dest.as_deref()))
                            .await
                            .map_err(|e| std::io::Error::other(e.to_string()))?
                    }
                    None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
                };
                let copied = match copied {
                    Ok(c) => c,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                        ) =>
                    {
                        self.report
                            .problem(Table::Uploads, id, Rule::UploadFileMissing, filename);
                        self.report.table(Table::Uploads).skipped += 1;
                        skipped.push(id);
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                let original = text_at(row, 2)
                    .and_then(|o| files::clean_name(&o))
                    .or_else(|| files::clean_name(&filename))
                    .unwrap_or_else(|| format!("upload-{id}"));
                let uploader_flicket = if post != 0 {
                    int_at(row, 6)
                } else {
                    int_at(row, 7)
                };
                let uploader = self.author(tx.as_deref_mut(), uploader_flicket).await?;
                let when = if post != 0 {
                    text_at(row, 8)
                } else {
                    text_at(row, 9)
                };
                let created = clean::local_time(when.as_deref(), self.opts.timezone)
                    .0
                    .unwrap_or(self.now);
                flicket_ids.push(id);
                batch.attachment_id.push(Uuid::new_v4());
                batch.ticket_id.push(ticket);
                batch.post_id.push(post);
                batch.uploader_id.push(uploader);
                batch
                    .content_type
                    .push(files::content_type(&original).to_owned());
                batch.original_name.push(original);
                batch.stored_name.push(copied.stored_name);
                batch.size_bytes.push(copied.size);
                batch.sha256.push(copied.sha256);
                batch.created_at.push(created);
            }
            let ours = self
                .ids_for(tx.as_deref_mut(), IdTable::Uploads, &flicket_ids)
                .await?;
            self.report.table(Table::Uploads).imported += flicket_ids.len() as u64;
            if let Some(conn) = tx.as_deref_mut() {
                batch.upload_id = ours.clone();
                repo::insert_attachments(conn, &batch).await?;
                repo::map(conn, "upload", &flicket_ids, &ours).await?;
                repo::map(conn, "upload", &skipped, &vec![0; skipped.len()]).await?;
                repo::move_sequences(conn).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// The content of ticket bodies and replies before each edit.
    pub(super) async fn history(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        if !s.has("flicket_history", "id").await {
            return Ok(());
        }
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_history h \
             LEFT JOIN flicket_topic t ON t.id = h.topic_id LEFT JOIN flicket_post p ON p.id = h.post_id \
             ORDER BY h.id",
            s.int("h.id"),
            s.text("h.date_modified"),
            s.text("h.original_content"),
            s.int("h.user_id"),
            s.int("t.id"),
            s.int("p.id"),
            s.int("p.ticket_id"),
            s.int("h.post_id"),
        );
        self.progress
            .start(Table::History, s.count("flicket_history").await);
        let mut batches = s.batches(&sql, self.opts.batch_size);
        while let Some(rows) = batches.next().await {
            let rows = Self::collect(rows)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("history", &ids).await?;
            let tickets = self
                .lookup(
                    "ticket",
                    &rows
                        .iter()
                        .flat_map(|r| [int_at(r, 4), int_at(r, 6)])
                        .flatten()
                        .collect::<Vec<_>>(),
                )
                .await?;
            let posts = self
                .lookup(
                    "post",
                    &rows.iter().filter_map(|r| int_at(r, 5)).collect::<Vec<_>>(),
                )
                .await?;
            let mut tx = self.begin().await?;
            let mut batch = Edits::default();
            let (mut flicket_ids, mut skipped) = (Vec::new(), Vec::new());
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::History).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::History).already += 1;
                    continue;
                }
                // A reply's edit whose reply is gone is an orphan even if it names a ticket.
                let post_gone = int_at(row, 7).is_some() && int_at(row, 5).is_none();
                let place = if post_gone {
                    None
                } else {
                    self.place(
                        int_at(row, 4),
                        int_at(row, 5),
                        int_at(row, 6),
                        &tickets,
                        &posts,
                    )
                };
                let Some((ticket, post)) = place else {
                    self.report.rule(Rule::OrphanSkipped);
                    self.report.table(Table::History).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                let content = text_at(row, 2).unwrap_or_default().replace('\0', "");
                let content = clean::cut(&content, 10_000).to_owned();
                let author = self.someone(int_at(row, 3));
                let when = self
                    .time(text_at(row, 1).as_deref(), true)
                    .unwrap_or(self.now);
                flicket_ids.push(id);
                batch.ticket_id.push(ticket);
                batch.post_id.push(post);
                batch.original_html.push(crate::markdown::render(&content));
                batch.original_content.push(content);
                batch.author_id.push(author);
                batch.edited_at.push(when);
            }
            self.report.table(Table::History).imported += flicket_ids.len() as u64;
            if let Some(conn) = tx.as_deref_mut() {
                let ours = repo::insert_edits(conn, &batch).await?;
                repo::map(conn, "history", &flicket_ids, &ours).await?;
                repo::map(conn, "history", &skipped, &vec![0; skipped.len()]).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// Who follows which ticket (a duplicate kept once; one of a deleted user or ticket skipped).
    pub(super) async fn subscriptions(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        if !s.has("flicket_ticket_subscription", "id").await {
            return Ok(());
        }
        let sql = format!(
            "SELECT {}, {}, {}, {} FROM flicket_ticket_subscription x \
             LEFT JOIN flicket_topic t ON t.id = x.ticket_id ORDER BY x.id",
            s.int("x.id"),
            s.int("t.id"),
            s.int("x.user_id"),
            s.text("t.date_added"),
        );
        self.progress.start(
            Table::Subscriptions,
            s.count("flicket_ticket_subscription").await,
        );
        let mut batches = s.batches(&sql, self.opts.batch_size);
        while let Some(rows) = batches.next().await {
            let rows = Self::collect(rows)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("subscription", &ids).await?;
            let tickets = self
                .lookup(
                    "ticket",
                    &rows.iter().filter_map(|r| int_at(r, 1)).collect::<Vec<_>>(),
                )
                .await?;
            let mut tx = self.begin().await?;
            let (mut flicket_ids, mut t_ids, mut u_ids, mut dates) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut skipped = Vec::new();
            let mut pairs = std::collections::HashSet::new();
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::Subscriptions).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::Subscriptions).already += 1;
                    continue;
                }
                let Some((ticket, _)) =
                    self.place(int_at(row, 1), None, None, &tickets, &Default::default())
                else {
                    self.report.rule(Rule::OrphanSkipped);
                    self.report.table(Table::Subscriptions).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                let Some(&user) = int_at(row, 2).and_then(|u| self.users.get(&u)) else {
                    self.report.rule(Rule::UserOrphanSkipped);
                    self.report.table(Table::Subscriptions).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                if !pairs.insert((ticket, user)) && self.opts.dry_run {
                    self.report.rule(Rule::SubscriptionDuplicate);
                    self.report.table(Table::Subscriptions).skipped += 1;
                    continue;
                }
                flicket_ids.push(id);
                t_ids.push(ticket);
                u_ids.push(user);
                dates.push(
                    clean::local_time(text_at(row, 3).as_deref(), self.opts.timezone)
                        .0
                        .unwrap_or(self.now),
                );
            }
            match tx.as_deref_mut() {
                Some(conn) => {
                    let added = repo::insert_subscriptions(conn, &t_ids, &u_ids, &dates).await?;
                    let added: std::collections::HashSet<(i64, i64)> = added.into_iter().collect();
                    let mut seen = std::collections::HashSet::new();
                    let mut ours = Vec::with_capacity(flicket_ids.len());
                    for (t, u) in t_ids.iter().zip(&u_ids) {
                        if added.contains(&(*t, *u)) && seen.insert((*t, *u)) {
                            self.report.table(Table::Subscriptions).imported += 1;
                            ours.push(1);
                        } else {
                            self.report.rule(Rule::SubscriptionDuplicate);
                            self.report.table(Table::Subscriptions).skipped += 1;
                            ours.push(0);
                        }
                    }
                    repo::map(conn, "subscription", &flicket_ids, &ours).await?;
                    repo::map(conn, "subscription", &skipped, &vec![0; skipped.len()]).await?;
                }
                None => {
                    self.report.table(Table::Subscriptions).imported += flicket_ids.len() as u64
                }
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// The activity log, from either of Flicket's action models.
    pub(super) async fn actions(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        if !s.has("flicket_ticket_action", "id").await {
            return Ok(());
        }
        let what = if s.shape.new_actions {
            format!("{}, {}", s.text("a.action"), s.text("a.data"))
        } else {
            format!(
                "{}, {}, {}, {}, {}, {}, {}",
                s.flag("a.assigned"),
                s.flag("a.claimed"),
                s.flag("a.released"),
                s.flag("a.closed"),
                s.flag("a.opened"),
                s.text("a.status"),
                s.text("a.priority"),
            )
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_ticket_action a \
             LEFT JOIN flicket_topic t ON t.id = a.ticket_id LEFT JOIN flicket_post p ON p.id = a.post_id \
             ORDER BY a.id",
            s.int("a.id"),
            s.int("t.id"),
            s.int("p.id"),
            s.int("p.ticket_id"),
            s.int("a.user_id"),
            s.int("a.recipient_id"),
            s.text("a.date"),
            what,
        );
        self.progress
            .start(Table::Actions, s.count("flicket_ticket_action").await);
        let mut batches = s.batches(&sql, self.opts.batch_size * 2);
        while let Some(rows) = batches.next().await {
            let rows = Self::collect(rows)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("action", &ids).await?;
            let tickets = self
                .lookup(
                    "ticket",
                    &rows
                        .iter()
                        .flat_map(|r| [int_at(r, 1), int_at(r, 3)])
                        .flatten()
                        .collect::<Vec<_>>(),
                )
                .await?;
            let posts = self
                .lookup(
                    "post",
                    &rows.iter().filter_map(|r| int_at(r, 2)).collect::<Vec<_>>(),
                )
                .await?;
            let mut tx = self.begin().await?;
            let mut batch = Activities::default();
            let (mut flicket_ids, mut skipped) = (Vec::new(), Vec::new());
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::Actions).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::Actions).already += 1;
                    continue;
                }
                let Some((ticket, post)) = self.place(
                    int_at(row, 1),
                    int_at(row, 2),
                    int_at(row, 3),
                    &tickets,
                    &posts,
                ) else {
                    self.report.rule(Rule::OrphanSkipped);
                    self.report.table(Table::Actions).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                let Some((kind, data)) = self.action_of(row) else {
                    self.report.problem(
                        Table::Actions,
                        id,
                        Rule::ActionUnknown,
                        text_at(row, 7).unwrap_or_default(),
                    );
                    self.report.table(Table::Actions).skipped += 1;
                    skipped.push(id);
                    continue;
                };
                let actor = self.someone(int_at(row, 4));
                let recipient = self.someone(int_at(row, 5));
                let when = self
                    .time(text_at(row, 6).as_deref(), true)
                    .unwrap_or(self.now);
                flicket_ids.push(id);
                batch.ticket_id.push(ticket);
                batch.post_id.push(post);
                batch.kind.push(kind.to_owned());
                batch
                    .data
                    .push(data.map(|d| d.to_string()).unwrap_or_default());
                batch.actor_id.push(actor);
                batch.recipient_id.push(recipient);
                batch.created_at.push(when);
            }
            self.report.table(Table::Actions).imported += flicket_ids.len() as u64;
            if let Some(conn) = tx.as_deref_mut() {
                let ours = repo::insert_activities(conn, &batch).await?;
                repo::map(conn, "action", &flicket_ids, &ours).await?;
                repo::map(conn, "action", &skipped, &vec![0; skipped.len()]).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// Our kind and data of a Flicket action row (columns from 7 on), or `None` when it means nothing to us.
    fn action_of(&mut self, row: &AnyRow) -> Option<(&'static str, Option<Value>)> {
        if self.src.shape.new_actions {
            let action = text_at(row, 7)?;
            let data: Option<Value> = text_at(row, 8).and_then(|d| serde_json::from_str(&d).ok());
            let kind = match action.trim() {
                "open" => {
                    self.report.rule(Rule::ActionLegacyOpen);
                    "opened"
                }
                "assign" => "assign",
                "claim" => "claim",
                "status" => "status",
                "priority" => "priority",
                "release" => "release",
                "close" => "close",
                "department_category" => "department_category",
                "subscribe" => "subscribe",
                "unsubscribe" => "unsubscribe",
                _ => return None,
            };
            Some((kind, data.map(|d| self.our_data(kind, d))))
        } else {
            self.report.rule(Rule::ActionOldModel);
            let flag = |i| int_at(row, i) == Some(1);
            if flag(7) {
                Some(("assign", None))
            } else if flag(8) {
                Some(("claim", None))
            } else if flag(9) {
                Some(("release", None))
            } else if flag(10) {
                Some(("close", None))
            } else if flag(11) {
                self.report.rule(Rule::ActionLegacyOpen);
                Some(("opened", None))
            } else if let Some(status) = text_at(row, 12) {
                let id = self.status_named(&status);
                Some(("status", Some(json!({ "status_id": id, "status": status }))))
            } else if let Some(priority) = text_at(row, 13) {
                let id = self.priority_named(&priority);
                Some((
                    "priority",
                    Some(json!({ "priority_id": id, "priority": priority })),
                ))
            } else {
                None
            }
        }
    }

    /// Flicket's action data with its ids replaced by ours (names kept as they were shown).
    fn our_data(&self, kind: &str, mut data: Value) -> Value {
        let swap = |data: &mut Value, key: &str, map: &super::IdMap| {
            if let Some(v) = data.get_mut(key) {
                *v = match v.as_i64().and_then(|id| map.get(&id)) {
                    Some(ours) => json!(ours),
                    None => Value::Null,
                };
            }
        };
        match kind {
            "status" => swap(&mut data, "status_id", &self.statuses),
            "priority" => swap(&mut data, "priority_id", &self.priorities),
            "department_category" => {
                swap(&mut data, "category_id", &self.categories);
                swap(&mut data, "department_id", &self.departments);
            }
            _ => {}
        }
        data
    }

    /// Our id of a status named as in Flicket (the old action model kept only the name).
    fn status_named(&self, name: &str) -> Value {
        self.status_names
            .get(&name.trim().to_lowercase())
            .map_or(Value::Null, |id| json!(id))
    }

    /// Our id of a priority named as in Flicket.
    fn priority_named(&self, name: &str) -> Value {
        self.priority_names
            .get(&name.trim().to_lowercase())
            .map_or(Value::Null, |id| json!(id))
    }
}
