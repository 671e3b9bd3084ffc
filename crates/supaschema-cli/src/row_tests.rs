//! `check --db-url` runs the row tests that generated migrations begin with (rows that would
//! break a NOT NULL, check, unique key or foreign key the migration adds) against the target
//! database before a push, each in a read-only transaction, so a push that would fail on the
//! data is reported before it is tried.

use crate::finding::{Finding, Kind};
use crate::local::LocalMigration;
use crate::{DeployError, database::DbFailure};
use postgres::Client;
use postgres::error::SqlState;
use std::io::Write;

/// How a generated row test starts (see `check_rows.sql`).
const ROW_TEST: &str = "do $check_rows$";

/// Runs the row tests of the pending migrations, in push order. A test is exact for the database
/// as it is; a test that reads what an earlier pending migration creates cannot run yet, and no
/// test runs after a pending hand-written migration, which may change the rows first (a
/// backfill, say): both are noted on `err`, not reported.
pub(crate) fn run(
    client: &mut Client,
    pending: &[&LocalMigration],
    err: &mut dyn Write,
) -> Result<Vec<Finding>, DeployError> {
    let mut findings = Vec::new();
    let mut hand_written: Option<String> = None;
    for migration in pending {
        let generated = supaschema_build::is_generated(&migration.path).map_err(|source| DeployError::Read {
            path: migration.path.clone(),
            source,
        })?;
        if !generated {
            hand_written.get_or_insert_with(|| migration.display_path());
            continue;
        }
        let tests: Vec<String> = migration.statements()?.into_iter().filter(|s| is_row_test(s)).collect();
        if tests.is_empty() {
            continue;
        }
        if let Some(earlier) = &hand_written {
            let _ = writeln!(
                err,
                "note: the row tests of {} were not run: {earlier} runs before it and may change the rows",
                migration.display_path()
            );
            continue;
        }
        for test in &tests {
            let outcome = client
                .build_transaction()
                .read_only(true)
                .start()
                .and_then(|mut transaction| transaction.batch_execute(test));
            let Err(error) = outcome else { continue };
            let failure = DbFailure::from(&error);
            let code = error.code().map(SqlState::code).unwrap_or_default();
            if code.starts_with("23") {
                let detail = format!(
                    "{} would fail on the rows of the database: {}",
                    migration.display_path(),
                    failure.message
                );
                findings.push(Finding::new(Kind::RowsBreakMigration, migration.display_path(), detail));
            } else if [
                SqlState::UNDEFINED_TABLE,
                SqlState::UNDEFINED_COLUMN,
                SqlState::UNDEFINED_FUNCTION,
            ]
            .iter()
            .any(|state| state.code() == code)
            {
                let _ = writeln!(
                    err,
                    "note: a row test of {} reads what an earlier pending migration creates; it runs when that one is applied ({})",
                    migration.display_path(),
                    failure.message
                );
            } else {
                return Err(DeployError::database(
                    format!("cannot test the rows for {}", migration.display_path()),
                    &error,
                ));
            }
        }
    }
    Ok(findings)
}

/// Whether a statement is a row test; the file's header comment is part of its first statement.
fn is_row_test(statement: &str) -> bool {
    statement
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("--"))
        .is_some_and(|line| line.starts_with(ROW_TEST))
}
