//! The small tables, in one transaction: Flicket's settings, groups, departments, categories, statuses and
//! priorities, matched to ours by name or meaning, the others created.

use std::collections::HashMap;

use futures::TryFutureExt;
use sqlx::PgConnection;

use super::clean::{self, fit_name};
use super::source::{int_at, text_at};
use super::{IdMap, ImportError, MADE_UP, Rule, Run, Table};
use crate::repo::import::{self as repo, ImportedSettings, Named};

/// Statuses or priorities (the two ordered scales of a ticket).
#[derive(Clone, Copy)]
enum Level {
    Status,
    Priority,
}

/// Our catalog rows of one kind, with the names taken so far (lower case → id).
struct Names {
    by_name: HashMap<String, i64>,
}

impl Names {
    fn of(rows: &[Named]) -> Names {
        Names {
            by_name: rows.iter().map(|r| (r.name.to_lowercase(), r.id)).collect(),
        }
    }
}

impl Run<'_> {
    /// Settings and catalog.
    pub(super) async fn reference(&mut self) -> Result<(), ImportError> {
        let mut tx = self.begin().await?;
        let (groups, departments, categories, statuses, priorities) = match tx.as_deref_mut() {
            Some(conn) => repo::catalog(conn).await?,
            None => {
                let mut conn = self.target.acquire().await?;
                repo::catalog(&mut conn).await?
            }
        };
        self.config(tx.as_deref_mut()).await?;
        self.groups(tx.as_deref_mut(), &groups).await?;
        self.departments = self.departments(tx.as_deref_mut(), &departments).await?;
        let departments_map = self.departments.clone();
        self.categories(tx.as_deref_mut(), &categories, &departments_map)
            .await?;
        self.statuses(tx.as_deref_mut(), &statuses).await?;
        self.priorities(tx.as_deref_mut(), &priorities).await?;
        self.commit(tx).await
    }

    async fn config(&mut self, conn: Option<&mut PgConnection>) -> Result<(), ImportError> {
        let s = self.src;
        let (cc, cco) = if s.shape.change_category {
            (
                s.flag("change_category"),
                s.flag("change_category_only_admin_or_super_user"),
            )
        } else {
            ("0".to_owned(), "0".to_owned())
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM flicket_config ORDER BY id",
            s.int("id"),
            s.text("mail_server"),
            s.int("mail_port"),
            s.flag("mail_use_tls"),
            s.flag("mail_use_ssl"),
            s.text("mail_username"),
            s.text("mail_password"),
            s.text("mail_default_sender"),
            s.flag("mail_suppress_send"),
            s.int("posts_per_page"),
            s.text("allowed_extensions"),
            s.text("application_title"),
            s.text("base_url"),
            s.int("csv_dump_limit"),
            cc,
            cco,
        );
        let rows = s.all(&sql).await.unwrap_or_default();
        let Some(row) = rows.first() else {
            return Ok(());
        };
        self.progress.start(Table::Config, 1);
        let id = int_at(row, 0).unwrap_or(1);
        let count = self.report.table(Table::Config);
        count.read += 1;
        if !self.lookup("config", &[id]).await?.is_empty() {
            self.report.table(Table::Config).already += 1;
            self.progress.finish();
            return Ok(());
        }
        if self.opts.merge {
            self.report.rule(Rule::SettingsKept);
            self.report.table(Table::Config).skipped += 1;
            if let Some(conn) = conn {
                repo::map(conn, "config", &[id], &[0]).await?;
            }
            self.progress.finish();
            return Ok(());
        }
        let mut fitted = false;
        let mut within = |v: Option<i64>, lo: i64, hi: i64, default: i64| -> i32 {
            let value = v.unwrap_or(default);
            let c = value.clamp(lo, hi);
            fitted |= c != value;
            c as i32
        };
        let page_size = within(int_at(row, 9), 10, 200, 50);
        let csv_limit = within(int_at(row, 13), 1, 1_000_000, 1000);
        let smtp_port = within(int_at(row, 2), 1, 65535, 465);
        let title = text_at(row, 11);
        let (application_title, r) = fit_name(title.as_deref(), 3, 32, "Flicket");
        fitted |= r.is_some() && title.is_some();
        let base_url = text_at(row, 12)
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| (u.starts_with("http://") || u.starts_with("https://")) && u.len() <= 256);
        let smtp_tls = match (int_at(row, 4) == Some(1), int_at(row, 3) == Some(1)) {
            (true, _) => "tls",
            (false, true) => "starttls",
            _ => "none",
        };
        let password = text_at(row, 6).filter(|p| !p.is_empty());
        let smtp_password_enc = match password {
            Some(p) => {
                self.report.rule(Rule::SmtpPasswordEncrypted);
                crate::crypto::encrypt(&self.opts.secret_key, p.as_bytes()).ok()
            }
            None => None,
        };
        let mail_from = text_at(row, 7)
            .map(|m| m.trim().to_owned())
            .filter(|m| clean::email_ok(m))
            .unwrap_or_else(|| "flicket@localhost".to_owned());
        let allowed = text_at(row, 10)
            .map(|a| clean::cut(a.trim(), 1024).to_owned())
            .filter(|a| !a.is_empty());
        if fitted {
            self.report.rule(Rule::SettingFitted);
        }
        let settings = ImportedSettings {
            application_title,
            base_url: base_url.unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
            page_size,
            allowed_extensions: allowed.unwrap_or_else(|| {
                "txt, log, pdf, png, jpg, jpeg, gif, msg, doc, docx, ppt, pptx, xls, xlsx"
                    .to_owned()
            }),
            csv_limit,
            change_category: int_at(row, 14) == Some(1),
            change_category_restricted: int_at(row, 15) == Some(1),
            smtp_host: text_at(row, 1)
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty()),
            smtp_port,
            smtp_tls: smtp_tls.to_owned(),
            smtp_username: text_at(row, 5).filter(|u| !u.is_empty()),
            smtp_password_enc,
            mail_from,
            suppress_send: int_at(row, 8) != Some(0),
        };
        if let Some(conn) = conn {
            repo::store_settings(conn, &settings).await?;
            repo::map(conn, "config", &[id], &[1]).await?;
        }
        self.report.table(Table::Config).imported += 1;
        self.progress.advance(1);
        self.progress.finish();
        Ok(())
    }

    async fn groups(
        &mut self,
        mut conn: Option<&mut PgConnection>,
        ours: &[Named],
    ) -> Result<(), ImportError> {
        let s = self.src;
        let sql = format!(
            "SELECT {}, {} FROM flicket_group ORDER BY id",
            s.int("id"),
            s.text("group_name")
        );
        let rows = s.all(&sql).await.unwrap_or_default();
        self.progress.start(Table::Groups, rows.len() as u64);
        let mapped = self
            .lookup(
                "group",
                &rows.iter().filter_map(|r| int_at(r, 0)).collect::<Vec<_>>(),
            )
            .await?;
        let mut names = Names::of(ours);
        // Names of ours that the import itself created or matched, to tell a Flicket duplicate from a match.
        let mut seen: HashMap<String, i64> = HashMap::new();
        for row in &rows {
            let Some(id) = int_at(row, 0) else { continue };
            self.report.table(Table::Groups).read += 1;
            self.progress.advance(1);
            if let Some(ours) = mapped.get(&id) {
                self.report.table(Table::Groups).already += 1;
                if let Some(o) = ours {
                    self.groups.insert(id, *o);
                }
                continue;
            }
            let raw = text_at(row, 1);
            let name = match raw.as_deref() {
                Some("flicket_admin") => "admin".to_owned(),
                other => {
                    let (n, r) = fit_name(other, 3, 64, &format!("group-{id}"));
                    self.apply(r);
                    n
                }
            };
            let key = name.to_lowercase();
            let our_id = if let Some(&g) = seen.get(&key) {
                self.report.rule(Rule::GroupDuplicateMerged);
                g
            } else if let Some(&g) = names.by_name.get(&key) {
                self.report.rule(Rule::CatalogMatched);
                g
            } else {
                match conn.as_deref_mut() {
                    Some(c) => repo::insert_group(c, &name).await?,
                    None => self.fake_id(),
                }
            };
            seen.insert(key.clone(), our_id);
            names.by_name.insert(key, our_id);
            self.groups.insert(id, our_id);
            if let Some(c) = conn.as_deref_mut() {
                repo::map(c, "group", &[id], &[our_id]).await?;
            }
            self.report.table(Table::Groups).imported += 1;
        }
        self.progress.finish();
        Ok(())
    }

    async fn departments(
        &mut self,
        mut conn: Option<&mut PgConnection>,
        ours: &[Named],
    ) -> Result<HashMap<i64, i64>, ImportError> {
        let s = self.src;
        let sql = format!(
            "SELECT {}, {} FROM flicket_department ORDER BY id",
            s.int("id"),
            s.text("department")
        );
        let rows = s.all(&sql).await?;
        self.progress.start(Table::Departments, rows.len() as u64);
        let mapped = self
            .lookup(
                "department",
                &rows.iter().filter_map(|r| int_at(r, 0)).collect::<Vec<_>>(),
            )
            .await?;
        let mut names = Names::of(ours);
        let mut map = HashMap::new();
        for row in &rows {
            let Some(id) = int_at(row, 0) else { continue };
            self.report.table(Table::Departments).read += 1;
            self.progress.advance(1);
            if let Some(Some(o)) = mapped.get(&id) {
                self.report.table(Table::Departments).already += 1;
                map.insert(id, *o);
                continue;
            }
            let (name, r) = fit_name(
                text_at(row, 1).as_deref(),
                2,
                60,
                &format!("Department {id}"),
            );
            self.apply(r);
            let key = name.to_lowercase();
            let our_id = match names.by_name.get(&key) {
                Some(&d) => {
                    self.report.rule(Rule::CatalogMatched);
                    d
                }
                None => match conn.as_deref_mut() {
                    Some(c) => repo::insert_department(c, &name).await?,
                    None => self.fake_id(),
                },
            };
            names.by_name.insert(key, our_id);
            map.insert(id, our_id);
            if let Some(c) = conn.as_deref_mut() {
                repo::map(c, "department", &[id], &[our_id]).await?;
            }
            self.report.table(Table::Departments).imported += 1;
        }
        self.progress.finish();
        Ok(map)
    }

    async fn categories(
        &mut self,
        mut conn: Option<&mut PgConnection>,
        ours: &[Named],
        departments: &HashMap<i64, i64>,
    ) -> Result<(), ImportError> {
        let s = self.src;
        let sql = format!(
            "SELECT {}, {}, {} FROM flicket_category ORDER BY id",
            s.int("id"),
            s.text("category"),
            s.int("department_id")
        );
        let rows = s.all(&sql).await?;
        self.progress.start(Table::Categories, rows.len() as u64);
        let mapped = self
            .lookup(
                "category",
                &rows.iter().filter_map(|r| int_at(r, 0)).collect::<Vec<_>>(),
            )
            .await?;
        // How many Flicket departments use each category name.
        let mut spread: HashMap<String, std::collections::HashSet<i64>> = HashMap::new();
        for row in &rows {
            if let Some(name) = text_at(row, 1) {
                spread
                    .entry(name.trim().to_lowercase())
                    .or_default()
                    .insert(int_at(row, 2).unwrap_or(0));
            }
        }
        let mut by_key: HashMap<(i64, String), i64> = ours
            .iter()
            .map(|c| ((c.parent, c.name.to_lowercase()), c.id))
            .collect();
        for row in &rows {
            let Some(id) = int_at(row, 0) else { continue };
            self.report.table(Table::Categories).read += 1;
            self.progress.advance(1);
            if let Some(Some(o)) = mapped.get(&id) {
                self.report.table(Table::Categories).already += 1;
                self.categories.insert(id, *o);
                continue;
            }
            let raw = text_at(row, 1);
            let (name, r) = fit_name(raw.as_deref(), 2, 60, &format!("Category {id}"));
            self.apply(r);
            if raw
                .as_ref()
                .and_then(|n| spread.get(&n.trim().to_lowercase()))
                .is_some_and(|d| d.len() > 1)
            {
                self.report.rule(Rule::CategorySameNameElsewhere);
            }
            let department = match int_at(row, 2).and_then(|d| departments.get(&d)) {
                Some(&d) => d,
                None => {
                    self.report.rule(Rule::CategoryMissing);
                    self.fallback_department(conn.as_deref_mut()).await?
                }
            };
            let key = (department, name.to_lowercase());
            let our_id = match by_key.get(&key) {
                Some(&c) => {
                    self.report.rule(Rule::CatalogMatched);
                    c
                }
                None => match conn.as_deref_mut() {
                    Some(c) => repo::insert_category(c, department, &name).await?,
                    None => self.fake_id(),
                },
            };
            by_key.insert(key, our_id);
            self.categories.insert(id, our_id);
            if let Some(c) = conn.as_deref_mut() {
                repo::map(c, "category", &[id], &[our_id]).await?;
            }
            self.report.table(Table::Categories).imported += 1;
        }
        self.progress.finish();
        Ok(())
    }

    /// The department «Flicket import» (made once, recorded under the made-up Flicket id).
    async fn fallback_department(
        &mut self,
        conn: Option<&mut PgConnection>,
    ) -> Result<i64, ImportError> {
        if let Some(Some(d)) = self.lookup("department", &[MADE_UP]).await?.get(&MADE_UP) {
            return Ok(*d);
        }
        match conn {
            Some(c) => {
                let existing = repo::catalog(c).map_ok(|(_, d, ..)| d).await?;
                let id = match existing
                    .iter()
                    .find(|d| d.name.eq_ignore_ascii_case("Flicket import"))
                {
                    Some(d) => d.id,
                    None => repo::insert_department(c, "Flicket import").await?,
                };
                repo::map(c, "department", &[MADE_UP], &[id]).await?;
                Ok(id)
            }
            None => Ok(self.fake_id()),
        }
    }

    /// The category «Flicket import / Uncategorised», for tickets without one.
    pub(super) async fn fallback_category(
        &mut self,
        mut conn: Option<&mut PgConnection>,
    ) -> Result<i64, ImportError> {
        if let Some(c) = self.fallback_category {
            return Ok(c);
        }
        let id = match self.lookup("category", &[MADE_UP]).await?.get(&MADE_UP) {
            Some(Some(c)) => *c,
            _ => {
                let department = self.fallback_department(conn.as_deref_mut()).await?;
                match conn {
                    Some(c) => {
                        let existing = repo::catalog(c).map_ok(|(_, _, cats, ..)| cats).await?;
                        let id = match existing.iter().find(|x| {
                            x.parent == department && x.name.eq_ignore_ascii_case("Uncategorised")
                        }) {
                            Some(x) => x.id,
                            None => repo::insert_category(c, department, "Uncategorised").await?,
                        };
                        repo::map(c, "category", &[MADE_UP], &[id]).await?;
                        id
                    }
                    None => self.fake_id(),
                }
            }
        };
        self.fallback_category = Some(id);
        Ok(id)
    }

    async fn statuses(
        &mut self,
        conn: Option<&mut PgConnection>,
        ours: &[Named],
    ) -> Result<(), ImportError> {
        self.default_status = ours.iter().find(|x| x.kind == "open").map_or(0, |x| x.id);
        self.closed_statuses = ours
            .iter()
            .filter(|x| x.kind == "closed")
            .map(|x| x.id)
            .collect();
        let (ids, names) = self.levels(Level::Status, conn, ours).await?;
        self.statuses = ids;
        self.status_names = names;
        Ok(())
    }

    async fn priorities(
        &mut self,
        conn: Option<&mut PgConnection>,
        ours: &[Named],
    ) -> Result<(), ImportError> {
        self.default_priority = ours.iter().find(|x| x.kind == "medium").map_or(0, |x| x.id);
        let (ids, names) = self.levels(Level::Priority, conn, ours).await?;
        self.priorities = ids;
        self.priority_names = names;
        Ok(())
    }

    /// Statuses or priorities: matched to ours by meaning (kind), then by name; the others created. Returns the
    /// Flicket id → ours, and Flicket's names (lower case) → ours (for the old action model, which kept names).
    async fn levels(
        &mut self,
        level: Level,
        mut conn: Option<&mut PgConnection>,
        ours: &[Named],
    ) -> Result<(IdMap, HashMap<String, i64>), ImportError> {
        let s = self.src;
        let (source_table, column, table, kind) = match level {
            Level::Status => ("flicket_status", "status", Table::Statuses, "status"),
            Level::Priority => (
                "flicket_priorities",
                "priority",
                Table::Priorities,
                "priority",
            ),
        };
        let sql = format!(
            "SELECT {}, {} FROM {source_table} ORDER BY id",
            s.int("id"),
            s.text(column)
        );
        let rows = s.all(&sql).await?;
        self.progress.start(table, rows.len() as u64);
        let ids: Vec<i64> = rows.iter().filter_map(|r| int_at(r, 0)).collect();
        let mapped = self.lookup(kind, &ids).await?;
        let mut names = Names::of(ours);
        let (mut map, mut by_name) = (IdMap::new(), HashMap::new());
        for row in &rows {
            let Some(id) = int_at(row, 0) else { continue };
            self.report.table(table).read += 1;
            self.progress.advance(1);
            if let Some(Some(o)) = mapped.get(&id) {
                self.report.table(table).already += 1;
                map.insert(id, *o);
                if let Some(n) = text_at(row, 1) {
                    by_name.insert(n.trim().to_lowercase(), *o);
                }
                continue;
            }
            let (name, r) = fit_name(text_at(row, 1).as_deref(), 1, 32, &format!("{column} {id}"));
            self.apply(r);
            let meaning = match level {
                Level::Status => clean::status_kind(&name),
                Level::Priority => clean::priority_kind(&name),
            };
            let by_kind = meaning
                .and_then(|k| ours.iter().find(|x| x.kind == k))
                .map(|x| x.id);
            let our_id = match by_kind.or_else(|| names.by_name.get(&name.to_lowercase()).copied())
            {
                Some(x) => {
                    self.report.rule(Rule::CatalogMatched);
                    x
                }
                None => {
                    self.report.rule(Rule::CatalogCreated);
                    match (conn.as_deref_mut(), level) {
                        (Some(c), Level::Status) => repo::insert_status(c, &name).await?,
                        (Some(c), Level::Priority) => repo::insert_priority(c, &name).await?,
                        (None, _) => self.fake_id(),
                    }
                }
            };
            names.by_name.insert(name.to_lowercase(), our_id);
            by_name.insert(name.to_lowercase(), our_id);
            map.insert(id, our_id);
            if let Some(c) = conn.as_deref_mut() {
                repo::map(c, kind, &[id], &[our_id]).await?;
            }
            self.report.table(table).imported += 1;
        }
        self.progress.finish();
        Ok((map, by_name))
    }
}
