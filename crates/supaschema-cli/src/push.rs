//! `supaschema push`: applies pending migrations like `supabase db push`, each file as the CLI
//! runs it ([`file_mode`]): normally in one transaction together with its history row. Each
//! file is applied under an advisory lock after re-reading the history, so two pushes at once
//! apply every migration once.

use crate::database::DbFailure;
use crate::file_mode::{self, Step};
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

/// A migration ready to run: its file, its statements as the CLI splits them, and how the
/// CLI runs them.
struct Planned<'a> {
    migration: &'a LocalMigration,
    statements: Vec<String>,
    plan: file_mode::Plan,
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
    // Read every file before touching the database.
    let mut planned = Vec::new();
    for migration in pending {
        let text = migration.read()?;
        let statements = crate::split::split_and_trim(&text);
        let plan = file_mode::plan(&text, &statements);
        planned.push(Planned {
            migration,
            statements,
            plan,
        });
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
        // A session lock for the whole file, which may commit more than once.
        client
            .execute("SELECT pg_advisory_lock($1)", &[&PUSH_LOCK_KEY])
            .map_err(|e| DeployError::database("cannot take the push lock", &e))?;
        let applied_now = history::applied_versions(&mut client)?.unwrap_or_default();
        if applied_now.contains(&migration.version) {
            let _ = writeln!(
                out,
                "Skipping migration {}... (another push applied it meanwhile)",
                migration.file_name
            );
            report.skipped.push(migration.version.clone());
        } else {
            let _ = writeln!(out, "Applying migration {}...", migration.file_name);
            apply(&mut client, file)?;
            report.applied.push(migration.version.clone());
        }
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&PUSH_LOCK_KEY])
            .map_err(|e| DeployError::database("cannot release the push lock", &e))?;
    }
    let _ = writeln!(out, "Finished supaschema push.");
    Ok(report)
}

/// Runs one file as the Supabase CLI does ([`file_mode`]), its history row included.
fn apply(client: &mut postgres::Client, file: &Planned<'_>) -> Result<(), DeployError> {
    let migration = file.migration;
    let failed = |index: usize, error: &postgres::Error, committed_before: bool| DeployError::MigrationFailed {
        file: migration.display_path(),
        index,
        statement: file
            .statements
            .get(index)
            .cloned()
            .unwrap_or_else(|| history::INSERT.to_owned()),
        failure: DbFailure::from(error),
        consequence: if committed_before {
            "This file does not run in one transaction (as with `supabase db push`): what ran before this \
             statement stays applied, and no history row was written."
        } else {
            "This file was rolled back; files before it stay applied. If it was generated, remove it with \
             `supaschema discard --db-url <url>`, fix schema.toml and run cargo build to generate it again."
        },
    };
    let mut committed = false;
    for step in &file.plan.steps {
        let outcome = match step {
            Step::Alone(index) => client
                .batch_execute(&file.statements[*index])
                .map_err(|e| failed(*index, &e, committed)),
            Step::History => history::insert(client, &migration.version, &migration.name, &file.statements)
                .map_err(|e| failed(file.statements.len(), &e, committed)),
            Step::Transaction {
                statements,
                with_history,
            } => {
                let mut tx = client
                    .transaction()
                    .map_err(|e| DeployError::database("cannot begin a transaction", &e))?;
                let mut result = Ok(());
                for index in statements {
                    if let Err(error) = tx.batch_execute(&file.statements[*index]) {
                        result = Err(failed(*index, &error, committed));
                        break;
                    }
                }
                if result.is_ok() && *with_history {
                    result = history::insert(&mut tx, &migration.version, &migration.name, &file.statements)
                        .map_err(|e| failed(file.statements.len(), &e, committed));
                }
                match result {
                    Ok(()) => tx
                        .commit()
                        .map_err(|e| DeployError::database(format!("cannot commit {}", migration.file_name), &e)),
                    Err(error) => {
                        let _ = tx.rollback();
                        Err(error)
                    }
                }
            }
        };
        if let Err(error) = outcome {
            if let Some(cleanup) = file.plan.after_failure {
                let _ = client.batch_execute(cleanup);
            }
            return Err(error);
        }
        committed = true;
    }
    Ok(())
}
