-- Flicket schema, version 1: every table the product needs.
-- Conventions: bigint identity keys (uuid where the key must not be guessable), `<table>_id` foreign keys with an
-- index each, timestamptz everywhere, length checks mirrored by the domain types in libs/core.

create function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

-- People ---------------------------------------------------------------------------------------------------------

create table users (
    user_id         bigint generated always as identity primary key,
    username        text not null check (char_length(username) between 3 and 32),
    name            text not null check (char_length(name) between 1 and 60),
    email           text not null check (char_length(email) between 3 and 254),
    password_hash   text not null check (char_length(password_hash) <= 512),
    job_title       text not null default '' check (char_length(job_title) <= 64),
    avatar          text check (char_length(avatar) <= 128),
    locale          text not null default 'en' check (locale in ('en', 'fr')),
    disabled        boolean not null default false,
    digest_opt_out  boolean not null default false,
    ticket_sort     text check (char_length(ticket_sort) <= 32),
    last_category_id bigint,
    total_posts     integer not null default 0 check (total_posts >= 0),
    total_assigned  integer not null default 0 check (total_assigned >= 0),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));
create trigger users_updated_at before update on users for each row execute function set_updated_at();

create table groups (
    group_id    bigint generated always as identity primary key,
    name        text not null check (char_length(name) between 3 and 64),
    builtin     boolean not null default false,
    created_at  timestamptz not null default now()
);
create unique index groups_name_key on groups (lower(name));

create table user_groups (
    user_id     bigint not null references users (user_id) on delete cascade,
    group_id    bigint not null references groups (group_id) on delete cascade,
    primary key (user_id, group_id)
);
create index user_groups_group_id_idx on user_groups (group_id);

-- Reference data -------------------------------------------------------------------------------------------------

create table departments (
    department_id bigint generated always as identity primary key,
    name          text not null check (char_length(name) between 2 and 60),
    created_at    timestamptz not null default now()
);
create unique index departments_name_key on departments (lower(name));

create table categories (
    category_id   bigint generated always as identity primary key,
    department_id bigint not null references departments (department_id) on delete restrict,
    name          text not null check (char_length(name) between 2 and 60),
    created_at    timestamptz not null default now()
);
create unique index categories_department_name_key on categories (department_id, lower(name));

alter table users add constraint users_last_category_id_fkey
    foreign key (last_category_id) references categories (category_id) on delete set null;
create index users_last_category_id_idx on users (last_category_id);

-- Behaviour is keyed on `kind`, never on a name or an id. Built-in kinds are unique; admins may add `custom` rows.
create table statuses (
    status_id   bigint generated always as identity primary key,
    kind        text not null check (kind in ('open', 'closed', 'in_work', 'awaiting_information', 'custom')),
    name        text not null check (char_length(name) between 1 and 32),
    position    integer not null default 0,
    colour      text not null default '#6c757d' check (colour ~ '^#[0-9a-fA-F]{6}$')
);
create unique index statuses_kind_key on statuses (kind) where kind <> 'custom';
create unique index statuses_name_key on statuses (lower(name));

create table priorities (
    priority_id bigint generated always as identity primary key,
    kind        text not null check (kind in ('low', 'medium', 'high', 'custom')),
    name        text not null check (char_length(name) between 1 and 32),
    position    integer not null default 0,
    colour      text not null default '#6c757d' check (colour ~ '^#[0-9a-fA-F]{6}$')
);
create unique index priorities_kind_key on priorities (kind) where kind <> 'custom';
create unique index priorities_name_key on priorities (lower(name));

-- Tickets --------------------------------------------------------------------------------------------------------

create table tickets (
    ticket_id       bigint generated always as identity primary key,
    title           text not null check (char_length(title) between 3 and 128),
    content         text not null check (char_length(content) between 5 and 10000),
    creator_id      bigint not null references users (user_id) on delete restrict,
    assignee_id     bigint references users (user_id) on delete set null,
    modified_by_id  bigint references users (user_id) on delete set null,
    category_id     bigint not null references categories (category_id) on delete restrict,
    status_id       bigint not null references statuses (status_id) on delete restrict,
    priority_id     bigint not null references priorities (priority_id) on delete restrict,
    hours           numeric(10, 2) not null default 0 check (hours >= 0),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    last_activity_at timestamptz not null default now(),
    closed_at       timestamptz
);
create index tickets_creator_id_idx on tickets (creator_id);
create index tickets_assignee_id_idx on tickets (assignee_id);
create index tickets_modified_by_id_idx on tickets (modified_by_id);
create index tickets_category_id_idx on tickets (category_id);
create index tickets_status_id_idx on tickets (status_id);
create index tickets_priority_id_idx on tickets (priority_id);
create index tickets_last_activity_at_idx on tickets (last_activity_at desc, ticket_id desc);
create trigger tickets_updated_at before update on tickets for each row execute function set_updated_at();

create table posts (
    post_id         bigint generated always as identity primary key,
    ticket_id       bigint not null references tickets (ticket_id) on delete cascade,
    author_id       bigint not null references users (user_id) on delete restrict,
    modified_by_id  bigint references users (user_id) on delete set null,
    content         text not null check (char_length(content) between 5 and 10000),
    hours           numeric(10, 2) not null default 0 check (hours >= 0),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index posts_ticket_id_idx on posts (ticket_id, post_id);
create index posts_author_id_idx on posts (author_id);
create index posts_modified_by_id_idx on posts (modified_by_id);
create trigger posts_updated_at before update on posts for each row execute function set_updated_at();

-- Attachment ids are random (uuid v4): they are not guessable even though every download is authorised.
create table attachments (
    attachment_id   uuid primary key,
    ticket_id       bigint not null references tickets (ticket_id) on delete cascade,
    post_id         bigint references posts (post_id) on delete cascade,
    uploader_id     bigint not null references users (user_id) on delete restrict,
    original_name   text not null check (char_length(original_name) between 1 and 255),
    stored_name     text not null unique check (char_length(stored_name) between 1 and 128),
    content_type    text not null check (char_length(content_type) <= 255),
    size_bytes      bigint not null check (size_bytes >= 0),
    sha256          bytea not null check (octet_length(sha256) = 32),
    created_at      timestamptz not null default now()
);
create index attachments_ticket_id_idx on attachments (ticket_id);
create index attachments_post_id_idx on attachments (post_id);
create index attachments_uploader_id_idx on attachments (uploader_id);

-- The content before each edit of a ticket body (post_id null) or of a reply.
create table edit_history (
    edit_id         bigint generated always as identity primary key,
    ticket_id       bigint not null references tickets (ticket_id) on delete cascade,
    post_id         bigint references posts (post_id) on delete cascade,
    original_content text not null check (char_length(original_content) <= 10000),
    author_id       bigint references users (user_id) on delete set null,
    edited_by_id    bigint references users (user_id) on delete set null,
    edited_at       timestamptz not null default now()
);
create index edit_history_ticket_id_idx on edit_history (ticket_id);
create index edit_history_post_id_idx on edit_history (post_id);
create index edit_history_author_id_idx on edit_history (author_id);
create index edit_history_edited_by_id_idx on edit_history (edited_by_id);

create table subscriptions (
    ticket_id   bigint not null references tickets (ticket_id) on delete cascade,
    user_id     bigint not null references users (user_id) on delete cascade,
    created_at  timestamptz not null default now(),
    primary key (ticket_id, user_id)
);
create index subscriptions_user_id_idx on subscriptions (user_id);

-- Activity shown inline on the ticket page: after the reply `post_id` (the latest reply when it happened).
create table activities (
    activity_id     bigint generated always as identity primary key,
    ticket_id       bigint not null references tickets (ticket_id) on delete cascade,
    post_id         bigint references posts (post_id) on delete set null,
    kind            text not null check (kind in ('opened', 'reopened', 'assign', 'claim', 'status', 'priority',
                        'release', 'close', 'department_category', 'subscribe', 'unsubscribe', 'edit', 'reply')),
    data            jsonb,
    actor_id        bigint references users (user_id) on delete set null,
    recipient_id    bigint references users (user_id) on delete set null,
    created_at      timestamptz not null default now()
);
create index activities_ticket_id_idx on activities (ticket_id, activity_id);
create index activities_post_id_idx on activities (post_id);
create index activities_actor_id_idx on activities (actor_id);
create index activities_recipient_id_idx on activities (recipient_id);

-- Settings: exactly one row ------------------------------------------------------------------------------------

create table settings (
    settings_id         smallint primary key default 1 check (settings_id = 1),
    application_title   text not null default 'Flicket' check (char_length(application_title) between 3 and 32),
    base_url            text not null default 'http://127.0.0.1:8080' check (char_length(base_url) between 8 and 256),
    page_size           integer not null default 50 check (page_size between 10 and 200),
    allowed_extensions  text not null default 'txt, log, pdf, png, jpg, jpeg, gif, webp, msg, doc, docx, ppt, pptx, xls, xlsx, csv, odt, ods, zip'
                        check (char_length(allowed_extensions) <= 1024),
    max_upload_bytes    bigint not null default 10485760 check (max_upload_bytes between 1024 and 1073741824),
    max_uploads_per_post integer not null default 10 check (max_uploads_per_post between 1 and 100),
    csv_limit           integer not null default 10000 check (csv_limit between 1 and 1000000),
    change_category     boolean not null default false,
    change_category_restricted boolean not null default false,
    smtp_host           text check (char_length(smtp_host) <= 255),
    smtp_port           integer not null default 25 check (smtp_port between 1 and 65535),
    smtp_tls            text not null default 'none' check (smtp_tls in ('none', 'starttls', 'tls')),
    smtp_username       text check (char_length(smtp_username) <= 255),
    smtp_password_enc   bytea check (octet_length(smtp_password_enc) <= 1024),
    mail_from           text not null default 'flicket@localhost' check (char_length(mail_from) between 3 and 254),
    suppress_send       boolean not null default true,
    digest_cron         text not null default '0 7 * * 1' check (char_length(digest_cron) <= 128),
    digest_timezone     text not null default 'UTC' check (char_length(digest_timezone) <= 64),
    digest_enabled      boolean not null default true,
    updated_at          timestamptz not null default now()
);
create trigger settings_updated_at before update on settings for each row execute function set_updated_at();

-- Authentication state -----------------------------------------------------------------------------------------

-- Only the SHA-256 of each bearer secret is stored: a leaked table signs nobody in.
create table sessions (
    session_id      uuid primary key,
    token_hash      bytea not null unique check (octet_length(token_hash) = 32),
    user_id         bigint not null references users (user_id) on delete cascade,
    created_at      timestamptz not null default now(),
    last_seen_at    timestamptz not null default now(),
    expires_at      timestamptz not null,
    ip              text check (char_length(ip) <= 64),
    user_agent      text check (char_length(user_agent) <= 512)
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

create table api_tokens (
    api_token_id    uuid primary key,
    token_hash      bytea not null unique check (octet_length(token_hash) = 32),
    user_id         bigint not null references users (user_id) on delete cascade,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
create index api_tokens_user_id_idx on api_tokens (user_id);
create index api_tokens_expires_at_idx on api_tokens (expires_at);

create table password_resets (
    password_reset_id uuid primary key,
    token_hash      bytea not null unique check (octet_length(token_hash) = 32),
    user_id         bigint not null references users (user_id) on delete cascade,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    used_at         timestamptz
);
create index password_resets_user_id_idx on password_resets (user_id);
create index password_resets_expires_at_idx on password_resets (expires_at);

-- Failed and successful sign-ins, for the per-account and per-address rate limits (shared by every replica).
create table login_attempts (
    login_attempt_id bigint generated always as identity primary key,
    account_key     text not null check (char_length(account_key) <= 254),
    ip              text not null check (char_length(ip) <= 64),
    succeeded       boolean not null,
    attempted_at    timestamptz not null default now()
);
create index login_attempts_account_idx on login_attempts (account_key, attempted_at);
create index login_attempts_ip_idx on login_attempts (ip, attempted_at);

-- Notifications ------------------------------------------------------------------------------------------------

-- One row per email to send, written in the transaction of the change that causes it.
create table outbox (
    outbox_id       bigint generated always as identity primary key,
    idempotency_key text not null unique check (char_length(idempotency_key) between 1 and 200),
    kind            text not null check (kind in ('reply', 'opened', 'claim', 'assign', 'release', 'close', 'reopen',
                        'password_reset', 'test_email', 'digest')),
    recipient_id    bigint references users (user_id) on delete cascade,
    recipient_email text check (char_length(recipient_email) <= 254),
    ticket_id       bigint references tickets (ticket_id) on delete set null,
    payload         jsonb not null default '{}'::jsonb,
    trace_context   jsonb,
    created_at      timestamptz not null default now(),
    enqueued_at     timestamptz,
    enqueue_count   integer not null default 0,
    delivered_at    timestamptz,
    check (recipient_id is not null or recipient_email is not null)
);
create index outbox_recipient_id_idx on outbox (recipient_id);
create index outbox_ticket_id_idx on outbox (ticket_id);
create index outbox_pending_idx on outbox (created_at) where delivered_at is null;

-- The send ledger: one row per idempotency key, so a job delivered twice sends one email.
create table email_deliveries (
    email_delivery_id bigint generated always as identity primary key,
    idempotency_key text not null unique check (char_length(idempotency_key) between 1 and 200),
    outbox_id       bigint references outbox (outbox_id) on delete set null,
    recipient       text not null check (char_length(recipient) <= 254),
    state           text not null check (state in ('sending', 'sent', 'failed', 'suppressed')),
    attempts        integer not null default 0 check (attempts >= 0),
    last_error      text check (char_length(last_error) <= 2000),
    message_id      text check (char_length(message_id) <= 255),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    finished_at     timestamptz
);
create index email_deliveries_outbox_id_idx on email_deliveries (outbox_id);
create index email_deliveries_state_idx on email_deliveries (state, updated_at);
create trigger email_deliveries_updated_at before update on email_deliveries for each row execute function set_updated_at();

-- One row per digest period, claimed by exactly one scheduler replica.
create table digest_runs (
    period_key      text primary key check (char_length(period_key) between 1 and 64),
    claimed_by      text not null check (char_length(claimed_by) <= 128),
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    emails_enqueued integer not null default 0
);

-- Administrative actions (who changed which user, group, department or setting).
create table audit_log (
    audit_id        bigint generated always as identity primary key,
    actor_id        bigint references users (user_id) on delete set null,
    action          text not null check (char_length(action) between 1 and 64),
    target          text not null default '' check (char_length(target) <= 256),
    data            jsonb,
    ip              text check (char_length(ip) <= 64),
    created_at      timestamptz not null default now()
);
create index audit_log_actor_id_idx on audit_log (actor_id);
create index audit_log_created_at_idx on audit_log (created_at desc);

-- Seed data ----------------------------------------------------------------------------------------------------

insert into settings (settings_id) values (1);

insert into groups (name, builtin) values ('admin', true), ('super_user', true);

insert into statuses (kind, name, position, colour) values
    ('open', 'Open', 1, '#1f6f43'),
    ('closed', 'Closed', 2, '#5c636a'),
    ('in_work', 'In Work', 3, '#0b5ed7'),
    ('awaiting_information', 'Awaiting Information', 4, '#a15c00');

insert into priorities (kind, name, position, colour) values
    ('low', 'low', 1, '#1f6f43'),
    ('medium', 'medium', 2, '#a15c00'),
    ('high', 'high', 3, '#b02a37');

insert into departments (name) values
    ('Design'), ('Manufacturing'), ('IT'), ('Quality'), ('Human Resources'), ('Commercial');

insert into categories (department_id, name)
select d.department_id, c.name
from departments d
join (values
    ('Design', 'Dataset'), ('Design', 'ECN'), ('Design', 'ECR'),
    ('Manufacturing', 'Process Planning'), ('Manufacturing', 'Tooling'), ('Manufacturing', 'Equipment'),
    ('IT', 'Internet'), ('IT', 'Intranet'),
    ('Quality', 'Procedures'), ('Quality', 'Manuals'),
    ('Human Resources', 'Holidays'), ('Human Resources', 'Sick Leave'),
    ('Commercial', 'Approved Suppliers')
) as c (department, name) on c.department = d.name;

-- "Other" in every department (Flicket created it only under the first one).
insert into categories (department_id, name) select department_id, 'Other' from departments;
