//! Department/category changes and subscriptions.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, location};
use crate::tickets_support::*;

/// Posts the ticket page's change of department / category.
async fn post_category(who: &TestApp, page: &str, category: &str) -> reqwest::Response {
    who.post_action(
        &format!("{page}/category"),
        page,
        &[("category_id", category)],
    )
    .await
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn category_changes_follow_the_settings(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let sup = user(&pool, "sue").await;
    add_group(&pool, sup, "super_user").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Wrong category").await;
    let page = format!("/tickets/{id}");
    let a = signed_in(&t, "ada").await;
    let it_internet: i64 = sqlx::query_scalar(
        "select category_id from categories c join departments d using (department_id)
         where d.name = 'IT' and c.name = 'Internet'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let target = it_internet.to_string();

    // Off by default: no control, and the route does not exist.
    assert!(!a.get_text(&page).await.contains("new-category"));
    let resp = post_category(&a, &page, &target).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    sqlx::query("update settings set change_category = true")
        .execute(&pool)
        .await
        .unwrap();
    assert!(a.get_text(&page).await.contains("new-category"));
    let text = flash_after(&a, post_category(&a, &page, &target).await).await;
    assert!(
        text.contains("Ticket moved to “IT / Internet” by ada Tester"),
        "{text}"
    );
    assert!(text.contains("id=\"ticket-category\">IT / Internet<"));
    let data: serde_json::Value = sqlx::query_scalar(
        "select data from activities where ticket_id = $1 and kind = 'department_category'",
    )
    .bind(id.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(data["department"], "IT");
    assert_eq!(data["category"], "Internet");
    assert_eq!(data["category_id"], it_internet);
    let text = flash_after(&a, post_category(&a, &page, &target).await).await;
    assert!(text.contains("already in this department"));
    let text = flash_after(&a, post_category(&a, &page, "424242").await).await;
    assert!(text.contains("Please choose an existing department / category."));

    // Restricted to admins and super users.
    sqlx::query("update settings set change_category_restricted = true")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!a.get_text(&page).await.contains("new-category"));
    let resp = post_category(&a, &page, "1").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let s = signed_in(&t, "sue").await;
    let resp = post_category(&s, &page, "1").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        scalar_i64(
            &pool,
            "select category_id from tickets where ticket_id = $1",
            id.0
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn anyone_subscribes_anyone_and_unsubscribing_others_is_for_staff(pool: PgPool) {
    let ada = user(&pool, "ada").await;
    let bob = user(&pool, "bob").await;
    let carl = user(&pool, "carl").await;
    let sup = user(&pool, "sue").await;
    add_group(&pool, sup, "super_user").await;
    let t = spawn_ticket_app(pool.clone()).await;
    let id = create_direct(&pool, ada, "Followers").await;
    let page = format!("/tickets/{id}");
    let (b, c, s) = (
        signed_in(&t, "bob").await,
        signed_in(&t, "carl").await,
        signed_in(&t, "sue").await,
    );

    let text = b
        .post_flash(
            &format!("{page}/subscribers"),
            &page,
            &[("username", "carl")],
        )
        .await;
    assert!(text.contains("carl Tester subscribed to the ticket by bob Tester"));
    assert_eq!(subscriber_ids(&pool, id).await, vec![ada.0, carl.0]);
    // The list is on the page, by name; bob may remove nobody, so no button. The field's suggestions come as one
    // types, so the page itself carries no directory of people.
    assert!(text.contains("<datalist id=\"people\"></datalist>"));
    assert!(!text.contains(&format!("/subscribers/{carl}/delete")));

    let resp = b
        .post_action(&format!("{page}/subscribers/{carl}/delete"), &page, &[])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let own = c.get_text(&page).await;
    assert!(
        own.contains(&format!("/subscribers/{carl}/delete"))
            && !own.contains(&format!("/subscribers/{ada}/delete"))
    );
    let text = c
        .post_flash(&format!("{page}/subscribers/{carl}/delete"), &page, &[])
        .await;
    assert!(text.contains("carl Tester unsubscribed from the ticket by carl Tester"));
    let text = s
        .post_flash(&format!("{page}/subscribers/{ada}/delete"), &page, &[])
        .await;
    assert!(text.contains("ada Tester unsubscribed from the ticket by sue Tester"));
    assert!(subscriber_ids(&pool, id).await.is_empty());
    assert!(text.contains("Nobody follows this ticket."));
    let _ = bob;
}

/// The user names of a `/people/suggest` answer, in order.
async fn suggested(app: &TestApp, q: &str) -> Vec<String> {
    let resp = app
        .get(&format!("/people/suggest?q={}", urlencoding(q)))
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "{q:?}");
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let people: Vec<serde_json::Value> = resp.json().await.unwrap();
    people
        .iter()
        .map(|p| {
            assert!(p["name"].is_string());
            p["username"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn people_are_suggested_as_one_types(pool: PgPool) {
    user(&pool, "ada").await;
    user(&pool, "bob").await;
    user(&pool, "robert").await;
    user(&pool, "bobby").await;
    let gone = user(&pool, "bobcat").await;
    user(&pool, "per_cent").await;
    user(&pool, "percent").await;
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(gone.0)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update users set name = 'Roberta Bobson' where username = 'ada'")
        .execute(&pool)
        .await
        .unwrap();
    let t = spawn_ticket_app(pool.clone()).await;

    // Not signed in: to the sign-in page, no names.
    let anonymous = t.browser().await;
    let resp = anonymous.get("/people/suggest?q=bo").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with("/login"));

    let a = signed_in(&t, "robert").await;
    // User names starting with the text first, then those containing it in the user name or the name; disabled
    // accounts never; case does not matter.
    assert_eq!(suggested(&a, "BO").await, ["bob", "bobby", "ada"]);
    assert_eq!(suggested(&a, "rob").await, ["robert", "ada"]);
    assert_eq!(suggested(&a, "bobson").await, ["ada"]);
    // LIKE's wildcards are plain characters.
    assert_eq!(suggested(&a, "r_c").await, ["per_cent"]);
    assert_eq!(suggested(&a, "%").await, Vec::<String>::new());
    // Nothing typed: the first people by user name.
    assert_eq!(
        suggested(&a, "").await,
        ["ada", "bob", "bobby", "per_cent", "percent", "robert"]
    );
    // NUL, control characters and a very long text are a plain answer, never an error.
    assert_eq!(suggested(&a, "b\0o\u{1}b").await, ["bob", "bobby", "ada"]);
    assert!(suggested(&a, &"x".repeat(10_000)).await.is_empty());
    // A query string that is not UTF-8 is read with replacement characters: nobody matches, nothing fails.
    let resp = a.get("/people/suggest?q=%FF%FEbob").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "[]");

    // At most 20 answers.
    for n in 0..30 {
        user(&pool, &format!("many{n:02}")).await;
    }
    let many = suggested(&a, "many").await;
    assert_eq!(many.len(), 20);
    assert_eq!(many[0], "many00");
}
