//! Every generated migration gets its reverse in `supabase/rollbacks/`, recorded in the lock
//! with what it destroys. The initial migration's reverse empties the database again; the
//! reverse of a widening narrows, and says so. (Each evolution case rolls back and applies
//! again in `evolution`; the command that runs the reverses is tested in the CLI's tests.)

use supaschema_build::rollback::{self, Change};
use supaschema_cli::catalog::read_catalog;
use supaschema_testkit::{
    FIXTURES, Grants, TempProject, TestDb, assert_same_as_fresh, comparable, fixture, run_migration,
};

fn changes(project: &TempProject) -> Vec<Change> {
    rollback::changes(&project.project()).expect("the lock and migrations agree")
}

#[test]
fn the_initial_migration_is_undone_to_an_empty_database() {
    let empty = comparable(read_catalog(&mut TestDb::new(Grants::Explicit).client).expect("catalog"));
    for name in FIXTURES {
        let schema = fixture(name);
        let project = TempProject::new(&schema);
        let mut db = TestDb::new(Grants::Explicit);
        project.migrate(&mut db);
        let changes = changes(&project);
        let reverse = changes[0]
            .reverse
            .as_ref()
            .unwrap_or_else(|why| panic!("{name}: {why}"));
        let model = supaschema_build::load_schema(&supaschema_build::SourceFile::new("schema.toml", schema.clone()))
            .expect("valid");
        for table in &model.tables {
            let loss = format!("drops the table {} with its data", table.name);
            assert!(
                reverse.losses.contains(&loss),
                "{name}: {loss:?} in {:?}",
                reverse.losses
            );
        }
        run_migration(&mut db.client, &reverse.sql).unwrap_or_else(|e| panic!("{name}: {e:?}\n{}", reverse.sql));
        let undone = comparable(read_catalog(&mut db.client).expect("catalog"));
        assert_eq!(undone, empty, "{name}: rolled back\n{}", reverse.sql);
        project.migrate(&mut db);
        assert_same_as_fresh(&project, &mut db, &schema, &format!("{name}, applied again"));
    }
}

#[test]
fn what_a_reverse_destroys_is_recorded() {
    const BASE: &str = r#"
[tables.visits.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
seats = { type = "integer", default = "1", class = "administrative" }
"#;
    let mut project = TempProject::new(BASE);
    project
        .build(&BASE.replace("\"integer\"", "\"bigint\""))
        .expect("widening builds without permission");
    let widened = changes(&project);
    let reverse = widened[1].reverse.as_ref().expect("a reverse");
    assert_eq!(
        reverse.losses,
        ["narrows visits.seats from bigint to integer, which values may not fit"]
    );
    assert!(
        reverse.sql.contains("alter column seats type integer"),
        "{}",
        reverse.sql
    );

    // A comment loses nothing.
    project
        .build(&BASE.replace("\"integer\"", "\"bigint\"").replace(
            "[tables.visits.columns]",
            "[tables.visits]\ncomment = \"A visit.\"\n\n[tables.visits.columns]",
        ))
        .expect("a comment builds");
    let commented = changes(&project);
    assert_eq!(commented.len(), 3);
    assert_eq!(
        commented[2].reverse.as_ref().expect("a reverse").losses,
        Vec::<String>::new()
    );
}
