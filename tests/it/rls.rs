//! Row level security as the real roles: a doctor sees and changes only their own rows, `anon`
//! gets nothing, `service_role` everything, under both grant regimes.

use crate::common::{Actor, DoctorRows, Grants, Migrate, OWNED_TABLES, TestDb, seed_doctor, signed_in_doctor};
use postgres::error::SqlState;
use supaschema::{DbError, DbErrorKind};

fn count(db: &mut TestDb, actor: Actor, table: &str) -> Result<i64, postgres::Error> {
    db.act(&actor, |tx| {
        tx.query_one(&format!("select count(*) from public.{table}"), &[])
            .map(|r| r.get(0))
    })
}

fn two_doctors(grants: Grants) -> (TestDb, DoctorRows, DoctorRows) {
    let mut db = TestDb::new(grants);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 9);
    (db, a, b)
}

#[test]
fn a_doctor_reads_and_changes_only_their_own_rows() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let (mut db, a, b) = two_doctors(grants);
        for table in OWNED_TABLES {
            let visible: Vec<uuid::Uuid> = db.act(signed_in_doctor(a.doctor), |tx| {
                tx.query(&format!("select id from public.{table}"), &[])
                    .expect("select")
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            });
            assert_eq!(visible, vec![a.id_in(table)], "{table} as doctor A ({grants:?})");

            let theirs = b.id_in(table);
            let updated = db.act(signed_in_doctor(a.doctor), |tx| {
                tx.execute(
                    &format!("update public.{table} set doctor_id = doctor_id where id = $1"),
                    &[&theirs],
                )
                .expect("update")
            });
            assert_eq!(updated, 0, "A updated B's row in {table}");
            let deleted = db.act(signed_in_doctor(a.doctor), |tx| {
                tx.execute(&format!("delete from public.{table} where id = $1"), &[&theirs])
                    .expect("delete")
            });
            assert_eq!(deleted, 0, "A deleted B's row in {table}");

            // Moving an own row to the other doctor fails the `with check`.
            let mine = a.id_in(table);
            let moved = db.act(signed_in_doctor(a.doctor), |tx| {
                tx.execute(
                    &format!("update public.{table} set doctor_id = $1 where id = $2"),
                    &[&b.doctor, &mine],
                )
            });
            let error = DbError::from(moved.expect_err("moving a row to another doctor must fail"));
            assert!(
                matches!(
                    error.kind(),
                    DbErrorKind::PermissionDenied | DbErrorKind::ForeignKeyViolation
                ),
                "{table}: {error}"
            );
            assert_eq!(
                count(&mut db, Actor::service_role(), table).expect("count"),
                2,
                "{table} rows survive"
            );
        }
    }
}

#[test]
fn a_doctor_cannot_write_rows_naming_another_doctor() {
    let (mut db, a, b) = two_doctors(Grants::Explicit);
    let attempts = [
        ("patients", "insert into public.patients (doctor_id, full_name) values ($1, 'Mallory')".to_owned()),
        (
            "appointments",
            format!(
                "insert into public.appointments (doctor_id, patient_id, starts_at, ends_at) values ($1, '{}', '2031-01-01 10:00Z', '2031-01-01 11:00Z')",
                b.patient
            ),
        ),
        ("conversations", format!("insert into public.conversations (doctor_id, patient_id, channel) values ($1, '{}', 'sms')", b.patient)),
        ("messages", format!("insert into public.messages (doctor_id, conversation_id, sender, content) values ($1, '{}', 'doctor', 'hi')", b.conversation)),
        ("availability", "insert into public.availability (doctor_id, day_of_week, start_time, end_time, time_zone) values ($1, 2, '09:00', '10:00', 'UTC')".to_owned()),
        ("blocked_times", "insert into public.blocked_times (doctor_id, starts_at, ends_at) values ($1, '2031-01-01', '2031-01-02')".to_owned()),
    ];
    for (table, sql) in &attempts {
        let result = db.act(signed_in_doctor(a.doctor), |tx| tx.execute(sql.as_str(), &[&b.doctor]));
        let error = DbError::from(result.expect_err("an insert naming another doctor must fail"));
        assert_eq!(error.kind(), DbErrorKind::PermissionDenied, "{table}: {error}");
    }
    // With their own id but another doctor's patient or conversation, the composite foreign
    // key (which RLS cannot see through) refuses the link.
    let cross_links = [
        format!(
            "insert into public.appointments (doctor_id, patient_id, starts_at, ends_at) values ($1, '{}', '2031-01-01 10:00Z', '2031-01-01 11:00Z')",
            b.patient
        ),
        format!(
            "insert into public.conversations (doctor_id, patient_id, channel) values ($1, '{}', 'sms')",
            b.patient
        ),
        format!(
            "insert into public.messages (doctor_id, conversation_id, sender, content) values ($1, '{}', 'doctor', 'hi')",
            b.conversation
        ),
    ];
    for sql in &cross_links {
        let result = db.act(signed_in_doctor(a.doctor), |tx| tx.execute(sql.as_str(), &[&a.doctor]));
        let error = DbError::from(result.expect_err("a link to another doctor's row must fail"));
        assert_eq!(error.kind(), DbErrorKind::ForeignKeyViolation, "{sql}: {error}");
    }
}

#[test]
fn anon_gets_nothing_and_service_role_everything() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let (mut db, _, _) = two_doctors(grants);
        for table in OWNED_TABLES.iter().chain(&["webhook_idempotency", "audit_logs"]) {
            let anon = count(&mut db, Actor::anon(), table);
            let denied = anon.as_ref().err().and_then(|e| e.code()) == Some(&SqlState::INSUFFICIENT_PRIVILEGE);
            assert!(denied, "anon on {table} ({grants:?}): {anon:?}");
            let all = count(&mut db, Actor::service_role(), table).expect("service_role reads");
            let expected_rows = if *table == "webhook_idempotency" { 0 } else { 2 };
            if *table != "audit_logs" {
                assert_eq!(all, expected_rows, "service_role on {table}");
            } else {
                assert!(all >= 8, "audit_logs holds the seeding's writes: {all}");
            }
        }
        for table in ["webhook_idempotency", "audit_logs"] {
            let doctor = db.create_user();
            let result = count(&mut db, signed_in_doctor(doctor), table);
            let denied = result.as_ref().err().and_then(|e| e.code()) == Some(&SqlState::INSUFFICIENT_PRIVILEGE);
            assert!(denied, "a doctor on {table} ({grants:?}): {result:?}");
        }
    }
}
