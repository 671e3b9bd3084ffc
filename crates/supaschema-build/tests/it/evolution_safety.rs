//! What keeps a team's migration history safe: data survives renames and widening changes,
//! destructive changes need permission, generated migrations cannot be edited silently,
//! hand-written ones are left alone, versions always sort last, and check mode writes nothing.

use supaschema_build::WriteMode;
use supaschema_build::{Error, Problem};
use supaschema_testkit::{Grants, TempProject, TestDb};

const SCHEMA: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[tables.patients]
owner = { column = "doctor_id" }
indexes = [{ columns = ["doctor_id"] }]

[tables.patients.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
full_name = { type = "text", class = "phi" }
visits = { type = "integer", default = "0", class = "administrative" }
"#;

fn apply_all(project: &TempProject, db: &mut TestDb, from: usize) {
    for (file, sql) in &project.migrations()[from..] {
        db.client.batch_execute(sql).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    }
}

#[test]
fn data_survives_renames_widening_and_added_columns() {
    let mut project = TempProject::new(SCHEMA);
    let mut db = TestDb::new(Grants::Explicit);
    apply_all(&project, &mut db, 0);
    let doctor = db.create_user();
    db.client
        .execute(
            "insert into public.patients (doctor_id, full_name, visits) values ($1, 'Ada', 2147483647), ($1, 'Grace', 7)",
            &[&doctor],
        )
        .expect("seed rows");

    let evolved = SCHEMA
        .replace("[tables.patients]\n", "[tables.clients]\nrenamed_from = \"patients\"\n")
        .replace("[tables.patients.columns]", "[tables.clients.columns]")
        .replace(
            "owner = { column = \"doctor_id\" }",
            "owner = { column = \"clinician_id\" }",
        )
        .replace("columns = [\"doctor_id\"]", "columns = [\"clinician_id\"]")
        .replace(
            "doctor_id = { type",
            "clinician_id = { renamed_from = \"doctor_id\", type",
        )
        .replace("full_name = { type", "name = { renamed_from = \"full_name\", type")
        .replace("visits = { type = \"integer\"", "visits = { type = \"bigint\"")
        + "note = { type = \"text\", nullable = true, class = \"phi\" }\n";
    let count = project.migrations().len();
    project.build(&evolved).expect("evolve");
    let sql = &project.migrations()[count].1;
    assert!(!sql.contains("drop table") && !sql.contains("drop column"), "{sql}");
    apply_all(&project, &mut db, count);

    let rows = db
        .client
        .query(
            "select clinician_id, name, visits, note from public.clients order by name",
            &[],
        )
        .expect("read renamed table");
    let read: Vec<(uuid::Uuid, String, i64, Option<String>)> =
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    assert_eq!(
        read,
        vec![
            (doctor, "Ada".into(), 2_147_483_647, None),
            (doctor, "Grace".into(), 7, None)
        ]
    );
}

#[test]
fn a_destructive_change_without_permission_writes_nothing() {
    let mut project = TempProject::new(SCHEMA);
    let before = project.snapshot();
    let without_visits = SCHEMA.replace(
        "visits = { type = \"integer\", default = \"0\", class = \"administrative\" }\n",
        "",
    );
    let error = project
        .build(&without_visits)
        .expect_err("dropping a column needs permission");
    let Error::Schema(located) = &error else {
        panic!("{error}")
    };
    assert_eq!(
        *located.problem(),
        Problem::DropNotAllowed {
            what: "column",
            name: "patients.visits".into()
        }
    );
    assert_eq!(located.line(), 6, "points at the table: {error}");
    assert!(
        error.to_string().contains("allow_drop = [\"patients.visits\"]"),
        "{error}"
    );
    assert_eq!(project.snapshot(), before);

    let dropped_table = SCHEMA.split("\n[tables.patients]").next().expect("header").to_owned()
        + "\n[tables.other]\nrls = false\n[tables.other.columns]\nid = { type = \"uuid\", primary_key = true, class = \"administrative\" }\n";
    let error = project
        .build(&dropped_table)
        .expect_err("dropping a table needs permission");
    assert!(error.to_string().contains("allow_drop = [\"patients\"]"), "{error}");
    assert_eq!(project.snapshot(), before);
}

#[test]
fn an_edited_migration_stops_the_build() {
    let mut project = TempProject::new(SCHEMA);
    let (name, sql) = project.migrations()[0].clone();
    let path = project.dir.path().join("supabase/migrations").join(&name);
    std::fs::write(&path, sql.replace("full_name text not null", "full_name text")).expect("edit by hand");
    let before = project.snapshot();
    let error = project
        .build(&SCHEMA.replace("default = \"0\"", "default = \"1\""))
        .expect_err("tampering is detected");
    assert!(
        matches!(&error, Error::EditedMigration { path: p } if *p == path),
        "{error}"
    );
    assert!(
        error.to_string().contains(&name) && error.to_string().contains("git checkout"),
        "{error}"
    );
    assert_eq!(
        project.snapshot(),
        before,
        "nothing written, the edited file kept as found"
    );
}

#[test]
fn a_missing_or_foreign_generated_migration_stops_the_build() {
    let mut project = TempProject::new(SCHEMA);
    let dir = project.dir.path().join("supabase/migrations");
    let (name, sql) = project.migrations()[0].clone();
    std::fs::remove_file(dir.join(&name)).expect("remove");
    let error = project.build(SCHEMA).expect_err("a locked migration is missing");
    assert!(
        matches!(&error, Error::MissingMigration { file, .. } if *file == name),
        "{error}"
    );
    std::fs::write(dir.join(&name), &sql).expect("restore");

    // A generated migration the lock does not know: another branch's.
    let branch = sql.replacen("-- initial_schema:", "-- add_things:", 1);
    std::fs::write(dir.join("20990101000000_add_things.sql"), branch).expect("branch file");
    let error = project
        .build(SCHEMA)
        .expect_err("a generated migration from another branch");
    assert!(matches!(&error, Error::UnlockedMigration { .. }), "{error}");
    assert!(error.to_string().contains("delete it"), "{error}");
}

#[test]
fn hand_written_migrations_are_left_alone_and_new_versions_sort_last() {
    let mut project = TempProject::new(SCHEMA);
    let dir = project.dir.path().join("supabase/migrations");
    // A hand-written backfill dated far in the future, and a clock that is behind it.
    let backfill = "update public.patients set visits = visits + 0;\n";
    std::fs::write(dir.join("20991231235959_backfill.sql"), backfill).expect("hand-written");
    project
        .build(&SCHEMA.replace("default = \"0\"", "default = \"5\""))
        .expect("evolve");
    let names: Vec<String> = project.migrations().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[1], "20991231235959_backfill.sql");
    assert!(
        names[2].starts_with("21000101000000_"),
        "the new version sorts after every file: {names:?}"
    );
    assert_eq!(std::fs::read_to_string(dir.join(&names[1])).expect("kept"), backfill);
}

#[test]
fn source_date_epoch_makes_the_version_reproducible() {
    let first = TempProject::new(SCHEMA);
    let second = TempProject::new(SCHEMA);
    assert_eq!(
        first.migrations(),
        second.migrations(),
        "same schema, same clock: same file name and bytes"
    );
    assert_eq!(
        std::fs::read(first.dir.path().join("supabase/schema.lock.json")).expect("lock"),
        std::fs::read(second.dir.path().join("supabase/schema.lock.json")).expect("lock"),
    );
}

#[test]
fn check_mode_fails_instead_of_writing_and_read_only_mode_only_warns() {
    let project = TempProject::new(SCHEMA);
    std::fs::write(
        project.dir.path().join("schema.toml"),
        SCHEMA.replace("default = \"0\"", "default = \"3\""),
    )
    .expect("change schema");
    let before = project.snapshot();
    let out = tempfile::tempdir().expect("out dir");
    let mode = |mode: WriteMode| {
        let mut config = project.config();
        config.out_dir(out.path()).write_mode(mode);
        config
    };
    let error = mode(WriteMode::Check).run().expect_err("pending changes");
    assert!(
        matches!(&error, Error::Unmaterialized { files } if files.len() == 2),
        "{error}"
    );
    assert_eq!(project.snapshot(), before);

    let warnings = mode(WriteMode::ReadOnly).run().expect("read-only build");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.contains("not written")), "{warnings:?}");
    assert_eq!(project.snapshot(), before);
    assert!(out.path().join("schema.rs").exists(), "the types are still generated");

    std::fs::write(project.dir.path().join("schema.toml"), SCHEMA).expect("restore schema");
    assert_eq!(mode(WriteMode::Check).run().expect("up to date"), Vec::<String>::new());
}
