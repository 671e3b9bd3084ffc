//! `supaschema rollback`: the newest applied migrations are undone by their generated reverses,
//! each in one transaction with the removal of its history row, and can be pushed again. A
//! reverse that destroys data needs `--allow-data-loss`; a hand-written migration, or one
//! without a reverse, stops the rollback before it; every refusal changes nothing.

use crate::common::{fixture_project, supaschema};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh, fixture, history_versions};

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

const NAME: &str = "name = { type = \"text\", class = \"public\" }\n";

#[test]
fn the_newest_migration_is_rolled_back_keeping_its_data_and_pushed_again() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    push(&project, &db);
    let original = schema_text(&project);
    let owner = db.create_user();
    db.client
        .execute(
            "insert into public.workspaces (owner_id, name) values ($1, 'A practice')",
            &[&owner],
        )
        .expect("insert a workspace");
    // A rename loses nothing: rolled back, the value is under the old name again.
    let renamed = edit_schema(
        &mut project,
        NAME,
        "title = { type = \"text\", class = \"public\", renamed_from = \"name\" }\n",
    );
    push(&project, &db);
    let versions = project.migration_versions();

    let rolled = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(rolled.code, Some(0), "{rolled}");
    assert!(rolled.stdout.contains("supabase/rollbacks/"), "{rolled}");
    assert_eq!(
        history_versions(&mut db.client),
        versions[..1],
        "its history row is gone"
    );
    assert_same_as_fresh(&project, &mut db, &original, "rolled back");
    let name: String = db
        .client
        .query_one("select name from public.workspaces", &[])
        .expect("the row")
        .get(0);
    assert_eq!(name, "A practice");

    push(&project, &db);
    assert_eq!(history_versions(&mut db.client), versions);
    assert_same_as_fresh(&project, &mut db, &renamed, "pushed again");
    let check = supaschema(project.path(), &["check", "--db-url", &db.url()], &[]);
    assert_eq!(check.code, Some(0), "{check}");
}

#[test]
fn a_reverse_that_destroys_data_needs_allow_data_loss() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    push(&project, &db);
    let original = schema_text(&project);
    edit_schema(
        &mut project,
        NAME,
        &format!("{NAME}motto = {{ type = \"text\", nullable = true, class = \"public\" }}\n"),
    );
    push(&project, &db);
    let versions = history_versions(&mut db.client);

    let refused = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(refused.code, Some(1), "{refused}");
    for words in [
        "would destroy data",
        "workspaces.motto",
        "--allow-data-loss",
        "nothing was changed",
    ] {
        assert!(refused.stderr.contains(words), "says {words:?}:\n{refused}");
    }
    assert!(
        !refused.stderr.contains("postgresql://"),
        "no URL in the message:\n{refused}"
    );
    assert_eq!(history_versions(&mut db.client), versions, "nothing changed");
    let column: i64 = db
        .client
        .query_one(
            "select count(*) from information_schema.columns where table_name = 'workspaces' and column_name = 'motto'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(column, 1, "the column is still there");

    let allowed = supaschema(
        project.path(),
        &["rollback", "--db-url", &db.url(), "--allow-data-loss"],
        &[],
    );
    assert_eq!(allowed.code, Some(0), "{allowed}");
    assert_same_as_fresh(&project, &mut db, &original, "rolled back");
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
    let renamed = edit_schema(
        &mut project,
        NAME,
        "title = { type = \"text\", class = \"public\", renamed_from = \"name\" }\n",
    );
    push(&project, &db);
    let versions = project.migration_versions();
    assert_eq!(versions.len(), 4);
    let (comment_version, renamed_version) = (&versions[2], &versions[3]);

    let past_seed = supaschema(
        project.path(),
        &["rollback", "--db-url", &db.url(), "--to", &initial],
        &[],
    );
    assert_eq!(past_seed.code, Some(1), "{past_seed}");
    for words in [
        "_seed.sql is hand-written",
        "rollback stops before it",
        &format!("--to {seed_version}"),
        "nothing was changed",
    ] {
        assert!(past_seed.stderr.contains(words), "says {words:?}:\n{past_seed}");
    }
    assert_eq!(history_versions(&mut db.client), versions, "nothing changed");
    assert_same_as_fresh(&project, &mut db, &renamed, "refused");

    let missing = supaschema(
        project.path(),
        &["rollback", "--db-url", &db.url(), "--to", "19990101000000"],
        &[],
    );
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(missing.stderr.contains("is not applied"), "{missing}");

    let to_seed = supaschema(
        project.path(),
        &["rollback", "--db-url", &db.url(), "--to", &seed_version],
        &[],
    );
    assert_eq!(to_seed.code, Some(0), "{to_seed}");
    let renamed_at = to_seed
        .stdout
        .find(renamed_version.as_str())
        .expect("the rename is rolled back");
    let comment_at = to_seed
        .stdout
        .find(comment_version.as_str())
        .expect("the comment is rolled back");
    assert!(renamed_at < comment_at, "newest first:\n{to_seed}");
    assert_eq!(history_versions(&mut db.client), versions[..2]);
    assert_same_as_fresh(&project, &mut db, &original, "rolled back to the seed");

    let at_seed = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(at_seed.code, Some(1), "{at_seed}");
    assert!(at_seed.stderr.contains("_seed.sql is hand-written"), "{at_seed}");

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
    let older = supaschema(
        project.path(),
        &["rollback", "--db-url", &db.url(), "--to", &seed_version],
        &[],
    );
    assert_eq!(older.code, Some(1), "{older}");
    assert!(
        older
            .stderr
            .contains("generated before supaschema wrote reverses, and has none: rollback stops before it"),
        "{older}"
    );
    assert!(older.stderr.contains(&format!("--to {comment_version}")), "{older}");
    assert_eq!(history_versions(&mut db.client), versions, "nothing changed");
}

#[test]
fn an_edited_reverse_is_not_run() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    edit_schema(&mut project, "Opened first;", "The project opened first;");
    push(&project, &db);
    let versions = history_versions(&mut db.client);
    let reverse = std::fs::read_dir(project.path().join("supabase/rollbacks"))
        .expect("the rollbacks folder")
        .map(|entry| entry.expect("entry").path())
        .max()
        .expect("a reverse");
    let text = std::fs::read_to_string(&reverse).expect("reverse");
    std::fs::write(&reverse, format!("{text}drop table public.tags cascade;\n")).expect("edit");

    let refused = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(refused.code, Some(1), "{refused}");
    for words in [
        "supabase/rollbacks/",
        "was edited after it was generated",
        "restore the reverse",
    ] {
        assert!(refused.stderr.contains(words), "says {words:?}:\n{refused}");
    }
    assert!(
        !refused.stderr.contains("/tmp"),
        "the path is the project's:\n{refused}"
    );
    assert_eq!(history_versions(&mut db.client), versions);
}

/// A check added to a table that may hold rows is one change in two files; it is rolled back as
/// one, both history rows with it, and pushed again as two.
#[test]
fn a_change_written_as_two_files_is_rolled_back_as_one() {
    let mut project = TempProject::new(&fixture("multi_tenant"));
    let mut db = TestDb::new(Grants::Explicit);
    push(&project, &db);
    let original = schema_text(&project);
    let checked = edit_schema(
        &mut project,
        NAME,
        "name = { type = \"text\", class = \"public\", check = \"char_length(name) < 100\" }\n",
    );
    assert_eq!(project.migration_files().len(), 3, "the change and its validation");
    push(&project, &db);

    let rolled = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(rolled.code, Some(0), "{rolled}");
    assert_eq!(history_versions(&mut db.client), project.migration_versions()[..1]);
    assert_same_as_fresh(&project, &mut db, &original, "rolled back");
    push(&project, &db);
    assert_eq!(history_versions(&mut db.client), project.migration_versions());
    assert_same_as_fresh(&project, &mut db, &checked, "pushed again");
}

/// A reverse tests the rows first, as a migration does: rows written since the change that the
/// old rules refuse stop it, and the change stays applied.
#[test]
fn a_reverse_that_rows_written_since_would_break_stops_and_changes_nothing() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    push(&project, &db);
    let optional = edit_schema(
        &mut project,
        NAME,
        "name = { type = \"text\", nullable = true, class = \"public\" }\n",
    );
    push(&project, &db);
    let versions = history_versions(&mut db.client);
    let owner = db.create_user();
    db.client
        .execute("insert into public.workspaces (owner_id) values ($1)", &[&owner])
        .expect("a workspace without a name");

    let failed = supaschema(project.path(), &["rollback", "--db-url", &db.url()], &[]);
    assert_eq!(failed.code, Some(1), "{failed}");
    for words in [
        "rolling back",
        "with supabase/rollbacks/",
        "23502",
        "1 row(s) of public.workspaces have no name, which the rollback makes not null",
        "nothing was rolled back",
        "stays applied",
    ] {
        assert!(failed.stderr.contains(words), "says {words:?}:\n{failed}");
    }
    assert_eq!(history_versions(&mut db.client), versions, "nothing changed");
    assert_same_as_fresh(&project, &mut db, &optional, "the change stays applied");
}
