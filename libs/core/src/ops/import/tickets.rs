//! Tickets and their replies.

use futures::StreamExt;
use sqlx::PgConnection;

use super::clean::{self, fit_name};
use super::source::{int_at, text_at};
use super::{IdTable, ImportError, MADE_UP, Rule, Run, SourceError, Table};
use crate::repo::import::{self as repo, Posts, Tickets};

/// The placeholder of an empty body.
const NO_CONTENT: &str = "(no content)";

impl Run<'_> {
    /// Every ticket, in batches, keeping its id.
    pub(super) async fn tickets(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        let hours = if s.shape.hours {
            s.text("hours")
        } else {
            "NULL".to_owned()
        };
        let last = if s.shape.last_updated {
            s.text("last_updated")
        } else {
            "NULL".to_owned()
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_topic ORDER BY id",
            s.int("id"),
            s.text("title"),
            s.text("content"),
            s.int("started_id"),
            s.text("date_added"),
            s.text("date_modified"),
            s.int("modified_id"),
            s.int("status_id"),
            s.int("category_id"),
            s.int("assigned_id"),
            s.int("ticket_priority_id"),
            hours,
            last,
        );
        self.progress
            .start(Table::Tickets, s.count("flicket_topic").await);
        let mut batches = s.batches(&sql, self.opts.batch_size);
        while let Some(rows) = batches.next().await {
            let rows = rows
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(SourceError::Read)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("ticket", &ids).await?;
            let mut tx = self.begin().await?;
            let mut batch = Tickets::default();
            let mut flicket_ids = Vec::new();
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::Tickets).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::Tickets).already += 1;
                    continue;
                }
                let (title, r) = fit_name(
                    text_at(row, 1).as_deref(),
                    3,
                    128,
                    &format!("Ticket {id:05}"),
                );
                self.apply(r);
                let (content, r) = clean::fit_content(text_at(row, 2).as_deref(), NO_CONTENT);
                self.apply(r);
                if clean::has_raw_html(&content) {
                    self.report.rule(Rule::RawHtmlSanitised);
                }
                let creator = self.author(tx.as_deref_mut(), int_at(row, 3)).await?;
                let created = self
                    .time(text_at(row, 4).as_deref(), true)
                    .unwrap_or(self.now);
                let modified = self.time(text_at(row, 5).as_deref(), false);
                let modified_by = self.someone(int_at(row, 6));
                let status = match int_at(row, 7).and_then(|x| self.statuses.get(&x)) {
                    Some(&x) => x,
                    None => {
                        self.report.rule(Rule::StatusMissing);
                        self.default_status
                    }
                };
                let category = match int_at(row, 8).and_then(|x| self.categories.get(&x)) {
                    Some(&x) => x,
                    None => {
                        self.report.rule(Rule::CategoryMissing);
                        self.fallback_category(tx.as_deref_mut()).await?
                    }
                };
                let assignee = self.someone(int_at(row, 9));
                let priority = match int_at(row, 10).and_then(|x| self.priorities.get(&x)) {
                    Some(&x) => x,
                    None => {
                        self.report.rule(Rule::PriorityMissing);
                        self.default_priority
                    }
                };
                let (hours, r) = clean::hours(text_at(row, 11).as_deref());
                self.apply(r);
                let last = self.time(text_at(row, 12).as_deref(), false);
                let updated = modified.unwrap_or(created).max(created);
                flicket_ids.push(id);
                batch.content_html.push(crate::markdown::render(&content));
                batch.title.push(title);
                batch.content.push(content);
                batch.creator_id.push(creator);
                batch.assignee_id.push(assignee);
                batch.modified_by_id.push(modified_by);
                batch.category_id.push(category);
                batch.status_id.push(status);
                batch.priority_id.push(priority);
                batch.hours.push(hours);
                batch.created_at.push(created);
                batch.updated_at.push(updated);
                batch
                    .last_activity_at
                    .push(last.unwrap_or(updated).max(updated));
            }
            let ours = self
                .ids_for(tx.as_deref_mut(), IdTable::Tickets, &flicket_ids)
                .await?;
            self.report.table(Table::Tickets).imported += flicket_ids.len() as u64;
            if let Some(conn) = tx.as_deref_mut() {
                batch.ticket_id = ours.clone();
                repo::insert_tickets(conn, &batch).await?;
                repo::map(conn, "ticket", &flicket_ids, &ours).await?;
                repo::move_sequences(conn).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// The closed ticket that keeps the replies of deleted Flicket tickets (made once).
    async fn recovery_ticket(
        &mut self,
        mut conn: Option<&mut PgConnection>,
    ) -> Result<i64, ImportError> {
        if let Some(t) = self.recovery_ticket {
            return Ok(t);
        }
        let id = match self.lookup("ticket", &[MADE_UP]).await?.get(&MADE_UP) {
            Some(Some(t)) => *t,
            _ => {
                let creator = self.deleted_user(conn.as_deref_mut()).await?;
                let category = self.fallback_category(conn.as_deref_mut()).await?;
                match conn {
                    Some(c) => {
                        let id = repo::allocate(c, "tickets", "ticket_id", 1)
                            .await?
                            .first()
                            .copied()
                            .unwrap_or(0);
                        let content = "These replies were found in Flicket without their ticket (it had been \
                                       deleted). They are kept here by the import.";
                        let closed = self
                            .closed_statuses
                            .first()
                            .copied()
                            .unwrap_or(self.default_status);
                        let batch = Tickets {
                            ticket_id: vec![id],
                            title: vec!["Replies of deleted Flicket tickets".to_owned()],
                            content: vec![content.to_owned()],
                            content_html: vec![crate::markdown::render(content)],
                            creator_id: vec![creator],
                            assignee_id: vec![0],
                            modified_by_id: vec![0],
                            category_id: vec![category],
                            status_id: vec![closed],
                            priority_id: vec![self.default_priority],
                            hours: vec![Default::default()],
                            created_at: vec![self.now],
                            updated_at: vec![self.now],
                            last_activity_at: vec![self.now],
                        };
                        repo::insert_tickets(c, &batch).await?;
                        repo::map(c, "ticket", &[MADE_UP], &[id]).await?;
                        id
                    }
                    None => self.fake_id(),
                }
            }
        };
        self.recovery_ticket = Some(id);
        Ok(id)
    }

    /// Every reply, in batches, keeping its id; replies of deleted tickets go to the recovery ticket.
    pub(super) async fn posts(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        let hours = if s.shape.hours {
            s.text("p.hours")
        } else {
            "NULL".to_owned()
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_post p \
             LEFT JOIN flicket_topic t ON t.id = p.ticket_id ORDER BY p.id",
            s.int("p.id"),
            s.int("p.ticket_id"),
            s.text("p.content"),
            s.int("p.user_id"),
            s.text("p.date_added"),
            s.text("p.date_modified"),
            s.int("p.modified_id"),
            hours,
            s.int("t.id"),
        );
        self.progress
            .start(Table::Posts, s.count("flicket_post").await);
        let mut batches = s.batches(&sql, self.opts.batch_size * 2);
        while let Some(rows) = batches.next().await {
            let rows = rows
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(SourceError::Read)?;
            let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
            let mapped = self.lookup("post", &ids).await?;
            let tickets: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 8)).collect();
            let ticket_map = self.lookup("ticket", &tickets).await?;
            let mut tx = self.begin().await?;
            let mut batch = Posts::default();
            let mut flicket_ids = Vec::new();
            for row in &rows {
                let Some(id) = int_at(row, 0) else { continue };
                self.report.table(Table::Posts).read += 1;
                self.progress.advance(1);
                if mapped.contains_key(&id) {
                    self.report.table(Table::Posts).already += 1;
                    continue;
                }
                let ticket = match int_at(row, 8) {
                    Some(t) if self.opts.dry_run => t,
                    Some(t) => match ticket_map.get(&t) {
                        Some(Some(ours)) => *ours,
                        _ => {
                            return Err(ImportError::Inconsistent(format!(
                                "reply {id}: its ticket {t} was not imported (did the Flicket database change during the import?)"
                            )));
                        }
                    },
                    None => {
                        self.report.problem(
                            Table::Posts,
                            id,
                            Rule::PostOrphanRecovered,
                            format!("ticket {}", int_at(row, 1).unwrap_or(0)),
                        );
                        self.recovery_ticket(tx.as_deref_mut()).await?
                    }
                };
                let (content, r) = clean::fit_content(text_at(row, 2).as_deref(), NO_CONTENT);
                self.apply(r);
                if clean::has_raw_html(&content) {
                    self.report.rule(Rule::RawHtmlSanitised);
                }
                let author = self.author(tx.as_deref_mut(), int_at(row, 3)).await?;
                let created = self
                    .time(text_at(row, 4).as_deref(), true)
                    .unwrap_or(self.now);
                let modified = self.time(text_at(row, 5).as_deref(), false);
                let modified_by = self.someone(int_at(row, 6));
                let (hours, r) = clean::hours(text_at(row, 7).as_deref());
                self.apply(r);
                flicket_ids.push(id);
                batch.ticket_id.push(ticket);
                batch.author_id.push(author);
                batch.modified_by_id.push(modified_by);
                batch.content_html.push(crate::markdown::render(&content));
                batch.content.push(content);
                batch.hours.push(hours);
                batch.created_at.push(created);
                batch
                    .updated_at
                    .push(modified.unwrap_or(created).max(created));
            }
            let ours = self
                .ids_for(tx.as_deref_mut(), IdTable::Posts, &flicket_ids)
                .await?;
            self.report.table(Table::Posts).imported += flicket_ids.len() as u64;
            if let Some(conn) = tx.as_deref_mut() {
                batch.post_id = ours.clone();
                repo::bulk_replies(conn).await?;
                repo::insert_posts(conn, &batch).await?;
                let mut touched = batch.ticket_id.clone();
                touched.sort_unstable();
                touched.dedup();
                repo::refresh_reply_counters(conn, &touched).await?;
                repo::map(conn, "post", &flicket_ids, &ours).await?;
                repo::move_sequences(conn).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }
}
