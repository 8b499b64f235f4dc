-- Full-text search over titles, bodies and replies, and the counters the ticket list sorts on.
-- Text is lower-cased and accents are folded (`f_unaccent`), with the `simple` configuration: no stemming, so
-- French and English text are found alike, and prefixes work on the last word typed.

create extension if not exists unaccent;

-- unaccent() is only STABLE (its dictionary could change); this wrapper pins the dictionary so it can be used in
-- generated columns and indexes.
create function f_unaccent(text) returns text
language sql immutable parallel safe strict
as $$ select public.unaccent('public.unaccent'::regdictionary, $1) $$;

alter table tickets add column search tsvector generated always as (
    setweight(to_tsvector('simple', f_unaccent(title)), 'A') ||
    setweight(to_tsvector('simple', f_unaccent(content)), 'B')
) stored;
create index tickets_search_idx on tickets using gin (search);

alter table posts add column search tsvector generated always as (
    to_tsvector('simple', f_unaccent(content))
) stored;
create index posts_search_idx on posts using gin (search);

-- Reply count and reply hours, kept by triggers so that every write path (UI, API, import) keeps them right.
alter table tickets add column reply_count integer not null default 0 check (reply_count >= 0);
alter table tickets add column reply_hours numeric(12, 2) not null default 0 check (reply_hours >= 0);

create function tickets_reply_counters() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update tickets set reply_count = reply_count + 1, reply_hours = reply_hours + new.hours
        where ticket_id = new.ticket_id;
    elsif tg_op = 'DELETE' then
        update tickets set reply_count = reply_count - 1, reply_hours = reply_hours - old.hours
        where ticket_id = old.ticket_id;
    elsif new.hours is distinct from old.hours then
        update tickets set reply_hours = reply_hours - old.hours + new.hours where ticket_id = new.ticket_id;
    end if;
    return null;
end;
$$;
create trigger posts_reply_counters after insert or delete or update of hours on posts
    for each row execute function tickets_reply_counters();

-- Sorting and filtering of the list.
create index tickets_created_at_idx on tickets (created_at);
create index tickets_title_idx on tickets (lower(title));
