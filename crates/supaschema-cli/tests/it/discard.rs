//! `supaschema discard`: the way out after a generated migration fails on push. It removes the
//! newest generated migration and rewinds the lock, so the fix is generated in its place; it
//! refuses when a named database has the migration applied, or when no database is named.

use crate::common::{fixture_project, require_default_project, supaschema};
use supaschema_testkit::{Grants, TempProject, TestDb, history_versions};

fn lock_text(project: &TempProject) -> String {
    std::fs::read_to_string(project.project().lock_path).expect("the lock")
}

#[test]
fn a_migration_that_failed_on_push_is_discarded_and_its_fix_generated_in_its_place() {
    let mut project = fixture_project();
    let mut db = TestDb::new(Grants::Explicit);
    let first = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    let owner = db.create_user();
    db.client
        .execute(
            "insert into public.workspaces (owner_id, name) values ($1, 'A practice')",
            &[&owner],
        )
        .expect("insert a workspace");
    let lock_before = lock_text(&project);
    let files_before = project.migration_files();

    // NOT NULL comes as two files: the check added in the first, NOT NULL set in the second.
    require_default_project(&mut project);
    assert_eq!(project.migration_files().len(), files_before.len() + 2);
    let failed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(failed.code, Some(1), "{failed}");
    assert!(
        failed.stderr.contains("supaschema discard"),
        "the failure names the way out:\n{failed}"
    );

    let unchecked = supaschema(project.path(), &["discard"], &[]);
    assert_eq!(unchecked.code, Some(2), "{unchecked}");
    assert!(unchecked.stderr.contains("--db-url"), "{unchecked}");
    assert_eq!(
        project.migration_files().len(),
        files_before.len() + 2,
        "a refusal removes nothing"
    );

    let discarded = supaschema(project.path(), &["discard", "--db-url", &db.url()], &[]);
    assert_eq!(discarded.code, Some(0), "{discarded}");
    assert_eq!(project.migration_files(), files_before);
    assert_eq!(
        lock_text(&project),
        lock_before,
        "the lock is rewound to the state before"
    );

    // The fix: the column stays nullable, and its comment says why. One migration, after the
    // applied ones.
    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        text.replace(
            "default_project_id = { type = \"uuid\", class = \"administrative\", comment = \"Opened first;",
            "default_project_id = { type = \"uuid\", nullable = true, class = \"administrative\", comment = \"Optional; opened first;",
        ),
    )
    .expect("write schema.toml");
    project.rebuild().expect("the fix builds");
    assert_eq!(project.migration_files().len(), files_before.len() + 1);
    let fixed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(fixed.code, Some(0), "{fixed}");
    assert_eq!(history_versions(&mut db.client), project.migration_versions());
    let check = supaschema(project.path(), &["check"], &[]);
    assert_eq!(check.code, Some(0), "{check}");
}

#[test]
fn an_applied_migration_is_not_discarded() {
    let mut project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    let elsewhere = TestDb::new(Grants::Explicit);
    require_default_project(&mut project);
    let pushed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(pushed.code, Some(0), "{pushed}");
    let before = project.snapshot();

    let refused = supaschema(
        project.path(),
        &["discard", "--db-url", &elsewhere.url(), "--db-url", &db.url()],
        &[],
    );
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(refused.stderr.contains("is applied on"), "{refused}");
    assert!(
        !refused.stderr.contains("postgresql://"),
        "no URL (password) in the message:\n{refused}"
    );
    assert_eq!(project.snapshot(), before, "nothing changed");
}

#[test]
fn only_one_step_back_and_only_the_newest_generated_migration() {
    let mut project = fixture_project();
    require_default_project(&mut project);
    let schema = project.path().join("schema.toml");
    let one_change = std::fs::read_to_string(&schema).expect("schema");
    let one_change_lock = lock_text(&project);
    std::fs::write(
        &schema,
        one_change.replace("Opened first;", "The project opened first;"),
    )
    .expect("write");
    project.rebuild().expect("a second change builds");

    let discarded = supaschema(project.path(), &["discard", "--force"], &[]);
    assert_eq!(discarded.code, Some(0), "{discarded}");
    let rewound = lock_text(&project);
    assert_ne!(
        rewound, one_change_lock,
        "the rewound lock no longer knows the state before it"
    );
    let rewound_lock: serde_json::Value = serde_json::from_str(&rewound).expect("JSON");
    let recorded: serde_json::Value = serde_json::from_str(&one_change_lock).expect("JSON");
    assert_eq!(rewound_lock["schema"], recorded["schema"]);
    assert_eq!(rewound_lock["migrations"], recorded["migrations"]);

    let before = project.snapshot();
    let again = supaschema(project.path(), &["discard", "--force"], &[]);
    assert_eq!(again.code, Some(2), "{again}");
    assert!(again.stderr.contains("does not record the schema before"), "{again}");
    assert_eq!(project.snapshot(), before);

    // A hand-written migration after the newest generated one: that one is no longer the newest.
    project.add_migration("29990101000000_seed.sql", "select 1;");
    let behind = supaschema(project.path(), &["discard", "--force"], &[]);
    assert_eq!(behind.code, Some(2), "{behind}");
    assert!(behind.stderr.contains("29990101000000_seed.sql follows"), "{behind}");
}

#[test]
fn discarding_the_initial_migration_leaves_an_unbuilt_project() {
    let mut project = fixture_project();
    let migration = project.migration_files();
    let original = std::fs::read(&migration[0]).expect("the initial migration");
    let discarded = supaschema(project.path(), &["discard", "--force"], &[]);
    assert_eq!(discarded.code, Some(0), "{discarded}");
    assert!(project.migration_files().is_empty());
    assert!(!project.project().lock_path.exists());
    project.rebuild().expect("builds again");
    assert_eq!(project.migration_files().len(), 1);
    assert_ne!(project.migration_files(), migration, "a new version, a minute later");
    assert_eq!(std::fs::read(&project.migration_files()[0]).expect("read"), original);
}

/// A check added to a table with rows is written as two files: the change, and the validation
/// that runs after it committed. Discard treats them as one: it refuses while either is applied,
/// and removes both.
#[test]
fn a_change_written_as_two_files_is_discarded_as_one() {
    const SCHEMA: &str = r#"
[tables.visits.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
seats = { type = "integer", default = "1", class = "administrative" }
"#;
    let mut project = TempProject::new(SCHEMA);
    let mut db = TestDb::new(Grants::Explicit);
    let mut partly = TestDb::new(Grants::Explicit);
    for target in [&db, &partly] {
        let first = supaschema(project.path(), &["push", "--db-url", &target.url()], &[]);
        assert_eq!(first.code, Some(0), "{first}");
    }
    db.execute(
        "insert into public.visits (seats) values (-1)",
        "a row the check refuses",
    );
    let lock_before = lock_text(&project);
    let files_before = project.migration_files();

    let checked = SCHEMA.replace("default = \"1\",", "default = \"1\", check = \"seats > 0\",");
    project.build(&checked).expect("the check builds");
    let files = project.migration_files();
    assert_eq!(files.len(), files_before.len() + 2, "{files:?}");
    // The change tests the row first and stops: nothing of it is applied.
    let failed = supaschema(project.path(), &["push", "--db-url", &db.url()], &[]);
    assert_eq!(failed.code, Some(1), "{failed}");
    assert_eq!(history_versions(&mut db.client).len(), 1, "{failed}");
    // Elsewhere the change applied but its validation is not recorded.
    let pushed = supaschema(project.path(), &["push", "--db-url", &partly.url()], &[]);
    assert_eq!(pushed.code, Some(0), "{pushed}");
    let validation = history_versions(&mut partly.client)
        .pop()
        .expect("the validation's version");
    partly.execute(
        &format!("delete from supabase_migrations.schema_migrations where version = '{validation}'"),
        "forget the validation",
    );

    let refused = supaschema(
        project.path(),
        &["discard", "--db-url", &db.url(), "--db-url", &partly.url()],
        &[],
    );
    assert_eq!(refused.code, Some(1), "{refused}");
    assert_eq!(project.migration_files(), files, "a refusal removes nothing");

    let discarded = supaschema(project.path(), &["discard", "--db-url", &db.url()], &[]);
    assert_eq!(discarded.code, Some(0), "{discarded}");
    assert_eq!(project.migration_files(), files_before);
    assert_eq!(lock_text(&project), lock_before, "the lock is rewound to before both");
}
