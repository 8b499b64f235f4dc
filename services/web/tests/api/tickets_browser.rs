//! The whole ticket lifecycle as a person does it, in headless Chromium: sign in, create a ticket with an
//! attachment, reply in markdown (with the live preview), claim, assign, close, reopen, download the attachment,
//! switch to French.

use fantoccini::Locator;
use flicket_core::Locale;
use sqlx::PgPool;

use crate::browser::Browser;
use crate::helpers::*;
use crate::tickets_support::*;

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_person_runs_a_ticket_from_creation_to_reopening(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    create_user(&pool, "bob", false, Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let attachment = t.uploads.join("report-to-send.txt");
    std::fs::write(&attachment, "the printer log\n").unwrap();
    let b = Browser::start().await;

    b.goto(&t.url("/login")).await;
    b.submit_login("ada", PASSWORD).await;
    b.wait_text("main h1", "Dashboard").await;

    // Create, with a file and a body that tries to run script.
    b.goto(&t.url("/tickets/new")).await;
    b.fill("#title", "Printer on fire").await;
    b.fill(
        "#content",
        "It is **on fire**. <img src=x onerror=alert(1)>",
    )
    .await;
    b.click("#priority_id option[value='3']").await;
    let files = b.client.find(Locator::Css("#files")).await.unwrap();
    files.send_keys(attachment.to_str().unwrap()).await.unwrap();
    b.click("button[value=create]").await;
    b.wait_text("main h1", "#00001 Printer on fire").await;
    b.wait_text(".flash", "The ticket has been created.").await;
    b.wait_text("#ticket-priority", "high").await;
    assert!(b.client.get_alert_text().await.is_err(), "no script ran");
    let link = b
        .client
        .find(Locator::Css("a[href^='/attachments/']"))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert_eq!(link.text().await.unwrap(), "report-to-send.txt");

    // Reply in markdown, after looking at the preview (served by the site's own script).
    b.fill(
        "#content",
        "Put it out with **CO2**, then _call_ facilities.",
    )
    .await;
    b.click(".reply-form button[value=preview]").await;
    b.wait_text("#preview-out strong", "CO2").await;
    b.click("#reply-button").await;
    b.wait_text(".flash", "Your reply has been posted.").await;
    b.wait_text("article[id^='post-'] .markdown strong", "CO2")
        .await;

    // Claim, assign to Bob, close, reopen.
    b.click("#claim-button").await;
    b.wait_text("#ticket-assignee", "ada Tester").await;
    b.wait_text("#ticket-status", "In Work").await;
    // The field suggests people as one types (the page's script asks `/people/suggest`).
    b.fill("#assign-username", "bo").await;
    b.wait_prop("#people option[value='bob']", "textContent", "bob Tester")
        .await;
    b.fill("#assign-username", "bob").await;
    b.click("#assign-button").await;
    b.wait_text("#ticket-assignee", "bob Tester").await;
    b.click("#close-button").await;
    b.wait_text("#ticket-status", "Closed").await;
    b.wait_text("#ticket-assignee", "Not assigned").await;
    b.click("#reopen-button").await;
    b.wait_text("#ticket-status", "Open").await;
    b.wait_text(".flash", "The ticket has been reopened.").await;

    // Download the attachment with the browser's own session.
    let cookies = b.client.get_all_cookies().await.unwrap();
    let header = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let (plain, _) = client();
    let resp = plain
        .get(t.url(&href))
        .header("cookie", header)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("report-to-send.txt")
    );
    assert_eq!(resp.text().await.unwrap(), "the printer log\n");

    // And in French.
    b.click("#language-select option[value=fr]").await;
    b.click(".language-form button").await;
    b.wait_text("#subscribers-heading", "Abonnés").await;
    b.wait_text("#ticket-status", "Open").await; // names from the database are not translated
    b.wait_text("#reply-button", "Répondre").await;
    b.close().await;
}

/// Every URL the browser knows on this page: the page's own, every form's action, every loaded resource and the
/// navigation that led here (the redirect after a POST included).
async fn urls_of_page(b: &Browser) -> Vec<String> {
    let script = "return [location.href]
        .concat(Array.from(document.forms, f => f.action))
        .concat(performance.getEntries().map(e => e.name));";
    let value = b.client.execute(script, vec![]).await.unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn multipart_forms_carry_their_token_in_the_body_not_in_the_url(pool: PgPool) {
    create_user(&pool, "ada", false, Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let attachment = t.uploads.join("token-test.txt");
    std::fs::write(&attachment, "attached\n").unwrap();
    let b = Browser::start().await;
    b.goto(&t.url("/login")).await;
    b.submit_login("ada", PASSWORD).await;
    b.wait_text("main h1", "Dashboard").await;

    let no_token = |urls: Vec<String>, at: &str| {
        assert!(urls.len() > 1, "{at}: {urls:?}");
        for u in urls {
            assert!(!u.contains("csrf_token"), "{at}: {u}");
        }
    };
    for page in ["/tickets/new", "/account"] {
        b.goto(&t.url(page)).await;
        no_token(urls_of_page(&b).await, page);
    }

    // A new ticket with an attachment: the form is sent as the browser sends it, with nothing added by script.
    b.goto(&t.url("/tickets/new")).await;
    b.fill("#title", "Token in the body").await;
    b.fill("#content", "The form's first field is its token.")
        .await;
    let files = b.client.find(Locator::Css("#files")).await.unwrap();
    files.send_keys(attachment.to_str().unwrap()).await.unwrap();
    b.click("button[value=create]").await;
    b.wait_text(".flash", "The ticket has been created.").await;
    b.wait_text("a[href^='/attachments/']", "token-test.txt")
        .await;
    no_token(urls_of_page(&b).await, "the new ticket's page");

    // A reply with an attachment on the ticket page.
    b.fill("#content", "A reply with a file, token in the body.")
        .await;
    let files = b.client.find(Locator::Css("#files")).await.unwrap();
    files.send_keys(attachment.to_str().unwrap()).await.unwrap();
    b.click("#reply-button").await;
    b.wait_text(".flash", "Your reply has been posted.").await;
    no_token(urls_of_page(&b).await, "the ticket page after the reply");
    let stored: i64 = sqlx::query_scalar("select count(*) from attachments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 2, "both files were received");
    b.close().await;
}
