//! Property test: arbitrary mutations of the richest fixture schema (`everything.toml`), and noise built from TOML-ish
//! tokens, go through parse → validate → render. None may panic; every schema error must point
//! at a line of the file and say how to fix it; and a schema that validates must render.
//!
//! `SUPASCHEMA_FUZZ_CASES` sets the number of cases (default [`DEFAULT_CASES`]). Rendering takes
//! some 30 to 50 times longer than validating, so each run renders at most one distinct valid schema
//! per [`CASES_PER_RENDER`] cases and only validates the rest; that keeps a debug run of the
//! default count under a minute on two cores.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;
use supaschema_build::{Problem, SchemaError, SourceFile, load_schema, render_schema};

const DEFAULT_CASES: u32 = 2000;
const CASES_PER_RENDER: u32 = 40;

/// Pieces of TOML, of schemas and of hostile SQL that inserted text is made of.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\"", "'", "'''", "\"\"\"", "#", "\n", "\r\n", "\r", " ", "\t",
    "\\", "\\n", "\\u0000", "\\U0010FFFF", "\\x", "true", "false", "0", "-1", "1e999", "nan", "-inf", "0x1F",
    "1979-05-27T07:32:00Z", "07:32:00", "tables", "columns", "external", "functions", "policies", "indexes", "owner",
    "via", "type", "primary_key", "references", "values", "class", "rls", "audit", "audit_table", "updated_at",
    "append_only", "rust_name", "allow", "self", "Self", "results", "using", "with_check", "roles", "command", ";",
    "--", "/*", "*/", "$$", "$function$", "E'", "1$$", "auth.uid()", "(select auth.uid())", "(", ")", "\u{202E}",
    "\u{200B}", "\u{FEFF}", "\u{430}", "é", "😀", "\u{0}", "\u{7F}", "\u{2028}",
];

/// Values and names of the schema, which a word swap exchanges for one another.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "uuid", "text", "integer", "bigint", "smallint", "timestamptz", "timestamp", "jsonb", "json", "varchar(20)",
    "serial", "date", "time", "text[]", "true", "false", "phi", "administrative", "public", "select", "insert",
    "update", "delete", "all", "authenticated", "anon", "service_role", "cascade", "restrict", "set_null",
    "doctor_id", "patient_id", "conversation_id", "id", "patients", "appointments", "conversations", "messages",
    "audit_logs", "auth.users", "now()", "gen_random_uuid()", "definer", "invoker", "trigger", "void", "before",
    "after", "gist", "btree", "sql", "plpgsql", "status", "column", "table",
];

/// One change to the text.
#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, String),
    Delete(Index, usize),
    Replace(Index, usize, String),
    SwapLines(Index, Index),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapWord(Index, &'static str),
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(TOKENS).prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
        1 => prop::collection::vec(select(TOKENS), 1..8).prop_map(|parts| parts.concat()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), fragment()).prop_map(|(at, text)| Edit::Insert(at, text)),
        2 => (any::<Index>(), 1..40usize).prop_map(|(at, len)| Edit::Delete(at, len)),
        2 => (any::<Index>(), 1..8usize, fragment()).prop_map(|(at, len, text)| Edit::Replace(at, len, text)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        2 => any::<Index>().prop_map(Edit::DeleteLine),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        8 => (any::<Index>(), select(WORDS)).prop_map(|(at, word)| Edit::SwapWord(at, word)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_owned();
    for edit in edits {
        let mut chars: Vec<char> = text.chars().collect();
        match edit {
            Edit::Insert(at, fragment) => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, fragment.chars());
            }
            Edit::Delete(at, len) => {
                let at = at.index(chars.len() + 1);
                chars.drain(at..(at + len).min(chars.len()));
            }
            Edit::Replace(at, len, fragment) => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..(at + len).min(chars.len()), fragment.chars());
            }
            Edit::SwapLines(a, b) => {
                let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                chars = lines.join("\n").chars().collect();
            }
            Edit::DeleteLine(at) => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                lines.remove(at.index(lines.len()));
                chars = lines.join("\n").chars().collect();
            }
            Edit::DuplicateLine(at) => {
                let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
                let at = at.index(lines.len());
                lines.insert(at, lines[at].clone());
                chars = lines.join("\n").chars().collect();
            }
            Edit::SwapWord(at, word) => {
                let found: Vec<(usize, &str)> = WORDS.iter().flat_map(|w| text.match_indices(w)).collect();
                if !found.is_empty() {
                    let (start, old) = found[at.index(found.len())];
                    text.replace_range(start..start + old.len(), word);
                }
                chars = text.chars().collect();
            }
        }
        text = chars.into_iter().collect();
    }
    text
}

/// Mutations of the real schema, mostly; now and then a text of tokens alone.
fn input(real: String) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(edit(), 1..4).prop_map(move |edits| apply(&real, &edits)),
        1 => prop::collection::vec(fragment(), 0..300).prop_map(|parts| parts.concat()),
    ]
}

#[derive(Default)]
struct Tally {
    cases: u32,
    /// How many more distinct schemas may be rendered.
    render_budget: u32,
    /// Distinct validated schemas, as JSON: each is rendered once.
    rendered: HashSet<String>,
    /// Inputs that validated to a schema rendered before, or after the budget was spent.
    validated_only: u32,
    problems: BTreeMap<String, u32>,
}

fn check(text: &str, tally: &RefCell<Tally>) -> Result<(), TestCaseError> {
    tally.borrow_mut().cases += 1;
    let source = SourceFile::new("schema.toml", text);
    let schema = match load_schema(&source) {
        Ok(schema) => schema,
        Err(error) => return check_error(text, &error, tally),
    };
    // Rendering depends on the validated schema alone: a schema that differs from an earlier one
    // only in `#` comments or layout would render the same again.
    let key = serde_json::to_string(&schema).map_err(|e| TestCaseError::fail(e.to_string()))?;
    {
        let mut tally = tally.borrow_mut();
        if tally.render_budget == 0 || tally.rendered.contains(&key) {
            tally.validated_only += 1;
            return Ok(());
        }
        tally.render_budget -= 1;
        tally.rendered.insert(key);
    }
    match render_schema(&source, None) {
        Ok((rendered, sql, _rust)) => {
            prop_assert!(rendered == schema, "validating twice gave two schemas");
            prop_assert!(
                schema.tables.iter().all(|t| sql.contains(&t.name)),
                "a table is missing from the SQL"
            );
            Ok(())
        }
        Err(error) => Err(TestCaseError::fail(format!(
            "the schema validated but did not render: {error}"
        ))),
    }
}

fn check_error(text: &str, error: &SchemaError, tally: &RefCell<Tally>) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1);
    let line = error.line();
    prop_assert!(
        (1..=lines).contains(&line),
        "line {} of a {}-line file: {}",
        line,
        lines,
        error.summary()
    );
    let help = error.problem().help();
    prop_assert!(!help.trim().is_empty(), "no help for {:?}", error.problem());
    let rendered = error.to_string();
    prop_assert!(
        rendered.contains(&format!("schema.toml:{line}:")),
        "the message names another line than {}:\n{}",
        line,
        rendered
    );
    prop_assert!(rendered.contains(&help), "the message lacks the help:\n{}", rendered);
    let location = format!("schema.toml:{line}:{}: ", error.column());
    prop_assert!(
        error.summary().starts_with(&location),
        "the summary does not start with {}",
        location
    );
    let variant = match error.problem() {
        Problem::Syntax { .. } => "Syntax".to_owned(),
        other => format!("{other:?}")
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    *tally.borrow_mut().problems.entry(variant).or_default() += 1;
    Ok(())
}

#[test]
fn mutated_schemas_never_panic_and_always_point_into_the_file() {
    let real = supaschema_testkit::fixture("everything");
    let cases = match std::env::var("SUPASCHEMA_FUZZ_CASES") {
        Ok(value) => value.parse().expect("SUPASCHEMA_FUZZ_CASES is a number of cases"),
        Err(_) => DEFAULT_CASES,
    };
    // The real schema itself renders, so every mutation starts from a valid schema.
    let budget = (cases / CASES_PER_RENDER).max(1);
    let tally = RefCell::new(Tally {
        render_budget: 1,
        ..Tally::default()
    });
    check(&real, &tally).expect("the fixture renders");
    assert_eq!(tally.borrow().rendered.len(), 1, "the fixture was rendered");
    *tally.borrow_mut() = Tally {
        render_budget: budget,
        ..Tally::default()
    };

    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    });
    let started = Instant::now();
    let result = runner.run(&input(real), |text| check(&text, &tally));
    let tally = tally.into_inner();
    println!(
        "fuzz_schema: {} cases in {:.1?}: {} valid schemas rendered, {} only validated; schema errors: {:?}",
        tally.cases,
        started.elapsed(),
        tally.rendered.len(),
        tally.validated_only,
        tally.problems
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(tally.cases >= cases, "ran {} of {cases} cases", tally.cases);
    if cases >= DEFAULT_CASES {
        assert!(
            !tally.rendered.is_empty() && tally.problems.len() > 5,
            "the inputs are not varied enough"
        );
    }
}
