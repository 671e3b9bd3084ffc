//! `supaschema rollback`: undoes the newest applied migrations, newest first, each by running
//! its generated reverse (`supabase/rollbacks/<version>_<name>.down.sql`) in one transaction
//! with the removal of its history row, the row `supabase migration repair --status reverted`
//! removes. Everything is checked before anything runs: a hand-written migration, or one
//! without a reverse, stops the rollback before it; a reverse that drops data needs
//! `--allow-data-loss`. The migration files stay, so `supaschema push` applies them again.

use crate::database::DbFailure;
use crate::history::{self, PUSH_LOCK_KEY};
use crate::{DeployError, database};
use std::io::Write;
use supaschema_build::Project;
use supaschema_build::rollback::{self, Change, ReverseFile};

#[derive(Clone, Debug, Default)]
pub struct RollbackOptions {
    /// Keep this version and everything before it applied; `None` undoes the newest change only.
    pub to: Option<String>,
    pub allow_data_loss: bool,
}

/// The versions whose history rows a rollback removed, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollbackReport {
    pub reverted: Vec<String>,
}

/// One change to undo: its reverse and the versions of it the database has applied.
struct Undo<'a> {
    change: &'a Change,
    reverse: &'a ReverseFile,
    /// The reverse's path as the user sees it from the project root.
    shown: String,
    versions: Vec<String>,
}

impl Undo<'_> {
    fn file(&self) -> String {
        self.change
            .migrations
            .first()
            .map(|m| m.file_name())
            .unwrap_or_default()
    }
}

pub fn run(
    project: &Project,
    url: &str,
    options: &RollbackOptions,
    out: &mut dyn Write,
) -> Result<RollbackReport, DeployError> {
    let changes = rollback::changes(project)?;
    let mut client = database::connect(url)?;
    let applied = history::applied_versions(&mut client)?.unwrap_or_default();
    let target = database::describe_url(url);
    let undos = plan(project, &changes, &applied, options, &target)?;
    let mut report = RollbackReport::default();
    for undo in &undos {
        let file = undo.file();
        let _ = writeln!(out, "Rolling back {file} with {}...", undo.shown);
        undo_one(&mut client, undo)?;
        report.reverted.extend(undo.versions.iter().rev().cloned());
    }
    let _ = writeln!(
        out,
        "Finished supaschema rollback.\n\nThe migrations stay in supabase/migrations/: `supaschema push` applies \
         them again; to change one instead, `supaschema discard` removes the newest generated one."
    );
    Ok(report)
}

/// The changes to undo, newest first, each checked: refused as a whole before anything runs.
fn plan<'a>(
    project: &Project,
    changes: &'a [Change],
    applied: &[String],
    options: &RollbackOptions,
    target: &str,
) -> Result<Vec<Undo<'a>>, DeployError> {
    if let Some(to) = &options.to
        && !applied.contains(to)
    {
        return Err(DeployError::RollbackTargetNotApplied {
            version: to.clone(),
            target: target.to_owned(),
        });
    }
    let mut remaining: Vec<&String> = applied
        .iter()
        .filter(|v| options.to.as_ref().is_none_or(|to| *v > to))
        .collect();
    if remaining.is_empty() {
        return Err(DeployError::NothingToRollBack {
            target: target.to_owned(),
        });
    }
    let mut undos = Vec::new();
    while let Some(newest) = remaining.last().copied() {
        let change = changes
            .iter()
            .find(|c| c.migrations.iter().any(|m| m.version == *newest));
        let Some(change) = change else {
            return Err(DeployError::RollbackHandWritten {
                version: newest.clone(),
                file: hand_written_file(project, newest),
                undone_first: undos.iter().map(Undo::file).collect(),
            });
        };
        let reverse = change.reverse.as_ref().map_err(|why| DeployError::RollbackNoReverse {
            why: why.to_string(),
            help: why.help(),
            version: change.migrations[0].version.clone(),
            undone_first: undos.iter().map(Undo::file).collect(),
        })?;
        let versions: Vec<String> = change
            .migrations
            .iter()
            .map(|m| m.version.clone())
            .filter(|v| applied.contains(v))
            .collect();
        remaining.retain(|v| !versions.contains(v));
        if options.to.is_none() {
            remaining.clear();
        }
        undos.push(Undo {
            change,
            reverse,
            shown: project.relative(&reverse.path),
            versions,
        });
    }
    let losses: Vec<String> = undos
        .iter()
        .flat_map(|undo| {
            let file = undo.file();
            undo.reverse.losses.iter().map(move |loss| format!("{file}: {loss}"))
        })
        .collect();
    if !losses.is_empty() && !options.allow_data_loss {
        return Err(DeployError::RollbackLosesData { losses });
    }
    Ok(undos)
}

/// The local file of a version no generated change holds, as the user would look for it.
fn hand_written_file(project: &Project, version: &str) -> Option<String> {
    let listed = crate::local::list(&project.migrations_dir).ok()?;
    let file = listed.migrations.into_iter().find(|m| m.version == version)?;
    Some(file.display_path())
}

/// Runs one reverse and removes its history rows, in one transaction under the push lock, so
/// that a push at the same time waits; a failure leaves the change applied.
fn undo_one(client: &mut postgres::Client, undo: &Undo<'_>) -> Result<(), DeployError> {
    let failed = |error: &postgres::Error| DeployError::RollbackFailed {
        file: undo.file(),
        reverse: undo.shown.clone(),
        failure: DbFailure::from(error),
    };
    client
        .batch_execute("RESET ALL")
        .map_err(|e| DeployError::database("cannot reset the session", &e))?;
    let mut tx = client
        .transaction()
        .map_err(|e| DeployError::database("cannot begin a transaction", &e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK_KEY])
        .map_err(|e| DeployError::database("cannot take the push lock", &e))?;
    tx.batch_execute(&undo.reverse.sql).map_err(|e| failed(&e))?;
    history::delete(&mut tx, &undo.versions).map_err(|e| failed(&e))?;
    tx.commit().map_err(|e| failed(&e))
}
