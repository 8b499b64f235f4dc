//! Starts the web service on a random port against the test's database, with a cookie-keeping client.

use flicket_core::Config;
use flicket_core::domain::{Email, PersonName, UserId, Username};
use flicket_core::{Locale, password, repo};
use flicket_web::startup::Application;
use reqwest::cookie::{CookieStore, Jar};
use sqlx::PgPool;
use std::sync::Arc;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

pub fn test_config() -> Config {
    // Email jobs of web tests go to a queue no mailer consumes (never the development queue).
    let vars = [
        ("FLICKET_LISTEN", "127.0.0.1:0"),
        ("FLICKET_EMAIL_QUEUE", "flicket:test:web-email"),
    ];
    Config::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))).unwrap()
}

pub fn client() -> (reqwest::Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, test_config()).await
}

pub async fn spawn_app_with(pool: PgPool, config: Config) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber_init();
    }
    let app = Application::build_with_pool(config, pool).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app.run_until(async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let (client, jar) = client();
    TestApp {
        address,
        client,
        jar,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

fn tracing_subscriber_init() -> anyhow::Result<()> {
    flicket_core::telemetry::init("test", flicket_core::config::LogFormat::Pretty)
        .map(std::mem::forget)
}

impl TestApp {
    /// A client for a web service already running at `address` (another process), sharing `jar` if given.
    pub fn remote(address: &str, shared: Option<(&reqwest::Client, &Arc<Jar>)>) -> TestApp {
        let (client, jar) = match shared {
            Some((c, j)) => (c.clone(), j.clone()),
            None => client(),
        };
        TestApp {
            address: address.to_owned(),
            client,
            jar,
            shutdown: None,
            handle: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the server and waits until it has drained.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap();
        }
    }

    /// The value of a cookie the client holds for this app.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.address.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().unwrap().split("; ").find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The CSRF token of the forms on `path`.
    pub async fn csrf(&self, path: &str) -> String {
        csrf_from(&self.get_text(path).await)
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts the sign-in form with a valid CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        let token = self.csrf("/login").await;
        self.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}

/// Signs in with `PASSWORD` from a new client of a new app on `pool`; returns the answer's status.
pub async fn new_client_login(pool: &PgPool, username: &str) -> reqwest::StatusCode {
    spawn_app(pool.clone())
        .await
        .login(username, PASSWORD)
        .await
        .status()
}

pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

pub const PASSWORD: &str = "a long enough password";

/// Creates an enabled user with the given password; `admin` adds it to the admin group.
pub async fn create_user(pool: &PgPool, username: &str, admin: bool, locale: Locale) -> UserId {
    let hash = password::hash(&PASSWORD.into()).await.unwrap();
    create_user_with_hash(pool, username, &hash, admin, locale).await
}

pub async fn create_user_with_hash(
    pool: &PgPool,
    username: &str,
    hash: &str,
    admin: bool,
    locale: Locale,
) -> UserId {
    let username = Username::parse(username).unwrap();
    let email = Email::parse(&format!("{}@example.com", username.as_str())).unwrap();
    let name = PersonName::parse(&format!("{} Tester", username.as_str())).unwrap();
    let id = repo::users::create(
        pool,
        &repo::users::NewUser {
            username: &username,
            name: &name,
            email: &email,
            password_hash: hash,
            locale,
        },
    )
    .await
    .unwrap();
    if admin {
        repo::users::add_to_group(pool, id, "admin").await.unwrap();
    }
    id
}

pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The `flicket-web` binary the process tests run: `TEST_WEB_BIN` when set (a target directory shared by
/// several checkouts may hold another checkout's build at the usual path), the one cargo built otherwise.
pub fn web_binary() -> String {
    std::env::var("TEST_WEB_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_flicket-web").to_owned())
}

/// The `<input>` tag with `id` in a page, and the page after it (where a field's message must stand).
pub fn input_and_after<'p>(page: &'p str, id: &str) -> (&'p str, &'p str) {
    let id_at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = page[..id_at].rfind("<input").expect("an input");
    let end = id_at + page[id_at..].find('>').expect("a closed tag") + 1;
    (&page[start..end], &page[end..])
}
