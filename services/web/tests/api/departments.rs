//! Departments and categories: everyone sees them; admins and super users manage them; nothing used by a ticket is
//! deleted.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;

async fn department(pool: &PgPool, name: &str) -> i64 {
    sqlx::query_scalar("select department_id from departments where name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn category(pool: &PgPool, department: i64, name: &str) -> i64 {
    sqlx::query_scalar("select category_id from categories where department_id = $1 and name = $2")
        .bind(department)
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn everyone_sees_departments_but_plain_users_cannot_change_them(pool: PgPool) {
    let user = app_as(&pool, Role::User, "ada").await;
    let page = user.get_text("/departments").await;
    assert!(
        page.contains("Design")
            && page.contains("Dataset")
            && !page.contains("action=\"/departments\"")
    );
    assert_eq!(
        post(&user, "/departments", &[("name", "Sneaky")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let it = department(&pool, "IT").await;
    assert_eq!(
        post(
            &user,
            &format!("/departments/{it}/categories"),
            &[("name", "Sneaky")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let n: i64 = sqlx::query_scalar("select count(*) from departments where name = 'Sneaky'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_super_user_manages_departments_and_categories(pool: PgPool) {
    let staff = app_as(&pool, Role::SuperUser, "boss").await;
    assert!(
        staff
            .get_text("/departments")
            .await
            .contains("action=\"/departments\"")
    );
    let resp = post(&staff, "/departments", &[("name", "Logistics")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = department(&pool, "Logistics").await;
    assert_eq!(
        post(&staff, "/departments", &[("name", "logistics")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(&staff, "/departments", &[("name", "L")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    post(
        &staff,
        &format!("/departments/{id}/rename"),
        &[("name", "Supply chain")],
    )
    .await;
    post(
        &staff,
        &format!("/departments/{id}/categories"),
        &[("name", "Trucks")],
    )
    .await;
    let trucks = category(&pool, id, "Trucks").await;
    assert_eq!(
        post(
            &staff,
            &format!("/departments/{id}/categories"),
            &[("name", "trucks")]
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    post(
        &staff,
        &format!("/departments/{id}/categories/{trucks}/rename"),
        &[("name", "Lorries")],
    )
    .await;
    let page = staff.get_text(&format!("/departments/{id}")).await;
    assert!(
        page.contains("Supply chain") && page.contains("value=\"Lorries\""),
        "{page}"
    );

    // In use: refused with the reason.
    let ticket = insert_ticket(&pool, user_id(&pool, "boss").await, Some(trucks)).await;
    let resp = post(
        &staff,
        &format!("/departments/{id}/categories/{trucks}/delete"),
        &[],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(resp.text().await.unwrap().contains("tickets use it (1)"));
    let resp = post(&staff, &format!("/departments/{id}/delete"), &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("tickets use its categories (1)")
    );

    sqlx::query("delete from tickets where ticket_id = $1")
        .bind(ticket)
        .execute(&pool)
        .await
        .unwrap();
    post(
        &staff,
        &format!("/departments/{id}/categories"),
        &[("name", "Vans")],
    )
    .await;
    assert_eq!(
        post(
            &staff,
            &format!("/departments/{id}/categories/{trucks}/delete"),
            &[]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    // A department whose categories are unused goes, with them.
    assert_eq!(
        post(&staff, &format!("/departments/{id}/delete"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let left: i64 = sqlx::query_scalar("select count(*) from categories where department_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    for action in [
        "department.create",
        "department.rename",
        "category.create",
        "category.rename",
        "category.delete",
        "department.delete",
    ] {
        assert!(audit_count(&pool, action).await >= 1, "{action}");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_taken_name_is_said_under_the_name_input(pool: PgPool) {
    let staff = app_as(&pool, Role::SuperUser, "boss").await;
    let resp = post(&staff, "/departments", &[("name", "it")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let (input, after) = crate::helpers::input_and_after(&page, "department-name");
    assert!(
        input.contains("value=\"it\"")
            && input.contains("aria-invalid=\"true\"")
            && input.contains("aria-describedby=\"department-name-error\""),
        "{input}"
    );
    let message = "A department with this name exists already.";
    assert!(
        after.starts_with(&format!(
            "<small id=\"department-name-error\" class=\"error\">{message}</small>"
        )),
        "{}",
        after
    );
    assert_eq!(page.matches(message).count(), 1, "said once: {page}");
}
