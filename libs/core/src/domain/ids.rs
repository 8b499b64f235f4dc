//! Typed ids: a `TicketId` cannot be passed where a `UserId` is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map(Self)
            }
        }
    )*};
}

id_type! {
    /// A ticket's id (shown zero-padded: `#00042`).
    TicketId,
    /// A user's id.
    UserId,
    /// A reply's id.
    PostId,
    /// A department's id.
    DepartmentId,
    /// A category's id.
    CategoryId,
    /// A status's id.
    StatusId,
    /// A priority's id.
    PriorityId,
    /// A group's id.
    GroupId,
}

impl TicketId {
    /// The id as Flicket always displayed it: at least five digits, zero-padded.
    pub fn padded(self) -> String {
        format!("{:05}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_are_padded_to_five_digits() {
        assert_eq!(TicketId(42).padded(), "00042");
        assert_eq!(TicketId(123456).padded(), "123456");
    }
}
