//! squawk 2.70, the migration linter, on every migration the evolution tests generate and on
//! its reverse (their snapshots, which those tests hold equal to the generator's output). Each
//! finding left is listed, with the reason it stays, in `tests/squawk-allow.toml` (a reverse's
//! under `[reverse.<rule>]`): a new finding fails, and so does a listed one that no longer
//! occurs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The files in one evolution snapshot: `(file name, SQL)`. A snapshot of a change written as
/// two files marks each with `-- file <name>`; its reverse follows after `-- reverse <name>`.
fn snapshot_files(text: &str) -> Vec<(String, String)> {
    let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        match line
            .strip_prefix("-- file ")
            .or_else(|| line.strip_prefix("-- reverse "))
        {
            Some(name) => files.push((name.to_owned(), String::new())),
            None => {
                if files.is_empty() {
                    files.push(("migration.sql".to_owned(), String::new()));
                }
                let sql = &mut files.last_mut().expect("a file").1;
                sql.push_str(line);
                sql.push('\n');
            }
        }
    }
    files
}

/// `sql` with each `do` block replaced by the statements it runs on the database's own tables:
/// squawk does not read PL/pgSQL, and the generated migrations guard most of their statements in
/// `do` blocks that skip what is in place. What a block builds on its temporary copy of a table
/// (`pg_temp.supaschema_probe`) touches nothing anyone else uses and is left out.
fn unwrap_do_blocks(sql: &str) -> String {
    let mut out = String::new();
    let (mut in_block, mut statement, mut keep) = (false, false, false);
    for line in sql.lines() {
        let trimmed = line.trim();
        if !in_block {
            if trimmed.starts_with("do $") {
                in_block = true;
            } else {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if !statement && trimmed.starts_with('$') && trimmed.ends_with(';') {
            in_block = false;
            continue;
        }
        if !statement && ["alter ", "drop ", "create "].iter().any(|s| trimmed.starts_with(s)) {
            statement = true;
            keep = !trimmed.contains("supaschema_probe");
        }
        if statement {
            if keep {
                out.push_str(trimmed);
                out.push('\n');
            }
            statement = !trimmed.ends_with(';');
        }
    }
    out
}

/// `(rule, evolution case)` of every finding squawk reports on `files`; the rule of one in a
/// reverse is `reverse.<rule>`, as the allow file lists it.
fn findings(squawk: &str, files: &[PathBuf], in_transaction: bool) -> BTreeSet<(String, String)> {
    if files.is_empty() {
        return BTreeSet::new();
    }
    let mut command = std::process::Command::new(squawk);
    command.args(["--pg-version", "15", "--reporter", "json"]);
    if in_transaction {
        command.arg("--assume-in-transaction");
    }
    let output = command
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("run {squawk}: {e}"));
    let reported: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "squawk printed no JSON ({e}):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    reported
        .iter()
        .map(|finding| {
            let file = finding["file"].as_str().expect("a file");
            let case = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split("__").next())
                .expect("a case name")
                .to_owned();
            let rule = finding["rule_name"].as_str().expect("a rule");
            match file.ends_with(".down.sql") {
                true => (format!("reverse.{rule}"), case),
                false => (rule.to_owned(), case),
            }
        })
        .collect()
}

#[test]
fn squawk_finds_nothing_unexplained_in_the_evolution_migrations_and_reverses() {
    let squawk = std::env::var("SQUAWK").unwrap_or_else(|_| "squawk".to_owned());
    let version = std::process::Command::new(&squawk)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("squawk is needed ({squawk}: {e}); scripts/test installs squawk-cli 2.70.0"));
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), "squawk 2.70.0");

    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (mut atomic, mut nonblocking) = (Vec::new(), Vec::new());
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(crate_dir.join("tests/it/snapshots"))
        .expect("the snapshots")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("it__evolution__evolve_") && n.ends_with(".snap"))
        })
        .collect();
    snapshots.sort();
    assert!(snapshots.len() > 20, "the evolution snapshots: {snapshots:?}");
    for snapshot in &snapshots {
        let name = snapshot.file_name().and_then(|n| n.to_str()).expect("a name");
        let case = &name["it__evolution__evolve_".len()..name.len() - ".snap".len()];
        let text = std::fs::read_to_string(snapshot).expect("a snapshot");
        for (file, sql) in snapshot_files(&text) {
            let path = dir.path().join(format!("{case}__{file}"));
            std::fs::write(&path, unwrap_do_blocks(&sql)).expect("write a migration");
            // A file of work that runs after the change committed runs outside a transaction;
            // a reverse runs inside one, with the removal of its history rows.
            match file.ends_with("_nonblocking.sql") {
                true => nonblocking.push(path),
                false => atomic.push(path),
            }
        }
    }
    let reverses = atomic
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".down.sql"))
        .count();
    assert!(reverses > 20, "the reverses in the evolution snapshots: {atomic:?}");
    let found: BTreeSet<(String, String)> = findings(&squawk, &atomic, true)
        .into_iter()
        .chain(findings(&squawk, &nonblocking, false))
        .collect();

    let allow_path = crate_dir.join("tests/squawk-allow.toml");
    let allow: BTreeMap<String, toml::Value> =
        toml::from_str(&std::fs::read_to_string(&allow_path).expect("the allow file"))
            .unwrap_or_else(|e| panic!("{}: {e}", allow_path.display()));
    let mut entries: Vec<(String, &toml::Value)> = Vec::new();
    for (rule, entry) in &allow {
        match (rule.as_str(), entry.as_table()) {
            ("reverse", Some(reverse)) => {
                entries.extend(reverse.iter().map(|(rule, entry)| (format!("reverse.{rule}"), entry)))
            }
            _ => entries.push((rule.clone(), entry)),
        }
    }
    let mut allowed: BTreeSet<(String, String)> = BTreeSet::new();
    for (rule, entry) in entries {
        let reason = entry.get("reason").and_then(|r| r.as_str()).unwrap_or_default();
        assert!(reason.len() > 20, "{rule}: say why it stays, in `reason`");
        let cases = entry.get("cases").and_then(|c| c.as_array()).expect("`cases`, a list");
        for case in cases {
            allowed.insert((rule.clone(), case.as_str().expect("a case name").to_owned()));
        }
    }
    let unexplained: Vec<_> = found.difference(&allowed).collect();
    let stale: Vec<_> = allowed.difference(&found).collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "squawk findings not in {} (rule, case): {unexplained:?}\nlisted there but no longer found: {stale:?}",
        allow_path.display()
    );
}
