//! The database of this project as Rust types, generated from schema.toml at build time.

/// One row, insert and patch struct per table of schema.toml, with its name constants.
pub mod schema {
    include!(concat!(env!("OUT_DIR"), "/schema.rs"));
}
