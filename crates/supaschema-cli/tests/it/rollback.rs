//! `supaschema rollback`: the newest applied migrations are undone by their generated reverses,
//! each in one transaction with the removal of its history row, and can be pushed again. A
//! reverse that destroys data needs `--allow-data-loss`; a hand-written migration, or one
//! without a reverse, stops the rollback before it; every refusal changes nothing.

use crate::common::{Run, fixture_project, supaschema};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh, history_versions};

const NAME: &str = "name = { type = \"text\", class = \"public\" }\n";

/// `workspaces.name` renamed: a change whose reverse loses nothing.
const RENAMED: &str = "title = { type = \"text\", class = \"public\", renamed_from = \"name\" }\n";

fn schema_text(project: &TempProject) -> String {
    std::fs::read_to_string(project.path().join("schema.toml")).expect("schema.toml")
}

fn edit_schema(project: &mut TempProject, from: &str, to: &str) -> String {
    let text = schema_text(project);
    assert!(text.contains(from), "schema.toml contains {from:?}");
    let edited = text.replacen(from, to, 1);
    project.build(&edited).expect("the change builds");
    edited
}

fn push(project: &TempProject, db: &TestDb) {
    let pushed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(pushed.code, Some(0), "{pushed}");
}

/// The fixture pushed to a new database, and its schema.toml as pushed.
fn pushed_fixture() -> (TempProject, TestDb, String) {
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    push(&project, &db);
    let schema = schema_text(&project);
    (project, db, schema)
}

/// Edits schema.toml, builds the change and pushes it; the edited schema.
fn push_change(project: &mut TempProject, db: &TestDb, from: &str, to: &str) -> String {
    let edited = edit_schema(project, from, to);
    push(project, db);
    edited
}

/// `supaschema rollback --db-url <db> <args>`, which exits with `code`.
fn rollback(project: &TempProject, db: &TestDb, args: &[&str], code: i32) -> Run {
    let url = db.url();
    let run = supaschema(
        project.path(),
        &[&["rollback", "--db-url", url.as_str()][..], args].concat(),
        &[],
    );
    assert_eq!(run.code, Some(code), "{run}");
    run
}

fn assert_says(run: &Run, words: &[&str]) {
    for words in words {
        assert!(run.stderr.contains(words), "says {words:?}:\n{run}");
    }
}

/// A rollback that exits 1 saying `words`, with exactly `applied` still in the history.
fn assert_rollback_fails(
    project: &TempProject,
    db: &mut TestDb,
    args: &[&str],
    words: &[&str],
    applied: &[String],
) -> Run {
    let run = rollback(project, db, args, 1);
    assert_says(&run, words);
    assert_eq!(history_versions(&mut db.client), applied, "nothing changed:\n{run}");
    run
}

/// A rollback that succeeds, leaving exactly `applied` in the history and the database as a
/// fresh build of `schema`.
fn assert_rolled_back(
    project: &TempProject,
    db: &mut TestDb,
    args: &[&str],
    applied: &[String],
    schema: &str,
    context: &str,
) -> Run {
    let run = rollback(project, db, args, 0);
    assert_eq!(
        history_versions(&mut db.client),
        applied,
        "{context}: the history:\n{run}"
    );
    assert_same_as_fresh(project, db, schema, context);
    run
}

/// Pushed again after a rollback: every migration is applied, and the database is a fresh
/// build of `schema`.
fn assert_pushed_again(project: &TempProject, db: &mut TestDb, schema: &str) {
    push(project, db);
    assert_eq!(history_versions(&mut db.client), project.migration_versions());
    assert_same_as_fresh(project, db, schema, "pushed again");
}

#[test]
fn the_newest_migration_is_rolled_back_keeping_its_data_and_pushed_again() {
    let (mut project, mut db, original) = pushed_fixture();
    let owner = db.create_user();
    db.client
        .execute(
            "insert into public.workspaces (owner_id, name) values ($1, 'A practice')",
            &[&owner],
        )
        .expect("insert a workspace");
    // A rename loses nothing: rolled back, the value is under the old name again.
    let renamed = push_change(&mut project, &db, NAME, RENAMED);
    let versions = project.migration_versions();

    let rolled = assert_rolled_back(&project, &mut db, &[], &versions[..1], &original, "rolled back");
    assert!(rolled.stdout.contains("supabase/rollbacks/"), "{rolled}");
    let name: String = db
        .client
        .query_one("select name from public.workspaces", &[])
        .expect("the row")
        .get(0);
    assert_eq!(name, "A practice");

    assert_pushed_again(&project, &mut db, &renamed);
    let check = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(check.code, Some(0), "{check}");
}

#[test]
fn a_reverse_that_destroys_data_needs_allow_data_loss() {
    let (mut project, mut db, original) = pushed_fixture();
    push_change(
        &mut project,
        &db,
        NAME,
        &format!("{NAME}motto = {{ type = \"text\", nullable = true, class = \"public\" }}\n"),
    );
    let versions = history_versions(&mut db.client);

    let refused = assert_rollback_fails(
        &project,
        &mut db,
        &[],
        &[
            "would destroy data",
            "workspaces.motto",
            "--allow-data-loss",
            "nothing was changed",
        ],
        &versions,
    );
    assert!(
        !refused.stderr.contains("postgresql://"),
        "no URL in the message:\n{refused}"
    );
    let column: i64 = db
        .client
        .query_one(
            "select count(*) from information_schema.columns where table_name = 'workspaces' and column_name = 'motto'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(column, 1, "the column is still there");

    assert_rolled_back(
        &project,
        &mut db,
        &["--allow-data-loss"],
        &versions[..1],
        &original,
        "rolled back",
    );
}

/// Newest first, down to `--to`; a hand-written migration stops the rollback before it, and so
/// does a migration generated before reverses were: each refusal up front, changing nothing.
#[test]
fn rollback_to_a_version_stops_before_what_it_cannot_undo() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let initial = project.migration_versions()[0].clone();
    let seed_version = (initial.parse::<u64>().expect("a number") + 1).to_string();
    project.add_migration(
        &format!("{seed_version}_seed.sql"),
        "-- Seed data would go here; this one changes no schema object.\nselect 1;\n",
    );
    let original = schema_text(&project);
    edit_schema(&mut project, "Opened first;", "The project opened first;");
    let renamed = push_change(&mut project, &db, NAME, RENAMED);
    let versions = project.migration_versions();
    assert_eq!(versions.len(), 4);
    let (comment_version, renamed_version) = (&versions[2], &versions[3]);

    assert_rollback_fails(
        &project,
        &mut db,
        &["--to", &initial],
        &[
            "_seed.sql is hand-written",
            "rollback stops before it",
            &format!("--to {seed_version}"),
            "nothing was changed",
        ],
        &versions,
    );
    assert_same_as_fresh(&project, &mut db, &renamed, "refused");

    let missing = rollback(&project, &db, &["--to", "19990101000000"], 2);
    assert!(missing.stderr.contains("is not applied"), "{missing}");

    let to_seed = assert_rolled_back(
        &project,
        &mut db,
        &["--to", &seed_version],
        &versions[..2],
        &original,
        "rolled back to the seed",
    );
    let renamed_at = to_seed
        .stdout
        .find(renamed_version.as_str())
        .expect("the rename is rolled back");
    let comment_at = to_seed
        .stdout
        .find(comment_version.as_str())
        .expect("the comment is rolled back");
    assert!(renamed_at < comment_at, "newest first:\n{to_seed}");

    assert_rollback_fails(&project, &mut db, &[], &["_seed.sql is hand-written"], &versions[..2]);

    // A migration the lock records without a reverse, as one generated by an older version.
    push(&project, &db);
    let lock_path = project.project().lock_path;
    let mut lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock_path).expect("lock")).expect("JSON");
    lock["migrations"][1]
        .as_object_mut()
        .expect("an entry")
        .remove("reverse");
    std::fs::write(&lock_path, serde_json::to_string_pretty(&lock).expect("JSON")).expect("write the lock");
    assert_rollback_fails(
        &project,
        &mut db,
        &["--to", &seed_version],
        &[
            "generated before supaschema wrote reverses, and has none: rollback stops before it",
            &format!("--to {comment_version}"),
        ],
        &versions,
    );
}

#[test]
fn an_edited_reverse_is_not_run() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    push_change(&mut project, &db, "Opened first;", "The project opened first;");
    let versions = history_versions(&mut db.client);
    let reverse = std::fs::read_dir(project.path().join("supabase/rollbacks"))
        .expect("the rollbacks folder")
        .map(|entry| entry.expect("entry").path())
        .max()
        .expect("a reverse");
    let text = std::fs::read_to_string(&reverse).expect("reverse");
    std::fs::write(&reverse, format!("{text}drop table public.tags cascade;\n")).expect("edit");

    let refused = assert_rollback_fails(
        &project,
        &mut db,
        &[],
        &[
            "supabase/rollbacks/",
            "was edited after it was generated",
            "restore the reverse",
        ],
        &versions,
    );
    assert!(
        !refused.stderr.contains("/tmp"),
        "the path is the project's:\n{refused}"
    );
}

/// A check added to a table that may hold rows is one change in two files; it is rolled back as
/// one, both history rows with it, and pushed again as two.
#[test]
fn a_change_written_as_two_files_is_rolled_back_as_one() {
    let (mut project, mut db, original) = pushed_fixture();
    let checked = edit_schema(
        &mut project,
        NAME,
        "name = { type = \"text\", class = \"public\", check = \"char_length(name) < 100\" }\n",
    );
    assert_eq!(project.migration_files().len(), 3, "the change and its validation");
    push(&project, &db);

    let versions = project.migration_versions();
    assert_rolled_back(&project, &mut db, &[], &versions[..1], &original, "rolled back");
    assert_pushed_again(&project, &mut db, &checked);
}

/// A reverse tests the rows first, as a migration does: rows written since the change that the
/// old rules refuse stop it, and the change stays applied.
#[test]
fn a_reverse_that_rows_written_since_would_break_stops_and_changes_nothing() {
    let (mut project, mut db, _) = pushed_fixture();
    let optional = push_change(
        &mut project,
        &db,
        NAME,
        "name = { type = \"text\", nullable = true, class = \"public\" }\n",
    );
    let versions = history_versions(&mut db.client);
    let owner = db.create_user();
    db.client
        .execute("insert into public.workspaces (owner_id) values ($1)", &[&owner])
        .expect("a workspace without a name");

    assert_rollback_fails(
        &project,
        &mut db,
        &[],
        &[
            "rolling back",
            "with supabase/rollbacks/",
            "23502",
            "1 row(s) of public.workspaces have no name, which the rollback makes not null",
            "nothing was rolled back",
            "stays applied",
        ],
        &versions,
    );
    assert_same_as_fresh(&project, &mut db, &optional, "the change stays applied");
}
