//! The admin area's account and group management: creating, editing, disabling and deleting accounts, the
//! last-admin rule (also under concurrent requests), and group membership.

use flicket_core::Locale;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

fn new_user<'a>(username: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("name", "Grace Hopper"),
        ("email", "grace@example.com"),
        ("job_title", "Rear admiral"),
        ("locale", "fr"),
        ("password", password),
        ("password_confirm", password),
    ]
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_admin_creates_an_account_that_can_sign_in(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let super_group: i64 =
        sqlx::query_scalar("select group_id from groups where name = 'super_user'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let group = super_group.to_string();
    let mut fields = new_user("grace", "compilers are fun");
    fields.push(("group", &group));
    let resp = post(&admin, "/admin/users", &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = user_id(&pool, "grace").await;
    assert_eq!(location(&resp), format!("/admin/users/{id}"));
    let (locale, job): (String, String) =
        sqlx::query_as("select locale, job_title from users where user_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((locale.as_str(), job.as_str()), ("fr", "Rear admiral"));
    assert!(
        admin
            .get_text(&format!("/admin/users/{id}"))
            .await
            .contains("checked")
    );
    assert_eq!(audit_count(&pool, "user.create").await, 1);

    let grace = spawn_app(pool.clone()).await;
    assert_eq!(
        grace.login("grace", "compilers are fun").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        grace.get_text("/").await.contains("Tableau de bord"),
        "her language"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn account_creation_refuses_taken_names_and_weak_passwords(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let mut mismatch = new_user("grace", "compilers are fun");
    mismatch[6] = ("password_confirm", "compilers are fun!");
    let mut bad = new_user("x\0y", "compilers are fun");
    bad[1] = ("name", "");
    let cases = [
        (new_user("grace", "password123"), "most common passwords"),
        (new_user("grace", "short"), "10 to 128"),
        (new_user("grace", "grace-is-my-name"), "must not contain"),
        (mismatch, "different"),
        (new_user("ROOT", "compilers are fun"), "already taken"),
        (bad, "Control characters"),
    ];
    for (fields, text) in cases {
        let resp = post(&admin, "/admin/users", &fields).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = resp.text().await.unwrap();
        assert!(body.contains(text), "{text}: {body}");
    }
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1, "only the admin");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn editing_an_account_saves_every_field_including_the_locale(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let resp = post(
        &admin,
        &format!("/admin/users/{id}"),
        &[
            ("username", "ada.l"),
            ("name", "Ada Lovelace"),
            ("email", "ada.l@example.com"),
            ("job_title", "Analyst"),
            ("locale", "fr"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let row: (String, String, String, String) =
        sqlx::query_as("select username, email, job_title, locale from users where user_id = $1")
            .bind(id.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            "ada.l".into(),
            "ada.l@example.com".into(),
            "Analyst".into(),
            "fr".into()
        )
    );
    let data: serde_json::Value =
        sqlx::query_scalar("select data from audit_log where action = 'user.update'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(data["before"]["username"], "ada");
    assert_eq!(data["after"]["locale"], "fr");
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn disabling_ends_sessions_and_enabling_restores_access(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let ada = app_as(&pool, Role::User, "ada").await;
    let id = user_id(&pool, "ada").await;
    assert_eq!(ada.get("/").await.status(), StatusCode::OK);

    let resp = post(&admin, &format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ada.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "signed out at once"
    );
    assert_eq!(
        new_client_login(&pool, "ada").await,
        StatusCode::UNAUTHORIZED
    );

    post(&admin, &format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(new_client_login(&pool, "ada").await, StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&pool, "user.disable").await, 1);
    assert_eq!(audit_count(&pool, "user.enable").await, 1);
}

/// Disabling an account on the admin page revokes the tokens of both APIs for good: enabling it again brings none
/// back (a new token is needed, which the person can get by signing in).
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn disabling_revokes_api_tokens_for_good(pool: PgPool) {
    use crate::rest_compat::{token_answers, tokens_of_both_apis};
    let admin = admin_app(&pool).await;
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let tokens = tokens_of_both_apis(&admin, "ada").await;
    assert_eq!(
        token_answers(&admin, &tokens).await,
        vec![StatusCode::OK; 4]
    );

    post(&admin, &format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(
        token_answers(&admin, &tokens).await,
        vec![StatusCode::UNAUTHORIZED; 4]
    );
    post(&admin, &format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(
        token_answers(&admin, &tokens).await,
        vec![StatusCode::UNAUTHORIZED; 4],
        "enabling brings no token back"
    );
    let fresh = tokens_of_both_apis(&admin, "ada").await;
    assert_eq!(token_answers(&admin, &fresh).await, vec![StatusCode::OK; 4]);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn an_account_with_tickets_cannot_be_deleted_but_an_empty_one_can(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let author = create_user(&pool, "author", false, Locale::En).await;
    insert_ticket(&pool, author, None).await;
    let resp = post(&admin, &format!("/admin/users/{author}/delete"), &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("raised 1 ticket(s)") && body.contains("Disable it instead"),
        "{body}"
    );
    assert!(user_exists(&pool, "author").await);

    let idle = create_user(&pool, "idle", false, Locale::En).await;
    let resp = post(&admin, &format!("/admin/users/{idle}/delete"), &[]).await;
    assert_eq!(
        (resp.status(), location(&resp)),
        (StatusCode::SEE_OTHER, "/admin/users".to_owned())
    );
    assert!(!user_exists(&pool, "idle").await);
    assert_eq!(audit_count(&pool, "user.delete").await, 1);

    let me = user_id(&pool, "root").await;
    post(&admin, &format!("/admin/users/{me}/delete"), &[]).await;
    post(&admin, &format!("/admin/users/{me}/disable"), &[]).await;
    assert!(
        is_admin(&pool, me).await,
        "an admin cannot delete or disable their own account"
    );
}

async fn user_exists(pool: &PgPool, username: &str) -> bool {
    sqlx::query_scalar("select exists(select 1 from users where username = $1)")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_last_admin_cannot_be_demoted(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let me = user_id(&pool, "root").await;
    let admin_group: i64 = sqlx::query_scalar("select group_id from groups where name = 'admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let demote_self = [
        ("username", "root"),
        ("name", "root Tester"),
        ("email", "root@example.com"),
        ("job_title", ""),
        ("locale", "en"),
    ];
    let resp = post(&admin, &format!("/admin/users/{me}"), &demote_self).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("no active administrator")
    );
    let resp = post(
        &admin,
        &format!("/admin/groups/{admin_group}/members/{me}/remove"),
        &[],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_admin(&pool, me).await);

    // With a second admin, stepping down is fine.
    create_user(&pool, "second", true, Locale::En).await;
    let resp = post(&admin, &format!("/admin/users/{me}"), &demote_self).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(!is_admin(&pool, me).await);
    assert_eq!(
        admin.get("/admin").await.status(),
        StatusCode::FORBIDDEN,
        "the change applies at once"
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(pool: PgPool) {
    let admin_group: i64 = sqlx::query_scalar("select group_id from groups where name = 'admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for round in 0..4 {
        let (a_name, b_name) = (format!("alpha{round}"), format!("beta{round}"));
        let a = app_as(&pool, Role::Admin, &a_name).await;
        let b = app_as(&pool, Role::Admin, &b_name).await;
        let (a_id, b_id) = (user_id(&pool, &a_name).await, user_id(&pool, &b_name).await);
        // Everyone else steps aside so that a and b are the only admins.
        sqlx::query("delete from user_groups where group_id = $1 and user_id not in ($2, $3)")
            .bind(admin_group)
            .bind(a_id.0)
            .bind(b_id.0)
            .execute(&pool)
            .await
            .unwrap();
        let (ta, tb) = (
            a.csrf("/password-reset").await,
            b.csrf("/password-reset").await,
        );
        let path_a = format!("/admin/groups/{admin_group}/members/{b_id}/remove");
        let path_b = format!("/admin/groups/{admin_group}/members/{a_id}/remove");
        let (fa, fb) = ([("csrf_token", ta.as_str())], [("csrf_token", tb.as_str())]);
        let (ra, rb) = tokio::join!(a.post_form(&path_a, &fa), b.post_form(&path_b, &fb));
        let succeeded = [ra.status(), rb.status()]
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count();
        assert_eq!(succeeded, 1, "round {round}: exactly one demotion wins");
        assert!(
            is_admin(&pool, a_id).await ^ is_admin(&pool, b_id).await,
            "round {round}: one admin left"
        );
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn admins_send_reset_links_but_never_set_or_see_passwords(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let id = create_user(&pool, "ada", false, Locale::En).await;
    let page = admin.get_text(&format!("/admin/users/{id}")).await;
    assert!(
        !page.contains("name=\"password\""),
        "no password field on the edit page"
    );
    let resp = post(&admin, &format!("/admin/users/{id}/reset-password"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let kind: String = sqlx::query_scalar("select kind from outbox where recipient_id = $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kind, "password_reset");
    assert_eq!(new_client_login(&pool, "ada").await, StatusCode::SEE_OTHER);
}
