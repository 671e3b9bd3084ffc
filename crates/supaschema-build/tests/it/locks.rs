//! Locks taken by generated migrations on a table that holds rows and is in use: every
//! migration sets its own `lock_timeout`, so a statement queued behind a long transaction fails
//! after that time instead of holding up every later query on the table.

use postgres::error::SqlState;
use supaschema_build::{Error, Problem};
use supaschema_testkit::{Grants, TempProject, TestDb};

/// Two tables of bookings' shape; the tests evolve `bookings`.
const BASE: &str = r#"
[tables.doctors.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }

[tables.bookings]
indexes = [{ columns = ["doctor_id"] }]

[tables.bookings.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", nullable = true, class = "administrative" }
seats = { type = "integer", nullable = true, default = "1", class = "administrative" }
memo = { type = "text", nullable = true, class = "administrative" }
reference = { type = "text", nullable = true, class = "administrative" }
starts_at = { type = "timestamptz", default = "now()", class = "administrative" }
"#;

/// `BASE` with one more line in `bookings` and a `[migration]` section.
fn with_column(line: &str, migration: &str) -> String {
    format!("{BASE}{line}\n\n[migration]\n{migration}\n")
}

#[test]
fn a_migration_waiting_for_a_lock_fails_after_its_lock_timeout_and_changes_nothing() {
    let mut project = TempProject::new(BASE);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let edited = with_column(
        r#"fax = { type = "text", nullable = true, class = "administrative" }"#,
        r#"lock_timeout = "200ms""#,
    );
    project.build(&edited).expect("build");
    let (name, sql) = project.migrations().pop().expect("a new migration");
    assert!(sql.contains("\nset local lock_timeout = '200ms';\n"), "{name}:\n{sql}");

    // A reader keeps its transaction open on the table: `add column` waits for it.
    let mut reader = db.connect();
    let mut open = reader.transaction().expect("begin");
    open.batch_execute("select count(*) from public.bookings")
        .expect("read");
    let started = std::time::Instant::now();
    let error = db.client.batch_execute(&sql).expect_err("the lock is held");
    let waited = started.elapsed();
    assert_eq!(error.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{error:?}");
    assert!(waited.as_millis() < 2_000, "gave up after {waited:?}");
    open.rollback().expect("rollback");

    let fax: bool = db
        .client
        .query_one(
            "select exists (select 1 from information_schema.columns where table_name = 'bookings' and column_name = 'fax')",
            &[],
        )
        .expect("catalog")
        .get(0);
    assert!(!fax, "the failed migration left its column");
    db.execute(&sql, &name);
}

#[test]
fn the_lock_timeout_defaults_to_a_few_seconds_and_alone_writes_no_migration() {
    let mut project = TempProject::new(BASE);
    let (_, initial) = project.migrations().pop().expect("the initial migration");
    assert!(initial.contains("\nset local lock_timeout = '5s';\n"), "{initial}");
    // The setting is about how migrations run, not what the database holds.
    let written = project
        .build(&format!("{BASE}\n[migration]\nlock_timeout = \"1s\"\n"))
        .expect("build");
    assert_eq!(written, Vec::<String>::new());
    assert_eq!(project.rebuild().expect("rebuild"), Vec::<String>::new());
}

#[test]
fn a_bad_lock_timeout_names_its_line() {
    let mut project = TempProject::new(BASE);
    let error = project
        .build(&format!("{BASE}\n[migration]\nlock_timeout = \"5\"\n"))
        .expect_err("no unit");
    match &error {
        Error::Schema(e) => {
            assert_eq!(e.problem(), &Problem::BadLockTimeout { value: "5".into() });
            assert_eq!(e.line(), BASE.lines().count() + 3, "{error}");
        }
        other => panic!("{other}"),
    }
}
