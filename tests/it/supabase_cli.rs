//! The committed migrations through the real Supabase CLI (the version `package.json` pins):
//! `supabase db push --db-url` applies them to a fresh database under both of Supabase's grant
//! regimes, records one history row per file, pushes nothing the second time, and
//! `supabase migration list` sees every local version on the remote.
//!
//! Runs `npm ci` first when `node_modules/` lacks the CLI; `.ci/run` does it up front.

use crate::common::{Grants, TestDb, history_rows, project_root};
use supaschema_testkit::{SupabaseCli, TempProject};

/// The tables of the receptionist schema (SPEC §6).
const TABLES: [&str; 10] = [
    "ai_interactions",
    "ai_tool_calls",
    "appointments",
    "audit_logs",
    "availability",
    "blocked_times",
    "conversations",
    "messages",
    "patients",
    "webhook_idempotency",
];

#[test]
fn db_push_applies_the_committed_migrations_under_legacy_grants() {
    push_twice_and_list(Grants::Legacy);
}

#[test]
fn db_push_applies_the_committed_migrations_under_explicit_grants() {
    push_twice_and_list(Grants::Explicit);
}

fn push_twice_and_list(grants: Grants) {
    let cli = SupabaseCli::new();
    // A copy, so the CLI's own files (`supabase/.temp/`) never land in the source tree.
    let project = TempProject::copy_of(&project_root());
    let mut db = TestDb::new(grants);
    let url = db.url();
    let local = local_migrations(&project);
    assert!(!local.is_empty(), "no migration in supabase/migrations to push");

    // First push: every committed file is applied, in order, each with its history row.
    let first = cli.run(project.path(), &["db", "push", "--db-url", &url, "--yes"]);
    first.assert_success(&format!("{grants:?}"));
    for migration in &local {
        let line = format!("Applying migration {}...", migration.file);
        assert!(
            first.all_output().contains(&line),
            "{grants:?}: expected `{line}` in the output of the first push\n{first}"
        );
    }

    let history = history_rows(&mut db.client);
    let expected: Vec<(String, String)> = local.iter().map(|m| (m.version.clone(), m.name.clone())).collect();
    let recorded: Vec<(String, String)> = history
        .iter()
        .map(|(version, name, _)| (version.clone(), name.clone()))
        .collect();
    assert_eq!(
        recorded, expected,
        "{grants:?}: supabase_migrations.schema_migrations should hold one row per committed \
         migration\n{first}"
    );
    for (version, _, statements) in &history {
        assert!(
            !statements.is_empty(),
            "{grants:?}: history row {version} recorded no statements\n{first}"
        );
    }

    let tables: Vec<String> = db
        .client
        .query(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
            &[],
        )
        .expect("list public tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tables, TABLES, "{grants:?}: the public tables after db push\n{first}");

    // Second push: nothing to do, and nothing in the database changes.
    let before = fingerprint(&mut db);
    let second = cli.run(project.path(), &["db", "push", "--db-url", &url, "--yes"]);
    second.assert_success(&format!("{grants:?}"));
    assert!(
        second.all_output().contains("Remote database is up to date.")
            && !second.all_output().contains("Applying migration"),
        "{grants:?}: the second push should have nothing to push\n{second}"
    );
    let after = fingerprint(&mut db);
    let changed: Vec<String> = before
        .iter()
        .filter(|line| !after.contains(line))
        .map(|line| format!("- {line}"))
        .chain(
            after
                .iter()
                .filter(|line| !before.contains(line))
                .map(|line| format!("+ {line}")),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "{grants:?}: the second push changed the database:\n{}\n{second}",
        changed.join("\n")
    );

    // `migration list` sees every local version as applied on the remote.
    let list = cli.run(
        project.path(),
        &["migration", "list", "--db-url", &url, "--output-format", "json"],
    );
    list.assert_success(&format!("{grants:?}"));
    let listed: serde_json::Value = serde_json::from_str(list.stdout.trim())
        .unwrap_or_else(|e| panic!("{grants:?}: `migration list` printed no JSON ({e})\n{list}"));
    let rows = listed["migrations"]
        .as_array()
        .unwrap_or_else(|| panic!("{grants:?}: `migration list` JSON has no `migrations`\n{list}"));
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                row["local"].as_str().unwrap_or_default().to_owned(),
                row["remote"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = local.iter().map(|m| (m.version.clone(), m.version.clone())).collect();
    assert_eq!(
        pairs, expected,
        "{grants:?}: `migration list` should show every local version applied on the remote\n{list}"
    );

    // The human-readable table says the same (versions appear in both columns).
    let table = cli.run(project.path(), &["migration", "list", "--db-url", &url]);
    table.assert_success(&format!("{grants:?}"));
    for migration in &local {
        let applied = table.stdout.lines().any(|line| {
            let cells: Vec<&str> = line.split('|').map(|cell| cell.trim().trim_matches('`')).collect();
            cells.len() == 3 && cells[0] == migration.version && cells[1] == migration.version
        });
        assert!(
            applied,
            "{grants:?}: `migration list` does not show {} as applied\n{table}",
            migration.version
        );
    }
}

/// One line per user-visible catalog object, with its transaction id (`xmin`), privileges and
/// definition, plus the history rows: any DDL, grant or history write changes a line.
fn fingerprint(db: &mut TestDb) -> Vec<String> {
    const SQL: &str = r"
        with ns as (
          select oid, nspname from pg_namespace
          where nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
            and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
        )
        select format('schema %s acl=%s xmin=%s', n.nspname, n.nspacl, n.xmin)
          from pg_namespace n join ns using (oid)
        union all
        select format('relation %s.%s kind=%s acl=%s rls=%s xmin=%s',
                      ns.nspname, c.relname, c.relkind, c.relacl, c.relrowsecurity, c.xmin)
          from pg_class c join ns on ns.oid = c.relnamespace
        union all
        select format('column %s.%s type=%s notnull=%s acl=%s xmin=%s',
                      c.oid::regclass, a.attname, a.atttypid::regtype, a.attnotnull, a.attacl,
                      a.xmin)
          from pg_attribute a join pg_class c on c.oid = a.attrelid
          join ns on ns.oid = c.relnamespace
          where a.attnum > 0 and not a.attisdropped
        union all
        select format('constraint %s.%s %s xmin=%s',
                      ns.nspname, co.conname, pg_get_constraintdef(co.oid), co.xmin)
          from pg_constraint co join ns on ns.oid = co.connamespace
        union all
        select format('function %s acl=%s xmin=%s', p.oid::regprocedure, p.proacl, p.xmin)
          from pg_proc p join ns on ns.oid = p.pronamespace
        union all
        select format('policy %s.%s xmin=%s', po.polrelid::regclass, po.polname, po.xmin)
          from pg_policy po
        union all
        select format('trigger %s.%s xmin=%s', t.tgrelid::regclass, t.tgname, t.xmin)
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
          join ns on ns.oid = c.relnamespace
        union all
        select format('default acl %s %s %s xmin=%s',
                      d.defaclrole::regrole, d.defaclnamespace, d.defaclobjtype, d.defaclacl,
                      d.xmin)
          from pg_default_acl d
        union all
        select format('extension %s %s xmin=%s', e.extname, e.extversion, e.xmin)
          from pg_extension e
        union all
        select format('history %s %s %s', m.version, m.name, m.statements)
          from supabase_migrations.schema_migrations m
        order by 1";
    db.client
        .query(SQL, &[])
        .expect("fingerprint the database")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A migration file as the CLI sees it (`^([0-9]+)_(.*)\.sql$`).
struct LocalMigration {
    file: String,
    version: String,
    name: String,
}

/// The migration files of `project`, in file-name order (the order the CLI applies them).
fn local_migrations(project: &TempProject) -> Vec<LocalMigration> {
    project
        .migrations()
        .into_iter()
        .map(|(file, _)| {
            let stem = file
                .strip_suffix(".sql")
                .unwrap_or_else(|| panic!("supabase/migrations/{file}: the CLI skips files not named *.sql"));
            let (version, name) = stem
                .split_once('_')
                .unwrap_or_else(|| panic!("supabase/migrations/{file}: the CLI skips names without `_`"));
            assert!(
                version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()),
                "supabase/migrations/{file}: the version should be 14 digits"
            );
            LocalMigration {
                version: version.to_owned(),
                name: name.to_owned(),
                file: file.clone(),
            }
        })
        .collect()
}
