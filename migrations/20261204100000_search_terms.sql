-- Search postings: one row per word of each ticket's search document (`tickets.search`), with the word's weight in
-- that ticket, in a B-tree ordered by word. A search by relevance reads its words' entries from the index alone
-- (an index-only scan), ranks and counts them, and visits `tickets` only for the page's rows. Through the GIN
-- index it had to visit every match's row to rank it: at 100k tickets and 500k replies, a word in 3 % of the
-- tickets cost ~3,000 heap pages and as many `ts_rank` calls per search; its entries here fill ~25 index pages.
--
-- The rows are derived from `tickets.search` and kept by the trigger below, in the same transaction as the write.
-- The list uses them for searches of plain words and prefixes (`libs/core/src/repo/ticket_list.rs`); phrases and
-- the other orders keep the GIN indexes.

create table search_terms (
    lexeme text collate "C" not null,
    ticket_id bigint not null,
    is_closed boolean not null,
    -- The word's weight in the document: its best place (title 1.0, body 0.4, replies 0.1), raised a little by
    -- how often it occurs (see `search_term_score`).
    score real not null,
    primary key (lexeme, ticket_id) include (is_closed, score)
);

-- A word's weight from the weights of its positions in a document (`unnest(tsvector)`): the best place counts,
-- repetition adds a quarter per factor e. A word whose positions were dropped (a document past 600 kB) weighs as a
-- reply's word. One expression without a FROM, so that PostgreSQL inlines it in the statements that call it.
create function search_term_score(weights text[]) returns real
language sql immutable parallel safe
as $$
    select ((case when 'A' = any(weights) then 1.0
                  when 'B' = any(weights) then 0.4
                  when 'C' = any(weights) then 0.2
                  else 0.1 end)
            * (1 + ln(greatest(cardinality(weights), 1)) / 4))::real
$$;

-- The postings of one ticket, written or rewritten: only the words that changed are touched (adding a reply to a
-- ticket adds its new words and rewrites those whose weight changed). Unchanged rows are left out before the insert:
-- `on conflict do update … where` would still lock them, dirtying their pages and clearing the visibility map bits
-- the index-only scans rely on.
create function search_terms_write(p_ticket bigint, p_closed boolean, doc tsvector) returns void
language sql
as $$
    insert into search_terms (lexeme, ticket_id, is_closed, score)
    select u.lexeme, p_ticket, p_closed, u.score
    from (select d.lexeme, search_term_score(d.weights) as score from unnest(doc) d) u
    where not exists (select 1 from search_terms s
                      where s.lexeme = u.lexeme and s.ticket_id = p_ticket
                        and s.is_closed = p_closed and s.score = u.score)
    on conflict (lexeme, ticket_id) do update
        set is_closed = excluded.is_closed, score = excluded.score
        where (search_terms.is_closed, search_terms.score) is distinct from (excluded.is_closed, excluded.score)
$$;

create function tickets_search_terms() returns trigger
language plpgsql as $$
begin
    -- `flicket seed` loads in bulk with this set and writes the postings once at the end.
    if current_setting('flicket.defer_search_terms', true) = 'on' then
        return null;
    end if;
    if tg_op = 'DELETE' then
        delete from search_terms s using unnest(old.search) u
        where s.lexeme = u.lexeme and s.ticket_id = old.ticket_id;
        return null;
    end if;
    if tg_op = 'UPDATE' then
        delete from search_terms s
        using (select lexeme from unnest(old.search) except select lexeme from unnest(new.search)) gone
        where s.lexeme = gone.lexeme and s.ticket_id = new.ticket_id;
    end if;
    perform search_terms_write(new.ticket_id, new.is_closed, new.search);
    return null;
end;
$$;

create trigger tickets_search_terms_insert after insert on tickets
    for each row execute function tickets_search_terms();
-- Without a column list: `is_closed` is set by a BEFORE trigger when the status changes, which a column list would
-- not see.
create trigger tickets_search_terms_update after update on tickets
    for each row when (old.search is distinct from new.search or old.is_closed is distinct from new.is_closed)
    execute function tickets_search_terms();
create trigger tickets_search_terms_delete after delete on tickets
    for each row execute function tickets_search_terms();

insert into search_terms (lexeme, ticket_id, is_closed, score)
select u.lexeme, t.ticket_id, t.is_closed, search_term_score(u.weights)
from tickets t cross join lateral unnest(t.search) u;

analyze search_terms;
