//! `supabase_migrations.schema_migrations`, the Supabase CLI's record of applied migrations:
//! created, read and written with the CLI's own statements, so either tool can continue where
//! the other stopped.

use crate::DeployError;
use postgres::GenericClient;

/// The CLI's statements (2.117.0, `legacy-migration-history.ts`; Go `pkg/migration/history.go`).
/// The lock timeout is the CLI's for creating the history table only; a migration's own
/// transaction waits as long as its file says (generated ones set `lock_timeout` first).
pub const SET_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '4s'";
pub const CREATE_SCHEMA: &str = "CREATE SCHEMA IF NOT EXISTS supabase_migrations";
pub const CREATE_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY)";
pub const ADD_STATEMENTS: &str =
    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[]";
pub const ADD_NAME: &str = "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text";
pub const INSERT: &str =
    "INSERT INTO supabase_migrations.schema_migrations(version, name, statements) VALUES($1, $2, $3)";
const DELETE: &str = "DELETE FROM supabase_migrations.schema_migrations WHERE version = ANY($1)";
const SELECT_VERSIONS: &str = "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version";
const SELECT_ROWS: &str = "SELECT version, coalesce(name, ''), coalesce(statements, '{}') \
                           FROM supabase_migrations.schema_migrations ORDER BY version";
const PROVISIONED: &str = "SELECT count(*) = 3 FROM information_schema.columns \
                           WHERE table_schema = 'supabase_migrations' AND table_name = 'schema_migrations' \
                           AND column_name IN ('version', 'name', 'statements')";

/// The transaction-level advisory lock every `supaschema push` takes before it touches the
/// history: two pushes at once apply each migration once. (`"supaschm"` as a number.)
pub const PUSH_LOCK_KEY: i64 = 0x7375_7061_7363_686d;

/// The SQLSTATE of "relation does not exist", which the CLI reads as "no history yet".
const UNDEFINED_TABLE: &str = "42P01";

/// One applied migration, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub version: String,
    pub name: String,
    pub statements: Vec<String>,
}

fn is_missing_table(error: &postgres::Error) -> bool {
    error.code().is_some_and(|c| c.code() == UNDEFINED_TABLE)
}

/// The applied versions in order, or `None` when the history table does not exist yet (the CLI
/// treats that as "nothing applied"). Must not run inside a transaction that should survive
/// the missing-table error.
pub fn applied_versions(client: &mut impl GenericClient) -> Result<Option<Vec<String>>, DeployError> {
    match client.query(SELECT_VERSIONS, &[]) {
        Ok(rows) => Ok(Some(rows.iter().map(|r| r.get(0)).collect())),
        Err(error) if is_missing_table(&error) => Ok(None),
        Err(error) => Err(unreadable(&error)),
    }
}

/// Every history row, or `None` when the table does not exist yet.
pub fn rows(client: &mut impl GenericClient) -> Result<Option<Vec<HistoryRow>>, DeployError> {
    match client.query(SELECT_ROWS, &[]) {
        Ok(rows) => Ok(Some(
            rows.iter()
                .map(|r| HistoryRow {
                    version: r.get(0),
                    name: r.get(1),
                    statements: r.get(2),
                })
                .collect(),
        )),
        Err(error) if is_missing_table(&error) => Ok(None),
        Err(error) => Err(unreadable(&error)),
    }
}

fn unreadable(error: &postgres::Error) -> DeployError {
    DeployError::database("cannot read supabase_migrations.schema_migrations", error)
}

/// Creates the schema, table and columns the way the CLI does, when they are not all there,
/// under the push lock so that two first pushes do not race on `CREATE TABLE`.
pub fn ensure_table(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let provisioned: bool = client.query_one(PROVISIONED, &[])?.get(0);
    if provisioned {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK_KEY])?;
    for statement in [SET_LOCK_TIMEOUT, CREATE_SCHEMA, CREATE_TABLE, ADD_STATEMENTS, ADD_NAME] {
        tx.batch_execute(statement)?;
    }
    tx.commit()
}

/// Forgets applied migrations, as `supabase migration repair --status reverted` does.
pub fn delete(client: &mut impl GenericClient, versions: &[String]) -> Result<(), postgres::Error> {
    client.execute(DELETE, &[&versions])?;
    Ok(())
}

/// Records an applied migration.
pub fn insert(
    client: &mut impl GenericClient,
    version: &str,
    name: &str,
    statements: &[String],
) -> Result<(), postgres::Error> {
    client.execute(INSERT, &[&version, &name, &statements])?;
    Ok(())
}
