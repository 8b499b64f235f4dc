//! `/admin/email`: administrators see the deliveries and can send a failed one again; nobody else can.

use flicket_core::Locale;
use flicket_core::domain::UserId;
use flicket_core::repo::deliveries;
use flicket_core::repo::fixtures;
use flicket_core::testing::insert_test_email;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::*;

/// An outbox row whose delivery failed for good; returns (outbox id, ledger id).
async fn failed_delivery(pool: &PgPool) -> (i64, i64) {
    let id = insert_test_email(pool, "test_email:log", "ops@example.test", UserId(1), None)
        .await
        .unwrap()
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    deliveries::claim(
        &mut conn,
        "test_email:log",
        id,
        "ops@example.test",
        "w1",
        60.0,
    )
    .await
    .unwrap();
    let reason = "gave up after 15 attempts: cannot talk to the SMTP server <script>";
    assert!(
        deliveries::finish_unsent(&mut conn, "test_email:log", id, "w1", "failed", reason)
            .await
            .unwrap()
    );
    let line = deliveries::recent(&mut *conn, 10).await.unwrap().remove(0);
    (id, line.email_delivery_id)
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn only_administrators_see_the_email_log(pool: PgPool) {
    failed_delivery(&pool).await;
    create_user(&pool, "root", true, Locale::En).await;
    create_user(&pool, "ada", false, Locale::En).await;
    let anonymous = spawn_app(pool.clone()).await;
    assert_eq!(
        anonymous.get("/admin/email").await.status(),
        StatusCode::SEE_OTHER
    );
    let user = spawn_app(pool.clone()).await;
    user.login("ada", PASSWORD).await;
    assert_eq!(
        user.get("/admin/email").await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = spawn_app(pool.clone()).await;
    admin.login("root", PASSWORD).await;
    let page = admin.get_text("/admin/email").await;
    assert!(page.contains("ops@example.test"), "{page}");
    assert!(page.contains("Failed"));
    assert!(
        page.contains("cannot talk to the SMTP server &lt;script&gt;")
            || page.contains("&#60;script&#62;")
    );
    assert!(!page.contains("<script>"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_administrator_sends_a_failed_email_again(pool: PgPool) {
    let (outbox_id, delivery) = failed_delivery(&pool).await;
    create_user(&pool, "root", true, Locale::Fr).await;
    create_user(&pool, "ada", false, Locale::En).await;
    let path = format!("/admin/email/{delivery}/retry");

    let user = spawn_app(pool.clone()).await;
    user.login("ada", PASSWORD).await;
    let token = user.csrf("/").await;
    let refused = user.post_form(&path, &[("csrf_token", &token)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        fixtures::delivery(&pool, "test_email:log")
            .await
            .unwrap()
            .unwrap()
            .0,
        "failed"
    );

    let admin = spawn_app(pool.clone()).await;
    admin.login("root", PASSWORD).await;
    let without_token = admin.post_form(&path, &[]).await;
    assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
    let token = admin.csrf("/admin/email").await;
    let resp = admin.post_form(&path, &[("csrf_token", &token)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/email");
    let (state, attempts, _) = fixtures::delivery(&pool, "test_email:log")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("sending", 0));
    assert!(!fixtures::outbox_delivered(&pool, outbox_id).await.unwrap());
    let page = admin.get_text("/admin/email").await;
    assert!(page.contains("Le courriel va être renvoyé."), "{page}");
    // A second retry finds nothing failed.
    let token = admin.csrf("/admin/email").await;
    admin.post_form(&path, &[("csrf_token", &token)]).await;
    let page = admin.get_text("/admin/email").await;
    assert!(
        page.contains("Seul un courriel en échec peut être renvoyé."),
        "{page}"
    );
}
