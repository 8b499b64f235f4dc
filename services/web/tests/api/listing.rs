//! The ticket list: filters, scopes, sorting, search, CSV and the dashboard.

use flicket_core::Locale;
use flicket_core::repo::ticket_list;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

struct T<'a> {
    title: &'a str,
    content: &'a str,
    creator: i64,
    assignee: Option<i64>,
    status: &'a str,
    priority: &'a str,
    category: &'a str,
    hours: f64,
}

impl Default for T<'_> {
    fn default() -> Self {
        T {
            title: "A ticket",
            content: "Some content here",
            creator: 0,
            assignee: None,
            status: "open",
            priority: "low",
            category: "Dataset",
            hours: 0.0,
        }
    }
}

async fn ticket(pool: &PgPool, t: T<'_>) -> i64 {
    sqlx::query_scalar(
        "insert into tickets (title, content, creator_id, assignee_id, category_id, status_id, priority_id, hours)
         select $1, $2, $3, $4,
                (select category_id from categories where name = $7 order by category_id limit 1),
                (select status_id from statuses where kind = $5),
                (select priority_id from priorities where kind = $6), $8::numeric
         returning ticket_id",
    )
    .bind(t.title)
    .bind(t.content)
    .bind(t.creator)
    .bind(t.assignee)
    .bind(t.status)
    .bind(t.priority)
    .bind(t.category)
    .bind(t.hours)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn reply(pool: &PgPool, ticket: i64, author: i64, content: &str, hours: f64) {
    sqlx::query(
        "insert into posts (ticket_id, author_id, content, hours) values ($1, $2, $3, $4::numeric)",
    )
    .bind(ticket)
    .bind(author)
    .bind(content)
    .bind(hours)
    .execute(pool)
    .await
    .unwrap();
}

/// Three tickets holding a word in their title, body and one reply (the given texts), created reply first, then
/// body, then title (so ids run against the ranking); returned as [title, body, reply].
async fn word_in_title_body_and_reply(pool: &PgPool, creator: i64, texts: [&str; 3]) -> [i64; 3] {
    let [title, body, reply_text] = texts;
    let in_reply = ticket(
        pool,
        T {
            title: "Unrelated title",
            content: "Unrelated body",
            creator,
            ..T::default()
        },
    )
    .await;
    reply(pool, in_reply, creator, reply_text, 0.0).await;
    let in_body = ticket(
        pool,
        T {
            title: "Another title",
            content: body,
            creator,
            ..T::default()
        },
    )
    .await;
    let in_title = ticket(
        pool,
        T {
            title,
            content: "Nothing to see",
            creator,
            ..T::default()
        },
    )
    .await;
    [in_title, in_body, in_reply]
}

/// The ticket ids shown on a list page, in order.
fn ids(html: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in html.split("<td><a href=\"/tickets/").skip(1) {
        let n: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        out.push(n.parse().unwrap());
    }
    // The number and the title cells both link to the ticket.
    out.dedup();
    out
}

fn unescape(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

async fn list(app: &TestApp, query: &str) -> Vec<i64> {
    let resp = app.get(&format!("/tickets?{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    ids(&resp.text().await.unwrap())
}

struct World {
    ada: i64,
    bob: i64,
    t_open: i64,
    t_closed: i64,
    t_bob: i64,
    t_hr: i64,
}

async fn world(pool: &PgPool) -> World {
    let ada = create_user(pool, "ada", false, Locale::En).await.0;
    let bob = create_user(pool, "bob", false, Locale::En).await.0;
    let t_open = ticket(
        pool,
        T {
            title: "Imprimante bloquée",
            content: "L'éléphant est dans la pièce",
            creator: ada,
            priority: "high",
            hours: 1.0,
            ..T::default()
        },
    )
    .await;
    let t_closed = ticket(
        pool,
        T {
            title: "Old closed issue",
            creator: ada,
            status: "closed",
            ..T::default()
        },
    )
    .await;
    let t_bob = ticket(
        pool,
        T {
            title: "Zebra printer",
            creator: bob,
            assignee: Some(ada),
            status: "in_work",
            priority: "medium",
            ..T::default()
        },
    )
    .await;
    let t_hr = ticket(
        pool,
        T {
            title: "Holiday request",
            creator: bob,
            category: "Holidays",
            hours: 5.0,
            ..T::default()
        },
    )
    .await;
    reply(pool, t_bob, bob, "The spooler service crashed again", 2.5).await;
    reply(pool, t_bob, ada, "Restarted it", 0.5).await;
    reply(pool, t_hr, ada, "Approved", 0.0).await;
    sqlx::query("insert into subscriptions (ticket_id, user_id) values ($1, $2)")
        .bind(t_hr)
        .bind(ada)
        .execute(pool)
        .await
        .unwrap();
    World {
        ada,
        bob,
        t_open,
        t_closed,
        t_bob,
        t_hr,
    }
}

async fn signed_in(pool: PgPool) -> TestApp {
    let app = spawn_app(pool).await;
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn closed_tickets_are_hidden_unless_asked_for(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool.clone()).await;
    let all = sorted(list(&app, "").await);
    assert_eq!(all, sorted(vec![w.t_open, w.t_bob, w.t_hr]));
    assert!(sorted(list(&app, "include_closed=1").await).contains(&w.t_closed));
    let closed_id: i64 = sqlx::query_scalar("select status_id from statuses where kind = 'closed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        list(&app, &format!("status={closed_id}")).await,
        [w.t_closed]
    );
    // A search follows the same rule (open and closed tickets' documents are indexed apart).
    assert!(list(&app, "q=issue").await.is_empty());
    assert_eq!(list(&app, "q=issue&include_closed=1").await, [w.t_closed]);
    assert_eq!(
        list(&app, &format!("q=issue&status={closed_id}")).await,
        [w.t_closed]
    );
    assert_eq!(
        sorted(list(&app, "q=imprimante%20or%20issue&include_closed=1").await),
        sorted(vec![w.t_open, w.t_closed])
    );
    // Closing a ticket moves its document with it.
    sqlx::query("update tickets set status_id = $1 where ticket_id = $2")
        .bind(closed_id)
        .bind(w.t_open)
        .execute(&pool)
        .await
        .unwrap();
    assert!(list(&app, "q=imprimante").await.is_empty());
    assert_eq!(
        list(&app, "q=imprimante&include_closed=1").await,
        [w.t_open]
    );
    let page = app.get_text("/tickets?q=imprimante&include_closed=1").await;
    assert!(page.contains("1 ticket"), "the search's total");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn filters_combine_with_and(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool.clone()).await;
    let (hr_dept, holidays): (i64, i64) =
        sqlx::query_as("select department_id, category_id from categories where name = 'Holidays'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(list(&app, &format!("department={hr_dept}")).await, [w.t_hr]);
    assert_eq!(list(&app, &format!("category={holidays}")).await, [w.t_hr]);
    assert_eq!(
        sorted(list(&app, &format!("creator={}", w.bob)).await),
        sorted(vec![w.t_bob, w.t_hr])
    );
    assert_eq!(list(&app, &format!("assignee={}", w.ada)).await, [w.t_bob]);
    assert_eq!(
        sorted(list(&app, "user=ada").await),
        sorted(vec![w.t_open, w.t_bob])
    );
    assert_eq!(
        list(&app, &format!("creator={}&assignee={}", w.bob, w.ada)).await,
        [w.t_bob]
    );
    for name in ["nobody", "bo%00b", "%C2%95ada%0B", &"a".repeat(5_000)] {
        let resp = app.get(&format!("/tickets?user={name}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{name}");
        let unknown = resp.text().await.unwrap();
        assert!(
            unknown.contains("No user has this name.") && ids(&unknown).is_empty(),
            "{name}"
        );
    }
    // Malformed values are ignored, never a server error.
    assert_eq!(
        list(&app, "department=abc&category=-1&page=0").await.len(),
        3
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn scopes_stay_in_force_while_filtering_and_sorting(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool).await;
    assert_eq!(
        sorted(list(&app, "scope=mine").await),
        sorted(vec![w.t_open, w.t_bob])
    );
    assert_eq!(list(&app, "scope=created").await, [w.t_open]);
    assert_eq!(list(&app, "scope=assigned").await, [w.t_bob]);
    assert_eq!(list(&app, "scope=subscribed").await, [w.t_hr]);
    assert_eq!(list(&app, "scope=mine&q=zebra&sort=title").await, [w.t_bob]);
    // The export link and the search form keep the scope.
    let page = unescape(&app.get_text("/tickets?scope=mine&sort=title").await);
    assert!(page.contains("/tickets.csv?scope=mine&sort=title"));
    assert!(page.contains("<input type=\"hidden\" name=\"scope\" value=\"mine\">"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn every_sort_key_orders_both_ways_with_ties_by_id(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool).await;
    let cases: &[(&str, Vec<i64>)] = &[
        ("priority", vec![w.t_hr, w.t_bob, w.t_open]),
        ("ticketid", vec![w.t_open, w.t_bob, w.t_hr]),
        ("title", vec![w.t_hr, w.t_open, w.t_bob]),
        ("addedby", vec![w.t_open, w.t_bob, w.t_hr]),
        ("addedon", vec![w.t_open, w.t_bob, w.t_hr]),
        ("department_category", vec![w.t_open, w.t_bob, w.t_hr]),
        ("status", vec![w.t_open, w.t_hr, w.t_bob]),
        ("assigned", vec![w.t_open, w.t_hr, w.t_bob]),
        ("replies", vec![w.t_open, w.t_hr, w.t_bob]),
        ("time", vec![w.t_open, w.t_bob, w.t_hr]),
    ];
    for (key, expected) in cases {
        assert_eq!(&list(&app, &format!("sort={key}")).await, expected, "{key}");
    }
    // Descending: the reverse, except that ties stay in id order.
    assert_eq!(
        list(&app, "sort=priority_desc").await,
        [w.t_open, w.t_bob, w.t_hr]
    );
    assert_eq!(
        list(&app, "sort=ticketid_desc").await,
        [w.t_hr, w.t_bob, w.t_open]
    );
    assert_eq!(
        list(&app, "sort=title_desc").await,
        [w.t_bob, w.t_open, w.t_hr]
    );
    assert_eq!(
        list(&app, "sort=addedby_desc").await,
        [w.t_bob, w.t_hr, w.t_open]
    );
    assert_eq!(
        list(&app, "sort=addedon_desc").await,
        [w.t_hr, w.t_bob, w.t_open]
    );
    assert_eq!(
        list(&app, "sort=department_category_desc").await,
        [w.t_hr, w.t_open, w.t_bob]
    );
    assert_eq!(
        list(&app, "sort=status_desc").await,
        [w.t_bob, w.t_open, w.t_hr]
    );
    assert_eq!(
        list(&app, "sort=assigned_desc").await,
        [w.t_bob, w.t_open, w.t_hr]
    );
    assert_eq!(
        list(&app, "sort=replies_desc").await,
        [w.t_bob, w.t_hr, w.t_open]
    );
    assert_eq!(
        list(&app, "sort=time_desc").await,
        [w.t_hr, w.t_bob, w.t_open]
    );
    assert_eq!(
        list(&app, "sort=last_updated").await,
        [w.t_open, w.t_bob, w.t_hr]
    );
    assert_eq!(list(&app, "sort=last_updated_desc").await.len(), 3);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_sort_choice_is_remembered(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool).await;
    assert_eq!(
        list(&app, "sort=title_desc").await,
        [w.t_bob, w.t_open, w.t_hr]
    );
    assert_eq!(
        list(&app, "").await,
        [w.t_bob, w.t_open, w.t_hr],
        "remembered"
    );
    assert_eq!(
        list(&app, "sort=bogus").await,
        [w.t_bob, w.t_open, w.t_hr],
        "unknown keys are ignored"
    );
    // An export in another order follows that order but leaves the list's remembered choice alone.
    let csv = app.get_text("/tickets.csv?sort=title").await;
    let ids: Vec<i64> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].trim_start_matches('0').parse().unwrap())
        .collect();
    assert_eq!(ids, [w.t_hr, w.t_open, w.t_bob], "{csv}");
    assert_eq!(
        list(&app, "").await,
        [w.t_bob, w.t_open, w.t_hr],
        "still remembered after an export"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn search_finds_replies_accents_prefixes_and_honours_exclusions(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool).await;
    assert_eq!(
        list(&app, "q=spooler").await,
        [w.t_bob],
        "a word only in a reply"
    );
    assert_eq!(list(&app, "q=elephant").await, [w.t_open], "accents folded");
    assert_eq!(list(&app, "q=IMPRIMANTE").await, [w.t_open], "case folded");
    assert_eq!(
        list(&app, "q=imprim").await,
        [w.t_open],
        "prefix on the last word"
    );
    assert_eq!(
        sorted(list(&app, "q=printer+or+imprimante").await),
        sorted(vec![w.t_open, w.t_bob])
    );
    assert_eq!(list(&app, "q=printer+-zebra").await, Vec::<i64>::new());
    assert_eq!(
        list(&app, "q=%22zebra+printer%22").await,
        [w.t_bob],
        "phrase"
    );
    assert_eq!(
        list(&app, "q=%22printer+zebra%22").await,
        Vec::<i64>::new(),
        "phrase order matters"
    );
    // Operators typed by a user are text, not syntax.
    let resp = app.get("/tickets?q=%27%3A*%26%7C!(").await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Text with no word to find (exclusions alone, a lone `or`, a dash, empty quotes) does not filter the list, and the
/// page says so beside the search box, in the user's language; a search with a word to find shows no such message.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_search_with_no_word_to_find_is_not_applied_and_says_so(pool: PgPool) {
    let _w = world(&pool).await;
    let app = signed_in(pool.clone()).await;
    let everything = sorted(list(&app, "").await);
    assert!(everything.len() > 1);
    let notice = "This search has no word to find";
    for q in [
        "-zebra",
        "or",
        "-",
        "%22%22",
        "-printer+-zebra",
        "+or+-spooler",
    ] {
        let html = app.get_text(&format!("/tickets?q={q}")).await;
        assert_eq!(sorted(ids(&html)), everything, "{q}");
        assert!(html.contains(notice), "{q}");
        assert!(
            html.contains(r#"aria-invalid="true" aria-describedby="f-q-error f-q-help""#),
            "{q}: the message is tied to the field"
        );
    }
    for q in [
        "",
        "printer",
        "printer+-zebra",
        "%22zebra+printer%22",
        "nomatchatall",
    ] {
        let html = app.get_text(&format!("/tickets?q={q}")).await;
        assert!(!html.contains(notice) && !html.contains("f-q-error"), "{q}");
    }
    sqlx::query("update users set locale = 'fr' where username = 'ada'")
        .execute(&pool)
        .await
        .unwrap();
    let html = app.get_text("/tickets?q=-zebra").await;
    assert!(
        html.contains("Cette recherche n’a aucun mot à trouver"),
        "in French"
    );
}

/// A ticket and its replies are searched as one document, kept current by reply inserts, edits and deletes, and
/// ranked: a word in the title before the same word in the body before it only in a reply.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn search_treats_a_ticket_and_its_replies_as_one_ranked_document(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    let app = signed_in(pool.clone()).await;
    let screen = ticket(
        &pool,
        T {
            title: "Écran noir au démarrage",
            content: "Le poste de Marie reste noir",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    reply(&pool, screen, ada, "Mettre à jour le pilote graphique", 0.0).await;
    assert_eq!(
        list(&app, "q=ecran+pilote").await,
        [screen],
        "one word in the title, the other in a reply"
    );
    let post: i64 = sqlx::query_scalar("select post_id from posts where ticket_id = $1")
        .bind(screen)
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("update posts set content = 'Changer le câble vidéo' where post_id = $1")
        .bind(post)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        list(&app, "q=pilote").await,
        Vec::<i64>::new(),
        "an edited reply's old words are gone"
    );
    assert_eq!(
        list(&app, "q=cable").await,
        [screen],
        "and its new words are found"
    );
    sqlx::query("delete from posts where post_id = $1")
        .bind(post)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        list(&app, "q=cable").await,
        Vec::<i64>::new(),
        "a deleted reply's words are gone"
    );
    assert_eq!(
        list(&app, "q=ecran").await,
        [screen],
        "the ticket's own words stay"
    );
    assert_eq!(
        postings_drift(&pool).await,
        0,
        "the search postings follow replies added, edited and deleted"
    );

    // Ranking: title, then body, then a reply; the page says how many match.
    let [in_title, in_body, in_reply] = word_in_title_body_and_reply(
        &pool,
        ada,
        ["Clavier cassé", "Le clavier colle", "Voir aussi le clavier"],
    )
    .await;
    assert_eq!(list(&app, "q=clavier").await, [in_title, in_body, in_reply]);
    assert!(
        app.get_text("/tickets?q=clavier")
            .await
            .contains("3 tickets")
    );
}

/// However many words its replies hold, a ticket's search document stays under PostgreSQL's 1 MB limit for a
/// tsvector: replies keep being accepted and the ticket keeps being updated.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_huge_conversation_never_breaks_replies(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    let app = signed_in(pool.clone()).await;
    let t = ticket(
        &pool,
        T {
            title: "Long thread",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    // 120 replies of 1,000 distinct made-up words each (~10,000 characters, the longest reply allowed).
    for n in 0..120 {
        sqlx::query(
            "insert into posts (ticket_id, author_id, content)
             select $1, $2, string_agg('w' || lpad(($3 * 1000 + i)::text, 8, '0'), ' ')
             from generate_series(1, 1000) i",
        )
        .bind(t)
        .bind(ada)
        .bind(n)
        .execute(&pool)
        .await
        .unwrap();
    }
    let (replies, size): (i32, i32) = sqlx::query_as(
        "select reply_count, pg_column_size(search) from tickets where ticket_id = $1",
    )
    .bind(t)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(replies, 120);
    assert!(size < 1_000_000, "document of {size} bytes");
    sqlx::query("update tickets set title = 'Long thread, still open' where ticket_id = $1")
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        list(&app, "q=w00000001").await,
        [t],
        "the first replies' words stay findable"
    );
    assert_eq!(list(&app, "q=still").await, [t]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn pagination_counts_and_keeps_the_query(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    for i in 0..23 {
        ticket(
            &pool,
            T {
                title: &format!("Ticket number {i:02}"),
                creator: ada,
                ..T::default()
            },
        )
        .await;
    }
    sqlx::query("update settings set page_size = 10")
        .execute(&pool)
        .await
        .unwrap();
    let app = signed_in(pool).await;
    let page1 = app.get_text("/tickets?q=ticket&sort=title").await;
    assert!(page1.contains("23 tickets"));
    assert_eq!(ids(&page1).len(), 10);
    assert!(
        unescape(&page1).contains("/tickets?q=ticket&sort=title&page=3"),
        "the pager keeps the query"
    );
    let page3 = app.get_text("/tickets?q=ticket&sort=title&page=3").await;
    assert_eq!(ids(&page3).len(), 3);
    let beyond = app.get_text("/tickets?q=ticket&sort=title&page=99").await;
    assert!(ids(&beyond).is_empty() && beyond.contains("23 tickets"));
}

/// A search's pages, in any order, are the slices of one order: nothing skipped, nothing twice, the same total on
/// each page, and the order the plain list gives the same tickets.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_search_pages_through_its_matches_in_every_order(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    let bob = create_user(&pool, "bob", false, Locale::En).await.0;
    let mut matching = Vec::new();
    for i in 0..23 {
        matching.push(
            ticket(
                &pool,
                T {
                    title: &format!("Ticket number {i:02}"),
                    creator: if i % 3 == 0 { bob } else { ada },
                    priority: ["low", "medium", "high"][i % 3],
                    hours: f64::from(i32::try_from(i % 4).unwrap()),
                    ..T::default()
                },
            )
            .await,
        );
    }
    // The word three times in the title and body: ranked first.
    let best = ticket(
        &pool,
        T {
            title: "Ticket about a ticket",
            content: "This ticket again",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    matching.push(best);
    let other = ticket(
        &pool,
        T {
            title: "Holiday request",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    let app = signed_in(pool.clone()).await;
    let page_size = |n: i32| {
        let pool = pool.clone();
        async move {
            sqlx::query("update settings set page_size = $1")
                .bind(n)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    for sort in [
        "ticketid",
        "ticketid_desc",
        "title_desc",
        "priority",
        "addedby",
        "time_desc",
        "relevance",
    ] {
        // The order of the same tickets in the plain list (one page), or by rank then id.
        page_size(200).await;
        let expected: Vec<i64> = if sort == "relevance" {
            std::iter::once(best)
                .chain(matching.iter().copied().filter(|id| *id != best))
                .collect()
        } else {
            let all = list(&app, &format!("sort={sort}")).await;
            assert!(all.contains(&other), "{sort}");
            all.into_iter().filter(|id| matching.contains(id)).collect()
        };
        page_size(10).await;
        let mut seen = Vec::new();
        for page in 1..=3 {
            let html = app
                .get_text(&format!("/tickets?q=ticket&sort={sort}&page={page}"))
                .await;
            assert!(html.contains("24 tickets"), "{sort} page {page}");
            seen.extend(ids(&html));
        }
        assert_eq!(seen, expected, "{sort}");
    }
}

/// The CSV export of a search holds its matches in relevance order (title, then body, then replies), closed ones
/// only when asked for; the same every time, including past the fifth run of its statement on a connection, from
/// which PostgreSQL may reuse a generic plan (the export runs in `read_transaction`).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_csv_export_of_a_search_holds_its_matches_in_order(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    let [in_title, in_body, in_reply] = word_in_title_body_and_reply(
        &pool,
        ada,
        [
            "Printer jammed",
            "My printer is jammed",
            "The printer again",
        ],
    )
    .await;
    let closed = ticket(
        &pool,
        T {
            title: "Old printer",
            creator: ada,
            status: "closed",
            ..T::default()
        },
    )
    .await;
    ticket(
        &pool,
        T {
            title: "Unrelated",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    let app = signed_in(pool).await;
    let exported = |body: String| -> Vec<i64> {
        csv::Reader::from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap()[0].parse().unwrap())
            .collect()
    };
    for run in 0..8 {
        assert_eq!(
            exported(app.get_text("/tickets.csv?q=printer").await),
            [in_title, in_body, in_reply],
            "run {run}"
        );
    }
    let with_closed = exported(
        app.get_text("/tickets.csv?q=printer&include_closed=1")
            .await,
    );
    assert_eq!(with_closed.len(), 4);
    assert!(with_closed.contains(&closed));
    assert_eq!(
        exported(app.get_text("/tickets.csv?q=printer&sort=ticketid").await),
        [in_reply, in_body, in_title]
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn csv_export_quotes_properly_and_says_when_it_is_cut(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    sqlx::query("update users set name = 'Lovelace, \"Ada\"' where user_id = $1")
        .bind(ada)
        .execute(&pool)
        .await
        .unwrap();
    let t = ticket(
        &pool,
        T {
            title: "Comma, \"quote\" and\nnewline",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    ticket(
        &pool,
        T {
            title: "Second ticket",
            creator: ada,
            ..T::default()
        },
    )
    .await;
    let app = signed_in(pool.clone()).await;
    let resp = app.get("/tickets.csv?sort=ticketid").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let body = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "Ticket_ID",
            "Priority",
            "Title",
            "Submitted By",
            "Date",
            "Replies",
            "Category",
            "Status",
            "Assigned",
            "URL"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], format!("{t:05}"));
    assert_eq!(&rows[0][2], "Comma, \"quote\" and\nnewline");
    assert_eq!(&rows[0][3], "Lovelace, \"Ada\"");
    assert_eq!(&rows[0][8], "Not assigned");
    assert!(rows[0][9].ends_with(&format!("/tickets/{t}")));

    sqlx::query("update settings set csv_limit = 1")
        .execute(&pool)
        .await
        .unwrap();
    let cut = app.get_text("/tickets.csv").await;
    assert_eq!(
        csv::Reader::from_reader(cut.as_bytes()).records().count(),
        1
    );
    assert!(
        app.get_text("/tickets")
            .await
            .contains("The export is limited to the first 1 tickets.")
    );
}

/// OWASP's CSV injection payloads: every cell of typed text that starts like a formula is written with a leading `'`.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn csv_export_writes_formulas_as_text(pool: PgPool) {
    let payloads = [
        "=cmd|' /C calc'!A0",
        "+HYPERLINK(\"http://evil.example\")",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
        "=1+1",
        "\t=1+1",
        "\r=1+1",
    ];
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    // The creator's name is typed text too (and may start with a tab or CR when written by the API or an import).
    sqlx::query("update users set name = '=HYPERLINK(\"x\")' where user_id = $1")
        .bind(ada)
        .execute(&pool)
        .await
        .unwrap();
    for p in payloads {
        // Titles are stored as typed (the list's parser trims them; this writes them raw, as an older release did).
        ticket(
            &pool,
            T {
                title: p,
                creator: ada,
                ..T::default()
            },
        )
        .await;
    }
    let app = signed_in(pool.clone()).await;
    let body = app.get_text("/tickets.csv?sort=ticketid").await;
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), payloads.len(), "{body}");
    for (row, typed) in rows.iter().zip(payloads) {
        assert_eq!(&row[2], format!("'{typed}"), "{body}");
        assert_eq!(&row[3], "'=HYPERLINK(\"x\")");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_dashboard_shows_high_priority_mine_and_charts(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool).await;
    let page = app.get_text("/").await;
    assert!(page.contains("Open high-priority tickets"));
    assert!(page.contains(&format!("/tickets/{}", w.t_open)));
    assert!(page.contains("<svg viewBox=\"0 0 600 20\""));
    assert!(page.contains("Human Resources") && page.contains("Design"));
    assert!(!page.contains("<script"), "no chart library");
    assert!(!page.contains(&format!("/tickets/{}\"", w.t_closed)));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_list_needs_a_signed_in_user(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(app.get("/tickets").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/tickets.csv").await.status(),
        StatusCode::SEE_OTHER
    );
}

thread_local! {
    /// Where the statements run on this thread are counted, while a count is under way.
    static COUNTING: std::cell::RefCell<Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>> =
        const { std::cell::RefCell::new(None) };
}

/// Counts the SQL statements sqlx runs for HTTP requests on the counting thread (`#[sqlx::test]` runs the test and
/// the app it spawns on one current-thread runtime, so other tests' statements are not counted, and the app's
/// background work runs outside any request's span). Installed once, process-wide: scoped dispatchers race with
/// other threads' callsite registration.
struct StatementCounter;

impl<S> tracing_subscriber::Layer<S> for StatementCounter
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let in_request = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|span| span.name() == "http"));
        if in_request {
            COUNTING.with(|c| {
                if let Some(n) = &*c.borrow() {
                    n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    }
}

/// How many statements one GET of `path` runs (after a first GET that warms the statement cache).
async fn statements_for(app: &TestApp, path: &str) -> usize {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(StatementCounter);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
    });
    let warm = app.get(path).await;
    assert_eq!(warm.status(), StatusCode::OK, "{path}");
    let _ = warm.bytes().await.unwrap();
    // Work the app finishes after a response ended (returning a streamed query's connection) runs on this thread
    // as soon as the test awaits: let it, so it is counted with its own request.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    COUNTING.with(|c| *c.borrow_mut() = Some(counter.clone()));
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let _ = response.bytes().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    COUNTING.with(|c| *c.borrow_mut() = None);
    counter.load(std::sync::atomic::Ordering::SeqCst)
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn each_page_runs_a_fixed_number_of_queries_whatever_its_size(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool.clone()).await;
    let paths = [
        "/tickets",
        "/tickets?page=2",
        "/tickets?q=ticket&sort=title",
        "/tickets?scope=mine&sort=addedby",
        "/tickets.csv?sort=ticketid",
        "/",
    ];
    let settings = |page_size: i32, csv_limit: i32| {
        let pool = pool.clone();
        async move {
            sqlx::query("update settings set page_size = $1, csv_limit = $2")
                .bind(page_size)
                .bind(csv_limit)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    settings(10, 10).await;
    let mut small = Vec::new();
    for p in paths {
        small.push(statements_for(&app, p).await);
    }
    assert!(
        small.iter().all(|n| *n > 0),
        "statements are counted: {small:?}"
    );
    // Many more tickets, in every list, and pages and exports ten times larger.
    for n in 0..60 {
        ticket(
            &pool,
            T {
                title: &format!("Another ticket {n}"),
                creator: w.ada,
                assignee: Some(w.bob),
                priority: ["low", "medium", "high"][n % 3],
                ..T::default()
            },
        )
        .await;
    }
    settings(100, 100).await;
    let mut large = Vec::new();
    for p in paths {
        large.push(statements_for(&app, p).await);
    }
    assert_eq!(small, large, "statements per page for {paths:?}");
    assert_eq!(
        small[0], 3,
        "/tickets: the session (with the saved sort and the site settings), the counters, the page"
    );
}

/// The copies the list sorts and counts on (priority position, closed flag, tickets per category/status/priority)
/// stay equal to what they copy through inserts, moves, closes, reorders, bulk updates and deletes.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn list_keys_and_counters_follow_every_change(pool: PgPool) {
    async fn assert_consistent(pool: &PgPool, step: &str) {
        let drift: i64 = sqlx::query_scalar(
            "select count(*) from (
                 select category_id, status_id, priority_id, count(*) as n from tickets group by 1, 2, 3
             ) actual
             full join (select * from ticket_counts where tickets <> 0) kept
                 using (category_id, status_id, priority_id)
             where actual.n is distinct from kept.tickets",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(drift, 0, "counters after {step}");
        let stale: i64 = sqlx::query_scalar(
            "select count(*) from tickets t
             join priorities p using (priority_id) join statuses s using (status_id)
             where t.priority_position <> p.position or t.is_closed <> (s.kind = 'closed')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(stale, 0, "list keys after {step}");
        assert_eq!(
            postings_drift(pool).await,
            0,
            "search postings after {step}"
        );
    }
    let w = world(&pool).await;
    assert_consistent(&pool, "inserts").await;
    let app = signed_in(pool.clone()).await;
    let listed_total = |html: String| html.contains("3 tickets");
    assert!(
        listed_total(app.get_text("/tickets").await),
        "open tickets counted"
    );

    let exec = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
    };
    sqlx::query("update tickets set status_id = (select status_id from statuses where kind = 'closed') where ticket_id = $1")
        .bind(w.t_open)
        .execute(&pool)
        .await
        .unwrap();
    assert_consistent(&pool, "a close").await;
    assert!(app.get_text("/tickets").await.contains("2 tickets"));
    exec("update tickets set category_id = (select max(category_id) from categories)").await;
    assert_consistent(&pool, "a bulk move").await;
    exec("update priorities set position = 100 - position").await;
    assert_consistent(&pool, "a reorder of priorities").await;
    exec("update tickets set priority_id = (select min(priority_id) from priorities), title = title || '!'").await;
    assert_consistent(&pool, "a priority change").await;
    exec("update tickets set title = title || '?'").await;
    assert_consistent(&pool, "an update of other columns").await;
    sqlx::query("delete from tickets where ticket_id = $1")
        .bind(w.t_bob)
        .execute(&pool)
        .await
        .unwrap();
    assert_consistent(&pool, "a delete").await;
    exec("delete from tickets").await;
    assert_consistent(&pool, "deleting everything").await;
    assert!(app.get_text("/tickets").await.contains("0 tickets"));
}

/// The list keeps the names of departments, categories, statuses and priorities between requests; any change to
/// them shows on the next page, whoever made it (here plain SQL, as another replica or an operator would).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn renamed_departments_statuses_and_new_categories_show_at_once(pool: PgPool) {
    let w = world(&pool).await;
    let app = signed_in(pool.clone()).await;
    let page = app.get_text("/tickets").await;
    assert!(page.contains("Human Resources") && page.contains("In Work"));
    assert!(!page.contains("People Team") && !page.contains("Being handled"));

    let change = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    change("update departments set name = 'People Team' where name = 'Human Resources'").await;
    let page = app.get_text("/tickets").await;
    assert!(
        page.contains("People Team / Holidays") && !page.contains("Human Resources"),
        "the department's new name, in the rows and the filter"
    );
    change("update statuses set name = 'Being handled' where kind = 'in_work'").await;
    assert!(
        app.get_text("/tickets").await.contains("Being handled"),
        "the status's new name"
    );
    change(
        "insert into categories (department_id, name)
         select department_id, 'Parental leave' from departments where name = 'People Team'",
    )
    .await;
    assert!(
        app.get_text("/tickets")
            .await
            .contains("People Team / Parental leave"),
        "the new category is offered as a filter"
    );
    let dashboard = app.get_text("/").await;
    assert!(dashboard.contains("People Team") && !dashboard.contains("Human Resources"));
    // Tickets are listed as before.
    let all = list(&app, "include_closed=1").await;
    assert_eq!(all.len(), 4);
    assert!(all.contains(&w.t_closed) && all.contains(&w.t_hr));
}

/// How many postings (`search_terms`) differ from what the tickets' search documents say: words missing or left
/// over, or a weight or closed flag out of date.
async fn postings_drift(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        r#"with derived as (
               select u.lexeme collate "C" as lexeme, t.ticket_id, t.is_closed, search_term_score(u.weights) as score
               from tickets t cross join lateral unnest(t.search) u
           )
           select count(*) from (
               (select lexeme, ticket_id, is_closed, score from search_terms except select * from derived)
               union all
               (select * from derived except select lexeme, ticket_id, is_closed, score from search_terms)
           ) drift"#,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The total the list page states.
fn stated_total(html: &str) -> i64 {
    let (_, rest) = html
        .split_once("class=\"list-summary\" role=\"status\">")
        .expect("the list states its total");
    let digits: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// A search by relevance reads the search postings when its words allow it (plain words and prefixes, exclusions,
/// `or`); it finds exactly what the full-text index finds (the same search in another order), with the closed rule,
/// the filters and the scopes, and ranks title before body before reply.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_search_by_relevance_from_the_postings_finds_what_the_full_text_index_finds(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let [in_title, in_body, in_reply] = word_in_title_body_and_reply(
        &pool,
        w.ada,
        ["Clavier cassé", "Le clavier colle", "Voir aussi le CLAVIER"],
    )
    .await;
    let mut extra = Vec::new();
    for (title, content, status) in [
        (
            "Écran noir au démarrage",
            "Le pilote graphique est ancien",
            "open",
        ),
        ("Imprimante laser en panne", "Bourrage papier", "closed"),
        (
            "VPN disconnects",
            "The vpnclient logs say timeout",
            "in_work",
        ),
        ("Straße sign", "Œuvre d'art façade", "open"),
        ("Laser pointer", "Needs batteries for the vpn demo", "open"),
    ] {
        extra.push(
            ticket(
                &pool,
                T {
                    title,
                    content,
                    creator: w.bob,
                    status,
                    ..T::default()
                },
            )
            .await,
        );
    }
    reply(&pool, extra[0], w.ada, "Mettre à jour le pilote", 0.0).await;
    let app = signed_in(pool.clone()).await;
    let closed: i64 = sqlx::query_scalar("select status_id from statuses where kind = 'closed'")
        .fetch_one(&pool)
        .await
        .unwrap();

    let queries = [
        "imprimante",
        "impr",
        "IMPRIMANTE",
        "%C3%A9cran",
        "ecran",
        "ecr",
        "clavier",
        "pilote",
        "vpn",
        "%22vpn%22",
        "vp",
        "vpn+-laser",
        "-laser+vpn",
        "vpn+or+clavier",
        "laser+or+ecran+-noir",
        "strasse",
        "stra%C3%9Fe",
        "oeuvre",
        "%C5%93uvre+facade",
        "zzz",
        "clavier+zzz",
        "clavier+or+zzz",
        "spooler+restarted",
    ];
    let variants = [
        String::new(),
        "&include_closed=1".to_owned(),
        format!("&status={closed}"),
        format!("&creator={}", w.bob),
        "&scope=mine".to_owned(),
        "&scope=subscribed&include_closed=1".to_owned(),
    ];
    let mut found = 0;
    for q in queries {
        for v in &variants {
            let by_rank = app.get_text(&format!("/tickets?q={q}{v}")).await;
            let by_id = app
                .get_text(&format!("/tickets?q={q}{v}&sort=ticketid"))
                .await;
            let mut ranked = ids(&by_rank);
            ranked.sort_unstable();
            assert_eq!(ranked, ids(&by_id), "q={q}{v}");
            assert_eq!(stated_total(&by_rank), stated_total(&by_id), "q={q}{v}");
            assert_eq!(
                stated_total(&by_rank),
                i64::try_from(ranked.len()).unwrap(),
                "q={q}{v}"
            );
            found += ranked.len();
        }
    }
    assert!(found > 60, "the queries find tickets ({found})");
    assert_eq!(list(&app, "q=clavier").await, [in_title, in_body, in_reply]);
    assert_eq!(
        list(&app, "q=laser").await,
        [extra[4]],
        "the closed match is left out"
    );
    assert_eq!(
        list(&app, "q=laser&include_closed=1").await,
        [extra[1], extra[4]]
    );
    assert_eq!(list(&app, "q=vpn+-laser").await, [extra[2]]);
    assert_eq!(
        list(&app, "q=%22vpn%22").await,
        [extra[2], extra[4]],
        "a quoted word is exact (not vpnclient alone)"
    );

    // The ranked search does read the postings: without a ticket's, it no longer finds it; the same search in
    // another order (the full-text index) still does.
    sqlx::query("delete from search_terms where ticket_id = $1")
        .bind(extra[2])
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(list(&app, "q=vpn").await, [extra[4]]);
    assert_eq!(
        list(&app, "q=vpn&sort=ticketid").await,
        [extra[2], extra[4]]
    );
    let words: i64 =
        sqlx::query_scalar("select length(search)::bigint from tickets where ticket_id = $1")
            .bind(extra[2])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        postings_drift(&pool).await,
        words,
        "the removed words are seen as missing"
    );
}

/// A search by relevance of words alone is ranked in the web process from the postings' entries
/// (`ticket_list::rank_postings`); the CSV export ranks the same search in PostgreSQL (the list statement's
/// `postings` shape). Both list the same tickets in the same order, ties by id, page after page; a page past the
/// end states the total; a search with more entries than allowed is left to PostgreSQL.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_search_ranked_in_the_web_process_orders_as_postgresql_does(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await.0;
    let words = ["printer", "printers", "printing", "paper", "jam", "toner"];
    // 42 tickets with a few of the words in title, body and replies, repeated or not: many share a rank (ties),
    // a prefix finds several words in one ticket; every seventh is closed.
    for n in 0..42_usize {
        let pick = |k: usize| words[(n * k + k) % words.len()];
        let title = format!("{} {}", pick(1), if n % 3 == 0 { pick(2) } else { "issue" });
        let content = format!(
            "{} {} {}",
            pick(3),
            pick(5),
            if n % 4 == 0 { pick(1) } else { "" }
        );
        let t = ticket(
            &pool,
            T {
                title: &title,
                content: &content,
                creator: ada,
                status: if n % 7 == 0 { "closed" } else { "open" },
                ..T::default()
            },
        )
        .await;
        if n % 2 == 0 {
            reply(&pool, t, ada, &format!("{} {}", pick(4), pick(4)), 0.0).await;
        }
    }
    sqlx::query("update settings set page_size = 10")
        .execute(&pool)
        .await
        .unwrap();
    let app = signed_in(pool.clone()).await;
    let exported = |body: String| -> Vec<i64> {
        csv::Reader::from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap()[0].parse().unwrap())
            .collect()
    };
    let mut found = 0;
    for q in [
        "print",
        "printer",
        "printers",
        "%22printer%22",
        "paper+-jam",
        "-jam+paper",
        "jam+or+toner",
        "toner+print",
        "jam+toner+-paper",
        "pap+or+zzz",
        "zzz",
    ] {
        for closed in ["", "&include_closed=1"] {
            let query = format!("q={q}{closed}");
            let in_postgresql = exported(app.get_text(&format!("/tickets.csv?{query}")).await);
            let first = app.get_text(&format!("/tickets?{query}")).await;
            let total = stated_total(&first);
            let mut paged = ids(&first);
            for page in 2..=7 {
                paged.extend(list(&app, &format!("{query}&page={page}")).await);
            }
            assert_eq!(paged, in_postgresql, "{query}");
            assert_eq!(total, i64::try_from(paged.len()).unwrap(), "{query}");
            let past_end = app.get_text(&format!("/tickets?{query}&page=9")).await;
            assert!(ids(&past_end).is_empty(), "{query}");
            assert_eq!(stated_total(&past_end), total, "{query}");
            found += paged.len();
        }
    }
    assert!(found > 150, "the queries find tickets ({found})");

    // The same ranking called directly, and the limit on the entries handed over.
    let terms = flicket_core::search::to_terms("print").unwrap();
    let rank = |max| {
        let (pool, terms) = (pool.clone(), terms.clone());
        async move {
            ticket_list::rank_postings(&pool, &terms, false, 3, 5, max)
                .await
                .unwrap()
        }
    };
    let ranked = rank(ticket_list::RANK_POSTINGS_MAX_ENTRIES).await.unwrap();
    let all = exported(app.get_text("/tickets.csv?q=print").await);
    assert_eq!(ranked.ids, all[3..8]);
    assert_eq!(ranked.total, i64::try_from(all.len()).unwrap());
    let entries: i64 = sqlx::query_scalar(
        "select count(*) from search_terms where lexeme like 'print%' and not is_closed",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        entries > ranked.total,
        "a ticket has several words of the prefix"
    );
    assert_eq!(rank(entries).await, Some(ranked));
    assert_eq!(rank(entries - 1).await, None, "over the limit");
    // Two words: the limit is on their entries together, although each word's are read only up to it.
    let two = flicket_core::search::to_terms("paper print").unwrap();
    let both: i64 = sqlx::query_scalar(
        "select count(*) from search_terms
         where (lexeme = 'paper' or lexeme like 'print%') and not is_closed",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let rank_two = |max| {
        let (pool, two) = (pool.clone(), two.clone());
        async move {
            ticket_list::rank_postings(&pool, &two, false, 0, 50, max)
                .await
                .unwrap()
                .map(|r| r.total)
        }
    };
    let paper_and_print = exported(app.get_text("/tickets.csv?q=paper+print").await);
    assert!(!paper_and_print.is_empty() && both > entries);
    assert_eq!(
        rank_two(both).await,
        Some(i64::try_from(paper_and_print.len()).unwrap())
    );
    assert_eq!(rank_two(both - 1).await, None, "together over the limit");
    assert_eq!(rank_two(entries - 1).await, None, "one word over the limit");
    let none = flicket_core::search::to_terms("zzz").unwrap();
    assert_eq!(
        ticket_list::rank_postings(&pool, &none, true, 0, 10, 0)
            .await
            .unwrap()
            .map(|r| r.total),
        Some(0)
    );
}

/// `flicket-web seed` loads users, tickets and replies in bulk with the search postings deferred, then writes them
/// once: they are exactly those of the seeded documents, and a search by relevance finds what the full-text index
/// finds. The same seed gives the same data.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn seeding_writes_the_search_postings_of_what_it_loaded(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let db: String = sqlx::query_scalar("select current_database()::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    let server = std::env::var("DATABASE_URL").unwrap();
    let (server, _) = server.rsplit_once('/').unwrap();
    let vars = [("FLICKET_DATABASE_URL".to_owned(), format!("{server}/{db}"))];
    let config = flicket_core::Config::from_vars(vars).unwrap();
    let args = |seed| flicket_web::seed::SeedArgs {
        users: 5,
        tickets: 60,
        replies_per_ticket: 2,
        seed,
    };
    flicket_web::seed::run(&config, args(7)).await.unwrap();
    let counts: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from users where username like 'user%'), (select count(*) from tickets),
                (select count(*) from posts)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (5, 60, 120));
    assert_eq!(postings_drift(&pool).await, 0);
    let first: Vec<String> =
        sqlx::query_scalar("select title || content from tickets order by ticket_id")
            .fetch_all(&pool)
            .await
            .unwrap();

    let app = signed_in(pool.clone()).await;
    let mut found = 0;
    for q in [
        "imprimante",
        "the",
        "probl",
        "ecran+or+printer",
        "merci+-bonjour",
    ] {
        let mut ranked = list(&app, &format!("q={q}&include_closed=1")).await;
        ranked.sort_unstable();
        assert_eq!(
            ranked,
            list(&app, &format!("q={q}&include_closed=1&sort=ticketid")).await,
            "{q}"
        );
        found += ranked.len();
    }
    assert!(found > 0, "seeded words are found");

    // With the tickets deleted, seeding again numbers them from 1 again: the same seed gives the same texts, and the
    // postings follow the deletes and the new load.
    sqlx::query("delete from tickets")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        postings_drift(&pool).await,
        0,
        "after deleting every ticket"
    );
    flicket_web::seed::run(&config, args(7)).await.unwrap();
    assert_eq!(postings_drift(&pool).await, 0, "after a second load");
    let again: Vec<String> =
        sqlx::query_scalar("select title || content from tickets order by ticket_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(first, again);
}
