//! `supaschema diff`: prints the migration the next build would write; writes nothing.

use crate::common::{fixture_project, supaschema};
use supaschema_testkit::TempProject;

fn snapshot(project: &TempProject) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    project
        .migration_files()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect()
}

#[test]
fn nothing_to_print_when_the_migrations_hold_the_schema() {
    let project = fixture_project();
    let run = supaschema(project.path(), &["diff"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("No changes"), "{run}");
}

#[test]
fn a_schema_change_is_printed_and_not_written() {
    let project = fixture_project();
    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        format!(
            "{text}\n[tables.diff_probe]\n\
             [tables.diff_probe.columns]\n\
             id = {{ type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"administrative\" }}\n"
        ),
    )
    .expect("write schema");
    let before = snapshot(&project);
    let run = supaschema(project.path(), &["diff"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("diff_probe"), "{run}");
    assert!(run.stdout.contains("supabase/migrations/"), "{run}");
    assert_eq!(snapshot(&project), before, "diff wrote a file");
}

#[test]
fn a_broken_schema_exits_2_with_its_location() {
    let project = fixture_project();
    std::fs::write(project.path().join("schema.toml"), "[tables.x\n").expect("write");
    let run = supaschema(project.path(), &["diff"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("schema.toml"), "{run}");
}

#[test]
fn a_missing_project_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = supaschema(dir.path(), &["diff"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("schema.toml"), "{run}");
}
