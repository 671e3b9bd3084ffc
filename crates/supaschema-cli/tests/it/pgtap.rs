//! The pgTAP tests `supaschema pgtap` generates run green with `pg_prove` against a migrated
//! database (pgTAP installed in schema `extensions`, as `supabase test db` does), under both
//! grant regimes and for rows owned through a parent; `pgtap` writes only on change and
//! `pgtap --check` notices stale files.

use crate::common::{fixture_project, supaschema};
use supaschema_testkit::{
    Grants, TempProject, TestDb, fixture, generated_tests, install_pgtap, pg_prove, run_pg_prove,
};

/// Writes the pgTAP tests of `schema`, migrates a database to it and runs them: every test
/// passes, and the one described as `expected` is among them.
fn generated_tests_pass(schema: &str, expected: &str) {
    let project = TempProject::new(schema);
    let run = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    install_pgtap(&mut db);
    let output = pg_prove(&db, &generated_tests(project.path()));
    assert!(output.contains(expected), "`{expected}` not run:\n{output}");
}

#[test]
fn the_generated_tests_pass_on_the_migrated_multi_tenant_schema() {
    let project = fixture_project();
    let run = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let files = generated_tests(project.path());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "activity.test.sql",
            "projects.test.sql",
            "tags.test.sql",
            "task_tags.test.sql",
            "tasks.test.sql",
            "workspaces.test.sql",
        ],
        "one file per table"
    );
    for grants in [Grants::Explicit, Grants::Legacy] {
        let mut db = TestDb::new(grants);
        project.migrate(&mut db);
        install_pgtap(&mut db);
        let output = pg_prove(&db, &files);
        for expected in [
            "a doctor cannot read another doctor's row in tasks",
            "a doctor cannot insert a row belonging to another doctor into task_tags",
            "anon cannot select projects",
            "anon cannot select activity",
            "service_role reads every doctor's rows in workspaces",
        ] {
            assert!(output.contains(expected), "{grants:?}: `{expected}` not run\n{output}");
        }
    }
}

/// On tables owned through memberships the generated tests make two groups with a member
/// each and a signed-in outsider: the group table itself, the membership table and a table of
/// the group's rows are tested across groups, and pass; a policy that lets every member of any
/// group through fails them.
#[test]
fn the_generated_tests_pass_on_tables_owned_through_memberships() {
    let project = TempProject::new(&fixture("teams"));
    let run = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    install_pgtap(&mut db);
    let files = generated_tests(project.path());
    let output = pg_prove(&db, &files);
    for expected in [
        "a member of another group cannot read the row in workspaces",
        "a member can update their group's row in memberships",
        "a member cannot insert a row of another group into projects",
        "a user in no group reads nothing of projects",
        "a member can delete their group's row in projects",
        "anon cannot select projects",
    ] {
        assert!(output.contains(expected), "`{expected}` not run\n{output}");
    }
    db.client
        .batch_execute(
            "drop policy projects_owner_select on public.projects;
             create policy projects_owner_select on public.projects for select to authenticated
               using (exists (select 1 from public.memberships m where m.user_id = (select auth.uid())));",
        )
        .expect("open a hole");
    let projects: Vec<_> = files.into_iter().filter(|f| f.ends_with("projects.test.sql")).collect();
    let (success, text) = run_pg_prove(&db, &projects);
    assert!(
        !success,
        "pg_prove passed although any member reads every group's projects:\n{text}"
    );
    assert!(
        text.contains("not ok") && text.contains("a member of another group cannot read the row in projects"),
        "{text}"
    );
}

#[test]
fn the_generated_tests_catch_a_hole_in_the_rules() {
    let project = fixture_project();
    assert_eq!(supaschema(project.path(), &["pgtap"], &[]).code, Some(0));
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    install_pgtap(&mut db);
    let file = project.path().join("supabase/tests/database/tasks.test.sql");
    pg_prove(&db, std::slice::from_ref(&file));
    db.client
        .batch_execute(
            "drop policy tasks_owner_select on public.tasks;
             create policy tasks_owner_select on public.tasks for select to authenticated using (true);",
        )
        .expect("open a hole");
    let (success, text) = run_pg_prove(&db, &[file]);
    assert!(
        !success,
        "pg_prove passed although any user can read every tenant's tasks:\n{text}"
    );
    assert!(
        text.contains("not ok") && text.contains("a doctor cannot read another doctor's row in tasks"),
        "{text}"
    );
}

#[test]
fn rows_owned_through_a_parent_are_tested_too() {
    generated_tests_pass(
        &fixture("owned_via_parent"),
        "a doctor cannot insert a row belonging to another doctor into comments",
    );
}

#[test]
fn pgtap_writes_only_on_change_and_check_notices_stale_files() {
    let project = fixture_project();
    let _ = std::fs::remove_dir_all(project.path().join("supabase/tests"));
    let first = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    assert!(
        first.stdout.contains("wrote supabase/tests/database/tasks.test.sql"),
        "{first}"
    );
    let file = project.path().join("supabase/tests/database/tasks.test.sql");
    let modified = std::fs::metadata(&file).and_then(|m| m.modified()).expect("mtime");

    let second = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(second.stdout.is_empty(), "{second}");
    assert_eq!(
        std::fs::metadata(&file).and_then(|m| m.modified()).expect("mtime"),
        modified
    );
    assert_eq!(supaschema(project.path(), &["pgtap", "--check"], &[]).code, Some(0));

    std::fs::write(&file, "-- Generated by supaschema from schema.toml: edited\n").expect("edit");
    let orphan = project.path().join("supabase/tests/database/dropped_table.test.sql");
    std::fs::write(&orphan, "-- Generated by supaschema from schema.toml: old\n").expect("orphan");
    let check = supaschema(project.path(), &["pgtap", "--check"], &[]);
    assert_eq!(check.code, Some(1), "{check}");
    assert!(check.stdout.contains("tasks.test.sql"), "{check}");
    assert!(check.stdout.contains("dropped_table.test.sql"), "{check}");

    let repaired = supaschema(project.path(), &["pgtap"], &[]);
    assert_eq!(repaired.code, Some(0), "{repaired}");
    assert!(
        repaired
            .stdout
            .contains("removed supabase/tests/database/dropped_table.test.sql"),
        "{repaired}"
    );
    assert!(!orphan.exists());
}

/// A required column of an enum type (an array of one too) gets one of its values in the rows
/// the generated tests write, which then pass.
#[test]
fn rows_with_enum_columns_are_tested_too() {
    let schema = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[enums.note_kind]
values = ["memo", "letter"]

[tables.notes]
owner = { column = "doctor_id" }
indexes = [{ columns = ["doctor_id"] }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
kind = { type = "note_kind", class = "administrative" }
kinds = { type = "note_kind[]", class = "administrative" }
"#;
    generated_tests_pass(
        schema,
        "a doctor cannot insert a row belonging to another doctor into notes",
    );
}
