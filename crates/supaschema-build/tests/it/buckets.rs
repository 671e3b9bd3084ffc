//! Storage buckets: the row in `storage.buckets`, the owner rule's policies on
//! `storage.objects` tested as Supabase's API roles, and every change to a bucket applied and
//! rolled back against a real database.

use postgres::error::SqlState;
use supaschema::Actor;
use supaschema_build::{Error, Problem};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh};

const NOTES: &str = r#"
[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "public" }
"#;

const PHOTOS: &str = r#"
[buckets.patient_photos]
phi = true
owner = "first_folder"
file_size_limit = 5242880
allowed_mime_types = ["image/png", "image/jpeg"]
"#;

/// Runs `sql` as `actor` (with `$1` the file's path) as the Storage API does, which opts in to
/// deletes; the number of rows it touched, or the error's SQLSTATE.
fn act(db: &mut TestDb, actor: &Actor, sql: &str, path: &str) -> Result<u64, SqlState> {
    db.act(actor, |tx| {
        tx.execute("select set_config('storage.allow_delete_query', 'true', true)", &[])
            .expect("opt in to deletes");
        tx.execute("savepoint attempt", &[]).expect("savepoint");
        let outcome = tx.execute(sql, &[&path]);
        if outcome.is_err() {
            tx.execute("rollback to savepoint attempt", &[]).expect("rollback");
        }
        outcome.map_err(|e| e.code().cloned().expect("a database error"))
    })
}

const UPLOAD: &str = "insert into storage.objects (bucket_id, name) values ('patient_photos', $1)";
const READ: &str = "select 1 from storage.objects where bucket_id = 'patient_photos' and name = $1";
const OVERWRITE: &str = "update storage.objects set metadata = '{\"size\": 1}' where name = $1";
const DELETE: &str = "delete from storage.objects where name = $1";

#[test]
fn only_the_owner_reaches_files_in_their_folder() {
    let project = TempProject::new(&format!("{NOTES}{PHOTOS}"));
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (a, b) = (db.create_user(), db.create_user());
    let (as_a, as_b) = (db.signed_in(a), db.signed_in(b));
    let photo = format!("{a}/face.png");

    assert_eq!(act(&mut db, &as_a, UPLOAD, &photo), Ok(1), "A uploads into A's folder");
    assert_eq!(act(&mut db, &as_a, READ, &photo), Ok(1), "A reads it");

    assert_eq!(act(&mut db, &as_b, READ, &photo), Ok(0), "B does not see A's file");
    assert_eq!(act(&mut db, &as_b, OVERWRITE, &photo), Ok(0), "B cannot overwrite it");
    assert_eq!(act(&mut db, &as_b, DELETE, &photo), Ok(0), "B cannot delete it");
    assert_eq!(
        act(&mut db, &as_b, UPLOAD, &format!("{a}/planted.png")),
        Err(SqlState::INSUFFICIENT_PRIVILEGE),
        "B cannot upload into A's folder"
    );
    assert_eq!(
        act(&mut db, &as_b, UPLOAD, "loose.png"),
        Err(SqlState::INSUFFICIENT_PRIVILEGE),
        "nor outside any folder"
    );
    assert_eq!(act(&mut db, &Actor::anon(), READ, &photo), Ok(0), "anon sees nothing");
    assert_eq!(
        act(&mut db, &Actor::anon(), UPLOAD, &format!("{a}/anon.png")),
        Err(SqlState::INSUFFICIENT_PRIVILEGE),
        "nor uploads"
    );
    let guest = db.create_anonymous_user();
    let as_guest = db.signed_in(guest);
    assert_eq!(
        act(&mut db, &as_guest, UPLOAD, &format!("{guest}/guest.png")),
        Err(SqlState::INSUFFICIENT_PRIVILEGE),
        "an anonymous sign-in cannot upload, even into its own folder"
    );

    assert_eq!(act(&mut db, &as_a, OVERWRITE, &photo), Ok(1), "A overwrites it");
    assert_eq!(act(&mut db, &as_a, DELETE, &photo), Ok(1), "A deletes it");
    assert_eq!(act(&mut db, &Actor::service_role(), READ, &photo), Ok(0), "it is gone");

    let row = db
        .client
        .query_one(
            "select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'patient_photos'",
            &[],
        )
        .expect("the bucket's row");
    let settings: (bool, Option<i64>, Option<Vec<String>>) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(
        settings,
        (
            false,
            Some(5_242_880),
            Some(vec!["image/png".to_owned(), "image/jpeg".to_owned()])
        )
    );
}

/// Added, changed, stripped of its owner rule and deleted: each migration leaves what a fresh
/// build of its schema makes, and its reverse what the one before did.
#[test]
fn buckets_evolve_and_roll_back() {
    let changed = PHOTOS
        .replace("file_size_limit = 5242880\n", "")
        .replace("[\"image/png\", \"image/jpeg\"]", "[\"image/*\"]");
    let unowned = format!(
        "{NOTES}{}[buckets.avatars]\npublic = true\n",
        changed.replace("phi = true\nowner = \"first_folder\"\n", "")
    );
    let steps = [
        ("add the bucket", format!("{NOTES}{PHOTOS}")),
        ("change its limits", format!("{NOTES}{changed}")),
        ("remove its owner rule, add a public bucket", unowned.clone()),
        (
            "delete the buckets",
            format!("{NOTES}\n[migration]\nallow_drop = [\"bucket:patient_photos\", \"bucket:avatars\"]\n"),
        ),
    ];
    let mut project = TempProject::new(NOTES);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let mut before = NOTES.to_owned();
    for (step, schema) in steps {
        project.build(&schema).unwrap_or_else(|e| panic!("{step}: {e}"));
        let (file, sql) = project.migrations().pop().expect("a migration");
        db.execute(&sql, step);
        db.execute(&sql, &format!("{step}, run again"));
        assert_same_as_fresh(&project, &mut db, &schema, step);
        let reverse = project
            .reverse(&file)
            .unwrap_or_else(|why| panic!("{step}: no reverse: {why}"));
        db.execute(&reverse.sql, &format!("{step}, rolled back"));
        db.execute(&reverse.sql, &format!("{step}, rolled back again"));
        assert_same_as_fresh(&project, &mut db, &before, &format!("{step}, rolled back"));
        db.execute(&sql, &format!("{step}, again"));
        before = schema;
    }
}

#[test]
fn a_bucket_is_deleted_only_when_allowed_and_empty() {
    let mut project = TempProject::new(&format!("{NOTES}{PHOTOS}"));
    let error = project.build(NOTES).expect_err("deleting the bucket needs permission");
    assert!(
        matches!(&error, Error::Schema(e) if *e.problem() == Problem::BucketDropNotAllowed { bucket: "patient_photos".into() }),
        "{error}"
    );
    assert!(
        error.to_string().contains("allow_drop = [\"bucket:patient_photos\"]"),
        "{error}"
    );

    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let a = db.create_user();
    let as_a = db.signed_in(a);
    assert_eq!(act(&mut db, &as_a, UPLOAD, &format!("{a}/face.png")), Ok(1));
    project
        .build(&format!(
            "{NOTES}\n[migration]\nallow_drop = [\"bucket:patient_photos\"]\n"
        ))
        .expect("allowed");
    let (_, sql) = project.migrations().pop().expect("a migration");
    let refused = supaschema_testkit::run_migration(&mut db.client, &sql).expect_err("the bucket holds a file");
    assert!(
        refused
            .to_string()
            .contains("bucket patient_photos still holds 1 files")
            || format!("{refused:?}").contains("bucket patient_photos still holds 1 files"),
        "{refused:?}"
    );
    let kept: i64 = db
        .client
        .query_one("select count(*) from storage.buckets where id = 'patient_photos'", &[])
        .expect("count")
        .get(0);
    assert_eq!(kept, 1, "the migration rolled back whole");
}
