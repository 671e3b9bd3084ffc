//! The audit trail: one row per insert, update and delete on the audited tables, with who,
//! what, which record and the names of changed columns, never a PHI value; rows nobody can
//! rewrite (that they outlive the acting user is in `retention.rs`); and one 'read' row per
//! record for every recorded PHI access.

use crate::common::{Actor, Grants, Migrate, TestDb, seed_doctor, signed_in_doctor};
use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use postgres::error::SqlState;
use receptionist::schema::*;
use supaschema::blocking::*;
use uuid::Uuid;

/// Distinctive PHI: none of it may ever appear in the audit log.
const NAME: &str = "Zyxwvut Phi-Name-7781";
const NAME_2: &str = "Qwertzuiop Phi-Renamed-7781";
const PHONE: &str = "+4915199988877";
const PHONE_2: &str = "+4915199988866";
const EMAIL: &str = "phi-mail-7781@example.test";
const DOB: &str = "1961-02-03";
const REASON: &str = "PHI-REASON persistent chest pain 7781";
const REASON_2: &str = "PHI-REASON-2 follow-up of the biopsy 7781";
const CONTENT: &str = "PHI-MESSAGE my test result came back positive 7781";
const CONTENT_2: &str = "PHI-MESSAGE-2 please call me at home 7781";
const ALL_PHI: [&str; 10] = [
    NAME, NAME_2, PHONE, PHONE_2, EMAIL, DOB, REASON, REASON_2, CONTENT, CONTENT_2,
];

#[derive(Debug)]
struct Entry {
    actor_id: Option<Uuid>,
    actor_role: String,
    changed_columns: Vec<String>,
}

fn audit_count(db: &mut TestDb) -> i64 {
    db.client
        .query_one("select count(*) from public.audit_logs", &[])
        .expect("count")
        .get(0)
}

/// The audit rows of writes: the generated operations also read a written row back through its
/// table's read function, which records a read.
fn write_count(db: &mut TestDb) -> i64 {
    db.client
        .query_one("select count(*) from public.audit_logs where action <> 'read'", &[])
        .expect("count")
        .get(0)
}

fn entries(db: &mut TestDb, table: &str, id: Uuid, action: &str) -> Vec<Entry> {
    db.client
        .query(
            "select actor_id, actor_role, changed_columns, occurred_at is not null
               from public.audit_logs where table_name = $1 and record_id = $2 and action = $3",
            &[&table, &id, &action],
        )
        .expect("audit rows")
        .iter()
        .map(|r| {
            assert!(r.get::<_, bool>(3), "occurred_at is set");
            Entry {
                actor_id: r.get(0),
                actor_role: r.get(1),
                changed_columns: r.get(2),
            }
        })
        .collect()
}

/// Runs one write as `actor` and checks it left exactly one audit row, naming the actor and
/// (for updates) the changed columns.
fn audited<T>(
    db: &mut TestDb,
    actor: &Actor,
    table: &str,
    action: &str,
    changed: &[&str],
    write: impl FnOnce(&mut postgres::Transaction<'_>) -> (Uuid, T),
) -> (Uuid, T) {
    let before = write_count(db);
    let (id, out) = db.act(actor, write);
    assert_eq!(
        write_count(db),
        before + 1,
        "{action} on {table} writes exactly one audit row"
    );
    let rows = entries(db, table, id, action);
    assert_eq!(rows.len(), 1, "{action} on {table}: {rows:?}");
    let entry = &rows[0];
    let actor_id = actor
        .claims()
        .get("sub")
        .and_then(|sub| sub.as_str())
        .map(|sub| sub.parse::<Uuid>().expect("sub is a uuid"));
    let role = actor.role();
    assert_eq!(
        (entry.actor_id, entry.actor_role.as_str()),
        (actor_id, role),
        "{action} on {table}"
    );
    for column in changed {
        assert!(
            entry.changed_columns.iter().any(|c| c == column),
            "{action} on {table} names {column}: {:?}",
            entry.changed_columns
        );
    }
    (id, out)
}

#[test]
fn every_write_is_audited_once_and_no_phi_reaches_the_log() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let doctor = db.create_user();
    let me = signed_in_doctor(doctor);
    let at = Utc.with_ymd_and_hms(2032, 1, 5, 10, 0, 0).single().expect("valid time");

    let (patient, _) = audited(
        &mut db,
        &me,
        "patients",
        "insert",
        &["full_name", "phone", "email", "date_of_birth", "doctor_id"],
        |tx| {
            let row = NewPatient::new(doctor, NAME.into())
                .with_phone(PHONE.into())
                .with_email(EMAIL.into())
                .with_date_of_birth(NaiveDate::parse_from_str(DOB, "%Y-%m-%d").expect("valid date"))
                .insert(tx)
                .expect("insert patient");
            (row.id, ())
        },
    );
    let (appointment, _) = audited(&mut db, &me, "appointments", "insert", &["reason"], |tx| {
        let row = NewAppointment::new(doctor, patient, at, at + TimeDelta::minutes(30))
            .with_reason(REASON.into())
            .insert(tx)
            .expect("insert appointment");
        (row.id, ())
    });
    let (conversation, _) = audited(&mut db, &me, "conversations", "insert", &["channel"], |tx| {
        let row = NewConversation::new(doctor, patient, ConversationChannel::Sms)
            .insert(tx)
            .expect("insert conversation");
        (row.id, ())
    });
    let (message, _) = audited(&mut db, &me, "messages", "insert", &["content"], |tx| {
        let row = NewMessage::new(conversation, doctor, MessageSender::Patient, CONTENT.into())
            .insert(tx)
            .expect("insert message");
        (row.id, ())
    });
    // The backend's writes are audited too, with no user.
    let (from_bot, _) = audited(
        &mut db,
        &Actor::service_role(),
        "messages",
        "insert",
        &["content"],
        |tx| {
            let row = NewMessage::new(conversation, doctor, MessageSender::Bot, CONTENT_2.into())
                .with_provider_message_id("wamid.bot".into())
                .insert(tx)
                .expect("insert bot message");
            (row.id, ())
        },
    );

    audited(&mut db, &me, "patients", "update", &["full_name", "phone"], |tx| {
        PatientPatch {
            full_name: Some(NAME_2.into()),
            phone: Some(Some(PHONE_2.into())),
            ..PatientPatch::default()
        }
        .update(tx, &patient)
        .expect("update patient")
        .expect("own patient");
        (patient, ())
    });
    audited(&mut db, &me, "appointments", "update", &["reason", "status"], |tx| {
        AppointmentPatch {
            reason: Some(Some(REASON_2.into())),
            status: Some(AppointmentStatus::Confirmed),
            ..AppointmentPatch::default()
        }
        .update(tx, &appointment)
        .expect("update appointment")
        .expect("own appointment");
        (appointment, ())
    });
    audited(&mut db, &me, "conversations", "update", &["status"], |tx| {
        ConversationPatch {
            status: Some(ConversationStatus::HandedOff),
            ..ConversationPatch::default()
        }
        .update(tx, &conversation)
        .expect("update conversation")
        .expect("own conversation");
        (conversation, ())
    });
    audited(&mut db, &me, "messages", "update", &["content"], |tx| {
        MessagePatch {
            content: Some(CONTENT_2.into()),
            ..MessagePatch::default()
        }
        .update(tx, &message)
        .expect("update message")
        .expect("own message");
        (message, ())
    });
    let update = entries(&mut db, "patients", patient, "update");
    assert!(
        !update[0]
            .changed_columns
            .iter()
            .any(|c| c == "email" || c == "date_of_birth"),
        "only the written columns are named: {:?}",
        update[0].changed_columns
    );

    for (table, id) in [
        ("messages", message),
        ("messages", from_bot),
        ("conversations", conversation),
        ("appointments", appointment),
        ("patients", patient),
    ] {
        audited(&mut db, &me, table, "delete", &["id"], |tx| {
            let n = tx
                .execute(&format!("delete from public.{table} where id = $1"), &[&id])
                .expect("delete");
            assert_eq!(n, 1, "{table}");
            (id, ())
        });
    }

    // Every column of every audit row, as text: no PHI value anywhere.
    let rows: Vec<String> = db
        .client
        .query("select a::text from public.audit_logs a", &[])
        .expect("audit rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(write_count(&mut db), 14, "5 inserts, 4 updates, 5 deletes");
    for row in &rows {
        for phi in ALL_PHI {
            assert!(!row.contains(phi), "PHI {phi:?} in the audit log: {row}");
        }
    }
    println!("{} audit rows checked for {} PHI strings", rows.len(), ALL_PHI.len());
}

#[test]
fn audit_rows_cannot_be_rewritten_by_the_api_roles() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        let a = seed_doctor(&mut db, 9);
        let before = audit_count(&mut db);
        assert!(before > 0);
        for actor in [Actor::service_role(), signed_in_doctor(a.doctor)] {
            for sql in [
                "update public.audit_logs set actor_role = 'forged' where record_id = $1",
                "delete from public.audit_logs where record_id = $1",
                "truncate public.audit_logs",
                "insert into public.audit_logs (actor_role, action, table_name, record_id) values ('forged', 'delete', 'patients', $1)",
            ] {
                let result = db.act(&actor, |tx| {
                    if sql.contains("$1") {
                        tx.execute(sql, &[&a.patient])
                    } else {
                        tx.execute(sql, &[])
                    }
                });
                let error = result.expect_err("the audit log is append-only for the API roles");
                assert_eq!(
                    error.code(),
                    Some(&SqlState::INSUFFICIENT_PRIVILEGE),
                    "{sql} as {actor:?} ({grants:?})"
                );
            }
        }
        let forged: i64 = db
            .client
            .query_one(
                "select count(*) from public.audit_logs where actor_role = 'forged'",
                &[],
            )
            .expect("count")
            .get(0);
        assert_eq!((audit_count(&mut db), forged), (before, 0), "{grants:?}");
    }
}

#[test]
fn record_phi_access_writes_one_read_row_per_record_with_the_purpose() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 10);
    let before = audit_count(&mut db);
    // A doctor can record reads of their own records only: another doctor's id, or one that
    // does not exist, is refused alike and writes nothing, so the trail cannot be padded.
    for foreign in [b.patient, Uuid::new_v4()] {
        let refused = db.act(signed_in_doctor(a.doctor), |tx| {
            tx.execute(
                "select public.record_phi_access('patients', $1, 'treatment')",
                &[&vec![a.patient, foreign]],
            )
        });
        let error = supaschema::DbError::from(refused.expect_err("not the caller's record"));
        assert_eq!(error.kind(), supaschema::DbErrorKind::PermissionDenied);
    }
    assert_eq!(audit_count(&mut db), before, "refused calls write nothing");
    let second = db.act(Actor::service_role(), |tx| {
        receptionist::schema::NewPatient::new(a.doctor, "Second Patient".into())
            .insert(tx)
            .expect("second patient")
    });
    let before = audit_count(&mut db);
    let ids = vec![a.patient, second.id, a.patient];
    db.act(signed_in_doctor(a.doctor), |tx| {
        tx.execute("select public.record_phi_access('patients', $1, 'treatment')", &[&ids])
            .expect("record a read")
    });
    let ids = vec![a.patient, second.id];
    assert_eq!(audit_count(&mut db), before + 2, "one row per distinct record id");
    for id in &ids {
        let rows = db
            .client
            .query(
                "select actor_id, actor_role, table_name, changed_columns, purpose, metadata
                   from public.audit_logs where action = 'read' and record_id = $1 and actor_role = 'authenticated'",
                &[id],
            )
            .expect("read rows");
        assert_eq!(rows.len(), 1, "{id}");
        let row = &rows[0];
        assert_eq!(row.get::<_, Option<Uuid>>(0), Some(a.doctor));
        assert_eq!(row.get::<_, String>(1), "authenticated");
        assert_eq!(row.get::<_, String>(2), "patients");
        assert!(row.get::<_, Vec<String>>(3).is_empty());
        assert_eq!(row.get::<_, Option<String>>(4).as_deref(), Some("treatment"));
        let metadata: serde_json::Value = row.get(5);
        assert_eq!(metadata, serde_json::json!({}));
    }
    // The backend records its reads too; anon may not call it. (Seeding read the message
    // back as service_role already: one read row is there before the call.)
    let earlier = entries(&mut db, "messages", a.message, "read").len();
    db.act(Actor::service_role(), |tx| {
        tx.execute(
            "select public.record_phi_access('messages', $1, 'reminder')",
            &[&vec![a.message]],
        )
        .expect("backend read")
    });
    let backend = entries(&mut db, "messages", a.message, "read");
    assert_eq!(backend.len(), earlier + 1);
    for entry in &backend {
        assert_eq!((entry.actor_id, entry.actor_role.as_str()), (None, "service_role"));
    }
    let anon = db.act(Actor::anon(), |tx| {
        tx.execute(
            "select public.record_phi_access('patients', $1, 'treatment')",
            &[&vec![a.patient]],
        )
    });
    assert_eq!(
        anon.expect_err("anon may not call it").code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE)
    );
}

/// Free text a careless caller might pass as the purpose: it must never reach the audit log,
/// nor the error the caller gets back (which the server logs too).
const FREE_TEXT: &str = "Jane Doe, HIV+";

#[test]
fn record_phi_access_refuses_a_missing_user_null_ids_and_free_text_purposes() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 10);
    let no_sub = signed_in_doctor(a.doctor).claim("sub", serde_json::Value::Null);
    let before = audit_count(&mut db);
    let own: Vec<Option<Uuid>> = vec![Some(a.patient)];
    let with_null: Vec<Option<Uuid>> = vec![Some(a.patient), None];
    let null_array: Option<Vec<Uuid>> = None;
    type Call<'a> = (
        &'a Actor,
        &'a (dyn postgres::types::ToSql + Sync),
        Option<&'a str>,
        SqlState,
    );
    let unmarked = Actor::user(a.doctor);
    let cases: [(&str, Call<'_>); 9] = [
        // The owned tables require the doctor mark; recording reads does too.
        (
            "the owner's id without the doctor mark",
            (&unmarked, &own, Some("treatment"), SqlState::INSUFFICIENT_PRIVILEGE),
        ),
        // `authenticated` without a user used to skip the ownership check: any id was recorded.
        (
            "no sub, another doctor's record",
            (
                &no_sub,
                &vec![b.patient],
                Some("treatment"),
                SqlState::INSUFFICIENT_PRIVILEGE,
            ),
        ),
        (
            "no sub, own record",
            (&no_sub, &own, Some("treatment"), SqlState::INSUFFICIENT_PRIVILEGE),
        ),
        (
            "a null id",
            (
                &signed_in_doctor(a.doctor),
                &with_null,
                Some("treatment"),
                SqlState::NULL_VALUE_NOT_ALLOWED,
            ),
        ),
        (
            "a null id, backend",
            (
                &Actor::service_role(),
                &with_null,
                Some("treatment"),
                SqlState::NULL_VALUE_NOT_ALLOWED,
            ),
        ),
        (
            "a null array",
            (
                &signed_in_doctor(a.doctor),
                &null_array,
                Some("treatment"),
                SqlState::NULL_VALUE_NOT_ALLOWED,
            ),
        ),
        (
            "free text",
            (
                &signed_in_doctor(a.doctor),
                &own,
                Some(FREE_TEXT),
                SqlState::INVALID_PARAMETER_VALUE,
            ),
        ),
        (
            "free text, backend",
            (
                &Actor::service_role(),
                &own,
                Some(FREE_TEXT),
                SqlState::INVALID_PARAMETER_VALUE,
            ),
        ),
        (
            "no purpose",
            (
                &signed_in_doctor(a.doctor),
                &own,
                None,
                SqlState::NULL_VALUE_NOT_ALLOWED,
            ),
        ),
    ];
    for (case, (actor, ids, purpose, code)) in cases {
        let refused = db.act(actor, |tx| {
            tx.execute("select public.record_phi_access('patients', $1, $2)", &[ids, &purpose])
        });
        let error = refused.expect_err(case);
        assert_eq!(error.code(), Some(&code), "{case}: {error:?}");
        let db_error = error.as_db_error().expect("a server error");
        let said = format!(
            "{} {:?} {:?} {:?}",
            db_error.message(),
            db_error.detail(),
            db_error.hint(),
            db_error.where_()
        );
        assert!(
            !said.contains(FREE_TEXT),
            "{case}: the error repeats the purpose: {said}"
        );
    }
    assert_eq!(audit_count(&mut db), before, "refused calls write nothing");
    let free_text: i64 = db
        .client
        .query_one(
            "select count(*) from public.audit_logs a where a::text like '%' || $1 || '%'",
            &[&FREE_TEXT],
        )
        .expect("count")
        .get(0);
    assert_eq!(free_text, 0);
}
