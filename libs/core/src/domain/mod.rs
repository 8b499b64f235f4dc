//! Domain types, each constructed only by parsing, so holding one means it is valid.

mod ids;
mod text;

pub use ids::{CategoryId, DepartmentId, PostId, PriorityId, StatusId, TicketId, UserId};
pub use text::{Email, ParseError, PersonName, PlainPassword, Title, Username};
