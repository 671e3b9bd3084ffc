//! Audited reads (`audit_reads = true` on patients, appointments and messages), as PostgREST
//! calls the database: a GET runs in a read-only transaction and may select and filter on the
//! non-PHI columns only; `supabase.rpc('read_<table>', { ids, purpose })` is a POST, in a
//! read-write transaction, and returns the caller's rows with their PHI while writing one audit
//! row per row returned, naming the reader and no PHI value. The read function applies the
//! select policies itself, so its rows are checked against what row security shows the same
//! actor.

use crate::common::{
    Actor, DoctorRows, Grants, Migrate, TestDb, as_doctor, project_root, seed_doctor, signed_in_doctor,
};
use postgres::Transaction;
use std::collections::BTreeSet;
use supaschema::{DbError, DbErrorKind};
use supaschema_build::model::{Class, Schema};
use supaschema_build::{SourceFile, load_schema};
use uuid::Uuid;

/// What the seeded rows hold in their PHI columns (see `seed_doctor`).
const SEEDED_PHI: [&str; 4] = ["Patient of", "+4915112345678", "Back pain", "I need an appointment"];

fn schema() -> Schema {
    let path = project_root().join("schema.toml");
    let text = std::fs::read_to_string(&path).expect("schema.toml");
    load_schema(&SourceFile::new("schema.toml", text.as_str())).expect("the receptionist schema loads")
}

/// The tables whose reads are audited: those with a `phi` column, all of which must be.
fn audited_tables(schema: &Schema) -> Vec<String> {
    let with_phi: Vec<&supaschema_build::model::Table> = schema
        .tables
        .iter()
        .filter(|t| t.columns.iter().any(|c| c.class == Class::Phi))
        .collect();
    for table in &with_phi {
        assert!(
            table.audit_reads,
            "{} holds PHI but its reads are not audited",
            table.name
        );
    }
    with_phi.iter().map(|t| t.name.clone()).collect()
}

/// `POST /rpc/read_<table>` as PostgREST runs it: the arguments from the JSON body, the
/// function's rows as a JSON array.
fn rpc_read(tx: &mut Transaction<'_>, table: &str, ids: &[Uuid], purpose: &str) -> Result<String, postgres::Error> {
    let body = serde_json::json!({ "ids": ids, "purpose": purpose }).to_string();
    let sql = format!(
        "with pgrst_source as (
           select pgrst_call.* from (select * from json_to_record($1::text::json) as _(ids uuid[], purpose text)) as args,
                  lateral public.read_{table}(args.ids, args.purpose) as pgrst_call)
         select coalesce(json_agg(_postgrest_t), '[]')::text from (select * from pgrst_source) as _postgrest_t"
    );
    tx.query_one(&sql, &[&body]).map(|row| row.get(0))
}

/// A GET as PostgREST runs it: a read-only transaction.
fn get(tx: &mut Transaction<'_>, sql: &str) -> Result<Vec<postgres::Row>, postgres::Error> {
    tx.batch_execute("set transaction read only")?;
    tx.query(sql, &[])
}

struct ReadRow {
    actor_id: Option<Uuid>,
    actor_role: String,
    columns: Vec<String>,
    purpose: Option<String>,
    text: String,
}

fn reads(db: &mut TestDb, table: &str, id: Uuid) -> Vec<ReadRow> {
    db.client
        .query(
            "select actor_id, actor_role, changed_columns, purpose, a::text from public.audit_logs a
              where action = 'read' and table_name = $1 and record_id = $2 order by occurred_at",
            &[&table, &id],
        )
        .expect("read rows")
        .iter()
        .map(|r| ReadRow {
            actor_id: r.get(0),
            actor_role: r.get(1),
            columns: r.get(2),
            purpose: r.get(3),
            text: r.get(4),
        })
        .collect()
}

fn phi_columns(schema: &Schema, table: &str) -> Vec<String> {
    let table = schema.tables.iter().find(|t| t.name == table).expect("table");
    table
        .columns
        .iter()
        .filter(|c| c.class == Class::Phi)
        .map(|c| c.name.clone())
        .collect()
}

#[test]
fn a_doctors_api_read_of_each_phi_table_is_audited_with_their_identity_and_no_phi() {
    let schema = schema();
    for grants in [Grants::Explicit, Grants::Legacy] {
        let mut db = TestDb::new(grants);
        db.migrate();
        let a = seed_doctor(&mut db, 9);
        let b = seed_doctor(&mut db, 10);
        for table in audited_tables(&schema) {
            let (own, foreign) = (a.id_in(&table), b.id_in(&table));
            let before = reads(&mut db, &table, own).len();
            let json = db
                .act(signed_in_doctor(a.doctor), |tx| {
                    rpc_read(tx, &table, &[own, foreign], "treatment")
                })
                .unwrap_or_else(|e| panic!("{grants:?} read_{table}: {}", DbError::from(e)));
            let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json rows");
            let ids: Vec<String> = rows
                .iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(ids, [own.to_string()], "{grants:?} {table}: the doctor's own row only");
            for column in phi_columns(&schema, &table) {
                assert!(rows[0].get(&column).is_some(), "{table}.{column} is returned");
            }
            let recorded = reads(&mut db, &table, own);
            assert_eq!(recorded.len(), before + 1, "{grants:?} {table}: one read row");
            let row = recorded.last().expect("the new read row");
            assert_eq!(
                (row.actor_id, row.actor_role.as_str(), row.purpose.as_deref()),
                (Some(a.doctor), "authenticated", Some("treatment")),
                "{grants:?} {table}"
            );
            assert_eq!(
                row.columns,
                phi_columns(&schema, &table),
                "{table}: the PHI columns read"
            );
            for phi in SEEDED_PHI {
                assert!(!row.text.contains(phi), "PHI {phi:?} in the audit row: {}", row.text);
            }
            assert!(
                reads(&mut db, &table, foreign)
                    .iter()
                    .all(|r| r.actor_id != Some(a.doctor)),
                "{table}: nothing recorded for a row the doctor did not get"
            );
        }
    }
}

#[test]
fn a_get_may_neither_select_nor_filter_on_phi_columns() {
    let schema = schema();
    let mut db = TestDb::new(Grants::Legacy);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 10);
    for table in audited_tables(&schema) {
        let phi = phi_columns(&schema, &table);
        for sql in [
            format!("select * from public.{table}"),
            format!("select id from public.{table} where {} is not null", phi[0]),
            format!("select {} from public.{table}", phi.join(", ")),
        ] {
            for actor in [
                signed_in_doctor(a.doctor),
                Actor::backend().setting("receptionist.doctor_id", &a.doctor.to_string()),
            ] {
                let error = DbError::from(db.act(&actor, |tx| get(tx, &sql)).expect_err("a read of PHI"));
                assert_eq!(error.kind(), DbErrorKind::PermissionDenied, "{sql} as {}", actor.role());
            }
        }
        // The other columns list and filter as before, through row security.
        let ids: Vec<Uuid> = db
            .act(signed_in_doctor(a.doctor), |tx| {
                get(
                    tx,
                    &format!("select id from public.{table} where doctor_id is not null"),
                )
            })
            .expect("a GET of the non-PHI columns")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(ids, [a.id_in(&table)], "{table}");
        assert!(!ids.contains(&b.id_in(&table)));
    }
    // A GET cannot call the read function: it writes, and the transaction is read-only.
    let error = DbError::from(
        db.act(signed_in_doctor(a.doctor), |tx| {
            tx.batch_execute("set transaction read only")?;
            rpc_read(tx, "patients", &[a.patient], "treatment")
        })
        .expect_err("read-only"),
    );
    assert_eq!(error.code(), Some("25006"), "read_only_sql_transaction");
}

/// Every actor sees through `read_<table>` exactly the rows row security shows them in a
/// plain `select id`: the function's conditions are the policies'.
#[test]
fn the_read_functions_return_exactly_what_row_security_shows_each_actor() {
    let schema = schema();
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 9);
    let b = seed_doctor(&mut db, 10);
    let stranger = Uuid::new_v4();
    let actors = [
        ("doctor A", signed_in_doctor(a.doctor)),
        ("doctor B", signed_in_doctor(b.doctor)),
        ("A without the doctor claim", Actor::user(a.doctor)),
        ("A's id as an anonymous sign-in", as_doctor(Actor::anonymous(a.doctor))),
        ("a stranger", signed_in_doctor(stranger)),
        (
            "backend for A",
            Actor::backend().setting("receptionist.doctor_id", &a.doctor.to_string()),
        ),
        ("backend for no practice", Actor::backend()),
        ("service_role", Actor::service_role()),
    ];
    for table in audited_tables(&schema) {
        let all = [a.id_in(&table), b.id_in(&table)];
        for (who, actor) in &actors {
            let visible: BTreeSet<Uuid> = db.act(actor, |tx| {
                tx.query(&format!("select id from public.{table}"), &[])
                    .expect("select id")
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            });
            let read: BTreeSet<Uuid> = db.act(actor, |tx| {
                tx.query(
                    &format!("select id from public.read_{table}($1, 'operations')"),
                    &[&all.to_vec()],
                )
                .unwrap_or_else(|e| panic!("read_{table} as {who}: {}", DbError::from(e)))
                .iter()
                .map(|r| r.get(0))
                .collect()
            });
            assert_eq!(read, visible, "{table} as {who}");
        }
    }
}

#[test]
fn the_backend_reads_are_audited_too_and_bad_calls_are_refused_without_echo() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a: DoctorRows = seed_doctor(&mut db, 9);
    let backend = Actor::backend().setting("receptionist.doctor_id", &a.doctor.to_string());
    let before = reads(&mut db, "messages", a.message).len();
    let count: usize = db.act(&backend, |tx| {
        tx.query(
            "select * from public.read_messages($1, 'patient_communication')",
            &[&vec![a.message]],
        )
        .expect("backend read")
        .len()
    });
    assert_eq!(count, 1);
    let recorded = reads(&mut db, "messages", a.message);
    assert_eq!(recorded.len(), before + 1);
    let row = recorded.last().expect("read row");
    assert_eq!((row.actor_id, row.actor_role.as_str()), (None, "backend"));

    let doctor = signed_in_doctor(a.doctor);
    let secret = "Jane Doe, HIV+";
    for (actor, ids, purpose, code) in [
        (&doctor, Some(vec![Some(a.patient), None]), "treatment", "22004"),
        (&doctor, None, "treatment", "22004"),
        (&doctor, Some(vec![Some(a.patient)]), secret, "22023"),
        (&Actor::anon(), Some(vec![Some(a.patient)]), "treatment", "42501"),
    ] {
        let before = reads(&mut db, "patients", a.patient).len();
        let result = db.act(actor, |tx| {
            tx.query("select * from public.read_patients($1, $2)", &[&ids, &purpose])
        });
        let error = result.expect_err("refused");
        let message = error.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
        assert_eq!(error.code().map(|c| c.code()), Some(code), "{message}");
        assert!(!message.contains(secret), "the error repeats the argument: {message}");
        assert_eq!(
            reads(&mut db, "patients", a.patient).len(),
            before,
            "a refused call records nothing"
        );
    }
}

/// A column grant added by hand (`select` on a PHI column) is drift: the catalog shows it.
#[test]
fn a_hand_granted_phi_column_is_drift() {
    use supaschema_cli::catalog::{expected_catalog, read_catalog};
    let schema = schema();
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let expected = expected_catalog(&mut db.client, &schema).expect("expected catalog");
    assert_eq!(read_catalog(&mut db.client).expect("catalog"), expected);
    db.client
        .batch_execute("grant select (full_name) on public.patients to authenticated")
        .expect("grant");
    let live = read_catalog(&mut db.client).expect("catalog");
    let extra: Vec<&(String, String, String)> = live.tables["patients"]
        .column_grants
        .difference(&expected.tables["patients"].column_grants)
        .collect();
    assert_eq!(
        extra,
        [&("full_name".to_owned(), "authenticated".to_owned(), "SELECT".to_owned())]
    );
}
