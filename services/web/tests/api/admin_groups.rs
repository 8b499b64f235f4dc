//! The admin area's groups, statuses and priorities.

use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn groups_are_created_renamed_filled_and_deleted_but_built_ins_stay(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let resp = post(&admin, "/admin/groups", &[("name", "Support")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query_scalar("select group_id from groups where name = 'Support'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        post(&admin, "/admin/groups", &[("name", "support")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    post(
        &admin,
        &format!("/admin/groups/{id}/rename"),
        &[("name", "Helpdesk")],
    )
    .await;
    create_user(&pool, "ada", false, Locale::En).await;
    post(
        &admin,
        &format!("/admin/groups/{id}/members"),
        &[("username", "ada")],
    )
    .await;
    let page = admin.get_text(&format!("/admin/groups/{id}")).await;
    assert!(
        page.contains("Helpdesk") && page.contains(">ada</a>"),
        "{page}"
    );
    assert_eq!(
        post(
            &admin,
            &format!("/admin/groups/{id}/members"),
            &[("username", "nobody")]
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    post(&admin, &format!("/admin/groups/{id}/delete"), &[]).await;
    let left: i64 = sqlx::query_scalar("select count(*) from groups")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 2);

    let admin_group: i64 = sqlx::query_scalar("select group_id from groups where name = 'admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for path in [
        format!("/admin/groups/{admin_group}/rename"),
        format!("/admin/groups/{admin_group}/delete"),
    ] {
        let resp = post(&admin, &path, &[("name", "bosses")]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    let name: String = sqlx::query_scalar("select name from groups where group_id = $1")
        .bind(admin_group)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "admin");
    for action in [
        "group.create",
        "group.rename",
        "group.add_member",
        "group.delete",
    ] {
        assert_eq!(audit_count(&pool, action).await, 1, "{action}");
    }
    assert!(
        admin
            .get_text("/admin/audit")
            .await
            .contains("group renamed")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn statuses_and_priorities_are_renamed_recoloured_reordered_and_custom_ones_deleted(
    pool: PgPool,
) {
    let admin = admin_app(&pool).await;
    let id = |kind: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select status_id from statuses where kind = $1")
                .bind(kind)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let open = id("open").await;
    let resp = post(
        &admin,
        &format!("/admin/statuses/statuses/{open}"),
        &[("name", "New"), ("colour", "#ABCDEF")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (name, colour): (String, String) =
        sqlx::query_as("select name, colour from statuses where status_id = $1")
            .bind(open)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), colour.as_str()), ("New", "#abcdef"));
    let bad = post(
        &admin,
        &format!("/admin/statuses/statuses/{open}"),
        &[("name", "x"), ("colour", "red")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    post(
        &admin,
        &format!("/admin/statuses/statuses/{open}/move"),
        &[("direction", "down")],
    )
    .await;
    let order: Vec<String> =
        sqlx::query_scalar("select kind from statuses order by position, status_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(&order[..2], ["closed", "open"]);

    post(
        &admin,
        "/admin/statuses/statuses",
        &[("name", "Parked"), ("colour", "#123456")],
    )
    .await;
    let parked = id("custom").await;
    let ticket = insert_ticket(&pool, user_id(&pool, "root").await, None).await;
    sqlx::query("update tickets set status_id = $1 where ticket_id = $2")
        .bind(parked)
        .bind(ticket)
        .execute(&pool)
        .await
        .unwrap();
    let in_use = post(
        &admin,
        &format!("/admin/statuses/statuses/{parked}/delete"),
        &[],
    )
    .await;
    assert_eq!(in_use.status(), StatusCode::CONFLICT);
    assert!(in_use.text().await.unwrap().contains("tickets have it (1)"));
    sqlx::query("delete from tickets")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        post(
            &admin,
            &format!("/admin/statuses/statuses/{parked}/delete"),
            &[]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(
            &admin,
            &format!("/admin/statuses/statuses/{open}/delete"),
            &[]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    let high: i64 = sqlx::query_scalar("select priority_id from priorities where kind = 'high'")
        .fetch_one(&pool)
        .await
        .unwrap();
    post(
        &admin,
        &format!("/admin/statuses/priorities/{high}"),
        &[("name", "urgent"), ("colour", "#b02a37")],
    )
    .await;
    assert!(
        admin
            .get_text("/admin/statuses")
            .await
            .contains("value=\"urgent\"")
    );
}
