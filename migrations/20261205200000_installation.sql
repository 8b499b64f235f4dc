-- This installation's identity: one row, made when the schema is created. Every email job carries it, so a mailer
-- that shares a Redis queue with another installation can tell that installation's jobs from its own and leave them.
create table installation (
    singleton boolean primary key default true check (singleton),
    installation_id uuid not null default gen_random_uuid(),
    created_at timestamptz not null default now()
);

insert into installation default values;
