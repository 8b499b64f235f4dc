-- One search document per ticket: its title (weight A), its body (B) and its replies (D), in `tickets.search`.
-- A search is then one GIN lookup that yields the matching tickets themselves, ranked and counted in the same pass,
-- instead of matching tickets and replies apart and fetching every matching ticket again by id. It also lets the
-- words of one query be found across a ticket and its replies ("imprimante bureau" where each is in a different
-- message), and ranks replies' words too.

-- The replies' part, kept by the reply triggers below.
alter table tickets add column replies_search tsvector not null default '';

-- `doc || more`, kept well under PostgreSQL's 1 MB limit for a tsvector so that adding a reply can never fail:
-- past 600 kB the positions are dropped (the words stay findable; phrases and ranking coarsen), and if even that is
-- too big the document stops growing. One reply is at most 10,000 characters, so `doc || more` itself cannot
-- exceed the limit while `doc` is under 600 kB.
create function search_document_append(doc tsvector, more tsvector) returns tsvector
language plpgsql immutable parallel safe strict
as $$
declare
    joined tsvector := doc || more;
begin
    if pg_column_size(joined) <= 600000 then
        return joined;
    end if;
    joined := strip(doc) || strip(more);
    if pg_column_size(joined) <= 600000 then
        return joined;
    end if;
    return doc;
end;
$$;

-- The replies' document of one ticket, from scratch (after a reply is edited or deleted).
create function ticket_replies_document(p_ticket bigint) returns tsvector
language plpgsql stable
as $$
declare
    doc tsvector := '';
    reply record;
begin
    for reply in select search from posts where ticket_id = p_ticket order by post_id loop
        doc := search_document_append(doc, reply.search);
    end loop;
    return doc;
end;
$$;

update tickets t set replies_search = ticket_replies_document(t.ticket_id) where t.reply_count > 0;

-- The ticket's document now includes its replies.
alter table tickets drop column search;
alter table tickets add column search tsvector generated always as (
    setweight(to_tsvector('simple', f_unaccent(title)), 'A') ||
    setweight(to_tsvector('simple', f_unaccent(content)), 'B') ||
    replies_search
) stored;
create index tickets_search_idx on tickets using gin (search);

-- Replies are no longer searched on their own.
drop index posts_search_idx;

-- Reply count, reply hours and the replies' document, in the same update of the ticket.
create or replace function tickets_reply_counters() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update tickets set reply_count = reply_count + 1, reply_hours = reply_hours + new.hours,
                           replies_search = search_document_append(replies_search, new.search)
        where ticket_id = new.ticket_id;
    elsif tg_op = 'DELETE' then
        update tickets set reply_count = reply_count - 1, reply_hours = reply_hours - old.hours,
                           replies_search = ticket_replies_document(old.ticket_id)
        where ticket_id = old.ticket_id;
    elsif new.content is distinct from old.content then
        update tickets set reply_hours = reply_hours - old.hours + new.hours,
                           replies_search = ticket_replies_document(new.ticket_id)
        where ticket_id = new.ticket_id;
    elsif new.hours is distinct from old.hours then
        update tickets set reply_hours = reply_hours - old.hours + new.hours where ticket_id = new.ticket_id;
    end if;
    return null;
end;
$$;
drop trigger posts_reply_counters on posts;
create trigger posts_reply_counters after insert or delete or update of hours, content on posts
    for each row execute function tickets_reply_counters();

analyze tickets;
