//! The AI receptionist's database, as Rust types: one row, insert and patch struct per table of
//! `schema.toml`, generated at build time by supaschema. See `examples/book_appointment.rs`.

/// The Rust types of `schema.toml`.
pub mod schema {
    include!(concat!(env!("OUT_DIR"), "/schema.rs"));
}
