//! The operations layer: every use case of Flicket, once. An operation takes the caller's transaction, the acting
//! user and typed input; checks permission through [`crate::permissions`]; writes the change with its audit or
//! activity rows and its outbox rows; and returns a typed result. The caller commits, then hands [`Changed`] to the
//! relay. The web's HTML pages, `/api/v1` and `/flicket-api/` are adapters around these functions.
//!
//! Areas: [`crate::tickets::ops`] (tickets), [`catalog`] (departments, categories, statuses, priorities), [`people`]
//! (users, groups, memberships, profile, password), [`settings`] (site and mail settings, the test email),
//! [`tokens`] (API tokens) and [`audit`] (the audit log every admin change writes).
//!
//! Operations trace their errors at DEBUG only (`err(level = "debug")`): most are the client's doing (not found,
//! refused, an invalid field), and whether an error is a refusal (logged at INFO) or a failure (logged at ERROR with
//! its cause) is decided once, where the adapter maps it to its answer.

pub mod account;
pub mod audit;
pub mod catalog;
pub mod import;
pub mod people;
pub mod settings;
pub mod test_email;
#[cfg(test)]
mod test_fixtures;
pub mod tokens;

use crate::domain::UserId;
use crate::permissions::Actor;
use crate::permissions::tickets::Refusal;

/// A message for a person: a fluent id and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The fluent message id.
    pub key: &'static str,
    /// Its arguments, by name.
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    /// A message without arguments.
    pub fn new(key: &'static str) -> Self {
        Self { key, args: vec![] }
    }
    /// A message with one argument.
    pub fn with(key: &'static str, name: &'static str, value: impl ToString) -> Self {
        Self {
            key,
            args: vec![(name, value.to_string())],
        }
    }
}

/// Which input field is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name, as in the forms and the JSON bodies (`name`, `category_id` …).
    pub field: &'static str,
    /// Why.
    pub message: Message,
}

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The ticket, reply, user, department … does not exist.
    #[error("not found")]
    NotFound,
    /// The rules refuse it: not allowed for this person, or not possible in the current state.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Not possible in the current state, with arguments (e.g. "used by 3 tickets").
    #[error("conflict: {0:?}")]
    Conflict(Message),
    /// An input field is not acceptable.
    #[error("invalid {}: {}", .0.field, .0.message.key)]
    Invalid(FieldError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<Refusal> for OpError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl OpError {
    /// `field` is wrong, for the reason `key` (a fluent id).
    pub fn field(field: &'static str, key: &'static str) -> Self {
        Self::Invalid(FieldError {
            field,
            message: Message::new(key),
        })
    }
    /// Not allowed for this person.
    pub fn forbidden() -> Self {
        Self::Refused(Refusal::Forbidden)
    }
    /// The field error, if this is one.
    pub fn field_error(&self) -> Option<&FieldError> {
        match self {
            Self::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

/// The result of an operation.
pub type OpResult<T> = Result<T, OpError>;

/// What the caller does after commit.
#[derive(Debug, Default)]
pub struct Changed {
    /// Outbox rows to push to the queue.
    pub outbox_ids: Vec<i64>,
    /// Files (stored names) whose rows were deleted.
    pub removed_files: Vec<String>,
}

impl Changed {
    /// Only outbox rows.
    pub fn sent(outbox_ids: Vec<i64>) -> Self {
        Self {
            outbox_ids,
            removed_files: vec![],
        }
    }
}

/// A result whose after-commit work (outbox rows to relay, files to remove) the transaction runner takes.
pub trait Committed {
    /// Takes the after-commit work out of the result.
    fn take_changed(&mut self) -> Changed;
}

impl Committed for () {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

impl Committed for Changed {
    fn take_changed(&mut self) -> Changed {
        std::mem::take(self)
    }
}

impl Committed for Vec<i64> {
    fn take_changed(&mut self) -> Changed {
        Changed::sent(std::mem::take(self))
    }
}

impl<T> Committed for (T, Changed) {
    fn take_changed(&mut self) -> Changed {
        std::mem::take(&mut self.1)
    }
}

impl Committed for crate::domain::TicketId {
    fn take_changed(&mut self) -> Changed {
        Changed::default()
    }
}

/// Who does an administrative change: the user (or none for the command line) and the client address, both
/// written to the audit log.
#[derive(Debug, Clone)]
pub struct Acting {
    /// The acting user's rights.
    pub actor: Actor,
    /// The client address, as the web determined it.
    pub ip: Option<String>,
}

impl Acting {
    /// A user acting from an address.
    pub fn new(actor: Actor, ip: impl Into<String>) -> Self {
        Self {
            actor,
            ip: Some(ip.into()),
        }
    }
    /// The acting user's id.
    pub fn user_id(&self) -> UserId {
        self.actor.user_id
    }
}

/// Maps a unique-constraint violation to a field error by the constraint's name; any other error passes through.
///
/// `map` lists `(constraint, field, fluent id)`. A violation of a constraint not listed is a database error: a new
/// constraint must be named here to be reported as a field.
pub fn unique_violation(e: sqlx::Error, map: &[(&str, &'static str, &'static str)]) -> OpError {
    let hit = e.as_database_error().and_then(|d| {
        if d.code().as_deref() != Some("23505") {
            return None;
        }
        let name = d.constraint()?;
        map.iter().find(|(c, _, _)| *c == name)
    });
    match hit {
        Some((_, field, key)) => OpError::field(field, key),
        None => OpError::Db(e),
    }
}
