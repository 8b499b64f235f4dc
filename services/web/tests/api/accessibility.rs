//! Accessibility kept: axe-core (vendored under `vendor/`, injected through WebDriver so the pages' CSP does not
//! matter) finds no serious or critical violation on the pages people use most, in English and in French; and the
//! API documentation (Swagger UI) loads without a CSP violation in the console.

use flicket_core::Locale;
use sqlx::PgPool;

use crate::browser::Browser;
use crate::helpers::*;
use crate::tickets_support::*;

/// axe-core, unchanged from the npm registry (see `vendor/README.md`).
const AXE: &str = include_str!("vendor/axe.min.js");

/// Runs axe-core on the page in the browser and returns every violation, one line each: impact, rule, help text and
/// the elements concerned.
async fn axe(b: &Browser) -> Vec<String> {
    b.client.execute(AXE, vec![]).await.unwrap();
    let found = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations.map(v =>
                     v.impact + ' ' + v.id + ': ' + v.help + ' [' +
                     v.nodes.map(n => n.target.join(' ')).join(', ') + ']')))
                 .catch(e => done(['critical axe-failed: ' + e]));"#,
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Visits each path and collects what axe finds there (serious and critical only), named by page.
async fn check_pages(b: &Browser, app: &TicketApp, paths: &[String], found: &mut Vec<String>) {
    for path in paths {
        b.goto(&app.url(path)).await;
        b.wait_path(path.split('?').next().unwrap()).await;
        for v in axe(b).await {
            if v.starts_with("serious ") || v.starts_with("critical ") {
                found.push(format!("{path}: {v}"));
            } else {
                eprintln!("{path}: (not failing) {v}");
            }
        }
    }
}

async fn sign_in(b: &Browser, username: &str) {
    b.submit_login(username, PASSWORD).await;
    b.wait_path("/").await;
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_main_pages_have_no_serious_accessibility_violation_in_english_or_french(pool: PgPool) {
    let root = create_user(&pool, "root", true, Locale::En).await;
    create_user(&pool, "racine", true, Locale::Fr).await;
    let ticket = create_direct(&pool, root, "Printer on fire").await;
    let app = spawn_ticket_app(pool.clone()).await;
    let signed_in_pages: Vec<String> = [
        "/".to_owned(),
        "/tickets".to_owned(),
        format!("/tickets/{}", ticket.0),
        "/tickets/new".to_owned(),
        "/account".to_owned(),
        "/admin/users".to_owned(),
        "/admin/groups".to_owned(),
        "/admin/settings".to_owned(),
    ]
    .into();
    let mut found = Vec::new();

    // English: the sign-in page as a visitor, then every page as an English-speaking admin.
    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    b.wait_text("main h1", "Sign in").await;
    check_pages(&b, &app, &["/login".to_owned()], &mut found).await;
    // The check can fail: a field without a label, added to the page, is reported as critical.
    b.client
        .execute(
            "const i = document.createElement('input'); i.id = 'unlabelled'; \
             document.querySelector('main').appendChild(i);",
            vec![],
        )
        .await
        .unwrap();
    let planted = axe(&b).await;
    assert!(
        planted
            .iter()
            .any(|v| v.starts_with("critical label:") && v.contains("#unlabelled")),
        "{planted:#?}"
    );
    b.goto(&app.url("/login")).await;
    sign_in(&b, "root").await;
    b.wait_text("main h1", "Dashboard").await;
    check_pages(&b, &app, &signed_in_pages, &mut found).await;
    b.close().await;

    // French: the visitor switches the language on the sign-in page, then a French-speaking admin signs in.
    let b = Browser::start().await;
    b.goto(&app.url("/login")).await;
    b.click("#language-select option[value=fr]").await;
    b.click(".language-form button").await;
    b.wait_text("main h1", "Connexion").await;
    check_pages(&b, &app, &["/login".to_owned()], &mut found).await;
    sign_in(&b, "racine").await;
    b.wait_text("main h1", "Tableau de bord").await;
    check_pages(&b, &app, &signed_in_pages, &mut found).await;
    b.close().await;

    assert!(
        found.is_empty(),
        "axe-core found serious or critical violations:\n{}",
        found.join("\n")
    );
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn the_api_documentation_loads_without_a_csp_violation(pool: PgPool) {
    let app = spawn_ticket_app(pool).await;
    let b = Browser::start().await;
    b.goto(&app.url("/api/docs/")).await;
    // Swagger UI has fetched the OpenAPI document and drawn the operations.
    b.client
        .wait()
        .for_element(fantoccini::Locator::Css(".swagger-ui .opblock"))
        .await
        .unwrap();
    let console = b.console_log().await;
    let csp: Vec<&String> = console
        .iter()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Content-Security-Policy"))
        .collect();
    assert!(csp.is_empty(), "CSP violations on /api/docs: {csp:#?}");
    b.close().await;
}
