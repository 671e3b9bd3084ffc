//! `supaschema pull`: a database built by migrations is pulled into an empty project; the build
//! then writes nothing, and a fresh database built from the pulled schema.toml equals the
//! original object by object, through the catalog `drift` compares.

use crate::common::{Run, supaschema};
use supaschema_testkit::{FIXTURES, Grants, TempProject, TestDb, assert_same_as_fresh, fixture, workspace_root};

/// Pulls `db` into `project`; the pull must succeed and find no difference it could not name.
fn pull(project: &TempProject, db: &TestDb, extra: &[&str]) -> Run {
    let mut args = vec!["pull", "--db-url"];
    let url = db.url();
    args.push(&url);
    args.extend_from_slice(extra);
    let run = supaschema(project.path(), &args, &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!run.stderr.contains("differs:"), "{run}");
    assert!(!run.stderr.contains("warning:"), "{run}");
    run
}

/// The round trip for a database `original` reached through `source`'s migrations.
fn round_trip(original: &mut TestDb, context: &str) -> (TempProject, Run) {
    let mut pulled = TempProject::empty();
    let run = pull(&pulled, original, &[]);
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("pull wrote schema.toml");
    assert!(pulled.project().lock_path.exists(), "{context}: pull wrote the lock");
    let before = pulled.snapshot();
    let wrote = pulled
        .rebuild()
        .unwrap_or_else(|e| panic!("{context}: the pulled schema.toml does not build: {e}\n{text}"));
    assert!(
        wrote.is_empty(),
        "{context}: the build after pull wrote {wrote:?}\n{text}"
    );
    assert_eq!(pulled.snapshot(), before, "{context}: the build changed supabase/");
    assert!(pulled.migration_files().is_empty(), "{context}");
    assert_same_as_fresh(&pulled, original, &text, context);
    (pulled, run)
}

#[test]
fn every_fixture_schema_round_trips() {
    for name in FIXTURES {
        let source = TempProject::new(&fixture(name));
        // Under both regimes: older projects grant every new table to the API roles.
        for grants in [Grants::Explicit, Grants::Legacy] {
            let mut original = TestDb::new(grants);
            source.migrate(&mut original);
            let context = format!("{name} ({grants:?})");
            let (_, run) = round_trip(&mut original, &context);
            assert!(
                !run.stderr.contains("left out:"),
                "{context}: nothing of a fixture is beyond the format\n{run}"
            );
        }
    }
}

#[test]
fn revoked_default_grants_are_pulled_back() {
    let schema = format!("revoke_default_grants = true\n{}", fixture("minimal"));
    let source = TempProject::new(&schema);
    let mut original = TestDb::new(Grants::Legacy);
    source.migrate(&mut original);
    let (pulled, _) = round_trip(&mut original, "revoke_default_grants");
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    assert!(
        text.lines().any(|line| line == "revoke_default_grants = true"),
        "{text}"
    );

    // The control: without the setting, the pulled file does not claim it.
    let mut plain = TestDb::new(Grants::Legacy);
    TempProject::new(&fixture("minimal")).migrate(&mut plain);
    let (pulled, _) = round_trip(&mut plain, "minimal");
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    assert!(!text.contains("revoke_default_grants"), "{text}");
}

#[test]
fn the_receptionist_schema_round_trips_and_keeps_its_migrations() {
    let source = TempProject::copy_of(&workspace_root());
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    let (pulled, run) = round_trip(&mut original, "receptionist");
    assert!(!run.stderr.contains("left out:"), "{run}");
    // The owner rules come back in the short form, with the claim they require.
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    let owner = r#"owner = { column = "doctor_id", claim = { path = "app_metadata.role", equals = "doctor" } }"#;
    assert_eq!(text.matches(owner).count(), 6, "{text}");

    // Pulled over the project itself (--force), the migrations stay byte for byte, the lock
    // records them, and the build writes nothing.
    let mut project = TempProject::copy_of(&workspace_root());
    let migrations = project.migrations();
    pull(&project, &original, &["--force"]);
    assert_eq!(
        project.migrations(),
        migrations,
        "pull keeps supabase/migrations/ as it is"
    );
    let lock = std::fs::read_to_string(project.project().lock_path).expect("lock");
    for (file, _) in &migrations {
        assert!(lock.contains(file.as_str()), "the lock records {file}");
    }
    let wrote = project.rebuild().unwrap_or_else(|e| panic!("builds: {e}"));
    assert!(wrote.is_empty(), "{wrote:?}");
}

#[test]
fn a_later_edit_becomes_one_incremental_migration() {
    let source = TempProject::new(&fixture("minimal"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    let (mut pulled, _) = round_trip(&mut original, "minimal");
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    let edited = text.replacen(
        "[tables.notes.columns]\n",
        "[tables.notes.columns]\ntitle = { type = \"text\", nullable = true, class = \"public\" }\n",
        1,
    );
    assert_ne!(edited, text);
    pulled.build(&edited).unwrap_or_else(|e| panic!("builds: {e}"));
    let migrations = pulled.migrations();
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    let (name, sql) = &migrations[0];
    assert!(name.ends_with("_add_notes_title.sql"), "{name}");
    assert!(!sql.contains("create table"), "only the difference:\n{sql}");
    pulled.migrate(&mut original);
    assert_same_as_fresh(&pulled, &mut original, &edited, "minimal, edited after pull");
}

#[test]
fn an_existing_schema_is_refused_without_force() {
    let source = TempProject::new(&fixture("minimal"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    let before = std::fs::read_to_string(source.path().join("schema.toml")).expect("schema.toml");
    let snapshot = source.snapshot();
    let run = supaschema(source.path(), &["pull", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("schema.toml exists"), "{run}");
    assert!(run.stderr.contains("--force"), "{run}");
    assert_eq!(run.stderr.matches("error:").count(), 1, "one error:\n{run}");
    let after = std::fs::read_to_string(source.path().join("schema.toml")).expect("schema.toml");
    assert_eq!(after, before, "nothing was written");
    assert_eq!(source.snapshot(), snapshot, "nothing was written");
}

#[test]
fn columns_get_a_class_and_guesses_are_marked() {
    let source = TempProject::new(&fixture("multi_tenant"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    let (pulled, _) = round_trip(&mut original, "multi_tenant");
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    let columns: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("type = \""))
        .filter(|l| l.contains("class = "))
        .collect();
    assert!(!columns.is_empty());
    for line in text
        .lines()
        .filter(|l| l.contains(" = { type = ") && !l.starts_with("args"))
    {
        if line.starts_with("columns = ") {
            continue;
        }
        assert!(line.contains("class = \""), "every column has a class: {line}");
        assert!(
            line.contains("# review: guessed"),
            "every class is marked as a guess: {line}"
        );
    }
    let notes = text.lines().find(|l| l.starts_with("notes = ")).expect("tasks.notes");
    assert!(notes.contains("class = \"phi\""), "free text is guessed PHI: {notes}");
    let status = text
        .lines()
        .find(|l| l.starts_with("plan = "))
        .expect("workspaces.plan");
    assert!(
        status.contains("values = [\"free\", \"team\", \"enterprise\"]"),
        "{status}"
    );
}

#[test]
fn what_the_format_cannot_say_is_listed_and_left_out() {
    let source = TempProject::new(&fixture("minimal"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    original.execute(
        "create view public.note_bodies as select id, body from public.notes;
         create type public.mood as enum ('happy', 'sad');
         alter table public.notes add column mood public.mood;
         create function extensions.stamp() returns trigger language plpgsql as 'begin return new; end';
         create trigger notes_stamp before insert on public.notes for each row execute function extensions.stamp();
         create index notes_lower_body_idx on public.notes (lower(body), user_id);
         comment on index public.notes_user_id_idx is 'Every foreign key has one.';",
        "objects beyond the format",
    );
    let project = TempProject::empty();
    let run = supaschema(project.path(), &["pull", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    for expected in [
        "left out: view note_bodies",
        "left out: trigger notes.notes_stamp: it calls `extensions.stamp`, a function in a schema PostgreSQL or Supabase owns",
        "a column after an expression cannot be described",
        "left out: index notes.notes_user_id_idx: its comment cannot be described",
    ] {
        assert!(run.stderr.contains(expected), "missing `{expected}`:\n{run}");
    }
    assert!(!run.stderr.contains("differs:"), "{run}");
    assert!(!run.stderr.contains("mood"), "the enum type is pulled: {run}");
    let text = std::fs::read_to_string(project.path().join("schema.toml")).expect("schema.toml");
    assert!(!text.contains("notes_stamp"), "{text}");
}

/// Enum types come back as `[enums.<name>]` with their values in order and their comment, and
/// their columns (an array too) name them; the pulled file's migration builds the same database.
#[test]
fn enum_types_are_pulled_with_the_columns_using_them() {
    let source = TempProject::new(&fixture("minimal"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    original.execute(
        "create type public.mood as enum ('happy', 'so-so', 'sad');
         comment on type public.mood is 'How the note reads.';
         create type public.unused_kind as enum ('a');
         alter table public.notes add column mood public.mood not null default 'so-so';
         alter table public.notes add column moods public.mood[];",
        "enum types",
    );
    let (pulled, _) = round_trip(&mut original, "enums");
    let text = std::fs::read_to_string(pulled.path().join("schema.toml")).expect("schema.toml");
    for expected in [
        "[enums.mood]\nvalues = [\"happy\", \"so-so\", \"sad\"]\ncomment = \"How the note reads.\"\n",
        "[enums.unused_kind]\nvalues = [\"a\"]\n",
        "mood = { type = \"mood\", default = \"'so-so'\"",
        "moods = { type = \"mood[]\", nullable = true",
    ] {
        assert!(text.contains(expected), "missing `{expected}`:\n{text}");
    }
}

/// A schema written by hand the way Supabase's guides write it, with what the generator's rules
/// refuse: policies for PUBLIC, `auth.uid()` called per row, two permissive policies for one
/// command, a foreign key without an index, a serial key.
const HAND_WRITTEN: &str = r#"
create table public.profiles (
  id uuid not null references auth.users on delete cascade,
  updated_at timestamp with time zone,
  username text unique,
  full_name text,
  primary key (id),
  constraint username_length check (char_length(username) >= 3)
);
alter table public.profiles enable row level security;
create policy "Public profiles are viewable by everyone." on profiles for select using (true);
create table public.todos (
  id bigint generated by default as identity primary key,
  user_id uuid references auth.users not null,
  task text check (char_length(task) > 3),
  is_complete boolean default false,
  inserted_at timestamp with time zone default timezone('utc'::text, now()) not null
);
alter table todos enable row level security;
create policy todos_insert on todos for insert to authenticated with check (auth.uid() = user_id);
create policy todos_select on todos for select to authenticated using ((select auth.uid()) = user_id);
create policy todos_select_again on todos for select to authenticated using ((select auth.uid()) = user_id);
grant select, insert on todos to authenticated;
create table public.counters (id serial primary key, label varchar(40));
"#;

#[test]
fn a_hand_written_schema_pulls_and_drift_names_exactly_what_was_left_out() {
    let mut original = TestDb::new(Grants::Explicit);
    original.execute(HAND_WRITTEN, "the hand-written schema");
    let mut project = TempProject::empty();
    let run = supaschema(project.path(), &["pull", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let mut left_out: Vec<String> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("left out: "))
        .map(|l| l.split(": ").next().unwrap_or(l).to_owned())
        .collect();
    left_out.sort();
    assert_eq!(
        left_out,
        [
            "column counters.id",
            "constraint todos.todos_user_id_fkey",
            "policy profiles.Public profiles are viewable by everyone.",
            "policy todos.todos_insert",
            "policy todos.todos_select_again",
        ],
        "{run}"
    );
    for reason in [
        "draws from a sequence",
        "it applies to `public`",
        "has no index that starts with its columns",
        "calls `auth.uid()` once per row",
        "are both permissive for `authenticated` on `select`",
    ] {
        assert!(run.stderr.contains(reason), "missing `{reason}`:\n{run}");
    }
    let wrote = project
        .rebuild()
        .unwrap_or_else(|e| panic!("the pulled schema.toml builds: {e}"));
    assert!(wrote.is_empty(), "{wrote:?}");
    // Everything else is described exactly: drift finds what pull listed, and nothing more.
    let drift = supaschema(project.path(), &["drift", "--json", "--db-url", &original.url()], &[]);
    let mut objects: Vec<String> = crate::common::json_findings(&drift)
        .into_iter()
        .map(|(_, object, _)| object)
        .collect();
    objects.sort();
    assert_eq!(objects, left_out, "{drift}");
    let text = std::fs::read_to_string(project.path().join("schema.toml")).expect("schema.toml");
    assert!(
        text.contains("grants = { authenticated = [\"select\", \"insert\"]"),
        "the privileges the database grants are kept:\n{text}"
    );
}

#[test]
fn a_pull_that_cannot_write_writes_nothing() {
    let source = TempProject::new(&fixture("minimal"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);

    // The lock cannot be written (supabase/ is a file): no schema.toml either.
    let project = TempProject::empty();
    std::fs::write(project.path().join("supabase"), "not a folder").expect("write");
    let run = supaschema(project.path(), &["pull", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("cannot write"), "{run}");
    assert!(!project.path().join("schema.toml").exists(), "{run}");

    // schema.toml cannot be replaced (it is a folder): the lock written before it is taken back.
    let project = TempProject::empty();
    std::fs::create_dir_all(project.path().join("schema.toml")).expect("mkdir");
    let run = supaschema(project.path(), &["pull", "--force", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(!project.project().lock_path.exists(), "the lock was taken back\n{run}");
}

#[test]
fn a_database_the_generator_refuses_as_a_whole_is_one_clear_error() {
    let source = TempProject::new(&fixture("everything"));
    let mut original = TestDb::new(Grants::Explicit);
    source.migrate(&mut original);
    // The audit trail can now be rewritten: the generator refuses an audit table that is not
    // append-only, and that is about the whole schema, not one object pull could leave out.
    original.execute(
        "drop trigger events_append_only on public.events; drop trigger events_no_truncate on public.events;",
        "make the audit table writable",
    );
    let project = TempProject::empty();
    let run = supaschema(project.path(), &["pull", "--db-url", &original.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.starts_with("error: the database holds something"), "{run}");
    assert!(run.stderr.contains("would not build"), "{run}");
    assert!(
        run.stderr.contains("the audit table `events` is not append-only"),
        "{run}"
    );
    assert!(run.stderr.contains("schema.toml (as pulled, not written):"), "{run}");
    assert!(run.stderr.contains("nothing was written"), "{run}");
    assert!(!project.path().join("schema.toml").exists(), "{run}");
    assert!(!project.project().lock_path.exists(), "{run}");
}
