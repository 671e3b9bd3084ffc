//! `book_appointment.rs` as an async service has it: tokio, a `deadpool-postgres` pool, and the
//! generated operations on tokio-postgres (the runtime's `tokio` feature), acting as the doctor
//! under row level security. The same SQL and row reading as the blocking program.
//!
//! `DATABASE_URL=… DOCTOR_ID=<auth user id> cargo run --example book_appointment_async`
//! (`--help` says more).

#[path = "common/settings.rs"]
mod settings;

use chrono::{TimeDelta, Utc};
use receptionist::schema::{AppointmentStatus, NewAppointment, NewPatient};
use settings::Settings;
use std::process::ExitCode;
use supaschema::tokio::{Insert, act_as};
use supaschema::{Actor, DbError, DbErrorKind};
use uuid::Uuid;

/// A pool of connections to `url`, as a web service keeps one.
pub fn pool(url: &str) -> Result<deadpool_postgres::Pool, Box<dyn std::error::Error>> {
    let config: tokio_postgres::Config = url.parse()?;
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    Ok(deadpool_postgres::Pool::builder(manager).max_size(4).build()?)
}

/// Adds a patient for the doctor and books them tomorrow at this hour, on a pooled connection in
/// a transaction acting as the doctor; `Ok(None)` when the slot is taken. Concurrent bookings can
/// deadlock or fail to serialize; the server then asks for a retry, which this does, up to three
/// times.
pub async fn run(pool: &deadpool_postgres::Pool, doctor_id: Uuid) -> Result<Option<Uuid>, Box<dyn std::error::Error>> {
    let at = Utc::now() + TimeDelta::days(1);
    let mut attempt = 1;
    loop {
        match book(pool, doctor_id, at).await {
            Err(Booking::Database(error)) if error.kind() == DbErrorKind::RetryTransaction && attempt < 3 => {
                attempt += 1
            }
            Err(Booking::Database(error)) => return Err(error.into()),
            Err(Booking::Pool(error)) => return Err(error.into()),
            Ok(booked) => return Ok(booked),
        }
    }
}

/// Why one try at a booking failed.
enum Booking {
    Pool(deadpool_postgres::PoolError),
    Database(DbError),
}

impl From<DbError> for Booking {
    fn from(error: DbError) -> Booking {
        Booking::Database(error)
    }
}

async fn book(
    pool: &deadpool_postgres::Pool,
    doctor_id: Uuid,
    at: chrono::DateTime<Utc>,
) -> Result<Option<Uuid>, Booking> {
    let mut client = pool.get().await.map_err(Booking::Pool)?;
    // The doctor's token carries the mark the backend set in `app_metadata`.
    let doctor = Actor::user(doctor_id).app_metadata("role", "doctor".into());
    act_as(&mut client, &doctor, async |tx| {
        let patient = NewPatient::new(doctor_id, "Ada Lovelace".to_owned()).insert(tx).await?;
        println!("patient: {patient:?}");
        let booking = NewAppointment::new(doctor_id, patient.id, at, at + TimeDelta::minutes(30))
            .with_status(AppointmentStatus::Pending);
        let savepoint = tx.transaction().await.map_err(DbError::from)?;
        match booking.insert(&savepoint).await {
            Ok(appointment) => {
                savepoint.commit().await.map_err(DbError::from)?;
                Ok(Some(appointment.id))
            }
            Err(error) if error.kind() == DbErrorKind::ExclusionViolation => Ok(None),
            Err(error) => Err(error.into()),
        }
    })
    .await
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let booked = match pool(&settings.database_url) {
        Ok(pool) => run(&pool, settings.doctor_id).await,
        Err(error) => Err(error),
    };
    match booked {
        Ok(Some(id)) => println!("booked {id}"),
        Ok(None) => println!("that slot is taken"),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
