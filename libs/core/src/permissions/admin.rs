//! Permissions of the administration area (users, groups, departments, statuses, settings).

use super::Actor;

/// The admin area: admins only.
pub fn can_administer(actor: &Actor) -> bool {
    actor.is_admin
}
