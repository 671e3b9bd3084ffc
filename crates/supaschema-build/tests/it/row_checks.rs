//! A migration that adds a rule to a table holding rows that break it (NOT NULL, a value removed
//! from a closed set or an enum type, a check, a unique key, a foreign key) tests the rows first and stops with
//! a message naming the table, the rule and how many rows break it, never a value, and changes
//! nothing. Once the rows are fixed it applies, and applies again harmlessly.

use postgres::error::SqlState;
use supaschema_cli::catalog::read_catalog;
use supaschema_testkit::{Grants, TempProject, TestDb};

const SCHEMA: &str = patients_schema!(
    r#"visits = { type = "integer", default = "0", class = "administrative" }
state = { type = "text", values = ["new", "seen", "gone"], default = "'new'", class = "administrative" }
nickname = { type = "text", nullable = true, class = "phi" }
code = { type = "text", nullable = true, class = "administrative" }
referrer_id = { type = "uuid", nullable = true, class = "administrative" }
stage = { type = "patient_stage", default = "'waiting'", class = "administrative" }

[enums.patient_stage]
values = ["waiting", "treated", "discharged"]
"#
);

/// One data-dependent change: how `schema.toml` changes, the rows that break it, what the
/// message must name, and the statement that repairs the rows.
struct Case {
    changes: &'static [(&'static str, &'static str)],
    seed: &'static str,
    state: SqlState,
    names: &'static [&'static str],
    hidden: &'static [&'static str],
    repair: &'static str,
}

const CASES: &[Case] = &[
    Case {
        changes: &[(
            r#"nickname = { type = "text", nullable = true,"#,
            r#"nickname = { type = "text","#,
        )],
        seed: "update public.patients set nickname = 'Dee' where full_name = 'Ada'",
        state: SqlState::NOT_NULL_VIOLATION,
        names: &["2 row(s) of public.patients", "have no nickname"],
        hidden: &["Dee", "Grace"],
        repair: "update public.patients set nickname = 'unknown' where nickname is null",
    },
    Case {
        changes: &[(r#"values = ["new", "seen", "gone"]"#, r#"values = ["new", "seen"]"#)],
        seed: "update public.patients set state = 'gone' where full_name <> 'Ada'",
        state: SqlState::CHECK_VIOLATION,
        names: &["2 row(s) of public.patients", "patients_state_check"],
        hidden: &["gone", "Grace"],
        repair: "update public.patients set state = 'seen' where state = 'gone'",
    },
    Case {
        changes: &[(
            r#"values = ["waiting", "treated", "discharged"]"#,
            r#"values = ["waiting", "treated"]

[migration]
allow_drop = ["enum:patient_stage.discharged"]"#,
        )],
        seed: "update public.patients set stage = 'discharged' where full_name <> 'Ada'",
        state: SqlState::INVALID_TEXT_REPRESENTATION,
        names: &["2 row(s) of public.patients", "in stage", "the enum patient_stage"],
        hidden: &["Grace", "Edsger"],
        repair: "update public.patients set stage = 'treated' where stage = 'discharged'",
    },
    Case {
        changes: &[(
            r#"visits = { type = "integer", default = "0","#,
            r#"visits = { type = "integer", default = "0", check = "visits < 100","#,
        )],
        seed: "update public.patients set visits = 4711 where full_name = 'Ada'",
        state: SqlState::CHECK_VIOLATION,
        names: &[
            "1 row(s) of public.patients",
            "patients_visits_expr_check",
            "visits < 100",
        ],
        hidden: &["4711", "Ada"],
        repair: "update public.patients set visits = 99 where visits >= 100",
    },
    Case {
        changes: &[(
            r#"code = { type = "text", nullable = true,"#,
            r#"code = { type = "text", nullable = true, unique = true,"#,
        )],
        seed: "update public.patients set code = 'K-4711'",
        state: SqlState::UNIQUE_VIOLATION,
        names: &["3 row(s) of public.patients", "patients_code_key", "(code)"],
        hidden: &["K-4711"],
        repair: "update public.patients set code = code || full_name",
    },
    Case {
        changes: &[
            (
                r#"referrer_id = { type = "uuid", nullable = true,"#,
                r#"referrer_id = { type = "uuid", nullable = true, references = { table = "patients", column = "id" },"#,
            ),
            (
                r#"indexes = [{ columns = ["doctor_id"] }]"#,
                r#"indexes = [{ columns = ["doctor_id"] }, { columns = ["referrer_id"] }]"#,
            ),
        ],
        seed: "update public.patients set referrer_id = '5b0c3f1e-0000-4000-8000-00000000beef' where full_name = 'Grace'",
        state: SqlState::FOREIGN_KEY_VIOLATION,
        names: &[
            "1 row(s) of public.patients",
            "public.patients",
            "patients_referrer_id_fkey",
        ],
        hidden: &["beef", "Grace"],
        repair: "update public.patients set referrer_id = null where full_name = 'Grace'",
    },
];

#[test]
fn rows_that_break_an_added_rule_stop_the_migration_before_it_changes_anything() {
    for case in CASES {
        let mut evolved = SCHEMA.to_owned();
        for (from, to) in case.changes {
            assert!(evolved.contains(from), "{from}");
            evolved = evolved.replace(from, to);
        }
        let mut project = TempProject::new(SCHEMA);
        let mut db = TestDb::new(Grants::Explicit);
        project.migrate(&mut db);
        let doctor = db.create_user();
        for name in ["Ada", "Grace", "Edsger"] {
            db.client
                .execute(
                    "insert into public.patients (doctor_id, full_name) values ($1, $2)",
                    &[&doctor, &name],
                )
                .expect("seed a row");
        }
        db.execute(case.seed, "the rows that break the rule");

        let count = project.migrations().len();
        project.build(&evolved).expect("the change builds");
        // The change, and the file that validates and indexes after it committed, if any.
        let written = project.migrations()[count..].to_vec();
        let (file, sql) = written[0].clone();
        let before = read_catalog(&mut db.client).expect("catalog");

        let error = db.client.batch_execute(&sql).expect_err("the rows break the rule");
        let db_error = error.as_db_error().unwrap_or_else(|| panic!("{file}: {error:?}"));
        let message = db_error.message();
        assert_eq!(error.code(), Some(&case.state), "{file}: {message}");
        for name in case.names.iter().chain(&["supaschema discard", "schema.toml"]) {
            assert!(message.contains(name), "{file}: `{message}` names {name}");
        }
        for value in case.hidden {
            assert!(!message.contains(value), "{file}: `{message}` shows no value ({value})");
        }
        assert_eq!(
            read_catalog(&mut db.client).expect("catalog"),
            before,
            "{file} changed nothing"
        );

        db.execute(case.repair, "the repair");
        for _ in 0..2 {
            for (file, sql) in &written {
                db.execute(sql, file);
            }
        }
        assert_ne!(read_catalog(&mut db.client).expect("catalog"), before, "{file} applied");
    }
}

/// A rule on a column that the same migration adds or renames reads names the rows do not have
/// yet: the migration does not test it first, and still applies.
#[test]
fn rules_on_columns_the_migration_creates_are_not_tested_first() {
    let mut project = TempProject::new(SCHEMA);
    let evolved = SCHEMA
        .replace(
            r#"code = { type = "text", nullable = true,"#,
            r#"ref_code = { type = "text", nullable = true, renamed_from = "code", check = "length(ref_code) > 2", unique = true,"#,
        )
        .replace(
            r#"nickname = { type = "text", nullable = true, class = "phi" }"#,
            r#"nickname = { type = "text", nullable = true, class = "phi" }
rank = { type = "integer", default = "1", check = "rank > 0", class = "administrative" }"#,
        );
    let count = project.migrations().len();
    project.build(&evolved).expect("the change builds");
    let (file, sql) = project.migrations()[count].clone();
    assert!(
        !sql.contains("ref_code) > 2), true)"),
        "{file} tests no renamed column first:\n{sql}"
    );
    assert!(
        !sql.contains("(rank > 0), true)"),
        "{file} tests no new column first:\n{sql}"
    );
    assert!(
        sql.contains("$check_rows$"),
        "{file} tests the renamed unique key under its old name:\n{sql}"
    );
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
}
