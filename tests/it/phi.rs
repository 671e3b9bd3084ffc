//! PHI never prints: for every PHI column of every table in the model, the generated row,
//! insert and patch structs show `[PHI]` in `Debug` instead of the value, while `serde_json`
//! (the API's wire format) still carries it. The columns are taken from the model, and the set
//! checked must equal the model's set of PHI columns, so a new PHI column cannot be missed.

use receptionist::schema::*;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Debug;
use supaschema_build::model::{Class, Column, Table};
use supaschema_build::{SourceFile, load_schema};

fn model() -> supaschema_build::Schema {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.toml");
    let text = std::fs::read_to_string(path).expect("schema.toml");
    load_schema(&SourceFile::new("schema.toml", text)).expect("the committed schema is valid")
}

/// A JSON value for the column, and the text that would show in `Debug` if it were printed.
fn sample(table: &Table, index: usize, column: &Column) -> (Value, String) {
    if let Some(set) = &column.values {
        let value = set.values[index % set.values.len()].clone();
        return (json!(value), value);
    }
    let marker = format!("PHI-{}-{}-7781", table.name, column.name);
    let number = 918_273_000 + i64::try_from(index).expect("small");
    match column.sql_type.to_string().as_str() {
        "text" => (json!(marker), marker),
        "text[]" => (json!([marker]), marker),
        "jsonb" => (json!({ "note": marker }), marker),
        "uuid" => {
            let id = uuid::Uuid::new_v4().to_string();
            (json!(id), id)
        }
        "date" => {
            let day = format!("1961-02-{:02}", index % 28 + 1);
            (json!(day), day)
        }
        "time" => {
            let time = format!("07:{:02}:13", index % 60);
            (json!(time), time)
        }
        "timestamptz" => {
            let at = format!("1999-12-{:02}T03:04:05Z", index % 28 + 1);
            (json!(at), format!("1999-12-{:02}T03:04:05", index % 28 + 1))
        }
        "smallint" => (json!(31_000 + index), (31_000 + index).to_string()),
        "integer" | "bigint" => (json!(number), number.to_string()),
        "boolean" => (json!(true), "true".to_owned()),
        other => panic!(
            "{}.{}: no sample for type {other}; add one so the PHI check covers it",
            table.name, column.name
        ),
    }
}

/// Builds `T` from the sampled JSON, then checks `Debug` and serde for every column. Returns
/// the PHI columns it checked.
fn check_struct<T: Debug + Serialize + DeserializeOwned>(table: &Table, kind: &str) -> BTreeSet<(String, String)> {
    let samples: Vec<(&Column, Value, String)> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (value, shown) = sample(table, i, c);
            (c, value, shown)
        })
        .collect();
    let object: serde_json::Map<String, Value> = samples.iter().map(|(c, v, _)| (c.name.clone(), v.clone())).collect();
    let value: T = serde_json::from_value(Value::Object(object.clone()))
        .unwrap_or_else(|e| panic!("{kind} of {} from JSON: {e}", table.name));
    let debug = format!("{value:?}");
    let pretty = format!("{value:#?}");
    let wire = serde_json::to_value(&value).expect("serialize");
    let mut checked = BTreeSet::new();
    for (column, sent, shown) in &samples {
        assert_eq!(
            wire.get(&column.name),
            Some(sent),
            "{kind} of {}: serde carries {} unchanged",
            table.name,
            column.name
        );
        if column.class == Class::Phi {
            for text in [&debug, &pretty] {
                assert!(
                    !text.contains(shown.as_str()),
                    "{kind} of {}: Debug prints PHI column {}: {text}",
                    table.name,
                    column.name
                );
            }
            assert!(
                debug.contains(&format!("{}: [PHI]", column.rust_name.trim_start_matches("r#"))),
                "{kind} of {}: Debug shows [PHI] for {}: {debug}",
                table.name,
                column.name
            );
            checked.insert((table.name.clone(), column.name.clone()));
        } else if column.values.is_none() && column.sql_type.to_string() == "text" {
            // The control: a value that is not PHI does print, so the check above can fail.
            assert!(
                debug.contains(shown.as_str()),
                "{kind} of {}: Debug shows non-PHI {}: {debug}",
                table.name,
                column.name
            );
        }
    }
    checked
}

/// The generated types are static, so each table is matched to its row, insert and patch
/// structs by name (an append-only table has no patch struct); a table missing here fails the
/// test.
fn check_table(table: &Table) -> BTreeSet<(String, String)> {
    fn append_only<R, N>(table: &Table) -> BTreeSet<(String, String)>
    where
        R: Debug + Serialize + DeserializeOwned,
        N: Debug + Serialize + DeserializeOwned,
    {
        let row = check_struct::<R>(table, "row struct");
        let new = check_struct::<N>(table, "insert struct");
        assert_eq!(row, new, "{}", table.name);
        row
    }
    fn all<R, N, P>(table: &Table) -> BTreeSet<(String, String)>
    where
        R: Debug + Serialize + DeserializeOwned,
        N: Debug + Serialize + DeserializeOwned,
        P: Debug + Serialize + DeserializeOwned,
    {
        let row = append_only::<R, N>(table);
        let patch = check_struct::<P>(table, "patch struct");
        assert_eq!(row, patch, "{}", table.name);
        row
    }
    match table.name.as_str() {
        "patients" => all::<Patient, NewPatient, PatientPatch>(table),
        "appointments" => all::<Appointment, NewAppointment, AppointmentPatch>(table),
        "conversations" => all::<Conversation, NewConversation, ConversationPatch>(table),
        "messages" => all::<Message, NewMessage, MessagePatch>(table),
        "availability" => all::<Availability, NewAvailability, AvailabilityPatch>(table),
        "blocked_times" => all::<BlockedTime, NewBlockedTime, BlockedTimePatch>(table),
        "webhook_idempotency" => all::<WebhookIdempotency, NewWebhookIdempotency, WebhookIdempotencyPatch>(table),
        "audit_logs" => append_only::<AuditLog, NewAuditLog>(table),
        "ai_interactions" => append_only::<AiInteraction, NewAiInteraction>(table),
        "ai_tool_calls" => append_only::<AiToolCall, NewAiToolCall>(table),
        other => panic!("table {other} has no entry in check_table: add its three generated structs"),
    }
}

#[test]
fn no_phi_column_prints_in_debug_but_every_one_serializes() {
    let schema = model();
    let mut checked = BTreeSet::new();
    for table in &schema.tables {
        checked.extend(check_table(table));
    }
    let phi: BTreeSet<(String, String)> = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| c.class == Class::Phi)
                .map(|c| (t.name.clone(), c.name.clone()))
        })
        .collect();
    println!("PHI columns checked in row, insert and patch structs: {checked:?}");
    assert!(!phi.is_empty(), "the receptionist schema has PHI");
    assert_eq!(
        checked, phi,
        "every PHI column of the model, and only those, was checked"
    );
}

/// A patient's handle on a channel, tied to a practice, identifies the patient: it is PHI and
/// never prints, in any of the three structs.
#[test]
fn a_patients_social_handle_is_phi() {
    let handle = "@phi-handle-7781";
    let new = NewPatient::new(uuid::Uuid::new_v4(), "A Patient".into()).with_social_handle(handle.into());
    let patch = PatientPatch {
        social_handle: Some(Some(handle.into())),
        ..PatientPatch::default()
    };
    for debug in [format!("{new:?}"), format!("{patch:?}")] {
        assert!(!debug.contains(handle), "the handle prints: {debug}");
    }
    let schema = model();
    let column = schema
        .table("patients")
        .and_then(|t| t.column("social_handle"))
        .expect("patients.social_handle");
    assert_eq!(column.class, Class::Phi);
}
