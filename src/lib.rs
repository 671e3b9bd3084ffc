//! supaschema keeps a Supabase database and the Rust code that uses it in sync from one
//! `schema.toml`. At `cargo build`, [`generator`] turns the schema into timestamped migrations
//! under `supabase/migrations/` and into the typed structs in [`schema`].
//!
//! ```no_run
//! use supaschema::schema::{NewPatient, Patient};
//!
//! fn add_patient(client: &mut postgres::Client, doctor: uuid::Uuid) -> Result<Patient, supaschema::runtime::DbError> {
//!     NewPatient {
//!         doctor_id: doctor,
//!         full_name: "Ada Lovelace".into(),
//!         ..NewPatient::example()
//!     }
//!     .insert(client)
//! }
//! ```

pub mod generator;
pub mod runtime;

/// The Rust types of `schema.toml`, generated at build time.
pub mod schema {
    include!(concat!(env!("OUT_DIR"), "/schema.rs"));
}
