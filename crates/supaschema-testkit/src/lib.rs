//! Test support for the supaschema workspace: a fresh PostgreSQL database per test with the
//! Supabase stand-in ([`TestDb`]), projects in temporary folders built by the generator
//! ([`TempProject`]), the comparison of a migrated database with a fresh build, and the pinned
//! Supabase CLI ([`SupabaseCli`]). Tests talk to a real server: `DATABASE_URL`, else
//! `postgresql://postgres@127.0.0.1:5432/postgres`.

mod db;
mod package;
mod pgtap;
mod project;
mod supabase;

pub use db::{
    AUTH_ADMIN_ROLE, Grants, MIGRATION_ROLE, STAND_IN, TLS_ONLY_ROLE, TestDb, act_on, ensure_roles,
    ensure_tls_only_role, history_exists, history_rows, history_versions, public_tables, run_migration, server_config,
    unreachable_url,
};
pub use package::{CargoPackage, CargoRun};
pub use pgtap::{generated_tests, install_pgtap, pg_prove, run_pg_prove};
pub use project::{TempProject, assert_same_as_fresh, comparable, copy_tree};
pub use supabase::{SupabaseCli, SupabaseRun};

/// The workspace root, where `package.json` pins the Supabase CLI.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture schemas in `schemas/`, by name: small ones for one feature each, `everything`
/// (every feature, with keyword names) and `multi_tenant` (junction table, self-reference,
/// foreign-key cycle, identity keys), `column_types` (every column type), `teams` (rows owned
/// through memberships), `computed` (a generated column, `citext`, expression indexes).
pub const FIXTURES: [&str; 8] = [
    "minimal",
    "owned_via_parent",
    "cycle",
    "everything",
    "multi_tenant",
    "column_types",
    "teams",
    "computed",
];

/// The text of the fixture schema `schemas/<name>.toml`.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.toml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
