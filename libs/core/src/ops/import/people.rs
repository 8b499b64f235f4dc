//! Users (with their avatars) and group memberships.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use futures::StreamExt;
use sqlx::PgConnection;

use super::clean::{self, fit_name};
use super::source::{int_at, text_at};
use super::{IdTable, ImportError, MADE_UP, Rule, Run, Table};
use crate::ops::account as avatar;
use crate::repo::import::{self as repo, Users};

/// The keys our users already hold (lower case), to keep user names and emails unique.
#[derive(Default)]
pub(super) struct Taken {
    usernames: HashSet<String>,
    emails: HashMap<String, i64>,
}

impl Run<'_> {
    /// Every user, in batches.
    pub(super) async fn users(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        let disabled = if s.shape.disabled {
            s.flag("disabled")
        } else {
            "0".to_owned()
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_users ORDER BY id",
            s.int("id"),
            s.text("username"),
            s.text("name"),
            s.bytes_text("password"),
            s.text("email"),
            s.text("date_added"),
            s.text("date_modified"),
            s.text("job_title"),
            s.text("avatar"),
            s.text("locale"),
            disabled,
        );
        self.progress
            .start(Table::Users, s.count("flicket_users").await);
        let mut taken = Taken::default();
        {
            let mut conn = self.target.acquire().await?;
            for (id, username, email) in repo::user_keys(&mut conn).await? {
                taken.usernames.insert(username);
                taken.emails.insert(email, id);
            }
        }
        // Users imported by an earlier run: their emails are theirs, not «ours» to match.
        let imported: HashSet<i64> = repo::all_mapped(self.target, "user")
            .await?
            .into_iter()
            .filter_map(|(f, o)| {
                if f == MADE_UP {
                    self.deleted_user = o;
                }
                o.inspect(|&o| {
                    self.users.insert(f, o);
                })
            })
            .collect();
        let size = self.opts.batch_size;
        let mut batches = s.batches(&sql, size);
        while let Some(rows) = batches.next().await {
            let mut tx = self.begin().await?;
            let mut batch = Users::default();
            let mut flicket_ids = Vec::new();
            let mut matched: Vec<(i64, i64)> = Vec::new();
            for row in rows {
                let row = row.map_err(super::SourceError::Read)?;
                let Some(id) = int_at(&row, 0) else { continue };
                self.report.table(Table::Users).read += 1;
                if self.users.contains_key(&id) {
                    self.report.table(Table::Users).already += 1;
                    continue;
                }
                let raw_email = text_at(&row, 4)
                    .map(|e| e.trim().to_owned())
                    .unwrap_or_default();
                let mut email = if clean::email_ok(&raw_email) {
                    raw_email
                } else {
                    self.report
                        .problem(Table::Users, id, Rule::EmailMissing, raw_email.clone());
                    clean::placeholder_email(id)
                };
                if let Some(&existing) = taken.emails.get(&email.to_lowercase()) {
                    if self.opts.merge && !imported.contains(&existing) && existing > 0 {
                        self.report.rule(Rule::UserMatchedByEmail);
                        self.users.insert(id, existing);
                        matched.push((id, existing));
                        continue;
                    }
                    self.report
                        .problem(Table::Users, id, Rule::EmailCaseDuplicate, email.clone());
                    email = clean::tagged_email(&email, id);
                    if taken.emails.contains_key(&email.to_lowercase()) {
                        email = clean::placeholder_email(id);
                    }
                }
                let (mut username, r) =
                    fit_name(text_at(&row, 1).as_deref(), 3, 32, &format!("user{id}"));
                self.apply(r);
                if taken.usernames.contains(&username.to_lowercase()) {
                    self.report.problem(
                        Table::Users,
                        id,
                        Rule::UsernameDuplicate,
                        username.clone(),
                    );
                    let suffix = format!("-{id}");
                    username = format!("{}{suffix}", clean::cut(&username, 32 - suffix.len()));
                }
                let (name, r) = fit_name(text_at(&row, 2).as_deref(), 1, 60, &username);
                if text_at(&row, 2).is_none_or(|n| n.trim().is_empty()) {
                    self.apply(r);
                }
                let (password_hash, r) = clean::password_hash(text_at(&row, 3).as_deref());
                self.apply(r);
                let locale = match text_at(&row, 9).as_deref().map(str::trim) {
                    Some("en") => "en",
                    Some("fr") => "fr",
                    _ => {
                        self.report.rule(Rule::LocaleDefaulted);
                        "en"
                    }
                };
                let created = self
                    .time(text_at(&row, 5).as_deref(), true)
                    .unwrap_or(self.now);
                let modified = self
                    .time(text_at(&row, 6).as_deref(), false)
                    .unwrap_or(created);
                let avatar = match text_at(&row, 8).filter(|a| !a.trim().is_empty()) {
                    Some(a) => self.avatar(id, &a).await?,
                    None => String::new(),
                };
                taken.usernames.insert(username.to_lowercase());
                taken.emails.insert(email.to_lowercase(), 0);
                flicket_ids.push(id);
                batch.username.push(username);
                batch.name.push(name);
                batch.email.push(email);
                batch.password_hash.push(password_hash);
                batch.job_title.push(
                    text_at(&row, 7)
                        .map(|j| clean::cut(j.trim(), 64).to_owned())
                        .unwrap_or_default(),
                );
                batch.avatar.push(avatar);
                batch.locale.push(locale.to_owned());
                batch.disabled.push(int_at(&row, 10) == Some(1));
                batch.created_at.push(created);
                batch.updated_at.push(modified.max(created));
            }
            let ids = self
                .ids_for(tx.as_deref_mut(), IdTable::Users, &flicket_ids)
                .await?;
            for (f, o) in flicket_ids.iter().zip(&ids) {
                self.users.insert(*f, *o);
            }
            self.report.table(Table::Users).imported += (flicket_ids.len() + matched.len()) as u64;
            self.progress
                .advance((flicket_ids.len() + matched.len()) as u64);
            if let Some(conn) = tx.as_deref_mut() {
                batch.user_id = ids.clone();
                repo::insert_users(conn, &batch).await?;
                repo::map(conn, "user", &flicket_ids, &ids).await?;
                let (f, o): (Vec<i64>, Vec<i64>) = matched.into_iter().unzip();
                repo::map(conn, "user", &f, &o).await?;
                repo::move_sequences(conn).await?;
            }
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }

    /// Copies a Flicket avatar into our avatar folder under a new random name; `""` when it cannot be used.
    async fn avatar(&mut self, id: i64, name: &str) -> Result<String, ImportError> {
        let Some(dir) = self.opts.avatars.clone() else {
            self.report
                .problem(Table::Users, id, Rule::AvatarSkipped, name.to_owned());
            return Ok(String::new());
        };
        // Only a plain file name inside the folder: never a path out of it.
        let plain = Path::new(name).file_name().and_then(|f| f.to_str()) == Some(name)
            && !name.starts_with('.');
        let data = if plain {
            match tokio::fs::metadata(dir.join(name)).await {
                Ok(m) if m.is_file() && m.len() <= crate::ops::account::MAX_AVATAR_BYTES as u64 => {
                    tokio::fs::read(dir.join(name)).await.ok()
                }
                _ => None,
            }
        } else {
            None
        };
        let Some(data) = data else {
            self.report
                .problem(Table::Users, id, Rule::AvatarSkipped, name.to_owned());
            return Ok(String::new());
        };
        let Ok(stored) = avatar::new_avatar_name(&data) else {
            self.report
                .problem(Table::Users, id, Rule::AvatarSkipped, name.to_owned());
            return Ok(String::new());
        };
        if !self.opts.dry_run {
            let folder = avatar::avatar_dir(&self.opts.upload_dir);
            tokio::fs::create_dir_all(&folder).await?;
            tokio::fs::write(folder.join(&stored), &data).await?;
        }
        Ok(stored)
    }

    /// The disabled account that replies and tickets of deleted Flicket users are attributed to (made once).
    pub(super) async fn deleted_user(
        &mut self,
        conn: Option<&mut PgConnection>,
    ) -> Result<i64, ImportError> {
        if let Some(u) = self.deleted_user {
            return Ok(u);
        }
        let id = match conn {
            Some(c) => {
                let id = repo::allocate(c, "users", "user_id", 1)
                    .await?
                    .first()
                    .copied()
                    .unwrap_or(0);
                let batch = Users {
                    user_id: vec![id],
                    username: vec!["flicket-deleted-user".to_owned()],
                    name: vec!["Deleted Flicket user".to_owned()],
                    email: vec!["flicket-deleted-user@flicket-import.invalid".to_owned()],
                    password_hash: vec!["!".to_owned()],
                    job_title: vec![String::new()],
                    avatar: vec![String::new()],
                    locale: vec!["en".to_owned()],
                    disabled: vec![true],
                    created_at: vec![self.now],
                    updated_at: vec![self.now],
                };
                repo::insert_users(c, &batch).await?;
                repo::map(c, "user", &[MADE_UP], &[id]).await?;
                id
            }
            None => self.fake_id(),
        };
        self.deleted_user = Some(id);
        Ok(id)
    }

    /// A Flicket user id → ours; a missing author becomes the «deleted user» (counted).
    pub(super) async fn author(
        &mut self,
        conn: Option<&mut PgConnection>,
        id: Option<i64>,
    ) -> Result<i64, ImportError> {
        match id.and_then(|i| self.users.get(&i)) {
            Some(&u) => Ok(u),
            None => {
                self.report.rule(Rule::AuthorMissing);
                self.deleted_user(conn).await
            }
        }
    }

    /// A Flicket user id → ours, or 0 (none) when empty or gone (counted when gone).
    pub(super) fn someone(&mut self, id: Option<i64>) -> i64 {
        match id {
            None => 0,
            Some(i) => match self.users.get(&i) {
                Some(&u) => u,
                None => {
                    self.report.rule(Rule::UserReferenceMissing);
                    0
                }
            },
        }
    }

    /// Group memberships.
    pub(super) async fn memberships(&mut self) -> Result<(), ImportError> {
        let s = self.src;
        let sql = format!(
            "SELECT {}, {} FROM flicket_groups ORDER BY user_id, group_id",
            s.int("user_id"),
            s.int("group_id")
        );
        self.progress
            .start(Table::Memberships, s.count("flicket_groups").await);
        let mut seen = HashSet::new();
        let mut batches = s.batches(&sql, self.opts.batch_size);
        while let Some(rows) = batches.next().await {
            let mut tx = self.begin().await?;
            let (mut users, mut groups) = (Vec::new(), Vec::new());
            for row in rows {
                let row = row.map_err(super::SourceError::Read)?;
                self.report.table(Table::Memberships).read += 1;
                self.progress.advance(1);
                let pair = (int_at(&row, 0), int_at(&row, 1));
                let ours = (
                    pair.0.and_then(|u| self.users.get(&u).copied()),
                    pair.1.and_then(|g| self.groups.get(&g).copied()),
                );
                let (Some(u), Some(g)) = ours else {
                    self.report.rule(Rule::MembershipOrphan);
                    self.report.table(Table::Memberships).skipped += 1;
                    continue;
                };
                if !seen.insert((u, g)) {
                    self.report.rule(Rule::MembershipDuplicate);
                    self.report.table(Table::Memberships).skipped += 1;
                    continue;
                }
                users.push(u);
                groups.push(g);
            }
            let added = match tx.as_deref_mut() {
                Some(conn) => repo::insert_memberships(conn, &users, &groups).await?,
                None => users.len() as u64,
            };
            let count = self.report.table(Table::Memberships);
            count.imported += added;
            count.already += users.len() as u64 - added;
            self.commit(tx).await?;
        }
        self.progress.finish();
        Ok(())
    }
}
