//! Deploying: the `supaschema` command line's library half. Each command has a module of its
//! own ([`status`], [`push`], [`check`], [`diff`], [`drift`], [`pgtap`], [`report`], [`pull`], [`discard`], [`rollback`]); [`cli`] parses the
//! arguments and maps outcomes to exit codes; the rest are the pieces they share: the local
//! migration files ([`local`]), the Supabase CLI's history table ([`history`]), its statement
//! splitter ([`split`]), its pending-migration rules ([`pending`]) and how it runs a file
//! ([`file_mode`]), the findings commands report ([`finding`]), and the connection
//! ([`database`], over [`tls`]).
//!
//! Exit codes, for every command: **0** ok; **1** the command ran and found something a script
//! should stop for (changes pending, tampering, drift, a refused or failed push); **2** usage,
//! configuration, file or connection errors.

pub mod catalog;
pub mod check;
pub mod cli;
pub mod database;
pub mod diff;
pub mod discard;
pub mod drift;
pub mod file_mode;
pub mod finding;
pub mod history;
pub mod init;
pub mod local;
pub mod pending;
pub mod pgtap;
pub mod pull;
pub mod push;
pub mod report;
pub mod rollback;
mod row_tests;
pub mod split;
pub mod status;
pub mod tls;

use database::DbFailure;
use std::path::PathBuf;

/// Every command's outcome in exit-code terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: something a script should stop for.
    Findings,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Findings => 1,
        }
    }
}

/// Exit code for usage, configuration, file and connection errors.
pub const EXIT_ERROR: i32 = 2;

/// What can go wrong while deploying, each with the context a user needs. Database errors
/// carry only the SQLSTATE and the server's message, never its DETAIL (which can quote a
/// failing row, PHI included).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{0}")]
    Generator(#[from] supaschema_build::Error),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "{} exists: this folder holds a project already.\n\
         help: run `supaschema init` in a new folder, or in a Supabase project folder that has no Cargo.toml, \
         schema.toml, build.rs or src/lib.rs yet; nothing was written", path.display()
    )]
    ProjectExists { path: PathBuf },
    #[error(
        "{} exists: `supaschema pull` does not overwrite it.\n\
         help: pass --force to replace it and supabase/schema.lock.json with what the database holds (the \
         migrations in supabase/migrations/ are kept), or pull into a new folder; nothing was written", path.display()
    )]
    SchemaExists { path: PathBuf },
    #[error(
        "the database holds something the generator's rules refuse, so the pulled schema.toml would not build:\n\
         {message}\n\
         help: change that in the database (or describe it in a hand-written migration) and pull again; nothing \
         was written"
    )]
    PulledSchemaRefused { message: String },
    #[error(
        "{} is not a checkout of the supaschema workspace (no crates/supaschema there).\n\
         help: pass --path the folder that holds the workspace's Cargo.toml and crates/, or leave --path out to \
         depend on the published crates; nothing was written", path.display()
    )]
    NotACheckout { path: PathBuf },
    #[error(
        "{file} would be discarded without checking that no database has it applied.\n\
         help: name every database it may have reached with --db-url (repeatable), or pass --force if it was \
         never pushed anywhere; nothing was changed"
    )]
    DiscardUnchecked { file: String },
    #[error(
        "{file} is applied on {target}: a discarded migration would leave that database ahead of the files.\n\
         help: keep it, and put the fix into schema.toml as a new change (cargo build writes the migration); \
         nothing was changed"
    )]
    DiscardApplied { file: String, target: String },
    #[error(
        "{version} is not applied on {target}, so there is nothing to roll back to.\nhelp: `supaschema status` lists the applied versions; nothing was changed"
    )]
    RollbackTargetNotApplied { version: String, target: String },
    #[error("{target} has no migration to roll back; nothing was changed")]
    NothingToRollBack { target: String },
    #[error(
        "{} is hand-written: it has no reverse, so rollback stops before it.\n\
         help: {}undo it with a new hand-written migration; nothing was changed",
        file.clone().unwrap_or_else(|| format!("version {version} (applied, with no file here)")),
        stop_before(undone_first, version)
    )]
    RollbackHandWritten {
        version: String,
        file: Option<String>,
        /// The newer changes that would be undone before it.
        undone_first: Vec<String>,
    },
    #[error(
        "{why}: rollback stops before it.\nhelp: {}{help}; nothing was changed",
        stop_before(undone_first, version)
    )]
    RollbackNoReverse {
        why: String,
        help: &'static str,
        version: String,
        undone_first: Vec<String>,
    },
    #[error(
        "rolling back would destroy data:\n{}\nhelp: pass --allow-data-loss if that is intended (back up first), or \
         roll back less with --to <version>; nothing was changed",
        losses.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    )]
    RollbackLosesData { losses: Vec<String> },
    #[error(
        "rolling back {file} with {reverse} failed: {failure}\nThe reverse was rolled back: {file} stays applied, \
         and the changes listed as rolled back above stay rolled back."
    )]
    RollbackFailed {
        file: String,
        reverse: String,
        failure: DbFailure,
    },
    #[error(
        "{path} exists and was not written by `supaschema report` (its first line is not the report's marker).\n\
         help: move it elsewhere, or delete it to generate the report there; nothing was written"
    )]
    NotGenerated { path: String },
    #[error("no database to talk to: pass --db-url <url> or set DATABASE_URL")]
    NoDatabaseUrl,
    #[error("the database URL is not valid: {reason}")]
    BadDatabaseUrl { reason: String },
    #[error(
        "cannot connect to {target}: {reason}\nhelp: check the host, port, user and password in the URL; nothing was changed"
    )]
    Connect { target: String, reason: String },
    #[error(
        "cannot connect to {target}: the server's certificate failed the sslmode={} check against {}: {reason}.\n\
         help: pass the CA that signed it as sslrootcert=<file> in the URL (for Supabase, the CA file from \
         Project Settings → Database → SSL Configuration); nothing was changed",
        mode.as_str(), root_cert.display()
    )]
    Certificate {
        target: String,
        mode: tls::SslMode,
        root_cert: PathBuf,
        reason: String,
    },
    #[error(
        "sslmode={} checks the server's certificate, but no CA certificate was given (no sslrootcert, and no \
         ~/.postgresql/root.crt).\n\
         help: add sslrootcert=<file> to the URL (for Supabase, the CA file from Project Settings → Database → \
         SSL Configuration), or use sslmode=require to encrypt without checking; nothing was changed",
        mode.as_str()
    )]
    NoRootCertificate { mode: tls::SslMode },
    #[error(
        "cannot read the CA certificate {}: {reason}\nhelp: sslrootcert must name a PEM file; nothing was changed",
        path.display()
    )]
    BadRootCertificate { path: PathBuf, reason: String },
    #[error(
        "cannot connect to {target}: the server accepts only encrypted connections, and the URL says sslmode=disable.\n\
         help: remove sslmode=disable (prefer is the default) or use sslmode=verify-full with sslrootcert; nothing was changed"
    )]
    TlsRequired { target: String },
    #[error("{context}: {failure}")]
    Database { context: String, failure: DbFailure },
    #[error("{0}\nNothing was pushed.")]
    TamperedMigrations(supaschema_build::Error),
    #[error(
        "Remote migration versions not found in local migrations directory.\n\
         Make sure your local git repo is up-to-date. If the error persists, try repairing the migration history table:\n\
         supabase migration repair --status reverted {}\n\n\
         And update local migrations to match remote database:\n\
         supabase db pull\n\
         Nothing was pushed.",
        versions.join(" ")
    )]
    RemoteVersionsMissingLocally { versions: Vec<String> },
    #[error(
        "Found local migration files to be inserted before the last migration on remote database.\n\n\
         Rerun the command with --include-all flag to apply these migrations:\n{}\n\
         Nothing was pushed.",
        paths.join("\n")
    )]
    OutOfOrder { paths: Vec<String> },
    #[error("applying {file} failed: {failure}\nAt statement: {index}\n{statement}\n{consequence}")]
    MigrationFailed {
        file: String,
        index: usize,
        statement: String,
        failure: DbFailure,
        /// What stays applied: the file was rolled back, or it did not run in one transaction.
        consequence: &'static str,
    },
}

/// The advice for a change rollback must stop before: roll back what follows it alone.
fn stop_before(undone_first: &[String], version: &str) -> String {
    match undone_first.is_empty() {
        true => String::new(),
        false => format!(
            "`--to {version}` rolls back what follows it ({}); ",
            undone_first.join(", ")
        ),
    }
}

impl DeployError {
    /// 1 for refusals and failed migrations (the push was understood and stopped), 2 for the rest.
    pub fn exit_code(&self) -> i32 {
        match self {
            DeployError::TamperedMigrations(_)
            | DeployError::RemoteVersionsMissingLocally { .. }
            | DeployError::OutOfOrder { .. }
            | DeployError::MigrationFailed { .. }
            | DeployError::DiscardApplied { .. }
            | DeployError::RollbackHandWritten { .. }
            | DeployError::RollbackNoReverse { .. }
            | DeployError::RollbackLosesData { .. }
            | DeployError::RollbackFailed { .. } => 1,
            _ => EXIT_ERROR,
        }
    }

    /// Whether the error renders its own `error:` title, as a schema error's snippet does.
    pub fn has_title(&self) -> bool {
        matches!(self, DeployError::Generator(supaschema_build::Error::Schema(_)))
    }

    pub(crate) fn database(context: impl Into<String>, error: &postgres::Error) -> DeployError {
        DeployError::Database {
            context: context.into(),
            failure: DbFailure::from(error),
        }
    }
}
