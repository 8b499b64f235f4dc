//! Flicket's REST API under `/flicket-api/`: its paths, field names, envelope and errors, on `/api/v1`'s tokens,
//! permissions and ticket creation.

use flicket_core::Locale;
use flicket_core::domain::{PostId, TicketId, Title, UserId};
use flicket_core::repo::attachments::{self, NewAttachment};
use flicket_core::tickets::ops::{self, EditTicketInput};
use flicket_core::tickets::{Body, Hours};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_tickets::{get, json_of, post, token_for};
use crate::tickets_support::{
    activity_kinds, actor, add_group, create_direct, direct_reply, subscriber_ids, user,
};

/// The site's base URL when none is configured (links are absolute).
pub const BASE: &str = "http://127.0.0.1:8080/flicket-api";

/// A token from `POST /flicket-api/tokens`.
pub async fn compat_token(app: &TestApp, username: &str) -> String {
    let resp = app
        .client
        .post(app.url("/flicket-api/tokens"))
        .basic_auth(username, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let body = json_of(resp, StatusCode::OK).await;
    assert_eq!(body.as_object().unwrap().len(), 1, "only the token: {body}");
    body["token"].as_str().unwrap().to_owned()
}

/// One token from each API's token endpoint (`/api/v1/tokens`, `/flicket-api/tokens`) for `username`.
pub async fn tokens_of_both_apis(app: &TestApp, username: &str) -> Vec<String> {
    vec![
        token_for(app, username).await,
        compat_token(app, username).await,
    ]
}

/// What each token gets from each API (a list of tickets in `/api/v1`, then in `/flicket-api/`).
pub async fn token_answers(app: &TestApp, tokens: &[String]) -> Vec<StatusCode> {
    let mut out = vec![];
    for t in tokens {
        for path in ["/api/v1/tickets", "/flicket-api/tickets/"] {
            out.push(get(app, path, t).await.status());
        }
    }
    out
}

/// The sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(k: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = k.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

/// `Sun, 23 Jun 2019 18:25:36 GMT`.
fn is_rfc1123(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        chrono::DateTime::parse_from_rfc2822(s).is_ok() && s.ends_with(" GMT") && s.len() == 29
    })
}

pub async fn attach(
    pool: &PgPool,
    ticket: TicketId,
    post: Option<PostId>,
    by: UserId,
    name: &str,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let mut conn = pool.acquire().await.unwrap();
    attachments::insert(
        &mut conn,
        ticket,
        post,
        by,
        &NewAttachment {
            attachment_id: id,
            original_name: name.to_owned(),
            stored_name: format!("{id}.txt"),
            content_type: "text/plain".to_owned(),
            size_bytes: 5,
            sha256: vec![0; 32],
        },
    )
    .await
    .unwrap();
    id
}

/// The integer number of an attachment (its id in Flicket's API).
pub async fn upload_id(pool: &PgPool, attachment: uuid::Uuid) -> i64 {
    sqlx::query_scalar("select upload_id from attachments where attachment_id = $1")
        .bind(attachment)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn edit_body(pool: &PgPool, by: UserId, id: TicketId, text: &str) {
    let mut tx = pool.begin().await.unwrap();
    let input = EditTicketInput {
        title: Title::parse("Printer on fire").unwrap(),
        body: Body::parse(text).unwrap(),
        priority_id: flicket_core::domain::PriorityId(2),
        hours: Hours::parse("1").unwrap(),
        remove: vec![],
        files: vec![],
        max_files: 10,
    };
    ops::edit_ticket(&mut tx, &actor(by), id, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn tokens_are_shared_with_api_v1_and_revocable(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::OK
    );
    let v1 = token_for(&app, "ada").await;
    assert_eq!(
        get(&app, "/flicket-api/tickets/", &v1).await.status(),
        StatusCode::OK
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 2);

    let wrong = app
        .client
        .post(app.url("/flicket-api/tokens"))
        .basic_auth("ada", Some("not the password"))
        .send()
        .await
        .unwrap();
    let body = json_of(wrong, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["error"], "Unauthorized");

    let revoke = app
        .client
        .delete(app.url("/flicket-api/tokens"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert!(revoke.text().await.unwrap().is_empty());
    assert_eq!(
        get(&app, "/flicket-api/tickets/", &t).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/api/v1/tickets", &t).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .client
        .delete(app.url("/flicket-api/tokens"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    // The other token still works.
    assert_eq!(
        get(&app, "/flicket-api/tickets/", &v1).await.status(),
        StatusCode::OK
    );
}

/// Every endpoint, as (method, path).
fn endpoints(t: i64, p: i64) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&str, String)> = vec![];
    for path in [
        format!("ticket/{t}"),
        "tickets/".into(),
        "tickets/2/".into(),
        format!("post/{p}"),
        format!("posts/{t}/"),
        format!("posts/{t}/2/"),
        "user/1".into(),
        "users/".into(),
        "department/1".into(),
        "departments/".into(),
        "category/1".into(),
        "categories/".into(),
        "department_category/1".into(),
        "department_categories/".into(),
        "status/1".into(),
        "statuses/".into(),
        "priority/1".into(),
        "priorities/".into(),
        "priorities/2/".into(),
        "subscription/1".into(),
        "subscriptions/".into(),
        format!("subscriptions/{t}/"),
        format!("subscriptions/{t}/2/"),
        format!("upload/{}", uuid::Uuid::nil()),
        "uploads/".into(),
        "uploads/2/".into(),
        "history/1".into(),
        "histories/".into(),
        "histories/2/".into(),
        "action/1".into(),
        format!("actions/{t}"),
    ] {
        v.push(("GET", format!("/flicket-api/{path}")));
    }
    for path in ["tickets", "departments", "categories"] {
        v.push(("POST", format!("/flicket-api/{path}")));
    }
    v.push(("DELETE", "/flicket-api/tokens".into()));
    v
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn missing_unknown_expired_and_disabled_tokens_get_401_everywhere(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let t = create_direct(&pool, ada, "Printer on fire").await;
    let p = direct_reply(&pool, ada, t, "Still burning.", "0").await;
    let app = spawn_app(pool.clone()).await;
    let expired = compat_token(&app, "ada").await;
    sqlx::query("update api_tokens set expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let disabled = compat_token(&app, "bob").await;
    let mut conn = pool.acquire().await.unwrap();
    flicket_core::repo::users::set_disabled(&mut conn, bob, true)
        .await
        .unwrap();
    let unknown = "x".repeat(43);
    let kinds_before = activity_kinds(&pool, t).await;
    let departments_before: i64 = sqlx::query_scalar("select count(*) from departments")
        .fetch_one(&pool)
        .await
        .unwrap();
    for (method, path) in endpoints(t.0, p) {
        for bearer in [
            None,
            Some(unknown.as_str()),
            Some(expired.as_str()),
            Some(disabled.as_str()),
        ] {
            let req = match method {
                "GET" => app.client.get(app.url(&path)),
                "DELETE" => app.client.delete(app.url(&path)),
                _ => app.client.post(app.url(&path)).json(&json!({
                    "title": "Sneaky", "content": "Sneaky content", "category_id": 1, "ticket_priority_id": 1,
                    "department": "Sneaky", "category": "Sneaky", "department_id": 1})),
            };
            let req = match bearer {
                Some(b) => req.bearer_auth(b),
                None => req,
            };
            let resp = req.send().await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {bearer:?}"
            );
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"], "Unauthorized", "{method} {path}");
        }
    }
    // Nothing was changed by the refused calls.
    assert_eq!(activity_kinds(&pool, t).await, kinds_before);
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tickets, 1);
    let departments: i64 = sqlx::query_scalar("select count(*) from departments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(departments, departments_before);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_ticket_created_here_goes_through_the_ui_operation_and_shows_in_api_v1(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;
    let body = json!({"title": "Printer on fire", "content": "It **burns**.", "category_id": 2,
                      "ticket_priority_id": 3});
    let resp = post(&app, "/flicket-api/tickets", &t, body).await;
    let location = location(&resp);
    let created = json_of(resp, StatusCode::CREATED).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("{BASE}/ticket/{id}"));
    assert_eq!(
        keys(&created),
        sorted(&[
            "id",
            "assigned_id",
            "category_id",
            "content",
            "date_added",
            "date_modified",
            "modified_id",
            "started_id",
            "status_id",
            "title",
            "ticket_priority_id",
            "links"
        ])
    );
    assert_eq!(created["title"], "Printer on fire");
    assert_eq!(created["content"], "It **burns**.");
    assert_eq!(created["started_id"], ada.0);
    assert_eq!(created["category_id"], 2);
    assert_eq!(created["ticket_priority_id"], 3);
    assert!(created["assigned_id"].is_null() && created["modified_id"].is_null());
    assert!(created["date_modified"].is_null());
    assert!(
        is_rfc1123(&created["date_added"]),
        "{}",
        created["date_added"]
    );
    let open: i64 = sqlx::query_scalar("select status_id from statuses where kind = 'open'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(created["status_id"], open);
    assert_eq!(
        created["links"],
        json!({
            "self": format!("{BASE}/ticket/{id}"),
            "assigned": null,
            "priority": format!("{BASE}/priority/3"),
            "started_ny": format!("{BASE}/user/{ada}"),
            "modified_by": null,
            "category": format!("{BASE}/category/2"),
            "status": format!("{BASE}/status/{open}"),
            "subscribers": format!("{BASE}/subscriptions/{id}/"),
            "tickets": format!("{BASE}/tickets/"),
            "histories": format!("{BASE}/histories/?topic_id={id}"),
        })
    );
    // The UI's operation: the creator is subscribed, the opening is in the activity, the post count moved.
    assert_eq!(subscriber_ids(&pool, TicketId(id)).await, [ada.0]);
    assert_eq!(activity_kinds(&pool, TicketId(id)).await, ["opened"]);
    let posts: i32 = sqlx::query_scalar("select total_posts from users where user_id = $1")
        .bind(ada.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(posts, 1);

    let shown = json_of(
        get(&app, &format!("/flicket-api/ticket/{id}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown, created);
    let v1 = json_of(
        get(&app, &format!("/api/v1/tickets/{id}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v1["title"], "Printer on fire");
    assert_eq!(v1["creator_id"], ada.0);
    assert_eq!(v1["status_kind"], "open");
    let listed = json_of(get(&app, "/api/v1/tickets", &t).await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["id"], id);

    // Claimed and edited: assignee, editor and edit date appear.
    let claim = post(&app, &format!("/api/v1/tickets/{id}/claim"), &t, json!({})).await;
    assert_eq!(claim.status(), StatusCode::OK);
    edit_body(&pool, ada, TicketId(id), "It burns less now.").await;
    let shown = json_of(
        get(&app, &format!("/flicket-api/ticket/{id}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["assigned_id"], ada.0);
    assert_eq!(shown["modified_id"], ada.0);
    assert!(is_rfc1123(&shown["date_modified"]));
    assert_eq!(shown["links"]["assigned"], format!("{BASE}/user/{ada}"));
    assert_eq!(shown["links"]["modified_by"], format!("{BASE}/user/{ada}"));

    for missing in [
        "/flicket-api/ticket/999999",
        "/flicket-api/ticket/abc",
        "/flicket-api/ticket/-1",
    ] {
        let resp = get(&app, missing, &t).await;
        let body = json_of(resp, StatusCode::NOT_FOUND).await;
        assert_eq!(body["error"], "Not Found", "{missing}");
    }
    let unknown_route = json_of(
        get(&app, "/flicket-api/nothing-here", &t).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(unknown_route["error"], "Not Found");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn creating_a_ticket_answers_flickets_400_messages(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;
    let ok = json!({"title": "Printer on fire", "content": "It burns.", "category_id": 1, "ticket_priority_id": 1});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        (
            without("title"),
            "Must include title, content, category_id and ticket_priority_id.",
        ),
        (
            without("ticket_priority_id"),
            "Must include title, content, category_id and ticket_priority_id.",
        ),
        (
            json!([1, 2]),
            "Must include title, content, category_id and ticket_priority_id.",
        ),
        (
            with("category_id", json!("1")),
            "ticket_priority_id and category_id must be integers.",
        ),
        (
            with("ticket_priority_id", json!(1.5)),
            "ticket_priority_id and category_id must be integers.",
        ),
        (
            with("category_id", json!(999_999)),
            "not a valid category_id",
        ),
        (
            with("ticket_priority_id", json!(999_999)),
            "not a valid ticket_priority_id",
        ),
    ];
    for (body, message) in cases {
        let resp = post(&app, "/flicket-api/tickets", &t, body.clone()).await;
        let err = json_of(resp, StatusCode::BAD_REQUEST).await;
        assert_eq!(err["error"], "Bad Request", "{body}");
        assert_eq!(err["message"], message, "{body}");
    }
    // Not JSON at all: as Flicket, none of the fields.
    let resp = app
        .client
        .post(app.url("/flicket-api/tickets"))
        .bearer_auth(&t)
        .body("title=x")
        .send()
        .await
        .unwrap();
    let err = json_of(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        err["message"],
        "Must include title, content, category_id and ticket_priority_id."
    );
    // The UI's validation applies too (Flicket had none).
    for (body, field) in [
        (with("title", json!("ab")), "title"),
        (with("content", json!("abc")), "content"),
    ] {
        let resp = post(&app, "/flicket-api/tickets", &t, body).await;
        let err = json_of(resp, StatusCode::BAD_REQUEST).await;
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}: ")),
            "{err}"
        );
    }
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tickets, 0);
    let resp = post(&app, "/flicket-api/tickets", &t, ok).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn path_paged_collections_link_to_their_pages(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let mut ids = vec![];
    for i in 0..3 {
        ids.push(create_direct(&pool, ada, &format!("Ticket number {i}")).await);
    }
    let t1 = ids[0];
    let mut posts = vec![];
    for i in 0..3 {
        posts.push(direct_reply(&pool, ada, t1, &format!("Reply number {i}"), "0").await);
    }
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;

    let first = json_of(
        get(&app, "/flicket-api/tickets/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(keys(&first), sorted(&["items", "_meta", "_links"]));
    assert_eq!(
        first["_meta"],
        json!({"page": 1, "per_page": 2, "total_pages": 2, "total_items": 3})
    );
    assert_eq!(
        first["_links"],
        json!({"self": format!("{BASE}/tickets/1/?per_page=2"), "next": format!("{BASE}/tickets/2/?per_page=2"),
               "prev": null})
    );
    assert_eq!(first["items"][0]["id"], ids[0].0);
    assert_eq!(first["items"][1]["id"], ids[1].0);
    let second = json_of(
        get(&app, "/flicket-api/tickets/2/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["id"], ids[2].0);
    assert_eq!(
        second["_links"]["prev"],
        format!("{BASE}/tickets/1/?per_page=2")
    );
    assert!(second["_links"]["next"].is_null());
    let capped = json_of(
        get(&app, "/flicket-api/tickets/?per_page=5000", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(capped["_meta"]["per_page"], 100);
    // Unreadable numbers are the defaults, as in Flicket.
    let lenient = json_of(
        get(&app, "/flicket-api/tickets/?per_page=abc", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lenient["_meta"]["per_page"], 50);
    assert_eq!(
        get(&app, "/flicket-api/tickets/x/", &t).await.status(),
        StatusCode::NOT_FOUND
    );
    // Without the trailing slash: redirected to it, as Flicket did.
    let resp = get(&app, "/flicket-api/tickets?per_page=2", &t).await;
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location(&resp), "/flicket-api/tickets/?per_page=2");

    let replies = json_of(
        get(&app, &format!("/flicket-api/posts/{t1}/?per_page=2"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replies["_meta"]["total_items"], 3);
    assert_eq!(
        replies["_links"]["next"],
        format!("{BASE}/posts/{t1}/2/?per_page=2")
    );
    let post = &replies["items"][0];
    assert_eq!(
        keys(post),
        sorted(&[
            "id",
            "content",
            "data_added",
            "date_modified",
            "ticket_id",
            "user_id",
            "links"
        ])
    );
    assert_eq!(post["id"], posts[0]);
    assert_eq!(post["content"], "Reply number 0");
    assert_eq!(post["ticket_id"], t1.0);
    assert_eq!(post["user_id"], ada.0);
    assert!(is_rfc1123(&post["data_added"]));
    assert_eq!(
        post["links"],
        json!({"self": format!("{BASE}/post/{}", posts[0]), "created_by": format!("{BASE}/user/{ada}"),
               "posts": format!("{BASE}/posts/{t1}/")})
    );
    let page2 = json_of(
        get(&app, &format!("/flicket-api/posts/{t1}/2/?per_page=2"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page2["items"][0]["id"], posts[2]);
    let one = json_of(
        get(&app, &format!("/flicket-api/post/{}", posts[1]), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["content"], "Reply number 1");
    assert_eq!(
        get(&app, "/flicket-api/post/999999", &t).await.status(),
        StatusCode::NOT_FOUND
    );

    let prios = json_of(
        get(&app, "/flicket-api/priorities/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        prios["_links"]["next"],
        format!("{BASE}/priorities/2/?per_page=2")
    );
    assert_eq!(
        keys(&prios["items"][0]),
        sorted(&["id", "priority", "links"])
    );
    let id = prios["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        prios["items"][0]["links"],
        json!({"self": format!("{BASE}/priority/{id}"), "priorities": format!("{BASE}/priorities/")})
    );
    let prio = json_of(
        get(&app, &format!("/flicket-api/priority/{id}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(prio, prios["items"][0]);
    let prios2 = json_of(
        get(&app, "/flicket-api/priorities/2/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(prios2["_meta"]["page"], 2);
    assert_eq!(
        prios2["_links"]["prev"],
        format!("{BASE}/priorities/1/?per_page=2")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn query_paged_collections_keep_their_filters_in_the_links(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;

    let deps = json_of(
        get(&app, "/flicket-api/departments/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        deps["_links"]["self"],
        format!("{BASE}/departments/?page=1&per_page=2")
    );
    assert_eq!(
        deps["_links"]["next"],
        format!("{BASE}/departments/?page=2&per_page=2")
    );
    let names: Vec<&str> = deps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["department"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Commercial", "Design"], "alphabetical");
    let d = &deps["items"][1];
    assert_eq!(keys(d), sorted(&["id", "department", "links"]));
    let design = d["id"].as_i64().unwrap();
    assert_eq!(
        d["links"],
        json!({"self": format!("{BASE}/department/{design}"), "departments": format!("{BASE}/departments/")})
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/department/{design}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, d);
    let deps2 = json_of(
        get(&app, "/flicket-api/departments/?page=2&per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(deps2["_meta"]["page"], 2);
    assert_eq!(
        deps2["_links"]["prev"],
        format!("{BASE}/departments/?page=1&per_page=2")
    );

    let cats = json_of(
        get(
            &app,
            &format!("/flicket-api/categories/?department_id={design}&per_page=2"),
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cats["_meta"]["total_items"], 4, "Dataset, ECN, ECR, Other");
    assert_eq!(
        cats["_links"]["next"],
        format!("{BASE}/categories/?page=2&per_page=2&department_id={design}")
    );
    let c = &cats["items"][0];
    assert_eq!(keys(c), sorted(&["id", "category", "department", "links"]));
    assert_eq!(c["category"], "Dataset");
    assert_eq!(c["department"], "Design");
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(
        c["links"],
        json!({"self": format!("{BASE}/category/{cid}"), "categories": format!("{BASE}/categories/"),
               "department": format!("{BASE}/department/{design}")})
    );
    let by_name = json_of(
        get(&app, "/flicket-api/categories/?department=Design", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_name["_meta"]["total_items"], 4);
    let bad = get(&app, "/flicket-api/categories/?department_id=abc", &t).await;
    assert_eq!(
        json_of(bad, StatusCode::BAD_REQUEST).await["message"],
        "department_id must be an integer."
    );

    let dcs = json_of(
        get(
            &app,
            "/flicket-api/department_categories/?department_category=design%20/%20e&per_page=10",
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let labels: Vec<&str> = dcs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["department_category"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Design / ECN", "Design / ECR"]);
    let dc = &dcs["items"][0];
    assert_eq!(
        keys(dc),
        sorted(&[
            "department_category",
            "category_id",
            "category",
            "department_id",
            "department",
            "links"
        ])
    );
    let ecn = dc["category_id"].as_i64().unwrap();
    assert_eq!(
        dc["links"],
        json!({"self": format!("{BASE}/department_category/{ecn}"),
               "department_categories": format!("{BASE}/department_categories/"),
               "department": format!("{BASE}/department/{design}"), "category": format!("{BASE}/category/{ecn}")})
    );
    assert_eq!(
        dcs["_links"]["self"],
        format!(
            "{BASE}/department_categories/?page=1&per_page=10&department_category=design%20/%20e"
        )
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/department_category/{ecn}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, dc);
    let ends = json_of(
        get(
            &app,
            "/flicket-api/department_categories/?department=SIGN",
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ends["_meta"]["total_items"], 4,
        "department ends with 'sign'"
    );

    // Flicket's statuses linked to the departments; these link to the statuses.
    let statuses = json_of(
        get(&app, "/flicket-api/statuses/?per_page=1", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        statuses["_links"]["self"],
        format!("{BASE}/statuses/?page=1&per_page=1")
    );
    assert_eq!(
        statuses["_links"]["next"],
        format!("{BASE}/statuses/?page=2&per_page=1")
    );
    let s = &statuses["items"][0];
    assert_eq!(s["status"], "Open");
    let sid = s["id"].as_i64().unwrap();
    assert_eq!(
        s["links"],
        json!({"self": format!("{BASE}/status/{sid}"), "statuses": format!("{BASE}/statuses/")})
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/status/{sid}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, s);
    assert_eq!(
        get(&app, "/flicket-api/status/999", &t).await.status(),
        StatusCode::NOT_FOUND
    );
    let resp = get(&app, "/flicket-api/statuses", &t).await;
    assert_eq!(location(&resp), "/flicket-api/statuses/");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn users_show_emails_only_to_admins_and_super_users(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let sue = user(&pool, "sue").await;
    add_group(&pool, sue, "super_user").await;
    sqlx::query("update users set job_title = 'Plumber' where user_id = $1")
        .bind(bob.0)
        .execute(&pool)
        .await
        .unwrap();
    create_direct(&pool, bob, "Printer on fire").await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "ada").await;

    let b = json_of(
        get(&app, &format!("/flicket-api/user/{bob}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        keys(&b),
        sorted(&[
            "id",
            "avatar",
            "email",
            "job_title",
            "name",
            "username",
            "total_posts",
            "links"
        ])
    );
    assert!(b["email"].is_null(), "{b}");
    assert_eq!(b["job_title"], "Plumber");
    assert_eq!(b["name"], "bob Tester");
    assert_eq!(b["username"], "bob");
    assert_eq!(b["total_posts"], 1);
    assert!(
        b["avatar"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:8080/")
    );
    assert_eq!(
        b["links"],
        json!({"self": format!("{BASE}/user/{bob}"), "users": format!("{BASE}/users/")})
    );
    let me = json_of(
        get(&app, &format!("/flicket-api/user/{ada}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["job_title"], "unknown");

    let listed = json_of(
        get(&app, "/flicket-api/users/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["_meta"]["total_items"], 3);
    assert_eq!(
        listed["_links"]["next"],
        format!("{BASE}/users/?page=2&per_page=2")
    );
    assert_eq!(listed["items"][0]["email"], "ada@example.com");
    assert!(listed["items"][1]["email"].is_null());
    let named = json_of(
        get(&app, "/flicket-api/users/?name=BOB%20t", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(named["_meta"]["total_items"], 1);
    assert_eq!(named["items"][0]["id"], bob.0);
    assert_eq!(
        named["_links"]["self"],
        format!("{BASE}/users/?page=1&per_page=50&name=BOB%20t")
    );

    let st = compat_token(&app, "sue").await;
    let b = json_of(
        get(&app, &format!("/flicket-api/user/{bob}"), &st).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(b["email"], "bob@example.com");
    let listed = json_of(get(&app, "/flicket-api/users/", &st).await, StatusCode::OK).await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["email"].is_string())
    );
    assert_eq!(
        get(&app, "/flicket-api/user/999999", &t).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn only_admins_and_super_users_create_departments_and_categories(pool: PgPool) {
    user(&pool, "ada").await;
    let sue = user(&pool, "sue").await;
    add_group(&pool, sue, "super_user").await;
    create_user(&pool, "root", true, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let (ut, st, at) = (
        compat_token(&app, "ada").await,
        compat_token(&app, "sue").await,
        compat_token(&app, "root").await,
    );

    let refused = post(
        &app,
        "/flicket-api/departments",
        &ut,
        json!({"department": "Facilities"}),
    )
    .await;
    assert_eq!(
        json_of(refused, StatusCode::FORBIDDEN).await["error"],
        "Forbidden"
    );
    let refused = post(
        &app,
        "/flicket-api/categories",
        &ut,
        json!({"category": "Lifts", "department_id": 1}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let none: i64 =
        sqlx::query_scalar("select count(*) from departments where name = 'Facilities'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(none, 0);

    let resp = post(
        &app,
        "/flicket-api/departments",
        &st,
        json!({"department": "Facilities"}),
    )
    .await;
    let loc = location(&resp);
    let d = json_of(resp, StatusCode::CREATED).await;
    let id = d["id"].as_i64().unwrap();
    assert_eq!(loc, format!("{BASE}/department/{id}"));
    assert_eq!(d["department"], "Facilities");
    assert_eq!(d["links"]["departments"], format!("{BASE}/departments/"));
    for (body, message) in [
        (
            json!({"department": "Facilities"}),
            "Department already created.",
        ),
        (
            json!({"name": "Facilities"}),
            "Must include department name.",
        ),
    ] {
        let resp = post(&app, "/flicket-api/departments", &at, body).await;
        assert_eq!(
            json_of(resp, StatusCode::BAD_REQUEST).await["message"],
            message
        );
    }
    let short = post(
        &app,
        "/flicket-api/departments",
        &at,
        json!({"department": "F"}),
    )
    .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);

    let resp = post(
        &app,
        "/flicket-api/categories",
        &at,
        json!({"category": "Lifts", "department_id": id}),
    )
    .await;
    let loc = location(&resp);
    let c = json_of(resp, StatusCode::CREATED).await;
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(loc, format!("{BASE}/category/{cid}"));
    assert_eq!(c["category"], "Lifts");
    assert_eq!(c["department"], "Facilities");
    for (body, message) in [
        (
            json!({"category": "Lifts", "department_id": id}),
            "Category within department already exists.",
        ),
        (
            json!({"category": "Lifts"}),
            "Must include category name and department_id",
        ),
        (
            json!({"category": "Lifts", "department_id": "1"}),
            "department_id must be an integer.",
        ),
        (
            json!({"category": "Lifts", "department_id": 999_999}),
            "not a valid department_id",
        ),
    ] {
        let resp = post(&app, "/flicket-api/categories", &st, body.clone()).await;
        assert_eq!(
            json_of(resp, StatusCode::BAD_REQUEST).await["message"],
            message,
            "{body}"
        );
    }
    // Recorded in the audit log as the admin pages do.
    let audit: Vec<String> = sqlx::query_scalar("select action from audit_log order by audit_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audit, ["department.create", "category.create"]);
    // And visible to everyone.
    let shown = json_of(
        get(&app, &format!("/flicket-api/category/{cid}"), &ut).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown, c);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn subscriptions_uploads_histories_and_actions(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let t1 = create_direct(&pool, ada, "Printer on fire").await;
    let t2 = create_direct(&pool, bob, "Scanner on fire").await;
    let reply = direct_reply(&pool, bob, t1, "Have you tried water?", "0").await;
    let body_file = attach(&pool, t1, None, ada, "photo.png").await;
    let reply_file = attach(&pool, t1, Some(PostId(reply)), bob, "log.txt").await;
    edit_body(&pool, ada, t1, "Something else does not work.").await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "bob").await;
    let claim = post(&app, &format!("/api/v1/tickets/{t1}/claim"), &t, json!({})).await;
    assert_eq!(claim.status(), StatusCode::OK);

    // Subscriptions: ada (creator of t1), bob (replied to t1), bob (creator of t2).
    let all = json_of(
        get(&app, "/flicket-api/subscriptions/?per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["_meta"]["total_items"], 3);
    assert_eq!(
        all["_links"]["next"],
        format!("{BASE}/subscriptions/?page=2&per_page=2")
    );
    let page2 = json_of(
        get(&app, "/flicket-api/subscriptions/?page=2&per_page=2", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    let of_t1 = json_of(
        get(
            &app,
            &format!("/flicket-api/subscriptions/{t1}/?per_page=1"),
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(of_t1["_meta"]["total_items"], 2);
    assert_eq!(
        of_t1["_links"]["next"],
        format!("{BASE}/subscriptions/{t1}/2/?per_page=1")
    );
    let s = &of_t1["items"][0];
    assert_eq!(
        keys(s),
        sorted(&["id", "ticket_id", "user_id", "user_def", "links"])
    );
    assert_eq!(s["ticket_id"], t1.0);
    assert_eq!(s["user_id"], ada.0);
    assert_eq!(s["user_def"], "ada Tester");
    let sid = s["id"].as_i64().unwrap();
    assert_eq!(
        s["links"],
        json!({"self": format!("{BASE}/subscription/{sid}"), "subscriptions": format!("{BASE}/subscriptions/"),
               "ticket": format!("{BASE}/ticket/{t1}"), "user": format!("{BASE}/user/{ada}")})
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/subscription/{sid}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, s);
    let second = json_of(
        get(
            &app,
            &format!("/flicket-api/subscriptions/{t1}/2/?per_page=1"),
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["user_id"], bob.0);
    assert_eq!(
        get(&app, "/flicket-api/subscription/999999", &t)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Uploads: the ticket body's file has `topic_id`, the reply's `post_id`; `image` is the authorising download.
    let uploads = json_of(
        get(&app, "/flicket-api/uploads/?per_page=1", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(uploads["_meta"]["total_items"], 2);
    assert_eq!(
        uploads["_links"]["next"],
        format!("{BASE}/uploads/2/?per_page=1")
    );
    let u = &uploads["items"][0];
    assert_eq!(
        keys(u),
        sorted(&[
            "id",
            "filename",
            "image",
            "original_filename",
            "post_id",
            "topic_id",
            "links"
        ])
    );
    let (body_no, reply_no) = (
        upload_id(&pool, body_file).await,
        upload_id(&pool, reply_file).await,
    );
    assert_eq!(u["id"], body_no);
    assert_eq!(u["original_filename"], "photo.png");
    assert_eq!(
        u["image"],
        format!("http://127.0.0.1:8080/attachments/{body_file}")
    );
    assert_eq!(u["topic_id"], t1.0);
    assert!(u["post_id"].is_null());
    assert_eq!(
        u["links"],
        json!({"self": format!("{BASE}/upload/{body_no}"), "post": null, "ticket": format!("{BASE}/ticket/{t1}"),
               "uploads": format!("{BASE}/uploads/")})
    );
    let r = json_of(
        get(&app, &format!("/flicket-api/upload/{reply_no}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["post_id"], reply);
    assert!(r["topic_id"].is_null());
    assert_eq!(r["links"]["post"], format!("{BASE}/post/{reply}"));
    let second = json_of(
        get(&app, "/flicket-api/uploads/2/?per_page=1", &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0], r);
    for missing in [
        "/flicket-api/upload/12",
        &format!("/flicket-api/upload/{}", uuid::Uuid::nil()),
    ] {
        assert_eq!(
            get(&app, missing, &t).await.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    // Histories: the previous body, by its author.
    let hs = json_of(
        get(&app, &format!("/flicket-api/histories/?topic_id={t1}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hs["_meta"]["total_items"], 1);
    assert_eq!(
        hs["_links"]["self"],
        format!("{BASE}/histories/1/?per_page=50&topic_id={t1}")
    );
    let h = &hs["items"][0];
    assert_eq!(
        keys(h),
        sorted(&[
            "id",
            "date_modified",
            "original_content",
            "post_id",
            "topic_id",
            "user_id",
            "links"
        ])
    );
    assert_eq!(h["original_content"], "Something does not work.");
    assert_eq!(h["topic_id"], t1.0);
    assert_eq!(h["user_id"], ada.0);
    assert!(is_rfc1123(&h["date_modified"]));
    let hid = h["id"].as_i64().unwrap();
    assert_eq!(
        h["links"],
        json!({"self": format!("{BASE}/history/{hid}"), "histories": format!("{BASE}/histories/"), "post": null,
               "ticket": format!("{BASE}/ticket/{t1}"), "user": format!("{BASE}/user/{ada}")})
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/history/{hid}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, h);
    let other = json_of(
        get(&app, &format!("/flicket-api/histories/?topic_id={t2}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(other["_meta"]["total_items"], 0);
    let by_post = json_of(
        get(
            &app,
            &format!("/flicket-api/histories/?post_id={reply}"),
            &t,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_post["_meta"]["total_items"], 0);
    let bad = get(&app, "/flicket-api/histories/?topic_id=x", &t).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/flicket-api/history/999999", &t).await.status(),
        StatusCode::NOT_FOUND
    );

    // Actions: opened, then the claim (shown after the reply), oldest first.
    let acts = json_of(
        get(&app, &format!("/flicket-api/actions/{t1}?per_page=1"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(acts["_meta"]["total_items"], 2, "{acts}");
    assert_eq!(
        acts["_links"]["next"],
        format!("{BASE}/actions/{t1}?page=2&per_page=1")
    );
    let a = &acts["items"][0];
    assert_eq!(
        keys(a),
        sorted(&[
            "id",
            "ticket_id",
            "post_id",
            "action",
            "data",
            "user_id",
            "recipient_id",
            "date",
            "links"
        ])
    );
    assert_eq!(a["action"], "opened");
    assert_eq!(a["ticket_id"], t1.0);
    assert_eq!(a["user_id"], ada.0);
    assert!(is_rfc1123(&a["date"]));
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(
        a["links"],
        json!({"self": format!("{BASE}/action/{aid}"), "actions": format!("{BASE}/actions/{t1}")})
    );
    let one = json_of(
        get(&app, &format!("/flicket-api/action/{aid}"), &t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(&one, a);
    let all = json_of(
        get(&app, &format!("/flicket-api/actions/{t1}?per_page=100"), &t).await,
        StatusCode::OK,
    )
    .await;
    let claim = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "claim")
        .expect("claim action");
    assert_eq!(claim["user_id"], bob.0);
    assert_eq!(claim["post_id"], reply);
    assert_eq!(
        get(&app, "/flicket-api/action/999999", &t).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_refused_department_name_is_flickets_400_with_the_message(pool: PgPool) {
    create_user(&pool, "root", true, Locale::En).await;
    let app = spawn_app(pool.clone()).await;
    let t = compat_token(&app, "root").await;
    for (name, message) in [
        ("it", "Department already created."),
        ("F", "A department name must be 2 to 60 characters long."),
    ] {
        let resp = post(
            &app,
            "/flicket-api/departments",
            &t,
            json!({"department": name}),
        )
        .await;
        assert_eq!(
            json_of(resp, StatusCode::BAD_REQUEST).await,
            json!({"error": "Bad Request", "message": message}),
            "{name}"
        );
    }
}
