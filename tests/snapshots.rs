//! Generated SQL and Rust for small schemas, reviewed as snapshot files
//! (`tests/snapshots/`), and each schema's SQL applied twice to a real database.

mod common;

use common::{Grants, TestDb, project_root};
use supaschema::generator::{SourceFile, render_schema};

const SCHEMAS: [&str; 4] = ["minimal", "owned_via_parent", "cycle", "everything"];

fn render(name: &str) -> (String, String) {
    let path = project_root().join(format!("tests/fixtures/schemas/{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let source = SourceFile::new(format!("{name}.toml"), text);
    let (_, sql, rust) = render_schema(&source, &project_root().join("templates")).unwrap_or_else(|e| panic!("{e}"));
    (sql, rust)
}

#[test]
fn generated_sql_matches_snapshots() {
    for name in SCHEMAS {
        insta::assert_snapshot!(format!("{name}_sql"), render(name).0);
    }
}

#[test]
fn generated_rust_matches_snapshots() {
    for name in SCHEMAS {
        insta::assert_snapshot!(format!("{name}_rust"), render(name).1);
    }
}

#[test]
fn generated_sql_applies_twice() {
    for name in SCHEMAS {
        let (sql, _) = render(name);
        let mut db = TestDb::new(Grants::Legacy);
        db.client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{name} failed: {e:?}"));
        db.client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{name} failed the second time: {e:?}"));
    }
}
