//! `supaschema status`: local migrations against the applied ones, like
//! `supabase migration list`.

use crate::common::{fixture_project, json_findings, supaschema};
use supaschema_testkit::{Grants, TestDb, history_exists, unreachable_url};

#[test]
fn without_a_history_table_everything_is_pending_and_nothing_is_created() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["status", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("Local"), "{run}");
    assert!(run.stdout.contains("Remote"), "{run}");
    assert!(run.stdout.contains("Time (UTC)"), "{run}");
    for version in project.migration_versions() {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&version))
            .unwrap_or_else(|| panic!("{version} not listed\n{run}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells[0], version, "{run}");
        assert_eq!(cells[1], "", "{run}");
    }
    assert!(
        run.stderr
            .contains("no supabase_migrations.schema_migrations table yet"),
        "{run}"
    );
    assert!(run.stderr.contains("pending"), "{run}");
    assert!(!history_exists(&mut db.client), "status created the history table");

    let as_json = supaschema(project.path(), &["status", "--json", "--db-url", &db.url()], &[]);
    assert_eq!(as_json.code, Some(0), "{as_json}");
    let pending: Vec<(String, String)> = json_findings(&as_json).into_iter().map(|(k, o, _)| (k, o)).collect();
    let expected: Vec<(String, String)> = project
        .migration_versions()
        .into_iter()
        .map(|v| ("pending".to_owned(), v))
        .collect();
    assert_eq!(pending, expected, "{as_json}");
}

#[test]
fn after_a_push_every_version_is_applied_and_json_matches_the_cli_shape() {
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &db.url()], &[]).code,
        Some(0)
    );
    let run = supaschema(project.path(), &["status", "--json", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let json: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("JSON");
    let rows = json["migrations"].as_array().expect("migrations");
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["local"].as_str().unwrap_or("").to_owned(),
                r["remote"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = project
        .migration_versions()
        .into_iter()
        .map(|v| (v.clone(), v))
        .collect();
    assert_eq!(pairs, expected, "{run}");
    assert!(run.stderr.contains("Remote database is up to date."), "{run}");
}

#[test]
fn remote_only_versions_are_named() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &db.url()], &[]).code,
        Some(0)
    );
    db.client
        .batch_execute(
            "insert into supabase_migrations.schema_migrations (version, name) values ('29990101000000', 'elsewhere')",
        )
        .expect("insert a foreign history row");
    let run = supaschema(project.path(), &["status", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("29990101000000"))
        .expect("listed");
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    assert_eq!(
        (cells[0], cells[1], cells[2]),
        ("", "29990101000000", "2999-01-01 00:00:00"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("Remote migration versions not found in local migrations directory"),
        "{run}"
    );
    let as_json = supaschema(project.path(), &["status", "--json", "--db-url", &db.url()], &[]);
    let findings: Vec<(String, String)> = json_findings(&as_json).into_iter().map(|(k, o, _)| (k, o)).collect();
    assert_eq!(
        findings,
        [("remote_only".to_owned(), "29990101000000".to_owned())],
        "{as_json}"
    );
}

#[test]
fn an_unreachable_server_exits_2() {
    let project = fixture_project();
    let run = supaschema(project.path(), &["status", "--db-url", &unreachable_url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("cannot connect"), "{run}");
}
