//! `supaschema drift`: every difference between a live database and schema.toml, in plain
//! words; exit 1 when there is any.

use crate::common::{Run, fixture_project, json_findings, supaschema};
use supaschema_testkit::{Grants, TempProject, TestDb, fixture, unreachable_url};

/// A function the fixture's triggers do not call, so the database can lose it and still tell
/// what schema.toml expects (which needs the trigger functions).
const EXTRA_FUNCTION: &str = r#"
[functions.open_task_count]
args = [{ name = "project", type = "uuid" }]
returns = "bigint"
language = "sql"
volatility = "stable"
execute = ["authenticated", "service_role"]
body = "select count(*) from public.tasks where project_id = project and status <> 'done'"
"#;

/// `drift` on `db`, migrated to `project`: none at first, and after `sql` changed it by hand
/// exit 1 and these findings, sorted (with the run, for messages).
fn drift_after(project: &TempProject, db: &mut TestDb, sql: &str) -> (Vec<String>, Run) {
    let clean = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(clean.code, Some(0), "freshly migrated: {clean}");
    db.client.batch_execute(sql).expect("introduce drift");
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    let mut reported: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("drift: "))
        .map(str::to_owned)
        .collect();
    reported.sort_unstable();
    (reported, run)
}

#[test]
fn a_freshly_migrated_database_has_no_drift_under_both_grant_regimes() {
    // teams: membership lookups in `private`, a foreign key whose delete clears one column.
    for (project, grants) in [
        (fixture_project(), Grants::Legacy),
        (fixture_project(), Grants::Explicit),
        (TempProject::new(&fixture("teams")), Grants::Explicit),
    ] {
        let mut db = TestDb::new(grants);
        project.migrate(&mut db);
        let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
        assert_eq!(run.code, Some(0), "{grants:?}\n{run}");
        assert!(run.stdout.contains("No drift"), "{run}");
    }
}

#[test]
fn every_kind_of_drift_is_reported() {
    let mut project = fixture_project();
    project
        .build(&format!("{}{EXTRA_FUNCTION}", fixture("multi_tenant")))
        .expect("build the fixture with one more function");
    assert_eq!(
        project.migration_files().len(),
        2,
        "the function has a migration of its own"
    );
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    db.client
        .batch_execute(
            "alter table public.tasks disable row level security;
             drop policy task_tags_owner_delete on public.task_tags;
             create policy sneaky on public.projects for select to anon using (true);
             grant select on public.activity to anon;
             revoke insert on public.tags from authenticated;
             grant usage on sequence public.tags_id_seq to anon;
             alter table public.workspaces add column note text;
             alter table public.projects drop column archived;
             alter table public.tasks alter column priority type integer;
             drop index public.tasks_owner_id_status_idx;
             create index stray_idx on public.task_tags (tagged_at);
             alter table public.tasks drop constraint tasks_due_after_start;
             drop trigger projects_audit on public.projects;
             create table public.unexpected (id int);
             create function public.unexpected_fn() returns int language sql as 'select 1';
             drop function public.open_task_count(uuid);
             comment on function public.set_updated_at() is 'Edited by hand.';
             alter publication supabase_realtime drop table public.tasks;
             alter publication supabase_realtime add table public.tags;",
        )
        .expect("introduce drift");
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    let expected = [
        "row level security is switched off on table `tasks`",
        "table `task_tags`: policy `task_tags_owner_delete` is missing",
        "table `projects`: policy `sneaky` exists in the database but not in schema.toml",
        "`anon` holds SELECT on table `activity`, which schema.toml does not grant",
        "`authenticated` lacks INSERT on table `tags`, which schema.toml grants",
        "`anon` holds USAGE on the sequence of `tags.id`, which schema.toml never grants (a default grant of projects created before 2026)",
        "table `workspaces`: column `note` exists in the database but not in schema.toml",
        "table `projects`: column `archived` is missing",
        "table `tasks`: column `priority` is `integer` in the database; schema.toml says `smallint`",
        "table `tasks`: index `tasks_owner_id_status_idx` is missing",
        "table `task_tags`: index `stray_idx` exists in the database but not in schema.toml",
        "table `tasks`: constraint `tasks_due_after_start` is missing",
        "table `projects`: trigger `projects_audit` is missing",
        "table `unexpected` exists in the database but not in schema.toml",
        "function `unexpected_fn` exists in the database but not in schema.toml",
        "function `open_task_count` is missing",
        "table `tasks` is not in the `supabase_realtime` publication; schema.toml says it should be (`realtime`)",
        "table `tags` is in the `supabase_realtime` publication; schema.toml says it should not be (`realtime`)",
        "function `set_updated_at`: the comment is \"Edited by hand.\" in the database; schema.toml says \"Keeps updated_at at the time of the last update.\"",
    ];
    for expected in expected {
        assert!(run.stdout.contains(expected), "missing `{expected}` in\n{run}");
    }
    // And nothing else: each break is one finding.
    let mut reported: Vec<&str> = run.stdout.lines().filter_map(|l| l.strip_prefix("drift: ")).collect();
    reported.sort_unstable();
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(reported, expected, "{run}");
    assert!(
        run.stdout
            .contains(&format!("{} difference(s) from schema.toml", expected.len())),
        "{run}"
    );

    // The same findings as data: one object each, with a kind and the object it is about.
    let json = supaschema(project.path(), &["drift", "--json", "--db-url", &db.url()], &[]);
    assert_eq!(json.code, Some(1), "{json}");
    let findings = json_findings(&json);
    let mut details: Vec<&str> = findings.iter().map(|(_, _, detail)| detail.as_str()).collect();
    details.sort_unstable();
    assert_eq!(details, expected, "{json}");
    for (kind, object) in [
        ("different", "table tasks"),
        ("missing", "policy task_tags.task_tags_owner_delete"),
        ("unexpected", "grant activity to anon"),
        ("missing", "grant tags to authenticated"),
        ("unexpected", "grant tags.id sequence to anon"),
        ("unexpected", "column workspaces.note"),
        ("different", "column tasks.priority"),
        ("unexpected", "index task_tags.stray_idx"),
        ("missing", "trigger projects.projects_audit"),
        ("unexpected", "table unexpected"),
        ("missing", "function open_task_count"),
        ("different", "function set_updated_at"),
    ] {
        assert!(
            findings.iter().any(|(k, o, _)| k == kind && o == object),
            "no {kind} {object}:\n{json}"
        );
    }
    let mut clean = TestDb::new(Grants::Explicit);
    project.migrate(&mut clean);
    let none = supaschema(project.path(), &["drift", "--json", "--db-url", &clean.url()], &[]);
    assert_eq!(none.code, Some(0), "{none}");
    assert!(json_findings(&none).is_empty(), "{none}");
}

/// Buckets and their policies on `storage.objects`, changed by hand in the database.
#[test]
fn bucket_drift_is_reported() {
    let schema = format!(
        "{}\n[buckets.patient_photos]\nphi = true\nowner = \"first_folder\"\nallowed_mime_types = [\"image/png\"]\n\n[buckets.avatars]\npublic = true\n",
        fixture("multi_tenant")
    );
    let project = TempProject::new(&schema);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (reported, run) = drift_after(
        &project,
        &mut db,
        "update storage.buckets set public = true, file_size_limit = 1024, allowed_mime_types = null
              where id = 'patient_photos';
             select set_config('storage.allow_delete_query', 'true', false);
             delete from storage.buckets where id = 'avatars';
             insert into storage.buckets (id, name) values ('stray', 'stray');
             drop policy patient_photos_owner_delete on storage.objects;
             create policy open_photos on storage.objects for select to anon using (bucket_id = 'patient_photos');",
    );
    let mut expected = vec![
        "bucket `patient_photos`: `public` is true in the database; schema.toml says false",
        "bucket `patient_photos`: `file_size_limit` is 1024 bytes in the database; schema.toml says none",
        "bucket `patient_photos`: `allowed_mime_types` is any in the database; schema.toml says image/png",
        "bucket `avatars` is missing",
        "bucket `stray` exists in the database but not in schema.toml",
        "table `storage.objects`: policy `patient_photos_owner_delete` is missing",
        "table `storage.objects`: policy `open_photos` exists in the database but not in schema.toml",
    ];
    expected.sort_unstable();
    assert_eq!(reported, expected, "{run}");
}

/// Enum types changed by hand: a value added, a comment set, one dropped, one created; what
/// schema.toml expects is worked out on types of its own, whatever the database's have.
#[test]
fn enum_drift_is_reported() {
    let schema = format!(
        "{}\n[enums.ticket_level]\nvalues = [\"low\", \"high\"]\n\n[enums.mood]\nvalues = [\"calm\"]\ncomment = \"Unused.\"\n\n\
         [tables.tickets.columns]\n\
         id = {{ type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"public\" }}\n\
         level = {{ type = \"ticket_level\", default = \"'low'\", class = \"public\", check = \"level <> 'high' or id is not null\" }}\n",
        fixture("multi_tenant")
    );
    let project = TempProject::new(&schema);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (reported, run) = drift_after(
        &project,
        &mut db,
        "alter type public.ticket_level add value 'urgent' before 'low';
             comment on type public.ticket_level is 'By hand.';
             drop type public.mood;
             create type public.stray as enum ('a');",
    );
    let mut expected = vec![
        "enum `ticket_level`: the values are urgent, low, high in the database; schema.toml says low, high",
        "enum `ticket_level`: the comment is \"By hand.\" in the database; schema.toml says none",
        "enum `mood` is missing",
        "enum `stray` exists in the database but not in schema.toml",
    ];
    expected.sort_unstable();
    assert_eq!(reported, expected, "{run}");
}

#[test]
fn a_database_without_the_schema_or_unreachable_exits_2() {
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("run `supaschema push` first"), "{run}");
    assert!(run.stderr.contains("SQLSTATE"), "{run}");
    let unreachable = supaschema(project.path(), &["drift", "--db-url", &unreachable_url()], &[]);
    assert_eq!(unreachable.code, Some(2), "{unreachable}");
}

/// A generated column made plain, a citext column retyped and an expression index changed by
/// hand are each reported; freshly migrated, the same schema has no drift.
#[test]
fn generated_columns_citext_and_expression_indexes_drift() {
    let project = TempProject::new(&fixture("computed"));
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (_, run) = drift_after(
        &project,
        &mut db,
        "alter table public.contacts alter column search drop expression;
         alter table public.contacts alter column email type text;
         drop index public.contacts_lower_name_idx;
         create index contacts_lower_name_idx on public.contacts (upper(name));",
    );
    for expected in [
        "table `contacts`: column `search` is generated as none in the database; schema.toml says `((lower(name) || ' '::text) || lower((email)::text))`",
        "table `contacts`: column `email` is `text` in the database; schema.toml says `citext`",
        "table `contacts`: index `contacts_lower_name_idx` is `CREATE INDEX ON public.contacts USING btree (upper(name))` in the database; schema.toml says `CREATE INDEX ON public.contacts USING btree (lower(name))`",
        // Retyped to text, the column no longer needs the cast the expression had.
        "table `contacts`: index `contacts_user_email` is `CREATE UNIQUE INDEX ON public.contacts USING btree (user_id, lower(email))` in the database; schema.toml says `CREATE UNIQUE INDEX ON public.contacts USING btree (user_id, lower((email)::text))`",
    ] {
        assert!(run.stdout.contains(expected), "missing `{expected}`:\n{run}");
    }
}

/// A default of a function returning a table's rows changed by hand, and the private helper
/// dropped: each is one finding.
#[test]
fn function_defaults_and_private_helpers_are_compared() {
    let project = TempProject::new(&fixture("teams"));
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    db.execute(
        "drop function public.my_projects(text);
         create function public.my_projects(title_like text default 'x%') returns setof public.projects
           language sql stable set search_path = '' as 'select * from public.projects';
         revoke all on function public.my_projects(text) from public, anon, service_role;
         drop function private.owns_workspace(uuid);",
        "changes by hand",
    );
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    for expected in [
        "function `my_projects`: the argument list is `title_like text DEFAULT 'x%'::text` in the database; schema.toml says `title_like text DEFAULT '%'::text`",
        "function `private.owns_workspace` is missing",
    ] {
        assert!(run.stdout.contains(expected), "missing `{expected}`:\n{run}");
    }
}
