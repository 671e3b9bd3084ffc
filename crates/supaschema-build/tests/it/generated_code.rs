//! The generated Rust compiled and run, as a user's crate does: every fixture schema's types
//! build without a warning or an undocumented item, document without a broken link, and each
//! table's generated `find` runs against its migration; a value of every column type makes the
//! round trip, and so does a row with a generated and a `citext` column; and an insert call
//! site survives a column that fills itself.

use supaschema_build::model::Schema;
use supaschema_build::{SourceFile, render_schema};
use supaschema_testkit::{CargoPackage, FIXTURES, Grants, TestDb, fixture};

fn render(name: &str, text: &str) -> (Schema, String, String) {
    render_schema(&SourceFile::new(format!("{name}.toml"), text.to_owned()), None).unwrap_or_else(|e| panic!("{e}"))
}

/// A program that finds, in the fixture's database and as `service_role`, a row of each table
/// by a key no row has.
fn find_program(name: &str, schema: &Schema) -> String {
    let checks: Vec<String> = schema
        .tables
        .iter()
        .map(|t| {
            format!(
                "        found.push(fixtures::{name}::{}::find(tx, &Default::default())?.is_some());",
                t.rust_name
            )
        })
        .collect();
    format!(
        "use supaschema::blocking::Find;\n\n\
         fn main() -> Result<(), supaschema::DbError> {{\n    \
             let url = std::env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n    \
             let mut client = supaschema::postgres::Client::connect(&url, supaschema::postgres::NoTls).expect(\"connect\");\n    \
             let found = supaschema::act_as(&mut client, &supaschema::Actor::service_role(), |tx| {{\n        \
                 let mut found = Vec::new();\n{}\n        \
                 Ok::<_, supaschema::DbError>(found)\n    \
             }})?;\n    \
             println!(\"{{}} tables, {{}} rows found\", found.len(), found.iter().filter(|f| **f).count());\n    \
             Ok(())\n\
         }}\n",
        checks.join("\n")
    )
}

#[test]
fn every_fixture_compiles_documented_and_runs() {
    let package = CargoPackage::new("fixtures", &["serde"]);
    let mut lib = String::from("//! The types of the fixture schemas.\n#![deny(missing_docs, warnings)]\n");
    let mut databases = Vec::new();
    for name in FIXTURES {
        let (schema, sql, rust) = render(name, &fixture(name));
        package.write(&format!("src/{name}.rs"), &rust);
        package.write(&format!("src/bin/find_{name}.rs"), &find_program(name, &schema));
        lib.push_str(&format!(
            "/// `{name}.toml`.\npub mod {name} {{\n    include!(\"{name}.rs\");\n}}\n"
        ));
        let mut db = TestDb::new(Grants::Legacy);
        db.execute(&sql, name);
        databases.push((name, schema.tables.len(), db));
    }
    package.write("src/lib.rs", &lib);
    package.write(
        "src/bin/column_types_round_trip.rs",
        include_str!("programs/column_types_round_trip.rs"),
    );
    package.write(
        "src/bin/computed_round_trip.rs",
        include_str!("programs/computed_round_trip.rs"),
    );
    let build = package.cargo(&["build", "--bins"], &[]);
    assert!(build.success, "{build}");
    let doc = package.cargo(&["doc", "--no-deps", "--lib"], &[("RUSTDOCFLAGS", "-D warnings")]);
    assert!(doc.success, "{doc}");

    for (name, tables, db) in &databases {
        let run = package.cargo(
            &["run", "--quiet", "--bin", &format!("find_{name}")],
            &[("DATABASE_URL", &db.url())],
        );
        assert!(run.success, "{name}: {run}");
        assert_eq!(run.stdout.trim(), format!("{tables} tables, 0 rows found"), "{name}");
    }
    let (_, _, db) = databases
        .iter_mut()
        .find(|(name, ..)| *name == "column_types")
        .expect("column_types");
    let user = db.create_user().to_string();
    let run = package.cargo(
        &["run", "--quiet", "--bin", "column_types_round_trip"],
        &[("DATABASE_URL", &db.url()), ("USER_ID", &user)],
    );
    assert!(run.success, "{run}");
    let (schema, _, _) = render("column_types", &fixture("column_types"));
    let columns = schema.tables[0].columns.len();
    assert_eq!(run.stdout.trim(), format!("round trip of {columns} columns"));

    let (_, _, db) = databases
        .iter_mut()
        .find(|(name, ..)| *name == "computed")
        .expect("computed");
    let user = db.create_user().to_string();
    let run = package.cargo(
        &["run", "--quiet", "--bin", "computed_round_trip"],
        &[("DATABASE_URL", &db.url()), ("USER_ID", &user)],
    );
    assert!(run.success, "{run}");
    assert_eq!(
        run.stdout.trim(),
        "computed ann lee-smith ann@example.org and kept ann@example.org"
    );
}

/// A schema whose table uses an enum type, in a column, a nullable column and an array.
const ENUMS: &str = r#"
[enums.visit_status]
values = ["booked", "no_show", "2fa", "with space"]
comment = "Where a visit stands."

[tables.visits.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "public" }
status = { type = "visit_status", default = "'booked'", class = "public" }
previous = { type = "visit_status", nullable = true, class = "public" }
history = { type = "visit_status[]", class = "public" }
"#;

/// The generated Rust enum of an enum type makes the round trip through the `postgres` crate
/// (as the type's own values, not text) and serde, against the type its migration creates.
#[test]
fn an_enum_type_round_trips() {
    let (_, sql, rust) = render("enums", ENUMS);
    let package = CargoPackage::new("fixtures", &["serde"]);
    package.write("src/enums.rs", &rust);
    package.write(
        "src/lib.rs",
        "//! An enum type.\n#![deny(missing_docs, warnings)]\n/// `enums`.\npub mod enums {\n    include!(\"enums.rs\");\n}\n",
    );
    package.write(
        "src/bin/enum_round_trip.rs",
        include_str!("programs/enum_round_trip.rs"),
    );
    let mut db = TestDb::new(Grants::Explicit);
    db.execute(&sql, "enums");
    let run = package.cargo(
        &["run", "--quiet", "--bin", "enum_round_trip"],
        &[("DATABASE_URL", &db.url())],
    );
    assert!(run.success, "{run}");
    assert_eq!(run.stdout.trim(), "round trip of 4 values");
}

/// Application code that inserts a note the way the generated types have it written.
const CALL_SITE: &str = "fn main() {\n    \
    let note = fixtures::schema::NewNote::new(supaschema::uuid::Uuid::nil(), \"hello\".to_owned());\n    \
    println!(\"{note:?}\");\n}\n";

#[test]
fn an_insert_call_site_survives_a_column_that_fills_itself() {
    let package = CargoPackage::new("fixtures", &[]);
    package.write("src/lib.rs", "pub mod schema {\n    include!(\"schema.rs\");\n}\n");
    package.write("src/main.rs", CALL_SITE);
    let build_with = |schema: &str| {
        package.write("src/schema.rs", &render("minimal", schema).2);
        package.cargo(&["build"], &[])
    };
    let minimal = fixture("minimal");
    let first = build_with(&minimal);
    assert!(first.success, "{first}");

    let grown = format!(
        "{minimal}tag = {{ type = \"text\", nullable = true, class = \"public\" }}\n\
         pinned = {{ type = \"boolean\", default = \"false\", class = \"public\" }}\n"
    );
    let after = build_with(&grown);
    assert!(
        after.success,
        "a nullable and a defaulted column broke the call site: {after}"
    );

    // The controls: a column that must be given does break it, and so does a struct literal,
    // which would break at the next added column.
    let required = build_with(&format!("{grown}title = {{ type = \"text\", class = \"public\" }}\n"));
    assert!(!required.success && required.stderr.contains("E0061"), "{required}");
    package.write(
        "src/main.rs",
        "fn main() {\n    let _ = fixtures::schema::NewNote { id: None, user_id: supaschema::uuid::Uuid::nil(), body: String::new(), tag: None, pinned: None };\n}\n",
    );
    let literal = build_with(&grown);
    assert!(!literal.success && literal.stderr.contains("E0639"), "{literal}");
}
