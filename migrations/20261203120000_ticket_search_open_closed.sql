-- A search among open tickets (the list's default) looks only at open tickets' documents: two partial GIN indexes,
-- open and closed, instead of one over every ticket. Each ticket is in exactly one of them, so a write costs what it
-- did; a search of open tickets no longer fetches the closed matches to drop them (at 100k tickets, ~35 % less time
-- for a word in 4 % of them), and one that includes closed tickets ORs the two (the list's statements say both
-- cases explicitly, see libs/core/src/repo/ticket_list.rs).
drop index tickets_search_idx;
create index tickets_search_open_idx on tickets using gin (search) where not is_closed;
create index tickets_search_closed_idx on tickets using gin (search) where is_closed;
