//! Functions as the Data API calls them: as `authenticated`, through row level security. A
//! function returning `setof` a table sees only the rows its caller may; an argument with a
//! default may be left out; a helper in `private` is reachable by the policies that call it and
//! by nobody over the API.

use supaschema::Actor;
use supaschema_testkit::{Grants, TempProject, TestDb};
use uuid::Uuid;

/// Doctors' patients; `my_patients` (rows of the table, at least `min_age` old), `patient_ages`
/// (a `table (…)` result) and the private helper `private.is_adult` that a policy calls.
const PATIENTS: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[functions.my_patients]
args = [{ name = "min_age", type = "integer", default = "0" }]
returns = "setof patients"
language = "sql"
volatility = "stable"
execute = ["authenticated"]
body = "select * from public.patients where age >= min_age order by age"

[functions.patient_ages]
returns = { table = [{ name = "patient_id", type = "uuid" }, { name = "age", type = "integer" }] }
language = "sql"
volatility = "stable"
execute = ["authenticated"]
body = "select id, age from public.patients order by age"

[functions."private.is_adult"]
args = [{ name = "age", type = "integer" }]
returns = "boolean"
language = "sql"
volatility = "immutable"
execute = ["authenticated"]
body = "select age >= 18"

[tables.patients]
owner = { column = "doctor_id" }
indexes = [{ columns = ["doctor_id"] }]

[[tables.patients.policies]]
name = "patients_adults_only"
command = "insert"
roles = ["authenticated"]
restrictive = true
with_check = "private.is_adult(age)"

[tables.patients.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
age = { type = "integer", class = "phi" }
"#;

struct Practice {
    db: TestDb,
    first: Actor,
    first_id: Uuid,
    second: Actor,
}

/// Two doctors: the first with patients aged 30 and 70, the second with one aged 50.
fn practice() -> Practice {
    let project = TempProject::new(PATIENTS);
    let mut db = TestDb::new(Grants::Explicit);
    project.migrate(&mut db);
    let (first, second) = (db.create_user(), db.create_user());
    db.act(Actor::service_role(), |tx| {
        tx.execute(
            "insert into public.patients (doctor_id, age) values ($1, 30), ($1, 70), ($2, 50)",
            &[&first, &second],
        )
        .expect("patients");
    });
    let first_id = first;
    let (first, second) = (db.signed_in(first), db.signed_in(second));
    Practice {
        db,
        first,
        first_id,
        second,
    }
}

fn ints(tx: &mut postgres::Transaction<'_>, sql: &str) -> Vec<i32> {
    tx.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn a_setof_function_returns_only_the_rows_its_caller_may_see() {
    let Practice {
        mut db, first, second, ..
    } = practice();
    let (mine, theirs) = (
        db.act(&first, |tx| ints(tx, "select age from public.my_patients()")),
        db.act(&second, |tx| ints(tx, "select age from public.my_patients()")),
    );
    assert_eq!((mine, theirs), (vec![30, 70], vec![50]));
    // `table (…)`: the same rule, under the result's own column names.
    let ages = db.act(&first, |tx| ints(tx, "select age from public.patient_ages()"));
    assert_eq!(ages, [30, 70]);
    let nobody = db.act(Actor::anon(), |tx| {
        tx.query("select * from public.my_patients()", &[])
            .map(|rows| rows.len())
            .map_err(|e| e.code().cloned())
    });
    assert_eq!(
        nobody,
        Err(Some(postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)),
        "anon may not call it"
    );
}

#[test]
fn an_argument_with_a_default_may_be_left_out() {
    let Practice { mut db, first, .. } = practice();
    let (omitted, given, named) = db.act(&first, |tx| {
        (
            ints(tx, "select age from public.my_patients()"),
            ints(tx, "select age from public.my_patients(40)"),
            ints(tx, "select age from public.my_patients(min_age => 40)"),
        )
    });
    assert_eq!(omitted, [30, 70], "the default, 0, keeps every row");
    assert_eq!((given, named), (vec![70], vec![70]));
}

#[test]
fn a_private_helper_serves_the_policies_and_no_one_calls_it_over_the_api() {
    let Practice {
        mut db,
        first,
        first_id,
        ..
    } = practice();
    let insert = |tx: &mut postgres::Transaction<'_>, age: i32| {
        tx.execute("savepoint attempt", &[]).expect("savepoint");
        let outcome = tx.execute(
            "insert into public.patients (doctor_id, age) values ($1, $2)",
            &[&first_id, &age],
        );
        if outcome.is_err() {
            tx.execute("rollback to savepoint attempt", &[]).expect("rollback");
        }
        outcome.map_err(|e| e.code().cloned())
    };
    let (adult, child) = db.act(&first, |tx| (insert(tx, 40), insert(tx, 9)));
    assert_eq!(adult, Ok(1), "the policy calls private.is_adult as the doctor");
    assert_eq!(child, Err(Some(postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)));
    // Usage on `private` for the roles `execute` names, and for no other.
    let usage: Vec<(String, bool)> = db
        .client
        .query(
            "select r, has_schema_privilege(r, 'private', 'usage')
               from unnest(array['anon', 'authenticated', 'service_role']) r order by r",
            &[],
        )
        .expect("schema privileges")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        usage,
        [
            ("anon".to_owned(), false),
            ("authenticated".to_owned(), true),
            ("service_role".to_owned(), false)
        ]
    );
}
