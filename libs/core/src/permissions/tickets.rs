//! Permissions on tickets, replies, attachments and subscriptions.
