//! `owner = { membership = {...} }`: rows belong to a group, and the group's members, listed in a
//! membership table, act on them by their role. Tested as PostgREST calls the database: three
//! signed-in users in two groups (an owner and a member of one, an outsider who belongs to the
//! other), as `authenticated`.

use postgres::error::SqlState;
use supaschema::Actor;
use supaschema_build::{Error, Problem};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh};
use uuid::Uuid;

/// Workspaces, their memberships (which members see through the membership rule too: the
/// policy on `memberships` calls the lookup that reads `memberships`) and their projects.
fn teams_schema() -> String {
    supaschema_testkit::fixture("teams")
}

/// Two workspaces: `owner` and `member` in the first, `outsider` the owner of the second, with
/// one project each. Set up by the backend (service_role), which bypasses row level security.
struct Teams {
    db: TestDb,
    owner: Actor,
    member: Actor,
    outsider: Actor,
    first: Uuid,
    second: Uuid,
}

fn teams(project: &TempProject) -> Teams {
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (owner, member, outsider) = (db.create_user(), db.create_user(), db.create_user());
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    db.act(Actor::service_role(), |tx| {
        tx.execute(
            "insert into public.workspaces (id, name) values ($1, 'First'), ($2, 'Second')",
            &[&first, &second],
        )
        .expect("workspaces");
        tx.execute(
            "insert into public.memberships (workspace_id, user_id, role)
             values ($1, $3, 'owner'), ($1, $4, 'member'), ($2, $5, 'owner')",
            &[&first, &second, &owner, &member, &outsider],
        )
        .expect("memberships");
        tx.execute(
            "insert into public.projects (workspace_id, title) values ($1, 'First plan'), ($2, 'Second plan')",
            &[&first, &second],
        )
        .expect("projects");
    });
    let (owner, member, outsider) = (db.signed_in(owner), db.signed_in(member), db.signed_in(outsider));
    Teams {
        db,
        owner,
        member,
        outsider,
        first,
        second,
    }
}

/// The titles `actor` sees, and how many memberships.
fn sees(db: &mut TestDb, actor: &Actor) -> (Vec<String>, i64) {
    db.act(actor, |tx| {
        let titles = tx
            .query("select title from public.projects order by title", &[])
            .expect("select projects")
            .iter()
            .map(|row| row.get(0))
            .collect();
        let members: i64 = tx
            .query_one("select count(*) from public.memberships", &[])
            .expect("select memberships: the lookup does not recurse")
            .get(0);
        (titles, members)
    })
}

/// Runs `sql` as `actor`; the number of rows it changed, or the error's SQLSTATE.
fn write(db: &mut TestDb, actor: &Actor, sql: &str, group: Uuid) -> Result<u64, SqlState> {
    db.act(actor, |tx| {
        tx.execute("savepoint attempt", &[]).expect("savepoint");
        let outcome = tx.execute(sql, &[&group]);
        if outcome.is_err() {
            tx.execute("rollback to savepoint attempt", &[]).expect("rollback");
        }
        outcome.map_err(|e| e.code().cloned().expect("a database error"))
    })
}

#[test]
fn members_act_on_their_groups_rows_by_role_and_outsiders_see_nothing() {
    members_act_by_role(&teams_schema());
}

/// The same with the role column of an enum type, as Supabase's guides often have it.
#[test]
fn an_enum_role_column_decides_as_a_closed_set_does() {
    let text_role = r#"role = { type = "text", values = ["owner", "member"], class = "administrative" }"#;
    let teams = teams_schema();
    assert!(teams.contains(text_role), "the fixture's role column");
    let schema = format!(
        "{}\n[enums.member_role]\nvalues = [\"owner\", \"member\"]\n",
        teams.replacen(
            text_role,
            r#"role = { type = "member_role", class = "administrative" }"#,
            1
        )
    );
    members_act_by_role(&schema);
    // A rule naming a role the enum lacks is refused as for a closed set.
    let wrong = schema.replacen("write = [\"owner\"", "write = [\"admin\"", 1);
    let refused = supaschema_build::load_schema(&supaschema_build::SourceFile::new("schema.toml", wrong));
    let problem = refused.as_ref().err().map(|e| e.problem().clone());
    assert_eq!(
        problem,
        Some(supaschema_build::Problem::MembershipRoleUnknown {
            role: "admin".into(),
            table: "memberships".into(),
            column: "role".into(),
            values: "owner, member".into(),
        }),
        "{:?}",
        refused.err().map(|e| e.summary())
    );
}

/// Two workspaces' members and an outsider reading and writing under the membership rules of
/// `schema` (the teams fixture, or a variant of it).
fn members_act_by_role(schema: &str) {
    let project = TempProject::new(schema);
    let Teams {
        mut db,
        owner,
        member,
        outsider,
        first,
        second,
    } = teams(&project);
    let db = &mut db;

    assert_eq!(sees(db, &owner), (vec!["First plan".to_owned()], 2));
    assert_eq!(sees(db, &member), (vec!["First plan".to_owned()], 2));
    assert_eq!(sees(db, &outsider), (vec!["Second plan".to_owned()], 1));

    let insert = "insert into public.projects (workspace_id, title) values ($1, 'New')";
    let rename = "update public.projects set title = title || '!' where workspace_id = $1";
    let delete = "delete from public.projects where workspace_id = $1";
    // Writers of the first workspace: its owner and its member.
    assert_eq!(write(db, &owner, insert, first), Ok(1));
    assert_eq!(write(db, &member, insert, first), Ok(1));
    assert_eq!(write(db, &member, rename, first), Ok(3));
    // Only an owner deletes; the member's delete reaches no row.
    assert_eq!(write(db, &member, delete, first), Ok(0));
    // The outsider can neither add to nor change nor delete the first workspace's rows.
    assert_eq!(
        write(db, &outsider, insert, first),
        Err(SqlState::INSUFFICIENT_PRIVILEGE)
    );
    assert_eq!(write(db, &outsider, rename, first), Ok(0));
    assert_eq!(write(db, &outsider, delete, first), Ok(0));
    // Nor can the member move a row into a workspace it does not belong to.
    assert_eq!(
        write(
            db,
            &member,
            "update public.projects set workspace_id = $1 where title = 'New!'",
            second
        ),
        Err(SqlState::INSUFFICIENT_PRIVILEGE)
    );
    assert_eq!(write(db, &owner, delete, first), Ok(3));
    // Memberships follow the same rule: the member cannot add itself to the other workspace,
    // nor promote itself; the owner can change roles.
    assert_eq!(
        write(
            db,
            &member,
            "update public.memberships set role = 'owner' where workspace_id = $1",
            first
        ),
        Ok(0)
    );
    assert_eq!(
        write(
            db,
            &owner,
            "update public.memberships set role = 'owner' where workspace_id = $1 and role = 'member'",
            first
        ),
        Ok(1)
    );
    assert_eq!(sees(db, &outsider), (vec!["Second plan".to_owned()], 1));
}

/// The lookup lives where the Data API does not reach it, runs as its owner with an empty
/// search path, and only `authenticated` may call it; a fresh build equals the migrated one.
#[test]
fn the_lookup_is_private_and_only_authenticated_calls_it() {
    let project = TempProject::new(&teams_schema());
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let row = db
        .client
        .query_one(
            "select p.prosecdef, p.proconfig, has_function_privilege('anon', p.oid, 'execute'),
                    has_function_privilege('authenticated', p.oid, 'execute')
               from pg_proc p where p.oid = 'private.memberships_member(uuid, text[])'::regprocedure",
            &[],
        )
        .expect("the lookup");
    let (definer, config, anon, authenticated): (bool, Vec<String>, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert!(definer);
    assert_eq!(config, ["search_path=\"\""]);
    assert!(!anon);
    assert!(authenticated);
    assert_same_as_fresh(&project, &mut db, &teams_schema(), "teams");
}

/// Each way to get the rule wrong names its line and the fix.
#[test]
fn a_wrong_membership_rule_names_its_line() {
    let cases = [
        (
            r#"table = "memberships", key = "workspace_id", write = ["owner", "member"], delete = ["owner"]"#,
            r#"table = "members", key = "workspace_id""#,
            Problem::MembershipTableUnknown {
                table: "members".into(),
            },
        ),
        (
            r#"write = ["owner", "member"], delete = ["owner"]"#,
            r#"write = ["owner", "admin"]"#,
            Problem::MembershipRoleUnknown {
                role: "admin".into(),
                table: "memberships".into(),
                column: "role".into(),
                values: "owner, member".into(),
            },
        ),
        (
            r#"table = "memberships", key = "workspace_id", write = ["owner", "member"]"#,
            r#"table = "memberships", key = "workspace_id", user = "role", write = ["owner", "member"]"#,
            Problem::MembershipColumnType {
                table: "memberships".into(),
                column: "role".into(),
                what: "user",
                found: "text".into(),
            },
        ),
        (
            r#"table = "memberships", key = "workspace_id", write = ["owner", "member"]"#,
            r#"table = "memberships", key = "workspace_id", role = "kind", write = ["owner", "member"]"#,
            Problem::UnknownColumn {
                table: "memberships".into(),
                column: "kind".into(),
                known: vec!["id".into(), "workspace_id".into(), "user_id".into(), "role".into()],
            },
        ),
    ];
    let teams = teams_schema();
    for (from, to, problem) in cases {
        assert!(teams.contains(from), "{from}");
        let schema = teams.replacen(from, to, 1);
        let line = schema.lines().position(|l| l.contains(to)).expect("the edited line") + 1;
        let mut project = TempProject::new(&teams_schema());
        match project.build(&schema) {
            Err(Error::Schema(e)) => {
                assert_eq!(e.problem(), &problem, "{e}");
                assert_eq!(e.line(), line, "{e}");
            }
            other => panic!("{to}: {other:?}"),
        }
    }
}

/// Each change to a membership rule: adding one (the lookup comes with it), changing its roles,
/// and taking the last one away (the lookup goes). Each migration, run on the previous state,
/// equals a fresh build, and its reverse gives the state before back.
#[test]
fn membership_rules_evolve_and_roll_back() {
    let projects_rule = r#"owner = { membership = { table = "memberships", key = "workspace_id", write = ["owner", "member"], delete = ["owner"] } }"#;
    let plain = |schema: &str| {
        schema
            .replace(
                r#"owner = { membership = { table = "memberships", key = "id", group = "workspace_id", write = ["owner"] } }"#,
                "grants = { service_role = [\"select\", \"insert\", \"update\", \"delete\"] }",
            )
            .replace(
                r#"owner = { membership = { table = "memberships", key = "workspace_id", write = ["owner"] } }"#,
                "grants = { service_role = [\"select\", \"insert\", \"update\", \"delete\"] }",
            )
            .replace(projects_rule, "grants = { service_role = [\"select\", \"insert\", \"update\", \"delete\"] }")
    };
    let teams = teams_schema();
    let none = plain(&teams).replace(r#"class = "phi""#, r#"class = "administrative""#);
    assert!(!none.contains("owner = { membership"), "{none}");
    let steps = [
        ("add the rules", teams.clone()),
        (
            "change the roles",
            teams.replace(projects_rule, &projects_rule.replace(r#", delete = ["owner"]"#, "")),
        ),
        ("remove the rules", none.clone()),
    ];
    let mut project = TempProject::new(&none);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let mut before = none;
    for (step, schema) in steps {
        project.build(&schema).unwrap_or_else(|e| panic!("{step}: {e}"));
        let (file, sql) = project.migrations().pop().expect("a migration");
        db.execute(&sql, step);
        assert_same_as_fresh(&project, &mut db, &schema, step);
        let reverse = project
            .reverse(&file)
            .unwrap_or_else(|why| panic!("{step}: no reverse: {why}"));
        db.execute(&reverse.sql, &format!("{step}, rolled back"));
        assert_same_as_fresh(&project, &mut db, &before, &format!("{step}, rolled back"));
        db.execute(&sql, &format!("{step}, again"));
        before = schema;
    }
}
