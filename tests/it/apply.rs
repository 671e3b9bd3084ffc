//! The committed migration on a real PostgreSQL: it applies, applies again, and works under
//! both of Supabase's grant regimes.

use crate::common::{Grants, Migrate, TestDb, project_root};

#[test]
fn migration_applies_to_a_fresh_database_and_again() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        db.migrate();
        let tables: i64 = db
            .client
            .query_one("select count(*) from pg_tables where schemaname = 'public'", &[])
            .expect("count tables")
            .get(0);
        assert_eq!(tables, schema_tables(), "{grants:?}");
    }
}

/// How many tables `schema.toml` declares.
fn schema_tables() -> i64 {
    let text = std::fs::read_to_string(project_root().join("schema.toml")).expect("schema.toml");
    let schema = supaschema_build::load_schema(&supaschema_build::SourceFile::new("schema.toml", text))
        .unwrap_or_else(|e| panic!("{e}"));
    i64::try_from(schema.tables.len()).expect("a count")
}

/// The committed migrations and lock hold `schema.toml`: generating again plans no file (and
/// verifies every generated migration's checksum), so `cargo build` writes nothing.
#[test]
fn the_committed_migrations_hold_schema_toml() {
    let project = supaschema_build::Project::new(crate::common::project_root());
    let generation = supaschema_build::generate(&project, chrono::Utc::now()).unwrap_or_else(|e| panic!("{e}"));
    let planned: Vec<_> = generation.files().map(|f| f.path.display().to_string()).collect();
    assert!(planned.is_empty(), "the build would write {planned:?}");
}
