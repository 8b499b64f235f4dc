//! What an outbox row asks the mailer to send: one typed, versioned message per row, written by the operations (and
//! by the digest run, in SQL) into the row's `payload` and decoded once, by the mailer.
//!
//! Stored shape (version [`OUTBOX_MESSAGE_VERSION`]): the message's fields with its kind and the version beside them,
//! e.g. `{"v":2,"kind":"reply","post_id":7,"actor_id":3}`. The row's `kind` column says the same kind, for the
//! admin pages and the queries that pick rows by kind.
//!
//! Version 1 is the untyped payload written before this type existed: no `v`, the kind only in the column, the same
//! field names (`{"post_id":7,"actor_id":3}` in a `reply` row). Rows of that shape still in the table are decoded
//! as the same messages, so nothing queued before an upgrade is lost.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Locale;
use crate::domain::{PostId, TicketId, UserId};
use crate::repo::outbox::OutboxKind;

/// The message version this build writes (and the newest it reads).
pub const OUTBOX_MESSAGE_VERSION: u32 = 2;

/// The version of the untyped payloads written before [`OutboxMessage`] (they carry no `v`).
pub const UNTYPED_VERSION: u32 = 1;

/// One email to send, with what its template needs beyond the row's recipient and ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxMessage {
    /// A new reply on a followed ticket.
    Reply {
        /// The reply.
        post_id: PostId,
        /// Its author.
        actor_id: UserId,
    },
    /// A new ticket.
    Opened {
        /// Who opened it.
        actor_id: UserId,
    },
    /// Claimed by someone.
    Claim {
        /// The activity row of the claim.
        activity_id: i64,
        /// Who claimed it.
        actor_id: UserId,
        /// The new assignee (the claimer).
        assignee_id: UserId,
    },
    /// Assigned to someone.
    Assign {
        /// The activity row of the assignment.
        activity_id: i64,
        /// Who assigned it.
        actor_id: UserId,
        /// The new assignee.
        assignee_id: UserId,
    },
    /// Released by its assignee.
    Release {
        /// The activity row.
        activity_id: i64,
        /// Who released it.
        actor_id: UserId,
    },
    /// Closed.
    Close {
        /// The activity row.
        activity_id: i64,
        /// Who closed it.
        actor_id: UserId,
    },
    /// Reopened.
    Reopen {
        /// The activity row.
        activity_id: i64,
        /// Who reopened it.
        actor_id: UserId,
    },
    /// A password-reset link.
    PasswordReset {
        /// The raw token, encrypted with `FLICKET_SECRET_KEY` (`crypto::encrypt_to_string`).
        token_enc: String,
        /// How long the link is valid.
        expires_minutes: i64,
    },
    /// The test email of the admin settings.
    TestEmail {
        /// The admin who asked for it.
        requested_by: UserId,
        /// The language to write it in; English when absent (the settings page sends it so).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<Locale>,
    },
    /// The outstanding-ticket digest of a period (written in SQL by `repo::digests::run_period`).
    Digest {
        /// The period key (`2026-11-30`…).
        period: String,
        /// The recipient's open tickets; titles, statuses and assignees are read when the email is sent.
        ticket_ids: Vec<TicketId>,
    },
}

/// Why a row's payload cannot be read: a permanent failure of its delivery (retrying reads the same bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A kind this build does not know (in the column or in the payload).
    #[error("unknown email kind {0:?}")]
    Kind(String),
    /// A version this build does not understand.
    #[error("unsupported outbox message version {0}")]
    Version(String),
    /// The payload's kind is not the row's.
    #[error("the payload is a {payload} message in a {column} row")]
    Mismatch {
        /// The row's `kind` column.
        column: &'static str,
        /// The payload's `kind`.
        payload: &'static str,
    },
    /// Not the fields the kind needs.
    #[error("malformed {kind} payload: {reason}")]
    Malformed {
        /// The row's kind.
        kind: &'static str,
        /// What serde said.
        reason: String,
    },
}

/// The stored form: the version next to the message's kind and fields.
#[derive(Serialize)]
struct Stored<'a> {
    v: u32,
    #[serde(flatten)]
    message: &'a OutboxMessage,
}

impl OutboxMessage {
    /// The kind, as stored in the row's `kind` column.
    pub fn kind(&self) -> OutboxKind {
        match self {
            Self::Reply { .. } => OutboxKind::Reply,
            Self::Opened { .. } => OutboxKind::Opened,
            Self::Claim { .. } => OutboxKind::Claim,
            Self::Assign { .. } => OutboxKind::Assign,
            Self::Release { .. } => OutboxKind::Release,
            Self::Close { .. } => OutboxKind::Close,
            Self::Reopen { .. } => OutboxKind::Reopen,
            Self::PasswordReset { .. } => OutboxKind::PasswordReset,
            Self::TestEmail { .. } => OutboxKind::TestEmail,
            Self::Digest { .. } => OutboxKind::Digest,
        }
    }

    /// Who did what the email tells of (ticket emails).
    pub fn actor(&self) -> Option<UserId> {
        match self {
            Self::Reply { actor_id, .. }
            | Self::Opened { actor_id }
            | Self::Claim { actor_id, .. }
            | Self::Assign { actor_id, .. }
            | Self::Release { actor_id, .. }
            | Self::Close { actor_id, .. }
            | Self::Reopen { actor_id, .. } => Some(*actor_id),
            Self::PasswordReset { .. } | Self::TestEmail { .. } | Self::Digest { .. } => None,
        }
    }

    /// The new assignee (claim, assign).
    pub fn assignee(&self) -> Option<UserId> {
        match self {
            Self::Claim { assignee_id, .. } | Self::Assign { assignee_id, .. } => {
                Some(*assignee_id)
            }
            _ => None,
        }
    }

    /// The JSON stored in the row's `payload`.
    pub fn to_payload(&self) -> serde_json::Result<Value> {
        serde_json::to_value(Stored {
            v: OUTBOX_MESSAGE_VERSION,
            message: self,
        })
    }

    /// Reads a row's `kind` column and `payload`: a typed message of this version, or an untyped one of version 1.
    /// Anything else is an error naming what is wrong, never a panic.
    pub fn decode(column_kind: &str, payload: &Value) -> Result<Self, DecodeError> {
        let kind = OutboxKind::parse(column_kind)
            .ok_or_else(|| DecodeError::Kind(column_kind.to_owned()))?;
        let malformed = |reason: String| DecodeError::Malformed {
            kind: kind.as_str(),
            reason,
        };
        let Value::Object(fields) = payload else {
            return Err(malformed("not a JSON object".into()));
        };
        let mut fields = fields.clone();
        match fields.remove("v") {
            None => {
                // Version 1: the kind was only in the column.
                if fields.contains_key("kind") {
                    return Err(malformed("a kind without a version".into()));
                }
                fields.insert("kind".into(), Value::from(kind.as_str()));
            }
            Some(v) if v.as_u64() == Some(u64::from(OUTBOX_MESSAGE_VERSION)) => {
                let tag = fields.get("kind").and_then(Value::as_str).unwrap_or("");
                let tagged = OutboxKind::parse(tag).ok_or_else(|| DecodeError::Kind(tag.into()))?;
                if tagged != kind {
                    return Err(DecodeError::Mismatch {
                        column: kind.as_str(),
                        payload: tagged.as_str(),
                    });
                }
            }
            Some(v) => return Err(DecodeError::Version(v.to_string())),
        }
        serde_json::from_value(Value::Object(fields)).map_err(|e| malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use serde_json::json;

    use super::*;

    fn every_kind() -> Vec<OutboxMessage> {
        let (a, b) = (UserId(3), UserId(4));
        vec![
            OutboxMessage::Reply {
                post_id: PostId(7),
                actor_id: a,
            },
            OutboxMessage::Opened { actor_id: a },
            OutboxMessage::Claim {
                activity_id: 1,
                actor_id: a,
                assignee_id: a,
            },
            OutboxMessage::Assign {
                activity_id: 2,
                actor_id: a,
                assignee_id: b,
            },
            OutboxMessage::Release {
                activity_id: 3,
                actor_id: a,
            },
            OutboxMessage::Close {
                activity_id: 4,
                actor_id: a,
            },
            OutboxMessage::Reopen {
                activity_id: 5,
                actor_id: a,
            },
            OutboxMessage::PasswordReset {
                token_enc: "enc".into(),
                expires_minutes: 30,
            },
            OutboxMessage::TestEmail {
                requested_by: a,
                locale: None,
            },
            OutboxMessage::TestEmail {
                requested_by: a,
                locale: Some(Locale::Fr),
            },
            OutboxMessage::Digest {
                period: "2026-11-30".into(),
                ticket_ids: vec![TicketId(1), TicketId(9)],
            },
        ]
    }

    #[test]
    fn every_kind_round_trips_and_names_its_column() {
        for m in every_kind() {
            let payload = m.to_payload().unwrap();
            assert_eq!(payload["v"], json!(OUTBOX_MESSAGE_VERSION), "{m:?}");
            assert_eq!(payload["kind"], json!(m.kind().as_str()), "{m:?}");
            assert_eq!(OutboxMessage::decode(m.kind().as_str(), &payload), Ok(m));
        }
    }

    #[test]
    fn the_stored_shape_is_flat() {
        let m = OutboxMessage::Reply {
            post_id: PostId(7),
            actor_id: UserId(3),
        };
        assert_eq!(
            m.to_payload().unwrap(),
            json!({"v": 2, "kind": "reply", "post_id": 7, "actor_id": 3})
        );
    }

    /// The payloads exactly as the code before typed messages wrote them.
    #[test]
    fn untyped_payloads_of_version_1_decode() {
        let cases = [
            (
                "reply",
                json!({"post_id": 7, "actor_id": 3}),
                OutboxMessage::Reply {
                    post_id: PostId(7),
                    actor_id: UserId(3),
                },
            ),
            (
                "claim",
                json!({"activity_id": 1, "actor_id": 3, "assignee_id": 3}),
                OutboxMessage::Claim {
                    activity_id: 1,
                    actor_id: UserId(3),
                    assignee_id: UserId(3),
                },
            ),
            (
                "assign",
                json!({"activity_id": 2, "actor_id": 3, "assignee_id": 4}),
                OutboxMessage::Assign {
                    activity_id: 2,
                    actor_id: UserId(3),
                    assignee_id: UserId(4),
                },
            ),
            (
                "close",
                json!({"activity_id": 4, "actor_id": 3}),
                OutboxMessage::Close {
                    activity_id: 4,
                    actor_id: UserId(3),
                },
            ),
            (
                "password_reset",
                json!({"token_enc": "enc", "expires_minutes": 30}),
                OutboxMessage::PasswordReset {
                    token_enc: "enc".into(),
                    expires_minutes: 30,
                },
            ),
            (
                "test_email",
                json!({"requested_by": 3}),
                OutboxMessage::TestEmail {
                    requested_by: UserId(3),
                    locale: None,
                },
            ),
            (
                "digest",
                json!({"period": "P1", "ticket_ids": [1, 9]}),
                OutboxMessage::Digest {
                    period: "P1".into(),
                    ticket_ids: vec![TicketId(1), TicketId(9)],
                },
            ),
        ];
        for (kind, payload, expected) in cases {
            assert_eq!(
                OutboxMessage::decode(kind, &payload),
                Ok(expected),
                "{kind}"
            );
        }
    }

    #[test]
    fn what_cannot_be_read_is_an_error_with_its_reason() {
        let err = |kind: &str, payload: Value| OutboxMessage::decode(kind, &payload).unwrap_err();
        assert_eq!(err("fax", json!({})), DecodeError::Kind("fax".into()));
        assert_eq!(
            err("reply", json!({"v": 3, "kind": "reply"})),
            DecodeError::Version("3".into())
        );
        assert_eq!(
            err("reply", json!({"v": "2", "kind": "reply"})),
            DecodeError::Version("\"2\"".into())
        );
        assert_eq!(
            err("reply", json!({"v": 2, "kind": "fax"})),
            DecodeError::Kind("fax".into())
        );
        assert_eq!(
            err(
                "reply",
                json!({"v": 2, "kind": "close", "activity_id": 1, "actor_id": 3})
            ),
            DecodeError::Mismatch {
                column: "reply",
                payload: "close"
            }
        );
        for (kind, payload) in [
            (
                "reply",
                json!({"v": 2, "kind": "reply", "post_id": "x", "actor_id": 3}),
            ),
            ("reply", json!({})),
            ("reply", json!(null)),
            ("reply", json!([1])),
            (
                "reply",
                json!({"kind": "reply", "post_id": 1, "actor_id": 3}),
            ),
            ("digest", json!({"period": "P1", "ticket_ids": 5})),
            ("test_email", json!({"requested_by": 1, "locale": "xx"})),
        ] {
            let e = err(kind, payload.clone());
            assert!(
                matches!(e, DecodeError::Malformed { .. }),
                "{kind} {payload}: {e:?}"
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("malformed {kind} payload")),
                "{e}"
            );
        }
    }
}
