//! What an import did: rows per table, how often each rule for messy data applied, and the problems met.

use std::collections::BTreeMap;

use serde::Serialize;

/// A Flicket table the import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// `flicket_config`.
    Config,
    /// `flicket_group`.
    Groups,
    /// `flicket_users`.
    Users,
    /// `flicket_groups` (memberships).
    Memberships,
    /// `flicket_department`.
    Departments,
    /// `flicket_category`.
    Categories,
    /// `flicket_status`.
    Statuses,
    /// `flicket_priorities`.
    Priorities,
    /// `flicket_topic`.
    Tickets,
    /// `flicket_post`.
    Posts,
    /// `flicket_uploads`.
    Uploads,
    /// `flicket_history`.
    History,
    /// `flicket_ticket_subscription`.
    Subscriptions,
    /// `flicket_ticket_action`.
    Actions,
}

impl Table {
    /// Every table, in the order they are imported.
    pub const ALL: [Table; 14] = [
        Table::Config,
        Table::Groups,
        Table::Users,
        Table::Memberships,
        Table::Departments,
        Table::Categories,
        Table::Statuses,
        Table::Priorities,
        Table::Tickets,
        Table::Posts,
        Table::Uploads,
        Table::History,
        Table::Subscriptions,
        Table::Actions,
    ];

    /// The Flicket table's name.
    pub fn source_name(self) -> &'static str {
        match self {
            Table::Config => "flicket_config",
            Table::Groups => "flicket_group",
            Table::Users => "flicket_users",
            Table::Memberships => "flicket_groups",
            Table::Departments => "flicket_department",
            Table::Categories => "flicket_category",
            Table::Statuses => "flicket_status",
            Table::Priorities => "flicket_priorities",
            Table::Tickets => "flicket_topic",
            Table::Posts => "flicket_post",
            Table::Uploads => "flicket_uploads",
            Table::History => "flicket_history",
            Table::Subscriptions => "flicket_ticket_subscription",
            Table::Actions => "flicket_ticket_action",
        }
    }
}

/// A stated rule for messy data; each application is counted. The fluent id of its sentence is
/// `import-rule-<kebab name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A local time that does not exist (clocks went forward): moved forward by the gap.
    TimeInDstGap,
    /// A local time that happened twice (clocks went back): the earlier of the two.
    TimeAmbiguous,
    /// A missing or unreadable time: taken from the row it belongs to, else the time of the import.
    TimeMissing,
    /// A group named like another (ignoring case): merged into the first.
    GroupDuplicateMerged,
    /// A name that was empty, too short or too long for our limits: completed or shortened.
    NameFitted,
    /// A membership listed twice: kept once.
    MembershipDuplicate,
    /// A membership of a user or group that no longer exists: skipped.
    MembershipOrphan,
    /// A user name used twice (ignoring case): a number appended to the later one.
    UsernameDuplicate,
    /// An email equal to an earlier user's but for case: tagged `+flicket<id>` to keep both accounts.
    EmailCaseDuplicate,
    /// A missing or unusable email: an `.invalid` address (no email is ever sent to it).
    EmailMissing,
    /// No password hash: the account signs in only after a password reset.
    PasswordMissing,
    /// `--merge`: matched by email to an existing account of ours.
    UserMatchedByEmail,
    /// A missing or unknown language: English.
    LocaleDefaulted,
    /// A department, category, status or priority matched to one of ours by name or meaning.
    CatalogMatched,
    /// A status or priority Flicket had and we did not: created.
    CatalogCreated,
    /// A category named like one in another department: kept apart, in its own department.
    CategorySameNameElsewhere,
    /// A category whose department no longer exists, or a ticket without category: filed under «Flicket import /
    /// Uncategorised».
    CategoryMissing,
    /// A ticket without status: Open.
    StatusMissing,
    /// A ticket without priority: medium.
    PriorityMissing,
    /// A ticket or reply whose author no longer exists: attributed to the disabled account `flicket-deleted-user`.
    AuthorMissing,
    /// An assignee or editor that no longer exists: left empty.
    UserReferenceMissing,
    /// A body that was empty or too short: a placeholder; too long: cut at our limit.
    ContentFitted,
    /// Markdown with raw HTML: rendered through the sanitiser like any new post.
    RawHtmlSanitised,
    /// Negative or unreadable hours: zero.
    HoursFixed,
    /// A reply of a ticket that no longer exists: kept on the ticket «Replies of deleted Flicket tickets».
    PostOrphanRecovered,
    /// An attachment, edit history row, subscription or action of a ticket or reply that no longer exists: skipped.
    OrphanSkipped,
    /// A subscription listed twice: kept once.
    SubscriptionDuplicate,
    /// A subscription or action naming a user who no longer exists: skipped or left without that user.
    UserOrphanSkipped,
    /// An action of the old model (boolean columns): converted.
    ActionOldModel,
    /// Flicket's legacy `open` action: our «opened».
    ActionLegacyOpen,
    /// An action we do not know: skipped.
    ActionUnknown,
    /// An attachment whose file is not in the uploads folder: skipped (listed as a problem).
    UploadFileMissing,
    /// An avatar whose file is missing or is not a PNG, JPEG, GIF or WebP image: no avatar.
    AvatarSkipped,
    /// A setting outside our limits: brought within them.
    SettingFitted,
    /// The SMTP password: stored encrypted.
    SmtpPasswordEncrypted,
    /// `--merge`: our own settings are kept, Flicket's are not imported.
    SettingsKept,
}

impl Rule {
    /// The fluent id of the rule's sentence.
    pub fn message_id(self) -> String {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("import-rule-{}", name.replace('_', "-"))
    }
}

/// Counts for one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableCount {
    /// Rows read from Flicket.
    pub read: u64,
    /// Rows written (or, in a dry run, that would be).
    pub imported: u64,
    /// Rows an earlier run already imported.
    pub already: u64,
    /// Rows not imported, each by a rule.
    pub skipped: u64,
}

/// One problem, named by table and Flicket id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where.
    pub table: Table,
    /// The Flicket row's id (0 when it has none).
    pub flicket_id: i64,
    /// The rule that handled it.
    pub rule: Rule,
    /// A detail (a file name, a value).
    pub detail: String,
}

/// At most this many problems are listed; the counts stay exact.
pub const MAX_PROBLEMS_LISTED: usize = 500;

/// The report of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Per table.
    pub tables: BTreeMap<Table, TableCount>,
    /// How often each rule applied.
    pub rules: BTreeMap<Rule, u64>,
    /// The problems worth a look (missing files, cut texts …), at most [`MAX_PROBLEMS_LISTED`].
    pub problems: Vec<Problem>,
    /// Problems not listed because the list was full.
    pub problems_unlisted: u64,
    /// Whether nothing was written.
    pub dry_run: bool,
}

impl Report {
    /// The counts of a table.
    pub fn table(&mut self, table: Table) -> &mut TableCount {
        self.tables.entry(table).or_default()
    }

    /// Counts one application of a rule.
    pub fn rule(&mut self, rule: Rule) {
        *self.rules.entry(rule).or_default() += 1;
    }

    /// How often a rule applied.
    pub fn count(&self, rule: Rule) -> u64 {
        self.rules.get(&rule).copied().unwrap_or(0)
    }

    /// Counts a rule and lists the row as a problem.
    pub fn problem(
        &mut self,
        table: Table,
        flicket_id: i64,
        rule: Rule,
        detail: impl Into<String>,
    ) {
        self.rule(rule);
        if self.problems.len() < MAX_PROBLEMS_LISTED {
            self.problems.push(Problem {
                table,
                flicket_id,
                rule,
                detail: detail.into(),
            });
        } else {
            self.problems_unlisted += 1;
        }
    }

    /// Rows written over every table.
    pub fn imported(&self) -> u64 {
        self.tables.values().map(|c| c.imported).sum()
    }
}

impl Report {
    /// The report as text for a terminal, in `locale`: a table of counts, the rules applied, the problems.
    pub fn render(&self, locale: crate::Locale, source: &str) -> String {
        use crate::i18n::FluentArgs;
        use std::fmt::Write;
        let mut out = String::new();
        let mut args = FluentArgs::new();
        args.set("source", source.to_owned());
        let _ = writeln!(out, "{}", locale.t_args("import-report-title", &args));
        if self.dry_run {
            let _ = writeln!(out, "{}", locale.t("import-report-dry-run"));
        }
        let _ = writeln!(
            out,
            "\n{:<30}{:>10}{:>10}{:>10}{:>10}",
            "",
            locale.t("import-report-read"),
            locale.t("import-report-imported"),
            locale.t("import-report-already"),
            locale.t("import-report-skipped")
        );
        for (table, c) in &self.tables {
            let _ = writeln!(
                out,
                "{:<30}{:>10}{:>10}{:>10}{:>10}",
                table.source_name(),
                c.read,
                c.imported,
                c.already,
                c.skipped
            );
        }
        let _ = writeln!(out, "\n{}", locale.t("import-report-rules"));
        if self.rules.is_empty() {
            let _ = writeln!(out, "  {}", locale.t("import-report-no-rules"));
        }
        for (rule, n) in &self.rules {
            let _ = writeln!(out, "  {n:>7}  {}", locale.t(&rule.message_id()));
        }
        if !self.problems.is_empty() {
            let mut args = FluentArgs::new();
            args.set("count", self.problems.len() as u64 + self.problems_unlisted);
            let _ = writeln!(out, "\n{}", locale.t_args("import-report-problems", &args));
            for p in &self.problems {
                let mut args = FluentArgs::new();
                args.set("table", p.table.source_name());
                args.set("id", p.flicket_id);
                args.set("rule", locale.t(&p.rule.message_id()));
                args.set("detail", p.detail.clone());
                let _ = writeln!(out, "  {}", locale.t_args("import-problem", &args));
            }
            if self.problems_unlisted > 0 {
                let mut args = FluentArgs::new();
                args.set("count", self.problems_unlisted);
                let _ = writeln!(out, "  {}", locale.t_args("import-report-unlisted", &args));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_have_kebab_message_ids() {
        assert_eq!(
            Rule::EmailCaseDuplicate.message_id(),
            "import-rule-email-case-duplicate"
        );
        assert_eq!(
            Rule::TimeInDstGap.message_id(),
            "import-rule-time-in-dst-gap"
        );
    }

    #[test]
    fn every_rule_has_a_sentence_in_both_languages() {
        use crate::Locale;
        let all = [
            Rule::TimeInDstGap,
            Rule::TimeAmbiguous,
            Rule::TimeMissing,
            Rule::GroupDuplicateMerged,
            Rule::NameFitted,
            Rule::MembershipDuplicate,
            Rule::MembershipOrphan,
            Rule::UsernameDuplicate,
            Rule::EmailCaseDuplicate,
            Rule::EmailMissing,
            Rule::PasswordMissing,
            Rule::UserMatchedByEmail,
            Rule::LocaleDefaulted,
            Rule::CatalogMatched,
            Rule::CatalogCreated,
            Rule::CategorySameNameElsewhere,
            Rule::CategoryMissing,
            Rule::StatusMissing,
            Rule::PriorityMissing,
            Rule::AuthorMissing,
            Rule::UserReferenceMissing,
            Rule::ContentFitted,
            Rule::RawHtmlSanitised,
            Rule::HoursFixed,
            Rule::PostOrphanRecovered,
            Rule::OrphanSkipped,
            Rule::SubscriptionDuplicate,
            Rule::UserOrphanSkipped,
            Rule::ActionOldModel,
            Rule::ActionLegacyOpen,
            Rule::ActionUnknown,
            Rule::UploadFileMissing,
            Rule::AvatarSkipped,
            Rule::SettingFitted,
            Rule::SmtpPasswordEncrypted,
            Rule::SettingsKept,
        ];
        for rule in all {
            for locale in [Locale::En, Locale::Fr] {
                assert!(locale.has(&rule.message_id()), "{rule:?} in {locale:?}");
            }
        }
        let mut r = Report::default();
        r.table(Table::Tickets).read = 3;
        r.problem(Table::Uploads, 9, Rule::UploadFileMissing, "ab12cd34.png");
        let text = r.render(Locale::Fr, "sqlite:///srv/flicket.db");
        assert!(text.contains("flicket_topic"), "{text}");
        assert!(text.contains("flicket_uploads n° 9"), "{text}");
        assert!(text.contains("ab12cd34.png"), "{text}");
    }

    #[test]
    fn the_problem_list_is_capped_but_counted() {
        let mut r = Report::default();
        for i in 0..(MAX_PROBLEMS_LISTED as i64 + 3) {
            r.problem(Table::Uploads, i, Rule::UploadFileMissing, "x");
        }
        assert_eq!(r.problems.len(), MAX_PROBLEMS_LISTED);
        assert_eq!(r.problems_unlisted, 3);
        assert_eq!(
            r.count(Rule::UploadFileMissing),
            MAX_PROBLEMS_LISTED as u64 + 3
        );
    }
}
