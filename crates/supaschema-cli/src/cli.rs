//! The `supaschema` command line: arguments (clap) and exit codes. Every command's work is in
//! its own module; this one only parses, dispatches and prints.

use crate::finding::{self, Finding};
use crate::{
    DeployError, EXIT_ERROR, Outcome, check, diff, discard, drift, init, pgtap, pull, push, report, rollback, status,
};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use supaschema_build::Project;

const EXIT_CODES: &str = "Exit codes: 0 ok; 1 changes pending, tampering, drift, or a refused or failed push or rollback; \
                          2 usage, configuration, file or connection error.";

/// Starts projects, deploys the migrations `cargo build` generates from schema.toml, and checks them.
#[derive(Debug, Parser)]
#[command(
    name = "supaschema",
    version,
    about = "Starts projects, and deploys and checks the Supabase migrations generated from schema.toml.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// The project root: the folder holding schema.toml, templates/ and supabase/.
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the database is. `DATABASE_URL` is read when the flag is absent; its value is never
/// shown in `--help`.
#[derive(Debug, Args)]
pub struct Database {
    /// PostgreSQL connection string, e.g. postgresql://postgres:…@host:5432/postgres?sslmode=verify-full&sslrootcert=ca.crt
    /// (libpq's sslmode: disable, prefer (the default), require, verify-ca, verify-full)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub db_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates a project that builds at once: Cargo.toml, build.rs, a commented schema.toml,
    /// src/lib.rs and supabase/ as `supabase init` lays it out. In a Supabase project folder,
    /// keeps supabase/ (config and migrations) as it is. Refuses a folder that has a project.
    Init {
        /// The folder; created when missing.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// Depend on the supaschema crates of this local checkout instead of the published
        /// versions, to try it before release.
        #[arg(long, value_name = "CHECKOUT")]
        path: Option<PathBuf>,
    },
    /// Reads a live database (schema public, and the auth tables it references) and writes
    /// schema.toml and the lock recording it as deployed, so the next `cargo build` writes no
    /// migration. Lists on stderr what schema.toml cannot say. Keeps supabase/migrations/ as it is.
    Pull {
        #[command(flatten)]
        database: Database,
        /// Replace an existing schema.toml (and the lock).
        #[arg(long)]
        force: bool,
    },
    /// Lists local migrations against those applied to the database (Local | Remote | Time (UTC)).
    Status {
        #[command(flatten)]
        database: Database,
        /// Print JSON like `supabase migration list --output-format json`.
        #[arg(long)]
        json: bool,
    },
    /// Applies pending migrations and records them as `supabase db push` does.
    Push {
        #[command(flatten)]
        database: Database,
        /// Print the migrations that would be applied, and apply nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also apply local migrations older than the newest applied one.
        #[arg(long)]
        include_all: bool,
        /// With --dry-run: print the pending migrations as JSON findings.
        #[arg(long, requires = "dry_run")]
        json: bool,
    },
    /// For CI: schema.toml is fully materialized, the migrations are consistent, and (with
    /// --db-url) no applied migration was changed since it was pushed.
    Check {
        /// Also compare the applied history of this database with the files. Only this flag
        /// enables it; DATABASE_URL alone does not.
        #[arg(long, value_name = "URL")]
        db_url: Option<String>,
        /// Print the findings as JSON: {"findings": [{"kind", "severity", "object", "detail"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Removes the newest generated migration and rewinds supabase/schema.lock.json to the schema
    /// before it, so a fix in schema.toml is generated again in its place. Refused when a
    /// database given with --db-url has it applied.
    Discard {
        /// A database the migration may have reached (repeatable); discarding is refused if any
        /// has it applied. DATABASE_URL is not read.
        #[arg(long = "db-url", value_name = "URL")]
        db_urls: Vec<String>,
        /// Discard without checking a database, for a migration never pushed anywhere.
        #[arg(long)]
        force: bool,
    },
    /// Undoes the newest applied migration (or, with --to, every one after a version), newest
    /// first: runs its reverse from supabase/rollbacks/ and removes its history row, in one
    /// transaction. Stops before a hand-written migration; the files stay, so push applies
    /// them again.
    Rollback {
        #[command(flatten)]
        database: Database,
        /// Keep this version and those before it applied; undo every later one.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Run reverses that drop tables or columns, or narrow types, losing their data.
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Prints the migration the next `cargo build` would write; writes nothing.
    Diff,
    /// Reports every difference between a live database and schema.toml.
    Drift {
        #[command(flatten)]
        database: Database,
        /// Print the differences as JSON: {"findings": [{"kind", "severity", "object", "detail"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Writes the pgTAP tests generated from schema.toml into supabase/tests/database/.
    Pgtap {
        /// Write nothing; exit 1 when the files are out of date.
        #[arg(long)]
        check: bool,
    },
    /// Writes the data-protection report docs/data-protection.md from schema.toml: classes,
    /// who may read and change each table, auditing, retention and a Mermaid diagram.
    Report {
        /// Write nothing; exit 1 when the report is missing or out of date.
        #[arg(long)]
        check: bool,
    },
}

/// Runs the command line and returns the process exit code.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_ERROR } else { 0 };
            let rendered = error.render().to_string();
            if error.use_stderr() {
                let _ = write!(err, "{rendered}");
            } else {
                let _ = write!(out, "{rendered}");
            }
            return code;
        }
    };
    match execute(&cli, out, err) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            let title = if error.has_title() { "" } else { "error: " };
            let _ = writeln!(err, "{title}{error}");
            error.exit_code()
        }
    }
}

fn execute(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, DeployError> {
    let project = Project::new(&cli.project);
    match &cli.command {
        Command::Init { dir, path } => {
            let source = match path {
                Some(checkout) => init::Source::Checkout(checkout.clone()),
                None => init::Source::Registry,
            };
            for file in init::run(dir, &source)? {
                let _ = writeln!(out, "wrote {}", dir.join(file).display());
            }
            let _ = writeln!(
                out,
                "\nNext: cd {} && cargo build   # writes supabase/migrations/<version>_initial_schema.sql and the types",
                dir.display()
            );
            Ok(Outcome::Ok)
        }
        Command::Pull { database, force } => {
            let url = crate::database::require_url(database.db_url.as_deref())?;
            let report = pull::run(&project, url, *force)?;
            for file in &report.written {
                let _ = writeln!(out, "wrote {}", cli.project.join(file).display());
            }
            for item in &report.left_out {
                let _ = writeln!(err, "left out: {}: {}", item.object, item.reason);
            }
            for finding in &report.differences {
                let _ = writeln!(err, "differs: {finding}");
            }
            if let Some(reason) = &report.unchecked {
                let _ = writeln!(
                    err,
                    "warning: could not compare the pulled schema.toml with the database ({reason}); run `supaschema drift`"
                );
            }
            let _ = writeln!(
                out,
                "\nNext: review every `# review:` mark in schema.toml (each column's class is a guess), then cargo build \
                 (it writes no migration until schema.toml changes)"
            );
            Ok(Outcome::Ok)
        }
        Command::Status { database, json } => {
            let url = crate::database::require_url(database.db_url.as_deref())?;
            let current = status::read(&project, url, err)?;
            status::print(&current, *json, out, err);
            Ok(Outcome::Ok)
        }
        Command::Push {
            database,
            dry_run,
            include_all,
            json,
        } => {
            let url = crate::database::require_url(database.db_url.as_deref())?;
            let options = push::PushOptions {
                dry_run: *dry_run,
                include_all: *include_all,
                json: *json,
            };
            push::run(&project, url, &options, out, err)?;
            Ok(Outcome::Ok)
        }
        Command::Check { db_url, json } => {
            let findings = check::run(&project, db_url.as_deref(), err)?;
            let problems = findings.iter().filter(|f| f.is_error()).count();
            let summary = format!("check failed: {problems} problem(s)");
            let ok = "ok: schema.toml is fully materialized and the migrations are consistent";
            Ok(report(out, &findings, *json, "", ok, &summary))
        }
        Command::Discard { db_urls, force } => {
            let discarded = discard::run(&project, db_urls, *force)?;
            let _ = writeln!(
                out,
                "removed {} and rewound supabase/schema.lock.json to the schema before it\n\nNext: fix schema.toml, \
                 then cargo build (it generates the change again)",
                discarded.file
            );
            Ok(Outcome::Ok)
        }
        Command::Rollback {
            database,
            to,
            allow_data_loss,
        } => {
            let url = crate::database::require_url(database.db_url.as_deref())?;
            let options = rollback::RollbackOptions {
                to: to.clone(),
                allow_data_loss: *allow_data_loss,
            };
            rollback::run(&project, url, &options, out)?;
            Ok(Outcome::Ok)
        }
        Command::Diff => {
            let files = diff::planned(&project)?;
            Ok(match diff::print(&project, &files, out, err) {
                0 => Outcome::Ok,
                _ => Outcome::Findings,
            })
        }
        Command::Drift { database, json } => {
            let url = crate::database::require_url(database.db_url.as_deref())?;
            let differences = drift::run(&project, url)?;
            let summary = format!("{} difference(s) from schema.toml", differences.len());
            let ok = "No drift: the database matches schema.toml.";
            Ok(report(out, &differences, *json, "drift: ", ok, &summary))
        }
        Command::Pgtap { check } => {
            if *check {
                let stale = pgtap::stale_files(&project)?;
                for file in &stale {
                    let _ = writeln!(out, "out of date: {file}");
                }
                return Ok(if stale.is_empty() {
                    Outcome::Ok
                } else {
                    Outcome::Findings
                });
            }
            let changed = pgtap::write_files(&project)?;
            if changed.is_empty() {
                let _ = writeln!(err, "The pgTAP tests are up to date.");
            }
            for line in changed {
                let _ = writeln!(out, "{line}");
            }
            Ok(Outcome::Ok)
        }
        Command::Report { check: true } => Ok(match report::stale(&project)? {
            Some(file) => {
                let _ = writeln!(out, "out of date: {file}");
                Outcome::Findings
            }
            None => Outcome::Ok,
        }),
        Command::Report { check: false } => {
            let _ = match report::write(&project)? {
                Some(file) => writeln!(out, "wrote {file}"),
                None => writeln!(err, "The data-protection report is up to date."),
            };
            Ok(Outcome::Ok)
        }
    }
}

/// Prints each finding after `prefix`, then `summary` when one is an error (exit 1), else `ok`:
/// warnings alone fail nothing. With `json`, the findings as one JSON object instead.
fn report(out: &mut dyn Write, findings: &[Finding], json: bool, prefix: &str, ok: &str, summary: &str) -> Outcome {
    let failed = findings.iter().any(Finding::is_error);
    if json {
        let _ = writeln!(out, "{}", finding::to_json(findings));
    } else {
        for finding in findings {
            let _ = writeln!(out, "{prefix}{finding}");
        }
        let _ = writeln!(out, "{}", if failed { summary } else { ok });
    }
    if failed { Outcome::Findings } else { Outcome::Ok }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_exit_2() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(["supaschema", "frobnicate"], &mut out, &mut err), 2);
        assert_eq!(run(["supaschema", "push", "--bogus"], &mut out, &mut err), 2);
    }
}
