//! The generated pgTAP tests committed under supabase/tests/database (`supaschema pgtap`, run by
//! `supabase test db`) pass on the migrated database under both grant regimes.

use crate::common::{Grants, Migrate, TestDb, project_root};

#[test]
fn the_committed_pgtap_tests_pass() {
    for grants in [Grants::Explicit, Grants::Legacy] {
        let mut db = TestDb::new(grants);
        db.migrate();
        supaschema_testkit::install_pgtap(&mut db);
        let files = supaschema_testkit::generated_tests(&project_root());
        assert!(files.len() >= 10, "{files:?}");
        supaschema_testkit::pg_prove(&db, &files);
    }
}
