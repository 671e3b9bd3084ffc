//! Schema evolution, one kind of change at a time: each edit of schema.toml becomes exactly
//! one new migration (its SQL is a snapshot, with its reverse; what runs after it committed is
//! a second file), and the database after the old migrations plus the new ones (run twice:
//! running a migration again is harmless) equals a fresh database built from the edited schema
//! alone; rolled back by the reverse, it equals the one built from the schema before.

use supaschema_build::{Error, Problem};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh, run_migration};

const BASE: &str = r#"
extensions = ["pgcrypto"]

[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[functions.normalize_title]
returns = "trigger"
language = "plpgsql"
body = "begin new.title := btrim(new.title); return new; end;"

[tables.clinics]
comment = "A practice."
owner = { column = "owner_id" }
unique = [["id", "owner_id"]]
indexes = [{ columns = ["owner_id"] }]

[tables.clinics.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
owner_id = { type = "uuid", references = { table = "auth.users", column = "id", on_delete = "cascade" }, class = "administrative", allow = ["cascade_phi"] }
title = { type = "text", class = "public", check = "char_length(title) < 200" }
seats = { type = "integer", default = "1", class = "administrative" }
fax = { type = "text", nullable = true, class = "administrative" }
kind = { type = "text", values = ["solo", "group"], default = "'solo'", class = "administrative" }

[tables.visits]
owner = { column = "owner_id" }
updated_at = true
indexes = [{ columns = ["clinic_id", "owner_id"] }, { columns = ["owner_id", "starts_at"] }]
foreign_keys = [{ columns = ["clinic_id", "owner_id"], references = "clinics", references_columns = ["id", "owner_id"], on_delete = "cascade" }]
triggers = [{ name = "visits_title", timing = "before", events = ["insert", "update"], function = "normalize_title" }]

[tables.visits.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
clinic_id = { type = "uuid", class = "administrative" }
owner_id = { type = "uuid", class = "administrative" }
title = { type = "text", class = "phi" }
starts_at = { type = "timestamptz", class = "administrative" }
updated_at = { type = "timestamptz", default = "now()", class = "administrative" }
"#;

/// Applies one edit: exactly one new migration, whose SQL matches its snapshot, and
/// incremental equals fresh on a real database.
fn evolve(kind: &str, edited: &str) {
    evolve_from(kind, BASE, edited);
}

/// [`evolve`] from another schema than [`BASE`].
fn evolve_from(kind: &str, base: &str, edited: &str) {
    let mut project = TempProject::new(base);
    let before = project.migrations();
    let written = project.build(edited).unwrap_or_else(|e| panic!("{kind}: {e}"));
    let after = project.migrations();
    let new = &after[before.len().min(after.len())..];
    assert!(
        new.len() == 1 || (new.len() == 2 && new[1].0.ends_with("_nonblocking.sql")),
        "{kind}: one new migration, and a second for what runs after it committed; wrote {written:?}"
    );
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "{kind}: earlier migrations unchanged"
    );
    for (name, _) in new {
        assert!(written.iter().any(|w| w.ends_with(name)), "{kind}: {written:?}");
    }
    let mut snapshot = match new {
        [(_, sql)] => sql.clone(),
        _ => new
            .iter()
            .map(|(name, sql)| format!("-- file {name}\n{sql}"))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    // The reverse is generated output too: reviewed here, and linted by tests/it/squawk.rs.
    let reverse = project.reverse(&new[0].0);
    if let Ok(reverse) = &reverse {
        let name = reverse.path.file_name().expect("a file name").to_string_lossy();
        snapshot.push_str(&format!("\n-- reverse {name}\n{}", reverse.sql));
    }
    insta::assert_snapshot!(format!("evolve_{kind}"), snapshot);

    let mut incremental = TestDb::new(Grants::Explicit);
    for (file, text) in after.iter().chain(new) {
        run_migration(&mut incremental.client, text).unwrap_or_else(|e| panic!("{kind}: {file} failed: {e:?}"));
    }
    assert_same_as_fresh(&project, &mut incremental, edited, kind);

    // Rolled back (twice: that is harmless too), the database is as before; applied again, as after.
    match reverse {
        Ok(reverse) => {
            assert!(!IRREVERSIBLE.contains(&kind), "{kind} has a reverse");
            for _ in 0..2 {
                run_migration(&mut incremental.client, &reverse.sql)
                    .unwrap_or_else(|e| panic!("{kind}: the reverse failed: {e:?}\n{}", reverse.sql));
            }
            assert_same_as_fresh(&project, &mut incremental, base, &format!("{kind}, rolled back"));
            for (file, text) in new {
                run_migration(&mut incremental.client, text)
                    .unwrap_or_else(|e| panic!("{kind}: {file} after the rollback failed: {e:?}"));
            }
            assert_same_as_fresh(&project, &mut incremental, edited, &format!("{kind}, applied again"));
        }
        Err(why) => assert!(IRREVERSIBLE.contains(&kind), "{kind} has no reverse: {why}"),
    }

    // Built again, the same schema writes nothing.
    assert_eq!(
        project.build(edited).expect("rebuild"),
        Vec::<String>::new(),
        "{kind}: second build"
    );
}

/// The cases whose change cannot be undone, and say so in the lock: each drops what a reverse
/// cannot bring back.
const IRREVERSIBLE: &[&str] = &["drop_required_column"];

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "the base schema contains {from:?}");
    BASE.replacen(from, to, 1)
}

fn allow(schema: &str, key: &str, entry: &str) -> String {
    format!("{schema}\n[migration]\n{key} = [\"{entry}\"]\n")
}

const NOTES_TABLE: &str = r#"
[tables.notes]
owner = { column = "owner_id" }
indexes = [{ columns = ["owner_id"] }, { columns = ["visit_id"] }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
owner_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
visit_id = { type = "uuid", references = { table = "visits", column = "id", on_delete = "cascade" }, class = "administrative" }
body = { type = "text", class = "phi" }
"#;

#[test]
fn create_table() {
    evolve("create_table", &format!("{BASE}{NOTES_TABLE}"));
}

/// Requiring a claim of the owner replaces the four owner policies, and nothing else.
#[test]
fn add_owner_claim() {
    let edited = edit(
        r#"[tables.clinics]
comment = "A practice."
owner = { column = "owner_id" }"#,
        r#"[tables.clinics]
comment = "A practice."
owner = { column = "owner_id", claim = { path = "app_metadata.role", equals = "doctor" } }"#,
    );
    evolve("add_owner_claim", &edited);
}

#[test]
fn drop_table() {
    let with_notes = format!("{BASE}{NOTES_TABLE}");
    let mut project = TempProject::new(&with_notes);
    let error = project.build(BASE).expect_err("dropping a table needs permission");
    assert!(
        matches!(&error, Error::Schema(e) if *e.problem() == Problem::DropNotAllowed { what: "table", name: "notes".into() }),
        "{error}"
    );
    // The table is gone from the file, so the error points where `[migration]` would go: the
    // last line, not the top of the file.
    let Error::Schema(located) = &error else { unreachable!() };
    assert_eq!(located.line(), BASE.trim_end().lines().count(), "{error}");
    // With a `[migration]` section, at it; with an `allow_drop` list, at the list.
    let mut line_of_refusal = |schema: &str| match project.build(schema) {
        Err(Error::Schema(e)) if matches!(e.problem(), Problem::DropNotAllowed { .. }) => e.line(),
        other => panic!("expected the drop to be refused: {other:?}"),
    };
    let with_section = format!("{BASE}\n[migration]\nlock_timeout = \"5s\"\n");
    let section_line = BASE.lines().count() + 2;
    assert_eq!(with_section.lines().nth(section_line - 1), Some("[migration]"));
    assert_eq!(line_of_refusal(&with_section), section_line);
    let with_list = format!("{BASE}\n[migration]\nlock_timeout = \"5s\"\nallow_drop = [\"clinics.fax\"]\n");
    assert_eq!(line_of_refusal(&with_list), section_line + 2);
    assert_eq!(
        project.migrations().len(),
        1,
        "nothing was written for the refused drop"
    );
    assert_eq!(
        project
            .build(&allow(BASE, "allow_drop", "notes"))
            .expect("allowed")
            .len(),
        3,
        "the migration, its reverse and the lock"
    );
    let last = project.migrations().last().expect("migration").1.clone();
    assert!(last.contains("drop table if exists public.notes;"), "{last}");
}

#[test]
fn rename_table() {
    let renamed = BASE
        .replace(
            "[tables.visits]\n",
            "[tables.appointments]\nrenamed_from = \"visits\"\n",
        )
        .replace("[tables.visits.columns]", "[tables.appointments.columns]")
        .replace("\"visits_title\"", "\"appointments_title\"");
    evolve("rename_table", &renamed);
}

#[test]
fn add_column() {
    evolve(
        "add_column",
        &edit(
            "fax = {",
            "email = { type = \"text\", nullable = true, class = \"phi\", comment = \"Contact.\" }\nfax = {",
        ),
    );
}

#[test]
fn add_not_null_column_needs_a_default() {
    let mut project = TempProject::new(BASE);
    let before = project.snapshot();
    let error = project
        .build(&edit(
            "fax = {",
            "code = { type = \"text\", class = \"administrative\" }\nfax = {",
        ))
        .expect_err("a NOT NULL column without default fails on a table with rows");
    assert!(
        matches!(&error, Error::Schema(e) if matches!(e.problem(), Problem::NotNullWithoutDefault { .. })),
        "{error}"
    );
    assert_eq!(project.snapshot(), before, "nothing written");
}

#[test]
fn drop_column() {
    let without_fax = edit(
        "fax = { type = \"text\", nullable = true, class = \"administrative\" }\n",
        "",
    );
    let mut project = TempProject::new(BASE);
    let before = project.snapshot();
    let error = project
        .build(&without_fax)
        .expect_err("dropping a column needs permission");
    let Error::Schema(schema_error) = &error else {
        panic!("{error}")
    };
    assert_eq!(
        *schema_error.problem(),
        Problem::DropNotAllowed {
            what: "column",
            name: "clinics.fax".into()
        }
    );
    assert!(error.to_string().contains("allow_drop = [\"clinics.fax\"]"), "{error}");
    assert_eq!(project.snapshot(), before, "nothing written");
    evolve("drop_column", &allow(&without_fax, "allow_drop", "clinics.fax"));
}

#[test]
fn rename_column() {
    evolve(
        "rename_column",
        &edit("fax = { type", "telefax = { renamed_from = \"fax\", type"),
    );
}

#[test]
fn widening_type_change() {
    evolve(
        "widen_type",
        &edit("seats = { type = \"integer\"", "seats = { type = \"bigint\""),
    );
}

/// A column that is NOT NULL without a default cannot come back once dropped: its values are
/// gone, and no reverse could invent them.
#[test]
fn drop_required_column() {
    let without_title = edit(
        "title = { type = \"text\", class = \"public\", check = \"char_length(title) < 200\" }\n",
        "",
    );
    evolve(
        "drop_required_column",
        &allow(&without_title, "allow_drop", "clinics.title"),
    );
}

#[test]
fn narrowing_type_change_needs_permission() {
    let narrowed = edit("seats = { type = \"integer\"", "seats = { type = \"smallint\"");
    let mut project = TempProject::new(BASE);
    let error = project.build(&narrowed).expect_err("narrowing needs permission");
    assert!(
        matches!(&error, Error::Schema(e) if matches!(e.problem(), Problem::NarrowingNotAllowed { .. })),
        "{error}"
    );
    evolve("narrow_type", &allow(&narrowed, "allow_narrowing", "clinics.seats"));
}

#[test]
fn type_change_with_using() {
    let changed = edit("fax = { type = \"text\"", "fax = { type = \"integer\"");
    evolve("type_using", &allow(&changed, "allow_narrowing", "clinics.fax"));
}

#[test]
fn nullability() {
    evolve(
        "nullability",
        &edit(
            "seats = { type = \"integer\", default = \"1\"",
            "seats = { type = \"integer\", nullable = true, default = \"1\"",
        ),
    );
}

/// A foreign key made deferrable is dropped and added again (`deferrable initially deferred`).
#[test]
fn deferrable_foreign_key() {
    let changed = BASE.replacen(
        "references_columns = [\"id\", \"owner_id\"], on_delete = \"cascade\" }",
        "references_columns = [\"id\", \"owner_id\"], on_delete = \"cascade\", deferrable = \"initially_deferred\" }",
        1,
    );
    assert_ne!(changed, BASE, "BASE has a cascading foreign key");
    evolve("deferrable_foreign_key", &changed);
}

/// A composite foreign key whose delete clears only one of its columns (`on delete set null
/// (clinic_id)`, PostgreSQL 15): the column becomes nullable, and the key is dropped and added
/// again.
#[test]
fn set_null_columns() {
    let changed = BASE
        .replacen(
            "references_columns = [\"id\", \"owner_id\"], on_delete = \"cascade\" }",
            "references_columns = [\"id\", \"owner_id\"], on_delete = { set_null = [\"clinic_id\"] } }",
            1,
        )
        .replacen(
            "clinic_id = { type = \"uuid\", class",
            "clinic_id = { type = \"uuid\", nullable = true, class",
            1,
        );
    assert!(
        changed.contains("set_null = [") && changed.matches("nullable = true").count() == 2,
        "both edits applied"
    );
    evolve("set_null_columns", &changed);
}

/// NOT NULL on an existing column: a check added `not valid`, then validated after the commit.
#[test]
fn set_not_null() {
    evolve(
        "set_not_null",
        &edit("fax = { type = \"text\", nullable = true,", "fax = { type = \"text\","),
    );
}

#[test]
fn default() {
    evolve("default", &edit("default = \"1\"", "default = \"2\""));
}

#[test]
fn primary_key() {
    let changed = BASE.replace(
        "[tables.clinics.columns]\nid = { type = \"uuid\", primary_key = true,",
        "[tables.clinics.columns]\nid = { type = \"uuid\",",
    );
    let changed = changed.replace(
        "unique = [[\"id\", \"owner_id\"]]\n",
        "primary_key = [\"id\", \"owner_id\"]\n",
    );
    evolve("primary_key", &changed);
}

#[test]
fn unique_constraint() {
    evolve(
        "unique",
        &edit(
            "unique = [[\"id\", \"owner_id\"]]",
            "unique = [[\"id\", \"owner_id\"], [\"owner_id\", \"title\"]]",
        ),
    );
}

#[test]
fn check_constraint() {
    evolve(
        "check",
        &edit(
            "check = \"char_length(title) < 200\"",
            "check = \"char_length(title) < 100\"",
        ),
    );
}

#[test]
fn closed_value_set() {
    evolve(
        "closed_set",
        &edit(
            "values = [\"solo\", \"group\"]",
            "values = [\"solo\", \"group\", \"hospital\"]",
        ),
    );
}

#[test]
fn foreign_key() {
    evolve(
        "foreign_key",
        &edit("on_delete = \"cascade\" }]", "on_delete = \"restrict\" }]"),
    );
}

#[test]
fn exclusion_constraint() {
    let with_btree_gist = edit(
        "extensions = [\"pgcrypto\"]",
        "extensions = [\"pgcrypto\", \"btree_gist\"]",
    );
    let changed = with_btree_gist.replace(
        "triggers = [{ name = \"visits_title\"",
        "exclusions = [{ name = \"visits_one_at_a_time\", elements = [{ column = \"owner_id\", with = \"=\" }, { column = \"starts_at\", with = \"=\" }] }]\ntriggers = [{ name = \"visits_title\"",
    );
    evolve("exclusion", &changed);
}

#[test]
fn index() {
    evolve(
        "index",
        &edit(
            "indexes = [{ columns = [\"owner_id\"] }]",
            "indexes = [{ columns = [\"owner_id\"] }, { columns = [\"title\"], where = \"fax is null\" }]",
        ),
    );
}

#[test]
fn rename_index() {
    evolve(
        "rename_index",
        &edit(
            "indexes = [{ columns = [\"owner_id\"] }]",
            "indexes = [{ name = \"clinics_by_owner\", renamed_from = \"clinics_owner_id_idx\", columns = [\"owner_id\"] }]",
        ),
    );
}

#[test]
fn rls_force() {
    evolve(
        "rls_force",
        &edit("[tables.clinics]\n", "[tables.clinics]\nforce_rls = true\n"),
    );
}

/// `realtime = true` puts the table in the `supabase_realtime` publication, created when the
/// database has none; its reverse takes the table out again.
#[test]
fn realtime() {
    evolve(
        "realtime",
        &edit("[tables.clinics]\n", "[tables.clinics]\nrealtime = true\n"),
    );
}

/// Where Supabase made the publication already, the table joins it.
#[test]
fn realtime_joins_the_publication_supabase_made() {
    let edited = edit("[tables.clinics]\n", "[tables.clinics]\nrealtime = true\n");
    let project = TempProject::new(&edited);
    let mut db = TestDb::new(Grants::Explicit);
    db.execute("create publication supabase_realtime", "the publication");
    project.migrate(&mut db);
    let published: Vec<String> = db
        .client
        .query(
            "select tablename::text from pg_publication_tables where pubname = 'supabase_realtime'",
            &[],
        )
        .expect("the publication's tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(published, ["clinics"]);
}

/// A bucket holding PHI: its row in `storage.buckets` and the owner rule's policies on
/// `storage.objects`; the reverse drops them and deletes the bucket, which is empty.
#[test]
fn bucket() {
    let bucket = "\n[buckets.patient_photos]\nphi = true\nowner = \"first_folder\"\nfile_size_limit = 5242880\nallowed_mime_types = [\"image/png\", \"image/jpeg\"]\n";
    evolve("bucket", &format!("{BASE}{bucket}"));
}

#[test]
fn policies() {
    let changed = edit(
        "[tables.clinics.columns]",
        "[[tables.clinics.policies]]\nname = \"clinics_public_listing\"\ncommand = \"select\"\nroles = [\"anon\"]\nusing = \"kind = 'group'\"\n\n[tables.clinics.columns]",
    );
    evolve("policy_create", &changed);
}

#[test]
fn policy_change_and_rename() {
    let with_policy = edit(
        "[tables.clinics.columns]",
        "[[tables.clinics.policies]]\nname = \"clinics_public_listing\"\ncommand = \"select\"\nroles = [\"anon\"]\nusing = \"kind = 'group'\"\n\n[tables.clinics.columns]",
    );
    let mut project = TempProject::new(&with_policy);
    let renamed = with_policy.replace(
        "name = \"clinics_public_listing\"",
        "name = \"clinics_listing\"\nrenamed_from = \"clinics_public_listing\"",
    );
    project.build(&renamed).expect("rename policy");
    let sql = project.migrations().last().expect("migration").1.clone();
    assert!(
        sql.contains("alter policy clinics_public_listing on public.clinics rename to clinics_listing;"),
        "{sql}"
    );
    let changed = renamed.replace("using = \"kind = 'group'\"", "using = \"kind = 'solo'\"");
    project.build(&changed).expect("change policy");
    let sql = project.migrations().last().expect("migration").1.clone();
    assert!(sql.contains("drop policy clinics_listing on public.clinics;"), "{sql}");
    assert!(sql.contains("using (kind = 'solo')"), "{sql}");
}

#[test]
fn grants() {
    evolve(
        "grants",
        &edit(
            "[tables.clinics]\n",
            "[tables.clinics]\ngrants = { service_role = [\"select\"] }\n",
        ),
    );
}

/// A role of the schema's own: the migration creates `backend` (or finds it, made by another
/// database of the cluster) before granting to it; the reverse takes its grants and policy
/// away and leaves the role, which other databases may use.
#[test]
fn backend_role() {
    let practice = "owner_id = nullif((select current_setting('app.owner_id', true)), '')::uuid";
    let edited = edit(
        "[tables.visits]\n",
        "[tables.visits]\ngrants = { backend = [\"select\", \"insert\", \"update\"] }\n",
    )
    .replacen(
        "[tables.visits.columns]\n",
        &format!(
            "[[tables.visits.policies]]\nname = \"visits_backend\"\ncommand = \"all\"\nroles = [\"backend\"]\n\
             using = \"{practice}\"\nwith_check = \"{practice}\"\n\n[tables.visits.columns]\n"
        ),
        1,
    );
    evolve("backend_role", &edited);
}

#[test]
fn triggers() {
    evolve(
        "trigger",
        &edit(
            "triggers = [{ name = \"visits_title\", timing = \"before\", events = [\"insert\", \"update\"]",
            "triggers = [{ name = \"visits_title\", timing = \"before\", events = [\"insert\"]",
        ),
    );
}

#[test]
fn function_body() {
    evolve(
        "function",
        &edit(
            "new.title := btrim(new.title)",
            "new.title := initcap(btrim(new.title))",
        ),
    );
}

#[test]
fn function_signature_change_replaces_its_triggers() {
    let changed = BASE
        .replace("[functions.normalize_title]\n", "[functions.tidy_title]\n")
        .replace("function = \"normalize_title\"", "function = \"tidy_title\"");
    evolve("function_rename", &changed);
}

/// A helper in `private`, which the Data API does not expose, and a policy calling it: the
/// schema is created and `authenticated`, the one role that executes it, gets usage on it.
const PRIVATE_HELPER: &str = r#"
[functions."private.owns_clinic"]
args = [{ name = "clinic", type = "uuid" }]
returns = "boolean"
language = "sql"
volatility = "stable"
security = "definer"
execute = ["authenticated"]
body = "select exists (select 1 from public.clinics c where c.id = clinic and c.owner_id = (select auth.uid()))"
"#;

const VISITS_POLICY: &str = "[[tables.visits.policies]]\nname = \"visits_in_own_clinic\"\ncommand = \"insert\"\nroles = [\"authenticated\"]\nrestrictive = true\nwith_check = \"private.owns_clinic(clinic_id)\"\n\n[tables.visits.columns]";

fn with_private_helper() -> String {
    format!("{}{PRIVATE_HELPER}", edit("[tables.visits.columns]", VISITS_POLICY))
}

#[test]
fn private_function() {
    evolve("private_function", &with_private_helper());
}

/// A new argument of a helper a policy calls: PostgreSQL cannot replace a function's
/// arguments, nor drop one a policy depends on, so the policy goes, the function is dropped and
/// created anew, and the policy comes back, in one migration.
#[test]
fn function_arguments_change_under_a_policy() {
    let before = with_private_helper();
    let after = before.replace(
        "args = [{ name = \"clinic\", type = \"uuid\" }]",
        "args = [{ name = \"clinic\", type = \"uuid\" }, { name = \"as_of\", type = \"date\", default = \"current_date\" }]",
    );
    assert_ne!(after, before);
    evolve_from("function_arguments_under_a_policy", &before, &after);
}

/// Functions returning rows: `setof` a table, with an argument that has a default, and
/// `table (…)`.
#[test]
fn set_returning_functions() {
    let functions = r#"
[functions.upcoming_visits]
args = [{ name = "after", type = "timestamptz", default = "now()" }]
returns = "setof visits"
language = "sql"
volatility = "stable"
execute = ["authenticated"]
body = "select * from public.visits where starts_at > after"

[functions.visit_counts]
returns = { table = [{ name = "clinic_id", type = "uuid" }, { name = "visits", type = "bigint" }] }
language = "sql"
volatility = "stable"
execute = ["authenticated"]
body = "select clinic_id, count(*) from public.visits group by clinic_id"
"#;
    evolve("set_returning_functions", &format!("{BASE}{functions}"));
}

/// A check calling a function whose arguments change would have to be dropped with it: the
/// build refuses and says to give the changed function a new name.
#[test]
fn a_function_a_check_calls_keeps_its_signature() {
    let base = format!(
        "{}\n[functions.short]\nargs = [{{ name = \"t\", type = \"text\" }}]\nreturns = \"boolean\"\nlanguage = \"sql\"\nvolatility = \"immutable\"\nbody = \"select char_length(t) < 200\"\n",
        edit(
            "check = \"char_length(title) < 200\"",
            "check = \"public.short(title)\""
        )
    );
    let mut project = TempProject::new(&base);
    let before = project.snapshot();
    let changed = base.replace(
        "args = [{ name = \"t\", type = \"text\" }]",
        "args = [{ name = \"t\", type = \"text\" }, { name = \"n\", type = \"integer\", default = \"200\" }]",
    );
    let error = project.build(&changed).expect_err("the check calls the function");
    let Error::Schema(schema_error) = &error else {
        panic!("{error}")
    };
    assert_eq!(
        *schema_error.problem(),
        Problem::FunctionInUse {
            function: "short".into(),
            table: "clinics".into()
        }
    );
    assert!(error.to_string().contains("under a new name"), "{error}");
    assert_eq!(project.snapshot(), before, "nothing written");
}

#[test]
fn extensions() {
    evolve(
        "extension",
        &edit("extensions = [\"pgcrypto\"]", "extensions = [\"pgcrypto\", \"citext\"]"),
    );
}

#[test]
fn comments() {
    evolve(
        "comment",
        &edit("comment = \"A practice.\"", "comment = \"A doctor's practice.\""),
    );
}

/// Turning on audited reads: the audit table, the read function, and `select` on the PHI
/// column taken from the API roles row security applies to.
#[test]
fn audit_reads() {
    let audited = edit(
        "[tables.visits]\nowner = { column = \"owner_id\" }\n",
        "[tables.visits]\nowner = { column = \"owner_id\" }\naudit_reads = true\n",
    );
    let audited = format!(
        r#"audit_table = "audit_logs"
{audited}
[tables.audit_logs]
append_only = true
grants = {{ service_role = ["select"] }}

[tables.audit_logs.columns]
id = {{ type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }}
actor_id = {{ type = "uuid", nullable = true, class = "administrative" }}
actor_role = {{ type = "text", class = "administrative" }}
action = {{ type = "text", class = "administrative" }}
table_name = {{ type = "text", class = "administrative" }}
record_id = {{ type = "uuid", nullable = true, class = "administrative" }}
changed_columns = {{ type = "text[]", default = "'{{}}'", class = "administrative" }}
occurred_at = {{ type = "timestamptz", default = "now()", class = "administrative" }}
"#
    );
    evolve("audit_reads", &audited);
}

#[test]
fn updated_at_switch() {
    evolve("updated_at_off", &edit("updated_at = true\n", ""));
}

/// A column whose type changes under a trigger's `update of` list and a policy that reads it:
/// PostgreSQL refuses the change while they use the column, so both go before it and come
/// back after it, though neither changed; the migration can run again.
#[test]
fn a_type_change_under_a_trigger_and_a_policy_that_use_the_column() {
    let everything = supaschema_testkit::fixture("everything");
    let reads_quantity = everything.replacen(
        r#"using = "type = 'retail'""#,
        r#"using = "type = 'retail' and quantity > 0""#,
        1,
    );
    let mut project = TempProject::new(&reads_quantity);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let retyped = reads_quantity.replacen(r#"quantity = { type = "integer""#, r#"quantity = { type = "bigint""#, 1);
    project.build(&retyped).expect("build");
    let (name, sql) = project.migrations().pop().expect("the migration");
    for (object, drop) in [
        ("trigger", "drop trigger order_total_changed on public.\"order\";"),
        ("policy", "drop policy order_public_catalog on public.\"order\";"),
    ] {
        assert!(sql.contains(drop), "{name} drops the {object}:\n{sql}");
    }
    for _ in 0..2 {
        db.execute(&sql, &name);
    }
    assert_same_as_fresh(&project, &mut db, &retyped, "quantity retyped");
}

/// [`BASE`] with `citext` among the extensions, and clinics' `search`, generated from the
/// title, indexed by an expression of it.
fn with_search(search: &str, index: &str) -> String {
    let base = edit("extensions = [\"pgcrypto\"]", "extensions = [\"pgcrypto\", \"citext\"]");
    let title = "title = { type = \"text\", class = \"public\", check = \"char_length(title) < 200\" }";
    let base = base.replacen(title, &format!("{title}\n{search}"), 1);
    base.replacen(
        "indexes = [{ columns = [\"owner_id\"] }]",
        &format!("indexes = [{{ columns = [\"owner_id\"] }}{index}]"),
        1,
    )
}

const SEARCH: &str = r#"search = { type = "text", generated = "lower(title)", class = "public" }"#;
const SEARCH_INDEX: &str =
    r#", { name = "clinics_search", columns = ["owner_id"], expressions = ["left(search, 3)"] }"#;

#[test]
fn generated_column() {
    evolve("generated_column", &with_search(SEARCH, ""));
}

/// PostgreSQL 15 has no `set expression`: the column is dropped and added again, and the
/// index that reads it is built again after it.
#[test]
fn generated_expression() {
    let before = with_search(SEARCH, SEARCH_INDEX);
    let after = with_search(&SEARCH.replace("lower(title)", "upper(title)"), SEARCH_INDEX);
    evolve_from("generated_expression", &before, &after);
}

/// A generated column made plain keeps its values.
#[test]
fn generated_drop_expression() {
    let before = with_search(SEARCH, "");
    let after = with_search(r#"search = { type = "text", default = "''", class = "public" }"#, "");
    evolve_from("generated_drop_expression", &before, &after);
}

/// A plain column becomes generated only by losing its values, which `allow_drop` permits.
#[test]
fn generated_from_plain_column() {
    let before = with_search(r#"search = { type = "text", default = "''", class = "public" }"#, "");
    let after = with_search(SEARCH, "");
    let mut project = TempProject::new(&before);
    match project.build(&after) {
        Err(Error::Schema(e)) => {
            assert_eq!(
                e.problem(),
                &Problem::GeneratedReplacesValues {
                    column: "clinics.search".into()
                }
            );
            let text = e.to_string();
            assert!(text.contains("allow_drop = [\"clinics.search\"]"), "{text}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    evolve_from(
        "generated_from_plain",
        &before,
        &allow(&after, "allow_drop", "clinics.search"),
    );
}

#[test]
fn expression_index() {
    evolve(
        "expression_index",
        &edit(
            "indexes = [{ columns = [\"owner_id\"] }]",
            "indexes = [{ columns = [\"owner_id\"] }, { expressions = [\"lower(title)\"], unique = true }, { columns = [\"owner_id\"], expressions = [\"(seats > 1)\"], where = \"fax is null\" }]",
        ),
    );
}

#[test]
fn expression_index_change() {
    let before = edit(
        "indexes = [{ columns = [\"owner_id\"] }]",
        "indexes = [{ columns = [\"owner_id\"] }, { name = \"clinics_title\", expressions = [\"lower(title)\"] }]",
    );
    let after = before.replace("lower(title)", "upper(title)");
    evolve_from("expression_index_change", &before, &after);
}

#[test]
fn citext_column() {
    evolve(
        "citext_column",
        &with_search(
            r#"email = { type = "citext", nullable = true, class = "administrative" }"#,
            "",
        ),
    );
}

/// text to citext holds every value: no permission needed.
#[test]
fn citext_retype() {
    let before = edit("extensions = [\"pgcrypto\"]", "extensions = [\"pgcrypto\", \"citext\"]");
    let after = before.replacen("fax = { type = \"text\"", "fax = { type = \"citext\"", 1);
    evolve_from("citext_retype", &before, &after);
}

/// PostgreSQL refuses to change the type of a column a generated column reads: the generated
/// column goes first and comes back after the change.
#[test]
fn retype_under_generated_column() {
    let doubled = r#"doubled = { type = "bigint", generated = "seats * 2", class = "administrative" }"#;
    let before = with_search(doubled, "");
    let after = before.replacen("seats = { type = \"integer\"", "seats = { type = \"bigint\"", 1);
    evolve_from("retype_under_generated", &before, &after);
}

/// [`BASE`] with an enum type, which a column of `visits`, a check of it and a function use.
fn enum_base() -> String {
    format!(
        r#"{BASE}
[enums.visit_status]
values = ["booked", "seen", "no_show"]
comment = "Where a visit stands."

[functions.next_status]
args = [{{ name = "current", type = "visit_status" }}]
returns = "visit_status"
language = "sql"
volatility = "immutable"
body = "select case when current = 'booked' then current else current end"

[tables.visits.columns.status]
type = "visit_status"
default = "'booked'"
class = "administrative"
check = "status <> 'no_show' or title <> ''"
"#
    )
}

/// The enum base with the values of `visit_status` replaced.
fn enum_values(values: &str) -> String {
    enum_base().replacen(
        r#"values = ["booked", "seen", "no_show"]"#,
        &format!("values = {values}"),
        1,
    )
}

/// The type comes before the table column that uses it.
#[test]
fn create_enum() {
    evolve("create_enum", &enum_base());
}

/// New values go to their places: after the value before them, or before the first.
#[test]
fn add_enum_value() {
    evolve_from(
        "add_enum_value",
        &enum_base(),
        &enum_values(r#"["waitlisted", "booked", "seen", "cancelled", "no_show"]"#),
    );
}

#[test]
fn rename_enum_value() {
    let renamed = enum_values(r#"["booked", "attended", "no_show"]"#).replacen(
        "comment = \"Where a visit stands.\"",
        "comment = \"Where a visit stands.\"\nrenamed_values = { attended = \"seen\" }",
        1,
    );
    evolve_from("rename_enum_value", &enum_base(), &renamed);
}

/// A value is removed only when `allow_drop` names it; the type is then replaced, and the
/// migration stops while a row holds the value.
#[test]
fn remove_enum_value() {
    let removed = enum_values(r#"["booked", "seen"]"#).replace("status <> 'no_show' or ", "");
    let mut project = TempProject::new(&enum_base());
    let error = project.build(&removed).expect_err("removing a value needs permission");
    let Error::Schema(located) = &error else {
        panic!("a schema error: {error}")
    };
    assert_eq!(
        located.summary(),
        format!(
            "schema.toml:{}:1: the next migration would remove the value `no_show` from enum `visit_status`\n\
             help: if that is intended, change the rows holding it first (the migration stops while any does), then add \
             `allow_drop = [\"enum:visit_status.no_show\"]` under `[migration]`; to keep those rows under a new label, \
             write `renamed_values = {{ <new label> = \"no_show\" }}`",
            removed
                .lines()
                .position(|l| l == "[enums.visit_status]")
                .expect("the enum")
                + 1
        )
    );
    evolve_from(
        "remove_enum_value",
        &enum_base(),
        &allow(&removed, "allow_drop", "enum:visit_status.no_show"),
    );
}

/// Changing the order of the values replaces the type too, without losing any.
#[test]
fn reorder_enum_values() {
    evolve_from(
        "reorder_enum_values",
        &enum_base(),
        &enum_values(r#"["seen", "booked", "no_show"]"#),
    );
}

#[test]
fn drop_enum() {
    let without = BASE.to_owned();
    let mut project = TempProject::new(&enum_base());
    let error = project
        .build(&allow(&without, "allow_drop", "visits.status"))
        .expect_err("dropping an enum needs permission");
    assert!(
        matches!(&error, Error::Schema(e) if *e.problem() == Problem::EnumDropNotAllowed { name: "visit_status".into() }),
        "{error}"
    );
    let allowed = format!("{without}\n[migration]\nallow_drop = [\"visits.status\", \"enum:visit_status\"]\n");
    evolve_from("drop_enum", &enum_base(), &allowed);
}

/// A value added and used in the same migration is refused: PostgreSQL cannot use it before
/// the transaction that added it commits.
#[test]
fn a_new_enum_value_waits_for_its_own_migration() {
    let used = enum_values(r#"["booked", "seen", "no_show", "cancelled"]"#).replacen(
        "default = \"'booked'\"",
        "default = \"'cancelled'\"",
        1,
    );
    let mut project = TempProject::new(&enum_base());
    let error = project.build(&used).expect_err("a new value used at once");
    assert!(
        matches!(&error, Error::Schema(e) if *e.problem() == Problem::NewEnumValueUsed { name: "visit_status".into(), value: "cancelled".into() }),
        "{error}"
    );
    // In two changes, it works.
    let added = enum_values(r#"["booked", "seen", "no_show", "cancelled"]"#);
    project.build(&added).expect("the value alone");
    project.build(&used).expect("then its use");
    let mut db = TestDb::new(Grants::Explicit);
    for (file, text) in project.migrations() {
        run_migration(&mut db.client, &text).unwrap_or_else(|e| panic!("{file} failed: {e:?}"));
    }
    assert_same_as_fresh(&project, &mut db, &used, "a new value in two changes");
}
