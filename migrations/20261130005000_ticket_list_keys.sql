-- The ticket list at scale. Its default order is the priority's position and it hides closed tickets, but both facts
-- live in small side tables, so every list had to join, sort and count every ticket. Here:
--   * each ticket carries copies of its priority's position and of "its status is a closed one", kept by triggers,
--     so the common orders are index scans that stop after one page;
--   * the number of tickets per (category, status, priority) is kept in `ticket_counts` by statement triggers, so
--     the list's total and the dashboard's charts read a few hundred rows instead of counting every ticket.

alter table tickets add column priority_position integer not null default 0;
alter table tickets add column is_closed boolean not null default false;

update tickets t set priority_position = p.position from priorities p where p.priority_id = t.priority_id;
update tickets t set is_closed = true from statuses s where s.status_id = t.status_id and s.kind = 'closed';

create function tickets_list_keys() returns trigger
language plpgsql as $$
begin
    select position into new.priority_position from priorities where priority_id = new.priority_id;
    new.is_closed := coalesce((select kind = 'closed' from statuses where status_id = new.status_id), false);
    return new;
end;
$$;
create trigger tickets_list_keys before insert or update of priority_id, status_id on tickets
    for each row execute function tickets_list_keys();

create function priorities_position_changed() returns trigger
language plpgsql as $$
begin
    update tickets set priority_position = new.position where priority_id = new.priority_id;
    return null;
end;
$$;
create trigger priorities_position_changed after update of position on priorities
    for each row when (old.position is distinct from new.position)
    execute function priorities_position_changed();

create function statuses_kind_changed() returns trigger
language plpgsql as $$
begin
    update tickets set is_closed = (new.kind = 'closed') where status_id = new.status_id;
    return null;
end;
$$;
create trigger statuses_kind_changed after update of kind on statuses
    for each row when (old.kind is distinct from new.kind)
    execute function statuses_kind_changed();

-- The list's indexes: keyed by its orders, carrying the columns its filters test, so a page is an index-only scan.
drop index tickets_list_covering_idx;
create index tickets_list_id_idx on tickets (ticket_id)
    include (is_closed, category_id, status_id, priority_id, creator_id, assignee_id);
create index tickets_list_open_priority_idx on tickets (priority_position desc, ticket_id)
    include (category_id, status_id, priority_id, creator_id, assignee_id) where not is_closed;
create index tickets_list_priority_idx on tickets (priority_position desc, ticket_id);

-- Tickets per category, status and priority.
create table ticket_counts (
    category_id bigint not null references categories (category_id) on delete cascade,
    status_id   bigint not null references statuses (status_id) on delete cascade,
    priority_id bigint not null references priorities (priority_id) on delete cascade,
    tickets     bigint not null,
    primary key (category_id, status_id, priority_id)
);

insert into ticket_counts (category_id, status_id, priority_id, tickets)
select category_id, status_id, priority_id, count(*) from tickets group by 1, 2, 3;

-- Inserts and deletes are counted per statement (bulk loads pay one upsert per key). An update is counted per row,
-- and only when the ticket changes key (the trigger's WHEN clause costs nothing otherwise: most updates of a ticket
-- are replies and edits). The -1 and the +1 go in one upsert in key order, so two transactions moving tickets in
-- opposite directions lock the two counters in the same order and cannot deadlock.
create function ticket_counts_apply() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into ticket_counts (category_id, status_id, priority_id, tickets)
        select category_id, status_id, priority_id, count(*) from new_rows group by 1, 2, 3 order by 1, 2, 3
        on conflict (category_id, status_id, priority_id)
        do update set tickets = ticket_counts.tickets + excluded.tickets;
    else
        insert into ticket_counts (category_id, status_id, priority_id, tickets)
        select category_id, status_id, priority_id, -count(*) from old_rows group by 1, 2, 3 order by 1, 2, 3
        on conflict (category_id, status_id, priority_id)
        do update set tickets = ticket_counts.tickets + excluded.tickets;
    end if;
    return null;
end;
$$;
create trigger ticket_counts_insert after insert on tickets
    referencing new table as new_rows for each statement execute function ticket_counts_apply();
create trigger ticket_counts_delete after delete on tickets
    referencing old table as old_rows for each statement execute function ticket_counts_apply();

create function ticket_counts_move() returns trigger
language plpgsql as $$
begin
    insert into ticket_counts (category_id, status_id, priority_id, tickets)
    select * from (values (old.category_id, old.status_id, old.priority_id, -1::bigint),
                          (new.category_id, new.status_id, new.priority_id, 1::bigint)) as change
    order by 1, 2, 3
    on conflict (category_id, status_id, priority_id)
    do update set tickets = ticket_counts.tickets + excluded.tickets;
    return null;
end;
$$;
create trigger ticket_counts_move after update of category_id, status_id, priority_id on tickets
    for each row
    when ((old.category_id, old.status_id, old.priority_id) is distinct from (new.category_id, new.status_id, new.priority_id))
    execute function ticket_counts_move();
