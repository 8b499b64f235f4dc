-- Tickets, part 2: the sanitised HTML of every markdown body is stored next to its source (rendered once, when the
-- text is written, not on every view), and uploads get a per-request limit next to the per-file one.

alter table tickets add column content_html text not null default ''
    check (char_length(content_html) <= 1000000);
alter table posts add column content_html text not null default ''
    check (char_length(content_html) <= 1000000);
alter table edit_history add column original_html text not null default ''
    check (char_length(original_html) <= 1000000);

-- Total size of the files of one ticket, reply or edit (the per-file limit is `max_upload_bytes`).
alter table settings add column max_request_bytes bigint not null default 26214400
    check (max_request_bytes between 1024 and 4294967296);
