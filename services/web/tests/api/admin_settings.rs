//! The settings page: validation, the write-only encrypted SMTP password, the SSRF guard on the SMTP host, the
//! `flicket.config.changed` event, the audit entry, and the test email.

use futures::StreamExt;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use sqlx::PgPool;

use crate::admin_support::*;
use crate::helpers::*;

fn form<'a>(host: &'a str, port: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    // Both tick boxes on, in the page's order (a test below changes fields by their place).
    let mut fields = settings_fields("Help desk", host, port, "mailer", password);
    fields.insert(8, ("change_category", "on"));
    fields.insert(15, ("digest_enabled", "on"));
    fields
}

async fn stored_host(pool: &PgPool) -> Option<String> {
    sqlx::query_scalar("select smtp_host from settings")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn saving_stores_everything_encrypts_the_password_audits_and_announces_it(pool: PgPool) {
    let nats = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let mut changes = nats.subscribe("flicket.config.changed").await.unwrap();
    nats.flush().await.unwrap();
    let admin = admin_app(&pool).await;

    let resp = post(
        &admin,
        "/admin/settings",
        &form("93.184.216.34", "587", "s3cret-smtp-pass"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
        .await
        .expect("a flicket.config.changed message")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
    assert!(
        body["changed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "smtp_host"),
        "{body}"
    );

    let s = flicket_core::repo::settings::load(&pool).await.unwrap();
    assert_eq!(
        (s.application_title.as_str(), s.page_size, s.csv_limit),
        ("Help desk", 25, 500)
    );
    assert_eq!(s.base_url, "https://help.example.com");
    assert_eq!(
        (s.max_upload_bytes, s.max_request_bytes),
        (2_097_152, 30_000_000)
    );
    assert_eq!(
        (s.smtp_host.as_deref(), s.smtp_port, s.smtp_tls.as_str()),
        (Some("93.184.216.34"), 587, "starttls")
    );
    assert!(
        s.change_category && !s.change_category_restricted && !s.suppress_send && s.digest_enabled
    );

    let enc = flicket_core::repo::settings::smtp_password_enc(&pool)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !enc.windows(6).any(|w| w == b"s3cret"),
        "not stored in clear"
    );
    let key = test_config().secret_key.expose_secret().as_bytes().to_vec();
    assert_eq!(
        flicket_core::crypto::decrypt(&key, &enc).unwrap(),
        b"s3cret-smtp-pass"
    );

    let page = admin.get_text("/admin/settings").await;
    assert!(
        !page.contains("s3cret") && page.contains("A password is stored"),
        "write-only"
    );
    let audit: serde_json::Value =
        sqlx::query_scalar("select data from audit_log where action = 'settings.update'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!audit.to_string().contains("s3cret"), "{audit}");
    assert_eq!(audit["smtp_password"]["after"], "••••");
    assert_eq!(audit["page_size"]["before"], "50");

    // An empty password field keeps the stored one; the checkbox removes it.
    post(&admin, "/admin/settings", &form("93.184.216.34", "587", "")).await;
    assert!(
        flicket_core::repo::settings::smtp_password_enc(&pool)
            .await
            .unwrap()
            .is_some()
    );
    let mut clear = form("93.184.216.34", "587", "");
    clear.push(("clear_smtp_password", "on"));
    post(&admin, "/admin/settings", &clear).await;
    assert!(
        flicket_core::repo::settings::smtp_password_enc(&pool)
            .await
            .unwrap()
            .is_none()
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn internal_smtp_hosts_are_refused(pool: PgPool) {
    let admin = admin_app(&pool).await;
    for host in [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "::ffff:127.0.0.1",
        "[::1]",
        "localhost",
        "0x7f000001",
        "2130706433",
        "metadata.google.internal",
    ] {
        let resp = post(&admin, "/admin/settings", &form(host, "587", "")).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{host}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("internal address") || body.contains("host name or an IP address"),
            "{host}: {body}"
        );
        assert_eq!(stored_host(&pool).await, None, "{host}");
    }
    let resp = post(
        &admin,
        "/admin/settings",
        &form("93.184.216.34", "8025", ""),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("25, 465, 587 or 2525"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_development_machine_may_allow_a_local_mail_sink(pool: PgPool) {
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_SMTP_ALLOW_PRIVATE", "true"),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email"),
    ];
    let config = flicket_core::Config::from_vars(
        vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .unwrap();
    create_user(&pool, "root", true, flicket_core::Locale::En).await;
    let admin = spawn_app_with(pool.clone(), config).await;
    admin.login("root", PASSWORD).await;
    let resp = post(&admin, "/admin/settings", &form("localhost", "1025", "")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored_host(&pool).await.as_deref(), Some("localhost"));
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn invalid_settings_are_all_reported_and_nothing_is_saved(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let mut bad = form("", "587", "");
    bad[2] = ("page_size", "5");
    bad[3] = ("allowed_extensions", "pdf; rm -rf");
    bad[15] = ("digest_cron", "every monday");
    bad[16] = ("digest_timezone", "Mars/Olympus");
    bad[0] = ("application_title", "x");
    let resp = post(&admin, "/admin/settings", &bad).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = resp.text().await.unwrap();
    for text in [
        "between 10 and 200",
        "comma-separated",
        "cron expression",
        "time zone",
        "3 to 32",
    ] {
        assert!(body.contains(text), "{text}");
    }
    let title: String = sqlx::query_scalar("select application_title from settings")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(title, "Flicket");
    assert_eq!(audit_count(&pool, "settings.update").await, 0);
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_test_email_goes_through_the_outbox_and_its_failure_is_told_plainly(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let resp = post(
        &admin,
        "/admin/settings/test-email",
        &[("recipient", "me@example.com")],
    )
    .await;
    assert_eq!(location(&resp), "/admin/settings", "no SMTP host yet");
    assert!(
        admin
            .get_text("/admin/settings")
            .await
            .contains("Set an SMTP server first")
    );

    post(&admin, "/admin/settings", &form("93.184.216.34", "587", "")).await;
    let resp = post(
        &admin,
        "/admin/settings/test-email",
        &[("recipient", "me@example.com")],
    )
    .await;
    let status_page = location(&resp);
    assert!(
        status_page.starts_with("/admin/settings/test-email/"),
        "{status_page}"
    );
    let (key, kind): (String, String) = sqlx::query_as(
        "select idempotency_key, kind from outbox where recipient_email = 'me@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kind, "test_email");
    assert!(
        admin
            .get_text(&status_page)
            .await
            .contains("Waiting for the mailer")
    );

    sqlx::query(
        "insert into email_deliveries (idempotency_key, recipient, state, last_error)
         values ($1, 'me@example.com', 'failed', '554 mx.internal.corp ESMTP Postfix (Debian) rejected')",
    )
    .bind(&key)
    .execute(&pool)
    .await
    .unwrap();
    let page = admin.get_text(&status_page).await;
    assert!(page.contains("could not be delivered"), "{page}");
    assert!(
        !page.contains("mx.internal.corp") && !page.contains("Postfix"),
        "never the server's banner"
    );
    assert_eq!(audit_count(&pool, "settings.test_email").await, 1);
}

/// A signed-in page reads the settings with the session (one statement for both): a change shows on the very next
/// page, its error pages included, and anonymous pages (which read them alone) show it too.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_saved_title_and_page_size_show_on_the_next_page_signed_in_or_not(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let creator = user_id(&pool, "root").await;
    for _ in 0..30 {
        insert_ticket(&pool, creator, None).await;
    }
    // Rows of the list's table (its header row left out).
    let rows = |html: &str| html.matches("<tr").count().saturating_sub(1);
    let before = admin.get_text("/tickets").await;
    assert!(!before.contains("Help desk"));
    let shown_before = rows(&before);
    assert_eq!(shown_before, 30, "every ticket on one page at first");

    let mut fields = form("93.184.216.34", "587", "");
    fields.retain(|(k, _)| *k != "page_size");
    fields.push(("page_size", "10"));
    let resp = post(&admin, "/admin/settings", &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    let list = admin.get_text("/tickets").await;
    assert!(list.contains(">Help desk</a>"), "title in the header");
    assert_eq!(rows(&list), 10, "ten tickets a page, at once");
    let missing = admin.get("/tickets/999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains(">Help desk</a>"));
    let anonymous = spawn_app(pool.clone()).await;
    assert!(
        anonymous
            .get_text("/login")
            .await
            .contains(">Help desk</a>")
    );
}

/// A fresh install's settings page, saved as shown (its default sender is `flicket@localhost`), is accepted.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_fresh_install_saves_the_settings_page_as_it_is_shown(pool: PgPool) {
    let admin = admin_app(&pool).await;
    let before = flicket_core::repo::settings::load(&pool).await.unwrap();
    assert_eq!(before.mail_from, "flicket@localhost");
    let html = admin.get_text("/admin/settings").await;
    let form = crate::nul_sweep::forms_of(&html, "/admin/settings")
        .into_iter()
        .find(|f| f.method == "POST" && f.action == "/admin/settings")
        .expect("the settings form");
    let fields: Vec<(&str, &str)> = form
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = admin.post_form("/admin/settings", &fields).await;
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let after = flicket_core::repo::settings::load(&pool).await.unwrap();
    assert_eq!(after.mail_from, "flicket@localhost");
    // A dotless sender is accepted; a malformed one still is not.
    for bad in ["flicket@", "flicket@local host", "flicket"] {
        let mut f = fields.clone();
        for (k, v) in f.iter_mut() {
            if *k == "mail_from" {
                *v = bad;
            }
        }
        let resp = admin.post_form("/admin/settings", &f).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_refused_setting_is_said_under_its_field(pool: PgPool) {
    let admin = admin_app(&pool).await;
    // The guard checks the host and its port together: a refused port is said under the host.
    let resp = post(
        &admin,
        "/admin/settings",
        &form("93.184.216.34", "8025", ""),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    let (input, said) = crate::helpers::input_and_after(&page, "smtp_host");
    assert!(
        input.contains("aria-invalid=\"true\"")
            && input.contains("aria-describedby=\"smtp_host-error\""),
        "{input}"
    );
    assert!(
        said.starts_with("<small id=\"smtp_host-error\" class=\"error\">")
            && said[..said.find("</small>").unwrap()].contains("25, 465, 587 or 2525"),
        "{said}"
    );
    // The other fields are not marked.
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 1, "{page}");
}
