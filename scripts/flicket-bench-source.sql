-- A large Flicket 0.3.x source database for the import benchmark (PostgreSQL): fills a database that has the FINAL
-- Flicket schema (services/web/tests/fixtures/flicket/schema-postgres.sql, Alembic head 7ec6c2a6a1c8) with 200
-- users, 10,000 tickets, 50,000 replies and, per ticket, a few actions, subscriptions, history rows and attachments (whose files do not exist: run the import without --uploads, or count
-- them as missing). A few seconds:
--
--     createdb -h 127.0.0.1 -U postgres flicket_bench_src
--     psql -h 127.0.0.1 -U postgres -d flicket_bench_src -q -v ON_ERROR_STOP=1 \
--         -f services/web/tests/fixtures/flicket/schema-postgres.sql -f scripts/flicket-bench-source.sql
--
-- Plain SQL (no psql meta-commands), so `sqlx::raw_sql` can run it too. Every user's password is `olddesk-2021`. Rows:
--   flicket_users 200, flicket_group 3, flicket_groups 206, flicket_department 6, flicket_category 14,
--   flicket_status 4, flicket_priorities 3, flicket_topic 10,000, flicket_post 50,000,
--   flicket_ticket_action 30,000, flicket_ticket_subscription 20,000, flicket_history 7,500,
--   flicket_uploads 1,000, flicket_config 1, alembic_version 1.

INSERT INTO flicket_config (id, mail_server, mail_port, mail_use_tls, mail_use_ssl, mail_debug, mail_username,
    mail_password, mail_default_sender, mail_max_emails, mail_suppress_send, mail_ascii_attachments, posts_per_page,
    allowed_extensions, ticket_upload_folder, avatar_upload_folder, application_title, base_url, auth_domain,
    use_auth_domain, csv_dump_limit, change_category, change_category_only_admin_or_super_user)
VALUES (1, 'smtp.bench.example', 587, true, false, false, 'helpdesk@bench.example', 'smtp-secret', 'helpdesk@bench.example',
    10, false, false, 50, 'txt, log, pdf, png, jpg, jpeg, gif, msg, doc, docx, ppt, pptx, xls, xlsx',
    'application/flicket/static/flicket_uploads', 'application/flicket/static/flicket_avatars', 'Bench Desk',
    'http://bench.example:8000', NULL, false, 1000, true, false);

INSERT INTO flicket_status (id, status) VALUES (1, 'Open'), (2, 'Closed'), (3, 'In Work'), (4, 'Awaiting Information');
INSERT INTO flicket_priorities (id, priority) VALUES (1, 'low'), (2, 'medium'), (3, 'high');
INSERT INTO flicket_department (id, department) VALUES
    (1, 'Design'), (2, 'Manufacturing'), (3, 'IT'), (4, 'Quality'), (5, 'Human Resources'), (6, 'Commercial');
INSERT INTO flicket_category (id, category, department_id) VALUES
    (1, 'Dataset', 1), (2, 'ECN', 1), (3, 'ECR', 1), (4, 'Other', 1), (5, 'Process Planning', 2), (6, 'Tooling', 2),
    (7, 'Equipment', 2), (8, 'Internet', 3), (9, 'Intranet', 3), (10, 'Procedures', 4), (11, 'Manuals', 4),
    (12, 'Holidays', 5), (13, 'Sick Leave', 5), (14, 'Approved Suppliers', 6);
INSERT INTO flicket_group (id, group_name) VALUES (1, 'flicket_admin'), (2, 'super_user'), (3, 'Support');

-- 200 users: 1 is admin, 2-6 super users, 7-20 in Support, every 50th disabled; one bcrypt hash for all (cost 12).
INSERT INTO flicket_users (id, username, name, password, email, date_added, date_modified, job_title, avatar,
    total_posts, total_assigned, token, token_expiration, locale, disabled)
SELECT u,
       CASE WHEN u = 1 THEN 'admin' ELSE 'user' || u END,
       CASE WHEN u = 1 THEN 'admin' ELSE 'User Number ' || u END,
       convert_to('$2b$12$cL8Ry3RpNKJv/OD4kxfFPO.hO8Y9yqdBkFRbrLOxbftKdNjpjDjkm', 'UTF8'),
       CASE WHEN u = 1 THEN 'admin@bench.example' ELSE 'user' || u || '@bench.example' END,
       timestamp '2019-01-01 08:00:00' + u * interval '1 day',
       NULL,
       (ARRAY['Technician', 'Engineer', 'Accountant', 'Buyer', NULL])[1 + u % 5],
       NULL, 0, 0, NULL, NULL,
       CASE WHEN u % 7 = 0 THEN 'fr' ELSE 'en' END,
       u % 50 = 0
FROM generate_series(1, 200) AS u;
INSERT INTO flicket_groups (user_id, group_id)
SELECT 1, 1
UNION ALL SELECT u, 2 FROM generate_series(2, 6) AS u
UNION ALL SELECT u, 3 FROM generate_series(1, 200) AS u;

-- 10,000 tickets, one every 45 minutes from 2019-01-02; replies are 5 per ticket, 20 minutes apart.
INSERT INTO flicket_topic (id, title, content, started_id, date_added, date_modified, modified_id, status_id,
    category_id, assigned_id, ticket_priority_id, hours, last_updated)
SELECT t,
       'Ticket ' || t || ': ' || (ARRAY['printer jams', 'VPN drops', 'password reset', 'new laptop', 'badge broken',
           'monitor flickers', 'access request', 'software install'])[1 + t % 8],
       '## Problem ' || md5(t::text) || E'\n\n'
           || repeat('The **issue** happens again after a restart; see the attached log. ', 2 + t % 10),
       1 + (t * 7) % 200,
       timestamp '2019-01-02 08:00:00' + t * interval '45 minutes',
       CASE WHEN t % 4 = 0 THEN timestamp '2019-01-02 08:30:00' + t * interval '45 minutes' END,
       CASE WHEN t % 4 = 0 THEN 1 + (t * 7) % 200 END,
       1 + t % 4,
       1 + t % 14,
       CASE WHEN t % 3 = 0 THEN 1 + (t * 13) % 20 END,
       1 + t % 3,
       round((t % 9) * 0.25, 2),
       timestamp '2019-01-02 08:00:00' + t * interval '45 minutes' + interval '100 minutes'
FROM generate_series(1, 10000) AS t;

INSERT INTO flicket_post (id, ticket_id, content, user_id, date_added, date_modified, modified_id, hours)
SELECT p,
       1 + (p - 1) / 5,
       'Reply ' || p || ' (' || md5(p::text) || E')\n\n'
           || repeat('Tried the usual fix, it did not help. ', 1 + p % 12),
       1 + (p * 11) % 200,
       timestamp '2019-01-02 08:00:00' + (1 + (p - 1) / 5) * interval '45 minutes' + (1 + (p - 1) % 5) * interval '20 minutes',
       CASE WHEN p % 10 = 0 THEN timestamp '2019-01-02 08:05:00' + (1 + (p - 1) / 5) * interval '45 minutes' + (1 + (p - 1) % 5) * interval '20 minutes' END,
       CASE WHEN p % 10 = 0 THEN 1 + (p * 11) % 200 END,
       round((p % 5) * 0.25, 2)
FROM generate_series(1, 50000) AS p;

-- 3 actions per ticket: assign or claim (before any reply), a status change after reply 1, a priority change or
-- a close after reply 3.
INSERT INTO flicket_ticket_action (id, ticket_id, post_id, user_id, recipient_id, date, action, data)
SELECT (t - 1) * 3 + k,
       t,
       CASE k WHEN 1 THEN NULL WHEN 2 THEN (t - 1) * 5 + 1 ELSE (t - 1) * 5 + 3 END,
       1 + (t * 13) % 20,
       CASE WHEN k = 1 AND t % 2 = 0 THEN 1 + (t * 17) % 200 END,
       timestamp '2019-01-02 08:00:00' + t * interval '45 minutes' + k * interval '25 minutes',
       CASE k WHEN 1 THEN CASE WHEN t % 2 = 0 THEN 'assign' ELSE 'claim' END
              WHEN 2 THEN 'status'
              ELSE CASE WHEN t % 4 = 1 THEN 'close' ELSE 'priority' END END,
       CASE WHEN k = 2 THEN json_build_object('status_id', 1 + t % 4,
                'status', (ARRAY['Open', 'Closed', 'In Work', 'Awaiting Information'])[1 + t % 4])
            WHEN k = 3 AND t % 4 <> 1 THEN json_build_object('priority_id', 1 + t % 3,
                'priority', (ARRAY['low', 'medium', 'high'])[1 + t % 3]) END
FROM generate_series(1, 10000) AS t, generate_series(1, 3) AS k;

-- 2 subscriptions per ticket: its creator and someone else.
INSERT INTO flicket_ticket_subscription (id, ticket_id, user_id)
SELECT (t - 1) * 2 + k, t, CASE k WHEN 1 THEN 1 + (t * 7) % 200 ELSE 1 + (t * 7 + 1) % 200 END
FROM generate_series(1, 10000) AS t, generate_series(1, 2) AS k;

-- History: an edit of every 4th ticket body and of every 10th reply.
INSERT INTO flicket_history (id, post_id, topic_id, date_modified, original_content, user_id)
SELECT t / 4, NULL, t, timestamp '2019-01-02 08:30:00' + t * interval '45 minutes',
       'First version of ticket ' || t, 1 + (t * 7) % 200
FROM generate_series(4, 10000, 4) AS t;
INSERT INTO flicket_history (id, post_id, topic_id, date_modified, original_content, user_id)
SELECT 2500 + p / 10, p, NULL,
       timestamp '2019-01-02 08:05:00' + (1 + (p - 1) / 5) * interval '45 minutes' + (1 + (p - 1) % 5) * interval '20 minutes',
       'First version of reply ' || p, 1 + (p * 11) % 200
FROM generate_series(10, 50000, 10) AS p;

-- Attachments: one on every 20th ticket body and on every 100th reply (no files).
INSERT INTO flicket_uploads (id, posts_id, topic_id, filename, original_filename)
SELECT t / 20, NULL, t, substr(md5('t' || t), 1, 8) || '.txt', 'log-' || t || '.txt'
FROM generate_series(20, 10000, 20) AS t;
INSERT INTO flicket_uploads (id, posts_id, topic_id, filename, original_filename)
SELECT 500 + p / 100, p, NULL, substr(md5('p' || p), 1, 8) || '.png', 'screenshot-' || p || '.png'
FROM generate_series(100, 50000, 100) AS p;

UPDATE flicket_users u SET total_posts = coalesce(t.n, 0) + coalesce(p.n, 0)
FROM (SELECT id FROM flicket_users) AS x
LEFT JOIN (SELECT started_id, count(*) AS n FROM flicket_topic GROUP BY started_id) AS t ON t.started_id = x.id
LEFT JOIN (SELECT user_id, count(*) AS n FROM flicket_post GROUP BY user_id) AS p ON p.user_id = x.id
WHERE u.id = x.id;

-- Move every id sequence past the explicit ids, as in a real Flicket database.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['flicket_config', 'flicket_department', 'flicket_group', 'flicket_priorities',
        'flicket_status', 'flicket_users', 'flicket_category', 'flicket_topic', 'flicket_post',
        'flicket_ticket_subscription', 'flicket_history', 'flicket_ticket_action', 'flicket_uploads'] LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), COALESCE(MAX(id), 0) + 1, false) FROM %I', t, t);
    END LOOP;
END
$$;

ANALYZE;
