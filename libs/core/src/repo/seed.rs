//! Deterministic demo and benchmark data, inserted set-based by PostgreSQL itself (`generate_series`), so a
//! hundred thousand tickets take seconds. Every random choice is a hash of (seed, row, field): the same seed always
//! gives the same data.

use sqlx::PgConnection;

/// Inserts `count` users numbered from `first` (user names `user{n}`), all with the given password hash.
pub async fn users(
    conn: &mut PgConnection,
    seed: i64,
    first: i64,
    count: i64,
    password_hash: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"with first_names (arr) as (values (array['Ada','Alan','Grace','Linus','Margaret','Ken','Barbara','Donald',
               'Edsger','Frances','Claire','Hélène','Élodie','Jérôme','François','Amélie','Céline','Benoît','Zoé','Noël'])),
           last_names (arr) as (values (array['Lovelace','Turing','Hopper','Torvalds','Hamilton','Thompson','Liskov',
               'Knuth','Dijkstra','Allen','Dubois','Lefèvre','Bérard','Mercier','Fournier','Girard','Lambert','Rousseau',
               'Garçon','Châtelet']))
           insert into users (username, name, email, password_hash, job_title, locale, created_at)
           select 'user' || n,
                  f.arr[1 + abs(hashtextextended('fn' || n, $1)) % 20] || ' ' ||
                  l.arr[1 + abs(hashtextextended('ln' || n, $1)) % 20],
                  'user' || n || '@example.com',
                  $4,
                  (array['Engineer','Technician','Buyer','Planner','Quality lead','HR officer'])
                      [1 + abs(hashtextextended('job' || n, $1)) % 6],
                  case when abs(hashtextextended('loc' || n, $1)) % 10 < 3 then 'fr' else 'en' end,
                  now() - make_interval(days => (abs(hashtextextended('age' || n, $1)) % 900)::int)
           from generate_series($2::bigint, $2 + $3 - 1) as n, first_names f, last_names l
           on conflict do nothing"#,
        seed,
        first,
        count,
        password_hash
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Inserts `count` tickets by the seeded users (`user{n}`), with a realistic spread of statuses, priorities,
/// categories, dates, assignees and hours, and subscribes each creator (and assignee).
pub async fn tickets(
    conn: &mut PgConnection,
    seed: i64,
    first: i64,
    count: i64,
) -> sqlx::Result<u64> {
    let inserted = sqlx::query!(
        r#"with seeded_users as (select array_agg(user_id order by user_id) as ids from users where username like 'user%'),
           cats as (select array_agg(category_id order by category_id) as ids from categories),
           st as (select array_agg(status_id order by position) as ids from statuses where kind <> 'custom'),
           pr as (select array_agg(priority_id order by position) as ids from priorities where kind <> 'custom'),
           subjects (arr) as (values (array['Printer on floor 2 jams','VPN drops every hour','New laptop for',
               'Cannot open the shared drive','ECN approval needed for','Holiday request for','Tooling quote for',
               'Écran noir au démarrage','Imprimante bloquée au 3e étage','Accès refusé au dossier partagé',
               'Demande de congés pour','Mise à jour du manuel qualité','Badge d''accès perdu','Réunion fournisseur'])),
           objects (arr) as (values (array['the design office','line 4','the Lyon site','the Q3 audit','project Orion',
               'l''atelier','le bureau d''études','la ligne 2','le site de Nantes','l''équipe de nuit'])),
           bodies (arr) as (values (array[
               E'Hello,\n\nSince **this morning** the problem happens again:\n\n1. open the application\n2. click *Save*\n3. nothing happens\n\nThanks for your help.',
               E'Bonjour,\n\nDepuis **ce matin**, le problème revient :\n\n- ouverture du fichier impossible\n- message « accès refusé »\n\nMerci d''avance.',
               E'Please see the attached log. The error is `E42: timeout` and it started after the last update.',
               E'Le fournisseur demande une validation avant vendredi. Voir [la procédure](https://intranet.example/proc).',
               E'## Context\n\nWe need a quote for the new fixture.\n\n> Deadline: end of month\n\nRegards'])),
           new_tickets as (
               insert into tickets (title, content, creator_id, assignee_id, category_id, status_id, priority_id,
                                    hours, created_at, updated_at, last_activity_at, closed_at)
               select left(sj.arr[lang.fr * 7 + 1 + abs(hashtextextended('t' || n, $1)) % 7] || ' ' ||
                           ob.arr[lang.fr * 5 + 1 + abs(hashtextextended('o' || n, $1)) % 5] || ' #' || n, 128),
                      b.arr[case when lang.fr = 1 then 2 + 2 * (abs(hashtextextended('b' || n, $1)) % 2)
                                 else 1 + 2 * (abs(hashtextextended('b' || n, $1)) % 3) end],
                      u.ids[1 + abs(hashtextextended('c' || n, $1)) % cardinality(u.ids)],
                      case when abs(hashtextextended('a' || n, $1)) % 10 < 6
                           then u.ids[1 + abs(hashtextextended('as' || n, $1)) % cardinality(u.ids)] end,
                      c.ids[1 + abs(hashtextextended('cat' || n, $1)) % cardinality(c.ids)],
                      st.ids[case when abs(hashtextextended('s' || n, $1)) % 20 < 10 then 1
                                  when abs(hashtextextended('s' || n, $1)) % 20 < 15 then 2
                                  when abs(hashtextextended('s' || n, $1)) % 20 < 18 then 3 else 4 end],
                      pr.ids[1 + abs(hashtextextended('p' || n, $1)) % cardinality(pr.ids)],
                      (abs(hashtextextended('h' || n, $1)) % 800) / 100.0,
                      d.created, d.created, d.created + make_interval(hours => (abs(hashtextextended('u' || n, $1)) % 500)::int),
                      null
               from generate_series($2::bigint, $2 + $3 - 1) as n
               cross join seeded_users u cross join cats c cross join st cross join pr
               cross join subjects sj cross join objects ob cross join bodies b
               cross join lateral (select (abs(hashtextextended('lang' || n, $1)) % 10 < 3)::int as fr) lang
               cross join lateral (select now() - make_interval(mins => (abs(hashtextextended('d' || n, $1)) % 1000000)::int) as created) d
               returning ticket_id, creator_id, assignee_id
           ),
           subs as (
               insert into subscriptions (ticket_id, user_id)
               select ticket_id, creator_id from new_tickets
               union
               select ticket_id, assignee_id from new_tickets where assignee_id is not null
               on conflict do nothing
           )
           select count(*) as "n!" from new_tickets"#,
        seed,
        first,
        count
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(inserted.n).unwrap_or(0))
}

/// Adds `per_ticket` replies to each ticket with an id in `[from_id, to_id]`, by random seeded users.
pub async fn replies(
    conn: &mut PgConnection,
    seed: i64,
    from_id: i64,
    to_id: i64,
    per_ticket: i32,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"with seeded_users as (select array_agg(user_id order by user_id) as ids from users where username like 'user%'),
           texts (arr) as (values (array[
               E'Thanks, I am looking into it.', E'Merci, je regarde ça tout de suite.',
               E'Could you send a screenshot?\n\n- which *version*?\n- since when?',
               E'Le correctif est déployé, pouvez-vous **confirmer** ?', E'Fixed by restarting the `spooler` service.',
               E'Toujours en attente de la réponse du fournisseur.', E'Ordered, delivery expected next week.']))
           insert into posts (ticket_id, author_id, content, hours, created_at, updated_at)
           select t.ticket_id,
                  u.ids[1 + abs(hashtextextended('r' || t.ticket_id || ':' || k, $1)) % cardinality(u.ids)],
                  x.arr[1 + abs(hashtextextended('x' || t.ticket_id || ':' || k, $1)) % 7],
                  (abs(hashtextextended('rh' || t.ticket_id || ':' || k, $1)) % 300) / 100.0,
                  t.created_at + make_interval(mins => k * 37), t.created_at + make_interval(mins => k * 37)
           from tickets t cross join generate_series(1, $4::int) as k cross join seeded_users u cross join texts x
           where t.ticket_id between $2 and $3"#,
        seed,
        from_id,
        to_id,
        per_ticket
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Recomputes every stored counter from the rows (after a bulk load).
pub async fn recount(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets t set reply_count = coalesce(p.n, 0), reply_hours = coalesce(p.h, 0)
         from (select t2.ticket_id, count(po.post_id)::int as n, sum(po.hours) as h
               from tickets t2 left join posts po on po.ticket_id = t2.ticket_id group by t2.ticket_id) p
         where p.ticket_id = t.ticket_id and (t.reply_count, t.reply_hours) is distinct from (coalesce(p.n, 0), coalesce(p.h, 0))"
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update users u set total_posts = c.posts, total_assigned = c.assigned
         from (select u2.user_id,
                      (select count(*) from tickets where creator_id = u2.user_id)
                        + (select count(*) from posts where author_id = u2.user_id) as posts,
                      (select count(*) from tickets where assignee_id = u2.user_id) as assigned
               from users u2) c
         where c.user_id = u.user_id"
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The id range of the tickets created by the last seeding call (the highest `count` ids).
pub async fn last_ticket_ids(conn: &mut PgConnection, count: i64) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query!(r#"select coalesce(max(ticket_id), 0) as "max!" from tickets"#)
        .fetch_one(conn)
        .await?;
    Ok((row.max - count + 1, row.max))
}

/// How many seeded users (`user{n}`) exist, so a second seeding continues the numbering.
pub async fn count_seeded_users(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from users where username ~ '^user[0-9]+$'"#)
        .fetch_one(conn)
        .await
}

/// The number to give the next seeded ticket (titles carry it, so reruns stay distinct).
pub async fn next_ticket_number(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select coalesce(max(ticket_id), 0) + 1 as "n!" from tickets"#)
        .fetch_one(conn)
        .await
}

/// The distinct markdown sources of tickets and replies whose HTML has not been rendered yet (seeded rows).
pub async fn unrendered_sources(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select content as "content!" from tickets where content_html = ''
           union
           select content from posts where content_html = ''"#
    )
    .fetch_all(conn)
    .await
}

/// Stores the rendered HTML of each source on every ticket and reply that has that source and no HTML yet.
pub async fn store_rendered(
    conn: &mut PgConnection,
    sources: &[String],
    html: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        "update tickets t set content_html = m.html
         from unnest($1::text[], $2::text[]) as m (md, html)
         where t.content = m.md and t.content_html = ''",
        sources,
        html
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update posts p set content_html = m.html
         from unnest($1::text[], $2::text[]) as m (md, html)
         where p.content = m.md and p.content_html = ''",
        sources,
        html
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Defers the search postings of the tickets this connection writes from now on (`search_terms`, kept by a trigger
/// row by row): a bulk load writes them once with [`write_search_terms`].
pub async fn defer_search_terms(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::raw_sql("set flicket.defer_search_terms = on")
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends [`defer_search_terms`] and writes the postings of every ticket numbered above `after` (the tickets loaded).
pub async fn write_search_terms(conn: &mut PgConnection, after: i64) -> sqlx::Result<()> {
    sqlx::raw_sql("reset flicket.defer_search_terms")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "insert into search_terms (lexeme, ticket_id, is_closed, score)
         select u.lexeme, t.ticket_id, t.is_closed, search_term_score(u.weights)
         from tickets t cross join lateral unnest(t.search) u
         where t.ticket_id > $1
         on conflict (lexeme, ticket_id) do nothing",
        after
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites the tables the seed filled and refreshes the planner's statistics. Seeding updates every ticket once
/// per reply (the reply counters and search document are kept by triggers), which leaves the table several times
/// its size in dead rows; a real database reaches its size over years with autovacuum reusing that space, and a
/// restored one starts compact. Takes an exclusive lock on `tickets` and `posts` while it runs.
pub async fn compact(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::raw_sql("vacuum (full, analyze) tickets, posts")
        .execute(&mut *conn)
        .await?;
    // The postings are read by index-only scans: their visibility map must be set.
    sqlx::raw_sql("vacuum (analyze) search_terms")
        .execute(conn)
        .await?;
    Ok(())
}
