//! The generator's tests, in one binary: malformed input, generated output as snapshots, schema
//! evolution against a real PostgreSQL, and property tests.

/// A schema of one doctor-owned `patients` table, ending with the column `$last` (a line of
/// TOML), which the history and Supabase CLI tests evolve.
macro_rules! patients_schema {
    ($last:literal) => {
        concat!(
            r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[tables.patients]
owner = { column = "doctor_id" }
indexes = [{ columns = ["doctor_id"] }]

[tables.patients.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
full_name = { type = "text", class = "phi" }
"#,
            $last
        )
    };
}

mod bad_input;
mod buckets;
mod default_grants;
mod evolution;
mod evolution_property;
mod evolution_safety;
mod foreign_keys;
mod functions;
mod fuzz_schema;
mod generated_code;
mod locks;
mod membership;
mod rollback;
mod row_checks;
mod snapshots;
mod squawk;
mod supabase_cli;
mod typescript;
