//! `revoke_default_grants`: on a project whose defaults grant every new object in `public` to
//! the API roles (Supabase before 2026), a table and a function made by hand after the migration
//! are reachable through the API without it, and not with it; turning it on and off later each
//! writes one migration, and off leaves the defaults of projects since 2026. Identity columns'
//! sequences are revoked from the API roles whatever the setting.

use supaschema::Actor;
use supaschema_build::{SourceFile, render_schema};
use supaschema_testkit::{Grants, TempProject, TestDb};

const SCHEMA: &str = patients_schema!("");

/// A fresh database on the grant regime of projects created before 2026, migrated to `schema`.
fn migrated_on_the_older_regime(schema: &str) -> TestDb {
    let (_, sql, _) =
        render_schema(&SourceFile::new("schema.toml", schema.to_owned()), None).unwrap_or_else(|e| panic!("{e}"));
    let mut db = TestDb::new(Grants::Legacy);
    db.execute(&sql, "the generated migration");
    db
}

/// What the API roles can do with a table and a function the migration role creates by hand
/// after the generated migration ran, as each role sees it through the API path.
fn hand_written_reach(schema: &str) -> Vec<(&'static str, bool, bool)> {
    let mut db = migrated_on_the_older_regime(schema);
    db.execute(
        "create table public.scratch (note text); \
         create function public.scratch_count() returns bigint language sql as 'select 1::bigint';",
        "the hand-written objects",
    );
    let user = db.create_user();
    [
        ("anon", Actor::anon()),
        ("authenticated", Actor::user(user)),
        ("service_role", Actor::service_role()),
    ]
    .into_iter()
    .map(|(role, actor)| {
        let reads = db.act(&actor, |tx| tx.query("select note from public.scratch", &[]).is_ok());
        let calls = db.act(&actor, |tx| tx.query("select public.scratch_count()", &[]).is_ok());
        (role, reads, calls)
    })
    .collect()
}

#[test]
fn hand_written_objects_stay_private_only_when_revoked() {
    let open = hand_written_reach(SCHEMA);
    assert_eq!(
        open,
        [
            ("anon", true, true),
            ("authenticated", true, true),
            ("service_role", true, true)
        ],
        "the control: without the setting the defaults grant a hand-written table and function"
    );
    let revoked = hand_written_reach(&format!("revoke_default_grants = true\n{SCHEMA}"));
    assert_eq!(
        revoked,
        [
            ("anon", false, false),
            ("authenticated", false, false),
            ("service_role", false, false)
        ],
        "with revoke_default_grants no API role reaches what the migration did not grant"
    );
}

#[test]
fn turning_it_on_and_off_each_writes_one_migration() {
    let mut project = TempProject::new(SCHEMA);
    let revoked = format!("revoke_default_grants = true\n{SCHEMA}");
    for (schema, expected) in [
        (
            revoked.as_str(),
            "revoke all on tables from anon, authenticated, service_role;",
        ),
        (SCHEMA, "grant execute on functions to public;"),
    ] {
        let before = project.migrations().len();
        project.build(schema).unwrap_or_else(|e| panic!("{e}"));
        let migrations = project.migrations();
        assert_eq!(migrations.len(), before + 1, "one migration");
        let (name, sql) = migrations.last().expect("a migration");
        assert!(name.ends_with("_default_grants.sql"), "{name}");
        assert!(sql.contains(expected), "{sql}");
        assert_eq!(
            project.build(schema).expect("rebuild"),
            Vec::<String>::new(),
            "second build"
        );
    }

    // Applied in order, the last one leaves today's platform defaults: a new table is granted
    // to no API role, a new function is executable through PUBLIC again.
    let mut db = TestDb::new(Grants::Legacy);
    for (file, sql) in project.migrations() {
        db.execute(&sql, &file);
    }
    db.execute(
        "create table public.later (note text); \
         create function public.later_count() returns bigint language sql as 'select 1::bigint';",
        "objects made after the setting was removed",
    );
    let reads = db.act(Actor::anon(), |tx| {
        tx.query("select note from public.later", &[]).is_ok()
    });
    let calls = db.act(Actor::anon(), |tx| tx.query("select public.later_count()", &[]).is_ok());
    assert_eq!((reads, calls), (false, true));
}

/// The patients schema with an identity column, for the sequence grants.
const NUMBERED: &str = patients_schema!(
    r#"visit_no = { type = "bigint", identity = "always", class = "administrative" }
"#
);

/// Whether `role` has any privilege on the sequence of `table.column`.
fn sequence_reachable(db: &mut TestDb, role: &str, table: &str, column: &str) -> bool {
    db.client
        .query_one(
            "select has_sequence_privilege($1, pg_get_serial_sequence($2, $3), 'usage, select, update')",
            &[&role, &format!("public.{table}"), &column],
        )
        .expect("privilege query")
        .get(0)
}

#[test]
fn identity_sequences_are_revoked_from_the_api_roles_and_inserts_still_work() {
    let mut db = migrated_on_the_older_regime(NUMBERED);
    // The control: an identity table made by hand gets the older regime's sequence grants.
    db.execute(
        "create table public.hand_made (id bigint generated always as identity primary key)",
        "a hand-made identity table",
    );
    assert!(sequence_reachable(&mut db, "anon", "hand_made", "id"));
    for role in ["anon", "authenticated", "service_role"] {
        assert!(
            !sequence_reachable(&mut db, role, "patients", "visit_no"),
            "{role} keeps the visit_no sequence"
        );
    }
    let user = db.create_user();
    let inserted = db.act(Actor::user(user), |tx| {
        tx.query_one(
            "insert into public.patients (doctor_id, full_name) values ($1, 'A. Patient') returning visit_no",
            &[&user],
        )
        .map(|row| row.get::<_, i64>(0))
    });
    assert_eq!(
        inserted.expect("an owner's insert numbers the row without the sequence grant"),
        1
    );
}
