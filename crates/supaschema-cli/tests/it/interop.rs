//! Our `push` and the pinned Supabase CLI (node_modules/.bin/supabase, 2.117.0) continue each
//! other's work on the same history table: what one applied, the other lists as applied and
//! does not apply again, and both record the same statements for the same files.

use crate::common::{fixture_project, supaschema};
use supaschema_testkit::{Grants, SupabaseCli, TempProject, TestDb, history_rows, public_tables};

/// A file exercising every rule of the CLI's statement splitter.
const TRICKY_MIGRATION: &str = "-- a comment; with a semicolon\n\
create table public.tricky (a text default 'a;b', \"we;ird\" int);\n\
/* block /* nested; */ still; */\n\
create function public.tricky_f1() returns text language plpgsql set search_path = '' as $$\n\
declare x text := 'semi;'; -- ; in a comment\n\
begin x := x || 'colon;'; return x; end;\n\
$$;\n\
create function public.tricky_f2() returns int language sql set search_path = '' as $body$ select 1; $body$;\n\
create function public.tricky_f3() returns int language sql set search_path = ''\n\
begin atomic\n  select 1;\n  select 2;\nend;\n\
insert into public.tricky (a) values ('it''s; fine'), (E'tab\\there; ok');\n\
;;\n\
select 1\n";

/// `(local, remote)` pairs from a `--output-format json` listing.
fn listed_pairs(json_text: &str) -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(json_text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{json_text}"));
    json["migrations"]
        .as_array()
        .unwrap_or_else(|| panic!("no `migrations` in {json_text}"))
        .iter()
        .map(|row| {
            (
                row["local"].as_str().unwrap_or_default().to_owned(),
                row["remote"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn migrations_we_push_are_applied_for_the_supabase_cli() {
    let supabase = SupabaseCli::new();
    let project = fixture_project();
    project.add_migration("29990101000000_tricky.sql", TRICKY_MIGRATION);
    let db = TestDb::new(Grants::Explicit);
    let url = db.url();
    let ours = supaschema(project.path(), &["push", "--db-url", &url], &[]);
    assert_eq!(ours.code, Some(0), "{ours}");

    let list = supabase.run(
        project.path(),
        &["migration", "list", "--db-url", &url, "--output-format", "json"],
    );
    assert_eq!(list.code, Some(0), "{list}");
    let expected: Vec<(String, String)> = project
        .migration_versions()
        .into_iter()
        .map(|v| (v.clone(), v))
        .collect();
    assert_eq!(listed_pairs(&list.stdout), expected, "{list}");

    let push = supabase.run(project.path(), &["db", "push", "--db-url", &url, "--yes"]);
    assert_eq!(push.code, Some(0), "{push}");
    assert!(push.all_output().contains("Remote database is up to date."), "{push}");
    assert!(!push.all_output().contains("Applying migration"), "{push}");
}

#[test]
fn migrations_the_supabase_cli_pushes_are_applied_for_us() {
    let supabase = SupabaseCli::new();
    let project = fixture_project();
    project.add_migration("29990101000000_tricky.sql", TRICKY_MIGRATION);
    let mut db = TestDb::new(Grants::Legacy);
    let url = db.url();
    let push = supabase.run(project.path(), &["db", "push", "--db-url", &url, "--yes"]);
    assert_eq!(push.code, Some(0), "{push}");
    let recorded = history_rows(&mut db.client);

    let status = supaschema(project.path(), &["status", "--json", "--db-url", &url], &[]);
    assert_eq!(status.code, Some(0), "{status}");
    let expected: Vec<(String, String)> = project
        .migration_versions()
        .into_iter()
        .map(|v| (v.clone(), v))
        .collect();
    assert_eq!(listed_pairs(&status.stdout), expected, "{status}");

    let ours = supaschema(project.path(), &["push", "--db-url", &url], &[]);
    assert_eq!(ours.code, Some(0), "{ours}");
    assert!(ours.stdout.contains("Remote database is up to date."), "{ours}");
    assert!(!ours.stdout.contains("Applying migration"), "{ours}");
    assert_eq!(
        history_rows(&mut db.client),
        recorded,
        "our push changed the CLI's history"
    );

    // And `check` finds nothing tampered in what the CLI recorded.
    let check = supaschema(project.path(), &["check", "--db-url", &url], &[]);
    assert_eq!(check.code, Some(0), "{check}");
}

#[test]
fn both_tools_record_the_same_statements() {
    let supabase = SupabaseCli::new();
    let project = fixture_project();
    project.add_migration("29990101000000_tricky.sql", TRICKY_MIGRATION);
    project.add_migration("29990101000001_comment_only.sql", "-- only a comment\n");
    project.add_migration("29990101000002_empty.sql", "");

    let mut by_cli = TestDb::new(Grants::Explicit);
    let push = supabase.run(project.path(), &["db", "push", "--db-url", &by_cli.url(), "--yes"]);
    assert_eq!(push.code, Some(0), "{push}");
    let mut by_us = TestDb::new(Grants::Explicit);
    let ours = supaschema(project.path(), &["push", "--db-url", &by_us.url()], &[]);
    assert_eq!(ours.code, Some(0), "{ours}");

    let cli_rows = history_rows(&mut by_cli.client);
    let our_rows = history_rows(&mut by_us.client);
    assert_eq!(cli_rows.len(), project.migration_files().len());
    for (cli, us) in cli_rows.iter().zip(&our_rows) {
        assert_eq!(cli, us, "history rows of {} differ", cli.0);
    }
    assert_eq!(cli_rows, our_rows);
    let tricky = cli_rows.iter().find(|r| r.1 == "tricky").expect("tricky recorded");
    assert_eq!(tricky.2.len(), 6, "{:#?}", tricky.2);
    let value: String = by_us
        .client
        .query_one("select public.tricky_f1()", &[])
        .expect("call tricky_f1")
        .get(0);
    assert_eq!(value, "semi;colon;");
}

/// What a push left: tables, indexes (with whether each is valid) and history rows.
type Outcome = (Vec<String>, Vec<(String, bool)>, Vec<(String, String, Vec<String>)>);

fn outcome(db: &mut TestDb) -> Outcome {
    let indexes = db
        .client
        .query(
            "select c.relname::text, i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid \
             join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' order by 1",
            &[],
        )
        .expect("list indexes")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let history = if supaschema_testkit::history_exists(&mut db.client) {
        history_rows(&mut db.client)
    } else {
        Vec::new()
    };
    (public_tables(&mut db.client), indexes, history)
}

/// Pushes the project's files with each tool into a fresh database of its own; returns
/// whether each succeeded and what it left.
fn push_with_both(project: &TempProject) -> ((bool, Outcome), (bool, Outcome)) {
    let supabase = SupabaseCli::new();
    let mut ours_db = TestDb::new(Grants::Explicit);
    let ours = supaschema(project.path(), &["push", "--db-url", &ours_db.url()], &[]);
    let mut theirs_db = TestDb::new(Grants::Explicit);
    let theirs = supabase.run(project.path(), &["db", "push", "--db-url", &theirs_db.url(), "--yes"]);
    eprintln!("ours:\n{ours}\nthe CLI's:\n{}", theirs.all_output());
    (
        (ours.code == Some(0), outcome(&mut ours_db)),
        (theirs.success(), outcome(&mut theirs_db)),
    )
}

/// A concurrent index build, a file marked `-- pg-delta: transaction=false` and a file with its
/// own BEGIN/COMMIT: both tools apply them with the same result and the same history rows.
#[test]
fn files_that_run_outside_one_transaction_are_applied_as_the_cli_applies_them() {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration(
        "20240101000000_concurrent.sql",
        "create table public.t (a int);\ncreate index concurrently t_a_idx on public.t (a);\ncreate table public.t2 (b int);\n",
    );
    project.add_migration(
        "20240102000000_marked.sql",
        "-- pg-delta: transaction=false\ncreate table public.m (a int);\ncreate unique index concurrently m_a_idx on public.m (a);\n",
    );
    project.add_migration(
        "20240103000000_manual.sql",
        "begin;\ncreate table public.manual (id int);\ncommit;\n",
    );
    let ((ours_ok, ours), (theirs_ok, theirs)) = push_with_both(&project);
    assert!(ours_ok && theirs_ok, "both pushes succeed");
    assert_eq!(ours.2.len(), 3, "one history row per file: {ours:?}");
    assert!(ours.1.iter().all(|(_, valid)| *valid), "{ours:?}");
    assert_eq!(ours, theirs);
}

/// A failure after a concurrent index build: what ran before the index stays, the rest of the
/// file and its history row do not, in both tools.
#[test]
fn a_failure_after_a_concurrent_index_leaves_what_the_cli_leaves() {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration("20240101000000_first.sql", "create table public.first (a int);\n");
    project.add_migration(
        "20240102000000_partial.sql",
        "create table public.t7 (a int);\ncreate index concurrently t7_a_idx on public.t7 (a);\n\
         create table public.t7b (a int);\nselect 1/0;\n",
    );
    let ((ours_ok, ours), (theirs_ok, theirs)) = push_with_both(&project);
    assert!(!ours_ok && !theirs_ok, "both pushes fail");
    assert_eq!(ours.0, ["first", "t7"], "{ours:?}");
    assert_eq!(ours, theirs);
}
