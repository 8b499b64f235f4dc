//! Statuses and priorities: names, colours, order, and custom ones. Built-in kinds cannot be deleted.

use sqlx::PgConnection;

use crate::domain::{Colour, LabelName};
use crate::repo::Db;

/// A status or a priority as the admin page shows it.
#[derive(Debug, Clone)]
pub struct LabelRow {
    /// The id (`status_id` or `priority_id`).
    pub id: i64,
    /// What it means to the product (`open`, `closed`… or `custom`).
    pub kind: String,
    /// Shown name.
    pub name: String,
    /// Sort position.
    pub position: i32,
    /// `#rrggbb`.
    pub colour: String,
    /// Tickets that have it.
    pub tickets: i64,
}

/// Which of the two label tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelTable {
    /// `statuses`.
    Statuses,
    /// `priorities`.
    Priorities,
}

impl LabelTable {
    /// One of them, as the audit log names it (`status`, `priority`).
    pub fn noun(self) -> &'static str {
        match self {
            Self::Statuses => "status",
            Self::Priorities => "priority",
        }
    }
    /// The audit log's target of one (`status:4`).
    pub fn target(self, id: i64) -> String {
        format!("{}:{id}", self.noun())
    }
    /// The table's segment in the admin pages' paths.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Statuses => "statuses",
            Self::Priorities => "priorities",
        }
    }
}

/// From a path segment: `statuses` or `priorities`.
impl std::str::FromStr for LabelTable {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "statuses" => Ok(Self::Statuses),
            "priorities" => Ok(Self::Priorities),
            _ => Err(()),
        }
    }
}

/// Every status or priority, in display order.
pub async fn labels<'c>(db: impl Db<'c>, table: LabelTable) -> sqlx::Result<Vec<LabelRow>> {
    match table {
        LabelTable::Statuses => {
            sqlx::query_as!(
                LabelRow,
                r#"select s.status_id as id, s.kind, s.name, s.position, s.colour,
                          (select count(*) from tickets t where t.status_id = s.status_id) as "tickets!"
                   from statuses s order by s.position, s.status_id"#
            )
            .fetch_all(db)
            .await
        }
        LabelTable::Priorities => {
            sqlx::query_as!(
                LabelRow,
                r#"select p.priority_id as id, p.kind, p.name, p.position, p.colour,
                          (select count(*) from tickets t where t.priority_id = p.priority_id) as "tickets!"
                   from priorities p order by p.position, p.priority_id"#
            )
            .fetch_all(db)
            .await
        }
    }
}

/// Renames and recolours one; returns the old `(name, colour)`. A taken name is a unique violation.
pub async fn update_label<'c>(
    db: impl Db<'c>,
    table: LabelTable,
    id: i64,
    name: &LabelName,
    colour: &Colour,
) -> sqlx::Result<Option<(String, String)>> {
    let row = match table {
        LabelTable::Statuses => sqlx::query!(
            r#"update statuses s set name = $2, colour = $3
               from (select name, colour from statuses where status_id = $1 for update) old
               where s.status_id = $1 returning old.name, old.colour"#,
            id,
            name.as_str(),
            colour.as_str()
        )
        .fetch_optional(db)
        .await?
        .map(|r| (r.name, r.colour)),
        LabelTable::Priorities => sqlx::query!(
            r#"update priorities p set name = $2, colour = $3
               from (select name, colour from priorities where priority_id = $1 for update) old
               where p.priority_id = $1 returning old.name, old.colour"#,
            id,
            name.as_str(),
            colour.as_str()
        )
        .fetch_optional(db)
        .await?
        .map(|r| (r.name, r.colour)),
    };
    Ok(row)
}

/// Adds a `custom` one at the end of the order. A taken name is a unique violation.
pub async fn create_label<'c>(
    db: impl Db<'c>,
    table: LabelTable,
    name: &LabelName,
    colour: &Colour,
) -> sqlx::Result<i64> {
    match table {
        LabelTable::Statuses => {
            sqlx::query_scalar!(
                "insert into statuses (kind, name, colour, position)
                 values ('custom', $1, $2, (select coalesce(max(position), 0) + 1 from statuses))
                 returning status_id",
                name.as_str(),
                colour.as_str()
            )
            .fetch_one(db)
            .await
        }
        LabelTable::Priorities => {
            sqlx::query_scalar!(
                "insert into priorities (kind, name, colour, position)
                 values ('custom', $1, $2, (select coalesce(max(position), 0) + 1 from priorities))
                 returning priority_id",
                name.as_str(),
                colour.as_str()
            )
            .fetch_one(db)
            .await
        }
    }
}

/// What deleting a status or priority did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelDeleted {
    /// Gone; its name.
    Yes(String),
    /// Refused: built-in kinds carry behaviour and cannot be deleted.
    BuiltIn,
    /// Refused: this many tickets have it.
    InUse(i64),
    /// No such row.
    NotFound,
}

/// Deletes a custom status or priority that no ticket has.
pub async fn delete_label(
    conn: &mut PgConnection,
    table: LabelTable,
    id: i64,
) -> sqlx::Result<LabelDeleted> {
    let row = match table {
        LabelTable::Statuses => sqlx::query!(
            r#"select kind, name, (select count(*) from tickets where status_id = $1) as "used!"
               from statuses where status_id = $1 for update"#,
            id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| (r.kind, r.name, r.used)),
        LabelTable::Priorities => sqlx::query!(
            r#"select kind, name, (select count(*) from tickets where priority_id = $1) as "used!"
               from priorities where priority_id = $1 for update"#,
            id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| (r.kind, r.name, r.used)),
    };
    let Some((kind, name, used)) = row else {
        return Ok(LabelDeleted::NotFound);
    };
    if kind != "custom" {
        return Ok(LabelDeleted::BuiltIn);
    }
    if used > 0 {
        return Ok(LabelDeleted::InUse(used));
    }
    // A ticket given this label after the count above makes the delete fail with a foreign-key violation.
    match table {
        LabelTable::Statuses => {
            sqlx::query!("delete from statuses where status_id = $1", id)
                .execute(&mut *conn)
                .await?
        }
        LabelTable::Priorities => {
            sqlx::query!("delete from priorities where priority_id = $1", id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(LabelDeleted::Yes(name))
}

/// Stores a new display order: `ids` from first to last get positions 1, 2, 3…
pub async fn reorder_labels(
    conn: &mut PgConnection,
    table: LabelTable,
    ids: &[i64],
) -> sqlx::Result<()> {
    let positions: Vec<i32> = (1..=ids.len() as i32).collect();
    match table {
        LabelTable::Statuses => {
            sqlx::query!(
                "update statuses s set position = x.pos
             from unnest($1::bigint[], $2::int[]) as x(id, pos) where s.status_id = x.id",
                ids,
                &positions
            )
            .execute(&mut *conn)
            .await?
        }
        LabelTable::Priorities => {
            sqlx::query!(
                "update priorities p set position = x.pos
             from unnest($1::bigint[], $2::int[]) as x(id, pos) where p.priority_id = x.id",
                ids,
                &positions
            )
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(())
}

/// Locks the whole order of a label table (so two reorders do not interleave); returns the ids in order.
pub async fn lock_label_order(
    conn: &mut PgConnection,
    table: LabelTable,
) -> sqlx::Result<Vec<i64>> {
    match table {
        LabelTable::Statuses => {
            sqlx::query_scalar!(
                "select status_id from statuses order by position, status_id for update"
            )
            .fetch_all(&mut *conn)
            .await
        }
        LabelTable::Priorities => {
            sqlx::query_scalar!(
                "select priority_id from priorities order by position, priority_id for update"
            )
            .fetch_all(&mut *conn)
            .await
        }
    }
}
