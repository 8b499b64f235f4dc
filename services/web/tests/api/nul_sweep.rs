//! A NUL character in any input is refused or dropped by the shared text parsing, never a 500 (PostgreSQL cannot
//! store or even compare it), on every route of the pages and of both APIs. The routes are enumerated from the
//! routers: every `.route(…)` of the web crate's source (the pages and `/flicket-api/`) and every operation of the
//! OpenAPI document the `/api/v1` router generates. The fields come from the forms and links the pages actually
//! show to an admin, from the OpenAPI schemas, and, for Flicket's schemaless API, from the handlers' field names
//! below. Each request carries a NUL in one field (or one path segment) at a time, everything else valid.

use std::collections::{BTreeMap, BTreeSet};

use flicket_core::Locale;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::*;
use crate::rest_tickets::token_for;
use crate::tickets_support::*;

/// A route of a router: method and path template (`/tickets/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    template: String,
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.route("…", get(…).post(…))` in the web crate's source, with its methods.
fn source_routes() -> Vec<Route> {
    let mut files = vec![];
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + ".route(".len()..];
            // The call's arguments, up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i)
                })
                .unwrap();
            let args = rest[..end].trim_start();
            let Some(quoted) = args.strip_prefix('"') else {
                continue;
            };
            let template = quoted[..quoted.find('"').unwrap()].to_owned();
            let handlers = &quoted[quoted.find('"').unwrap()..];
            for method in ["get", "post", "put", "patch", "delete"] {
                let call = format!("{method}(");
                let chained = format!(".{method}(");
                let direct = handlers.match_indices(&call).any(|(i, _)| {
                    i == 0 || !handlers[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if direct || handlers.contains(&chained) {
                    routes.insert(Route {
                        method: method.to_uppercase(),
                        template: template.clone(),
                    });
                }
            }
        }
    }
    routes.into_iter().collect()
}

/// The rows a sweep needs so that every id in a path names something real.
struct Ids {
    ticket: i64,
    post: i64,
    attachment: String,
    user: i64,
    group: i64,
    department: i64,
    category: i64,
    status: i64,
}

async fn fixtures(pool: &PgPool, admin: &TestApp) -> Ids {
    let q = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let user = create_user(pool, "target", false, Locale::En).await.0;
    let ticket = create_via_page(admin, "A ticket to sweep", "With a body long enough.")
        .await
        .0;
    let resp = admin
        .post_reply(
            flicket_core::domain::TicketId(ticket),
            reply_form("A reply with a file.").file(b"notes.txt", b"notes\n"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    Ids {
        ticket,
        post: q("select max(post_id) from posts").await,
        attachment: sqlx::query_scalar::<_, uuid::Uuid>("select attachment_id from attachments limit 1")
            .fetch_one(pool)
            .await
            .unwrap()
            .to_string(),
        user,
        group: q("insert into groups (name) values ('Support') returning group_id").await,
        department: q("select department_id from departments order by department_id limit 1").await,
        category: q("select category_id from categories order by category_id limit 1").await,
        status: q("insert into statuses (kind, name, position) values ('custom', 'Parked', 9) returning status_id")
            .await,
    }
}

/// The value of a path parameter: a real id of the right kind.
fn param_value(template: &str, name: &str, ids: &Ids) -> String {
    let first = template.split('/').nth(1).unwrap_or_default();
    let second = template.split('/').nth(2).unwrap_or_default();
    let id = |n: i64| n.to_string();
    match (first, second, name) {
        (_, _, "user_id" | "user") => id(ids.user),
        (_, _, "category") => id(ids.category),
        (_, _, "status") => id(ids.status),
        (_, _, "table") => "statuses".into(),
        (_, _, "page") => "1".into(),
        (_, _, "file") => "flicket.css".into(),
        (_, _, "ticket_id") => id(ids.ticket),
        ("admin", "groups", _) => id(ids.group),
        ("admin", "users", _) => id(ids.user),
        ("admin", "statuses", _) => id(ids.status),
        ("admin", _, _) => "1".into(),
        ("attachments", _, _) => ids.attachment.clone(),
        ("departments", _, _) => id(ids.department),
        ("users", _, _) => id(ids.user),
        ("posts" | "delete_post" | "edit_post", _, _) | ("history", "post", _) => id(ids.post),
        ("flicket-api", "post" | "user" | "department" | "category", _) => match second {
            "post" => id(ids.post),
            "user" => id(ids.user),
            "department" => id(ids.department),
            _ => id(ids.category),
        },
        ("flicket-api", "upload", _) => "1".into(),
        _ => id(ids.ticket),
    }
}

fn params_of(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// The template with every parameter filled, except `nul_in`, which gets a NUL.
fn fill(template: &str, ids: &Ids, nul_in: Option<&str>) -> String {
    template
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if Some(name) == nul_in => "a%00b".to_owned(),
                Some(name) => param_value(template, name, ids),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a concrete path matches a template.
fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// A form of a page: where it goes, how, and its fields with the values the page gives them.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub method: String,
    pub action: String,
    pub multipart: bool,
    pub fields: Vec<(String, String)>,
}

/// The forms of a page (our templates: attributes in double quotes).
pub(crate) fn forms_of(html: &str, page: &str) -> Vec<Form> {
    let mut forms = vec![];
    for chunk in html.split("<form").skip(1) {
        let tag_end = chunk.find('>').unwrap_or(chunk.len());
        let tag = &chunk[..tag_end];
        let body = &chunk[tag_end..chunk.find("</form>").unwrap_or(chunk.len())];
        let action = attr(tag, "action").unwrap_or_else(|| page.to_owned());
        let mut fields: Vec<(String, String)> = vec![];
        let mut push = |name: String, value: String| {
            if !fields.iter().any(|(k, _)| *k == name) {
                fields.push((name, value));
            }
        };
        for (kind, piece) in ["<input", "<select", "<textarea", "<button"]
            .iter()
            .flat_map(|k| body.match_indices(k).map(move |(i, _)| (*k, &body[i..])))
        {
            let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
            let Some(name) = attr(tag, "name") else {
                continue;
            };
            let value = match kind {
                "<input" if attr(tag, "type").as_deref() == Some("file") => continue,
                // Sent only when ticked, as a browser does.
                "<input" if matches!(attr(tag, "type").as_deref(), Some("checkbox" | "radio")) => {
                    if !tag.contains(" checked") {
                        continue;
                    }
                    attr(tag, "value").unwrap_or_else(|| "on".into())
                }
                "<select" => {
                    let options = &piece[..piece.find("</select>").unwrap_or(piece.len())];
                    options
                        .split("<option")
                        .skip(1)
                        .find(|o| o[..o.find('>').unwrap_or(0)].contains(" selected"))
                        .or_else(|| options.split("<option").nth(1))
                        .and_then(|o| attr(&o[..o.find('>').unwrap_or(o.len())], "value"))
                        .unwrap_or_default()
                }
                "<textarea" => {
                    let start = piece.find('>').map_or(0, |i| i + 1);
                    let end = piece.find("</textarea>").unwrap_or(start);
                    unescape(&piece[start..end])
                }
                _ => attr(tag, "value").unwrap_or_default(),
            };
            push(name, value);
        }
        forms.push(Form {
            method: attr(tag, "method")
                .unwrap_or_else(|| "get".into())
                .to_uppercase(),
            action,
            multipart: tag.contains("multipart/form-data"),
            fields,
        });
    }
    forms
}

/// The query parameter names of the page's links, by path.
fn link_queries(html: &str, names: &mut BTreeMap<String, BTreeSet<String>>) {
    for (i, _) in html.match_indices("href=\"/") {
        let start = i + "href=\"".len();
        let Some(end) = html[start..].find('"') else {
            continue;
        };
        let href = unescape(&html[start..start + end]);
        let href = href.split('#').next().unwrap_or_default();
        if let Some((path, query)) = href.split_once('?') {
            for pair in query.split('&') {
                let key = pair.split('=').next().unwrap_or_default();
                if !key.is_empty() {
                    names
                        .entry(path.to_owned())
                        .or_default()
                        .insert(key.to_owned());
                }
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What one request of the sweep sent, and what came back.
struct Probe {
    what: String,
    status: StatusCode,
}

/// Sends one request with a NUL; returns what was sent and the status.
async fn send(req: reqwest::RequestBuilder, what: String) -> Probe {
    let status = req.send().await.unwrap().status();
    Probe { what, status }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_nul_in_any_field_of_any_route_never_gets_a_server_error(pool: PgPool) {
    const NUL: &str = "a\0b";
    create_user(&pool, "boss", true, Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let admin = signed_in(&t, "boss").await;
    let ids = fixtures(&pool, &admin).await;
    let routes = source_routes();
    assert!(routes.len() > 100, "the router source was read: {routes:?}");
    let mut probes: Vec<Probe> = vec![];
    let mut swept: BTreeSet<Route> = BTreeSet::new();

    // The pages an admin sees: their forms and the query parameters of their links.
    let mut forms: Vec<Form> = vec![];
    let mut queries: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in routes.iter().filter(|r| r.method == "GET") {
        if r.template.starts_with("/flicket-api/") || r.template.contains("avatar") {
            continue;
        }
        let path = fill(&r.template, &ids, None);
        let resp = admin.get(&path).await;
        let is_html = resp
            .headers()
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or_default().starts_with("text/html"));
        if is_html {
            let html = resp.text().await.unwrap();
            forms.extend(forms_of(&html, &path));
            link_queries(&html, &mut queries);
        }
    }
    assert!(
        forms.iter().any(
            |f| f.action.ends_with("/members") && f.fields.iter().any(|(k, _)| k == "username")
        ),
        "the group page's member form was found"
    );

    // Pages and Flicket's API: a NUL in each path parameter, then in each query parameter (those of the page's
    // links and GET forms, and the usual ones), then in each field of each form that posts to the route.
    let token = admin.csrf("/").await;
    let api_token = token_for(&admin, "boss").await;
    for f in forms.iter().filter(|f| f.method == "GET") {
        let path = f.action.split('?').next().unwrap_or_default().to_owned();
        let entry = queries.entry(path).or_default();
        entry.extend(f.fields.iter().map(|(k, _)| k.clone()));
    }
    // A probe whose NUL lands in a field the route ignores goes through: the routes that remove or end something
    // are swept last (deletions, then signing out), so that every other probe still finds its rows and its session.
    let rank = |r: &Route| {
        let t = r.template.as_str();
        match () {
            _ if r.method == "GET" => 0,
            _ if t == "/logout" => 4,
            _ if t.ends_with("/delete") || t.ends_with("/delete/") => 3,
            _ if ["/remove", "/disable", "/enable", "/reset-password"]
                .iter()
                .any(|s| t.ends_with(s)) =>
            {
                2
            }
            _ => 1,
        }
    };
    let mut ordered = routes.clone();
    ordered.sort_by_key(|r| (rank(r), r.template.clone(), r.method.clone()));
    for r in &ordered {
        let compat = r.template.starts_with("/flicket-api/");
        let request = |method: &str, url: String| {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let req = admin.client.request(m, admin.url(&url));
            if compat {
                req.bearer_auth(&api_token)
            } else {
                req.header("x-csrf-token", &token)
            }
        };
        for p in params_of(&r.template) {
            let url = fill(&r.template, &ids, Some(&p));
            probes.push(
                send(
                    request(&r.method, url.clone()),
                    format!("{} {url}", r.method),
                )
                .await,
            );
        }
        let path = fill(&r.template, &ids, None);
        let mut names: BTreeSet<String> = ["q", "page", "next", "per_page", "sort"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for (p, n) in &queries {
            if matches(&r.template, p) {
                names.extend(n.iter().cloned());
            }
        }
        for n in &names {
            let url = format!("{path}?{}=a%00b", urlencode(n));
            probes.push(
                send(
                    request(&r.method, url.clone()),
                    format!("{} {url}", r.method),
                )
                .await,
            );
        }
        if r.method != "GET" {
            let posting: Vec<&Form> = forms
                .iter()
                .filter(|f| {
                    f.method == "POST"
                        && matches(&r.template, f.action.split('?').next().unwrap_or_default())
                })
                .collect();
            for f in &posting {
                for (field, _) in f.fields.iter().filter(|(k, _)| k != "csrf_token") {
                    let fields: Vec<(String, String)> = f
                        .fields
                        .iter()
                        .map(|(k, v)| {
                            let v = if k == field {
                                NUL.to_owned()
                            } else {
                                v.clone()
                            };
                            (k.clone(), v)
                        })
                        .collect();
                    let what = format!("POST {} [{field}]", f.action);
                    let req = admin.client.post(admin.url(&f.action));
                    let req = if f.multipart {
                        // The token first, as the page sends it.
                        let multi = fields
                            .iter()
                            .filter(|(k, _)| k != "csrf_token")
                            .fold(Multi::new(), |m, (k, v)| m.text(k, v))
                            .with_token_first(&token);
                        let (ct, body) = multi.finish();
                        req.header("content-type", ct).body(body)
                    } else {
                        req.form(&fields)
                    };
                    probes.push(send(req, what).await);
                }
            }
            // Flicket's API reads JSON whatever the content type says: its handlers' fields.
            let compat_fields: &[&str] = match r.template.as_str() {
                "/flicket-api/tickets" => &["title", "content"],
                "/flicket-api/departments" => &["department"],
                "/flicket-api/categories" => &["category"],
                _ => &[],
            };
            for field in compat_fields {
                let mut body = json!({ "title": "A title", "content": "Some content", "department": "Dept",
                    "category": "Cat", "category_id": ids.category, "department_id": ids.department,
                    "ticket_priority_id": 1 });
                body[*field] = json!(NUL);
                let what = format!("{} {} [{field}]", r.method, r.template);
                probes.push(
                    send(
                        request(&r.method, path.clone()).body(body.to_string()),
                        what,
                    )
                    .await,
                );
            }
            // A form field the route may not even read still carries a NUL it must not choke on.
            if posting.is_empty() && !compat {
                let what = format!("{} {path} [name]", r.method);
                let req = request(&r.method, path.clone())
                    .form(&[("csrf_token", token.as_str()), ("name", NUL)]);
                probes.push(send(req, what).await);
            }
        }
        swept.insert(r.clone());
    }

    // `/api/v1`: every operation of its OpenAPI document, with a NUL in each path parameter, each query parameter,
    // and each property of its JSON body.
    let doc: Value = admin
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schemas = doc["components"]["schemas"].clone();
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let api = |url: String| {
                admin
                    .client
                    .request(
                        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                        admin.url(&url),
                    )
                    .bearer_auth(&api_token)
            };
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let name = p["name"].as_str().unwrap();
                let url = match p["in"].as_str() {
                    Some("path") => fill(template, &ids, Some(name)),
                    Some("query") => {
                        format!("{}?{}=a%00b", fill(template, &ids, None), urlencode(name))
                    }
                    _ => continue,
                };
                probes.push(send(api(url.clone()), format!("{method} {url}")).await);
            }
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let schema = match schema["$ref"].as_str() {
                Some(r) => schemas[r.rsplit('/').next().unwrap()].clone(),
                None => schema.clone(),
            };
            if let Some(props) = schema["properties"].as_object() {
                for name in props.keys() {
                    let body = json!({ name.as_str(): NUL });
                    let what = format!("{method} {template} [{name}]");
                    probes.push(send(api(fill(template, &ids, None)).json(&body), what).await);
                }
            }
        }
    }
    assert!(operations > 30, "the OpenAPI document was read");
    // HTTP Basic credentials are fields of the token routes too.
    for path in ["/api/v1/tokens", "/flicket-api/tokens"] {
        for (user, pass) in [(NUL, PASSWORD), ("boss", NUL)] {
            let req = admin
                .client
                .post(admin.url(path))
                .basic_auth(user, Some(pass));
            probes.push(send(req, format!("POST {path} [basic {user:?}]")).await);
        }
    }

    assert_eq!(
        swept.len(),
        routes.len(),
        "every route of the routers was swept"
    );
    if std::env::var("NUL_SWEEP_SHOW").is_ok() {
        for p in &probes {
            eprintln!("{} -> {}", p.what, p.status);
        }
    }
    let failures: Vec<String> = probes
        .iter()
        .filter(|p| p.status.is_server_error())
        .map(|p| format!("{} -> {}", p.what, p.status))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} requests with a NUL failed with a server error:\n{}",
        failures.len(),
        probes.len(),
        failures.join("\n")
    );
}

/// The two inputs the outside test found: a NUL in the user search and in the name of a member to add.
#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn a_nul_in_the_user_search_or_a_new_members_name_gets_an_answer(pool: PgPool) {
    create_user(&pool, "boss", true, Locale::En).await;
    let t = spawn_ticket_app(pool.clone()).await;
    let admin = signed_in(&t, "boss").await;
    let resp = admin.get("/admin/users?q=%00").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text().await.unwrap().contains("boss"),
        "the NUL is dropped from the search"
    );
    let group: i64 =
        sqlx::query_scalar("insert into groups (name) values ('Support') returning group_id")
            .fetch_one(&pool)
            .await
            .unwrap();
    let token = admin.csrf(&format!("/admin/groups/{group}")).await;
    let resp = admin
        .post_form(
            &format!("/admin/groups/{group}/members"),
            &[("csrf_token", &token), ("username", "a\0b")],
        )
        .await;
    assert!(
        resp.status().is_client_error() || resp.status().is_success(),
        "{}",
        resp.status()
    );
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Control characters are not allowed."),
        "the reason is shown"
    );
    let members: i64 = sqlx::query_scalar("select count(*) from user_groups where group_id = $1")
        .bind(group)
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    assert_eq!(members, 0);
}
