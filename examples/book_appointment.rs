//! Application code on the generated types: the bot, acting as a doctor under row level
//! security, adds a patient and books an appointment for them, and tells a clash apart from
//! other failures, without ever printing the patient's data. `book_appointment_async.rs` is the
//! same program on tokio-postgres.
//!
//! Run against a database that has the migrations applied (`--help` says more):
//! `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres DOCTOR_ID=<auth user id> cargo run --example book_appointment`

#[path = "common/settings.rs"]
pub mod settings;

use chrono::{DateTime, TimeDelta, Utc};
use receptionist::schema::{Appointment, AppointmentStatus, NewAppointment, NewPatient, Patient};
use settings::Settings;
use std::process::ExitCode;
use supaschema::blocking::Insert;
use supaschema::{Actor, DbError, DbErrorKind, act_as};
use uuid::Uuid;

/// Why a booking did not happen, in words the bot can answer with.
#[derive(Debug)]
pub enum BookingError {
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
) -> Result<Appointment, BookingError> {
    let appointment = NewAppointment::new(
        patient.doctor_id,
        patient.id,
        starts_at,
        starts_at + TimeDelta::minutes(minutes),
    )
    .with_status(AppointmentStatus::Pending)
    .with_reason("check-up".to_owned());
    Ok(appointment.insert(client)?)
}

/// What one run did: the patient added, then each attempt at the same slot (the second clashes).
#[derive(Debug)]
pub struct Outcome {
    pub patient: Uuid,
    pub attempts: Vec<Result<Uuid, BookingError>>,
}

/// Adds a patient for the doctor and tries twice to book them tomorrow at this hour, in one
/// transaction acting as the doctor; commits.
pub fn run(settings: &Settings) -> Result<Outcome, Box<dyn std::error::Error>> {
    let mut client = postgres::Client::connect(&settings.database_url, postgres::NoTls)?;
    // The claims of the doctor's verified access token: the backend marked them as a doctor
    // (`app_metadata.role`), which the owner rules of schema.toml require.
    let doctor = Actor::user(settings.doctor_id).app_metadata("role", "doctor".into());
    let at = Utc::now() + TimeDelta::days(1);
    let outcome = act_as(&mut client, &doctor, |tx| {
        let patient = NewPatient::new(settings.doctor_id, "Ada Lovelace".to_owned())
            .with_phone("+442071234567".to_owned())
            .insert(tx)?;
        // Debug output shows `full_name: [PHI]`, never the name.
        println!("patient: {patient:?}");
        let mut attempts = Vec::new();
        for _ in 0..2 {
            // A savepoint, so that a refused booking leaves the transaction usable.
            let mut savepoint = tx.transaction()?;
            let attempt = book(&mut savepoint, &patient, at, 30).map(|a| a.id);
            if attempt.is_ok() {
                savepoint.commit()?;
            }
            attempts.push(attempt);
        }
        Ok::<_, DbError>(Outcome {
            patient: patient.id,
            attempts,
        })
    })?;
    Ok(outcome)
}

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&settings) {
        Ok(outcome) => {
            for (attempt, result) in outcome.attempts.iter().enumerate() {
                match result {
                    Ok(id) => println!("attempt {}: booked {id}", attempt + 1),
                    Err(BookingError::SlotTaken) => println!("attempt {}: that slot is taken", attempt + 1),
                    Err(BookingError::Database(error)) => println!("attempt {}: {error}", attempt + 1),
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
