//! Generated migrations through the pinned Supabase CLI: each later schema change is one
//! migration (and a second for what runs after it committed) that `supabase db push` applies
//! after the ones already on the database.

use supaschema_testkit::{Grants, SupabaseCli, TempProject, TestDb, history_rows};

/// Each later schema change is one migration that `supabase db push` applies after the ones
/// already on the database, and nothing else.
#[test]
fn db_push_applies_each_later_migration_after_the_earlier_ones() {
    const SCHEMA: &str = patients_schema!("fax = { type = \"text\", nullable = true, class = \"administrative\" }\n");
    let edits = [
        SCHEMA.replace(
            "fax = {",
            "email = { type = \"text\", nullable = true, class = \"phi\" }\nfax = {",
        ),
        SCHEMA
            .replace(
                "fax = {",
                "email = { type = \"text\", nullable = true, class = \"phi\" }\nfax = {",
            )
            .replace("full_name = { type", "name = { renamed_from = \"full_name\", type"),
        SCHEMA
            .replace(
                "fax = { type = \"text\", nullable = true, class = \"administrative\" }\n",
                "",
            )
            .replace("full_name = { type", "name = { type")
            .replace(
                "indexes = [{ columns = [\"doctor_id\"] }]",
                "indexes = [{ columns = [\"doctor_id\"] }, { columns = [\"name\"] }]\nunique = [[\"doctor_id\", \"name\"]]",
            )
            + "email = { type = \"text\", nullable = true, class = \"phi\" }\n\n[migration]\nallow_drop = [\"patients.fax\"]\n",
    ];
    let cli = SupabaseCli::new();
    let mut project = TempProject::new(SCHEMA);
    let mut db = TestDb::new(Grants::Explicit);
    let url = db.url();
    let workdir = project.dir.path().to_str().expect("UTF-8 path").to_owned();
    let push = |project: &TempProject| {
        cli.run_in(
            project.dir.path(),
            &["db", "push", "--db-url", &url, "--yes", "--workdir", &workdir],
        )
    };
    let output = push(&project);
    output.assert_success("push");
    assert_eq!(history_rows(&mut db.client).len(), 1);
    for (step, edit) in edits.iter().enumerate() {
        let before = project.migrations().len();
        project.build(edit).unwrap_or_else(|e| panic!("edit {step}: {e}"));
        let migrations = project.migrations();
        // The last edit adds an index and a unique key to a table that may hold rows: built
        // concurrently, in a second file.
        let expected = if step == 2 { 2 } else { 1 };
        assert_eq!(migrations.len(), before + expected, "edit {step}: new migrations");
        let output = push(&project);
        output.assert_success("push");
        let all_output = output.all_output();
        let applied: Vec<&str> = all_output
            .lines()
            .filter(|l| l.contains("Applying migration"))
            .map(str::trim)
            .collect();
        let expected: Vec<String> = migrations[before..]
            .iter()
            .map(|(name, _)| format!("Applying migration {name}..."))
            .collect();
        assert_eq!(applied, expected, "edit {step}\n{output}");
        let recorded: Vec<String> = history_rows(&mut db.client)
            .into_iter()
            .map(|(version, name, _)| format!("{version}_{name}.sql"))
            .collect();
        let local: Vec<String> = migrations.iter().map(|(name, _)| name.clone()).collect();
        assert_eq!(recorded, local, "edit {step}");
    }
    let columns: Vec<String> = db
        .client
        .query(
            "select column_name::text from information_schema.columns where table_name = 'patients' order by 1",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(columns, vec!["doctor_id", "email", "id", "name"]);
    let valid: bool = db
        .client
        .query_one(
            "select indisvalid from pg_index where indexrelid = 'public.patients_name_idx'::regclass",
            &[],
        )
        .expect("the concurrently built index exists")
        .get(0);
    assert!(valid);
    let unique: String = db
        .client
        .query_one(
            "select pg_get_constraintdef(oid) from pg_constraint where conname = 'patients_doctor_id_name_key'",
            &[],
        )
        .expect("the unique key took its index over")
        .get(0);
    assert_eq!(unique, "UNIQUE (doctor_id, name)");
}
