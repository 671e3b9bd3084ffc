//! Application code on the generated types: the bot books an appointment for a patient and
//! tells a clash apart from other failures, without ever printing the patient's data.
//!
//! Run against a database that has the migrations applied:
//! `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres cargo run --example book_appointment`

use chrono::{DateTime, TimeDelta, Utc};
use receptionist::schema::{Appointment, AppointmentStatus, NewAppointment, NewPatient, Patient};
use supaschema::{DbError, DbErrorKind};
use uuid::Uuid;

/// Why a booking did not happen, in words the bot can answer with.
enum BookingError {
    /// The doctor already has an active appointment at that time.
    SlotTaken,
    /// Anything else; the database error carries no patient data, so it may be logged.
    Database(DbError),
}

impl From<DbError> for BookingError {
    fn from(error: DbError) -> BookingError {
        match error.kind() {
            DbErrorKind::ExclusionViolation => BookingError::SlotTaken,
            _ => BookingError::Database(error),
        }
    }
}

fn book(
    client: &mut impl postgres::GenericClient,
    patient: &Patient,
    starts_at: DateTime<Utc>,
    minutes: i64,
    reason: &str,
) -> Result<Appointment, BookingError> {
    let appointment = NewAppointment {
        id: None,
        doctor_id: patient.doctor_id,
        patient_id: patient.id,
        starts_at,
        ends_at: starts_at + TimeDelta::minutes(minutes),
        status: Some(AppointmentStatus::Pending),
        reason: Some(reason.to_owned()),
        created_at: None,
        updated_at: None,
    };
    Ok(appointment.insert(client)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    let doctor: Uuid = std::env::var("DOCTOR_ID")?.parse()?;
    let mut tx = client.transaction()?;
    let patient = NewPatient {
        id: None,
        doctor_id: doctor,
        full_name: "Ada Lovelace".into(),
        phone: Some("+442071234567".into()),
        email: None,
        date_of_birth: None,
        social_handle: None,
        preferred_channel: None,
        created_at: None,
        updated_at: None,
    }
    .insert(&mut tx)?;
    // Debug output shows `full_name: [PHI]`, never the name.
    println!("patient: {patient:?}");
    let at = Utc::now() + TimeDelta::days(1);
    for attempt in 1..=2 {
        let mut savepoint = tx.transaction()?;
        match book(&mut savepoint, &patient, at, 30, "check-up") {
            Ok(appointment) => {
                println!("attempt {attempt}: booked {}", appointment.id);
                savepoint.commit()?;
            }
            Err(BookingError::SlotTaken) => println!("attempt {attempt}: that slot is taken"),
            Err(BookingError::Database(error)) => return Err(error.into()),
        }
    }
    tx.rollback()?;
    Ok(())
}
