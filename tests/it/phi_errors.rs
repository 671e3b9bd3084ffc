//! No PHI in the errors the backend receives (and the server logs): as `backend`, the role the
//! bot's routine writes run as, a CHECK, a NOT NULL and a foreign key violation on every table
//! holding PHI quote none of the row. PostgreSQL leaves out the failing row ("Failing row
//! contains (…)") and a foreign key's values only where row level security applies to the
//! caller; each case runs as `service_role` too, which bypasses it, to show that the same
//! statement's error does carry the row there (so these tests can fail). Values are bind
//! parameters, as the generated code sends them: the statement the server logs holds none.
//!
//! `backend` reaches only the rows of the practice named in `receptionist.doctor_id`, and may
//! not delete.

use crate::common::{Actor, DoctorRows, Grants, Migrate, TestDb, seed_doctor};
use chrono::{TimeZone, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use std::collections::BTreeSet;
use supaschema_build::model::Class;
use supaschema_build::{SourceFile, load_schema};
use uuid::Uuid;

/// The role the backend's routine work runs as, acting for `doctor`'s practice.
fn backend_for(doctor: Uuid) -> Actor {
    Actor::backend().setting("receptionist.doctor_id", &doctor.to_string())
}

/// A PHI value no schema default, id or message could contain by chance.
fn marker(table: &str, violation: &str) -> String {
    format!("PHI-MARKER-{table}-{violation}-4417")
}

/// One statement that violates one constraint of a PHI table.
struct Case {
    table: &'static str,
    violation: &'static str,
    code: SqlState,
    sql: &'static str,
    params: Vec<Box<dyn ToSql + Sync>>,
    /// The doctor whose practice `backend` acts for: the row's, so the policy lets it through
    /// to the constraint.
    acting_for: Uuid,
    /// Every value of the row that must not reach the backend.
    secrets: Vec<String>,
    /// The one of them `service_role`'s error shows: the failing row's PHI, or for a foreign
    /// key the missing key, which is all PostgreSQL quotes there.
    shown_to_service_role: String,
}

fn cases(rows: &DoctorRows) -> Vec<Case> {
    let doctor = rows.doctor;
    let at = |day: u32, hour: u32| {
        Utc.with_ymd_and_hms(2031, 3, day, hour, 0, 0)
            .single()
            .expect("valid time")
    };
    let mut cases = Vec::new();

    // patients: full_name is PHI, at most 200 characters, and required; doctor_id references
    // auth.users.
    let long_name = format!("{} {}", marker("patients", "check"), "x".repeat(200));
    cases.push(Case {
        table: "patients",
        violation: "check",
        code: SqlState::CHECK_VIOLATION,
        sql: "insert into public.patients (doctor_id, full_name, email) values ($1, $2, $3)",
        params: vec![
            Box::new(doctor),
            Box::new(long_name),
            Box::new(marker("patients", "check-email")),
        ],
        acting_for: doctor,
        secrets: vec![marker("patients", "check"), marker("patients", "check-email")],
        shown_to_service_role: marker("patients", "check"),
    });
    cases.push(Case {
        table: "patients",
        violation: "not_null",
        code: SqlState::NOT_NULL_VIOLATION,
        sql: "insert into public.patients (doctor_id, full_name, email) values ($1, $2, $3)",
        params: vec![
            Box::new(doctor),
            Box::new(None::<String>),
            Box::new(marker("patients", "not_null")),
        ],
        acting_for: doctor,
        secrets: vec![marker("patients", "not_null")],
        shown_to_service_role: marker("patients", "not_null"),
    });
    let no_such_doctor = Uuid::new_v4();
    cases.push(Case {
        table: "patients",
        violation: "foreign_key",
        code: SqlState::FOREIGN_KEY_VIOLATION,
        sql: "insert into public.patients (doctor_id, full_name, email) values ($1, $2, $3)",
        params: vec![
            Box::new(no_such_doctor),
            Box::new(marker("patients", "foreign_key")),
            Box::new(marker("patients", "foreign_key-email")),
        ],
        acting_for: no_such_doctor,
        secrets: vec![
            no_such_doctor.to_string(),
            marker("patients", "foreign_key"),
            marker("patients", "foreign_key-email"),
        ],
        shown_to_service_role: no_such_doctor.to_string(),
    });

    // appointments: reason is PHI; ends_at after starts_at, both required; (patient_id,
    // doctor_id) references patients.
    let insert_appointment = "insert into public.appointments (doctor_id, patient_id, starts_at, ends_at, reason) \
                              values ($1, $2, $3, $4, $5)";
    cases.push(Case {
        table: "appointments",
        violation: "check",
        code: SqlState::CHECK_VIOLATION,
        sql: insert_appointment,
        params: vec![
            Box::new(doctor),
            Box::new(rows.patient),
            Box::new(at(3, 10)),
            Box::new(at(3, 9)),
            Box::new(marker("appointments", "check")),
        ],
        acting_for: doctor,
        secrets: vec![marker("appointments", "check")],
        shown_to_service_role: marker("appointments", "check"),
    });
    cases.push(Case {
        table: "appointments",
        violation: "not_null",
        code: SqlState::NOT_NULL_VIOLATION,
        sql: insert_appointment,
        params: vec![
            Box::new(doctor),
            Box::new(rows.patient),
            Box::new(None::<chrono::DateTime<Utc>>),
            Box::new(at(4, 9)),
            Box::new(marker("appointments", "not_null")),
        ],
        acting_for: doctor,
        secrets: vec![marker("appointments", "not_null")],
        shown_to_service_role: marker("appointments", "not_null"),
    });
    let no_such_patient = Uuid::new_v4();
    cases.push(Case {
        table: "appointments",
        violation: "foreign_key",
        code: SqlState::FOREIGN_KEY_VIOLATION,
        sql: insert_appointment,
        params: vec![
            Box::new(doctor),
            Box::new(no_such_patient),
            Box::new(at(5, 9)),
            Box::new(at(5, 10)),
            Box::new(marker("appointments", "foreign_key")),
        ],
        acting_for: doctor,
        secrets: vec![no_such_patient.to_string(), marker("appointments", "foreign_key")],
        shown_to_service_role: no_such_patient.to_string(),
    });

    // messages: content is PHI, at most 10000 characters; sender is required;
    // (conversation_id, doctor_id) references conversations.
    let insert_message =
        "insert into public.messages (conversation_id, doctor_id, sender, content) values ($1, $2, $3, $4)";
    let long_content = format!("{} {}", marker("messages", "check"), "y".repeat(10_000));
    cases.push(Case {
        table: "messages",
        violation: "check",
        code: SqlState::CHECK_VIOLATION,
        sql: insert_message,
        params: vec![
            Box::new(rows.conversation),
            Box::new(doctor),
            Box::new(Some("patient".to_owned())),
            Box::new(long_content),
        ],
        acting_for: doctor,
        secrets: vec![marker("messages", "check")],
        shown_to_service_role: marker("messages", "check"),
    });
    cases.push(Case {
        table: "messages",
        violation: "not_null",
        code: SqlState::NOT_NULL_VIOLATION,
        sql: insert_message,
        params: vec![
            Box::new(rows.conversation),
            Box::new(doctor),
            Box::new(None::<String>),
            Box::new(marker("messages", "not_null")),
        ],
        acting_for: doctor,
        secrets: vec![marker("messages", "not_null")],
        shown_to_service_role: marker("messages", "not_null"),
    });
    let no_such_conversation = Uuid::new_v4();
    cases.push(Case {
        table: "messages",
        violation: "foreign_key",
        code: SqlState::FOREIGN_KEY_VIOLATION,
        sql: insert_message,
        params: vec![
            Box::new(no_such_conversation),
            Box::new(doctor),
            Box::new(Some("patient".to_owned())),
            Box::new(marker("messages", "foreign_key")),
        ],
        acting_for: doctor,
        secrets: vec![no_such_conversation.to_string(), marker("messages", "foreign_key")],
        shown_to_service_role: no_such_conversation.to_string(),
    });
    cases
}

/// Runs the case's statement as `actor` and returns its error.
fn attempt(db: &mut TestDb, actor: Actor, case: &Case) -> postgres::Error {
    let params: Vec<&(dyn ToSql + Sync)> = case.params.iter().map(|p| p.as_ref()).collect();
    db.act(actor, |tx| tx.execute(case.sql, &params)).expect_err(case.sql)
}

/// Every text of the error that reaches the client or the server's log: its fields, the
/// driver's own `Display` and `Debug` (what a backend that logs the raw error writes), and the
/// runtime crate's error, as the generated code returns it.
fn error_texts(error: postgres::Error) -> Vec<(&'static str, String)> {
    let db = error.as_db_error().expect("a server error");
    let mut texts = vec![("message", db.message().to_owned())];
    for (field, text) in [("detail", db.detail()), ("hint", db.hint()), ("where", db.where_())] {
        texts.push((field, text.unwrap_or_default().to_owned()));
    }
    texts.push(("driver Display", error.to_string()));
    texts.push(("driver Debug", format!("{error:?}")));
    let runtime = supaschema::DbError::from(error);
    texts.push(("DbError Display", runtime.to_string()));
    texts.push(("DbError Debug", format!("{runtime:?}")));
    texts
}

/// The tables with a PHI column, from the model, so a new one cannot be left out.
fn phi_tables() -> BTreeSet<String> {
    let path = crate::common::project_root().join("schema.toml");
    let text = std::fs::read_to_string(path).expect("schema.toml");
    let schema = load_schema(&SourceFile::new("schema.toml", text)).expect("valid schema");
    schema
        .tables
        .iter()
        .filter(|t| t.columns.iter().any(|c| c.class == Class::Phi))
        .map(|t| t.name.clone())
        .collect()
}

#[test]
fn errors_as_backend_quote_no_phi_and_as_service_role_they_do() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let rows = seed_doctor(&mut db, 9);
    let cases = cases(&rows);

    let covered: BTreeSet<String> = cases.iter().map(|c| c.table.to_owned()).collect();
    assert_eq!(covered, phi_tables(), "every table with a PHI column has its cases");
    for table in &covered {
        let kinds: BTreeSet<&str> = cases.iter().filter(|c| c.table == table).map(|c| c.violation).collect();
        assert_eq!(kinds, BTreeSet::from(["check", "foreign_key", "not_null"]), "{table}");
    }

    for case in &cases {
        let what = format!("{} {}", case.table, case.violation);

        let error = attempt(&mut db, backend_for(case.acting_for), case);
        assert_eq!(error.code(), Some(&case.code), "{what} as backend: {error:?}");
        for (field, text) in error_texts(error) {
            for secret in &case.secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{what} as backend: the {field} quotes {secret:?}: {text}"
                );
            }
        }

        let error = attempt(&mut db, Actor::service_role(), case);
        assert_eq!(error.code(), Some(&case.code), "{what} as service_role: {error:?}");
        let detail = error.as_db_error().and_then(|e| e.detail()).unwrap_or_default();
        assert!(
            detail.contains(case.shown_to_service_role.as_str()),
            "{what} as service_role: the control should quote {:?}, detail: {detail}",
            case.shown_to_service_role
        );
    }
}

/// The statements of the bot's routine work, as `backend` for doctor A, on a row of A and on
/// one of B: `$1` is the row's id.
const READ: &str = "select count(*) from public.{table} where id = $1";
const TOUCH: &str = "update public.{table} set doctor_id = doctor_id where id = $1";
const DELETE: &str = "delete from public.{table} where id = $1";

/// The tables `backend` works on, and whether it may update them.
const BACKEND_TABLES: [(&str, bool); 4] = [
    ("patients", true),
    ("appointments", true),
    ("conversations", true),
    ("messages", false),
];

fn run(db: &mut TestDb, actor: Actor, statement: &str, table: &str, id: Uuid) -> Result<u64, postgres::Error> {
    let sql = statement.replace("{table}", table);
    db.act(actor, |tx| {
        if statement == READ {
            tx.query_one(&sql, &[&id]).map(|r| r.get::<_, i64>(0).unsigned_abs())
        } else {
            tx.execute(&sql, &[&id])
        }
    })
}

#[test]
fn backend_reaches_only_the_practice_it_acts_for() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 10);
    for (table, updates) in BACKEND_TABLES {
        let (own, theirs) = (a.id_in(table), b.id_in(table));
        let as_a = || backend_for(a.doctor);
        assert_eq!(
            run(&mut db, as_a(), READ, table, own).expect("read"),
            1,
            "{table}: own row"
        );
        assert_eq!(
            run(&mut db, as_a(), READ, table, theirs).expect("read"),
            0,
            "{table}: B's row"
        );
        // Without a practice, nothing.
        assert_eq!(
            run(&mut db, Actor::backend(), READ, table, own).expect("read"),
            0,
            "{table}: no practice"
        );

        let touched = run(&mut db, as_a(), TOUCH, table, own);
        let touched_theirs = run(&mut db, as_a(), TOUCH, table, theirs);
        if updates {
            assert_eq!(touched.expect("update"), 1, "{table}: update own row");
            assert_eq!(touched_theirs.expect("update"), 0, "{table}: update B's row");
        } else {
            for result in [touched, touched_theirs] {
                let error = result.expect_err("no update privilege");
                assert_eq!(
                    error.code(),
                    Some(&SqlState::INSUFFICIENT_PRIVILEGE),
                    "{table}: {error:?}"
                );
            }
        }
        for id in [own, theirs] {
            let error = run(&mut db, as_a(), DELETE, table, id).expect_err("no delete privilege");
            assert_eq!(
                error.code(),
                Some(&SqlState::INSUFFICIENT_PRIVILEGE),
                "{table}: {error:?}"
            );
        }
    }

    // Writing a row into B's practice, or moving one there, is refused by the policy's check.
    let into_b = db.act(backend_for(a.doctor), |tx| {
        tx.execute(
            "insert into public.patients (doctor_id, full_name) values ($1, 'Someone')",
            &[&b.doctor],
        )
    });
    let error = into_b.expect_err("B's practice");
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{error:?}");
    let moved = db.act(backend_for(a.doctor), |tx| {
        tx.execute(
            "update public.blocked_times set doctor_id = $1 where id = $2",
            &[&b.doctor, &a.blocked_time],
        )
    });
    let error = moved.expect_err("no privilege on blocked_times");
    assert_eq!(error.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{error:?}");
    let moved = db.act(backend_for(a.doctor), |tx| {
        tx.execute(
            "update public.conversations set status = 'closed', doctor_id = $1 where id = $2",
            &[&b.doctor, &a.conversation],
        )
    });
    let error = moved.expect_err("into B's practice");
    assert!(
        [SqlState::INSUFFICIENT_PRIVILEGE, SqlState::FOREIGN_KEY_VIOLATION].contains(error.code().expect("code")),
        "{error:?}"
    );

    // The bot's routine writes go through: a patient, a booking, a thread and a message.
    db.act(backend_for(a.doctor), |tx| {
        use receptionist::schema::*;
        use supaschema::blocking::*;
        let patient = NewPatient::new(a.doctor, "Routine patient".into())
            .insert(tx)
            .expect("insert patient as backend");
        let starts_at = Utc.with_ymd_and_hms(2031, 4, 1, 9, 0, 0).single().expect("valid time");
        NewAppointment::new(
            a.doctor,
            patient.id,
            starts_at,
            starts_at + chrono::TimeDelta::minutes(30),
        )
        .insert(tx)
        .expect("insert appointment as backend");
        let conversation = NewConversation::new(a.doctor, patient.id, ConversationChannel::Sms)
            .insert(tx)
            .expect("insert conversation as backend");
        NewMessage::new(conversation.id, a.doctor, MessageSender::Bot, "Booked.".into())
            .insert(tx)
            .expect("insert message as backend");
    });
}

/// The role is what the migrations promise: row security applies to it, it cannot log in, and
/// of the API roles only `service_role` (the backend's) may act as it. (`set role` checks the
/// session's login role, so a connection as the migration role could switch from any role.)
#[test]
fn the_backend_role_is_subject_to_row_security_and_granted_to_service_role_alone() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let row = db
        .client
        .query_one(
            "select rolbypassrls, rolsuper, rolcanlogin,
                    pg_has_role('service_role', 'backend', 'member'),
                    pg_has_role('anon', 'backend', 'member'),
                    pg_has_role('authenticated', 'backend', 'member')
               from pg_roles where rolname = 'backend'",
            &[],
        )
        .expect("the role exists");
    let flags: (bool, bool, bool, bool, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
    assert_eq!(flags, (false, false, false, true, false, false));
}
