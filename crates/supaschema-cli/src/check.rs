//! `supaschema check`, for CI: `schema.toml` is fully materialized (the next build would
//! write nothing), the migrations folder is consistent, the generated pgTAP tests and
//! data-protection report are current, and, given a database, no applied migration was
//! changed or removed since it was pushed and no rows there break a rule that a pending
//! migration adds. A reverse that is missing or edited is a warning: a push does not need it,
//! but `rollback` stops before its migration.

use crate::finding::{Finding, Kind};
use crate::pending::{self, Pending};
use crate::{DeployError, database, diff, history, local, pgtap, report, row_tests};
use std::io::Write;
use supaschema_build::Project;
use supaschema_build::rollback::{self, NoReverse};

/// Everything `check` found; empty means exit 0.
pub type Findings = Vec<Finding>;

/// Runs every check. `Err` is reserved for problems that stop the check itself (a schema that
/// does not parse, an unreadable file, an unreachable database): exit 2.
pub fn run(project: &Project, db_url: Option<&str>, err: &mut dyn Write) -> Result<Findings, DeployError> {
    let mut findings = Findings::new();

    match diff::planned(project) {
        Ok(files) => {
            for file in files {
                let relative = file.path.strip_prefix(&project.root).unwrap_or(&file.path);
                let action = if file.path.exists() { "rewrite" } else { "write" };
                findings.push(Finding::new(
                    Kind::UnbuiltChange,
                    relative.display().to_string(),
                    format!(
                        "schema.toml has changes that no migration holds yet: the next build would {action} {}\n\
                         help: run `cargo build` and commit the result (`supaschema diff` shows it)",
                        relative.display()
                    ),
                ));
            }
        }
        Err(DeployError::Generator(error)) if stops_the_check(&error) => return Err(DeployError::Generator(error)),
        // The generator refusing the migrations it found (an edited migration, an inconsistent
        // lock file) is a finding, not a usage error.
        Err(DeployError::Generator(error)) => findings.push(Finding::new(
            Kind::RefusedMigrations,
            project.relative(&project.migrations_dir),
            error.to_string(),
        )),
        Err(other) => return Err(other),
    }
    // Refused migrations were reported above; their reverses cannot be read past them.
    if !findings.iter().any(|f| f.kind == Kind::RefusedMigrations) {
        findings.extend(reverse_findings(project)?);
    }

    let listed = local::list(&project.migrations_dir)?;
    for warning in &listed.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    for version in local::duplicate_versions(&listed.migrations) {
        let files: Vec<String> = listed
            .migrations
            .iter()
            .filter(|m| m.version == version)
            .map(|m| m.display_path())
            .collect();
        let detail = format!(
            "version {version} is used by more than one file ({}); the second would fail to push\n\
             help: give one of them a later version",
            files.join(", ")
        );
        findings.push(Finding::new(Kind::DuplicateVersion, version, detail));
    }

    if pgtap::has_generated_tests(project)? {
        for stale in pgtap::stale_files(project)? {
            let detail = format!(
                "the generated pgTAP test {stale} is out of date\nhelp: run `supaschema pgtap` and commit the result"
            );
            findings.push(Finding::new(Kind::StaleTest, stale, detail));
        }
    }

    if report::is_generated(project)
        && let Some(stale) = report::stale(project)?
    {
        let detail = format!(
            "the data-protection report {stale} is out of date\nhelp: run `supaschema report` and commit the result"
        );
        findings.push(Finding::new(Kind::StaleReport, stale, detail));
    }

    if let Some(url) = db_url {
        let mut client = database::connect(url)?;
        let history = history::rows(&mut client)?;
        match &history {
            None => {
                let _ = writeln!(err, "The database has no migration history yet; nothing to compare.");
            }
            Some(rows) => {
                for row in rows {
                    match listed.migrations.iter().find(|m| m.version == row.version) {
                        None => findings.push(Finding::new(
                            Kind::AppliedWithoutFile,
                            row.version.clone(),
                            format!(
                                "version {} is applied on the database but has no file in supabase/migrations/\n\
                                 help: restore the file from version control, or `supabase migration repair --status reverted {}`",
                                row.version, row.version
                            ),
                        )),
                        Some(migration) => {
                            if migration.statements()? != row.statements {
                                findings.push(Finding::new(
                                    Kind::EditedAfterApply,
                                    migration.display_path(),
                                    format!(
                                        "{} was changed after it was applied: its statements differ from those \
                                         recorded in supabase_migrations.schema_migrations\n\
                                         help: restore the applied version from version control and put the \
                                         change into a new migration",
                                        migration.display_path()
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        }
        let applied: Vec<String> = history.iter().flatten().map(|row| row.version.clone()).collect();
        let pending = match pending::find(&listed.migrations, &applied) {
            Pending::Ready(files) | Pending::OutOfOrder { include_all: files, .. } => files,
            Pending::RemoteMissingLocally(_) => Vec::new(),
        };
        findings.extend(row_tests::run(&mut client, &pending, err)?);
    }
    Ok(findings)
}

/// A warning for each generated change whose reverse the lock records but is gone or edited.
fn reverse_findings(project: &Project) -> Result<Findings, DeployError> {
    let mut findings = Findings::new();
    for change in rollback::changes(project)? {
        let Err(why) = &change.reverse else { continue };
        let (kind, file, reverse) = match why {
            NoReverse::Missing { file, reverse } => (Kind::MissingReverse, file, reverse),
            NoReverse::Edited { file, reverse } => (Kind::EditedReverse, file, reverse),
            // As the lock records them: there is nothing to restore.
            NoReverse::Older { .. } | NoReverse::Irreversible { .. } => continue,
        };
        let detail = format!(
            "{why}\nhelp: {}; until then `supaschema rollback` stops before {file}",
            why.help()
        );
        findings.push(Finding::new(kind, reverse.clone(), detail));
    }
    Ok(findings)
}

/// Generator errors that mean the check could not run: a broken `schema.toml` or template, or
/// a file that cannot be read or written.
fn stops_the_check(error: &supaschema_build::Error) -> bool {
    matches!(
        error,
        supaschema_build::Error::Schema(_)
            | supaschema_build::Error::Read { .. }
            | supaschema_build::Error::Write { .. }
            | supaschema_build::Error::Template { .. }
    )
}
