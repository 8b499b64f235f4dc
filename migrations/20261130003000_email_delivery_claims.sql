-- The send ledger's claim and retry schedule.
-- `claimed_by`/`claimed_at`: the mailer process sending this email right now (a lease; a stale one is taken over).
-- `next_attempt_at`: when a delivery that failed for a transient reason may be tried again.
alter table email_deliveries
    add column claimed_by text check (char_length(claimed_by) <= 128),
    add column claimed_at timestamptz,
    add column next_attempt_at timestamptz;

-- The admin's email log lists the most recent deliveries first.
create index email_deliveries_created_at_idx on email_deliveries (created_at desc);
