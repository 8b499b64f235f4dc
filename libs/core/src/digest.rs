//! The outstanding-ticket digest: its schedule (a cron expression and a time zone from the settings) and its periods.
//!
//! A period is named after the scheduled instant it belongs to, in UTC (`2026-11-30T07:00Z`). Running a period is
//! idempotent: the period is claimed with a unique row and each user's email is an outbox row keyed
//! `digest:{period}:{user_id}`, so replicas, restarts and re-runs never send a second digest for the same period.

use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not a 5- or 6-field cron expression.
    #[error("invalid cron expression: {0}")]
    Cron(String),
    /// Not an IANA time zone name.
    #[error("unknown time zone: {0}")]
    TimeZone(String),
}

/// A parsed digest schedule.
#[derive(Debug, Clone)]
pub struct DigestSchedule {
    schedule: cron::Schedule,
    tz: Tz,
}

impl DigestSchedule {
    /// Parses a standard 5-field expression (`min hour dom mon dow`) or a 6-field one with seconds first, and an
    /// IANA time zone (`Europe/Paris`, `UTC`).
    pub fn parse(expr: &str, tz: &str) -> Result<Self, ScheduleError> {
        let mut fields: Vec<String> = expr.split_whitespace().map(str::to_owned).collect();
        match fields.len() {
            5 => fields.insert(0, "0".to_owned()),
            6 => {}
            _ => return Err(ScheduleError::Cron(expr.to_owned())),
        }
        fields[5] = standard_day_of_week(&fields[5]);
        let normalised = fields.join(" ");
        let schedule = cron::Schedule::from_str(&normalised)
            .map_err(|e| ScheduleError::Cron(format!("{expr}: {e}")))?;
        let tz = Tz::from_str(tz.trim()).map_err(|_| ScheduleError::TimeZone(tz.to_owned()))?;
        Ok(Self { schedule, tz })
    }

    /// The latest scheduled instant at or before `now`.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let probe = self
            .tz
            .from_utc_datetime(&(now + Duration::seconds(1)).naive_utc());
        self.schedule
            .after(&probe)
            .next_back()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The next scheduled instant after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let probe = self.tz.from_utc_datetime(&now.naive_utc());
        self.schedule
            .after(&probe)
            .next()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Rewrites a standard cron day-of-week field (0 or 7 = Sunday, 1 = Monday …) with day names, because the `cron`
/// crate numbers days from 1 = Sunday.
fn standard_day_of_week(field: &str) -> String {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let name = |n: &str| {
        n.parse::<usize>()
            .ok()
            .and_then(|i| NAMES.get(i))
            .map(|s| (*s).to_owned())
    };
    field
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (part, None),
            };
            let range = match range.split_once('-') {
                // `5-7` (Friday to Sunday) would run backwards in the crate's numbering.
                Some((a, "7")) => match name(a) {
                    Some(a) => format!("{a}-SAT,SUN"),
                    None => range.to_owned(),
                },
                Some((a, b)) => match (name(a), name(b)) {
                    (Some(a), Some(b)) => format!("{a}-{b}"),
                    _ => range.to_owned(),
                },
                None => name(range).unwrap_or_else(|| range.to_owned()),
            };
            match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The key of the period that starts at `at` (minute precision, UTC).
pub fn period_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// Checks a period key given on the command line (letters, digits, `-`, `:`, `T`, `Z`, `_`, at most 64).
pub fn valid_period_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-:_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn five_and_six_fields_are_accepted() {
        assert!(DigestSchedule::parse("0 7 * * 1", "UTC").is_ok());
        assert!(DigestSchedule::parse("30 0 7 * * Mon", "UTC").is_ok());
        assert!(DigestSchedule::parse("0 7 * *", "UTC").is_err());
        assert!(DigestSchedule::parse("not a cron at all x", "UTC").is_err());
        assert!(matches!(
            DigestSchedule::parse("0 7 * * 1", "Mars/Olympus"),
            Err(ScheduleError::TimeZone(_))
        ));
    }

    #[test]
    fn days_of_the_week_are_numbered_as_in_standard_cron() {
        assert_eq!(standard_day_of_week("1"), "MON");
        assert_eq!(standard_day_of_week("0"), "SUN");
        assert_eq!(standard_day_of_week("7"), "SUN");
        assert_eq!(standard_day_of_week("1-5"), "MON-FRI");
        assert_eq!(standard_day_of_week("5-7"), "FRI-SAT,SUN");
        assert_eq!(standard_day_of_week("*"), "*");
        assert_eq!(standard_day_of_week("Mon,3"), "Mon,WED");
        let monday = DigestSchedule::parse("0 7 * * 1", "UTC").unwrap();
        assert_eq!(
            monday.latest_at_or_before(utc("2026-12-01T00:00:00Z")),
            Some(utc("2026-11-30T07:00:00Z"))
        );
        let weekend = DigestSchedule::parse("0 7 * * 6,0", "UTC").unwrap();
        assert_eq!(
            weekend.latest_at_or_before(utc("2026-12-01T00:00:00Z")),
            Some(utc("2026-11-29T07:00:00Z"))
        );
    }

    #[test]
    fn the_latest_period_is_found_in_the_schedules_time_zone() {
        // Mondays 07:00 in Paris = 06:00 UTC in winter.
        let s = DigestSchedule::parse("0 7 * * Mon", "Europe/Paris").unwrap();
        let now = utc("2026-11-30T06:00:30Z"); // Monday 07:00:30 in Paris
        assert_eq!(
            s.latest_at_or_before(now),
            Some(utc("2026-11-30T06:00:00Z"))
        );
        assert_eq!(
            s.latest_at_or_before(utc("2026-11-30T05:59:59Z")),
            Some(utc("2026-11-23T06:00:00Z"))
        );
        assert_eq!(
            s.latest_at_or_before(utc("2026-11-30T06:00:00Z")),
            Some(utc("2026-11-30T06:00:00Z"))
        );
        assert_eq!(s.next_after(now), Some(utc("2026-12-07T06:00:00Z")));
        assert_eq!(period_key(utc("2026-11-30T06:00:00Z")), "2026-11-30T06:00Z");
    }

    #[test]
    fn period_keys_from_the_command_line_are_checked() {
        assert!(valid_period_key("2026-11-30T06:00Z"));
        assert!(valid_period_key("manual-1"));
        assert!(!valid_period_key("a b"));
        assert!(!valid_period_key(""));
        assert!(!valid_period_key(&"x".repeat(65)));
    }
}
