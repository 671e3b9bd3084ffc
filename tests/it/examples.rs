//! The example programs, run as a doctor against the committed migrations: both go through row
//! level security (the audit trail records role `authenticated` and the doctor, not a
//! superuser), the async one through a `deadpool-postgres` pool, and both say what to set when
//! a setting is missing.

#[allow(dead_code)]
#[path = "../../examples/book_appointment.rs"]
mod book_appointment;
// Each example has its own copy of the settings module, as each is its own crate.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../../examples/book_appointment_async.rs"]
mod book_appointment_async;

use crate::common::{Actor, Grants, Migrate, TestDb, signed_in_doctor};
use book_appointment::BookingError;
use book_appointment::settings::Settings;
use uuid::Uuid;

/// A migrated database with a doctor, and the example settings for that doctor.
fn doctor_db() -> (TestDb, Settings) {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let doctor_id = db.create_user();
    let settings = Settings {
        database_url: db.url(),
        doctor_id,
    };
    (db, settings)
}

/// Who the audit trail says wrote the rows of `table`: (role, user) for each insert.
fn writers(db: &mut TestDb, table: &str) -> Vec<(String, Option<Uuid>)> {
    db.act(Actor::service_role(), |tx| {
        tx.query(
            "select actor_role, actor_id from public.audit_logs where table_name = $1 and action = 'insert' order by occurred_at",
            &[&table],
        )
        .expect("read the audit log")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
    })
}

#[test]
fn the_blocking_example_books_once_as_the_doctor() {
    let (mut db, settings) = doctor_db();
    let outcome = book_appointment::run(&settings).expect("the example runs");
    assert!(outcome.attempts[0].is_ok(), "{outcome:?}");
    assert!(
        matches!(outcome.attempts[1], Err(BookingError::SlotTaken)),
        "{outcome:?}"
    );
    let doctor = Some(settings.doctor_id);
    assert_eq!(writers(&mut db, "patients"), vec![("authenticated".to_owned(), doctor)]);
    assert_eq!(
        writers(&mut db, "appointments"),
        vec![("authenticated".to_owned(), doctor)]
    );

    let other = db.create_user();
    let seen_by_other = db.act(signed_in_doctor(other), |tx| {
        tx.query_one("select count(*) from public.patients", &[])
            .expect("count")
            .get::<_, i64>(0)
    });
    assert_eq!(seen_by_other, 0, "another doctor sees the patient");
}

#[test]
fn the_async_example_books_through_a_pool_and_a_clash_is_told_apart() {
    let (mut db, settings) = doctor_db();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (first, second) = runtime.block_on(async {
        let pool = book_appointment_async::pool(&settings.database_url).expect("pool");
        // Two requests at once on two pooled connections, for the same doctor and slot.
        tokio::join!(
            book_appointment_async::run(&pool, settings.doctor_id),
            book_appointment_async::run(&pool, settings.doctor_id)
        )
    });
    let (first, second) = (first.expect("first run"), second.expect("second run"));
    assert!(
        first.is_some() != second.is_some(),
        "exactly one books the slot: {first:?}, {second:?}"
    );
    let doctor = Some(settings.doctor_id);
    assert_eq!(
        writers(&mut db, "patients"),
        vec![("authenticated".to_owned(), doctor); 2]
    );
    assert_eq!(
        writers(&mut db, "appointments"),
        vec![("authenticated".to_owned(), doctor)]
    );
}

#[test]
fn a_missing_setting_is_named_with_what_to_set() {
    let from = |args: &[&str], set: &[(&str, &str)]| {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Settings::from(&args, |name| {
            set.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        })
    };
    let missing = from(&[], &[("DATABASE_URL", "postgresql://x")]).err().expect("refused");
    assert!(
        missing.starts_with("error: set DOCTOR_ID\n") && missing.contains("auth.users"),
        "{missing}"
    );
    let bad = from(&[], &[("DATABASE_URL", "u"), ("DOCTOR_ID", "7")])
        .err()
        .expect("refused");
    assert!(bad.starts_with("error: DOCTOR_ID is not a uuid"), "{bad}");
    let help = from(&["--help"], &[]).err().expect("usage");
    assert!(help.contains("DATABASE_URL") && help.contains("DOCTOR_ID"), "{help}");
    let id = Uuid::new_v4();
    let settings = from(&[], &[("DATABASE_URL", "u"), ("DOCTOR_ID", &id.to_string())]).expect("accepted");
    assert_eq!((settings.database_url.as_str(), settings.doctor_id), ("u", id));
}
