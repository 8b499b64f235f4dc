//! Translations: fluent bundles for English and French, embedded at compile time, and `Accept-Language` negotiation.

use std::sync::LazyLock;

pub use fluent::FluentArgs;
use fluent::FluentResource;
use fluent::concurrent::FluentBundle;
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use serde::{Deserialize, Serialize};
use unic_langid::{LanguageIdentifier, langid};

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English (the fallback).
    #[default]
    En,
    /// French.
    Fr,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// The code stored in the database and used in `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// Parses a stored code; anything unknown is `None`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// Picks the best supported locale for an `Accept-Language` header; English when nothing matches.
    pub fn negotiate(accept_language: &str) -> Self {
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available = [langid!("en"), langid!("fr")];
        let default = langid!("en");
        let chosen = negotiate_languages(
            &requested,
            &available,
            Some(&default),
            NegotiationStrategy::Lookup,
        );
        match chosen.first().map(|l| l.language.as_str()) {
            Some("fr") => Locale::Fr,
            _ => Locale::En,
        }
    }

    /// Translates a message without arguments.
    pub fn t(self, key: &str) -> String {
        BUNDLES.format(self, key, None)
    }

    /// Translates a message with arguments.
    pub fn t_args(self, key: &str, args: &FluentArgs<'_>) -> String {
        BUNDLES.format(self, key, Some(args))
    }

    /// Translates an operation's message (see [`crate::ops::Message`]).
    pub fn say(self, m: &crate::ops::Message) -> String {
        if m.args.is_empty() {
            return self.t(m.key);
        }
        let mut args = FluentArgs::new();
        for (name, value) in &m.args {
            args.set(*name, value.clone());
        }
        self.t_args(m.key, &args)
    }

    /// Whether the message exists in this locale (for tests and checks).
    pub fn has(self, key: &str) -> bool {
        BUNDLES.bundle(self).has_message(key)
    }
}

struct Bundles {
    en: FluentBundle<FluentResource>,
    fr: FluentBundle<FluentResource>,
}

/// The `.ftl` sources, one pair per area of the product.
pub const SOURCES: &[(&str, &str, &str)] = &[
    (
        "main",
        include_str!("../locales/en/main.ftl"),
        include_str!("../locales/fr/main.ftl"),
    ),
    (
        "listing",
        include_str!("../locales/en/listing.ftl"),
        include_str!("../locales/fr/listing.ftl"),
    ),
    (
        "tickets",
        include_str!("../locales/en/tickets.ftl"),
        include_str!("../locales/fr/tickets.ftl"),
    ),
    (
        "people",
        include_str!("../locales/en/people.ftl"),
        include_str!("../locales/fr/people.ftl"),
    ),
    (
        "admin",
        include_str!("../locales/en/admin.ftl"),
        include_str!("../locales/fr/admin.ftl"),
    ),
    (
        "mail",
        include_str!("../locales/en/mail.ftl"),
        include_str!("../locales/fr/mail.ftl"),
    ),
    (
        "import",
        include_str!("../locales/en/import.ftl"),
        include_str!("../locales/fr/import.ftl"),
    ),
    (
        "email_log",
        include_str!("../locales/en/email_log.ftl"),
        include_str!("../locales/fr/email_log.ftl"),
    ),
];

fn build(
    lang: LanguageIdentifier,
    pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str,
) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    for source in SOURCES {
        match FluentResource::try_new(pick(source).to_owned()) {
            Ok(res) => {
                if let Err(errors) = bundle.add_resource(res) {
                    tracing::error!(?errors, file = source.0, "duplicate fluent messages");
                }
            }
            Err((res, errors)) => {
                tracing::error!(?errors, file = source.0, "fluent syntax errors");
                let _ = bundle.add_resource(res);
            }
        }
    }
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    en: build(langid!("en"), |s| s.1),
    fr: build(langid!("fr"), |s| s.2),
});

impl Bundles {
    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::En => &self.en,
            Locale::Fr => &self.fr,
        }
    }

    fn format(&self, locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let (bundle, key_part, attr) = match key.split_once('.') {
            Some((k, a)) => (self.bundle(locale), k, Some(a)),
            None => (self.bundle(locale), key, None),
        };
        let pattern = bundle.get_message(key_part).and_then(|m| match attr {
            Some(a) => m.get_attribute(a).map(|at| at.value()),
            None => m.value(),
        });
        match pattern {
            Some(p) => {
                let mut errors = vec![];
                let text = bundle.format_pattern(p, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, ?errors, "fluent formatting errors");
                }
                text.into_owned()
            }
            None if locale != Locale::En => self.format(Locale::En, key, args),
            None => {
                tracing::warn!(key, "missing translation");
                key.to_owned()
            }
        }
    }
}

/// Message ids defined in a `.ftl` source (top-level messages only).
pub fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_best_supported_language() {
        assert_eq!(Locale::negotiate("fr-CA,fr;q=0.9,en;q=0.8"), Locale::Fr);
        assert_eq!(Locale::negotiate("de-DE,fr;q=0.5"), Locale::Fr);
        assert_eq!(Locale::negotiate("de-DE"), Locale::En);
        assert_eq!(Locale::negotiate(""), Locale::En);
        assert_eq!(Locale::negotiate("en-GB,fr;q=0.9"), Locale::En);
    }

    #[test]
    fn english_and_french_define_the_same_messages() {
        for (name, en, fr) in SOURCES {
            let (mut e, mut f) = (message_ids(en), message_ids(fr));
            e.sort();
            f.sort();
            assert_eq!(e, f, "{name}.ftl differs between en and fr");
            for id in &e {
                assert!(
                    Locale::En.has(id) && Locale::Fr.has(id),
                    "{id} does not parse"
                );
            }
        }
    }

    #[test]
    fn no_message_is_defined_twice() {
        let mut seen = std::collections::HashMap::new();
        for (name, en, _) in SOURCES {
            for id in message_ids(en) {
                if let Some(first) = seen.insert(id.clone(), *name) {
                    panic!("{id} is defined in {first}.ftl and again in {name}.ftl");
                }
            }
        }
    }

    #[test]
    fn arguments_are_not_wrapped_in_isolation_marks() {
        let mut args = FluentArgs::new();
        args.set("title", "Flicket");
        let fr = Locale::Fr.t_args("page-title", &args);
        assert!(fr.contains("Flicket") && !fr.contains('\u{2068}'), "{fr}");
        assert_ne!(Locale::En.t("nav-home"), Locale::Fr.t("nav-home"));
    }
}
