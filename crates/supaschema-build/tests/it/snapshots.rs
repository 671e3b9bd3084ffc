//! Generated SQL and Rust for small schemas, reviewed as snapshot files
//! (`tests/snapshots/`), and each schema's SQL applied twice to a real database.

use supaschema_build::{SourceFile, render_schema};
use supaschema_testkit::fixture;
use supaschema_testkit::{Grants, TestDb};

use supaschema_testkit::FIXTURES as SCHEMAS;

fn render(name: &str) -> (String, String) {
    let text = fixture(name);
    let source = SourceFile::new(format!("{name}.toml"), text);
    let (_, sql, rust) = render_schema(&source, None).unwrap_or_else(|e| panic!("{e}"));
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

/// The build does not parse the generated Rust (that would cost more than all else it does), so
/// the tests do: every fixture's output, and a schema whose comments hold what rustc refuses
/// in comments unless escaped.
#[test]
fn generated_rust_parses() {
    for name in SCHEMAS {
        let (_, rust) = render(name);
        syn::parse_file(&rust).unwrap_or_else(|e| panic!("{name}: {e}\n{rust}"));
    }
    let tricky = fixture("minimal").replace(
        "[tables.notes]\n",
        "[tables.notes]\ncomment = \"line one\\nline two \\u202e evil \\t tab */ \\\\\"\n",
    );
    let source = SourceFile::new("tricky.toml", tricky);
    let (_, _, rust) = render_schema(&source, None).unwrap_or_else(|e| panic!("{e}"));
    syn::parse_file(&rust).unwrap_or_else(|e| panic!("{e}\n{rust}"));
    assert!(
        rust.contains("/// line one\n/// line two \\u{202e} evil \\u{9} tab */ \\"),
        "{rust}"
    );
}
