//! First-run set-up: the base URL and the first administrator. Idempotent: a second run changes nothing.

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;

use crate::domain::{Email, PersonName, PlainPassword, Username};
use crate::i18n::Locale;
use crate::{password, repo};

/// What `setup` was asked to do.
pub struct SetupRequest {
    /// Admin user name.
    pub admin_username: String,
    /// Admin email.
    pub admin_email: String,
    /// Admin password; generated when `None`.
    pub admin_password: Option<SecretString>,
    /// Public URL to store in the settings.
    pub base_url: Option<String>,
}

/// What `setup` did.
#[derive(Debug)]
pub enum SetupOutcome {
    /// An admin account was created; `generated_password` is set when the password was generated (show it once).
    AdminCreated {
        /// The user name.
        username: String,
        /// The generated password, if any.
        generated_password: Option<String>,
    },
    /// An admin already existed: nothing was created.
    AlreadySetUp,
}

/// Why set-up refused.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A value does not parse (the fluent key says why).
    #[error("invalid {field}: {key}")]
    Invalid {
        /// Which input, as a fluent message id (`setup-field-…`).
        field: &'static str,
        /// Fluent message id.
        key: &'static str,
    },
    /// The user name or email belongs to an account that is not an admin.
    #[error("a user named {0} or with that email already exists and is not an admin")]
    Taken(String),
    /// Database or hashing failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl SetupError {
    /// What went wrong, as a sentence for the person who ran set-up (never a message id).
    pub fn sentence(&self, locale: Locale) -> String {
        let mut args = crate::i18n::FluentArgs::new();
        match self {
            SetupError::Invalid { field, key } => {
                args.set("field", locale.t(field));
                args.set("reason", locale.t(key));
                locale.t_args("setup-error-invalid", &args)
            }
            SetupError::Taken(name) => {
                args.set("name", name.clone());
                locale.t_args("setup-error-taken", &args)
            }
            SetupError::Other(e) => format!("{e:#}"),
        }
    }
}

impl From<sqlx::Error> for SetupError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

/// Runs set-up in one transaction, serialised by an advisory lock so concurrent runs cannot create two admins.
pub async fn run(pool: &PgPool, req: SetupRequest) -> Result<SetupOutcome, SetupError> {
    let username = Username::parse(&req.admin_username).map_err(|e| SetupError::Invalid {
        field: "setup-field-admin-username",
        key: e.key,
    })?;
    let email = Email::parse(&req.admin_email).map_err(|e| SetupError::Invalid {
        field: "setup-field-admin-email",
        key: e.key,
    })?;
    let (password, generated) = match req.admin_password {
        Some(p) => {
            PlainPassword::parse_new(p.expose_secret(), username.as_str(), email.as_str())
                .map_err(|e| SetupError::Invalid {
                    field: "setup-field-admin-password",
                    key: e.key,
                })?;
            (p, None)
        }
        None => {
            let p = password::generate();
            (SecretString::from(p.clone()), Some(p))
        }
    };

    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(74616365747301)")
        .execute(&mut *tx)
        .await?;
    if let Some(url) = &req.base_url {
        let url = crate::config::parse_base_url(url).map_err(|_| SetupError::Invalid {
            field: "setup-field-base-url",
            key: "error-base-url",
        })?;
        repo::settings::set_base_url(&mut *tx, &url).await?;
    }
    if repo::users::any_admin(&mut *tx).await? {
        tx.commit().await?;
        return Ok(SetupOutcome::AlreadySetUp);
    }
    if repo::users::exists(&mut *tx, username.as_str(), email.as_str()).await? {
        return Err(SetupError::Taken(username.as_str().to_owned()));
    }
    let hash = password::hash(&password)
        .await
        .map_err(anyhow::Error::from)?;
    let name = PersonName::parse(username.as_str()).map_err(|e| SetupError::Invalid {
        field: "setup-field-admin-name",
        key: e.key,
    })?;
    let user_id = repo::users::create(
        &mut *tx,
        &repo::users::NewUser {
            username: &username,
            name: &name,
            email: &email,
            password_hash: &hash,
            locale: Locale::En,
        },
    )
    .await?;
    repo::users::add_to_group(&mut *tx, user_id, "admin").await?;
    tx.commit().await?;
    Ok(SetupOutcome::AdminCreated {
        username: username.as_str().to_owned(),
        generated_password: generated,
    })
}
