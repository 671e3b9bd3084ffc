//! The generator's tests, in one binary: malformed input, generated output as snapshots, schema
//! evolution against a real PostgreSQL, and property tests.

mod bad_input;
mod evolution;
mod evolution_property;
mod evolution_safety;
mod fuzz_schema;
mod generated_code;
mod snapshots;
mod supabase_cli;
mod typescript;
