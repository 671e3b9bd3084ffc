//! `supaschema push` against fresh databases: applies and records like `supabase db push`,
//! refuses what the CLI refuses, rolls a failing file back without printing its DETAIL, and
//! applies each migration once when two pushes race.

use crate::common::{fixture_project, json_findings, supaschema};
use supaschema_cli::split::split_and_trim;
use supaschema_testkit::{
    Grants, TestDb, history_exists, history_rows, history_versions, public_tables, unreachable_url,
};

#[test]
fn push_applies_and_records_every_migration_then_has_nothing_to_do() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    assert!(!history_exists(&mut db.client));

    let first = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    let files = project.migration_files();
    for file in &files {
        let name = file.file_name().expect("name").to_string_lossy();
        assert!(
            first.stdout.contains(&format!("Applying migration {name}...")),
            "{first}"
        );
    }
    let rows = history_rows(&mut db.client);
    assert_eq!(rows.len(), files.len(), "{first}");
    for ((version, name, statements), file) in rows.iter().zip(&files) {
        let file_name = file.file_name().expect("name").to_string_lossy().into_owned();
        assert_eq!(file_name, format!("{version}_{name}.sql"));
        let sql = std::fs::read_to_string(file).expect("read migration");
        assert_eq!(statements, &split_and_trim(&sql), "recorded statements of {file_name}");
    }
    assert_eq!(
        public_tables(&mut db.client),
        ["activity", "projects", "tags", "task_tags", "tasks", "workspaces"],
        "{first}"
    );

    let second = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(second.stdout.contains("Remote database is up to date."), "{second}");
    assert!(!second.stdout.contains("Applying migration"), "{second}");
    assert_eq!(history_rows(&mut db.client), rows);
}

#[test]
fn push_reads_database_url_from_the_environment() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Legacy);
    let run = supaschema(project.path(), &["push"], &[("DATABASE_URL", &db.url())]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(history_rows(&mut db.client).len(), project.migration_files().len());
}

#[test]
fn dry_run_lists_and_changes_nothing() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["push", "--dry-run", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("Would push these migrations:"), "{run}");
    for file in project.migration_files() {
        let name = file.file_name().expect("name").to_string_lossy().into_owned();
        assert!(run.stdout.contains(&name), "{run}");
    }
    assert!(!history_exists(&mut db.client), "a dry run created the history table");
    assert!(public_tables(&mut db.client).is_empty(), "a dry run created tables");

    let as_json = supaschema(
        project.path(),
        &["push", "--dry-run", "--json", "--db-url", &db.url()],
        &[],
    );
    assert_eq!(as_json.code, Some(0), "{as_json}");
    let findings = json_findings(&as_json);
    let versions: Vec<&str> = findings.iter().map(|(_, version, _)| version.as_str()).collect();
    assert_eq!(versions, project.migration_versions(), "{as_json}");
    assert!(findings.iter().all(|(kind, _, _)| kind == "pending"), "{as_json}");
    assert!(public_tables(&mut db.client).is_empty(), "a dry run created tables");
    let without_dry_run = supaschema(project.path(), &["push", "--json", "--db-url", &db.url()], &[]);
    assert_eq!(
        without_dry_run.code,
        Some(2),
        "--json needs --dry-run: {without_dry_run}"
    );
}

#[test]
fn an_older_local_file_is_refused_unless_include_all() {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration(
        "20240101000000_one.sql",
        "create table public.one (id int primary key);",
    );
    project.add_migration(
        "20240103000000_three.sql",
        "create table public.three (id int primary key);",
    );
    let mut db = TestDb::new(Grants::Explicit);
    let url = db.url();
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &url], &[]).code,
        Some(0)
    );

    project.add_migration(
        "20240102000000_two.sql",
        "create table public.two (id int primary key);",
    );
    project.add_migration(
        "20240109000000_nine.sql",
        "create table public.nine (id int primary key);",
    );
    let refused = supaschema(project.path(), &["push", "--db-url", &url], &[]);
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(
        refused
            .stderr
            .contains("Found local migration files to be inserted before the last migration on remote database."),
        "{refused}"
    );
    assert!(
        refused.stderr.contains("Rerun the command with --include-all flag"),
        "{refused}"
    );
    assert!(
        refused.stderr.contains("supabase/migrations/20240102000000_two.sql"),
        "{refused}"
    );
    assert_eq!(
        public_tables(&mut db.client),
        ["one", "three"],
        "the refused push changed something"
    );

    let dry = supaschema(
        project.path(),
        &["push", "--include-all", "--dry-run", "--db-url", &url],
        &[],
    );
    assert_eq!(dry.code, Some(0), "{dry}");
    let two = dry.stdout.find("20240102000000_two.sql").expect("two listed");
    let nine = dry.stdout.find("20240109000000_nine.sql").expect("nine listed");
    assert!(two < nine, "{dry}");

    let included = supaschema(project.path(), &["push", "--include-all", "--db-url", &url], &[]);
    assert_eq!(included.code, Some(0), "{included}");
    assert_eq!(public_tables(&mut db.client), ["nine", "one", "three", "two"]);
    let versions = history_versions(&mut db.client);
    assert_eq!(
        versions,
        ["20240101000000", "20240102000000", "20240103000000", "20240109000000"]
    );
}

#[test]
fn a_remote_version_missing_locally_is_refused_with_the_cli_suggestion() {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration(
        "20240101000000_one.sql",
        "create table public.one (id int primary key);",
    );
    let removed = project.add_migration(
        "20240103000000_three.sql",
        "create table public.three (id int primary key);",
    );
    let mut db = TestDb::new(Grants::Explicit);
    let url = db.url();
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &url], &[]).code,
        Some(0)
    );
    std::fs::remove_file(removed).expect("remove");
    project.add_migration(
        "20240105000000_five.sql",
        "create table public.five (id int primary key);",
    );

    let refused = supaschema(project.path(), &["push", "--db-url", &url], &[]);
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(
        refused
            .stderr
            .contains("Remote migration versions not found in local migrations directory."),
        "{refused}"
    );
    assert!(
        refused
            .stderr
            .contains("supabase migration repair --status reverted 20240103000000"),
        "{refused}"
    );
    assert!(refused.stderr.contains("supabase db pull"), "{refused}");
    assert_eq!(
        public_tables(&mut db.client),
        ["one", "three"],
        "the refused push changed something"
    );
}

#[test]
fn a_failing_file_rolls_back_with_its_history_row_and_never_prints_the_detail() {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration(
        "20240101000000_people.sql",
        "create table public.people (name text check (name <> 'Jane Roe'));",
    );
    project.add_migration(
        "20240102000000_bad_data.sql",
        "create table public.created_then_rolled_back (id int);\n\
         insert into public.people (name) values ('Jane Roe');\n\
         create table public.never (id int);",
    );
    project.add_migration("20240103000000_later.sql", "create table public.later (id int);");
    let mut db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("SQLSTATE 23514"), "{run}");
    assert!(run.stderr.contains("At statement: 1"), "{run}");
    assert!(
        !run.all().contains("Failing row contains"),
        "the DETAIL (the failing row, PHI) was printed:\n{run}"
    );
    assert_eq!(
        public_tables(&mut db.client),
        ["people"],
        "only the first file stays applied"
    );
    let versions = history_versions(&mut db.client);
    assert_eq!(versions, ["20240101000000"]);
}

/// A generated migration edited after generation is refused as the build refuses it, before
/// the push touches the database.
#[test]
fn an_edited_generated_migration_is_refused_with_nothing_applied() {
    let mut project = fixture_project();
    let generated = project.migration_files().remove(0);
    let mut sql = std::fs::read_to_string(&generated).expect("read the generated migration");
    sql.push_str("\ncreate table public.sneaked_in (id int);\n");
    std::fs::write(&generated, sql).expect("edit the generated migration");
    let build_error = project.rebuild().expect_err("the build refuses the edited migration");

    let mut db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(&build_error.to_string()),
        "not the build's message:\n{run}"
    );
    assert!(run.stderr.contains("Nothing was pushed."), "{run}");
    assert!(public_tables(&mut db.client).is_empty(), "{run}");
    assert!(!history_exists(&mut db.client), "{run}");
}

#[test]
fn two_pushes_at_once_apply_each_migration_once() {
    let project = fixture_project();
    // Slow files widen the window in which both pushes hold the same pending list.
    for (i, table) in ["race_a", "race_b", "race_c"].iter().enumerate() {
        project.add_migration(
            &format!("2999010100000{i}_{table}.sql"),
            &format!("select pg_sleep(0.3);\ncreate table public.{table} (id int);"),
        );
    }
    let mut db = TestDb::new(Grants::Explicit);
    let url = db.url();
    let path = project.path().to_owned();
    let pushes: Vec<_> = (0..2)
        .map(|_| {
            let (path, url) = (path.clone(), url.clone());
            std::thread::spawn(move || supaschema(&path, &["push", "--db-url", &url], &[]))
        })
        .collect();
    let runs: Vec<_> = pushes.into_iter().map(|p| p.join().expect("push thread")).collect();
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run}");
    }
    let rows = history_rows(&mut db.client);
    assert_eq!(rows.len(), project.migration_files().len(), "{}\n{}", runs[0], runs[1]);
    for file in project.migration_files() {
        let name = file.file_name().expect("name").to_string_lossy().into_owned();
        let line = format!("Applying migration {name}...");
        let times: usize = runs.iter().map(|r| r.stdout.matches(&line).count()).sum();
        assert_eq!(times, 1, "{name} was applied {times} times\n{}\n{}", runs[0], runs[1]);
    }
    let applying: usize = runs
        .iter()
        .map(|r| r.stdout.matches("Applying migration").count())
        .sum();
    assert_eq!(
        applying,
        project.migration_files().len(),
        "each migration must be applied by exactly one push\n{}\n{}",
        runs[0],
        runs[1]
    );
}

#[test]
fn push_creates_the_history_table_like_the_cli() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    assert_eq!(
        supaschema(project.path(), &["push", "--db-url", &db.url()], &[]).code,
        Some(0)
    );
    let columns: Vec<(String, String, String)> = db
        .client
        .query(
            "select column_name::text, data_type::text, is_nullable::text from information_schema.columns \
             where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' order by ordinal_position",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        columns,
        [
            ("version".to_owned(), "text".to_owned(), "NO".to_owned()),
            ("statements".to_owned(), "ARRAY".to_owned(), "YES".to_owned()),
            ("name".to_owned(), "text".to_owned(), "YES".to_owned()),
        ]
    );
    let key: String = db
        .client
        .query_one(
            "select conname::text from pg_constraint where conrelid = 'supabase_migrations.schema_migrations'::regclass and contype = 'p'",
            &[],
        )
        .expect("primary key")
        .get(0);
    assert_eq!(key, "schema_migrations_pkey");
}

#[test]
fn connection_problems_are_clear_and_exit_2() {
    let project = fixture_project();
    let unreachable = supaschema(project.path(), &["push", "--db-url", &unreachable_url()], &[]);
    assert_eq!(unreachable.code, Some(2), "{unreachable}");
    assert!(
        unreachable.stderr.contains("cannot connect to 127.0.0.1:"),
        "{unreachable}"
    );
    assert!(!unreachable.all().contains("secret-password"), "{unreachable}");

    let missing = supaschema(project.path(), &["push"], &[]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(missing.stderr.contains("--db-url"), "{missing}");

    let garbage = supaschema(
        project.path(),
        &["push", "--db-url", "postgresql://host:notaport/db"],
        &[],
    );
    assert_eq!(garbage.code, Some(2), "{garbage}");
    assert!(garbage.stderr.contains("database URL is not valid"), "{garbage}");
}

/// A login PostgreSQL refuses (a role without LOGIN; and, where the server checks passwords,
/// a wrong password) gets the server's reason and SQLSTATE, and nothing changes.
#[test]
fn refused_logins_are_clear_and_change_nothing() {
    let project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let role = format!("{}_nologin", db.name);
    db.client
        .batch_execute(&format!("create role {role} nologin password 'right-password'"))
        .expect("create role");
    let url = db.url();
    let (_, server_and_database) = url.split_once('@').expect("the test URL names a user");
    let url = format!("postgresql://{role}:wrong-password@{server_and_database}");
    let run = supaschema(project.path(), &["push", "--db-url", &url], &[]);
    db.client
        .batch_execute(&format!("drop role {role}"))
        .expect("drop role");
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("cannot connect to"), "{run}");
    assert!(
        run.stderr.contains("SQLSTATE 28000") || run.stderr.contains("SQLSTATE 28P01"),
        "{run}"
    );
    assert!(!run.all().contains("wrong-password"), "{run}");
    assert!(!history_exists(&mut db.client));
}
