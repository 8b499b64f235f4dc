//! The rules for Flicket's messy values, as pure functions: each returns the value to store and whether (which) rule
//! applied, so the caller counts it.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::report::Rule;

/// A naive local time as Flicket wrote it (`datetime.now()` on its server), with the rule applied, if any.
pub fn local_time(text: Option<&str>, tz: Tz) -> (Option<DateTime<Utc>>, Option<Rule>) {
    let Some(naive) = text.and_then(parse_naive) else {
        return (None, Some(Rule::TimeMissing));
    };
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => (Some(t.with_timezone(&Utc)), None),
        LocalResult::Ambiguous(early, _) => {
            (Some(early.with_timezone(&Utc)), Some(Rule::TimeAmbiguous))
        }
        LocalResult::None => {
            // In a gap (clocks went forward): the same wall-clock time read with the offset before the change,
            // i.e. moved forward by the gap.
            let before = naive - chrono::Duration::hours(3);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(*t.offset()),
                LocalResult::None => None,
            };
            match offset {
                Some(o) => {
                    use chrono::Offset;
                    let utc =
                        naive - chrono::Duration::seconds(i64::from(o.fix().local_minus_utc()));
                    (Some(Utc.from_utc_datetime(&utc)), Some(Rule::TimeInDstGap))
                }
                None => (None, Some(Rule::TimeMissing)),
            }
        }
    }
}

/// A UTC time as Flicket wrote it (token expiry only; not imported) — or any time text, parsed leniently:
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, with `T` or a space, with or without seconds.
pub fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

/// Text cut to at most `max` characters (never inside a character).
pub fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// A name within `min..=max` characters: trimmed, control characters removed; empty → `fallback`; too short →
/// completed with `fallback`; too long → cut. `Some(Rule::NameFitted)` when it changed.
pub fn fit_name(
    raw: Option<&str>,
    min: usize,
    max: usize,
    fallback: &str,
) -> (String, Option<Rule>) {
    let original = raw.unwrap_or("");
    let cleaned: String = original.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    let mut name = if trimmed.is_empty() {
        fallback.to_owned()
    } else if trimmed.chars().count() < min {
        format!("{trimmed} {fallback}")
    } else {
        trimmed.to_owned()
    };
    name = cut(&name, max).trim_end().to_owned();
    while name.chars().count() < min {
        name.push('_');
    }
    let rule = (name != original).then_some(Rule::NameFitted);
    (name, rule)
}

/// Whether an email is usable: one `@` with text on both sides, no spaces or control characters (a domain without
/// a dot, such as Flicket's own `admin@localhost`, is kept).
pub fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The address kept for a user whose email equals an earlier user's but for case: `local+flicket<id>@domain`.
pub fn tagged_email(email: &str, flicket_id: i64) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{local}+flicket{flicket_id}@{domain}"),
        None => format!("{email}+flicket{flicket_id}@flicket-import.invalid"),
    }
}

/// The address of a user whose email is missing or unusable (the `.invalid` top-level domain never resolves).
pub fn placeholder_email(flicket_id: i64) -> String {
    format!("flicket-user-{flicket_id}@flicket-import.invalid")
}

/// Hours as stored (Numeric(10,2) as text); negative or unreadable → zero.
pub fn hours(text: Option<&str>) -> (Decimal, Option<Rule>) {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => (Decimal::ZERO, None),
        Some(t) => match t.parse::<Decimal>() {
            Ok(h) if h >= Decimal::ZERO && h < Decimal::from(100_000_000) => (h.round_dp(2), None),
            _ => (Decimal::ZERO, Some(Rule::HoursFixed)),
        },
    }
}

/// A ticket body or reply between 5 and 10,000 characters, NUL bytes removed: empty → a placeholder, too short
/// → completed, too long → cut.
pub fn fit_content(raw: Option<&str>, placeholder: &str) -> (String, Option<Rule>) {
    let original = raw.unwrap_or("");
    let text = original.replace('\0', "");
    let fitted = if text.trim().is_empty() {
        placeholder.to_owned()
    } else if text.chars().count() < 5 {
        format!("{text} {placeholder}")
    } else if text.chars().count() > 10_000 {
        cut(&text, 10_000).to_owned()
    } else {
        text
    };
    let rule = (fitted != original).then_some(Rule::ContentFitted);
    (fitted, rule)
}

/// Whether markdown carries raw HTML (rendered through the sanitiser, like any post).
pub fn has_raw_html(markdown: &str) -> bool {
    use pulldown_cmark::{Event, Parser};
    Parser::new(markdown).any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)))
}

/// Flicket's status names → our kinds (by meaning, ignoring case and spacing).
pub fn status_kind(name: &str) -> Option<&'static str> {
    match normalise(name).as_str() {
        "open" => Some("open"),
        "closed" => Some("closed"),
        "inwork" => Some("in_work"),
        "awaitinginformation" => Some("awaiting_information"),
        _ => None,
    }
}

/// Flicket's priority names → our kinds.
pub fn priority_kind(name: &str) -> Option<&'static str> {
    match normalise(name).as_str() {
        "low" => Some("low"),
        "medium" => Some("medium"),
        "high" => Some("high"),
        _ => None,
    }
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A bcrypt hash as Flicket stored it (`$2b$…`, 60 bytes); anything else cannot sign in.
pub fn password_hash(raw: Option<&str>) -> (String, Option<Rule>) {
    match raw.map(str::trim) {
        Some(h) if h.starts_with("$2") && h.len() == 60 => (h.to_owned(), None),
        _ => ("!".to_owned(), Some(Rule::PasswordMissing)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Tz {
        "Europe/Paris".parse().expect("zone")
    }

    #[test]
    fn local_times_become_utc_with_the_dst_rules() {
        let (t, r) = local_time(Some("2021-07-01 12:00:00"), paris());
        assert_eq!(
            t.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-07-01T10:00:00+00:00")
        );
        assert_eq!(r, None);
        // 02:30 on 28 March 2021 does not exist in Paris: 03:30 CEST = 01:30 UTC.
        let (t, r) = local_time(Some("2021-03-28 02:30:00"), paris());
        assert_eq!(
            t.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-28T01:30:00+00:00")
        );
        assert_eq!(r, Some(Rule::TimeInDstGap));
        // 02:30 on 31 October 2021 happened twice: the first (CEST) one.
        let (t, r) = local_time(Some("2021-10-31 02:30:00.250000"), paris());
        assert_eq!(
            t.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-10-31T00:30:00.250+00:00")
        );
        assert_eq!(r, Some(Rule::TimeAmbiguous));
        assert_eq!(local_time(None, paris()), (None, Some(Rule::TimeMissing)));
        assert_eq!(
            local_time(Some("garbage"), paris()),
            (None, Some(Rule::TimeMissing))
        );
    }

    #[test]
    fn names_are_fitted_to_our_limits() {
        assert_eq!(
            fit_name(Some("Design"), 2, 60, "x"),
            ("Design".into(), None)
        );
        assert_eq!(fit_name(None, 3, 32, "user-4").0, "user-4");
        assert_eq!(fit_name(Some("ab"), 3, 32, "user-4").0, "ab user-4");
        assert_eq!(fit_name(Some(&"a".repeat(40)), 3, 32, "x").0.len(), 32);
        assert_eq!(
            fit_name(Some(" Bob\u{7} "), 1, 60, "x"),
            ("Bob".into(), Some(Rule::NameFitted))
        );
    }

    #[test]
    fn content_and_hours_rules() {
        assert_eq!(
            fit_content(Some("hello world"), "(empty)"),
            ("hello world".into(), None)
        );
        assert_eq!(fit_content(None, "(empty)").0, "(empty)");
        assert_eq!(fit_content(Some("ok"), "(empty)").0, "ok (empty)");
        assert_eq!(
            fit_content(Some(&"é".repeat(10_005)), "x")
                .0
                .chars()
                .count(),
            10_000
        );
        assert_eq!(
            fit_content(Some("a\0bcdef"), "x"),
            ("abcdef".into(), Some(Rule::ContentFitted))
        );
        assert_eq!(hours(Some("1.50")), (Decimal::new(150, 2), None));
        assert_eq!(hours(Some("-2")), (Decimal::ZERO, Some(Rule::HoursFixed)));
        assert_eq!(hours(None), (Decimal::ZERO, None));
    }

    #[test]
    fn emails_and_catalog_meanings() {
        assert!(email_ok("a.b@example.com"));
        assert!(!email_ok("nobody"));
        assert!(email_ok("admin@localhost"));
        assert!(!email_ok("@example.com"));
        assert!(!email_ok("a b@example.com"));
        assert_eq!(
            tagged_email("Carol@example.com", 7),
            "Carol+flicket7@example.com"
        );
        assert_eq!(status_kind("In Work"), Some("in_work"));
        assert_eq!(
            status_kind("AWAITING information"),
            Some("awaiting_information")
        );
        assert_eq!(status_kind("On Hold"), None);
        assert_eq!(priority_kind("High"), Some("high"));
        assert!(has_raw_html("hi <b>x</b>"));
        assert!(!has_raw_html("hi **x**"));
        assert_eq!(password_hash(Some("short")).1, Some(Rule::PasswordMissing));
    }
}
