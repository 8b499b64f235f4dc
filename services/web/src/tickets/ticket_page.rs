//! The ticket page itself: the ticket, its replies (oldest first, paginated) each followed by its activity, the
//! workflow buttons the viewer may use, the subscribers, and the reply form.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use flicket_core::domain::{PostId, TicketId};
use flicket_core::permissions::tickets::{self as rules, CategoryPolicy};
use flicket_core::repo::attachments::AttachmentView;
use flicket_core::repo::tickets::TicketView;
use flicket_core::repo::{activities, attachments, catalog, posts, subscriptions, tickets};
use flicket_core::tickets::Hours;
use flicket_core::tickets::activity::{ActivityKind, quoted_value};
use flicket_core::tickets::files::short_name;

use super::forms::{self, SelectOption};
use super::{Pager, Visit, fmt_date, human_size, tr};
use crate::error::AppError;
use crate::pages::{PageCtx, render};

/// A link to an attachment.
pub struct AttachmentLink {
    pub url: String,
    pub name: String,
    pub short: String,
    pub size: String,
}

/// The ticket body or a reply, ready to show.
pub struct PostBox {
    pub anchor: String,
    pub heading: String,
    pub author: String,
    pub job_title: String,
    pub date: String,
    pub html: String,
    pub modified: Option<String>,
    pub history_url: Option<String>,
    pub hours: String,
    pub attachments: Vec<AttachmentLink>,
    pub quote_url: String,
    pub edit_url: Option<String>,
    pub delete_url: Option<String>,
}

/// One activity sentence.
pub struct ActivityLine {
    pub text: String,
    pub date: String,
}

/// A reply and the activity shown after it.
pub struct ReplyBlock {
    pub post: PostBox,
    pub activities: Vec<ActivityLine>,
}

/// A subscriber, with whether the viewer may remove them.
pub struct SubscriberLine {
    pub user_id: i64,
    pub name: String,
    pub remove_label: Option<String>,
}

/// What the viewer may do.
#[derive(Default)]
pub struct Can {
    pub edit: bool,
    pub claim: bool,
    pub release: bool,
    pub assign: bool,
    pub close: bool,
    pub reopen: bool,
    pub category: bool,
    pub delete: bool,
}

/// The reply form's content (empty, quoted, or sent back with a message).
#[derive(Default)]
pub struct ReplyDraft {
    pub body: String,
    pub hours: String,
    pub status: String,
    pub priority: String,
    pub error: Option<String>,
    pub preview: Option<String>,
}

#[derive(Template)]
#[template(path = "tickets/view.html")]
struct ViewPage<'a> {
    ctx: &'a PageCtx,
    t: TicketView,
    id: i64,
    padded: String,
    closed: bool,
    opened: String,
    total_hours: String,
    body: PostBox,
    body_activities: Vec<ActivityLine>,
    replies: Vec<ReplyBlock>,
    pager: Pager,
    subscribers: Vec<SubscriberLine>,
    can: Can,
    categories: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    priorities: Vec<SelectOption>,
    files_hint: String,
    draft: ReplyDraft,
}

fn attachment_links(all: &[AttachmentView], post: Option<PostId>) -> Vec<AttachmentLink> {
    all.iter()
        .filter(|a| a.post_id == post)
        .map(|a| AttachmentLink {
            url: format!("/attachments/{}", a.attachment_id),
            name: a.original_name.clone(),
            short: short_name(&a.original_name),
            size: human_size(a.size_bytes),
        })
        .collect()
}

fn modified_note(
    ctx: &PageCtx,
    name: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<String> {
    let name = name?;
    Some(match at {
        Some(at) => tr(
            ctx.locale,
            "ticket-modified",
            &[("name", name), ("date", &fmt_date(at))],
        ),
        None => tr(ctx.locale, "ticket-modified-no-date", &[("name", name)]),
    })
}

fn activity_line(ctx: &PageCtx, a: &activities::ActivityView) -> Option<ActivityLine> {
    let kind = ActivityKind::parse(&a.kind)?;
    let deleted = ctx.t("activity-deleted-user");
    let actor = a.actor_name.clone().unwrap_or_else(|| deleted.clone());
    let recipient = a.recipient_name.clone().unwrap_or(deleted);
    let value = quoted_value(kind, a.data.as_ref());
    let text = tr(
        ctx.locale,
        kind.message_id(),
        &[
            ("actor", &actor),
            ("recipient", &recipient),
            ("value", &value),
        ],
    );
    Some(ActivityLine {
        text,
        date: fmt_date(a.created_at),
    })
}

/// Renders the ticket page (also used to show the reply form again with a message).
pub async fn render_page(
    v: &Visit,
    id: TicketId,
    page: Option<i64>,
    mut draft: ReplyDraft,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (state, ctx) = (&v.state, &v.ctx);
    let t = tickets::view(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = v.actor();
    let facts = t.facts();
    rules::can_view(&actor, &facts).map_err(|_| AppError::NotFound)?;
    let settings = catalog::ticket_settings(&state.pool).await?;
    let per_page = i64::from(settings.page_size);
    let pager = Pager::new(page, t.reply_count, per_page, &format!("/tickets/{id}"));
    let offset = pager.offset(per_page);
    let replies = posts::page(&state.pool, id, per_page, offset).await?;
    let ids: Vec<i64> = replies.iter().map(|p| p.post_id.0).collect();
    let acts = activities::for_posts(&state.pool, id, pager.page == 1, &ids).await?;
    let files = attachments::for_ticket(&state.pool, id).await?;
    let lines_for = |post: Option<PostId>| -> Vec<ActivityLine> {
        acts.iter()
            .filter(|a| a.post_id == post)
            .filter_map(|a| activity_line(ctx, a))
            .collect()
    };
    let body = PostBox {
        anchor: "ticket".into(),
        heading: String::new(),
        author: t.creator_name.clone(),
        job_title: String::new(),
        date: fmt_date(t.created_at),
        html: t.content_html.clone(),
        modified: modified_note(ctx, t.modified_by_name.as_deref(), t.last_edit_at),
        history_url: t.last_edit_at.map(|_| format!("/tickets/{id}/history")),
        hours: Hours::from_cents(t.hours_cents).display(),
        attachments: attachment_links(&files, None),
        quote_url: format!("/tickets/{id}?quote=ticket#reply"),
        edit_url: rules::can_edit_ticket(&actor, &facts)
            .is_ok()
            .then(|| format!("/tickets/{id}/edit")),
        delete_url: None,
    };
    let body_activities = lines_for(None);
    let replies = replies
        .iter()
        .enumerate()
        .map(|(i, p)| ReplyBlock {
            post: PostBox {
                anchor: format!("post-{}", p.post_id),
                heading: tr(
                    ctx.locale,
                    "ticket-reply-number",
                    &[("n", &(offset + i as i64 + 1).to_string())],
                ),
                author: p.author_name.clone(),
                job_title: p.author_job_title.clone(),
                date: fmt_date(p.created_at),
                html: p.content_html.clone(),
                modified: modified_note(ctx, p.modified_by_name.as_deref(), p.last_edit_at),
                history_url: p
                    .last_edit_at
                    .map(|_| format!("/posts/{}/history", p.post_id)),
                hours: Hours::from_cents(p.hours_cents).display(),
                attachments: attachment_links(&files, Some(p.post_id)),
                quote_url: format!(
                    "/tickets/{id}?page={}&quote={}#reply",
                    pager.page, p.post_id
                ),
                edit_url: rules::can_edit_post(&actor, p.author_id, &facts)
                    .is_ok()
                    .then(|| format!("/posts/{}/edit", p.post_id)),
                delete_url: rules::can_delete(&actor, &facts)
                    .is_ok()
                    .then(|| format!("/posts/{}/delete", p.post_id)),
            },
            activities: lines_for(Some(p.post_id)),
        })
        .collect();
    let subscribers = subscriptions::list(&state.pool, id)
        .await?
        .into_iter()
        .map(|s| SubscriberLine {
            user_id: s.user_id.0,
            remove_label: rules::can_unsubscribe(&actor, s.user_id)
                .is_ok()
                .then(|| tr(ctx.locale, "ticket-unsubscribe", &[("name", &s.name)])),
            name: s.name,
        })
        .collect();
    let policy = CategoryPolicy {
        enabled: settings.change_category,
        staff_only: settings.change_category_restricted,
    };
    let can = Can {
        edit: rules::can_edit_ticket(&actor, &facts).is_ok(),
        claim: rules::can_claim(&actor, &facts).is_ok(),
        release: rules::can_release(&actor, &facts).is_ok(),
        assign: rules::can_assign(&actor, &facts).is_ok(),
        close: rules::can_close(&actor, &facts).is_ok(),
        reopen: rules::can_reopen(&actor, &facts).is_ok(),
        category: rules::can_change_category(&actor, &facts, policy).is_ok(),
        delete: rules::can_delete(&actor, &facts).is_ok(),
    };
    let categories = if can.category {
        forms::categories(
            &catalog::categories(&state.pool).await?,
            &t.category_id.to_string(),
        )
    } else {
        vec![]
    };
    if draft.status.is_empty() || draft.priority.is_empty() {
        draft.status = t.status_id.to_string();
        draft.priority = t.priority_id.to_string();
        draft.hours = "0".into();
    }
    let statuses = forms::statuses(&catalog::statuses(&state.pool).await?, &draft.status);
    let priorities = forms::priorities(&catalog::priorities(&state.pool).await?, &draft.priority);
    let padded = id.padded();
    let opened = tr(
        ctx.locale,
        "ticket-opened-by",
        &[("name", &t.creator_name), ("date", &fmt_date(t.created_at))],
    );
    let mut resp = render(
        ctx,
        state,
        &ViewPage {
            ctx,
            id: id.0,
            padded,
            closed: facts.closed,
            opened,
            total_hours: Hours::from_cents(t.total_hours_cents).display(),
            t,
            body,
            body_activities,
            replies,
            pager,
            subscribers,
            can,
            categories,
            statuses,
            priorities,
            files_hint: forms::files_hint(ctx.locale, &settings),
            draft,
        },
    );
    *resp.status_mut() = status;
    Ok(resp)
}
