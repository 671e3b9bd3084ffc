//! Supabase's database advisors (splinter) in the test suite. Each rule the advisors apply that
//! this project cares about is a catalog query in `tests/lints/`, written after splinter's own
//! logic. Every query is shown to find its problem on a small, deliberately bad database (and to
//! leave a good twin of each bad object alone); the receptionist schema, and every fixture schema
//! the generator accepts, has no finding under either grant regime; and for each rule the
//! validator refuses a `schema.toml` that would produce a finding, saying why.

use crate::common::{Grants, Migrate, TestDb, project_root};
use postgres::Client;
use std::collections::BTreeSet;
use supaschema_build::{Problem, SourceFile, load_schema, render_schema};

/// The lint queries: each returns one text column, `finding`, naming the offending object.
const LINTS: &[(&str, &str)] = &[
    (
        "0001_unindexed_foreign_keys",
        include_str!("lints/0001_unindexed_foreign_keys.sql"),
    ),
    (
        "0003_auth_rls_initplan",
        include_str!("lints/0003_auth_rls_initplan.sql"),
    ),
    (
        "0006_multiple_permissive_policies",
        include_str!("lints/0006_multiple_permissive_policies.sql"),
    ),
    (
        "0007_policy_exists_rls_disabled",
        include_str!("lints/0007_policy_exists_rls_disabled.sql"),
    ),
    ("0009_duplicate_index", include_str!("lints/0009_duplicate_index.sql")),
    (
        "0011_function_search_path_mutable",
        include_str!("lints/0011_function_search_path_mutable.sql"),
    ),
    (
        "0013_rls_disabled_in_public",
        include_str!("lints/0013_rls_disabled_in_public.sql"),
    ),
    (
        "0028_anon_security_definer_function_executable",
        include_str!("lints/0028_anon_security_definer_function_executable.sql"),
    ),
];

/// Runs one lint the way splinter runs: `search_path = ''`, and the API's exposed schemas in
/// `pgrst.db_schemas` (`public` unless the session says otherwise, as `supabase db advisors`
/// does). Read-only; the transaction is rolled back.
fn run_lint(client: &mut Client, sql: &str) -> BTreeSet<String> {
    let mut tx = client.transaction().expect("begin");
    tx.batch_execute("set local search_path = ''").expect("search_path");
    tx.execute(
        "select pg_catalog.set_config('pgrst.db_schemas', \
         coalesce(nullif(pg_catalog.current_setting('pgrst.db_schemas', true), ''), 'public'), true)",
        &[],
    )
    .expect("pgrst.db_schemas");
    let found = tx
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("lint query failed: {e:?}\n{sql}"))
        .iter()
        .map(|r| r.get::<_, String>("finding"))
        .collect();
    tx.rollback().expect("rollback");
    found
}

fn run_all(client: &mut Client) -> Vec<(&'static str, BTreeSet<String>)> {
    LINTS.iter().map(|(name, sql)| (*name, run_lint(client, sql))).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// One bad object per lint, each next to a good twin that must not be reported.
const BAD_DATABASE: &str = r#"
-- 0013: RLS off and readable by the API roles. Twin: RLS on, same grant.
create table public.open_notes (id uuid primary key, body text);
grant select on public.open_notes to anon, authenticated;
create table public.closed_notes (id uuid primary key, body text);
alter table public.closed_notes enable row level security;
grant select on public.closed_notes to anon, authenticated;

-- 0007: a policy on a table with RLS off. Twin: the same policy with RLS on.
create table public.policy_no_rls (id uuid primary key, user_id uuid);
create policy policy_no_rls_select on public.policy_no_rls for select to authenticated
  using ((select auth.uid()) = user_id);
create table public.policy_with_rls (id uuid primary key, user_id uuid);
alter table public.policy_with_rls enable row level security;
create policy policy_with_rls_select on public.policy_with_rls for select to authenticated
  using ((select auth.uid()) = user_id);

-- 0003: auth.uid() evaluated per row. Twin: wrapped in (select …).
create table public.per_row (id uuid primary key, user_id uuid);
alter table public.per_row enable row level security;
create policy per_row_update on public.per_row for update to authenticated
  using ((select auth.uid()) = user_id) with check (auth.uid() = user_id);
create policy per_row_jwt on public.per_row for select to authenticated
  using ((auth.jwt() ->> 'sub')::uuid = user_id);

-- 0006: two permissive select policies for authenticated (one of them `for all`). Twin: a
-- restrictive policy next to a permissive one, and a permissive one for service_role (BYPASSRLS).
create table public.two_permissive (id uuid primary key, user_id uuid);
alter table public.two_permissive enable row level security;
create policy two_permissive_all on public.two_permissive for all to authenticated
  using ((select auth.uid()) = user_id);
create policy two_permissive_select on public.two_permissive for select to authenticated
  using (true);
create policy two_permissive_restrict on public.two_permissive as restrictive for update to authenticated
  using ((select auth.uid()) is not null);
create policy two_permissive_backend on public.two_permissive for select to service_role using (true);

-- 0001: a foreign key with no index. Twins: one covered by a composite index that starts with
-- it, one covered by the primary key.
create table public.parent (id uuid primary key);
alter table public.parent enable row level security;
create table public.child (id uuid primary key, parent_id uuid references public.parent (id));
alter table public.child enable row level security;
create table public.indexed_child (id uuid primary key, parent_id uuid references public.parent (id), at timestamptz);
alter table public.indexed_child enable row level security;
create index indexed_child_parent_at on public.indexed_child (parent_id, at);
create table public.one_to_one (id uuid primary key references public.parent (id));
alter table public.one_to_one enable row level security;

-- 0009: two identical indexes. Twin: same columns, different order.
create table public.dup (id uuid primary key, a text, b text);
alter table public.dup enable row level security;
create index dup_a_b_1 on public.dup (a, b);
create index dup_a_b_2 on public.dup (a, b);
create index dup_b_a on public.dup (b, a);

-- 0011: a function with a mutable search_path. Twin: pinned.
create function public.loose() returns integer language sql as 'select 1';
create function public.pinned() returns integer language sql set search_path = '' as 'select 1';

-- 0028: security definer, executable by anon through PUBLIC's default EXECUTE. Twins: the same
-- with EXECUTE revoked from PUBLIC and anon; and a security invoker function anon may run.
create function public.definer_open() returns integer language sql security definer set search_path = ''
  as 'select 1';
create function public.definer_closed() returns integer language sql security definer set search_path = ''
  as 'select 1';
revoke all on function public.definer_closed() from public, anon;
grant execute on function public.definer_closed() to authenticated;
create function public.invoker_open() returns integer language sql set search_path = '' as 'select 1';
"#;

#[test]
fn each_lint_finds_its_problem_on_a_bad_database() {
    let mut db = TestDb::new(Grants::Explicit);
    db.client.batch_execute(BAD_DATABASE).expect("bad database");
    let expected: Vec<(&str, BTreeSet<String>)> = vec![
        (
            "0001_unindexed_foreign_keys",
            set(&["public.child child_parent_id_fkey"]),
        ),
        (
            "0003_auth_rls_initplan",
            set(&["public.per_row per_row_jwt", "public.per_row per_row_update"]),
        ),
        (
            "0006_multiple_permissive_policies",
            set(&["public.two_permissive authenticated SELECT"]),
        ),
        ("0007_policy_exists_rls_disabled", set(&["public.policy_no_rls"])),
        ("0009_duplicate_index", set(&["public.dup {dup_a_b_1,dup_a_b_2}"])),
        ("0011_function_search_path_mutable", set(&["public.loose"])),
        ("0013_rls_disabled_in_public", set(&["public.open_notes"])),
        (
            "0028_anon_security_definer_function_executable",
            set(&["public.definer_open()"]),
        ),
    ];
    let found = run_all(&mut db.client);
    for ((name, found), (expected_name, expected)) in found.iter().zip(&expected) {
        assert_eq!(name, expected_name);
        println!("{name}: {found:?}");
        assert_eq!(found, expected, "{name} on the bad database");
    }
    assert_eq!(found.len(), expected.len());

    // Fixing each problem makes its finding go away: the queries look at the right thing.
    db.client
        .batch_execute(
            "alter table public.open_notes enable row level security;
             alter table public.policy_no_rls enable row level security;
             alter policy per_row_update on public.per_row using ((select auth.uid()) = user_id)
               with check ((select auth.uid()) = user_id);
             alter policy per_row_jwt on public.per_row using (((select auth.jwt()) ->> 'sub')::uuid = user_id);
             drop policy two_permissive_select on public.two_permissive;
             create index child_parent_id_idx on public.child (parent_id);
             drop index public.dup_a_b_2;
             alter function public.loose() set search_path = '';
             revoke all on function public.definer_open() from public, anon;",
        )
        .expect("fixes");
    for (name, found) in run_all(&mut db.client) {
        assert!(found.is_empty(), "{name} after the fix: {found:?}");
    }
}

#[test]
fn the_receptionist_schema_has_no_findings() {
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        for (name, found) in run_all(&mut db.client) {
            println!("{name} ({grants:?}): {} findings", found.len());
            assert!(
                found.is_empty(),
                "{name} on the migrated receptionist schema ({grants:?}): {found:?}"
            );
        }
    }
}

/// Every schema the repository ships as valid, rendered by the generator and applied: the lints
/// agree with the validator on what it accepts.
#[test]
fn every_accepted_fixture_schema_has_no_findings() {
    let receptionist = std::fs::read_to_string(project_root().join("schema.toml")).expect("schema.toml");
    let mut schemas = vec![("schema.toml".to_owned(), receptionist)];
    schemas.extend(
        supaschema_testkit::FIXTURES
            .iter()
            .map(|name| (format!("{name}.toml"), supaschema_testkit::fixture(name))),
    );
    for (path, text) in schemas {
        let source = SourceFile::new(path.clone(), text);
        let (_, sql, _) = render_schema(&source, Some(&project_root().join("templates")))
            .unwrap_or_else(|e| panic!("{} is valid: {e}", path));
        for grants in [Grants::Legacy, Grants::Explicit] {
            let mut db = TestDb::new(grants);
            db.client
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{} applies: {e:?}", path));
            for (name, found) in run_all(&mut db.client) {
                assert!(found.is_empty(), "{name} on {} ({grants:?}): {found:?}", path);
            }
        }
    }
}

/// A schema that passes every check; each case below changes one thing.
const BASE: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[functions.note_count]
returns = "integer"
language = "sql"
security = "definer"
execute = ["authenticated"]
body = "select count(*)::integer from public.notes"

[tables.notes]
owner = { column = "user_id" }
indexes = [{ columns = ["user_id"] }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
user_id = { type = "uuid", references = { table = "auth.users", column = "id", on_delete = "cascade" }, class = "administrative", allow = ["cascade_phi"] }
body = { type = "text", class = "phi" }

[tables.tags]

[tables.tags.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
label = { type = "text", class = "public" }
"#;

fn edit(pairs: &[(&str, &str)]) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in pairs {
        assert!(text.contains(from), "BASE contains {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

struct Refusal {
    lint: &'static str,
    what: &'static str,
    schema: String,
    problem: fn(&Problem) -> bool,
    /// Words the message (problem and help) must contain, saying why.
    says: &'static [&'static str],
}

fn refusals() -> Vec<Refusal> {
    let notes_index = "indexes = [{ columns = [\"user_id\"] }]\n";
    vec![
        Refusal {
            lint: "0013_rls_disabled_in_public",
            what: "RLS off on a table granted to authenticated",
            schema: edit(&[(
                "[tables.tags]\n",
                "[tables.tags]\nrls = false\ngrants = { authenticated = [\"select\"] }\n",
            )]),
            problem: |p| matches!(p, Problem::GrantWithoutRls { .. }),
            says: &["row level security is off", "authenticated"],
        },
        Refusal {
            lint: "0013_rls_disabled_in_public",
            what: "RLS off on a table granted to anon",
            schema: edit(&[(
                "[tables.tags]\n",
                "[tables.tags]\nrls = false\ngrants = { anon = [\"select\", \"insert\"] }\n",
            )]),
            problem: |p| matches!(p, Problem::GrantWithoutRls { .. }),
            says: &["row level security is off", "anon"],
        },
        Refusal {
            lint: "0013_rls_disabled_in_public",
            what: "RLS off on a PHI table",
            schema: edit(&[("owner = { column = \"user_id\" }\n", "rls = false\n")]),
            problem: |p| matches!(p, Problem::PhiWithoutRls { .. }),
            says: &["PHI", "row level security off"],
        },
        Refusal {
            lint: "0007_policy_exists_rls_disabled",
            what: "owner policies with rls = false",
            schema: edit(&[(
                "owner = { column = \"user_id\" }\n",
                "owner = { column = \"user_id\" }\nrls = false\n",
            )]),
            problem: |p| matches!(p, Problem::PolicyWithoutRls { .. }),
            says: &["has policies but row level security is off"],
        },
        Refusal {
            lint: "0003_auth_rls_initplan",
            what: "auth.uid() unwrapped",
            schema: format!(
                "{BASE}\n[[tables.tags.policies]]\nname = \"tags_read\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = \"auth.uid() is not null\"\n"
            ),
            problem: |p| matches!(p, Problem::AuthCallNotWrapped { .. }),
            says: &["once per row", "(select auth.uid())"],
        },
        Refusal {
            lint: "0003_auth_rls_initplan",
            what: "auth.jwt() unwrapped in with_check",
            schema: format!(
                "{BASE}\n[[tables.tags.policies]]\nname = \"tags_add\"\ncommand = \"insert\"\nroles = [\"authenticated\"]\nwith_check = \"(auth.jwt() ->> 'role') = 'authenticated'\"\n"
            ),
            problem: |p| matches!(p, Problem::AuthCallNotWrapped { .. }),
            says: &["once per row", "(select auth.jwt())"],
        },
        Refusal {
            lint: "0003_auth_rls_initplan",
            what: "auth.uid() with a quoted schema name",
            schema: format!(
                "{BASE}\n[[tables.tags.policies]]\nname = \"tags_read\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = '\"auth\".uid() is not null'\n"
            ),
            problem: |p| matches!(p, Problem::AuthCallNotWrapped { .. }),
            says: &["once per row", "(select auth.uid())"],
        },
        Refusal {
            lint: "0003_auth_rls_initplan",
            what: "auth . uid () spelled with spaces",
            schema: format!(
                "{BASE}\n[[tables.tags.policies]]\nname = \"tags_read\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = \"auth . uid () is not null\"\n"
            ),
            problem: |p| matches!(p, Problem::AuthCallNotWrapped { .. }),
            says: &["once per row", "(select auth.uid())"],
        },
        Refusal {
            lint: "0006_multiple_permissive_policies",
            what: "a second permissive select policy next to the owner policies",
            schema: format!(
                "{BASE}\n[[tables.notes.policies]]\nname = \"notes_read_all\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = \"(select auth.uid()) is not null\"\n"
            ),
            problem: |p| matches!(p, Problem::MultiplePermissive { .. }),
            says: &["both permissive", "authenticated", "select"],
        },
        Refusal {
            lint: "0006_multiple_permissive_policies",
            what: "a `for all` policy and a per-command policy",
            schema: format!(
                "{BASE}\n[[tables.tags.policies]]\nname = \"tags_all\"\ncommand = \"all\"\nroles = [\"authenticated\"]\nusing = \"(select auth.uid()) is not null\"\nwith_check = \"(select auth.uid()) is not null\"\n\n[[tables.tags.policies]]\nname = \"tags_delete\"\ncommand = \"delete\"\nroles = [\"authenticated\"]\nusing = \"label = 'old'\"\n"
            ),
            problem: |p| matches!(p, Problem::MultiplePermissive { .. }),
            says: &["both permissive", "delete"],
        },
        Refusal {
            lint: "0001_unindexed_foreign_keys",
            what: "a foreign key without an index",
            schema: edit(&[(notes_index, "")]),
            problem: |p| matches!(p, Problem::UnindexedForeignKey { .. }),
            says: &["no index that starts with its columns", "indexes = ["],
        },
        Refusal {
            lint: "0001_unindexed_foreign_keys",
            what: "a foreign key covered only by a partial index",
            schema: edit(&[(
                notes_index,
                "indexes = [{ columns = [\"user_id\"], where = \"body <> ''\" }]\n",
            )]),
            problem: |p| matches!(p, Problem::UnindexedForeignKey { .. }),
            says: &["no index that starts with its columns"],
        },
        Refusal {
            lint: "0009_duplicate_index",
            what: "two indexes with the same definition",
            schema: edit(&[(
                notes_index,
                "indexes = [{ columns = [\"user_id\"] }, { name = \"notes_by_user\", columns = [\"user_id\"] }]\n",
            )]),
            problem: |p| matches!(p, Problem::Duplicate { what: "index definition", .. }),
            says: &["declared twice"],
        },
        Refusal {
            lint: "0009_duplicate_index",
            what: "a unique index repeating a unique key",
            schema: edit(&[(
                "[tables.tags]\n",
                "[tables.tags]\nunique = [[\"label\"]]\nindexes = [{ columns = [\"label\"], unique = true }]\n",
            )]),
            problem: |p| matches!(p, Problem::Duplicate { what: "unique index definition", .. }),
            says: &["declared twice"],
        },
        Refusal {
            lint: "0009_duplicate_index",
            what: "a unique constraint repeating the primary key",
            schema: edit(&[("[tables.tags]\n", "[tables.tags]\nunique = [[\"id\"]]\n")]),
            problem: |p| matches!(p, Problem::DuplicateKey { .. }),
            says: &["two identical indexes", "primary key"],
        },
        Refusal {
            lint: "0009_duplicate_index",
            what: "a primary key column also marked unique",
            schema: BASE.replacen(
                "id = { type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"administrative\" }\nlabel",
                "id = { type = \"uuid\", primary_key = true, unique = true, default = \"gen_random_uuid()\", class = \"administrative\" }\nlabel",
                1,
            ),
            problem: |p| matches!(p, Problem::DuplicateKey { .. }),
            says: &["two identical indexes", "primary key"],
        },
        Refusal {
            lint: "0028_anon_security_definer_function_executable",
            what: "a security definer function executable by anon",
            schema: edit(&[("execute = [\"authenticated\"]", "execute = [\"anon\", \"authenticated\"]")]),
            problem: |p| matches!(p, Problem::SecurityDefinerForAnon { .. }),
            says: &["callable by `anon`", "security = \\\"invoker\\\""],
        },
    ]
}

#[test]
fn the_validator_refuses_schemas_that_would_produce_a_finding() {
    let base = SourceFile::new("schema.toml", BASE);
    load_schema(&base).unwrap_or_else(|e| panic!("BASE is valid: {e}"));
    let mut failures = Vec::new();
    for case in refusals() {
        let source = SourceFile::new("schema.toml", case.schema.clone());
        match load_schema(&source) {
            Ok(_) => {
                // Show what the accepted schema would do to the database.
                let (_, sql, _) =
                    render_schema(&source, Some(&project_root().join("templates"))).expect("accepted schema renders");
                let mut db = TestDb::new(Grants::Explicit);
                db.client.batch_execute(&sql).expect("generated SQL applies");
                let sql = LINTS.iter().find(|(n, _)| *n == case.lint).expect("lint").1;
                let found = run_lint(&mut db.client, sql);
                failures.push(format!(
                    "{} ({}): accepted, and the generated database has findings {found:?}",
                    case.lint, case.what
                ));
            }
            Err(error) => {
                let summary = error.summary();
                let unescaped = summary.replace("\\\"", "\"");
                if !(case.problem)(error.problem()) {
                    failures.push(format!("{} ({}): wrong problem: {summary}", case.lint, case.what));
                }
                for word in case.says {
                    let word = word.replace("\\\"", "\"");
                    if !unescaped.contains(&word) {
                        failures.push(format!(
                            "{} ({}): message lacks {word:?}: {summary}",
                            case.lint, case.what
                        ));
                    }
                }
                println!("{} ({}):\n  {}", case.lint, case.what, summary.replace('\n', "\n  "));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// 0011 cannot be written in `schema.toml`: every function the generator emits, written or
/// built in, pins `search_path`. Shown on a schema with functions of every kind.
#[test]
fn every_generated_function_pins_its_search_path() {
    let source = SourceFile::new(
        "schema.toml",
        format!(
            "{BASE}\n[functions.stamp]\nreturns = \"trigger\"\nlanguage = \"plpgsql\"\nbody = \"begin return new; end;\"\n"
        ),
    );
    let (schema, sql, _) = render_schema(&source, Some(&project_root().join("templates"))).expect("valid");
    assert!(schema.functions.len() >= 2, "{:?}", schema.functions);
    let receptionist = std::fs::read_to_string(project_root().join("schema.toml")).expect("schema.toml");
    let (full, full_sql, _) = render_schema(
        &SourceFile::new("schema.toml", receptionist),
        Some(&project_root().join("templates")),
    )
    .expect("valid");
    for (schema, sql) in [(&schema, &sql), (&full, &full_sql)] {
        let mut db = TestDb::new(Grants::Legacy);
        db.client.batch_execute(sql).expect("applies");
        let lint = LINTS.iter().find(|(n, _)| n.starts_with("0011")).expect("lint").1;
        assert_eq!(run_lint(&mut db.client, lint), BTreeSet::new());
        let pinned: i64 = db
            .client
            .query_one(
                "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'public' and p.proconfig @> array['search_path=\"\"']",
                &[],
            )
            .expect("count")
            .get(0);
        assert_eq!(
            pinned as usize,
            schema.functions.len(),
            "every function of the model is pinned"
        );
    }
}

/// The validator's search for unwrapped auth calls reads the spelling PostgreSQL prints back,
/// and is no broader than the lint: wrapped calls in unusual spellings pass, and the database
/// the generator makes from them has no finding.
#[test]
fn wrapped_auth_calls_in_any_spelling_are_accepted() {
    for using in [
        "(select \\\"auth\\\".uid()) is not null",
        "( select auth . uid () ) is not null",
    ] {
        let text = format!(
            "{BASE}\n[[tables.tags.policies]]\nname = \"tags_read\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = \"{using}\"\n"
        );
        let source = SourceFile::new("schema.toml", text);
        let (_, sql, _) = render_schema(&source, Some(&project_root().join("templates")))
            .unwrap_or_else(|e| panic!("`{using}` is accepted: {e}"));
        let mut db = TestDb::new(Grants::Explicit);
        db.client.batch_execute(&sql).expect("applies");
        let lint = LINTS.iter().find(|(n, _)| n.starts_with("0003")).expect("lint").1;
        let found = run_lint(&mut db.client, lint);
        assert!(found.is_empty(), "`{using}`: {found:?}");
    }
}
