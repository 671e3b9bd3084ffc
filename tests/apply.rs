//! The committed migration on a real PostgreSQL: it applies, applies again, and works under
//! both of Supabase's grant regimes.

mod common;

use common::{Grants, TestDb};

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
        assert_eq!(tables, 8, "{grants:?}");
    }
}
