//! Locks taken by generated migrations on a table that holds rows and is in use: every
//! migration sets its own `lock_timeout`, so a statement queued behind a long transaction fails
//! after that time instead of holding up every later query on the table.

use postgres::error::SqlState;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use supaschema_build::{Error, Problem};
use supaschema_cli::catalog::read_catalog;
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh, comparable, run_migration};

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

#[test]
fn a_type_change_that_rewrites_the_table_says_so_in_the_migration_and_the_build_output() {
    let mut project = TempProject::new(BASE);
    let edited = BASE.replace(r#"seats = { type = "integer""#, r#"seats = { type = "bigint""#);
    let written = project.build(&edited).expect("build");
    let (name, sql) = project.migrations().pop().expect("a new migration");
    assert!(
        written
            .iter()
            .any(|line| line.contains(&name) && line.contains("bookings.seats") && line.contains("no lock-safe form")),
        "{written:?}"
    );
    assert!(
        sql.contains("-- No lock-safe form: this type change rewrites bookings"),
        "{sql}"
    );
}

/// An exclusion constraint added to an existing table builds its index under ACCESS EXCLUSIVE
/// (it cannot take over one built beforehand): the migration and the build say so.
#[test]
fn a_new_exclusion_constraint_says_it_has_no_lock_safe_form() {
    let mut project = TempProject::new(BASE);
    let edited = BASE.replace(
        r#"indexes = [{ columns = ["doctor_id"] }]"#,
        r#"indexes = [{ columns = ["doctor_id"] }]
exclusions = [{ name = "bookings_no_overlap", elements = [{ expr = "tstzrange(starts_at, starts_at, '[]')", with = "&&" }] }]"#,
    );
    let written = project.build(&edited).expect("build");
    let (name, sql) = project.migrations().pop().expect("a new migration");
    assert!(
        written.iter().any(|line| line.contains(&name)
            && line.contains("adds bookings_no_overlap to bookings")
            && line.contains("no lock-safe form")),
        "{written:?}"
    );
    assert!(
        sql.contains("-- No lock-safe form: adding bookings_no_overlap builds its index"),
        "{sql}"
    );
}

/// A generated column is computed for every row as it is added, and PostgreSQL 15 changes its
/// expression only by adding it again: the migration and the build say so. Run again, each
/// migration sees the column as wanted and takes no lock that stops writes.
#[test]
fn a_generated_column_says_it_rewrites_the_table_and_runs_again_without_blocking() {
    let search = |expr: &str| {
        let line =
            format!(r#"search = {{ type = "text", nullable = true, generated = "{expr}", class = "administrative" }}"#);
        format!("{BASE}{line}\n")
    };
    let mut project = TempProject::new(BASE);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    db.execute("insert into public.bookings (memo) values ('Back pain')", "a row");
    let written = project.build(&search("upper(memo)")).expect("build");
    let (name, sql) = project.migrations().pop().expect("a new migration");
    assert!(
        written.iter().any(|line| line.contains(&name)
            && line.contains("adds the generated column bookings.search")
            && line.contains("no lock-safe form")),
        "{written:?}"
    );
    assert!(
        sql.contains("-- No lock-safe form: adding the generated column search computes it for every row"),
        "{sql}"
    );
    project.migrate(&mut db);
    let edited = search("lower(memo)");
    project.build(&edited).expect("build");
    let (_, sql) = project.migrations().pop().expect("a new migration");
    assert!(
        sql.contains("-- PostgreSQL 15 cannot change a generation expression in place: bookings.search is dropped and added again."),
        "{sql}"
    );
    project.migrate(&mut db);
    let search: String = db
        .client
        .query_one("select search from public.bookings", &[])
        .expect("the row")
        .get(0);
    assert_eq!(search, "back pain", "computed again for the row already there");
    run_again_beside_a_writer(&project, &mut db, "generated column");
    assert_same_as_fresh(&project, &mut db, &edited, "generated column");
}

/// NOT NULL set on a column of an existing table comes in two halves: a check added `not
/// valid` in the migration, then, after the commit, the check validated (writes go on), NOT NULL
/// set without reading the rows, and the check dropped. A row written between the two halves
/// without a value is refused.
#[test]
fn set_not_null_reads_the_rows_after_the_commit_and_refuses_new_nulls_at_once() {
    let mut project = TempProject::new(BASE);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    db.execute("insert into public.bookings (memo) values ('one'), ('two')", "rows");
    let edited = BASE.replace(
        r#"memo = { type = "text", nullable = true"#,
        r#"memo = { type = "text""#,
    );
    let written = project.build(&edited).expect("build");
    assert!(
        !written.iter().any(|line| line.contains("no lock-safe form")),
        "{written:?}"
    );
    let files = project.migrations();
    let [(_, first), (second_name, second)] = &files[files.len() - 2..] else {
        panic!("two files: {files:?}");
    };
    assert!(second_name.ends_with("_nonblocking.sql"), "{second_name}");
    assert!(!first.contains("set not null"), "{first}");
    assert!(second.contains("set not null"), "{second}");
    db.execute(first, "the first half");
    let error = db
        .client
        .batch_execute("insert into public.bookings (memo) values (null)")
        .expect_err("a null between the halves");
    assert_eq!(error.code(), Some(&SqlState::CHECK_VIOLATION), "{error:?}");
    db.execute(second, "the second half");
    assert_same_as_fresh(&project, &mut db, &edited, "set not null");
}

/// Runs every file of `project` again while a writer's transaction holds ROW EXCLUSIVE (the
/// lock of an insert) on every table: each completes, so none waits for a lock that stops writes.
fn run_again_beside_a_writer(project: &TempProject, db: &mut TestDb, context: &str) {
    let mut writer = db.connect();
    let mut open = writer.transaction().expect("begin");
    let tables: Vec<String> = open
        .query("select tablename::text from pg_tables where schemaname = 'public'", &[])
        .expect("tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    for table in &tables {
        open.batch_execute(&format!("lock table public.{table} in row exclusive mode"))
            .expect("lock");
    }
    for (file, sql) in project.migrations() {
        let started = Instant::now();
        let outcome = run_migration(&mut db.client, &format!("set lock_timeout = '300ms';\n{sql}"));
        assert!(
            outcome.is_ok(),
            "{context}: running {file} again waited for a lock beside a writer of {tables:?}: {outcome:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{context}: {file} took {:?}",
            started.elapsed()
        );
    }
    open.rollback().expect("rollback");
}

/// Re-running a migration (after a partial push, say) takes no lock that stops writes on tables
/// whose objects are already in place: the initial migration of a schema with policies,
/// triggers, RLS and indexes, and later ones adding a column, a check, a foreign key, an index,
/// a unique key and a policy.
#[test]
fn running_a_migration_again_takes_no_lock_that_stops_writes() {
    let everything = supaschema_testkit::fixture("everything");
    let project = TempProject::new(&everything);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    run_again_beside_a_writer(&project, &mut db, "everything");

    let mut project = TempProject::new(BASE);
    let mut db = TestDb::new(Grants::Explicit);
    let edited = BASE
        .replace(
            r#"indexes = [{ columns = ["doctor_id"] }]"#,
            r#"indexes = [{ columns = ["doctor_id"] }, { columns = ["starts_at"] }]
rls = true
policies = [{ name = "bookings_read", command = "select", roles = ["service_role"], using = "true" }]"#,
        )
        .replace(
            r#"seats = { type = "integer", nullable = true, default = "1", class = "administrative" }"#,
            r#"seats = { type = "integer", nullable = true, default = "1", check = "seats > 0", class = "administrative" }
fax = { type = "text", nullable = true, class = "administrative" }"#,
        )
        .replace(
            r#"doctor_id = { type = "uuid", nullable = true, class = "administrative" }"#,
            r#"doctor_id = { type = "uuid", nullable = true, references = { table = "doctors", column = "id" }, class = "administrative" }"#,
        )
        .replace(
            r#"reference = { type = "text", nullable = true, class = "administrative" }"#,
            r#"reference = { type = "text", nullable = true, unique = true, class = "administrative" }"#,
        );
    project.build(&edited).expect("build");
    project.migrate(&mut db);
    run_again_beside_a_writer(&project, &mut db, "later changes");
    assert_same_as_fresh(&project, &mut db, &edited, "later changes");
}

/// Re-running a migration that changes objects in place (a column's type, default, nullability
/// and identity, a check, a foreign key, an index, a policy, a trigger's events, `when` and
/// `update of` columns) or removes them takes no
/// lock that stops writes either: each statement sees the object is already as wanted.
#[test]
fn running_a_migration_of_changes_in_place_again_takes_no_lock_that_stops_writes() {
    let everything = supaschema_testkit::fixture("everything");
    let mut project = TempProject::new(&everything);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let edits = [
        (r#"expr = "total >= 0" }"#, r#"expr = "total >= 0 and quantity >= 0" }"#),
        (
            r#"columns = ["tags"], using = "gin""#,
            r#"columns = ["tags"], using = "btree""#,
        ),
        (
            r#"events = ["insert", "update"], function = "touch_order""#,
            r#"events = ["insert"], function = "touch_order""#,
        ),
        (
            r#"when = "old.total is distinct from new.total""#,
            r#"when = "old.total <> new.total""#,
        ),
        (r#"columns = ["total", "quantity"]"#, r#"columns = ["total"]"#),
        (
            r#"using = "type = 'retail'""#,
            r#"using = "type in ('retail', 'wholesale')""#,
        ),
        (
            r#"on_delete = "cascade", on_update = "cascade" }"#,
            r#"on_delete = "cascade" }"#,
        ),
        (
            r#"total = { type = "numeric(12,2)", default = "0""#,
            r#"total = { type = "numeric(12,2)", default = "1""#,
        ),
        (r#"quantity = { type = "integer""#, r#"quantity = { type = "bigint""#),
        (r#"identity = "always""#, r#"identity = "by_default""#),
        (
            r#"legacy_code = { type = "varchar(12)", nullable = true"#,
            r#"legacy_code = { type = "varchar(20)""#,
        ),
        (
            r#"details = { type = "jsonb", nullable = true"#,
            r#"details = { type = "jsonb", nullable = true, default = "'{}'""#,
        ),
        (
            r#"duration = { type = "interval", nullable = true, class = "administrative" }"#,
            "",
        ),
    ];
    let mut edited = everything.clone();
    for (from, to) in edits {
        assert!(edited.contains(from), "the fixture has {from}");
        edited = edited.replacen(from, to, 1);
    }
    assert!(!edited.contains("[migration]"));
    let edited = format!("{edited}\n[migration]\nallow_drop = [\"order.duration\"]\n");
    project.build(&edited).expect("build");
    project.migrate(&mut db);
    run_again_beside_a_writer(&project, &mut db, "changes in place");
    assert_same_as_fresh(&project, &mut db, &edited, "changes in place");
}

/// The lock timeout of the migrations `every_kind_of_change` runs.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How long the reader keeps its transaction open: longer than the lock timeout.
const HOLD: Duration = Duration::from_secs(2);
/// What the clock of a shared machine may add to a wait.
const SLACK: Duration = Duration::from_millis(500);
/// Rows in `bookings` before each change, enough that a scan or a rewrite takes a while.
/// Each booking has a doctor, so that a new foreign key has rows to check.
const SEED: &str = "insert into public.doctors select gen_random_uuid() from generate_series(1, 100); \
    with d as (select id, row_number() over () - 1 as n from public.doctors) \
    insert into public.bookings (doctor_id, seats, memo, reference, starts_at) \
    select d.id, i % 5 + 1, 'memo ' || i, 'ref-' || i, now() - i * interval '1 minute' \
    from generate_series(1, 200000) i join d on d.n = i % 100; \
    analyze public.doctors; analyze public.bookings;";

/// `BASE` with `from` replaced by `to`, and `[migration]` holding `TIMEOUT` and `extra`.
fn edit(from: &str, to: &str, extra: &str) -> String {
    assert!(BASE.contains(from), "the base schema contains {from:?}");
    let timeout = format!("{}ms", TIMEOUT.as_millis());
    format!(
        "{}\n[migration]\nlock_timeout = \"{timeout}\"\n{extra}\n",
        BASE.replacen(from, to, 1)
    )
}

/// Each kind of change the planner makes to an existing table, as an edit of `BASE`.
fn kinds() -> Vec<(&'static str, String)> {
    let seats = r#"seats = { type = "integer", nullable = true, default = "1", class = "administrative" }"#;
    let memo = r#"memo = { type = "text", nullable = true, class = "administrative" }"#;
    let index = r#"indexes = [{ columns = ["doctor_id"] }]"#;
    let doctor = r#"doctor_id = { type = "uuid", nullable = true, class = "administrative" }"#;
    let reference = r#"reference = { type = "text", nullable = true, class = "administrative" }"#;
    let fax = r#"fax = { type = "text", nullable = true, class = "administrative" }"#;
    let status = r#"status = { type = "text", default = "'new'", class = "administrative" }"#;
    vec![
        ("add column", edit(memo, &format!("{memo}\n{fax}"), "")),
        (
            "add column with a default",
            edit(memo, &format!("{memo}\n{status}"), ""),
        ),
        (
            "set default",
            edit(
                memo,
                &memo.replace("nullable = true", "nullable = true, default = \"''\""),
                "",
            ),
        ),
        (
            "rename column",
            edit(
                memo,
                &memo.replace("memo = {", "remark = { renamed_from = \"memo\","),
                "",
            ),
        ),
        ("drop column", edit(memo, "", "allow_drop = [\"bookings.memo\"]")),
        (
            "add check",
            edit(seats, &seats.replace("class", "check = \"seats > 0\", class"), ""),
        ),
        (
            "add foreign key",
            edit(
                doctor,
                &doctor.replace("class", r#"references = { table = "doctors", column = "id" }, class"#),
                "",
            ),
        ),
        (
            "add unique",
            edit(reference, &reference.replace("class", "unique = true, class"), ""),
        ),
        (
            "add index",
            edit(
                index,
                r#"indexes = [{ columns = ["doctor_id"] }, { columns = ["starts_at"] }]"#,
                "",
            ),
        ),
        ("drop index", edit(index, "", "")),
        (
            "set not null",
            edit(seats, &seats.replace("nullable = true", "nullable = false"), ""),
        ),
        (
            "widen type (rewrites)",
            edit(seats, &seats.replace("integer", "bigint"), ""),
        ),
    ]
}

/// A connection that inserts into `bookings` until stopped, and reports the longest insert.
struct Inserter {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(Duration, usize)>,
}

impl Inserter {
    fn start(db: &TestDb) -> Inserter {
        let mut client = db.connect();
        client.batch_execute("set statement_timeout = '30s'").expect("set");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut longest, mut count) = (Duration::ZERO, 0);
            while !stopped.load(Ordering::Relaxed) {
                let started = Instant::now();
                client
                    .batch_execute("insert into public.bookings default values")
                    .expect("an insert never fails");
                longest = longest.max(started.elapsed());
                count += 1;
            }
            (longest, count)
        });
        std::thread::sleep(Duration::from_millis(100));
        Inserter { stop, thread }
    }

    /// The longest time one insert took, after at least one insert.
    fn stop(self) -> Duration {
        std::thread::sleep(Duration::from_millis(100));
        self.stop.store(true, Ordering::Relaxed);
        let (longest, count) = self.thread.join().expect("the inserter ran");
        assert!(count > 0, "the inserter inserted");
        longest
    }
}

/// Runs a change's migration files in order, as `supaschema push` and the Supabase CLI do.
/// Returns how long they ran, and how they ended.
fn apply(client: &mut postgres::Client, files: &[(String, String)]) -> (Duration, Result<(), postgres::Error>) {
    let started = Instant::now();
    let outcome = files.iter().try_for_each(|(_, sql)| run_migration(client, sql));
    (started.elapsed(), outcome)
}

/// A reader that keeps a transaction open on `bookings` (ACCESS SHARE, and a snapshot) for
/// `HOLD`, then ends it; returns once the transaction is open.
fn hold_reader(db: &TestDb) -> std::thread::JoinHandle<()> {
    let mut reader = db.connect();
    let (opened, is_open) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut open = reader.transaction().expect("begin");
        open.batch_execute("select count(*) from public.bookings")
            .expect("read");
        opened.send(()).expect("the test waits");
        std::thread::sleep(HOLD);
        open.rollback().expect("rollback");
    });
    is_open.recv().expect("the reader opened its transaction");
    thread
}

/// The indexes a failed migration left behind: only ones its files build concurrently, each
/// committed on its own before the failure (a re-run keeps them). Apart from them, the catalog
/// is as it was.
fn built_concurrently(
    before: &supaschema_cli::catalog::Catalog,
    mut after: supaschema_cli::catalog::Catalog,
    files: &[(String, String)],
) -> Vec<String> {
    let mut built = Vec::new();
    for (name, table) in &mut after.tables {
        let Some(previous) = before.tables.get(name) else {
            continue;
        };
        table.indexes.retain(|index, _| {
            let new = !previous.indexes.contains_key(index);
            let concurrent = files
                .iter()
                .any(|(_, sql)| sql.contains(&format!("index concurrently if not exists {index} ")));
            if new && concurrent {
                built.push(index.clone());
            }
            !(new && concurrent)
        });
    }
    assert!(
        after == *before,
        "a failed migration changed more than its concurrent indexes"
    );
    built
}

/// What one kind of change did to the inserter.
struct Measured {
    kind: &'static str,
    /// How many files the change was written as.
    files: usize,
    /// While a reader's transaction is open on the table for `HOLD`: how the migration ended
    /// and after how long, and the longest insert.
    contended: (String, Duration),
    /// Run again without the reader, if it failed: the migration's time and the longest insert.
    retried: Option<(Duration, Duration)>,
}

fn ms(duration: Duration) -> u128 {
    duration.as_millis()
}

/// While a reader keeps a transaction open on `bookings` (ACCESS SHARE) and another connection
/// inserts continuously, each kind of generated change either completes without blocking the
/// inserter longer than the lock timeout, or fails on the lock timeout and changes nothing but
/// the indexes it built concurrently beforehand; run again without the reader, it completes. Prints the longest insert per kind (BENCHMARKS.md).
#[test]
fn every_kind_of_change_to_a_busy_table_waits_at_most_its_lock_timeout() {
    let mut measured = Vec::new();
    for (kind, schema) in kinds() {
        let mut project = TempProject::new(BASE);
        let mut db = TestDb::new(Grants::Explicit);
        project.migrate(&mut db);
        db.execute(SEED, "seed");
        project.build(&schema).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let files = project.migrations().split_off(1);
        let before = comparable(read_catalog(&mut db.client).expect("catalog"));

        let inserter = Inserter::start(&db);
        let reader = hold_reader(&db);
        let (took, outcome) = apply(&mut db.client, &files);
        reader.join().expect("the reader ended");
        let blocked = inserter.stop();
        assert!(
            blocked <= TIMEOUT + SLACK,
            "{kind}: an insert waited {} ms behind {files:#?}",
            ms(blocked)
        );
        let mut left_behind = Vec::new();
        let retried = match outcome {
            Ok(()) => None,
            Err(error) => {
                assert_eq!(error.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{kind}: {error:?}");
                let after = comparable(read_catalog(&mut db.client).expect("catalog"));
                left_behind = built_concurrently(&before, after, &files);
                let inserter = Inserter::start(&db);
                let (took, outcome) = apply(&mut db.client, &files);
                outcome.unwrap_or_else(|e| panic!("{kind}: {e:?}"));
                Some((took, inserter.stop()))
            }
        };
        assert_same_as_fresh(&project, &mut db, &schema, kind);
        let ended = match (&retried, left_behind.as_slice()) {
            (None, _) => "completed".to_owned(),
            (Some(_), []) => "lock timeout (55P03)".to_owned(),
            (Some(_), built) => format!("lock timeout (55P03), {} built", built.join(", ")),
        };
        measured.push(Measured {
            kind,
            files: files.len(),
            contended: (format!("{ended} after {} ms", ms(took)), blocked),
            retried,
        });
    }
    println!(
        "| change | files | with a reader open: migration | longest insert (ms) | alone: migration (ms) | longest insert (ms) |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    for m in &measured {
        let (outcome, blocked) = &m.contended;
        let (took, alone) = match m.retried {
            Some((took, blocked)) => (ms(took).to_string(), ms(blocked).to_string()),
            None => ("(completed with the reader)".to_owned(), "".to_owned()),
        };
        println!(
            "| {} | {} | {outcome} | {} | {took} | {alone} |",
            m.kind,
            m.files,
            ms(*blocked)
        );
    }
}

/// Adding a foreign key locks its target against writes until the migration commits. Into
/// `auth.users` (where every sign-up writes) that would stop sign-ups for the whole initial
/// migration, so the keys into tables the schema does not own are its last statements: the
/// lock is taken only once everything else is done.
#[test]
fn the_initial_migration_locks_auth_users_only_for_its_last_statements() {
    let schema = supaschema_testkit::fixture("multi_tenant");
    let project = TempProject::new(&schema);
    let (file, sql) = project.migrations().remove(0);
    let statements = supaschema_cli::split::split_and_trim(&sql);
    let external = statements
        .iter()
        .filter(|s| s.contains("references auth.users"))
        .count();
    assert!(external >= 3, "{file}: foreign keys into auth.users: {external}");
    let mut db = TestDb::new(Grants::Explicit);
    let mut tx = db.client.transaction().expect("begin");
    let locks_auth_users = |tx: &mut postgres::Transaction<'_>| -> bool {
        tx.query_one(
            "select exists (select from pg_locks where pid = pg_backend_pid() and granted \
             and relation = 'auth.users'::regclass and mode = 'ShareRowExclusiveLock')",
            &[],
        )
        .expect("pg_locks")
        .get(0)
    };
    let started = Instant::now();
    let mut locked_at = None;
    for (i, statement) in statements.iter().enumerate() {
        tx.batch_execute(statement)
            .unwrap_or_else(|e| panic!("{file}: statement {i} failed: {e:?}\n{statement}"));
        if locked_at.is_none() && locks_auth_users(&mut tx) {
            locked_at = Some((i, started.elapsed()));
        }
    }
    let whole = started.elapsed();
    tx.commit().expect("commit");
    let (first, at) = locked_at.expect("the migration references auth.users");
    assert_eq!(
        statements.len() - first,
        external,
        "{file}: only the foreign keys into auth.users come after the first that locks it:\n{}",
        statements[first..].join("\n")
    );
    println!(
        "{file}: auth.users locked for the last {external} of {} statements, {} of {} ms",
        statements.len(),
        ms(whole - at),
        ms(whole)
    );
}
