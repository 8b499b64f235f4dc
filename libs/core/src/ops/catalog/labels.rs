//! Statuses and priorities (admins only): names, colours, order, and custom ones. What the product does with one
//! depends on its `kind`, never on its name, so these changes are safe; built-in kinds cannot be deleted.

use serde_json::json;
use sqlx::PgConnection;

use crate::domain::{Colour, LabelName};
use crate::ops::{Acting, Changed, Committed, Message, OpError, OpResult, audit, unique_violation};
use crate::permissions::{Actor, admin as rules};
use crate::repo::catalog_admin::{self as repo, LabelDeleted, LabelTable};
use crate::repo::is_foreign_key_violation;

/// A name is unique within its table, ignoring case.
const TAKEN: [(&str, &str, &str); 2] = [
    ("statuses_name_key", "name", "error-label-taken"),
    ("priorities_name_key", "name", "error-label-taken"),
];

/// A status or a priority: its table and its id there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelRef {
    /// Statuses or priorities.
    pub table: LabelTable,
    /// `status_id` or `priority_id`.
    pub id: i64,
}

impl Committed for LabelRef {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// Whether `actor` may change statuses and priorities (admins).
pub fn may_manage_labels(actor: &Actor) -> OpResult<()> {
    if rules::can_administer(actor) {
        Ok(())
    } else {
        Err(OpError::forbidden())
    }
}

fn parse(typed_name: &str, typed_colour: &str) -> OpResult<(LabelName, Colour)> {
    let name = LabelName::parse(typed_name).map_err(|e| OpError::field("name", e.key))?;
    let colour = Colour::parse(typed_colour).map_err(|e| OpError::field("colour", e.key))?;
    Ok((name, colour))
}

/// Adds a custom status or priority at the end of the order.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id()))]
pub async fn create_label(
    conn: &mut PgConnection,
    acting: &Acting,
    table: LabelTable,
    typed_name: &str,
    typed_colour: &str,
) -> OpResult<LabelRef> {
    may_manage_labels(&acting.actor)?;
    let (name, colour) = parse(typed_name, typed_colour)?;
    let id = repo::create_label(&mut *conn, table, &name, &colour)
        .await
        .map_err(|e| unique_violation(e, &TAKEN))?;
    let data = json!({ "name": name.as_str(), "colour": colour.as_str() });
    let (action, target) = (format!("{}.create", table.noun()), table.target(id));
    audit::record(conn, acting, &action, &target, Some(data)).await?;
    Ok(LabelRef { table, id })
}

/// Renames and recolours a status or a priority.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), label.id = %label.id))]
pub async fn update_label(
    conn: &mut PgConnection,
    acting: &Acting,
    label: LabelRef,
    typed_name: &str,
    typed_colour: &str,
) -> OpResult<()> {
    may_manage_labels(&acting.actor)?;
    let LabelRef { table, id } = label;
    let (name, colour) = parse(typed_name, typed_colour)?;
    let (old_name, old_colour) = repo::update_label(&mut *conn, table, id, &name, &colour)
        .await
        .map_err(|e| unique_violation(e, &TAKEN))?
        .ok_or(OpError::NotFound)?;
    let data = json!({
        "before": { "name": old_name, "colour": old_colour },
        "after": { "name": name.as_str(), "colour": colour.as_str() },
    });
    let (action, target) = (format!("{}.update", table.noun()), table.target(id));
    audit::record(conn, acting, &action, &target, Some(data)).await?;
    Ok(())
}

/// Moves a status or a priority one place `up` or `down` in the order (the typed direction); at either end there is
/// nothing to do. Any other direction is a field error on `direction`.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), label.id = %label.id))]
pub async fn move_label(
    conn: &mut PgConnection,
    acting: &Acting,
    label: LabelRef,
    direction: &str,
) -> OpResult<()> {
    may_manage_labels(&acting.actor)?;
    let LabelRef { table, id } = label;
    let mut order = repo::lock_label_order(conn, table).await?;
    let pos = order
        .iter()
        .position(|x| *x == id)
        .ok_or(OpError::NotFound)?;
    let other = match direction {
        "up" if pos > 0 => pos - 1,
        "down" if pos + 1 < order.len() => pos + 1,
        "up" | "down" => return Ok(()),
        _ => return Err(OpError::field("direction", "error-400-title")),
    };
    order.swap(pos, other);
    repo::reorder_labels(conn, table, &order).await?;
    let (action, target) = (format!("{}.move", table.noun()), table.target(id));
    let data = json!({ "direction": direction });
    audit::record(conn, acting, &action, &target, Some(data)).await?;
    Ok(())
}

/// Deletes a custom status or priority that no ticket has.
#[tracing::instrument(skip_all, fields(user.id = %acting.user_id(), label.id = %label.id))]
pub async fn delete_label(
    conn: &mut PgConnection,
    acting: &Acting,
    label: LabelRef,
) -> OpResult<()> {
    may_manage_labels(&acting.actor)?;
    let LabelRef { table, id } = label;
    let in_use = |n: i64| OpError::Conflict(Message::with("error-label-in-use", "count", n));
    let name = match repo::delete_label(conn, table, id).await {
        Ok(LabelDeleted::Yes(name)) => name,
        Ok(LabelDeleted::BuiltIn) => {
            return Err(OpError::Conflict(Message::new("error-label-builtin")));
        }
        Ok(LabelDeleted::InUse(n)) => return Err(in_use(n)),
        Ok(LabelDeleted::NotFound) => return Err(OpError::NotFound),
        // A ticket given it after the count.
        Err(e) if is_foreign_key_violation(&e) => return Err(in_use(1)),
        Err(e) => return Err(e.into()),
    };
    let action = format!("{}.delete", table.noun());
    let target = format!("{} {name}", table.target(id));
    audit::record(conn, acting, &action, &target, None).await?;
    Ok(())
}
