//! The catalog: the small reference tables the list names its rows from and offers as filters, kept in memory
//! while they do not change, and the ticket counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{ListRow, RawRow, TicketFilter};
use crate::repo::Db;

/// A choice in a filter.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// For categories: the department's id.
    pub parent: Option<i64>,
}

/// One entry of the catalog statement.
struct CatalogEntry {
    kind: String,
    id: i64,
    name: String,
    colour: Option<String>,
    key: Option<String>,
    parent: Option<i64>,
    parent_name: Option<String>,
}

/// A priority or status as the list shows it.
#[derive(Debug, Clone)]
struct Label {
    name: String,
    colour: String,
    kind: String,
}

/// The small reference tables the list names its rows from and offers as filters: departments, categories,
/// statuses and priorities, with the ticket counters. The names are kept in a [`CatalogCache`] while the
/// `catalog_version` counter (moved by every change to those tables) stays put, so they are never stale; the
/// counters are read on every request.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    names: Arc<CatalogNames>,
    /// Tickets per (category, status), from the counters.
    counts: Vec<(i64, i64, i64)>,
}

/// The names part of the [`Catalog`].
#[derive(Debug, Default)]
struct CatalogNames {
    departments: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    status_labels: HashMap<i64, Label>,
    priority_labels: HashMap<i64, Label>,
    /// Category id → (department name, category name).
    category_names: HashMap<i64, (String, String)>,
    /// Category id → department id.
    category_department: HashMap<i64, i64>,
}

/// The catalog's names as last read, with the `catalog_version` they were read at (one per web process).
#[derive(Debug, Default)]
pub struct CatalogCache(Mutex<Option<(i64, Arc<CatalogNames>)>>);

impl CatalogCache {
    fn get(&self, version: i64) -> Option<Arc<CatalogNames>> {
        let cached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, names)| names.clone())
    }

    fn put(&self, version: i64, names: Arc<CatalogNames>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, names));
    }
}

impl Catalog {
    /// Departments for the filter form, by name.
    pub fn departments(&self) -> &[Choice] {
        &self.names.departments
    }

    /// Categories ("Department / Category") for the filter form, by department then name.
    pub fn categories(&self) -> &[Choice] {
        &self.names.categories
    }

    /// Statuses for the filter form, in their order.
    pub fn statuses(&self) -> &[Choice] {
        &self.names.statuses
    }

    /// The id of the built-in status of `kind` (`open`, `closed`, …).
    pub fn status_of_kind(&self, kind: &str) -> Option<i64> {
        self.names
            .status_labels
            .iter()
            .find(|(_, l)| l.kind == kind)
            .map(|(id, _)| *id)
    }

    /// The id of the built-in priority of `kind` (`low`, `medium`, `high`).
    pub fn priority_of_kind(&self, kind: &str) -> Option<i64> {
        self.names
            .priority_labels
            .iter()
            .find(|(_, l)| l.kind == kind)
            .map(|(id, _)| *id)
    }

    /// How many tickets match `f`, from the counters, when its conditions are all on department, category, status
    /// and the closed rule (the list as most people open it); `None` when the tickets must be counted.
    pub fn count(&self, f: &TicketFilter) -> Option<i64> {
        if !f.counted_by_keys() {
            return None;
        }
        let closed = |status: i64| {
            self.names
                .status_labels
                .get(&status)
                .is_some_and(|l| l.kind == "closed")
        };
        Some(
            self.counts
                .iter()
                .filter(|&&(category, status, _)| {
                    let department = self.names.category_department.get(&category).copied();
                    f.keeps(department, category, status, closed(status))
                })
                .map(|(_, _, n)| n)
                .sum(),
        )
    }

    /// Tickets per department and status for the dashboard's charts: departments by name, statuses in their
    /// order, empty ones left out.
    pub fn counts_by_department(&self) -> Vec<DepartmentStatusCount> {
        let mut sums: HashMap<(String, i64), i64> = HashMap::new();
        for (category, status, n) in &self.counts {
            if let Some((department, _)) = self.names.category_names.get(category) {
                *sums.entry((department.clone(), *status)).or_default() += n;
            }
        }
        let order = |status: i64| self.names.statuses.iter().position(|s| s.id == status);
        let mut out: Vec<(Option<usize>, DepartmentStatusCount)> = sums
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .filter_map(|((department, status), count)| {
                let label = self.names.status_labels.get(&status)?;
                Some((
                    order(status),
                    DepartmentStatusCount {
                        department,
                        status: label.name.clone(),
                        colour: label.colour.clone(),
                        count,
                    },
                ))
            })
            .collect();
        out.sort_by(|(a_order, a), (b_order, b)| {
            (a.department.to_lowercase(), a_order, &a.department).cmp(&(
                b.department.to_lowercase(),
                b_order,
                &b.department,
            ))
        });
        out.into_iter().map(|(_, c)| c).collect()
    }

    /// Names a row. An id missing from the catalog (a label removed between the two statements) shows empty.
    pub(super) fn name(&self, r: RawRow) -> ListRow {
        let priority = self.names.priority_labels.get(&r.priority_id);
        let status = self.names.status_labels.get(&r.status_id);
        let (department, category) = self
            .names
            .category_names
            .get(&r.category_id)
            .cloned()
            .unwrap_or_default();
        ListRow {
            ticket_id: r.ticket_id,
            title: r.title,
            priority: priority.map(|l| l.name.clone()).unwrap_or_default(),
            priority_colour: priority
                .map(|l| l.colour.clone())
                .unwrap_or_else(|| "#6c757d".to_owned()),
            status: status.map(|l| l.name.clone()).unwrap_or_default(),
            status_kind: status.map(|l| l.kind.clone()).unwrap_or_default(),
            creator: r.creator,
            assignee: r.assignee,
            department,
            category,
            created_at: r.created_at,
            last_activity_at: r.last_activity_at,
            reply_count: r.reply_count,
            total_hours: r.total_hours,
        }
    }
}

/// One row of the counters statement: the catalog version, and tickets per category and status.
struct CountEntry {
    version: i64,
    category_id: Option<i64>,
    status_id: Option<i64>,
    tickets: Option<i64>,
}

/// Reads the catalog: the counters and the catalog version in one statement, and the names from `cache` unless
/// the version moved since they were read (then a second statement reads them again).
#[tracing::instrument(skip_all, err)]
pub async fn catalog(pool: &sqlx::PgPool, cache: &CatalogCache) -> sqlx::Result<Catalog> {
    let rows = sqlx::query_as!(
        CountEntry,
        r#"select v.version as "version!", c.category_id as "category_id?", c.status_id as "status_id?",
                  c.tickets as "tickets?"
           from catalog_version v
           left join (select category_id, status_id, sum(tickets)::bigint as tickets
                      from ticket_counts group by category_id, status_id having sum(tickets) > 0) c on true"#
    )
    .fetch_all(pool)
    .await?;
    let version = rows.first().map(|r| r.version);
    let counts = rows
        .into_iter()
        .filter_map(|r| Some((r.category_id?, r.status_id?, r.tickets?)))
        .collect();
    let names = match version.and_then(|v| cache.get(v)) {
        Some(names) => names,
        None => {
            // Read after the version: these names are at least as new as it, so keeping them under it is safe.
            let names = Arc::new(catalog_names(pool).await?);
            if let Some(v) = version {
                cache.put(v, names.clone());
            }
            names
        }
    };
    Ok(Catalog { names, counts })
}

/// Reads the names of the catalog (one statement).
async fn catalog_names<'c>(db: impl Db<'c>) -> sqlx::Result<CatalogNames> {
    let entries = sqlx::query_as!(
        CatalogEntry,
        r#"select kind as "kind!", id as "id!", name as "name!", colour as "colour?", key as "key?",
                  parent as "parent?", parent_name as "parent_name?"
           from (select 'department' as kind, department_id as id, name, null::text as colour, null::text as key,
                        null::bigint as parent, null::text as parent_name,
                        lower(name) as sort_a, ''::text as sort_b, 0 as position
                 from departments
                 union all
                 select 'category', c.category_id, c.name, null, null, d.department_id, d.name,
                        lower(d.name), lower(c.name), 0
                 from categories c join departments d on d.department_id = c.department_id
                 union all
                 select 'status', status_id, name, colour, kind, null, null, '', '', position from statuses
                 union all
                 select 'priority', priority_id, name, colour, kind, null, null, '', '', position
                 from priorities
                ) entries
           order by kind, position, sort_a, sort_b, id"#
    )
    .fetch_all(db)
    .await?;
    let mut c = CatalogNames::default();
    for e in entries {
        let label = || Label {
            name: e.name.clone(),
            colour: e.colour.clone().unwrap_or_default(),
            kind: e.key.clone().unwrap_or_default(),
        };
        match e.kind.as_str() {
            "department" => c.departments.push(Choice {
                id: e.id,
                name: e.name,
                parent: None,
            }),
            "category" => {
                let department = e.parent_name.unwrap_or_default();
                c.categories.push(Choice {
                    id: e.id,
                    name: format!("{department} / {}", e.name),
                    parent: e.parent,
                });
                c.category_names.insert(e.id, (department, e.name));
                if let Some(d) = e.parent {
                    c.category_department.insert(e.id, d);
                }
            }
            "status" => {
                c.status_labels.insert(e.id, label());
                c.statuses.push(Choice {
                    id: e.id,
                    name: e.name,
                    parent: None,
                });
            }
            "priority" => {
                c.priority_labels.insert(e.id, label());
            }
            _ => {}
        }
    }
    Ok(c)
}

/// Ticket counts per department and status, for the dashboard charts.
#[derive(Debug, Clone)]
pub struct DepartmentStatusCount {
    /// Department.
    pub department: String,
    /// Status name.
    pub status: String,
    /// Status colour.
    pub colour: String,
    /// Tickets.
    pub count: i64,
}
