-- A counter moved by every change to departments, categories, statuses and priorities. The web keeps their names in
-- memory and reads them again only when the counter moved, so a page never shows a stale name and does not re-read
-- (and re-sort) the four tables on every request.
create table catalog_version (
    id boolean primary key default true check (id),
    version bigint not null
);
insert into catalog_version (version) values (1);

create function catalog_version_bump() returns trigger
    language plpgsql as $$
begin
    update catalog_version set version = version + 1;
    return null;
end;
$$;

create trigger departments_catalog_version after insert or update or delete or truncate on departments
    for each statement execute function catalog_version_bump();
create trigger categories_catalog_version after insert or update or delete or truncate on categories
    for each statement execute function catalog_version_bump();
create trigger statuses_catalog_version after insert or update or delete or truncate on statuses
    for each statement execute function catalog_version_bump();
create trigger priorities_catalog_version after insert or update or delete or truncate on priorities
    for each statement execute function catalog_version_bump();
