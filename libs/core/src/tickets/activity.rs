//! The activity log shown inline on a ticket page (Flicket's `flicket_ticket_action`).

/// What happened (stored as text in `activities.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// The ticket was raised.
    Opened,
    /// A closed ticket was opened again (explicitly or by a reply).
    Reopened,
    /// Assigned to the recipient.
    Assign,
    /// Claimed by the actor.
    Claim,
    /// Status changed (data: `status_id`, `status`).
    Status,
    /// Priority changed (data: `priority_id`, `priority`).
    Priority,
    /// The assignee was removed.
    Release,
    /// Closed.
    Close,
    /// Moved to another department/category (data: `category_id`, `category`, `department_id`, `department`).
    DepartmentCategory,
    /// The recipient was subscribed.
    Subscribe,
    /// The recipient was unsubscribed.
    Unsubscribe,
}

impl ActivityKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Reopened => "reopened",
            Self::Assign => "assign",
            Self::Claim => "claim",
            Self::Status => "status",
            Self::Priority => "priority",
            Self::Release => "release",
            Self::Close => "close",
            Self::DepartmentCategory => "department_category",
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
        }
    }

    /// Parses a stored name (unknown names, e.g. from a newer version, are `None`).
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Opened,
            Self::Reopened,
            Self::Assign,
            Self::Claim,
            Self::Status,
            Self::Priority,
            Self::Release,
            Self::Close,
            Self::DepartmentCategory,
            Self::Subscribe,
            Self::Unsubscribe,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The fluent message id of the sentence shown for it (arguments `actor`, `recipient`, `value`).
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Opened => "activity-opened",
            Self::Reopened => "activity-reopened",
            Self::Assign => "activity-assign",
            Self::Claim => "activity-claim",
            Self::Status => "activity-status",
            Self::Priority => "activity-priority",
            Self::Release => "activity-release",
            Self::Close => "activity-close",
            Self::DepartmentCategory => "activity-department-category",
            Self::Subscribe => "activity-subscribe",
            Self::Unsubscribe => "activity-unsubscribe",
        }
    }
}

/// The value an activity's sentence quotes, read from its data (`status`, `priority` or `department / category`).
pub fn quoted_value(kind: ActivityKind, data: Option<&serde_json::Value>) -> String {
    let field = |name: &str| {
        data.and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    match kind {
        ActivityKind::Status => field("status"),
        ActivityKind::Priority => field("priority"),
        ActivityKind::DepartmentCategory => {
            format!("{} / {}", field("department"), field("category"))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for name in ["opened", "claim", "department_category", "unsubscribe"] {
            assert_eq!(ActivityKind::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(ActivityKind::parse("edit"), None);
    }

    #[test]
    fn values_come_from_the_data() {
        let data = serde_json::json!({"department": "IT", "category": "<b>x</b>"});
        assert_eq!(
            quoted_value(ActivityKind::DepartmentCategory, Some(&data)),
            "IT / <b>x</b>"
        );
        assert_eq!(quoted_value(ActivityKind::Claim, Some(&data)), "");
    }
}
