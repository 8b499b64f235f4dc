//! Who may do what: pure functions of (actor, resource), shared by the HTML pages and the API so that no rule is
//! written twice. Every function fails closed.

pub mod admin;
pub mod tickets;

use crate::domain::UserId;
use crate::repo::sessions::SessionUser;

/// The person acting, as far as permissions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: UserId,
    /// Member of the `admin` group.
    pub is_admin: bool,
    /// Member of the `super_user` group.
    pub is_super_user: bool,
}

impl From<&SessionUser> for Actor {
    fn from(u: &SessionUser) -> Self {
        Self {
            user_id: u.user_id,
            is_admin: u.is_admin,
            is_super_user: u.is_super_user,
        }
    }
}

impl Actor {
    /// Admins and super users.
    pub fn is_staff(&self) -> bool {
        self.is_admin || self.is_super_user
    }
}
