//! Retention: deleting a doctor's login never destroys medical records. The delete is refused
//! while any owned row of theirs exists; the backend offboards a doctor first by transferring
//! their records to another doctor or by archiving and then deleting them, and the audit trail
//! outlives every record and the doctor.
//!
//! Users are deleted as Supabase Auth deletes them (`supabase_auth_admin`); every row is read
//! and written as the API roles.

use crate::common::{Actor, DoctorRows, Grants, Migrate, OWNED_TABLES, TestDb, seed_doctor, signed_in_doctor};
use postgres::error::SqlState;
use uuid::Uuid;

/// How many rows of `table` the backend sees for `doctor`.
fn rows_of(db: &mut TestDb, table: &str, doctor: Uuid) -> i64 {
    db.act(Actor::service_role(), |tx| {
        tx.query_one(
            &format!("select count(*) from public.{table} where doctor_id = $1"),
            &[&doctor],
        )
        .expect("count")
        .get(0)
    })
}

fn audit_rows(db: &mut TestDb, record: Uuid, action: &str) -> i64 {
    db.act(Actor::service_role(), |tx| {
        tx.query_one(
            "select count(*) from public.audit_logs where record_id = $1 and action = $2",
            &[&record, &action],
        )
        .expect("count")
        .get(0)
    })
}

#[test]
fn deleting_a_doctor_who_has_records_is_refused_and_loses_nothing() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    // One table at a time: a doctor whose only rows are in that table cannot be deleted (the
    // other owned tables hang off patients, so the fully seeded doctor below covers them).
    for keep in ["patients", "availability", "blocked_times"] {
        let doctor = seed_doctor(&mut db, 11);
        db.act(Actor::service_role(), |tx| {
            for table in ["patients", "availability", "blocked_times"] {
                if table != keep {
                    tx.execute(
                        &format!("delete from public.{table} where doctor_id = $1"),
                        &[&doctor.doctor],
                    )
                    .expect("the backend deletes");
                }
            }
        });
        let error = db.delete_user(doctor.doctor).expect_err(keep);
        assert_eq!(
            error.code(),
            Some(&SqlState::FOREIGN_KEY_VIOLATION),
            "{keep}: {error:?}"
        );
        assert_eq!(rows_of(&mut db, keep, doctor.doctor), 1, "{keep} kept");
    }
    // The fully seeded doctor: refused, and nothing of theirs is gone.
    let error = db.delete_user(a.doctor).expect_err("a doctor with patients");
    assert_eq!(error.code(), Some(&SqlState::FOREIGN_KEY_VIOLATION));
    for table in OWNED_TABLES {
        assert_eq!(rows_of(&mut db, table, a.doctor), 1, "{table}");
    }
    let still: Option<Uuid> = db
        .act(signed_in_doctor(a.doctor), |tx| {
            tx.query_opt("select id from public.patients where id = $1", &[&a.patient])
                .expect("read")
        })
        .map(|r| r.get(0));
    assert_eq!(still, Some(a.patient), "the doctor still sees their patient");
}

#[test]
fn offboarding_by_transfer_moves_every_record_to_the_new_doctor_then_the_login_can_go() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let leaving = seed_doctor(&mut db, 9);
    let successor = seed_doctor(&mut db, 10);
    // The backend moves the patients; the composite keys carry appointments, conversations and
    // messages along. Working hours and blocked times are the leaving doctor's own: deleted.
    db.act(Actor::service_role(), |tx| {
        let moved = tx
            .execute(
                "update public.patients set doctor_id = $2 where doctor_id = $1",
                &[&leaving.doctor, &successor.doctor],
            )
            .expect("transfer the patients");
        assert_eq!(moved, 1);
        for table in ["availability", "blocked_times"] {
            tx.execute(
                &format!("delete from public.{table} where doctor_id = $1"),
                &[&leaving.doctor],
            )
            .expect("delete the schedule");
        }
    });
    assert_eq!(db.delete_user(leaving.doctor).expect("no records left"), 1);
    let DoctorRows {
        patient,
        appointment,
        conversation,
        message,
        ..
    } = leaving;
    for (table, id) in [
        ("patients", patient),
        ("appointments", appointment),
        ("conversations", conversation),
        ("messages", message),
    ] {
        let owner: Option<Uuid> = db
            .act(signed_in_doctor(successor.doctor), |tx| {
                tx.query_opt(&format!("select doctor_id from public.{table} where id = $1"), &[&id])
                    .expect("read")
            })
            .map(|r| r.get(0));
        assert_eq!(owner, Some(successor.doctor), "{table}: the successor sees the record");
        assert_eq!(audit_rows(&mut db, id, "insert"), 1, "{table}: its history stays");
        assert_eq!(audit_rows(&mut db, id, "update"), 1, "{table}: the transfer is audited");
    }
}

#[test]
fn offboarding_by_archive_deletes_the_records_and_the_audit_trail_outlives_them_and_the_doctor() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let gone = seed_doctor(&mut db, 9);
    let stays = seed_doctor(&mut db, 9);
    // The doctor deletes one of their rows themselves…
    db.act(signed_in_doctor(gone.doctor), |tx| {
        tx.execute("delete from public.messages where id = $1", &[&gone.message])
            .expect("delete own message")
    });
    // …the records are archived outside the database (the application's export), then the
    // backend deletes them: patients take appointments, conversations and messages along.
    db.act(Actor::service_role(), |tx| {
        for table in ["patients", "availability", "blocked_times"] {
            tx.execute(
                &format!("delete from public.{table} where doctor_id = $1"),
                &[&gone.doctor],
            )
            .expect("the backend deletes");
        }
    });
    assert_eq!(db.delete_user(gone.doctor).expect("no records left"), 1);
    for (table, id) in [
        ("patients", gone.patient),
        ("appointments", gone.appointment),
        ("conversations", gone.conversation),
        ("messages", gone.message),
    ] {
        assert_eq!(audit_rows(&mut db, id, "insert"), 1, "{table}: the insert row stays");
        assert_eq!(
            audit_rows(&mut db, id, "delete"),
            1,
            "{table}: the delete is recorded and stays"
        );
    }
    let by_gone: i64 = db.act(Actor::service_role(), |tx| {
        tx.query_one(
            "select count(*) from public.audit_logs where actor_id = $1",
            &[&gone.doctor],
        )
        .expect("count")
        .get(0)
    });
    assert_eq!(by_gone, 1, "the gone doctor's own delete stays attributed to them");
    assert_eq!(
        audit_rows(&mut db, stays.patient, "delete"),
        0,
        "the other doctor's trail is untouched"
    );
    assert_eq!(rows_of(&mut db, "patients", stays.doctor), 1);
}
