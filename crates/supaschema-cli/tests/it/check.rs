//! `supaschema check`, for CI: 0 when schema.toml is fully materialized and nothing was
//! tampered with, 1 when changes are pending or an applied migration changed, 2 when the check
//! cannot run.

use crate::common::{fixture_project, json_findings, require_default_project, supaschema};
use supaschema_cli::catalog::read_catalog;
use supaschema_testkit::{Grants, TestDb, history_versions, unreachable_url};

#[test]
fn a_materialized_project_passes() {
    let project = fixture_project();
    let run = supaschema(project.path(), &["check"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.starts_with("ok:"), "{run}");
    let as_json = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(as_json.code, Some(0), "{as_json}");
    assert!(json_findings(&as_json).is_empty(), "{as_json}");
}

#[test]
fn a_schema_change_without_its_migration_fails_with_1() {
    let project = fixture_project();
    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        text.replace(
            "A tenant: one user's space for projects.",
            "A tenant: one user's space for work.",
        ),
    )
    .expect("write");
    let run = supaschema(project.path(), &["check"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout
            .contains("schema.toml has changes that no migration holds yet"),
        "{run}"
    );
}

#[test]
fn duplicate_versions_fail_with_1() {
    let project = fixture_project();
    project.add_migration("29990101000000_a.sql", "select 1;");
    project.add_migration("29990101000000_b.sql", "select 2;");
    let run = supaschema(project.path(), &["check"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout
            .contains("version 29990101000000 is used by more than one file"),
        "{run}"
    );
}

#[test]
fn an_applied_migration_edited_afterwards_is_tampering() {
    let project = fixture_project();
    project.add_migration("29990101000000_extra.sql", "create table public.extra (id int);");
    let db = TestDb::new(Grants::Explicit);
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &db.url()], &[]).code,
        Some(0)
    );
    let clean = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(clean.code, Some(0), "{clean}");

    project.add_migration("29990101000000_extra.sql", "create table public.extra (id bigint);");
    let tampered = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(tampered.code, Some(1), "{tampered}");
    assert!(
        tampered
            .stdout
            .contains("supabase/migrations/29990101000000_extra.sql was changed after it was applied"),
        "{tampered}"
    );
    let as_json = supaschema(project.path(), &["check", "--json", "--db-url", &db.url()], &[]);
    assert_eq!(as_json.code, Some(1), "{as_json}");
    let findings = json_findings(&as_json);
    assert_eq!(findings.len(), 1, "{as_json}");
    assert_eq!(
        (findings[0].0.as_str(), findings[0].1.as_str()),
        ("edited_after_apply", "supabase/migrations/29990101000000_extra.sql"),
        "{as_json}"
    );
    assert!(findings[0].2.contains("was changed after it was applied"), "{as_json}");

    std::fs::remove_file(project.migrations_dir().join("29990101000000_extra.sql")).expect("remove");
    let removed = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(removed.code, Some(1), "{removed}");
    assert!(
        removed
            .stdout
            .contains("version 29990101000000 is applied on the database but has no file"),
        "{removed}"
    );
    let as_json = supaschema(project.path(), &["check", "--json", "--db-url", &db.url()], &[]);
    let kinds: Vec<(String, String)> = json_findings(&as_json).into_iter().map(|(k, o, _)| (k, o)).collect();
    assert_eq!(
        kinds,
        [("applied_without_file".to_owned(), "29990101000000".to_owned())],
        "{as_json}"
    );
}

/// Before a push, `check --db-url` runs the row tests of the pending migration read-only: rows
/// that would make it fail are reported (exit 1) with the count and no value, the database is
/// left as it was, and once the rows are fixed the check passes.
#[test]
fn rows_that_a_pending_migration_would_fail_on_are_reported_first() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let first = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    let owner = db.create_user();
    db.client
        .execute(
            "insert into public.workspaces (owner_id, name) values ($1, 'Practice Dora')",
            &[&owner],
        )
        .expect("insert a workspace");
    require_default_project(&mut project);
    // NOT NULL comes as two files; the rows are tested at the start of the first.
    let pending = project
        .migration_files()
        .into_iter()
        .rfind(|f| !f.to_string_lossy().ends_with("_nonblocking.sql"))
        .expect("the new migration");
    let file = format!(
        "supabase/migrations/{}",
        pending.file_name().expect("a file name").to_string_lossy()
    );
    let catalog = read_catalog(&mut db.client).expect("catalog");
    let history = history_versions(&mut db.client);

    let run = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    let as_json = supaschema(project.path(), &["check", "--json", "--db-url", &db.url()], &[]);
    let findings = json_findings(&as_json);
    assert_eq!(findings.len(), 1, "{as_json}");
    let (kind, object, detail) = &findings[0];
    assert_eq!(
        (kind.as_str(), object.as_str()),
        ("rows_break_migration", file.as_str())
    );
    for named in [
        "1 row(s) of public.workspaces",
        "default_project_id",
        "supaschema discard",
    ] {
        assert!(detail.contains(named), "{detail} names {named}");
    }
    assert!(!detail.contains("Dora"), "{detail} shows no value");
    assert_eq!(
        read_catalog(&mut db.client).expect("catalog"),
        catalog,
        "check changed nothing"
    );
    assert_eq!(history_versions(&mut db.client), history, "check applied nothing");

    db.execute("delete from public.workspaces", "the repair");
    let repaired = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(repaired.code, Some(0), "{repaired}");
    let pushed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(pushed.code, Some(0), "{pushed}");
}

#[test]
fn stale_generated_pgtap_tests_fail_with_1() {
    let project = fixture_project();
    assert_eq!(supaschema(project.path(), &["pgtap"], &[]).code, Some(0));
    let file = project.path().join("supabase/tests/database/tasks.test.sql");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("select plan(", "select plan(1 + ")).expect("write");
    let run = supaschema(project.path(), &["check"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout
            .contains("supabase/tests/database/tasks.test.sql is out of date"),
        "{run}"
    );
}

#[test]
fn a_check_that_cannot_run_exits_2() {
    let project = fixture_project();
    std::fs::write(project.path().join("schema.toml"), "tables = 1\n").expect("write");
    let broken = supaschema(project.path(), &["check"], &[]);
    assert_eq!(broken.code, Some(2), "{broken}");
    // One title: the schema error's own, with its file and line.
    assert!(broken.stderr.starts_with("error: "), "{broken}");
    assert!(!broken.stderr.contains("error: error"), "{broken}");
    assert!(broken.stderr.contains("schema.toml:1:"), "{broken}");

    let project = fixture_project();
    let unreachable = supaschema(project.path(), &["check", "--db-url", &unreachable_url()], &[]);
    assert_eq!(unreachable.code, Some(2), "{unreachable}");

    let usage = supaschema(project.path(), &["check", "--no-such-flag"], &[]);
    assert_eq!(usage.code, Some(2), "{usage}");
}

/// A reverse gone or edited since it was generated is a warning: `check` names it and the way
/// to restore it, and still passes, since no push needs it; only `rollback` stops before it.
#[test]
fn a_missing_or_edited_reverse_is_a_warning() {
    let mut project = fixture_project();
    require_default_project(&mut project);
    let untouched = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(untouched.code, Some(0), "{untouched}");
    assert!(json_findings(&untouched).is_empty(), "{untouched}");

    let mut reverses: Vec<String> = std::fs::read_dir(project.path().join("supabase/rollbacks"))
        .expect("the rollbacks folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    reverses.sort();
    let [missing, edited] = &reverses[..] else {
        panic!("a reverse for each of the two migrations: {reverses:?}")
    };
    let rollbacks = project.path().join("supabase/rollbacks");
    std::fs::remove_file(rollbacks.join(missing)).expect("remove a reverse");
    let text = std::fs::read_to_string(rollbacks.join(edited)).expect("a reverse");
    std::fs::write(rollbacks.join(edited), format!("{text}select 1;\n")).expect("edit a reverse");
    let (missing, edited) = (
        format!("supabase/rollbacks/{missing}"),
        format!("supabase/rollbacks/{edited}"),
    );

    let run = supaschema(project.path(), &["check"], &[]);
    assert_eq!(run.code, Some(0), "warnings fail nothing: {run}");
    for words in [
        format!("warning: {missing}, the reverse of "),
        "that the lock records, is missing".to_owned(),
        format!("warning: {edited} was edited after it was generated"),
        "help: restore the reverse from version control as it was generated".to_owned(),
        "until then `supaschema rollback` stops before ".to_owned(),
        "ok: ".to_owned(),
    ] {
        assert!(run.stdout.contains(&words), "says {words:?}:\n{run}");
    }

    let as_json = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(as_json.code, Some(0), "{as_json}");
    let kinds: Vec<(String, String)> = json_findings(&as_json).into_iter().map(|(k, o, _)| (k, o)).collect();
    assert_eq!(
        kinds,
        [
            ("missing_reverse".to_owned(), missing),
            ("edited_reverse".to_owned(), edited)
        ],
        "{as_json}"
    );
    let value: serde_json::Value = serde_json::from_str(as_json.stdout.trim()).expect("JSON");
    for finding in value["findings"].as_array().expect("findings") {
        assert_eq!(finding["severity"], "warning", "{as_json}");
    }

    // Beside an error, the warnings are printed and not counted as problems.
    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        text.replace("one user's space for projects", "one user's space"),
    )
    .expect("write");
    let failed = supaschema(project.path(), &["check"], &[]);
    assert_eq!(failed.code, Some(1), "{failed}");
    assert!(failed.stdout.contains("warning: "), "{failed}");
    assert!(failed.stdout.contains("check failed: 1 problem(s)"), "{failed}");
}
