//! `supaschema init`: a new project depending on this checkout builds at once with cargo (the
//! initial migration and the types, without a warning), a second build writes nothing, its
//! migrations push with the pinned Supabase CLI, and so does the same project with another
//! schema in place of the sample (the multi-tenant fixture, used only in part by a private
//! module). An existing project is refused; an existing Supabase folder is kept.

use crate::common::supaschema;
use std::path::{Path, PathBuf};
use std::process::Command;
use supaschema_testkit::{Grants, SupabaseCli, TestDb, fixture, public_tables, workspace_root};

/// Runs `supaschema init --path <this checkout> <dir>`.
fn init(dir: &Path) -> crate::common::Run {
    let root = workspace_root();
    let run = supaschema(
        Path::new("."),
        &[
            "init",
            "--path",
            root.to_str().expect("UTF-8 path"),
            dir.to_str().expect("UTF-8 path"),
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{run}");
    run
}

/// What `cargo build` in a project printed, with the warnings that are not the build's own
/// report of the files it wrote.
struct Build {
    success: bool,
    output: String,
    wrote: Vec<String>,
    warnings: Vec<String>,
}

/// `cargo build` in `dir`, in a target folder kept between runs so the dependencies compile
/// once, without the check mode CI sets for the workspace, and with the workspace's lock so
/// the versions are those the workspace is tested with.
fn cargo_build(dir: &Path) -> Build {
    cargo_build_with(dir, &[])
}

fn cargo_build_with(dir: &Path, args: &[&str]) -> Build {
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(workspace_root().join("Cargo.lock"), &lock).expect("copy Cargo.lock");
    }
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("build")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace_root().join("target/init-projects"))
        .env_remove("SUPASCHEMA_CHECK")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("run cargo");
    let output_text = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = output_text.lines().filter(|l| l.starts_with("warning")).collect();
    Build {
        success: output.status.success(),
        wrote: lines
            .iter()
            .filter_map(|l| l.split("supaschema: wrote ").nth(1))
            .map(str::to_owned)
            .collect(),
        warnings: lines
            .iter()
            .filter(|l| !l.contains("supaschema: wrote "))
            .map(|l| (*l).to_owned())
            .collect(),
        output: output_text,
    }
}

/// The migration files of a project.
fn migrations(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("supabase/migrations"))
        .expect("supabase/migrations exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

fn is_initial_migration(name: &str) -> bool {
    name.len() == 14 + "_initial_schema.sql".len()
        && name[..14].bytes().all(|b| b.is_ascii_digit())
        && name.ends_with("_initial_schema.sql")
}

/// Pushes a project's migrations to a fresh database with the Supabase CLI; returns the
/// database.
fn push(dir: &Path, grants: Grants) -> TestDb {
    let db = TestDb::new(grants);
    let output = SupabaseCli::new().run(dir, &["db", "push", "--db-url", &db.url(), "--yes"]);
    output.assert_success(&format!("{grants:?}"));
    db
}

fn new_folder(parent: &tempfile::TempDir, name: &str) -> PathBuf {
    parent.path().join(name)
}

#[test]
fn a_new_project_builds_at_once_and_pushes() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = new_folder(&parent, "clinic-app");
    let said = init(&dir);
    assert!(
        said.stdout.contains("schema.toml") && said.stdout.contains("cargo build"),
        "{said}"
    );

    let first = cargo_build(&dir);
    assert!(first.success, "{}", first.output);
    assert_eq!(first.warnings, Vec::<String>::new(), "{}", first.output);
    let files = migrations(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(is_initial_migration(&files[0]), "{files:?}");
    assert!(
        first.wrote.iter().any(|w| w.ends_with(&files[0]))
            && first.wrote.iter().any(|w| w.contains("schema.lock.json")),
        "the build names what it wrote: {:?}",
        first.wrote
    );

    let before = std::fs::read(dir.join("supabase/migrations").join(&files[0])).expect("readable");
    let second = cargo_build(&dir);
    assert!(second.success, "{}", second.output);
    assert_eq!(second.wrote, Vec::<String>::new(), "{}", second.output);
    assert_eq!(migrations(&dir), files);
    assert_eq!(
        std::fs::read(dir.join("supabase/migrations").join(&files[0])).expect("readable"),
        before
    );

    // Nothing changed since: cargo does not even run the build script again.
    let third = cargo_build_with(&dir, &["-v"]);
    assert!(
        third.success && third.output.contains("Fresh clinic-app"),
        "{}",
        third.output
    );

    let mut db = push(&dir, Grants::Explicit);
    assert_eq!(public_tables(&mut db.client), vec!["notes".to_owned()]);
}

#[test]
fn a_new_project_with_another_schema_builds_without_warnings_and_pushes() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = new_folder(&parent, "tracker");
    init(&dir);
    std::fs::write(dir.join("schema.toml"), fixture("multi_tenant")).expect("replace schema.toml");
    // A private module that uses one table: every other generated item is unused.
    std::fs::write(
        dir.join("src/lib.rs"),
        "mod schema {\n    include!(concat!(env!(\"OUT_DIR\"), \"/schema.rs\"));\n}\n\n\
         /// The tasks table's name.\n\
         pub fn tasks_table() -> &'static str {\n    schema::Task::TABLE\n}\n",
    )
    .expect("replace src/lib.rs");

    let build = cargo_build(&dir);
    assert!(build.success, "{}", build.output);
    assert_eq!(build.warnings, Vec::<String>::new(), "{}", build.output);
    let files = migrations(&dir);
    assert!(files.len() == 1 && is_initial_migration(&files[0]), "{files:?}");

    let mut db = push(&dir, Grants::Legacy);
    assert_eq!(
        public_tables(&mut db.client),
        ["activity", "projects", "tags", "task_tags", "tasks", "workspaces"]
    );
}

#[test]
fn init_refuses_a_folder_that_holds_a_project_and_keeps_a_supabase_folder() {
    let parent = tempfile::tempdir().expect("temp dir");
    let taken = new_folder(&parent, "taken");
    std::fs::create_dir_all(&taken).expect("mkdir");
    std::fs::write(taken.join("Cargo.toml"), "[package]\nname = \"mine\"\n").expect("write");
    let run = supaschema(Path::new("."), &["init", taken.to_str().expect("UTF-8")], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("Cargo.toml exists") && run.stderr.contains("nothing was written"),
        "{run}"
    );
    assert_eq!(
        std::fs::read_dir(&taken).expect("readable").count(),
        1,
        "nothing was added"
    );

    let existing = new_folder(&parent, "existing");
    std::fs::create_dir_all(existing.join("supabase/migrations")).expect("mkdir");
    let config = "project_id = \"existing\"\n";
    let hand_written = "create table public.legacy (id uuid primary key);\n";
    std::fs::write(existing.join("supabase/config.toml"), config).expect("write");
    std::fs::write(
        existing.join("supabase/migrations/20240101000000_legacy.sql"),
        hand_written,
    )
    .expect("write");
    init(&existing);
    assert_eq!(
        std::fs::read_to_string(existing.join("supabase/config.toml")).expect("kept"),
        config
    );
    assert_eq!(
        std::fs::read_to_string(existing.join("supabase/migrations/20240101000000_legacy.sql")).expect("kept"),
        hand_written
    );
    for file in [
        "Cargo.toml",
        "build.rs",
        "schema.toml",
        "src/lib.rs",
        "supabase/seed.sql",
        ".gitignore",
    ] {
        assert!(existing.join(file).is_file(), "{file} was written");
    }
}
