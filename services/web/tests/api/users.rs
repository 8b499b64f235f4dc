//! The user directory and profiles: for signed-in users; emails for admins and super users only.

use flicket_core::Locale;
use flicket_core::repo::fixtures;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_directory_hides_emails_from_plain_users(pool: PgPool) {
    create_user(&pool, "grace", false, Locale::En).await;
    let anonymous = spawn_app(pool.clone()).await;
    assert_eq!(
        anonymous.get("/users").await.status(),
        StatusCode::SEE_OTHER
    );

    let user = app_as(&pool, Role::User, "ada").await;
    let page = user.get_text("/users").await;
    assert!(
        page.contains("grace Tester") && !page.contains("grace@example.com"),
        "{page}"
    );
    let grace = user_id(&pool, "grace").await;
    assert!(
        !user
            .get_text(&format!("/users/{grace}"))
            .await
            .contains("grace@example.com")
    );
    // Searching by email would reveal addresses: for plain users it only matches names.
    assert!(
        user.get_text("/users?q=grace%40example")
            .await
            .contains("Nobody matches")
    );

    let staff = app_as(&pool, Role::SuperUser, "boss").await;
    assert!(staff.get_text("/users").await.contains("grace@example.com"));
    assert!(
        staff
            .get_text("/users?q=grace%40example")
            .await
            .contains("grace Tester")
    );
    assert!(
        staff
            .get_text(&format!("/users/{grace}"))
            .await
            .contains("grace@example.com")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_directory_searches_and_pages(pool: PgPool) {
    for i in 0..12 {
        create_user(&pool, &format!("member{i:02}"), false, Locale::En).await;
    }
    sqlx::query("update settings set page_size = 10")
        .execute(&pool)
        .await
        .unwrap();
    let user = app_as(&pool, Role::User, "zed").await;
    let first = user.get_text("/users").await;
    assert!(
        first.contains("member00") && !first.contains("member11") && first.contains("Page 1 of 2")
    );
    let second = user.get_text("/users?page=2").await;
    assert!(second.contains("member11") && second.contains("zed"));
    let found = user.get_text("/users?q=ber07").await;
    assert!(found.contains("member07") && !found.contains("member08"));
    let wild = user.get_text("/users?q=%25").await;
    assert!(wild.contains("Nobody matches"), "% is taken literally");
    assert_eq!(user.get("/users?page=-3").await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_profile_counts_posts_and_assigned_tickets(pool: PgPool) {
    let user = app_as(&pool, Role::User, "ada").await;
    let ada = user_id(&pool, "ada").await;
    let ticket = insert_ticket(&pool, ada, None).await;
    insert_ticket(&pool, ada, None).await;
    fixtures::assign(&pool, ticket, ada.0).await.unwrap();
    sqlx::query(
        "insert into posts (ticket_id, author_id, content) values ($1, $2, 'A reply here')",
    )
    .bind(ticket)
    .bind(ada.0)
    .execute(&pool)
    .await
    .unwrap();
    let page = user.get_text(&format!("/users/{ada}")).await;
    assert!(
        page.contains("<dt>Tickets and replies</dt><dd>3</dd>"),
        "{page}"
    );
    assert!(page.contains("<dt>Assigned tickets</dt><dd>1</dd>"));
    assert_eq!(
        user.get("/users/999999").await.status(),
        StatusCode::NOT_FOUND
    );
}
