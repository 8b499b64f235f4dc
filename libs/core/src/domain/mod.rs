//! Domain types, each constructed only by parsing, so holding one means it is valid.

mod ids;
mod people;
mod reference;
mod text;

pub use ids::{CategoryId, DepartmentId, GroupId, PostId, PriorityId, StatusId, TicketId, UserId};
pub use people::{GroupName, JobTitle};
pub use reference::{CategoryName, Colour, DepartmentName, LabelName};
pub use text::{Email, LoginName, ParseError, PersonName, PlainPassword, Title, Username};
