//! How the Supabase CLI 2.117.0 runs one migration file (`legacy-migration-apply.ts`), ported
//! so that both tools leave the same database and the same history row:
//!
//! - a file whose first line is `-- pg-delta: transaction=false` runs statement by statement,
//!   then its history row, with no transaction around them (`RESET ALL` after a failure);
//! - a file with a transaction-control statement (`BEGIN`, `COMMIT`, …) runs the same way
//!   (`ROLLBACK` after a failure);
//! - any other file runs in one transaction with its history row, except that statements that
//!   cannot run in one (`CREATE INDEX CONCURRENTLY`, `VACUUM`, …) commit what came before them
//!   and run on their own.

use regex::Regex;
use std::sync::LazyLock;

/// The first line that turns the CLI's transaction off for a file.
pub const NO_TRANSACTION_MARKER: &str = "-- pg-delta: transaction=false";

/// One step of running a file: statements (by index) in one transaction, the last one with
/// the history row; or one statement alone, in autocommit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Transaction {
        statements: Vec<usize>,
        with_history: bool,
    },
    Alone(usize),
    /// The history row on its own, in autocommit.
    History,
}

/// How a file runs: its steps, and what to send after a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// `ROLLBACK` or `RESET ALL` for the statement-by-statement modes.
    pub after_failure: Option<&'static str>,
}

impl Plan {
    /// Whether the whole file, history row included, is one transaction.
    pub fn is_atomic(&self) -> bool {
        matches!(self.steps.as_slice(), [Step::Transaction { .. }])
    }
}

/// The CLI's plan for a file with this text, split into these statements.
pub fn plan(text: &str, statements: &[String]) -> Plan {
    let one_by_one = |after_failure| Plan {
        steps: (0..statements.len()).map(Step::Alone).chain([Step::History]).collect(),
        after_failure: Some(after_failure),
    };
    if has_no_transaction_marker(text) {
        return one_by_one("RESET ALL");
    }
    if statements.iter().any(|s| is_transaction_control(s)) {
        return one_by_one("ROLLBACK");
    }
    let mut steps = Vec::new();
    let mut batch = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        if is_pipeline_incompatible(statement) {
            if !batch.is_empty() {
                steps.push(Step::Transaction {
                    statements: std::mem::take(&mut batch),
                    with_history: false,
                });
            }
            steps.push(Step::Alone(index));
        } else {
            batch.push(index);
        }
    }
    steps.push(Step::Transaction {
        statements: batch,
        with_history: true,
    });
    Plan {
        steps,
        after_failure: None,
    }
}

/// The marker on the first line, after an optional BOM, with LF or CRLF.
fn has_no_transaction_marker(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.split('\n').next().unwrap_or("");
    first.strip_suffix('\r').unwrap_or(first) == NO_TRANSACTION_MARKER
}

fn pattern(source: &str) -> Regex {
    Regex::new(source).unwrap_or_else(|e| panic!("the pattern {source} is valid: {e}"))
}

/// The CLI's patterns, matched against the statement upper-cased without leading comments.
static PIPELINE_INCOMPATIBLE: LazyLock<[Regex; 6]> = LazyLock::new(|| {
    [
        r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY(?:\s|$)",
        r"^DROP\s+INDEX\s+CONCURRENTLY(?:\s|$)",
        r"^REINDEX(?:\s|\().*\sCONCURRENTLY(?:\s|$)",
        r"^VACUUM(?:\s|\(|$)",
        r"^ALTER\s+SYSTEM(?:\s|$)",
        r"^CLUSTER(?:\s|$)",
    ]
    .map(pattern)
});
static TRANSACTION_CONTROL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ABORT|PREPARE\s+TRANSACTION)(?:\s|$)"));

/// A statement the CLI flushes the batch for and runs on its own.
pub fn is_pipeline_incompatible(statement: &str) -> bool {
    let text = without_leading_comments(statement).to_uppercase();
    PIPELINE_INCOMPATIBLE.iter().any(|p| p.is_match(&text))
}

/// `BEGIN`, `COMMIT`, … and `ROLLBACK` (but not `ROLLBACK TO` a savepoint).
pub fn is_transaction_control(statement: &str) -> bool {
    let text = without_leading_comments(statement).to_uppercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.first() == Some(&"ROLLBACK") {
        let next = if matches!(words.get(1), Some(&"WORK" | &"TRANSACTION")) {
            2
        } else {
            1
        };
        return words.get(next) != Some(&"TO");
    }
    TRANSACTION_CONTROL.is_match(&text)
}

/// The statement without leading whitespace, BOMs, `--` lines and `/* … */` comments (the
/// CLI's, which does not nest them).
fn without_leading_comments(statement: &str) -> &str {
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let mut text = statement.trim_start_matches(blank);
    while let Some(rest) = text.strip_prefix('\u{feff}') {
        text = rest.trim_start_matches(blank);
    }
    loop {
        if text.starts_with("--") {
            let Some(end) = text.find('\n') else { return "" };
            text = text[end + 1..].trim_start_matches(blank);
        } else if text.starts_with("/*") {
            let Some(end) = text.find("*/") else { return text };
            text = text[end + 2..].trim_start_matches(blank);
        } else {
            return text.trim();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn finds_what_the_cli_runs_on_its_own() {
        for statement in [
            "create index concurrently i on t (a)",
            "-- note\nCREATE UNIQUE INDEX CONCURRENTLY i ON t (a)",
            "drop index concurrently i",
            "reindex (verbose) table concurrently t",
            "/* x */ vacuum",
            "vacuum(analyze) t",
            "alter system set work_mem = '1MB'",
            "cluster t",
        ] {
            assert!(is_pipeline_incompatible(statement), "{statement}");
        }
        for statement in [
            "create index i on t (a)",
            "create table concurrently (a int)",
            "create database d",
        ] {
            assert!(!is_pipeline_incompatible(statement), "{statement}");
        }
    }

    #[test]
    fn finds_transaction_control_as_the_cli_does() {
        for statement in [
            "begin",
            "COMMIT",
            "start transaction",
            "rollback",
            "rollback work",
            "end",
        ] {
            assert!(is_transaction_control(statement), "{statement}");
        }
        for statement in ["rollback to a", "rollback work to savepoint a", "select 1", "beginning"] {
            assert!(!is_transaction_control(statement), "{statement}");
        }
    }

    #[test]
    fn plans_like_the_cli() {
        let list = statements(&[
            "create table a ()",
            "create index concurrently i on a ((1))",
            "create table b ()",
        ]);
        let plan = plan("create table a ();", &list);
        assert_eq!(
            plan.steps,
            [
                Step::Transaction {
                    statements: vec![0],
                    with_history: false
                },
                Step::Alone(1),
                Step::Transaction {
                    statements: vec![2],
                    with_history: true
                }
            ]
        );
        assert!(!plan.is_atomic());
        let marked = super::plan(
            "\u{feff}-- pg-delta: transaction=false\r\nselect 1;",
            &statements(&["select 1"]),
        );
        assert_eq!(marked.steps, [Step::Alone(0), Step::History]);
        assert_eq!(marked.after_failure, Some("RESET ALL"));
        let elsewhere = super::plan("select 1;\n-- pg-delta: transaction=false", &statements(&["select 1"]));
        assert!(elsewhere.is_atomic());
    }
}
