//! Generates the migrations under supabase/migrations/ and the Rust types in OUT_DIR from
//! schema.toml.

fn main() -> Result<(), supaschema_build::Error> {
    supaschema_build::Config::new().compile()
}
