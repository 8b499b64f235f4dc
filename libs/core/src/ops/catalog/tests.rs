//! The catalog operations against a real database: one test per kind of refusal (permission, field, taken name,
//! in use, not found) and the audit entries of the changes.

use sqlx::{PgConnection, PgPool};

use super::*;
use crate::domain::UserId;
use crate::ops::test_fixtures::{acting_as, audit_actions, conflict_of, field_of, person};
use crate::permissions::tickets::Refusal;
use crate::repo::catalog_admin::LabelTable;

async fn acting(pool: &PgPool, is_admin: bool, is_super_user: bool) -> Acting {
    let name = match (is_admin, is_super_user) {
        (true, _) => "root",
        (false, true) => "sue",
        _ => "ada",
    };
    acting_as(person(pool, name).await, is_admin, is_super_user)
}

async fn department_named(conn: &mut PgConnection, name: &str) -> DepartmentId {
    sqlx::query_scalar("select department_id from departments where name = $1")
        .bind(name)
        .fetch_one(conn)
        .await
        .map(DepartmentId)
        .unwrap()
}

async fn category_in(conn: &mut PgConnection, department: DepartmentId) -> CategoryId {
    sqlx::query_scalar("select min(category_id) from categories where department_id = $1")
        .bind(department.0)
        .fetch_one(conn)
        .await
        .map(CategoryId)
        .unwrap()
}

async fn file_ticket(conn: &mut PgConnection, by: UserId, category: CategoryId) {
    sqlx::query(
        "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
         values ('A ticket', 'Some content here', $1, $2,
                 (select status_id from statuses where kind = 'open'),
                 (select priority_id from priorities where kind = 'low'))",
    )
    .bind(by.0)
    .bind(category.0)
    .execute(conn)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn only_admins_and_super_users_manage_departments(pool: PgPool) {
    let user = acting(&pool, false, false).await;
    let sue = acting(&pool, false, true).await;
    let mut conn = pool.acquire().await.unwrap();
    let it = department_named(&mut conn, "IT").await;
    let refused = create_department(&mut conn, &user, "Legal").await;
    assert!(matches!(refused, Err(OpError::Refused(Refusal::Forbidden))));
    let refused = create_category(&mut conn, &user, it, "Printers").await;
    assert!(matches!(refused, Err(OpError::Refused(Refusal::Forbidden))));
    let made = create_department(&mut conn, &sue, "  Legal ")
        .await
        .unwrap();
    assert_eq!(made.name.as_str(), "Legal");
    let cat = create_category(&mut conn, &sue, made.id, "Contracts")
        .await
        .unwrap();
    assert_eq!(cat.department, made.id);
    rename_category(&mut conn, &sue, None, cat.id, "Leases")
        .await
        .unwrap();
    rename_department(&mut conn, &sue, made.id, "Law")
        .await
        .unwrap();
    delete_category(&mut conn, &sue, Some(made.id), cat.id)
        .await
        .unwrap();
    delete_department(&mut conn, &sue, made.id).await.unwrap();
    let (d, c) = (made.id, cat.id);
    assert_eq!(
        audit_actions(&mut conn).await,
        [
            format!("department.create department:{d} Legal"),
            format!("category.create category:{c} Contracts department:{d}"),
            format!("category.rename category:{c}"),
            format!("department.rename department:{d}"),
            format!("category.delete category:{c} Leases"),
            format!("department.delete department:{d} Law"),
        ]
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn names_are_field_errors_on_name(pool: PgPool) {
    let sue = acting(&pool, false, true).await;
    let mut conn = pool.acquire().await.unwrap();
    let it = department_named(&mut conn, "IT").await;
    let short = create_department(&mut conn, &sue, "L").await.unwrap_err();
    assert_eq!(field_of(short), ("name", "error-department-name-length"));
    let taken = create_department(&mut conn, &sue, "it").await.unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-department-taken"));
    let design = department_named(&mut conn, "Design").await;
    let taken = rename_department(&mut conn, &sue, design, "IT")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-department-taken"));
    let short = create_category(&mut conn, &sue, it, "I").await.unwrap_err();
    assert_eq!(field_of(short), ("name", "error-category-name-length"));
    let taken = create_category(&mut conn, &sue, it, "internet")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-category-taken"));
    let intranet = category_in(&mut conn, it).await;
    let taken = rename_category(&mut conn, &sue, None, intranet, "Other")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-category-taken"));
    // The same name in another department is fine.
    create_category(&mut conn, &sue, design, "Internet")
        .await
        .unwrap();
    assert_eq!(audit_actions(&mut conn).await.len(), 1);
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_missing_department_or_category_is_not_found(pool: PgPool) {
    let sue = acting(&pool, false, true).await;
    let mut conn = pool.acquire().await.unwrap();
    let gone = DepartmentId(999_999);
    let unknown = create_category(&mut conn, &sue, gone, "Printers")
        .await
        .unwrap_err();
    assert_eq!(
        field_of(unknown),
        ("department_id", "ticket-error-category")
    );
    let r = rename_department(&mut conn, &sue, gone, "Legal").await;
    assert!(matches!(r, Err(OpError::NotFound)));
    assert!(matches!(
        delete_department(&mut conn, &sue, gone).await,
        Err(OpError::NotFound)
    ));
    let r = rename_category(&mut conn, &sue, None, CategoryId(999_999), "X").await;
    assert!(matches!(r, Err(OpError::NotFound)));
    // Another department's category, reached through the wrong department.
    let (it, design) = (
        department_named(&mut conn, "IT").await,
        department_named(&mut conn, "Design").await,
    );
    let of_it = category_in(&mut conn, it).await;
    let r = rename_category(&mut conn, &sue, Some(design), of_it, "Printers").await;
    assert!(matches!(r, Err(OpError::NotFound)));
    let r = delete_category(&mut conn, &sue, Some(design), of_it).await;
    assert!(matches!(r, Err(OpError::NotFound)));
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn what_a_ticket_uses_is_not_deleted(pool: PgPool) {
    let sue = acting(&pool, false, true).await;
    let mut conn = pool.acquire().await.unwrap();
    let it = department_named(&mut conn, "IT").await;
    let used = category_in(&mut conn, it).await;
    file_ticket(&mut conn, sue.user_id(), used).await;
    let refused = delete_category(&mut conn, &sue, None, used)
        .await
        .unwrap_err();
    assert_eq!(
        conflict_of(refused),
        Message::with("error-category-in-use", "count", 1)
    );
    let refused = delete_department(&mut conn, &sue, it).await.unwrap_err();
    assert_eq!(
        conflict_of(refused),
        Message::with("error-department-in-use", "count", 1)
    );
    assert!(audit_actions(&mut conn).await.is_empty());
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn statuses_and_priorities_are_for_admins(pool: PgPool) {
    let sue = acting(&pool, false, true).await;
    let root = acting(&pool, true, false).await;
    let mut conn = pool.acquire().await.unwrap();
    let refused = create_label(&mut conn, &sue, LabelTable::Statuses, "Parked", "#123456").await;
    assert!(matches!(refused, Err(OpError::Refused(Refusal::Forbidden))));
    let parked = create_label(&mut conn, &root, LabelTable::Statuses, "Parked", "#ABCDEF")
        .await
        .unwrap();
    let colour: String = sqlx::query_scalar("select colour from statuses where status_id = $1")
        .bind(parked.id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(colour, "#abcdef");
    update_label(&mut conn, &root, parked, "Waiting", "#000000")
        .await
        .unwrap();
    move_label(&mut conn, &root, parked, "up").await.unwrap();
    // At the end of the order: nothing to do, nothing recorded.
    let high: i64 = sqlx::query_scalar("select priority_id from priorities where kind = 'high'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let high = LabelRef {
        table: LabelTable::Priorities,
        id: high,
    };
    move_label(&mut conn, &root, high, "down").await.unwrap();
    delete_label(&mut conn, &root, parked).await.unwrap();
    let id = parked.id;
    assert_eq!(
        audit_actions(&mut conn).await,
        [
            format!("status.create status:{id}"),
            format!("status.update status:{id}"),
            format!("status.move status:{id}"),
            format!("status.delete status:{id} Waiting"),
        ]
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn label_refusals_name_their_field_or_reason(pool: PgPool) {
    let root = acting(&pool, true, false).await;
    let mut conn = pool.acquire().await.unwrap();
    let t = LabelTable::Priorities;
    let empty = create_label(&mut conn, &root, t, " ", "#123456")
        .await
        .unwrap_err();
    assert_eq!(field_of(empty), ("name", "error-label-name-length"));
    let colour = create_label(&mut conn, &root, t, "Urgent", "red")
        .await
        .unwrap_err();
    assert_eq!(field_of(colour), ("colour", "error-colour-invalid"));
    let taken = create_label(&mut conn, &root, t, "HIGH", "#123456")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-label-taken"));
    let low: i64 = sqlx::query_scalar("select priority_id from priorities where kind = 'low'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let low = LabelRef { table: t, id: low };
    let taken = update_label(&mut conn, &root, low, "medium", "#123456")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-label-taken"));
    let sideways = move_label(&mut conn, &root, low, "left").await.unwrap_err();
    assert_eq!(field_of(sideways), ("direction", "error-400-title"));
    let builtin = delete_label(&mut conn, &root, low).await.unwrap_err();
    assert_eq!(conflict_of(builtin), Message::new("error-label-builtin"));
    let gone = LabelRef {
        table: t,
        id: 999_999,
    };
    assert!(matches!(
        update_label(&mut conn, &root, gone, "Gone", "#123456").await,
        Err(OpError::NotFound)
    ));
    assert!(matches!(
        move_label(&mut conn, &root, gone, "up").await,
        Err(OpError::NotFound)
    ));
    assert!(matches!(
        delete_label(&mut conn, &root, gone).await,
        Err(OpError::NotFound)
    ));
    // A custom one in use.
    let urgent = create_label(&mut conn, &root, t, "Urgent", "#123456")
        .await
        .unwrap();
    let it = department_named(&mut conn, "IT").await;
    let cat = category_in(&mut conn, it).await;
    file_ticket(&mut conn, root.user_id(), cat).await;
    sqlx::query("update tickets set priority_id = $1")
        .bind(urgent.id)
        .execute(&mut *conn)
        .await
        .unwrap();
    let used = delete_label(&mut conn, &root, urgent).await.unwrap_err();
    assert_eq!(
        conflict_of(used),
        Message::with("error-label-in-use", "count", 1)
    );
}
