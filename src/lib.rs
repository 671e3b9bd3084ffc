//! supaschema keeps a Supabase database and the Rust code that uses it in sync from one
//! `schema.toml`. At `cargo build`, [`generator`] turns the schema into timestamped migrations
//! under `supabase/migrations/` and into the typed structs in [`schema`].
//!
//! See `examples/book_appointment.rs` for application code using the generated types.

pub mod deploy;
pub mod generator;
pub mod introspect;
pub mod runtime;

/// The Rust types of `schema.toml`, generated at build time.
pub mod schema {
    include!(concat!(env!("OUT_DIR"), "/schema.rs"));
}
