-- The ticket list reads a dozen narrow columns of every matching ticket (to sort and count them) while a ticket row
-- also carries its body, the rendered HTML and the search vector. This index holds just the listed columns, so the
-- list is an index-only scan of a few MB instead of a scan of the whole table.
create index tickets_list_covering_idx on tickets (ticket_id)
    include (title, priority_id, status_id, category_id, creator_id, assignee_id, created_at, last_activity_at,
             reply_count, hours, reply_hours);
