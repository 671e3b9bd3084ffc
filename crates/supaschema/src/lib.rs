//! The runtime of the Rust types that `supaschema-build` generates from `schema.toml`: database
//! errors that never carry row values ([`DbError`]), the PHI placeholder for `Debug`
//! ([`Redacted`]), text-backed enums ([`text_enum!`], [`pg_enum!`] for enum types), `interval` ([`Interval`]), the generic
//! operations behind the generated types ([`blocking`]; `tokio` with the feature of that name),
//! and acting as a Data API caller under row level
//! security ([`act_as`], [`Actor`]).
//!
//! The generated code names this crate (`::supaschema` unless the build configures another
//! path) and reaches serde, postgres and the value types through the re-exports below, so a
//! project that uses the generated types depends on this crate alone. The `serde` feature
//! derives `Serialize` and `Deserialize` on the generated types; it is off by default because
//! the derives are most of their compile time.

mod act;
pub mod blocking;
mod enums;
mod error;
mod interval;
mod record;
mod redact;
mod serde_helpers;
mod sql;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use act::{Actor, act_as, begin_as};
pub use enums::UnknownValue;
pub use error::{DbError, DbErrorKind};
pub use interval::Interval;
pub use record::{Changes, NewRecord, Param, Record, Values};
pub use redact::Redacted;
pub use serde_helpers::double_option;

// What the generated code uses, re-exported so that it needs no dependency of its own.
pub use bytes;
pub use chrono;
pub use postgres;
pub use rust_decimal;
pub use serde;
pub use serde_json;
#[cfg(feature = "tokio")]
pub use tokio_postgres;
pub use uuid;
