//! What `check`, `drift`, `status` and `push --dry-run` report, as data: a stable kind, how
//! much it matters, the object it is about and a sentence for people. Printed as the sentence,
//! or with `--json` as `{"findings": [{"kind", "severity", "object", "detail"}]}`.

use serde::Serialize;
use std::fmt;

/// What a finding says about its object. Serialized in snake_case; the names are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `check`: `schema.toml` has changes no migration holds; the object is the file the next
    /// build would write.
    UnbuiltChange,
    /// `check`: the generator refuses the migrations it found (an edited or unrecorded
    /// generated migration, a broken lock).
    RefusedMigrations,
    /// `check`: two files share a version.
    DuplicateVersion,
    /// `check`: a generated pgTAP test is out of date.
    StaleTest,
    /// `check`: the generated data-protection report is out of date.
    StaleReport,
    /// `check`: a version is applied but has no file.
    AppliedWithoutFile,
    /// `check`: an applied file's statements differ from the recorded ones.
    EditedAfterApply,
    /// `check`: rows of the database break a rule that a pending migration adds, so its push
    /// would fail; the object is the file.
    RowsBreakMigration,
    /// `check`, a warning: the reverse the lock records for a generated migration is gone;
    /// the object is the reverse's file.
    MissingReverse,
    /// `check`, a warning: a reverse's checksum differs from the lock's; the object is its file.
    EditedReverse,
    /// `drift`: `schema.toml` has the object, the database does not.
    Missing,
    /// `drift`: the database has the object, `schema.toml` does not.
    Unexpected,
    /// `drift`: both have it, differently.
    Different,
    /// `status`, `push --dry-run`: a local migration not applied yet.
    Pending,
    /// `status`: an applied version with no local file (push refuses).
    RemoteOnly,
    /// `status`: a pending file older than the newest applied one (push needs --include-all).
    OutOfOrder,
}

impl Kind {
    pub fn severity(self) -> Severity {
        match self {
            Kind::MissingReverse | Kind::EditedReverse => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// An error fails the command (exit 1). A warning is printed and fails nothing: it is about
/// what no push needs, only a later `rollback`, so it must not stop a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The kind's: serialized so a script need not know every kind.
    pub severity: Severity,
    /// What it is about: a file (`supabase/migrations/…`), a version, or a database object as
    /// `<type> <name>` (`table tasks`, `column tasks.title`, `policy tasks.owner_select`,
    /// `grant tasks to anon`, `function touch_updated_at`).
    pub object: String,
    pub detail: String,
}

impl Finding {
    pub fn new(kind: Kind, object: impl Into<String>, detail: impl Into<String>) -> Finding {
        Finding {
            kind,
            severity: kind.severity(),
            object: object.into(),
            detail: detail.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.detail)
    }
}

/// The `--json` form: one object holding every finding.
pub fn to_json(findings: &[Finding]) -> String {
    serde_json::json!({ "findings": findings }).to_string()
}
