//! Permissions of the administration area (users, groups, departments, statuses, settings) and of the directory.
//!
//! Rules (deny unless stated): the admin area is for admins; departments and categories are managed by admins and
//! super users (Flicket let anyone do it); email addresses in the directory are shown to admins and super users; a
//! person edits their own account and nobody else's outside the admin area.

use super::Actor;
use crate::domain::UserId;

/// The admin area (users, groups, statuses and priorities, settings, audit log): admins only.
pub fn can_administer(actor: &Actor) -> bool {
    actor.is_admin
}

/// Create, rename and delete departments and categories: admins and super users.
pub fn can_manage_departments(actor: &Actor) -> bool {
    actor.is_admin || actor.is_super_user
}

/// See other people's email addresses (directory, profiles): admins and super users.
pub fn can_see_emails(actor: &Actor) -> bool {
    actor.is_admin || actor.is_super_user
}

/// Edit the account `target` through `/account`: only its owner.
pub fn can_edit_own_account(actor: &Actor, target: UserId) -> bool {
    actor.user_id == target
}

/// Whether an admin may disable or delete `target`: never themselves (an admin locking themselves out by mistake
/// is the commonest way to lose the last admin); the last-admin rule is checked in the transaction on top.
pub fn can_remove_account(actor: &Actor, target: UserId) -> bool {
    can_administer(actor) && actor.user_id != target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, is_admin: bool, is_super_user: bool) -> Actor {
        Actor {
            user_id: UserId(id),
            is_admin,
            is_super_user,
        }
    }

    #[test]
    fn roles() {
        let (user, sup, admin) = (
            actor(1, false, false),
            actor(2, false, true),
            actor(3, true, false),
        );
        assert!(!can_administer(&user) && !can_administer(&sup) && can_administer(&admin));
        assert!(
            !can_manage_departments(&user)
                && can_manage_departments(&sup)
                && can_manage_departments(&admin)
        );
        assert!(!can_see_emails(&user) && can_see_emails(&sup));
        assert!(can_edit_own_account(&user, UserId(1)) && !can_edit_own_account(&admin, UserId(1)));
        assert!(can_remove_account(&admin, UserId(1)) && !can_remove_account(&admin, UserId(3)));
        assert!(!can_remove_account(&sup, UserId(1)));
    }
}
