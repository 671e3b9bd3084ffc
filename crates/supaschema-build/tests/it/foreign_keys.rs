//! Foreign keys as PostgreSQL runs them: what a delete in the referenced table does to the rows
//! that refer to it.

use supaschema::Actor;
use supaschema_testkit::{Grants, TempProject, TestDb};
use uuid::Uuid;

/// Tasks of an organisation, each assigned to one of its members through the composite key
/// `(org_id, assignee_id)`: removing the member unassigns the task and keeps it in its
/// organisation.
const TASKS: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[tables.orgs.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }

[tables.org_members]
primary_key = ["org_id", "user_id"]
indexes = [{ columns = ["user_id"] }]

[tables.org_members.columns]
org_id = { type = "uuid", references = { table = "orgs", column = "id", on_delete = "cascade" }, class = "administrative" }
user_id = { type = "uuid", references = { table = "auth.users", column = "id", on_delete = "cascade" }, class = "administrative" }

[tables.tasks]
indexes = [{ columns = ["org_id", "assignee_id"] }]
foreign_keys = [{ columns = ["org_id", "assignee_id"], references = "org_members", references_columns = ["org_id", "user_id"], on_delete = { set_null = ["assignee_id"] } }]

[tables.tasks.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
org_id = { type = "uuid", references = { table = "orgs", column = "id", on_delete = "cascade" }, class = "administrative" }
assignee_id = { type = "uuid", nullable = true, class = "administrative" }
"#;

#[test]
fn deleting_a_member_clears_only_the_listed_column_of_the_composite_key() {
    let project = TempProject::new(TASKS);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let user = db.create_user();
    let (org, task) = (Uuid::new_v4(), Uuid::new_v4());
    let after = db.act(Actor::service_role(), |tx| {
        tx.execute("insert into public.orgs (id) values ($1)", &[&org])
            .expect("org");
        tx.execute(
            "insert into public.org_members (org_id, user_id) values ($1, $2)",
            &[&org, &user],
        )
        .expect("member");
        tx.execute(
            "insert into public.tasks (id, org_id, assignee_id) values ($1, $2, $3)",
            &[&task, &org, &user],
        )
        .expect("task");
        tx.execute(
            "delete from public.org_members where org_id = $1 and user_id = $2",
            &[&org, &user],
        )
        .expect("the member's removal");
        let row = tx
            .query_one("select org_id, assignee_id from public.tasks where id = $1", &[&task])
            .expect("the task stays");
        (row.get::<_, Uuid>(0), row.get::<_, Option<Uuid>>(1))
    });
    assert_eq!(
        after,
        (org, None),
        "the task keeps its organisation and loses its assignee"
    );
}
