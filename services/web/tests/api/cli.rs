//! The `users export`, `users import` and `recount` sub-commands, run as the real binary.

use std::process::Command;

use flicket_core::Locale;
use flicket_core::repo::fixtures;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

/// The URL of database `name` on the test server.
fn db_url(name: &str) -> String {
    let base = std::env::var("DATABASE_URL").unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

async fn url_of(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    db_url(&name)
}

/// Runs `flicket-web ARGS` against a database; returns (success, stdout, stderr).
fn run(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flicket-web"))
        .args(args)
        .env("FLICKET_DATABASE_URL", database_url)
        .env("FLICKET_LOG_FORMAT", "json")
        .env("FLICKET_DATABASE_MAX_CONNECTIONS", "2")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("flicket-{}-{name}", uuid::Uuid::new_v4()))
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn export_then_import_into_an_empty_database_keeps_every_password(pool: PgPool) {
    create_user(&pool, "ada", true, Locale::Fr).await;
    let bcrypt_hash = bcrypt::hash("Flicket-export-1", 4).unwrap();
    create_user_with_hash(&pool, "legacy", &bcrypt_hash, false, Locale::En).await;
    let source = url_of(&pool).await;
    let file = temp_file("users.json");
    let (ok, _, err) = run(
        &source,
        &["users", "export", "--out", file.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "password hashes stay private");
    }
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 2);
    assert_eq!(exported[1]["password"], bcrypt_hash.as_str());
    let (ok, _, err) = run(
        &source,
        &["users", "export", "--out", file.to_str().unwrap()],
    );
    assert!(
        !ok && err.contains("--force"),
        "never overwrites silently: {err}"
    );

    let target_name = format!("flicket_people_rt_{}", uuid::Uuid::new_v4().simple());
    let target = db_url(&target_name);
    let (ok, _, err) = run(&target, &["migrate"]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&target, &["users", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("2 created, 0 skipped"), "{out}");

    let target_pool = PgPool::connect(&target).await.unwrap();
    let app = spawn_app(target_pool.clone()).await;
    assert_eq!(
        app.login("ada", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.get_text("/").await.contains("Tableau de bord"),
        "locale kept"
    );
    let other = spawn_app(target_pool.clone()).await;
    assert_eq!(
        other.login("legacy", "Flicket-export-1").await.status(),
        StatusCode::SEE_OTHER
    );
    let (ok, out, _) = run(&target, &["users", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("0 created, 2 skipped"), "{out}");
    let groups: i64 = sqlx::query_scalar("select count(*) from user_groups")
        .fetch_one(&target_pool)
        .await
        .unwrap();
    assert_eq!(groups, 0, "an import never grants a group");

    app.stop().await;
    other.stop().await;
    target_pool.close().await;
    // The name is ours (a UUID), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database {target_name} with (force)"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let _ = std::fs::remove_file(file);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn import_reports_every_entry_and_never_duplicates(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let hash = bcrypt::hash("Flicket-export-1", 4).unwrap();
    let file = temp_file("flicket.json");
    let entries = serde_json::json!([
        { "username": "grace", "name": "Grace Hopper", "email": "grace@example.com", "password": hash },
        { "username": "ADA", "name": "Ada again", "email": "other@example.com", "password": hash },
        { "username": "dup", "name": "Same email", "email": "GRACE@example.com", "password": hash },
        { "username": "clear", "name": "Clear text", "email": "clear@example.com", "password": "hunter22" },
        { "username": "nokeys", "name": "No email" },
        { "username": "with space", "name": "Spacey", "email": "s@example.com", "password": hash },
    ]);
    std::fs::write(&file, entries.to_string()).unwrap();
    let (ok, out, err) = run(
        &url_of(&pool).await,
        &["users", "import", file.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("created grace"), "{out}");
    assert!(
        out.contains("skipped ADA: user name or email already exists"),
        "{out}"
    );
    assert!(
        out.contains("skipped dup: user name or email appears twice"),
        "{out}"
    );
    assert!(
        out.contains("skipped clear: password is not a bcrypt or argon2 hash"),
        "{out}"
    );
    assert!(out.contains("skipped nokeys"), "{out}");
    assert!(out.contains("1 created, 5 skipped"), "{out}");
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 2);
    assert_eq!(audit_count(&pool, "cli.users_import").await, 1);

    std::fs::write(&file, "{\"not\": \"a list\"}").unwrap();
    let (ok, _, err) = run(
        &url_of(&pool).await,
        &["users", "import", file.to_str().unwrap()],
    );
    assert!(!ok && err.contains("not a JSON array"), "{err}");
    let _ = std::fs::remove_file(file);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn recount_repairs_the_stored_counters(pool: PgPool) {
    let ada = create_user(&pool, "ada", false, Locale::En).await;
    let ticket = insert_ticket(&pool, ada, None).await;
    fixtures::assign(&pool, ticket, ada.0).await.unwrap();
    sqlx::query("update users set total_posts = 7, total_assigned = 0")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, out, err) = run(&url_of(&pool).await, &["recount"]);
    assert!(ok, "{err}");
    assert!(out.contains("ada: posts 7 → 1, assigned 0 → 1"), "{out}");
    let counters: (i32, i32) =
        sqlx::query_as("select total_posts, total_assigned from users where user_id = $1")
            .bind(ada.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(counters, (1, 1));
    let (_, out, _) = run(&url_of(&pool).await, &["recount"]);
    assert!(out.contains("0 user(s) corrected"), "{out}");
}

/// `setup` refuses a weak password with a sentence in the terminal's language, never a message id.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn setup_refuses_a_weak_password_with_a_sentence(pool: PgPool) {
    let url = url_of(&pool).await;
    let setup = |lang: &str| {
        let out = Command::new(web_binary())
            .args([
                "setup",
                "--admin-username",
                "admin",
                "--admin-email",
                "admin@example.com",
                "--admin-password",
                "the-admin-password",
            ])
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("FLICKET_ADMIN_PASSWORD")
            .env("LANG", lang)
            .env("FLICKET_DATABASE_URL", &url)
            .env("FLICKET_LOG_FORMAT", "json")
            .env("FLICKET_DATABASE_MAX_CONNECTIONS", "2")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = setup("en_GB.UTF-8");
    assert!(!ok);
    assert!(
        err.contains("the administrator's password")
            && err.contains("The password must not contain your user name or email address."),
        "{err}"
    );
    assert!(!err.contains("error-password"), "{err}");
    let (ok, err) = setup("fr_FR.UTF-8");
    assert!(!ok);
    assert!(
        err.contains("le mot de passe de l’administrateur")
            && err.contains("Le mot de passe ne doit contenir ni votre nom d’utilisateur"),
        "{err}"
    );
    let admins: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(admins, 0);
}
