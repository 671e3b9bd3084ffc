//! Running generated pgTAP tests as `supabase test db` does: pgTAP in schema `extensions`,
//! `pg_prove` connected as the role migrations run as (pgTAP needs no superuser).

use crate::TestDb;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Creates the pgTAP extension in schema `extensions`, as `supabase test db` does.
pub fn install_pgtap(db: &mut TestDb) {
    db.client
        .batch_execute("create extension if not exists pgtap with schema extensions")
        .expect("create extension pgtap (is postgresql-15-pgtap installed?)");
}

/// Runs `pg_prove` on `files` against the test database; returns whether it passed and what
/// it printed.
pub fn run_pg_prove(db: &TestDb, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new("pg_prove")
        .envs(db.libpq_env())
        .args(["--ext", ".sql", "--verbose"])
        .args(files)
        .output()
        .expect("run pg_prove (Debian: postgresql-15-pgtap, libtap-parser-sourcehandler-pgtap-perl)");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Runs `pg_prove` on `files`; panics with its output unless every test passed.
pub fn pg_prove(db: &TestDb, files: &[PathBuf]) -> String {
    let (success, text) = run_pg_prove(db, files);
    assert!(success, "pg_prove failed:\n{text}");
    assert!(text.contains("All tests successful."), "{text}");
    text
}

/// The generated test files of the project at `project`, in order.
pub fn generated_tests(project: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(project.join("supabase/tests/database"))
        .expect("supabase/tests/database exists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}
