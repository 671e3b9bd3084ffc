//! What the database enforces on its own: no overlapping active appointments, `updated_at`,
//! the audit trail with column names only, and an audit log nobody can rewrite.

use crate::common::{Actor, Grants, Migrate, TestDb, seed_doctor, signed_in_doctor};
use chrono::{TimeDelta, TimeZone, Utc};
use receptionist::schema::*;
use supaschema::blocking::*;
use supaschema::{DbError, DbErrorKind};

fn appointment(
    doctor: uuid::Uuid,
    patient: uuid::Uuid,
    hour: u32,
    minutes: i64,
    status: AppointmentStatus,
) -> NewAppointment {
    let starts_at = Utc
        .with_ymd_and_hms(2030, 3, 4, hour, 0, 0)
        .single()
        .expect("valid time");
    NewAppointment::new(doctor, patient, starts_at, starts_at + TimeDelta::minutes(minutes)).with_status(status)
}

#[test]
fn overlapping_active_appointments_are_rejected() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 8);
    let other = seed_doctor(&mut db, 8);
    let doctor = signed_in_doctor(a.doctor);
    db.act(&doctor, |tx| {
        appointment(a.doctor, a.patient, 10, 60, AppointmentStatus::Confirmed).insert(tx)
    })
    .expect("first booking");
    let clash = db.act(&doctor, |tx| {
        appointment(a.doctor, a.patient, 10, 30, AppointmentStatus::Pending).insert(tx)
    });
    let error = clash.expect_err("an overlapping pending appointment must be rejected");
    assert_eq!(error.kind(), DbErrorKind::ExclusionViolation);
    assert_eq!(error.constraint(), Some("appointments_no_overlap"));
    assert!(
        !format!("{error} {error:?}").contains(&a.patient.to_string()),
        "the error must not carry row values"
    );

    // Back to back is fine, a cancelled one does not block, and other doctors are unaffected.
    db.act(&doctor, |tx| {
        appointment(a.doctor, a.patient, 11, 30, AppointmentStatus::Pending).insert(tx)
    })
    .expect("adjacent booking");
    db.act(&doctor, |tx| {
        appointment(a.doctor, a.patient, 10, 30, AppointmentStatus::Cancelled).insert(tx)
    })
    .expect("cancelled one");
    db.act(signed_in_doctor(other.doctor), |tx| {
        appointment(other.doctor, other.patient, 10, 60, AppointmentStatus::Confirmed).insert(tx)
    })
    .expect("another doctor's booking");

    let backwards = db.act(&doctor, |tx| {
        appointment(a.doctor, a.patient, 15, -30, AppointmentStatus::Pending).insert(tx)
    });
    assert_eq!(
        backwards.expect_err("ends before it starts").kind(),
        DbErrorKind::CheckViolation
    );
}

#[test]
fn updated_at_advances_on_update() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let doctor = signed_in_doctor(a.doctor);
    let before = db
        .act(&doctor, |tx| Patient::find(tx, &a.patient))
        .expect("find")
        .expect("own patient");
    let after = db
        .act(&doctor, |tx| {
            PatientPatch {
                email: Some(Some("ada@example.test".into())),
                ..PatientPatch::default()
            }
            .update(tx, &a.patient)
        })
        .expect("update")
        .expect("own patient");
    assert!(
        after.updated_at > before.updated_at,
        "{} <= {}",
        after.updated_at,
        before.updated_at
    );
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(after.email.as_deref(), Some("ada@example.test"));
}

#[test]
fn a_patient_update_is_audited_by_column_name_only() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let secret_name = "Zebediah Quux-Phi";
    let secret_phone = "+4917700000001";
    db.act(signed_in_doctor(a.doctor), |tx| {
        PatientPatch {
            full_name: Some(secret_name.into()),
            phone: Some(Some(secret_phone.into())),
            ..PatientPatch::default()
        }
        .update(tx, &a.patient)
    })
    .expect("update")
    .expect("own patient");
    let rows = db.act(Actor::service_role(), |tx| {
        tx.query(
            "select * from public.audit_logs where record_id = $1 and action = 'update'",
            &[&a.patient],
        )
        .expect("audit rows")
    });
    assert_eq!(rows.len(), 1);
    let entry = AuditLog::try_from(&rows[0]).expect("audit row");
    assert_eq!(entry.actor_id, Some(a.doctor));
    assert_eq!(entry.actor_role, "authenticated");
    assert_eq!(entry.table_name, "patients");
    assert_eq!(entry.changed_columns, vec!["full_name", "phone", "updated_at"]);
    let everything = db
        .client
        .query_one("select string_agg(a::text, ' ') from public.audit_logs a", &[])
        .expect("audit text")
        .get::<_, String>(0);
    assert!(
        !everything.contains(secret_name) && !everything.contains(secret_phone),
        "PHI in the audit log: {everything}"
    );
}

#[test]
fn audit_rows_cannot_be_changed_deleted_or_truncated() {
    let mut db = TestDb::new(Grants::Legacy);
    db.migrate();
    seed_doctor(&mut db, 9);
    for actor in [Actor::service_role(), signed_in_doctor(uuid::Uuid::new_v4())] {
        for sql in [
            "update public.audit_logs set actor_role = 'x'",
            "delete from public.audit_logs",
            "truncate public.audit_logs",
        ] {
            let result = db.act(&actor, |tx| tx.execute(sql, &[]));
            let error = DbError::from(result.expect_err("the audit log is append-only"));
            assert_eq!(
                error.kind(),
                DbErrorKind::PermissionDenied,
                "{sql} as {actor:?}: {error}"
            );
        }
    }
    // Even the table owner, who bypasses privileges and RLS, meets the append-only triggers.
    for sql in [
        "update public.audit_logs set actor_role = 'x'",
        "delete from public.audit_logs",
        "truncate public.audit_logs",
    ] {
        let error = DbError::from(
            db.client
                .execute(sql, &[])
                .expect_err("the owner cannot rewrite the audit log either"),
        );
        assert_eq!(error.kind(), DbErrorKind::PermissionDenied, "{sql}: {error}");
    }
    let count: i64 = db
        .client
        .query_one("select count(*) from public.audit_logs where action <> 'read'", &[])
        .expect("count")
        .get(0);
    assert_eq!(
        count, 4,
        "one write audit row per seeded patient, appointment, conversation and message"
    );
}
