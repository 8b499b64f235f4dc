//! The people operations against a real database: field errors, taken names, the admin-only and last-admin rules,
//! and the audit entries of the changes.

use sqlx::{PgConnection, PgPool};

use super::groups::*;
use super::users::*;
use crate::domain::{GroupId, UserId};
use crate::ops::test_fixtures::{
    self, acting_as, audit_actions, conflict_of, field_of, refusal_of,
};
use crate::ops::{Acting, Message, OpError};
use crate::permissions::tickets::Refusal;

async fn person(conn: &mut PgConnection, username: &str, admin: bool) -> UserId {
    let id = test_fixtures::person(&mut *conn, username).await;
    if admin {
        sqlx::query(
            "insert into user_groups (user_id, group_id)
             select $1, group_id from groups where name = 'admin'",
        )
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    id
}

async fn acting(conn: &mut PgConnection, username: &str, is_admin: bool) -> Acting {
    acting_as(person(conn, username, is_admin).await, is_admin, false)
}

/// An admin, `root`, and a user, `ada`.
async fn root_and_ada(conn: &mut PgConnection) -> (Acting, Acting) {
    let root = acting(conn, "root", true).await;
    let ada = acting(conn, "ada", false).await;
    (root, ada)
}

async fn group_named(conn: &mut PgConnection, name: &str) -> GroupId {
    sqlx::query_scalar("select group_id from groups where name = $1")
        .bind(name)
        .fetch_one(conn)
        .await
        .map(GroupId)
        .unwrap()
}

fn input<'a>(username: &'a str, email: &'a str) -> AccountInput<'a> {
    AccountInput {
        username,
        name: "Grace Hopper",
        email,
        job_title: "",
        locale: "en",
    }
}

const PASSWORD: &str = "compilers are fun";

#[test]
fn every_wrong_field_is_named_at_once() {
    let bad = AccountInput {
        username: "a b",
        name: "",
        email: "not-an-email",
        job_title: "x\u{0}",
        locale: "de",
    };
    let fields: Vec<&str> = check_account(&bad)
        .unwrap_err()
        .iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["username", "name", "email", "job_title", "locale"]);
    let locale = check_account(&AccountInput {
        locale: "de",
        ..input("grace", "grace@example.com")
    })
    .unwrap_err();
    assert_eq!(locale[0].message.key, "error-locale-invalid");

    // The password is checked once the fields are right, against the account's own names.
    let weak = check_new_account(&input("grace", "grace@example.com"), "grace-is-my-name")
        .err()
        .unwrap();
    assert_eq!(
        (weak[0].field, weak[0].message.key),
        ("password", "error-password-contains-identity")
    );
    let fields_first = check_new_account(&input("a b", "grace@example.com"), "short")
        .err()
        .unwrap();
    assert_eq!(fields_first.len(), 1);
    assert_eq!(fields_first[0].field, "username");
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn accounts_are_created_by_admins_only_with_free_names(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let (root, ada) = root_and_ada(&mut conn).await;
    let new = check_new_account(&input("grace", "grace@example.com"), PASSWORD)
        .ok()
        .unwrap();
    let none = Memberships::Exactly(&[]);
    let refused = create_user(&mut conn, &ada, &new, none).await.unwrap_err();
    assert_eq!(refusal_of(refused), Refusal::Forbidden);

    let unknown = ["no such group".to_owned()];
    let named = Memberships::Named {
        names: Some(&unknown),
        is_admin: None,
        is_super_user: None,
    };
    let refused = create_user(&mut conn, &root, &new, named)
        .await
        .unwrap_err();
    assert_eq!(field_of(refused), ("groups", "api-error-unknown-group"));

    let super_user = Memberships::Named {
        names: None,
        is_admin: None,
        is_super_user: Some(true),
    };
    let grace = create_user(&mut conn, &root, &new, super_user)
        .await
        .unwrap();
    let groups: Vec<GroupId> = crate::repo::groups::of_user(&mut *conn, grace)
        .await
        .unwrap();
    assert_eq!(groups, [group_named(&mut conn, "super_user").await]);

    let again = check_new_account(&input("GRACE", "other@example.com"), PASSWORD)
        .ok()
        .unwrap();
    let taken = create_user(&mut conn, &root, &again, none)
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("username", "error-username-taken"));
    let again = check_new_account(&input("grace2", "Grace@Example.com"), PASSWORD)
        .ok()
        .unwrap();
    let taken = create_user(&mut conn, &root, &again, none)
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("email", "error-email-taken"));
    assert_eq!(
        audit_actions(&mut conn).await,
        [format!("user.create user:{grace} grace")]
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn changes_keep_names_unique_and_an_enabled_admin(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let root = acting(&mut conn, "root", true).await;
    let me = root.user_id();
    let ada = person(&mut conn, "ada", false).await;
    let admin = group_named(&mut conn, "admin").await;

    let fields = check_account(&input("ada", "root@example.com")).unwrap();
    let taken = update_user(
        &mut conn,
        &root,
        ada,
        &fields,
        Memberships::Exactly(&[]),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(taken), ("email", "error-email-taken"));

    let mine = check_account(&input("root", "root@example.com")).unwrap();
    let demoted = update_user(&mut conn, &root, me, &mine, Memberships::Exactly(&[]), None)
        .await
        .unwrap_err();
    assert_eq!(refusal_of(demoted), Refusal::Conflict("error-last-admin"));
    let self_disabled = update_user(
        &mut conn,
        &root,
        me,
        &mine,
        Memberships::Exactly(&[admin]),
        Some(true),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refusal_of(self_disabled),
        Refusal::Conflict("error-cannot-remove-self")
    );
    let nobody = update_user(
        &mut conn,
        &root,
        UserId(999_999),
        &fields,
        Memberships::Exactly(&[]),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(nobody, OpError::NotFound), "{nobody:?}");

    // Disabled and enabled through the change, each with its own audit entry.
    let renamed = check_account(&input("ada.l", "ada.l@example.com")).unwrap();
    for disable in [true, false] {
        let no_groups = Memberships::Exactly(&[]);
        update_user(&mut conn, &root, ada, &renamed, no_groups, Some(disable))
            .await
            .unwrap();
    }
    assert_eq!(
        audit_actions(&mut conn).await,
        [
            format!("user.update user:{ada} ada.l"),
            format!("user.disable user:{ada} ada.l"),
            format!("user.update user:{ada} ada.l"),
            format!("user.enable user:{ada} ada.l"),
        ]
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn disabling_and_deleting_refuse_oneself_the_last_admin_and_owners(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let (root, ada) = root_and_ada(&mut conn).await;
    let me = root.user_id();
    let refused = disable_user(&mut conn, &root, me).await.unwrap_err();
    assert_eq!(
        refusal_of(refused),
        Refusal::Conflict("error-cannot-remove-self")
    );
    let refused = delete_user(&mut conn, &root, me).await.unwrap_err();
    assert_eq!(
        refusal_of(refused),
        Refusal::Conflict("error-cannot-remove-self")
    );
    let refused = delete_user(&mut conn, &ada, me).await.unwrap_err();
    assert_eq!(refusal_of(refused), Refusal::Forbidden);

    // An admin who is no longer one (demoted since their session was read) is refused under the lock.
    let other = acting(&mut conn, "other", true).await;
    sqlx::query("update users set disabled = true where user_id = $1")
        .bind(other.user_id().0)
        .execute(&mut *conn)
        .await
        .unwrap();
    let refused = enable_user(&mut conn, &other, ada.user_id())
        .await
        .unwrap_err();
    assert_eq!(refusal_of(refused), Refusal::Forbidden);

    sqlx::query(
        "insert into tickets (title, content, creator_id, category_id, status_id, priority_id)
         values ('A ticket', 'Some content here', $1, (select min(category_id) from categories),
                 (select status_id from statuses where kind = 'open'),
                 (select priority_id from priorities where kind = 'low'))",
    )
    .bind(ada.user_id().0)
    .execute(&mut *conn)
    .await
    .unwrap();
    let owner = delete_user(&mut conn, &root, ada.user_id())
        .await
        .unwrap_err();
    assert_eq!(
        conflict_of(owner),
        Message {
            key: "error-user-owns-content",
            args: vec![
                ("tickets", "1".into()),
                ("posts", "0".into()),
                ("attachments", "0".into())
            ],
        }
    );
    let idle = person(&mut conn, "idle", false).await;
    disable_user(&mut conn, &root, idle).await.unwrap();
    delete_user(&mut conn, &root, idle).await.unwrap();
    let missing = delete_user(&mut conn, &root, idle).await.unwrap_err();
    assert!(matches!(missing, OpError::NotFound), "{missing:?}");
    let refused = send_reset(&mut conn, &root, &[7; 32], other.user_id())
        .await
        .unwrap_err();
    assert_eq!(
        refusal_of(refused),
        Refusal::Conflict("error-reset-disabled-user")
    );
    assert_eq!(
        audit_actions(&mut conn).await,
        [
            format!("user.disable user:{idle} idle"),
            format!("user.delete user:{idle} idle"),
        ]
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn groups_have_free_names_and_keep_an_enabled_admin(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let (root, ada) = root_and_ada(&mut conn).await;
    let admin = group_named(&mut conn, "admin").await;
    let refused = create_group(&mut conn, &ada, "Helpers").await.unwrap_err();
    assert_eq!(refusal_of(refused), Refusal::Forbidden);
    let short = create_group(&mut conn, &root, "x").await.unwrap_err();
    assert_eq!(field_of(short).0, "name");
    let helpers = create_group(&mut conn, &root, "Helpers").await.unwrap();
    let taken = create_group(&mut conn, &root, "HELPERS").await.unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-group-taken"));
    let taken = rename_group(&mut conn, &root, helpers, "admin")
        .await
        .unwrap_err();
    assert_eq!(field_of(taken), ("name", "error-group-taken"));
    let builtin = rename_group(&mut conn, &root, admin, "Bosses")
        .await
        .unwrap_err();
    assert_eq!(
        refusal_of(builtin),
        Refusal::Conflict("error-group-builtin")
    );
    let builtin = delete_group(&mut conn, &root, admin).await.unwrap_err();
    assert_eq!(
        refusal_of(builtin),
        Refusal::Conflict("error-group-builtin")
    );
    let missing = delete_group(&mut conn, &root, GroupId(999_999))
        .await
        .unwrap_err();
    assert!(matches!(missing, OpError::NotFound), "{missing:?}");

    let nobody = add_member(&mut conn, &root, helpers, "nobody")
        .await
        .unwrap_err();
    assert_eq!(field_of(nobody), ("username", "error-user-not-found"));
    add_member(&mut conn, &root, helpers, "ADA").await.unwrap();
    add_member(&mut conn, &root, helpers, "ada@example.com")
        .await
        .unwrap();
    let last = remove_member(&mut conn, &root, admin, root.user_id())
        .await
        .unwrap_err();
    assert_eq!(refusal_of(last), Refusal::Conflict("error-last-admin"));
    remove_member(&mut conn, &root, helpers, ada.user_id())
        .await
        .unwrap();
    rename_group(&mut conn, &root, helpers, "Aides")
        .await
        .unwrap();
    delete_group(&mut conn, &root, helpers).await.unwrap();
    let (g, u) = (helpers, ada.user_id());
    assert_eq!(
        audit_actions(&mut conn).await,
        [
            format!("group.create group:{g} Helpers"),
            format!("group.add_member group:{g} Helpers user:{u}"),
            format!("group.remove_member group:{g} Helpers user:{u}"),
            format!("group.rename group:{g}"),
            format!("group.delete group:{g} Aides"),
        ]
    );
}
