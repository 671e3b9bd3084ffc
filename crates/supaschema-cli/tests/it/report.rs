//! `supaschema report` on the fixtures: the report states the model's access facts (the same
//! `Table::access` the access matrix checks on a real database), names every foreign key in its
//! diagram, and `report --check` and `check` notice when it is stale; a project without a
//! report, or with a hand-written file in its place, is left alone.

use crate::common::{fixture_project, json_findings, supaschema};
use std::path::Path;
use supaschema_build::model::{Command, Role, Schema, Table};
use supaschema_build::{SourceFile, load_schema};
use supaschema_cli::report::COMMANDS;
use supaschema_testkit::{TempProject, fixture};

const REPORT: &str = "docs/data-protection.md";

fn model(project: &Path) -> Schema {
    let text = std::fs::read_to_string(project.join("schema.toml")).expect("schema.toml");
    load_schema(&SourceFile::new("schema.toml", text)).expect("valid schema")
}

/// Writes the report and returns its text.
fn report(project: &Path) -> String {
    let run = supaschema(project, &["report"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    std::fs::read_to_string(project.join(REPORT)).expect("the report was written")
}

/// The lines of the table's section, from its heading to the next heading.
fn section<'a>(text: &'a str, table: &str) -> Vec<&'a str> {
    let heading = format!("### `{table}`");
    text.lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .collect()
}

/// What the report must say for one role and command, from the model's access facts.
fn expected_cell(table: &Table, role: Role, command: Command) -> String {
    let access = table.access(role, command);
    match (access.granted, access.append_only, access.policies) {
        (false, _, _) => "no".into(),
        (true, true, _) => "no (append-only)".into(),
        (true, false, None) => "every row".into(),
        (true, false, Some(policies)) if policies.is_empty() => "no row".into(),
        (true, false, Some(policies)) => {
            assert!(
                policies.iter().all(|p| table.is_owner_policy(p)),
                "{}: the fixtures' policies are the owner rule's",
                table.name
            );
            "own rows".into()
        }
    }
}

fn mermaid(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|line| *line != "```mermaid")
        .skip(1)
        .take_while(|line| *line != "```")
        .collect()
}

#[test]
fn the_report_states_who_may_do_what_as_the_model_says() {
    for name in ["multi_tenant", "owned_via_parent"] {
        let project = TempProject::new(&fixture(name));
        let text = report(project.path());
        let schema = model(project.path());
        for table in &schema.tables {
            let lines = section(&text, &table.name);
            assert!(!lines.is_empty(), "{name}: no section for {}\n{text}", table.name);
            // A role the schema does not use has no row: its database has no such role.
            let unused = Role::ALL.into_iter().filter(|r| !schema.roles().contains(r));
            for role in unused {
                let prefix = format!("| `{}` |", role.sql());
                assert!(
                    !lines.iter().any(|l| l.starts_with(&prefix)),
                    "{name}.{}: {prefix}",
                    table.name
                );
            }
            for role in schema.roles() {
                let cells: Vec<String> = COMMANDS.iter().map(|&c| expected_cell(table, role, c)).collect();
                let row = format!("| `{}` | {} |", role.sql(), cells.join(" | "));
                assert!(lines.contains(&row.as_str()), "{name}.{}: no line `{row}`", table.name);
            }
            for column in &table.columns {
                let class = format!("{:?}", column.class).to_lowercase();
                let line = format!("| `{}` | {} | {class} |", column.name, column.sql_type);
                assert!(
                    lines.iter().any(|l| l.starts_with(&line)),
                    "{name}.{}: no line `{line}`",
                    table.name
                );
            }
        }
    }
}

#[test]
fn the_report_says_the_fixtures_headline_facts() {
    let project = fixture_project();
    let text = report(project.path());
    let audit = section(&text, "activity");
    for row in [
        "| `anon` | no | no | no | no |",
        "| `authenticated` | no | no | no | no |",
        "| `service_role` | every row | no | no | no |",
    ] {
        assert!(audit.contains(&row), "activity: `{row}`\n{}", audit.join("\n"));
    }
    let tasks = section(&text, "tasks");
    assert!(tasks.contains(&"| `authenticated` | own rows | own rows | own rows | own rows |"));
    assert!(
        tasks
            .iter()
            .any(|l| l.starts_with("Own rows: the row's `owner_id` is the signed-in user's id."))
    );
    assert!(
        text.contains("| `tasks` | insert, update, delete | `notes` |"),
        "{text}"
    );
    assert!(text.contains("| `activity` | update, delete, truncate |"), "{text}");
    // Deleting a user erases their workspaces, and with them everything under them.
    assert!(
        text.contains(
            "| `workspaces (owner_id)` | `auth.users (id)` | cascade: deleted with it, and with them the rows of \
             `projects`, `tasks`, `task_tags` that refer to them |"
        ),
        "{text}"
    );

    let via = TempProject::new(&fixture("owned_via_parent"));
    let text = report(via.path());
    assert!(
        text.contains(
            "Own rows: the `posts` row that `post_id` refers to belongs to the signed-in user, and the user's token \
             carries `app_metadata.role` = `author`, which only the backend can set."
        ),
        "{text}"
    );
}

#[test]
fn the_diagram_names_every_foreign_key() {
    let project = fixture_project();
    let text = report(project.path());
    let diagram = mermaid(&text);
    assert_eq!(diagram.first(), Some(&"erDiagram"), "{text}");
    let schema = model(project.path());
    let mut foreign_keys = 0;
    for table in &schema.tables {
        assert!(
            diagram.contains(&format!("    {} {{", table.name).as_str()),
            "entity {}",
            table.name
        );
        for fk in &table.foreign_keys {
            foreign_keys += 1;
            let parent = format!("{}.{}", fk.target_schema, fk.target_table)
                .trim_start_matches("public.")
                .replace('.', "_");
            let label = format!(
                " {parent} : \"{} (on delete {})\"",
                fk.columns.join(", "),
                fk.on_delete.sql()
            );
            assert!(
                diagram
                    .iter()
                    .any(|l| l.starts_with(&format!("    {} }}o--", table.name)) && l.ends_with(&label)),
                "{}: no relationship for {}\n{}",
                table.name,
                fk.name,
                diagram.join("\n")
            );
        }
    }
    assert_eq!(diagram.iter().filter(|l| l.contains("}o--")).count(), foreign_keys);
    assert!(diagram.contains(&"    auth_users {"));
}

#[test]
fn the_whole_report_of_the_multi_tenant_fixture() {
    let project = fixture_project();
    insta::assert_snapshot!(report(project.path()));
}

#[test]
fn check_fails_while_the_report_is_stale() {
    let project = fixture_project();
    report(project.path());
    let run = supaschema(project.path(), &["report"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("up to date"), "a second run writes nothing: {run}");
    assert_eq!(supaschema(project.path(), &["report", "--check"], &[]).code, Some(0));
    let run = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(run.code, Some(0), "{run}");

    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema.toml");
    let changed = text.replace(
        r#"title = { type = "text", class = "public" }"#,
        r#"title = { type = "text", class = "phi" }"#,
    );
    assert_ne!(text, changed);
    std::fs::write(&schema, changed).expect("write schema.toml");

    let run = supaschema(project.path(), &["report", "--check"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(run.stdout.trim(), format!("out of date: {REPORT}"));
    let run = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    let stale: Vec<_> = json_findings(&run)
        .into_iter()
        .filter(|(kind, _, _)| kind == "stale_report")
        .collect();
    assert_eq!(stale.len(), 1, "{run}");
    assert_eq!(stale[0].1, REPORT);
    assert!(stale[0].2.contains("supaschema report"), "{}", stale[0].2);

    assert!(report(project.path()).contains("| `title` | text | phi |"));
    assert_eq!(supaschema(project.path(), &["report", "--check"], &[]).code, Some(0));
}

#[test]
fn a_project_without_a_report_is_left_alone() {
    let project = fixture_project();
    let run = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(run.code, Some(0), "no report, nothing to compare: {run}");
    let run = supaschema(project.path(), &["report", "--check"], &[]);
    assert_eq!(run.code, Some(1), "--check wants the report: {run}");

    // A hand-written file in the report's place is neither compared nor overwritten.
    let path = project.path().join(REPORT);
    std::fs::create_dir_all(path.parent().expect("docs/")).expect("mkdir docs");
    std::fs::write(&path, "# Our own notes\n").expect("write");
    let run = supaschema(project.path(), &["check", "--json"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let run = supaschema(project.path(), &["report"], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("was not written by `supaschema report`"), "{run}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "# Our own notes\n");
}

/// Where the data goes besides the tables: the tables Realtime streams and each Storage bucket,
/// with whether it holds PHI and who reaches its files.
#[test]
fn the_report_names_the_streamed_tables_and_the_buckets() {
    let schema = format!(
        "{}\n[buckets.patient_photos]\nphi = true\nowner = \"first_folder\"\nfile_size_limit = 5000000\nallowed_mime_types = [\"image/png\"]\n\n[buckets.avatars]\npublic = true\n",
        fixture("multi_tenant")
    );
    let project = TempProject::new(&schema);
    let text = report(project.path());
    for expected in [
        "access above lets them see the row: `tasks`.",
        "| `patient_photos` | yes | a signed-in user reaches the files under a folder named by their user id | at most 5000000 bytes; `image/png` |",
        "| `avatars` | no | anyone with a file's URL downloads it | any size; any type |",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    let plain = TempProject::new(&fixture("minimal"));
    assert!(!report(plain.path()).contains("## Changes sent and files stored"));
}
