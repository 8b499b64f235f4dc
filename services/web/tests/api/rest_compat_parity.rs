//! Where `/flicket-api/` answers exactly as upstream Flicket 0.3.5 does (`application/flicket_api/` in its
//! repository, on Flask-SQLAlchemy 3.1.1 as its `requirements.txt` pins): paging past the end, lists under an
//! unknown ticket, integer upload ids, the users' `name` filter and order, and the order of the department/category
//! pairs. The security fixes stay: a 401 for an unknown token, emails hidden, a 403 for a plain user's writes.

use flicket_core::Locale;
use flicket_core::domain::{PostId, UserId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_compat::{BASE, attach, compat_token, upload_id};
use crate::rest_tickets::{get, json_of};
use crate::tickets_support::{create_direct, direct_reply, user};

/// Flicket's 404 body: `error_response(404)` (`views/errors.py`) through the app's JSON 404 handler
/// (`flicket_errors/handlers.py`), with no `message`.
fn flicket_404() -> Value {
    json!({"error": "Not Found"})
}

/// The first page of an empty collection as Flicket's `to_collection_dict` (`scripts/paginated_api.py`) built it
/// from Flask-SQLAlchemy's `Pagination`: no item, `total_pages` 0 (`pages` is 0 when `total` is 0), and no `next`
/// (`page < pages` is false) nor `prev` (`page > 1` is false).
fn empty_first_page(this: &str) -> Value {
    json!({
        "items": [],
        "_meta": {"page": 1, "per_page": 50, "total_pages": 0, "total_items": 0},
        "_links": {"self": format!("{BASE}/{this}"), "next": null, "prev": null},
    })
}

async fn set_name(pool: &PgPool, id: UserId, name: &str) {
    sqlx::query("update users set name = $2 where user_id = $1")
        .bind(id.0)
        .bind(name)
        .execute(pool)
        .await
        .unwrap();
}

/// Flask-SQLAlchemy 3.1.1 `Pagination._prepare_page_args`: `page < 1` or `per_page < 1` is `abort(404)`;
/// `Pagination.__init__`: `if not items and page != 1 and error_out: abort(404)`. Flicket's views call
/// `query.paginate(page=page, per_page=per_page)` with the default `error_out=True`, after
/// `per_page = min(request.args.get('per_page', posts_per_page, type=int), 100)`. So a client that pages until the
/// 404 stops; and page 1 of an empty collection is an ordinary empty page.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn paging_past_the_end_page_0_and_per_page_0_are_flickets_404(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = create_direct(&pool, ada, "Printer on fire").await;
    direct_reply(&pool, ada, t, "Have you tried water?", "0").await;
    let app = spawn_app(pool.clone()).await;
    let tok = compat_token(&app, "ada").await;

    let refused = [
        // Past the last page, in the path and in the query, of every paged collection.
        "/flicket-api/users/?page=99".to_owned(),
        "/flicket-api/tickets/999/".to_owned(),
        "/flicket-api/tickets/2/".to_owned(),
        format!("/flicket-api/posts/{t}/9/"),
        format!("/flicket-api/posts/{t}/2/"),
        "/flicket-api/subscriptions/?page=9".to_owned(),
        format!("/flicket-api/subscriptions/{t}/9/"),
        "/flicket-api/uploads/2/".to_owned(),
        "/flicket-api/histories/9/".to_owned(),
        format!("/flicket-api/actions/{t}?page=9"),
        "/flicket-api/departments/?page=99".to_owned(),
        "/flicket-api/categories/?page=99".to_owned(),
        "/flicket-api/department_categories/?page=99".to_owned(),
        "/flicket-api/statuses/?page=99".to_owned(),
        "/flicket-api/priorities/99/".to_owned(),
        "/flicket-api/tickets/99999999999999999999999/".to_owned(),
        "/flicket-api/users/?page=99999999999999999999999".to_owned(),
        // Page 0 and below.
        "/flicket-api/tickets/0/".to_owned(),
        format!("/flicket-api/posts/{t}/0/"),
        "/flicket-api/priorities/0/".to_owned(),
        "/flicket-api/users/?page=0".to_owned(),
        "/flicket-api/users/?page=-1".to_owned(),
        "/flicket-api/departments/?page=-3".to_owned(),
        // A page size of 0 or below, on the first page too.
        "/flicket-api/tickets/?per_page=0".to_owned(),
        format!("/flicket-api/posts/{t}/?per_page=0"),
        "/flicket-api/users/?per_page=0".to_owned(),
        "/flicket-api/statuses/?per_page=-5".to_owned(),
        "/flicket-api/uploads/?per_page=0".to_owned(),
    ];
    for path in &refused {
        let resp = get(&app, path, &tok).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await,
            flicket_404(),
            "{path}"
        );
    }
    // An unknown id and an unknown path answer the same body.
    for path in ["/flicket-api/ticket/999999", "/flicket-api/nothing/here"] {
        let resp = get(&app, path, &tok).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await,
            flicket_404(),
            "{path}"
        );
    }

    // The last page is still a page; unreadable numbers are the defaults (`type=int`), as in Flicket.
    for path in [
        "/flicket-api/tickets/1/",
        "/flicket-api/users/?page=1&per_page=1",
        "/flicket-api/users/?page=abc&per_page=x",
        "/flicket-api/priorities/3/?per_page=1",
    ] {
        assert_eq!(
            get(&app, path, &tok).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let lenient = json_of(
        get(&app, "/flicket-api/users/?page=%201%20&per_page=%2B1", &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lenient["_meta"]["page"], 1);
    assert_eq!(lenient["_meta"]["per_page"], 1);

    // Page 1 of an empty collection is not an error.
    let none = json_of(
        get(&app, "/flicket-api/uploads/", &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none, empty_first_page("uploads/1/?per_page=50"));
    let none = json_of(
        get(&app, &format!("/flicket-api/histories/?topic_id={t}"), &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        none,
        empty_first_page(&format!("histories/1/?per_page=50&topic_id={t}"))
    );
}

/// Flicket filtered these lists by ticket id without looking the ticket up (`views/posts.py`:
/// `FlicketPost.query.filter_by(ticket_id=ticket_id)`; `views/subscriptions.py`: `filter_by(ticket_id=ticket_id)`;
/// `views/actions.py`: `FlicketAction.query.filter_by(ticket_id=ticket_id)`; `views/histories.py`:
/// `filter_by(topic_id=topic_id)`), so under an unknown ticket they are empty: page 1 answers 200, page 2 the 404
/// of a page past the end.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn lists_under_an_unknown_ticket_are_empty_as_in_flicket(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = create_direct(&pool, ada, "Printer on fire").await;
    direct_reply(&pool, ada, t, "Have you tried water?", "0").await;
    let app = spawn_app(pool.clone()).await;
    let tok = compat_token(&app, "ada").await;

    for (path, this) in [
        ("/flicket-api/posts/99999/", "posts/99999/1/?per_page=50"),
        (
            "/flicket-api/subscriptions/99999/",
            "subscriptions/99999/1/?per_page=50",
        ),
        (
            "/flicket-api/subscriptions/99999/1/",
            "subscriptions/99999/1/?per_page=50",
        ),
        (
            "/flicket-api/actions/99999",
            "actions/99999?page=1&per_page=50",
        ),
        (
            "/flicket-api/histories/?topic_id=99999",
            "histories/1/?per_page=50&topic_id=99999",
        ),
        (
            "/flicket-api/histories/?post_id=99999",
            "histories/1/?per_page=50&post_id=99999",
        ),
    ] {
        let resp = get(&app, path, &tok).await;
        assert_eq!(
            json_of(resp, StatusCode::OK).await,
            empty_first_page(this),
            "{path}"
        );
    }
    for path in [
        "/flicket-api/posts/99999/2/",
        "/flicket-api/subscriptions/99999/2/",
        "/flicket-api/actions/99999?page=2",
    ] {
        let resp = get(&app, path, &tok).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await,
            flicket_404(),
            "{path}"
        );
    }

    // A ticket that exists lists its rows.
    for (path, n) in [
        (format!("/flicket-api/posts/{t}/"), 1),
        (format!("/flicket-api/subscriptions/{t}/"), 1),
        (format!("/flicket-api/actions/{t}"), 1),
    ] {
        let page = json_of(get(&app, &path, &tok).await, StatusCode::OK).await;
        assert_eq!(page["_meta"]["total_items"], n, "{path}: {page}");
    }
    // The security fixes stay: no token, no list.
    let resp = get(&app, "/flicket-api/posts/99999/", "not-a-token").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// Flicket's uploads are integer rows (`FlicketUploads.id = db.Column(db.Integer, primary_key=True)`, served by
/// `upload/<int:id>`, `views/uploads.py`, whose documented example is `upload/1`); ours are shown by the attachment's
/// stable `upload_id`, which an import sets to the Flicket id. Anything else in the path is a 404.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn uploads_are_known_by_their_integer_number(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let t = create_direct(&pool, ada, "Printer on fire").await;
    let reply = direct_reply(&pool, ada, t, "Here is the log.", "0").await;
    let first = attach(&pool, t, None, ada, "photo.png").await;
    let imported = attach(&pool, t, Some(PostId(reply)), ada, "log.txt").await;
    // As the import does: the attachment keeps its number from Flicket.
    sqlx::query("update attachments set upload_id = 7 where attachment_id = $1")
        .bind(imported)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(upload_id(&pool, first).await, 1, "numbered from 1");
    let app = spawn_app(pool.clone()).await;
    let tok = compat_token(&app, "ada").await;

    let one = json_of(
        get(&app, "/flicket-api/upload/1", &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["id"], 1);
    assert_eq!(one["topic_id"], t.0);
    assert_eq!(one["original_filename"], "photo.png");
    assert_eq!(
        one["links"],
        json!({"self": format!("{BASE}/upload/1"), "post": null, "ticket": format!("{BASE}/ticket/{t}"),
               "uploads": format!("{BASE}/uploads/")})
    );
    // The file itself is still reached through the authorising download.
    assert_eq!(
        one["image"],
        format!("http://127.0.0.1:8080/attachments/{first}")
    );
    let seven = json_of(
        get(&app, "/flicket-api/upload/7", &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seven["id"], 7);
    assert_eq!(seven["post_id"], reply);
    assert_eq!(seven["links"]["self"], format!("{BASE}/upload/7"));

    // By number, as Flicket's unordered query listed its rows.
    let all = json_of(
        get(&app, "/flicket-api/uploads/", &tok).await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["id"])
        .collect();
    assert_eq!(ids, [&json!(1), &json!(7)]);
    assert_eq!(all["items"][1], seven);

    for path in [
        format!("/flicket-api/upload/{first}"),
        format!("/flicket-api/upload/{}", uuid::Uuid::nil()),
        "/flicket-api/upload/2".to_owned(),
        "/flicket-api/upload/abc".to_owned(),
        "/flicket-api/upload/-1".to_owned(),
        "/flicket-api/upload/1.0".to_owned(),
    ] {
        let resp = get(&app, &path, &tok).await;
        assert_eq!(
            json_of(resp, StatusCode::NOT_FOUND).await,
            flicket_404(),
            "{path}"
        );
    }
}

/// `views/users.py`: `users = FlicketUser.query; if name: users = users.filter(FlicketUser.name.ilike('%{}%'
/// .format(name)))`: the display name only (not the user name), ignoring case, the text put in the pattern as it
/// is (so `%` and `_` are wildcards); and no `ORDER BY`, so the database's order of the rows, which is id order
/// (insertion order of PostgreSQL's heap, InnoDB's primary key, SQLite's rowid) and the order of its documented
/// example (ids 1, 2).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn users_are_listed_by_id_and_filtered_on_the_name_only(pool: PgPool) {
    let zoe = user(&pool, "zoe").await;
    let adam = user(&pool, "adam").await;
    let mx = user(&pool, "mxz").await;
    set_name(&pool, zoe, "Zoe Zed").await;
    set_name(&pool, adam, "Adam Ant").await;
    set_name(&pool, mx, "Maxine Zola").await;
    let app = spawn_app(pool.clone()).await;
    let tok = compat_token(&app, "zoe").await;

    let ids_of = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let all = json_of(get(&app, "/flicket-api/users/", &tok).await, StatusCode::OK).await;
    assert_eq!(
        ids_of(&all),
        [zoe.0, adam.0, mx.0],
        "by id, not by user name"
    );
    let second = json_of(
        get(&app, "/flicket-api/users/?page=2&per_page=1", &tok).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&second), [adam.0]);

    for (name, want) in [
        // A user name that is in no display name: nothing.
        ("mxz", vec![]),
        ("adam", vec![adam.0]),
        ("ZO", vec![zoe.0, mx.0]),
        // Flicket's pattern: `_` matches one character.
        ("a_a", vec![adam.0]),
    ] {
        let page = json_of(
            get(&app, &format!("/flicket-api/users/?name={name}"), &tok).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ids_of(&page), want, "name={name}");
        assert_eq!(page["_meta"]["total_items"], want.len(), "name={name}");
        assert_eq!(
            page["_links"]["self"],
            format!("{BASE}/users/?page=1&per_page=50&name={name}")
        );
    }
    // Emails stay hidden from a plain user (but their own).
    assert_eq!(all["items"][0]["email"], "zoe@example.com");
    assert!(all["items"][1]["email"].is_null());
}

/// `views/department_categories.py`: `FlicketDepartmentCategory.query.order_by(FlicketDepartmentCategory
/// .department_category)`, where `department_category` is `func.concat(FlicketDepartment.department, ' / ',
/// FlicketCategory.category)` (`models/flicket_models.py`). That is an `ORDER BY concat(...)` on two varchar columns
/// declared without a collation, so the order is the database's: on PostgreSQL `concat` returns `text` under the
/// database's default collation, which is the server's locale at `initdb`: `en_US.UTF-8` on the usual Debian,
/// Ubuntu and official Docker installations (the image sets `LANG en_US.utf8`), whose glibc collation compares
/// letters ignoring case first (case only breaks ties); MySQL/MariaDB's default `utf8mb4_general_ci` ignores case
/// too. Only a `C`-locale PostgreSQL or SQLite (`BINARY`) sorted by code point, upper case first. So Flicket's
/// clients saw the pairs ignoring case, as our `departments/` and `categories/` already list theirs (by
/// `lower(name)`); we sort by the lower-cased pair rather than by the database's collation, which is `C.UTF-8`
/// here and would give the upper-case-first order. (Not emulated: a linguistic collation's weights for accents and
/// punctuation.)
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn department_categories_sort_ignoring_case_as_flickets_databases_collate(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    sqlx::query(
        "with d as (insert into departments (name) values ('accounts') returning department_id)
         insert into categories (department_id, name) select department_id, 'Payroll' from d",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into categories (department_id, name)
         select department_id, 'drawings' from departments where name = 'Design'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let app = spawn_app(pool.clone()).await;
    let tok = compat_token(&app, "ada").await;

    let page = json_of(
        get(
            &app,
            "/flicket-api/department_categories/?per_page=100",
            &tok,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let labels: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["department_category"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "accounts / Payroll",
            "Commercial / Approved Suppliers",
            "Commercial / Other",
            "Design / Dataset",
            "Design / drawings",
            "Design / ECN",
            "Design / ECR",
            "Design / Other",
            "Human Resources / Holidays",
            "Human Resources / Other",
            "Human Resources / Sick Leave",
            "IT / Internet",
            "IT / Intranet",
            "IT / Other",
            "Manufacturing / Equipment",
            "Manufacturing / Other",
            "Manufacturing / Process Planning",
            "Manufacturing / Tooling",
            "Quality / Manuals",
            "Quality / Other",
            "Quality / Procedures",
        ]
    );
    // The same order page by page.
    let second = json_of(
        get(
            &app,
            "/flicket-api/department_categories/?page=2&per_page=4",
            &tok,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        second["items"][0]["department_category"],
        "Design / drawings"
    );
}
