//! The catalog in Flicket's API (`/flicket-api/`): departments, categories, department/category pairs, statuses and
//! priorities, readable with any token; departments and categories are created only by admins and super users, as
//! on the pages. The resources are written as Flicket wrote them (`{id, department, links}` …) with absolute links.

mod departments;
mod labels;

use axum::Router;
use axum::routing::get;
use flicket_core::domain::DepartmentId;
use flicket_core::repo::catalog::CategoryOption;
use flicket_core::repo::catalog_admin::LabelTable;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::api_compat::{Site, add_slash};
use crate::state::AppState;

/// The `/flicket-api/` routes of the catalog.
pub fn compat_routes() -> Router<AppState> {
    Router::new()
        .route("/flicket-api/department/{id}", get(departments::department))
        .route(
            "/flicket-api/departments",
            get(add_slash).post(departments::create_department),
        )
        .route("/flicket-api/departments/", get(departments::departments))
        .route("/flicket-api/category/{id}", get(departments::category))
        .route(
            "/flicket-api/categories",
            get(add_slash).post(departments::create_category),
        )
        .route("/flicket-api/categories/", get(departments::categories))
        .route(
            "/flicket-api/department_category/{id}",
            get(departments::department_category),
        )
        .route("/flicket-api/department_categories", get(add_slash))
        .route(
            "/flicket-api/department_categories/",
            get(departments::department_categories),
        )
        .route("/flicket-api/status/{id}", get(labels::status))
        .route("/flicket-api/statuses", get(add_slash))
        .route("/flicket-api/statuses/", get(labels::statuses))
        .route("/flicket-api/priority/{id}", get(labels::priority))
        .route("/flicket-api/priorities", get(add_slash))
        .route("/flicket-api/priorities/", get(labels::priorities))
        .route("/flicket-api/priorities/{page}", get(add_slash))
        .route(
            "/flicket-api/priorities/{page}/",
            get(labels::priorities_page),
        )
}

/// `{self, <collection>}`.
#[derive(Serialize)]
struct SelfLinks {
    #[serde(rename = "self")]
    this: String,
    #[serde(flatten)]
    collection: std::collections::BTreeMap<&'static str, String>,
}

impl SelfLinks {
    fn new(site: &Site, this: String, collections: &[(&'static str, String)]) -> Self {
        SelfLinks {
            this: site.url(&this),
            collection: collections
                .iter()
                .map(|(k, path)| (*k, site.url(path)))
                .collect(),
        }
    }
}

/// A department.
#[derive(Serialize)]
pub struct Department {
    id: i64,
    department: String,
    links: SelfLinks,
}

impl Department {
    fn new(site: &Site, id: DepartmentId, name: String) -> Self {
        Department {
            id: id.0,
            department: name,
            links: SelfLinks::new(
                site,
                format!("department/{id}"),
                &[("departments", "departments/".into())],
            ),
        }
    }
}

/// A category with its department's name.
#[derive(Serialize)]
pub struct Category {
    id: i64,
    category: String,
    department: String,
    links: SelfLinks,
}

impl Category {
    fn new(site: &Site, c: CategoryOption) -> Self {
        Category {
            id: c.category_id.0,
            category: c.category,
            department: c.department,
            links: SelfLinks::new(
                site,
                format!("category/{}", c.category_id),
                &[
                    ("categories", "categories/".into()),
                    ("department", format!("department/{}", c.department_id)),
                ],
            ),
        }
    }
}

/// A category and its department side by side (`"Design / ECN"`).
#[derive(Serialize)]
pub struct DepartmentCategory {
    department_category: String,
    category_id: i64,
    category: String,
    department_id: i64,
    department: String,
    links: SelfLinks,
}

impl DepartmentCategory {
    fn new(site: &Site, c: CategoryOption) -> Self {
        DepartmentCategory {
            department_category: c.label(),
            category_id: c.category_id.0,
            department_id: c.department_id.0,
            links: SelfLinks::new(
                site,
                format!("department_category/{}", c.category_id),
                &[
                    ("department_categories", "department_categories/".into()),
                    ("department", format!("department/{}", c.department_id)),
                    ("category", format!("category/{}", c.category_id)),
                ],
            ),
            category: c.category,
            department: c.department,
        }
    }
}

/// Statuses or priorities, as Flicket named them.
#[derive(Debug, Clone, Copy)]
struct LabelKind {
    /// Their table.
    table: LabelTable,
    /// One of them, and the path of one (`status/<id>`).
    one: &'static str,
    /// The collection, and its path (`statuses/`).
    all: &'static str,
    all_path: &'static str,
}

/// Statuses.
const STATUSES: LabelKind = LabelKind {
    table: LabelTable::Statuses,
    one: "status",
    all: "statuses",
    all_path: "statuses/",
};

/// Priorities.
const PRIORITIES: LabelKind = LabelKind {
    table: LabelTable::Priorities,
    one: "priority",
    all: "priorities",
    all_path: "priorities/",
};

/// A status (`{id, status, links}`) or a priority (`{id, priority, links}`).
pub struct Label {
    id: i64,
    kind: LabelKind,
    name: String,
    links: SelfLinks,
}

impl Label {
    fn new(site: &Site, kind: LabelKind, id: i64, name: String) -> Self {
        let links = SelfLinks::new(
            site,
            format!("{}/{id}", kind.one),
            &[(kind.all, kind.all_path.into())],
        );
        Label {
            id,
            kind,
            name,
            links,
        }
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry(self.kind.one, &self.name)?;
        map.serialize_entry("links", &self.links)?;
        map.end()
    }
}
