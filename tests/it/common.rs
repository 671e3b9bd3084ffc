//! What the receptionist's tests share: its project folder and committed migrations, and rows
//! of a doctor in every owned table. Everything generic comes from `supaschema_testkit`.

pub use supaschema::Actor;
pub use supaschema_testkit::{Grants, TestDb, act_on, history_rows};

use std::path::PathBuf;
use uuid::Uuid;

/// `actor` with the claim the backend gives a doctor (`app_metadata.role = "doctor"`, see
/// [`seed_doctor`]): the receptionist's owner rules require it.
pub fn as_doctor(actor: Actor) -> Actor {
    actor.app_metadata("role", serde_json::Value::String("doctor".into()))
}

/// A doctor's token: a signed-in, non-anonymous user with the doctor claim.
pub fn signed_in_doctor(id: Uuid) -> Actor {
    as_doctor(Actor::user(id))
}

/// The receptionist project: this repository's root.
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed migrations, in the order the Supabase CLI applies them.
pub fn committed_migrations() -> Vec<(PathBuf, String)> {
    let dir = project_root().join("supabase/migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("supabase/migrations exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let sql = std::fs::read_to_string(&p).expect("readable migration");
            (p, sql)
        })
        .collect()
}

/// The receptionist's migrations on a test database.
pub trait Migrate {
    /// Applies every committed migration in order.
    fn migrate(&mut self);
}

impl Migrate for TestDb {
    fn migrate(&mut self) {
        for (path, sql) in committed_migrations() {
            self.execute(&sql, &path.display().to_string());
        }
    }
}

/// One row in every doctor-owned table, written as the backend would.
#[derive(Clone, Copy, Debug)]
pub struct DoctorRows {
    pub doctor: Uuid,
    pub patient: Uuid,
    pub appointment: Uuid,
    pub conversation: Uuid,
    pub message: Uuid,
    pub availability: Uuid,
    pub blocked_time: Uuid,
}

/// The doctor-owned tables and the id column each is keyed by.
pub const OWNED_TABLES: [&str; 6] = [
    "patients",
    "appointments",
    "conversations",
    "messages",
    "availability",
    "blocked_times",
];

impl DoctorRows {
    pub fn id_in(&self, table: &str) -> Uuid {
        match table {
            "patients" => self.patient,
            "appointments" => self.appointment,
            "conversations" => self.conversation,
            "messages" => self.message,
            "availability" => self.availability,
            "blocked_times" => self.blocked_time,
            other => panic!("{other} is not doctor-owned"),
        }
    }
}

/// Creates a doctor and one row of each owned table for them, as `service_role`.
pub fn seed_doctor(db: &mut TestDb, hour: u32) -> DoctorRows {
    use chrono::{NaiveTime, TimeZone, Utc};
    use receptionist::schema::*;
    use supaschema::blocking::*;
    let doctor = db.create_user();
    // The backend marks the user as a doctor (the auth admin API's `app_metadata`).
    db.set_app_metadata(doctor, "role", serde_json::Value::String("doctor".into()));
    db.act(Actor::service_role(), |tx| {
        let patient = NewPatient::new(doctor, format!("Patient of {doctor}"))
            .with_phone("+4915112345678".into())
            .with_preferred_channel(PatientPreferredChannel::Whatsapp)
            .insert(tx)
            .expect("insert patient");
        let starts_at = Utc
            .with_ymd_and_hms(2030, 1, 7, hour, 0, 0)
            .single()
            .expect("valid time");
        let appointment = NewAppointment::new(
            doctor,
            patient.id,
            starts_at,
            starts_at + chrono::TimeDelta::minutes(30),
        )
        .with_status(AppointmentStatus::Confirmed)
        .with_reason("Back pain".into())
        .insert(tx)
        .expect("insert appointment");
        let conversation = NewConversation::new(doctor, patient.id, ConversationChannel::Whatsapp)
            .insert(tx)
            .expect("insert conversation");
        let message = NewMessage::new(
            conversation.id,
            doctor,
            MessageSender::Patient,
            "I need an appointment".into(),
        )
        .insert(tx)
        .expect("insert message");
        let availability = NewAvailability::new(
            doctor,
            1,
            NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
            "Europe/Berlin".into(),
        )
        .insert(tx)
        .expect("insert availability");
        let blocked_time = NewBlockedTime::new(
            doctor,
            starts_at + chrono::TimeDelta::days(7),
            starts_at + chrono::TimeDelta::days(8),
        )
        .with_label("holiday".into())
        .insert(tx)
        .expect("insert blocked time");
        DoctorRows {
            doctor,
            patient: patient.id,
            appointment: appointment.id,
            conversation: conversation.id,
            message: message.id,
            availability: availability.id,
            blocked_time: blocked_time.id,
        }
    })
}
