//! Permissions on tickets, replies, attachments and subscriptions.
//!
//! Documented rule (as in Flicket, security bar §1.2): every signed-in, enabled user may see every ticket and its
//! attachments; there is no per-department visibility. Attachments are still authorised through their ticket.
//!
//! Each check answers `Ok(())`, `Err(Refusal::Forbidden)` (the person may never do this: 403) or
//! `Err(Refusal::Conflict(key))` (allowed in general, but not in the ticket's current state: the page is shown again
//! with the message `key`). Permission is checked before state, so a conflict never reveals more than a 403 would.

use super::Actor;
use crate::domain::UserId;

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not allowed for this person.
    Forbidden,
    /// Not possible in the current state; the fluent message id explains why.
    Conflict(&'static str),
}

/// The answer of a check.
pub type Decision = Result<(), Refusal>;

/// What the rules need to know about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    /// Who raised it.
    pub creator_id: UserId,
    /// Its assignee, if any.
    pub assignee_id: Option<UserId>,
    /// Whether its status is of kind `closed`.
    pub closed: bool,
}

impl TicketFacts {
    /// The facts of a ticket whose status is of kind `status_kind`.
    pub fn with_status_kind(
        creator_id: UserId,
        assignee_id: Option<UserId>,
        status_kind: &str,
    ) -> Self {
        Self {
            creator_id,
            assignee_id,
            closed: status_kind == "closed",
        }
    }

    fn is_creator(&self, actor: &Actor) -> bool {
        self.creator_id == actor.user_id
    }
    fn is_assignee(&self, actor: &Actor) -> bool {
        self.assignee_id == Some(actor.user_id)
    }
}

fn allow_if(ok: bool) -> Decision {
    if ok { Ok(()) } else { Err(Refusal::Forbidden) }
}

fn not_closed(t: &TicketFacts) -> Decision {
    if t.closed {
        Err(Refusal::Conflict("ticket-error-closed"))
    } else {
        Ok(())
    }
}

/// Seeing a ticket, its replies, history and attachments: every signed-in user.
pub fn can_view(_actor: &Actor, _t: &TicketFacts) -> Decision {
    Ok(())
}

/// Raising a ticket: every signed-in user.
pub fn can_create(_actor: &Actor) -> Decision {
    Ok(())
}

/// Replying: every signed-in user, also on a closed ticket (which the reply reopens).
pub fn can_reply(_actor: &Actor, _t: &TicketFacts) -> Decision {
    Ok(())
}

/// Editing the ticket's title and body: its creator or an admin, not while closed.
pub fn can_edit_ticket(actor: &Actor, t: &TicketFacts) -> Decision {
    allow_if(t.is_creator(actor) || actor.is_admin)?;
    not_closed(t)
}

/// Editing a reply: its author or an admin, not while the ticket is closed.
pub fn can_edit_post(actor: &Actor, post_author: UserId, t: &TicketFacts) -> Decision {
    allow_if(post_author == actor.user_id || actor.is_admin)?;
    not_closed(t)
}

/// Deleting a ticket or a reply: admins only (and the handler asks for the admin's password).
pub fn can_delete(actor: &Actor, _t: &TicketFacts) -> Decision {
    allow_if(actor.is_admin)
}

/// Claiming: anyone, not on a closed ticket, and not when it is already theirs.
pub fn can_claim(actor: &Actor, t: &TicketFacts) -> Decision {
    not_closed(t)?;
    if t.is_assignee(actor) {
        return Err(Refusal::Conflict("ticket-claim-already"));
    }
    Ok(())
}

/// Assigning to someone: anyone, not on a closed ticket.
pub fn can_assign(_actor: &Actor, t: &TicketFacts) -> Decision {
    not_closed(t)
}

/// Releasing: the assignee or an admin, and only when someone is assigned.
pub fn can_release(actor: &Actor, t: &TicketFacts) -> Decision {
    allow_if(t.is_assignee(actor) || actor.is_admin)?;
    if t.assignee_id.is_none() {
        return Err(Refusal::Conflict("ticket-error-not-assigned"));
    }
    Ok(())
}

/// Closing: the creator, the assignee or an admin, when not closed already.
pub fn can_close(actor: &Actor, t: &TicketFacts) -> Decision {
    allow_if(t.is_creator(actor) || t.is_assignee(actor) || actor.is_admin)?;
    not_closed(t)
}

/// Reopening: the same people as closing, when closed.
pub fn can_reopen(actor: &Actor, t: &TicketFacts) -> Decision {
    allow_if(t.is_creator(actor) || t.is_assignee(actor) || actor.is_admin)?;
    if !t.closed {
        return Err(Refusal::Conflict("ticket-error-not-closed"));
    }
    Ok(())
}

/// The settings that govern category changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryPolicy {
    /// The feature is on.
    pub enabled: bool,
    /// Only admins and super users may use it.
    pub staff_only: bool,
}

/// Whether the category control exists for this person at all (otherwise the route answers 404).
pub fn category_change_offered(actor: &Actor, policy: CategoryPolicy) -> bool {
    policy.enabled && (!policy.staff_only || actor.is_staff())
}

/// Changing the department/category: when enabled in the settings (optionally staff only), not while closed.
pub fn can_change_category(actor: &Actor, t: &TicketFacts, policy: CategoryPolicy) -> Decision {
    allow_if(category_change_offered(actor, policy))?;
    not_closed(t)
}

/// Subscribing someone (oneself or another enabled user): anyone.
pub fn can_subscribe(_actor: &Actor, _t: &TicketFacts) -> Decision {
    Ok(())
}

/// Unsubscribing: oneself, or anyone for admins and super users.
pub fn can_unsubscribe(actor: &Actor, target: UserId) -> Decision {
    allow_if(target == actor.user_id || actor.is_staff())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATOR: UserId = UserId(1);
    const ASSIGNEE: UserId = UserId(2);
    const OTHER: UserId = UserId(3);

    fn actor(id: UserId, admin: bool, sup: bool) -> Actor {
        Actor {
            user_id: id,
            is_admin: admin,
            is_super_user: sup,
        }
    }

    fn ticket(closed: bool) -> TicketFacts {
        TicketFacts {
            creator_id: CREATOR,
            assignee_id: Some(ASSIGNEE),
            closed,
        }
    }

    #[test]
    fn closing_and_reopening_belong_to_creator_assignee_and_admins() {
        let open = ticket(false);
        let closed = TicketFacts {
            assignee_id: None,
            ..ticket(true)
        };
        assert_eq!(can_close(&actor(CREATOR, false, false), &open), Ok(()));
        assert_eq!(can_close(&actor(ASSIGNEE, false, false), &open), Ok(()));
        assert_eq!(can_close(&actor(OTHER, true, false), &open), Ok(()));
        assert_eq!(
            can_close(&actor(OTHER, false, true), &open),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            can_close(&actor(CREATOR, false, false), &ticket(true)),
            Err(Refusal::Conflict("ticket-error-closed"))
        );
        assert_eq!(can_reopen(&actor(CREATOR, false, false), &closed), Ok(()));
        assert_eq!(
            can_reopen(&actor(OTHER, false, false), &closed),
            Err(Refusal::Forbidden)
        );
        assert!(matches!(
            can_reopen(&actor(CREATOR, false, false), &open),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn permission_is_checked_before_state() {
        // A stranger learns nothing about the state from the answer.
        assert_eq!(
            can_edit_ticket(&actor(OTHER, false, false), &ticket(true)),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            can_release(&actor(OTHER, false, false), &ticket(false)),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn claims_are_refused_on_closed_tickets_and_for_the_assignee() {
        assert!(can_claim(&actor(OTHER, false, false), &ticket(false)).is_ok());
        assert!(can_claim(&actor(OTHER, false, false), &ticket(true)).is_err());
        assert_eq!(
            can_claim(&actor(ASSIGNEE, false, false), &ticket(false)),
            Err(Refusal::Conflict("ticket-claim-already"))
        );
    }

    #[test]
    fn deleting_is_for_admins_only() {
        assert!(can_delete(&actor(OTHER, true, false), &ticket(false)).is_ok());
        for a in [actor(CREATOR, false, false), actor(OTHER, false, true)] {
            assert_eq!(can_delete(&a, &ticket(false)), Err(Refusal::Forbidden));
        }
    }

    #[test]
    fn category_changes_follow_the_settings() {
        let off = CategoryPolicy {
            enabled: false,
            staff_only: false,
        };
        let all = CategoryPolicy {
            enabled: true,
            staff_only: false,
        };
        let staff = CategoryPolicy {
            enabled: true,
            staff_only: true,
        };
        let user = actor(OTHER, false, false);
        let sup = actor(OTHER, false, true);
        assert!(can_change_category(&user, &ticket(false), off).is_err());
        assert!(can_change_category(&user, &ticket(false), all).is_ok());
        assert!(can_change_category(&user, &ticket(false), staff).is_err());
        assert!(can_change_category(&sup, &ticket(false), staff).is_ok());
    }

    #[test]
    fn unsubscribing_others_is_for_staff() {
        assert!(can_unsubscribe(&actor(OTHER, false, false), OTHER).is_ok());
        assert!(can_unsubscribe(&actor(OTHER, false, false), CREATOR).is_err());
        assert!(can_unsubscribe(&actor(OTHER, false, true), CREATOR).is_ok());
        assert!(can_unsubscribe(&actor(OTHER, true, false), CREATOR).is_ok());
    }
}
