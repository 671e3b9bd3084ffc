//! `supaschema push`: applies pending migrations like `supabase db push`. Each file runs in one
//! transaction together with its history row; the transaction first takes an advisory lock
//! and re-reads the history, so two pushes at once apply every migration once.

use crate::finding::{self, Finding, Kind};
use crate::history::{self, PUSH_LOCK_KEY};
use crate::local::{self, LocalMigration};
use crate::pending::{self, Pending};
use crate::{DeployError, database};
use std::io::Write;
use supaschema_build::Project;

#[derive(Clone, Debug, Default)]
pub struct PushOptions {
    pub dry_run: bool,
    pub include_all: bool,
    /// With `dry_run`: print the pending migrations as findings in JSON.
    pub json: bool,
}

/// What a push did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Versions this run applied.
    pub applied: Vec<String>,
    /// Versions another push applied while this one waited for the lock.
    pub skipped: Vec<String>,
    /// Versions a dry run would apply.
    pub would_apply: Vec<String>,
}

/// A migration ready to run: its file and its statements as the CLI splits them.
struct Planned<'a> {
    migration: &'a LocalMigration,
    statements: Vec<String>,
}

pub fn run(
    project: &Project,
    url: &str,
    options: &PushOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<PushReport, DeployError> {
    // The build refuses edited, missing or unrecorded generated migrations; push refuses them
    // too, before it connects, so what is deployed is always what was generated.
    supaschema_build::verify_history(project).map_err(DeployError::TamperedMigrations)?;
    let listed = local::list(&project.migrations_dir)?;
    for warning in &listed.warnings {
        let _ = writeln!(err, "{warning}");
    }
    let mut client = database::connect(url)?;
    let remote = history::applied_versions(&mut client)?.unwrap_or_default();
    let pending = match pending::find(&listed.migrations, &remote) {
        Pending::Ready(files) => files,
        Pending::RemoteMissingLocally(versions) => return Err(DeployError::RemoteVersionsMissingLocally { versions }),
        Pending::OutOfOrder {
            out_of_order,
            include_all,
        } => {
            if !options.include_all {
                return Err(DeployError::OutOfOrder {
                    paths: out_of_order.iter().map(|m| m.display_path()).collect(),
                });
            }
            include_all
        }
    };
    let mut report = PushReport::default();
    if pending.is_empty() && !(options.dry_run && options.json) {
        let _ = writeln!(out, "Remote database is up to date.");
        return Ok(report);
    }
    // Read and check every file before touching the database: a file that cannot run in a
    // transaction stops the push before anything is applied.
    let mut planned = Vec::new();
    for migration in pending {
        let statements = migration.statements()?;
        if let Some((index, keyword, help)) = statements
            .iter()
            .enumerate()
            .find_map(|(i, s)| not_transactional(s).map(|(k, h)| (i, k, h)))
        {
            return Err(DeployError::NotTransactional {
                file: migration.display_path(),
                index,
                keyword,
                help,
            });
        }
        planned.push(Planned { migration, statements });
    }
    if options.dry_run {
        report.would_apply = planned.iter().map(|f| f.migration.version.clone()).collect();
        if options.json {
            let findings: Vec<Finding> = planned
                .iter()
                .map(|f| {
                    let detail = format!("would apply {}", f.migration.display_path());
                    Finding::new(Kind::Pending, f.migration.version.clone(), detail)
                })
                .collect();
            let _ = writeln!(out, "{}", finding::to_json(&findings));
            return Ok(report);
        }
        let _ = writeln!(out, "Would push these migrations:");
        for file in &planned {
            let _ = writeln!(out, " • {}", file.migration.file_name);
        }
        return Ok(report);
    }
    history::ensure_table(&mut client)
        .map_err(|e| DeployError::database("cannot create supabase_migrations.schema_migrations", &e))?;
    for file in &planned {
        let migration = file.migration;
        client
            .batch_execute("RESET ALL")
            .map_err(|e| DeployError::database("cannot reset the session", &e))?;
        let mut tx = client
            .transaction()
            .map_err(|e| DeployError::database("cannot begin a transaction", &e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK_KEY])
            .map_err(|e| DeployError::database("cannot take the push lock", &e))?;
        let applied_now = history::applied_versions(&mut tx)?.unwrap_or_default();
        if applied_now.contains(&migration.version) {
            let _ = writeln!(
                out,
                "Skipping migration {}... (another push applied it meanwhile)",
                migration.file_name
            );
            report.skipped.push(migration.version.clone());
            continue;
        }
        let _ = writeln!(out, "Applying migration {}...", migration.file_name);
        for (index, statement) in file.statements.iter().enumerate() {
            if let Err(error) = tx.batch_execute(statement) {
                let failure = crate::database::DbFailure::from(&error);
                let _ = tx.rollback();
                return Err(DeployError::MigrationFailed {
                    file: migration.display_path(),
                    index,
                    statement: statement.clone(),
                    failure,
                });
            }
        }
        history::insert(&mut tx, &migration.version, &migration.name, &file.statements)
            .map_err(|e| DeployError::database(format!("cannot record {} in the history", migration.file_name), &e))?;
        tx.commit()
            .map_err(|e| DeployError::database(format!("cannot commit {}", migration.file_name), &e))?;
        report.applied.push(migration.version.clone());
    }
    let _ = writeln!(out, "Finished supaschema push.");
    Ok(report)
}

/// Statements that cannot run inside the one transaction push wraps a file in: transaction
/// control (which makes the CLI run the file statement by statement, without atomicity) and
/// commands PostgreSQL refuses inside a transaction block. Returns the keyword and a fix.
pub fn not_transactional(statement: &str) -> Option<(String, &'static str)> {
    let words = leading_words(statement, 4);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let first = word(0);
    const TRANSACTION_HELP: &str = "remove BEGIN/COMMIT: push already runs each file in one transaction";
    const OWN_FILE_HELP: &str = "run it outside push (psql), or with `supabase db push`, which commits it on its own";
    match first {
        "BEGIN" | "COMMIT" | "END" | "ABORT" => Some((first.to_owned(), TRANSACTION_HELP)),
        "START" if word(1) == "TRANSACTION" => Some(("START TRANSACTION".into(), TRANSACTION_HELP)),
        "PREPARE" if word(1) == "TRANSACTION" => Some(("PREPARE TRANSACTION".into(), TRANSACTION_HELP)),
        "ROLLBACK" if word(1) != "TO" => Some(("ROLLBACK".into(), TRANSACTION_HELP)),
        "VACUUM" | "CLUSTER" => Some((first.to_owned(), OWN_FILE_HELP)),
        "ALTER" if word(1) == "SYSTEM" => Some(("ALTER SYSTEM".into(), OWN_FILE_HELP)),
        "CREATE" | "DROP" if matches!(word(1), "DATABASE" | "TABLESPACE" | "SUBSCRIPTION") => {
            Some((format!("{first} {}", word(1)), OWN_FILE_HELP))
        }
        "CREATE" | "DROP" | "REINDEX" if words.iter().any(|w| w == "CONCURRENTLY") => {
            Some((format!("{first} … CONCURRENTLY"), OWN_FILE_HELP))
        }
        _ => None,
    }
}

/// The first `count` words of a statement, upper-cased, skipping comments.
fn leading_words(statement: &str, count: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = statement;
    while words.len() < count {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
            continue;
        }
        if rest.starts_with("/*") {
            rest = skip_block_comment(rest);
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        words.push(rest[..end].to_ascii_uppercase());
        rest = &rest[end..];
    }
    words
}

fn skip_block_comment(text: &str) -> &str {
    let mut depth = 0usize;
    let mut index = 0;
    let bytes = text.as_bytes();
    while index + 1 < bytes.len() {
        match (bytes[index], bytes[index + 1]) {
            (b'/', b'*') => {
                depth += 1;
                index += 2;
            }
            (b'*', b'/') => {
                depth = depth.saturating_sub(1);
                index += 2;
                if depth == 0 {
                    return &text[index..];
                }
            }
            _ => index += 1,
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statements_that_cannot_run_in_a_transaction() {
        for statement in [
            "begin",
            "-- note\nCOMMIT",
            "start transaction isolation level serializable",
            "rollback",
            "create index concurrently i on t (a)",
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)",
            "drop index concurrently i",
            "/* x /* y */ */ vacuum t",
            "alter system set work_mem = '1MB'",
            "create database other",
        ] {
            assert!(not_transactional(statement).is_some(), "{statement}");
        }
        for statement in [
            "rollback to savepoint a",
            "create table t (concurrently int)",
            "create function f() returns int language sql begin atomic select 1; end",
            "select 1",
            "",
        ] {
            assert!(not_transactional(statement).is_none(), "{statement}");
        }
    }
}
