//! Turns what an email is about into its subject and its plain-text and HTML parts, in the recipient's language.
//! One view model and two askama templates (`templates/email.txt`, `templates/email.html`) serve every kind.

mod message;

use askama::Template;
use flicket_core::Locale;
use flicket_core::domain::TicketId;
use flicket_core::i18n::FluentArgs;
use flicket_core::repo::mail::{PostForMail, TicketForMail};
use flicket_core::repo::outbox::OutboxKind;

pub use message::{Addressing, build_message, domain_of, header_text, message_id, thread_id};

/// Everything an email may show, loaded from PostgreSQL at send time.
#[derive(Debug, Clone)]
pub struct MailData {
    /// Which email.
    pub kind: OutboxKind,
    /// The recipient's language.
    pub locale: Locale,
    /// Application title (sender name, footer).
    pub app: String,
    /// Public URL, no trailing slash.
    pub base_url: String,
    /// The ticket, for ticket emails.
    pub ticket: Option<TicketForMail>,
    /// Who did it.
    pub actor: Option<String>,
    /// The new assignee (assign).
    pub assignee: Option<String>,
    /// The reply (reply).
    pub post: Option<PostForMail>,
    /// The raw reset token (password reset).
    pub reset_token: Option<String>,
    /// The digest's lines.
    pub digest: Vec<DigestLine>,
}

/// One ticket of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    /// Ticket id.
    pub ticket_id: i64,
    /// Title.
    pub title: String,
    /// Priority name.
    pub priority: String,
    /// Status name.
    pub status: String,
    /// Assignee's name, if any.
    pub assignee: Option<String>,
    /// Last reply, action or edit (`YYYY-MM-DD`), if known.
    pub updated: Option<String>,
}

/// A rendered email.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Subject line (sanitised again when the header is built).
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
    /// The ticket thread this email belongs to.
    pub ticket_id: Option<i64>,
}

/// Why an email cannot be rendered (permanent: retrying gives the same result).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Data the kind needs is missing (deleted ticket, missing token…).
    #[error("{0}")]
    Missing(&'static str),
    /// A template failed.
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// One line of the digest table, ready to show.
#[derive(Debug, Clone)]
pub struct Row {
    number: String,
    url: String,
    title: String,
    priority: String,
    status: String,
    assignee: String,
    updated: String,
}

/// The view both templates render.
#[derive(Debug, Clone, Default)]
pub struct EmailView {
    lang: &'static str,
    heading: String,
    intro: Vec<String>,
    quote: Option<String>,
    details: Vec<(String, String)>,
    table_head: Vec<String>,
    rows: Vec<Row>,
    action: Option<(String, String)>,
    after: Vec<String>,
    unfollow: Option<(String, String, String)>,
    automatic: String,
    base_url: String,
}

#[derive(Template)]
#[template(path = "email.html")]
struct HtmlPart<'a> {
    v: &'a EmailView,
}

#[derive(Template)]
#[template(path = "email.txt")]
struct TextPart<'a> {
    v: &'a EmailView,
}

/// Renders an email.
pub fn render(data: &MailData) -> Result<Rendered, RenderError> {
    let (subject, view) = compose(data)?;
    Ok(Rendered {
        subject,
        text: TextPart { v: &view }.render()?,
        html: HtmlPart { v: &view }.render()?,
        ticket_id: data.ticket.as_ref().map(|t| t.ticket_id),
    })
}

fn args<'a>(pairs: &[(&'a str, String)]) -> FluentArgs<'a> {
    let mut a = FluentArgs::new();
    for (k, v) in pairs {
        a.set(*k, v.clone());
    }
    a
}

fn compose(d: &MailData) -> Result<(String, EmailView), RenderError> {
    let l = d.locale;
    let app = header_text(&d.app, 64);
    let mut v = EmailView {
        lang: l.code(),
        automatic: l.t_args("mail-automatic", &args(&[("app", app.clone())])),
        base_url: d.base_url.clone(),
        ..EmailView::default()
    };
    let subject = match d.kind {
        OutboxKind::PasswordReset => {
            let token = d
                .reset_token
                .as_deref()
                .ok_or(RenderError::Missing("password reset without a token"))?;
            v.heading = l.t("mail-reset-heading");
            v.intro = vec![l.t_args("mail-reset-intro", &args(&[("app", app.clone())]))];
            v.action = Some((
                l.t("mail-reset-action"),
                format!("{}/password-reset/new?token={token}", d.base_url),
            ));
            v.after = vec![l.t("mail-reset-ignore")];
            l.t_args("mail-subject-password-reset", &args(&[("app", app)]))
        }
        OutboxKind::TestEmail => {
            v.heading = l.t("mail-test-heading");
            v.intro = vec![l.t_args("mail-test-body", &args(&[("app", app.clone())]))];
            l.t_args("mail-subject-test", &args(&[("app", app)]))
        }
        OutboxKind::Digest => {
            v.heading = l.t("mail-digest-heading");
            if d.digest.is_empty() {
                v.intro = vec![l.t("mail-digest-empty")];
            } else {
                v.intro = vec![l.t("mail-digest-intro")];
                v.table_head = [
                    "mail-digest-col-ticket",
                    "mail-digest-col-title",
                    "mail-digest-col-priority",
                    "mail-digest-col-status",
                    "mail-digest-col-assignee",
                    "mail-digest-col-updated",
                ]
                .iter()
                .map(|k| l.t(k))
                .collect();
                v.rows = d
                    .digest
                    .iter()
                    .map(|t| Row {
                        number: format!("#{}", TicketId(t.ticket_id).padded()),
                        url: format!("{}/tickets/{}", d.base_url, t.ticket_id),
                        title: header_text(&t.title, 200),
                        priority: t.priority.clone(),
                        status: t.status.clone(),
                        assignee: t.assignee.clone().unwrap_or_else(|| l.t("mail-nobody")),
                        updated: t.updated.clone().unwrap_or_default(),
                    })
                    .collect();
            }
            l.t("mail-subject-digest")
        }
        kind => return ticket_email(d, kind, v),
    };
    Ok((subject, v))
}

fn ticket_email(
    d: &MailData,
    kind: OutboxKind,
    mut v: EmailView,
) -> Result<(String, EmailView), RenderError> {
    let l = d.locale;
    let t = d
        .ticket
        .as_ref()
        .ok_or(RenderError::Missing("the ticket no longer exists"))?;
    let number = TicketId(t.ticket_id).padded();
    let title = header_text(&t.title, 200);
    let actor = d.actor.clone().unwrap_or_else(|| l.t("mail-someone"));
    let url = format!("{}/tickets/{}", d.base_url, t.ticket_id);
    let n = || args(&[("number", number.clone())]);
    let who = || args(&[("actor", actor.clone())]);
    let (heading, intro) = match kind {
        OutboxKind::Reply => ("mail-heading-reply", "mail-intro-reply"),
        OutboxKind::Opened => ("mail-heading-opened", "mail-intro-opened"),
        OutboxKind::Claim => ("mail-heading-claim", "mail-intro-claim"),
        OutboxKind::Assign => ("mail-heading-assign", "mail-intro-assign"),
        OutboxKind::Release => ("mail-heading-release", "mail-intro-release"),
        OutboxKind::Close => ("mail-heading-close", "mail-intro-close"),
        _ => ("mail-heading-reopen", "mail-intro-reopen"),
    };
    v.heading = l.t_args(heading, &n());
    v.intro = vec![match kind {
        OutboxKind::Assign => {
            let assignee = d
                .assignee
                .clone()
                .or_else(|| t.assignee.clone())
                .unwrap_or_else(|| l.t("mail-nobody"));
            l.t_args(
                intro,
                &args(&[("actor", actor.clone()), ("assignee", assignee)]),
            )
        }
        _ => l.t_args(intro, &who()),
    }];
    v.quote = match kind {
        OutboxKind::Reply => Some(
            d.post
                .as_ref()
                .ok_or(RenderError::Missing("the reply no longer exists"))?
                .content
                .clone(),
        ),
        OutboxKind::Opened => Some(t.content.clone()),
        _ => None,
    };
    v.details = vec![
        (l.t("mail-detail-title"), title.clone()),
        (l.t("mail-detail-status"), t.status.clone()),
        (l.t("mail-detail-priority"), t.priority.clone()),
        (
            l.t("mail-detail-assignee"),
            t.assignee.clone().unwrap_or_else(|| l.t("mail-nobody")),
        ),
        (
            l.t("mail-detail-category"),
            format!("{} / {}", t.department, t.category),
        ),
    ];
    v.action = Some((l.t_args("mail-view-ticket", &n()), url.clone()));
    v.unfollow = Some((l.t("mail-unfollow"), l.t("mail-unfollow-link"), url));
    let subject = l.t_args(
        "mail-subject-ticket",
        &args(&[("number", number), ("title", title)]),
    );
    Ok((subject, v))
}

#[cfg(test)]
mod tests;
