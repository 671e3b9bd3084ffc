//! The generated Rust types against the real tables: every insert struct is written and read
//! back as its row struct, serde names equal column names, and PHI never prints.

use crate::common::{Actor, Grants, Migrate, TestDb, seed_doctor};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use receptionist::schema::*;
use uuid::Uuid;

#[test]
fn every_table_round_trips_through_its_structs() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let doctor = db.create_user();
    let at = |h| Utc.with_ymd_and_hms(2030, 5, 6, h, 30, 0).single().expect("valid time");
    db.act(&Actor::service_role(), |tx| {
        let new = NewPatient {
            id: Some(Uuid::new_v4()),
            doctor_id: doctor,
            full_name: "Grace Hopper".into(),
            phone: Some("+12025550123".into()),
            email: Some("grace@example.test".into()),
            date_of_birth: NaiveDate::from_ymd_opt(1906, 12, 9),
            social_handle: Some("@grace".into()),
            preferred_channel: Some(PatientPreferredChannel::Sms),
            created_at: Some(at(1)),
            updated_at: Some(at(1)),
        };
        let stored = new.insert(tx).expect("insert patient");
        let found = Patient::find(tx, &stored.id).expect("find").expect("row exists");
        assert_eq!(found, stored);
        assert_eq!(
            (
                found.id,
                found.full_name.as_str(),
                found.date_of_birth,
                found.preferred_channel
            ),
            (
                new.id.expect("set"),
                "Grace Hopper",
                new.date_of_birth,
                new.preferred_channel
            )
        );

        let new = NewAppointment {
            id: None,
            doctor_id: doctor,
            patient_id: stored.id,
            starts_at: at(9),
            ends_at: at(10),
            status: Some(AppointmentStatus::Completed),
            reason: Some("Check-up".into()),
            created_at: None,
            updated_at: None,
        };
        let appointment = new.insert(tx).expect("insert appointment");
        assert_eq!(
            Appointment::find(tx, &appointment.id).expect("find"),
            Some(appointment.clone())
        );
        assert_eq!(
            (appointment.starts_at, appointment.status),
            (at(9), AppointmentStatus::Completed)
        );

        let conversation = NewConversation {
            id: None,
            doctor_id: doctor,
            patient_id: stored.id,
            channel: ConversationChannel::Instagram,
            status: Some(ConversationStatus::HandedOff),
            last_message_at: Some(at(11)),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert conversation");
        assert_eq!(
            Conversation::find(tx, &conversation.id).expect("find"),
            Some(conversation.clone())
        );
        assert_eq!(conversation.status, ConversationStatus::HandedOff);

        let message = NewMessage {
            id: None,
            conversation_id: conversation.id,
            doctor_id: doctor,
            sender: MessageSender::Bot,
            content: "Your appointment is confirmed.".into(),
            provider_message_id: Some("wamid.1".into()),
            sent_at: Some(at(12)),
        }
        .insert(tx)
        .expect("insert message");
        assert_eq!(Message::find(tx, &message.id).expect("find"), Some(message.clone()));
        assert_eq!(message.sent_at, at(12));

        let availability = NewAvailability {
            id: None,
            doctor_id: doctor,
            day_of_week: 3,
            start_time: NaiveTime::from_hms_opt(8, 15, 0).expect("valid"),
            end_time: NaiveTime::from_hms_opt(12, 45, 0).expect("valid"),
            time_zone: "America/New_York".into(),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert availability");
        assert_eq!(
            Availability::find(tx, &availability.id).expect("find"),
            Some(availability.clone())
        );
        assert_eq!(
            availability.start_time,
            NaiveTime::from_hms_opt(8, 15, 0).expect("valid")
        );

        let blocked = NewBlockedTime {
            id: None,
            doctor_id: doctor,
            starts_at: at(13),
            ends_at: at(14),
            label: None,
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert blocked time");
        assert_eq!(BlockedTime::find(tx, &blocked.id).expect("find"), Some(blocked.clone()));
        assert_eq!(blocked.label, None);

        let webhook = NewWebhookIdempotency {
            id: None,
            provider: WebhookIdempotencyProvider::Stripe,
            event_id: "evt_123".into(),
            payload_sha256: "a".repeat(64),
            status: None,
            attempts: None,
            received_at: None,
            processed_at: None,
            keep_until: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert webhook");
        assert_eq!(
            WebhookIdempotency::find(tx, &webhook.id).expect("find"),
            Some(webhook.clone())
        );
        assert_eq!(
            (webhook.status, webhook.attempts),
            (WebhookIdempotencyStatus::Received, 1)
        );
        assert!(webhook.keep_until >= webhook.received_at + chrono::TimeDelta::days(3));

        let patched = WebhookIdempotencyPatch {
            status: Some(WebhookIdempotencyStatus::Processed),
            processed_at: Some(Some(at(15))),
            ..WebhookIdempotencyPatch::default()
        }
        .update(tx, &webhook.id)
        .expect("update")
        .expect("row exists");
        assert_eq!(
            (patched.status, patched.processed_at),
            (WebhookIdempotencyStatus::Processed, Some(at(15)))
        );
        let cleared = WebhookIdempotencyPatch {
            processed_at: Some(None),
            ..WebhookIdempotencyPatch::default()
        }
        .update(tx, &webhook.id)
        .expect("update")
        .expect("row exists");
        assert_eq!(cleared.processed_at, None);
    });

    // Audit rows are written by triggers; the table owner writes one directly to check the
    // struct, since no API role may.
    let entry = NewAuditLog {
        id: None,
        actor_id: Some(doctor),
        actor_role: "authenticated".into(),
        action: AuditLogAction::Read,
        table_name: "patients".into(),
        record_id: None,
        changed_columns: Some(vec!["full_name".into()]),
        metadata: Some(serde_json::json!({ "purpose": "test" })),
        occurred_at: None,
    }
    .insert(&mut db.client)
    .expect("insert audit row");
    assert_eq!(
        AuditLog::find(&mut db.client, &entry.id).expect("find"),
        Some(entry.clone())
    );
    assert_eq!(entry.metadata["purpose"], "test");
}

#[test]
fn serde_uses_column_names_and_debug_hides_phi() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let rows = seed_doctor(&mut db, 9);
    let patient = db
        .act(&Actor::user(rows.doctor), |tx| Patient::find(tx, &rows.patient))
        .expect("find")
        .expect("own");
    let json = serde_json::to_value(&patient).expect("serialize");
    let mut keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    let mut columns = Patient::COLUMNS.to_vec();
    keys.sort();
    columns.sort();
    assert_eq!(keys, columns);
    assert_eq!(json["full_name"], patient.full_name.as_str());
    assert_eq!(serde_json::from_value::<Patient>(json).expect("deserialize"), patient);

    let debug = format!(
        "{patient:?} {:?}",
        PatientPatch {
            full_name: Some(patient.full_name.clone()),
            ..Default::default()
        }
    );
    assert!(!debug.contains(&patient.full_name), "{debug}");
    assert!(!debug.contains("+4915112345678"), "{debug}");
    assert!(
        debug.contains("full_name: [PHI]") && debug.contains("phone: [PHI]"),
        "{debug}"
    );
    assert!(
        debug.contains(&patient.id.to_string()),
        "non-PHI fields still print: {debug}"
    );
}
