//! The generated Rust types against the real tables: every insert struct is written and read
//! back as its row struct, serde names equal column names, and PHI never prints.

use crate::common::{Actor, Grants, Migrate, TestDb, seed_doctor, signed_in_doctor};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use receptionist::schema::*;
use supaschema::blocking::*;
use uuid::Uuid;

#[test]
fn every_table_round_trips_through_its_structs() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let doctor = db.create_user();
    let at = |h| Utc.with_ymd_and_hms(2030, 5, 6, h, 30, 0).single().expect("valid time");
    db.act(Actor::service_role(), |tx| {
        let new = NewPatient::new(doctor, "Grace Hopper".into())
            .with_id(Uuid::new_v4())
            .with_phone("+12025550123".into())
            .with_email("grace@example.test".into())
            .with_date_of_birth(NaiveDate::from_ymd_opt(1906, 12, 9).expect("valid date"))
            .with_social_handle("@grace".into())
            .with_preferred_channel(PatientPreferredChannel::Sms)
            .with_created_at(at(1))
            .with_updated_at(at(1));
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

        let new = NewAppointment::new(doctor, stored.id, at(9), at(10))
            .with_status(AppointmentStatus::Completed)
            .with_reason("Check-up".into());
        let appointment = new.insert(tx).expect("insert appointment");
        assert_eq!(
            Appointment::find(tx, &appointment.id).expect("find"),
            Some(appointment.clone())
        );
        assert_eq!(
            (appointment.starts_at, appointment.status),
            (at(9), AppointmentStatus::Completed)
        );

        let conversation = NewConversation::new(doctor, stored.id, ConversationChannel::Instagram)
            .with_status(ConversationStatus::HandedOff)
            .with_last_message_at(at(11))
            .insert(tx)
            .expect("insert conversation");
        assert_eq!(
            Conversation::find(tx, &conversation.id).expect("find"),
            Some(conversation.clone())
        );
        assert_eq!(conversation.status, ConversationStatus::HandedOff);

        let message = NewMessage::new(
            conversation.id,
            doctor,
            MessageSender::Bot,
            "Your appointment is confirmed.".into(),
        )
        .with_provider_message_id("wamid.1".into())
        .with_sent_at(at(12))
        .insert(tx)
        .expect("insert message");
        assert_eq!(Message::find(tx, &message.id).expect("find"), Some(message.clone()));
        assert_eq!(message.sent_at, at(12));

        let availability = NewAvailability::new(
            doctor,
            3,
            NaiveTime::from_hms_opt(8, 15, 0).expect("valid"),
            NaiveTime::from_hms_opt(12, 45, 0).expect("valid"),
            "America/New_York".into(),
        )
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

        let blocked = NewBlockedTime::new(doctor, at(13), at(14))
            .insert(tx)
            .expect("insert blocked time");
        assert_eq!(BlockedTime::find(tx, &blocked.id).expect("find"), Some(blocked.clone()));
        assert_eq!(blocked.label, None);

        let webhook = NewWebhookIdempotency::new(WebhookIdempotencyProvider::Stripe, "evt_123".into(), "a".repeat(64))
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
    let entry = NewAuditLog::new("authenticated".into(), AuditLogAction::Read, "patients".into())
        .with_actor_id(doctor)
        .with_changed_columns(vec!["full_name".into()])
        .with_metadata(serde_json::json!({ "purpose": "test" }))
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
        .act(signed_in_doctor(rows.doctor), |tx| Patient::find(tx, &rows.patient))
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
