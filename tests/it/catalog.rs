//! After the committed migration runs, the database holds exactly what schema.toml says:
//! compared object by object through the catalog, with expressions in the server's spelling.

use crate::common::{Grants, Migrate, TestDb, project_root};
use supaschema_build::{SourceFile, load_schema};
use supaschema_cli::catalog::{expected_catalog, read_catalog};

fn receptionist_schema() -> supaschema_build::Schema {
    let text = std::fs::read_to_string(project_root().join("schema.toml")).expect("schema.toml");
    load_schema(&SourceFile::new("schema.toml", text)).expect("the committed schema is valid")
}

#[test]
fn catalog_equals_schema_under_both_grant_regimes() {
    let schema = receptionist_schema();
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        let actual = read_catalog(&mut db.client).expect("read catalog");
        let expected = expected_catalog(&mut db.client, &schema).expect("expected catalog");
        assert_eq!(
            actual.tables.keys().collect::<Vec<_>>(),
            expected.tables.keys().collect::<Vec<_>>()
        );
        for (name, table) in &expected.tables {
            let live = &actual.tables[name];
            assert_eq!(live.columns, table.columns, "columns of {name} ({grants:?})");
            assert_eq!(
                live.constraints, table.constraints,
                "constraints of {name} ({grants:?})"
            );
            assert_eq!(live.indexes, table.indexes, "indexes of {name} ({grants:?})");
            assert_eq!(live.policies, table.policies, "policies of {name} ({grants:?})");
            assert_eq!(live.triggers, table.triggers, "triggers of {name} ({grants:?})");
            assert_eq!(live.grants, table.grants, "grants of {name} ({grants:?})");
            assert_eq!(
                (live.rls_enabled, live.rls_forced),
                (table.rls_enabled, table.rls_forced),
                "RLS of {name}"
            );
            assert_eq!(live.comment, table.comment, "comment of {name}");
        }
        assert_eq!(actual.functions, expected.functions, "functions ({grants:?})");
        assert_eq!(actual, expected);
    }
}

#[test]
fn every_table_has_rls_and_no_api_role_keeps_default_grants() {
    let mut db = TestDb::new(Grants::Legacy);
    db.migrate();
    let catalog = read_catalog(&mut db.client).expect("read catalog");
    for (name, table) in &catalog.tables {
        assert!(table.rls_enabled, "{name} has RLS off");
        assert!(
            !table.grants.contains_key("anon"),
            "anon holds {:?} on {name}",
            table.grants.get("anon")
        );
        for privileges in table.grants.values() {
            assert!(
                !privileges.contains("TRUNCATE")
                    && !privileges.contains("REFERENCES")
                    && !privileges.contains("TRIGGER"),
                "{name}: {privileges:?}"
            );
        }
    }
    for (name, function) in &catalog.functions {
        assert!(
            !function.executable_by.contains(&"anon".to_owned()),
            "anon can execute {name}"
        );
        assert_eq!(
            function.config,
            vec!["search_path=\"\"".to_owned()],
            "{name} has no pinned search_path"
        );
    }
}
