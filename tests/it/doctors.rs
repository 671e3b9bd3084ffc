//! Doctors are doctors: only a user the backend marked as a doctor in `app_metadata` reaches
//! the owned tables, a mark in `user_metadata` (which users edit themselves) counts for nothing,
//! and an anonymous sign-in writes nothing even with the mark. Every case runs as the API roles
//! with the JWT claims a request through PostgREST carries.

use crate::common::{Actor, DoctorRows, Grants, Migrate, OWNED_TABLES, TestDb, as_doctor, seed_doctor};
use receptionist::schema::NewPatient;
use serde_json::Value;
use supaschema::DbErrorKind;
use supaschema::blocking::*;
use uuid::Uuid;

/// What `actor` manages on every owned table, against `rows` (the rows of the user it names).
#[derive(Debug, PartialEq, Eq)]
struct Reach {
    /// Rows of each owned table it sees.
    read: Vec<i64>,
    /// Rows of each owned table an `update … set id = id` touched.
    updated: Vec<u64>,
    /// Rows of each owned table a delete touched (rolled back).
    deleted: Vec<u64>,
    /// Whether inserting a patient of its own succeeded, else the error's kind.
    insert: Result<(), DbErrorKind>,
}

fn reach(db: &mut TestDb, actor: &Actor, rows: &DoctorRows) -> Reach {
    let mut read = Vec::new();
    let mut updated = Vec::new();
    let mut deleted = Vec::new();
    for table in OWNED_TABLES {
        let id = rows.id_in(table);
        read.push(db.act(actor, |tx| {
            tx.query_one(&format!("select count(*) from public.{table}"), &[])
                .expect("select is granted")
                .get(0)
        }));
        updated.push(db.act(actor, |tx| {
            tx.execute(&format!("update public.{table} set id = id where id = $1"), &[&id])
                .expect("update is granted")
        }));
        // Deleting a patient cascades to their rows: roll each delete back.
        deleted.push(db.act(actor, |tx| {
            let n = tx
                .execute(&format!("delete from public.{table} where id = $1"), &[&id])
                .expect("delete is granted");
            tx.batch_execute("rollback").expect("roll back");
            n
        }));
    }
    let insert = db.act(actor, |tx| {
        let result = NewPatient::new(rows.doctor, "New Patient".into())
            .insert(tx)
            .map(|_| ())
            .map_err(|e| e.kind());
        let _ = tx.batch_execute("rollback");
        result
    });
    Reach {
        read,
        updated,
        deleted,
        insert,
    }
}

fn nothing() -> Reach {
    Reach {
        read: vec![0; 6],
        updated: vec![0; 6],
        deleted: vec![0; 6],
        insert: Err(DbErrorKind::PermissionDenied),
    }
}

fn everything() -> Reach {
    Reach {
        read: vec![1; 6],
        updated: vec![1; 6],
        deleted: vec![1; 6],
        insert: Ok(()),
    }
}

#[test]
fn a_doctor_marked_by_the_backend_reaches_their_rows() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        let a = seed_doctor(&mut db, 9);
        seed_doctor(&mut db, 9);
        // The token Supabase Auth issues once the backend set `app_metadata.role`.
        let token = db.signed_in(a.doctor);
        assert_eq!(token.claims()["app_metadata"]["role"], "doctor");
        assert_eq!(reach(&mut db, &token, &a), everything(), "{grants:?}");
    }
}

#[test]
fn a_signed_in_user_without_the_doctor_claim_reaches_nothing() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    // The owner's own id, in a token without the mark (issued before the backend set it, say).
    let unmarked = Actor::user(a.doctor);
    assert_eq!(reach(&mut db, &unmarked, &a), nothing());
    // Another app's value of the claim is no doctor either.
    let other_role = Actor::user(a.doctor).app_metadata("role", Value::String("receptionist".into()));
    assert_eq!(reach(&mut db, &other_role, &a), nothing());
    // A fresh sign-up: rows naming it cannot be created.
    let stranger = db.create_user();
    let token = db.signed_in(stranger);
    let rows = DoctorRows { doctor: stranger, ..a };
    assert_eq!(reach(&mut db, &token, &rows).insert, Err(DbErrorKind::PermissionDenied));
}

#[test]
fn a_doctor_claim_in_user_metadata_counts_for_nothing() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    // What `supabase.auth.updateUser({ data: { role: "doctor" } })` puts in any user's token.
    let self_made = Actor::user(a.doctor).user_metadata("role", Value::String("doctor".into()));
    assert_eq!(reach(&mut db, &self_made, &a), nothing());
}

#[test]
fn an_anonymous_sign_in_writes_nothing_even_with_the_doctor_claim() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    // The owner's id and mark, but `is_anonymous`: the writes are refused, the reads are not
    // (an anonymous user sees what the backend wrote for it, nothing more).
    let anonymous = as_doctor(Actor::anonymous(a.doctor));
    assert_eq!(
        reach(&mut db, &anonymous, &a),
        Reach {
            read: vec![1; 6],
            ..nothing()
        }
    );

    // A real anonymous user, even one the backend marked by mistake, creates nothing.
    let id: Uuid = db.create_anonymous_user();
    db.set_app_metadata(id, "role", Value::String("doctor".into()));
    let token = db.signed_in(id);
    assert_eq!(token.claims()["is_anonymous"], true);
    let created = db.act(&token, |tx| {
        NewPatient::new(id, "Anonymous Patient".into())
            .insert(tx)
            .map_err(|e| e.kind())
            .map(|_| ())
    });
    assert_eq!(created, Err(DbErrorKind::PermissionDenied));
}
