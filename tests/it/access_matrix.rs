//! The whole access matrix: every table × {anon, owning doctor, other doctor, service_role, the
//! owner's id without the doctor claim, the owner's id signed in anonymously, backend acting for
//! the owning doctor's practice, backend acting for another} × {select, insert, update, delete},
//! under both grant regimes. The expected outcome of each case
//! is derived from the validated model (grants, RLS flag, policies and their expressions,
//! append-only triggers), never typed by hand; the observed outcome comes from attempting the
//! operation on a real row as the real role. Tenant attacks (rows naming another doctor, moving
//! a row, links to another doctor's rows, reads through joins and functions) follow the same
//! pattern. Every case runs in a transaction that is rolled back, so all see the same rows.

use crate::common::{Actor, DoctorRows, Grants, Migrate, OWNED_TABLES, TestDb, as_doctor, project_root, seed_doctor};
use postgres::Client;
use serde_json::Value;
use std::fmt;
use supaschema::{DbError, DbErrorKind};
use supaschema_build::model::{Command, Function, FunctionBody, Policy, Role, Schema, Table};
use supaschema_build::{SourceFile, load_schema};
use uuid::Uuid;

fn model() -> Schema {
    let text = std::fs::read_to_string(project_root().join("schema.toml")).expect("schema.toml");
    load_schema(&SourceFile::new("schema.toml", text)).expect("the committed schema is valid")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anon,
    OwningDoctor,
    OtherDoctor,
    ServiceRole,
    /// The owning doctor's `sub`, but a token without `app_metadata.role = doctor`; it claims
    /// `user_metadata.role = doctor`, which any user can write.
    UnmarkedOwner,
    /// The owning doctor's `sub` and claim, in an anonymous sign-in's token.
    AnonymousOwner,
    /// The bot's routine work, as `backend`, for the owning doctor's practice.
    Backend,
    /// `backend` for another doctor's practice.
    BackendForOther,
}

const WHO: [Who; 8] = [
    Who::Anon,
    Who::OwningDoctor,
    Who::OtherDoctor,
    Who::ServiceRole,
    Who::UnmarkedOwner,
    Who::AnonymousOwner,
    Who::Backend,
    Who::BackendForOther,
];

/// The setting the receptionist's `backend` policies read: the practice the bot acts for.
const PRACTICE: &str = "receptionist.doctor_id";
const COMMANDS: [Command; 4] = [Command::Select, Command::Insert, Command::Update, Command::Delete];

/// What happened, or should happen, to one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Allowed, and it touched the row.
    Affected,
    /// Allowed, but row level security hid the row: zero rows.
    Filtered,
    /// 42501: no privilege, a `with check` failed, or an append-only trigger refused.
    Denied,
    /// Refused by a constraint of this kind (a composite foreign key, say).
    Constraint(DbErrorKind),
    /// Anything else: always a failure of the case.
    Other(DbErrorKind),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

struct World {
    db: TestDb,
    schema: Schema,
    a: DoctorRows,
    b: DoctorRows,
    bypass_rls: Vec<Role>,
}

impl World {
    fn new(grants: Grants) -> World {
        let mut db = TestDb::new(grants);
        db.migrate();
        let a = seed_doctor(&mut db, 9);
        let b = seed_doctor(&mut db, 9);
        db.act(Actor::service_role(), |tx| {
            tx.execute(
                "insert into public.webhook_idempotency (provider, event_id, payload_sha256) values ('whatsapp', 'wamid.1', $1)",
                &[&"a".repeat(64)],
            )
            .expect("seed a webhook receipt");
            for doctor in [a.doctor, b.doctor] {
                let turn: Uuid = tx
                    .query_one(
                        "insert into public.ai_interactions (doctor_id, model, prompt_tokens, completion_tokens, latency_ms, outcome)
                         values ($1, 'gpt-4o-mini', 10, 5, 100, 'answered') returning id",
                        &[&doctor],
                    )
                    .expect("seed an AI turn")
                    .get(0);
                tx.execute(
                    "insert into public.ai_tool_calls (interaction_id, doctor_id, tool, duration_ms, succeeded)
                     values ($1, $2, 'check_availability', 20, true)",
                    &[&turn, &doctor],
                )
                .expect("seed a tool call");
            }
        });
        let bypass_rls = Role::ALL
            .into_iter()
            .filter(|role| {
                db.client
                    .query_one("select rolbypassrls from pg_roles where rolname = $1", &[&role.sql()])
                    .expect("role exists")
                    .get(0)
            })
            .collect();
        World {
            db,
            schema: model(),
            a,
            b,
            bypass_rls,
        }
    }

    fn doctor(&self, who: Who) -> Option<Uuid> {
        match who {
            Who::OwningDoctor | Who::UnmarkedOwner | Who::AnonymousOwner | Who::Backend => Some(self.a.doctor),
            Who::OtherDoctor | Who::BackendForOther => Some(self.b.doctor),
            _ => None,
        }
    }

    fn actor(&self, who: Who) -> Actor {
        let doctor = || self.doctor(who).expect("a doctor");
        match who {
            Who::Anon => Actor::anon(),
            Who::ServiceRole => Actor::service_role(),
            Who::UnmarkedOwner => Actor::user(doctor()).user_metadata("role", Value::String("doctor".into())),
            Who::AnonymousOwner => as_doctor(Actor::anonymous(doctor())),
            Who::OwningDoctor | Who::OtherDoctor => as_doctor(Actor::user(doctor())),
            Who::Backend | Who::BackendForOther => Actor::backend().setting(PRACTICE, &doctor().to_string()),
        }
    }

    /// The actor's JWT claims, as `request.jwt.claims` holds them.
    fn claims(&self, who: Who) -> String {
        Value::Object(self.actor(who).claims().clone()).to_string()
    }
}

fn role_of(who: Who) -> Role {
    match who {
        Who::Anon => Role::Anon,
        Who::ServiceRole => Role::ServiceRole,
        Who::Backend | Who::BackendForOther => Role::Backend,
        _ => Role::Authenticated,
    }
}

fn pk(table: &Table) -> &str {
    assert_eq!(table.primary_key.columns.len(), 1, "{}: single-column key", table.name);
    &table.primary_key.columns[0]
}

/// Columns naming the user a row belongs to: foreign keys to `auth.users`.
fn owner_columns(table: &Table) -> Vec<String> {
    table
        .foreign_keys
        .iter()
        .filter(|fk| fk.target_schema == "auth" && fk.target_table == "users" && fk.columns.len() == 1)
        .map(|fk| fk.columns[0].clone())
        .collect()
}

/// The row of `table` that belongs to `doctor` (or any row, when the table has no owner).
fn row_of(client: &mut Client, table: &Table, doctor: Uuid) -> (Uuid, Value) {
    let filter = match owner_columns(table).first() {
        Some(column) => format!("where t.{column} = $1"),
        None => "where $1::uuid is not null".to_owned(),
    };
    let row = client
        .query_one(
            &format!(
                "select t.{pk}, to_jsonb(t) from public.{name} t {filter} order by t.{pk} limit 1",
                pk = pk(table),
                name = table.name
            ),
            &[&doctor],
        )
        .unwrap_or_else(|e| panic!("a seeded row in {}: {e:?}", table.name));
    (row.get(0), row.get(1))
}

/// Evaluates a policy expression from the model on a row, with the actor's JWT claims set, as
/// the migration role (which bypasses RLS, so it sees the row whatever RLS says).
fn holds(w: &mut World, table: &Table, expr: &str, row: &Value, who: Who) -> bool {
    let claims = w.claims(who);
    let settings = w.actor(who).settings().to_vec();
    let mut tx = w.db.client.transaction().expect("begin");
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])
        .expect("claims");
    for (name, value) in &settings {
        tx.execute("select set_config($1, $2, true)", &[name, value])
            .expect("setting");
    }
    let sql = format!(
        "select coalesce(({expr}), false) from jsonb_populate_record(null::public.{t}, $1::jsonb) as {t}",
        t = table.name
    );
    let value: bool = tx
        .query_one(&sql, &[row])
        .unwrap_or_else(|e| panic!("evaluating `{expr}` on {}: {e:?}", table.name))
        .get(0);
    tx.rollback().expect("rollback");
    value
}

/// Whether `policies` (the model's for one role and command; `None` when row level security
/// does not apply) let `row` through: at least one permissive policy and every restrictive
/// one. `check` selects `with check` (falling back to `using`).
fn policies_pass(
    w: &mut World,
    table: &Table,
    who: Who,
    policies: Option<Vec<&Policy>>,
    row: &Value,
    check: bool,
) -> bool {
    let Some(applicable) = policies else {
        return true;
    };
    let clause = |p: &Policy| {
        if check {
            p.with_check.clone().or_else(|| p.using.clone())
        } else {
            p.using.clone()
        }
    };
    let mut any_permissive = false;
    for policy in applicable.iter().filter(|p| p.permissive) {
        if clause(policy).is_some_and(|e| holds(w, table, &e, row, who)) {
            any_permissive = true;
            break;
        }
    }
    any_permissive
        && applicable
            .iter()
            .filter(|p| !p.permissive)
            .all(|p| clause(p).is_none_or(|e| holds(w, table, &e, row, who)))
}

/// The outcome the model predicts for `who` running `command` on the row `old` (becoming
/// `new` for insert and update).
fn expected(w: &mut World, table: &Table, who: Who, command: Command, old: &Value, new: &Value) -> Outcome {
    let role = role_of(who);
    let access = table.access(role, command);
    if !access.granted {
        return Outcome::Denied;
    }
    // UPDATE and DELETE with a WHERE clause read the key: they need SELECT too.
    if matches!(command, Command::Update | Command::Delete) && !table.access(role, Command::Select).granted {
        return Outcome::Denied;
    }
    let visible =
        |w: &mut World, cmd: Command| policies_pass(w, table, who, table.access(role, cmd).policies, old, false);
    let writable =
        |w: &mut World, cmd: Command| policies_pass(w, table, who, table.access(role, cmd).policies, new, true);
    match command {
        Command::Select => {
            if visible(w, Command::Select) {
                Outcome::Affected
            } else {
                Outcome::Filtered
            }
        }
        Command::Insert => {
            if !writable(w, Command::Insert) || access.append_only {
                Outcome::Denied
            } else {
                Outcome::Affected
            }
        }
        Command::Update | Command::Delete => {
            if !(visible(w, command) && visible(w, Command::Select)) {
                Outcome::Filtered
            } else if (command == Command::Update && !writable(w, Command::Update)) || access.append_only {
                Outcome::Denied
            } else {
                Outcome::Affected
            }
        }
        Command::All => unreachable!("single commands only"),
    }
}

fn classify(result: Result<u64, postgres::Error>) -> Outcome {
    match result {
        Ok(0) => Outcome::Filtered,
        Ok(_) => Outcome::Affected,
        Err(e) => {
            let error = DbError::from(e);
            match error.kind() {
                DbErrorKind::PermissionDenied => Outcome::Denied,
                kind @ (DbErrorKind::ForeignKeyViolation
                | DbErrorKind::UniqueViolation
                | DbErrorKind::ExclusionViolation
                | DbErrorKind::CheckViolation
                | DbErrorKind::NotNullViolation) => Outcome::Constraint(kind),
                kind => Outcome::Other(kind),
            }
        }
    }
}

/// What one attempt writes or reads.
enum Attempt<'a> {
    Select(Uuid),
    /// Replaces the row `Uuid` by `Value` (the migration role takes the old one out first, with
    /// triggers off as Supabase lets it, so the insert meets no key or overlap of its own making).
    Replace(Uuid, &'a Value),
    /// `update … set <column> = <value> where key = id`; `None` sets the key to itself.
    Update(Uuid, Option<(&'a str, Value)>),
    Delete(Uuid),
}

/// Runs the attempt as `who` in a transaction that is rolled back.
fn observe(w: &mut World, table: &Table, who: Who, attempt: Attempt<'_>) -> Outcome {
    let actor = w.actor(who);
    let claims = w.claims(who);
    let (name, key) = (table.name.clone(), pk(table).to_owned());
    let mut tx = w.db.client.transaction().expect("begin");
    if let Attempt::Replace(id, _) = &attempt {
        tx.batch_execute("set local session_replication_role = replica")
            .expect("replica");
        tx.execute(&format!("delete from public.{name} where {key} = $1"), &[id])
            .expect("take the old row out");
        tx.batch_execute("set local session_replication_role = origin")
            .expect("origin");
    }
    let role = actor.role();
    tx.batch_execute(&format!("set local role {role}")).expect("role");
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])
        .expect("claims");
    for (name, value) in actor.settings() {
        tx.execute("select set_config($1, $2, true)", &[name, value])
            .expect("setting");
    }
    let result = match attempt {
        Attempt::Select(id) => tx
            .query_one(&format!("select count(*) from public.{name} where {key} = $1"), &[&id])
            .map(|r| r.get::<_, i64>(0) as u64),
        Attempt::Replace(_, row) => tx.execute(
            &format!("insert into public.{name} select * from jsonb_populate_record(null::public.{name}, $1::jsonb)"),
            &[row],
        ),
        Attempt::Update(id, None) => tx.execute(&format!("update public.{name} set {key} = {key} where {key} = $1"), &[&id]),
        Attempt::Update(id, Some((column, value))) => tx.execute(
            &format!(
                "update public.{name} set {column} = (jsonb_populate_record(null::public.{name}, $2::jsonb)).{column} where {key} = $1"
            ),
            &[&id, &Value::Object([(column.to_owned(), value)].into_iter().collect())],
        ),
        Attempt::Delete(id) => tx.execute(&format!("delete from public.{name} where {key} = $1"), &[&id]),
    };
    let _ = tx.rollback();
    classify(result)
}

#[derive(Default)]
struct Tally {
    cases: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, label: String, expected: Outcome, observed: Outcome) {
        self.cases += 1;
        if expected != observed {
            self.failures
                .push(format!("{label}: expected {expected}, observed {observed}"));
        }
    }

    /// A rule of the spec on top of the model: the attempt must not succeed.
    fn refused(&mut self, label: String, observed: Outcome) {
        if matches!(observed, Outcome::Affected | Outcome::Other(_)) {
            self.failures
                .push(format!("{label}: the attack was not refused ({observed})"));
        }
    }
}

fn matrix(w: &mut World, grants: Grants, tally: &mut Tally) {
    let tables = w.schema.tables.clone();
    for table in &tables {
        let (id, row) = row_of(&mut w.db.client, table, w.a.doctor);
        for who in WHO {
            for command in COMMANDS {
                let want = expected(w, table, who, command, &row, &row);
                let attempt = match command {
                    Command::Select => Attempt::Select(id),
                    Command::Insert => Attempt::Replace(id, &row),
                    Command::Update => Attempt::Update(id, None),
                    _ => Attempt::Delete(id),
                };
                let seen = observe(w, table, who, attempt);
                let label = format!("{grants:?} {} {who:?} {}", table.name, command.sql());
                // The spec's own words, on top of the model: a doctor never touches another
                // doctor's rows, anon gets nothing.
                // Nor may a user the backend did not mark as a doctor, nor an anonymous sign-in
                // write, nor the bot acting for another practice.
                let owned = !owner_columns(table).is_empty();
                let anonymous_write = who == Who::AnonymousOwner && command != Command::Select;
                let stranger = matches!(
                    who,
                    Who::OtherDoctor | Who::Anon | Who::UnmarkedOwner | Who::BackendForOther
                );
                if owned && (stranger || anonymous_write) {
                    tally.refused(label.clone(), seen);
                }
                tally.check(label, want, seen);
            }
        }
    }
}

fn with_value(row: &Value, column: &str, value: Value) -> Value {
    let mut row = row.clone();
    row[column] = value;
    row
}

fn tenant_attacks(w: &mut World, grants: Grants, tally: &mut Tally) {
    let tables = w.schema.tables.clone();
    for table in tables.iter().filter(|t| !owner_columns(t).is_empty()) {
        let (id, row) = row_of(&mut w.db.client, table, w.a.doctor);
        let b = Value::String(w.b.doctor.to_string());
        for column in owner_columns(table) {
            // A's row, rewritten to name doctor B, inserted by A.
            let naming_b = with_value(&row, &column, b.clone());
            let want = expected(w, table, Who::OwningDoctor, Command::Insert, &naming_b, &naming_b);
            let seen = observe(w, table, Who::OwningDoctor, Attempt::Replace(id, &naming_b));
            let label = format!("{grants:?} {}: insert naming another doctor in {column}", table.name);
            tally.refused(label.clone(), seen);
            tally.check(label, want, seen);

            // A's own row moved to doctor B (`with check`).
            let want = expected(w, table, Who::OwningDoctor, Command::Update, &row, &naming_b);
            let seen = observe(
                w,
                table,
                Who::OwningDoctor,
                Attempt::Update(id, Some((&column, b.clone()))),
            );
            let label = format!("{grants:?} {}: move own row to another doctor via {column}", table.name);
            tally.refused(label.clone(), seen);
            tally.check(label, want, seen);
        }

        // Links from A's row to B's rows in other tables: appointments and conversations to B's
        // patient, messages into B's conversation. The owner columns stay A's, so RLS passes;
        // the composite foreign key, which includes the owner, must refuse the link.
        for fk in table.foreign_keys.iter().filter(|fk| fk.target_schema == "public") {
            let parent = w.schema.table(&fk.target_table).expect("parent table").clone();
            let (_, theirs) = row_of(&mut w.db.client, &parent, w.b.doctor);
            let owners = owner_columns(table);
            let mut linked = row.clone();
            for (column, target) in fk.columns.iter().zip(&fk.target_columns) {
                if !owners.contains(column) {
                    linked[column.as_str()] = theirs[target.as_str()].clone();
                }
            }
            // The model's reason for refusal: every owner column is part of the key, so the
            // referenced (their id, my id) pair cannot exist.
            let includes_owner = fk.columns.iter().any(|c| owners.contains(c));
            let rls = expected(w, table, Who::OwningDoctor, Command::Insert, &linked, &linked);
            let want = if rls == Outcome::Affected && includes_owner {
                Outcome::Constraint(DbErrorKind::ForeignKeyViolation)
            } else {
                rls
            };
            let seen = observe(w, table, Who::OwningDoctor, Attempt::Replace(id, &linked));
            let label = format!(
                "{grants:?} {}: insert linking to another doctor's {} via {}",
                table.name, parent.name, fk.name
            );
            tally.refused(label.clone(), seen);
            tally.check(label, want, seen);

            let first = fk
                .columns
                .iter()
                .find(|c| !owners.contains(c))
                .expect("a non-owner column")
                .clone();
            let seen = observe(
                w,
                table,
                Who::OwningDoctor,
                Attempt::Update(id, Some((&first, linked[first.as_str()].clone()))),
            );
            let label = format!(
                "{grants:?} {}: update re-linking to another doctor's {} via {}",
                table.name, parent.name, fk.name
            );
            tally.refused(label.clone(), seen);
            tally.check(label, want, seen);
        }
    }
}

/// Reads through joins: A joins own rows to a parent table on the foreign key's columns without
/// the owner, and cross joins every pair of owned tables; no row of B may come back.
fn join_reads(w: &mut World, grants: Grants, tally: &mut Tally) {
    let tables = w.schema.tables.clone();
    let b_ids: Vec<Uuid> = OWNED_TABLES.iter().map(|t| w.b.id_in(t)).collect();
    let owned: Vec<&Table> = tables.iter().filter(|t| !owner_columns(t).is_empty()).collect();
    let mut queries: Vec<(String, String)> = Vec::new();
    for table in &owned {
        for fk in table.foreign_keys.iter().filter(|fk| fk.target_schema == "public") {
            let owners = owner_columns(table);
            let on: Vec<String> = fk
                .columns
                .iter()
                .zip(&fk.target_columns)
                .filter(|(c, _)| !owners.contains(c))
                .map(|(c, t)| format!("t.{c} = p.{t}"))
                .collect();
            let parent = w.schema.table(&fk.target_table).expect("parent");
            queries.push((
                format!("join {} to {} on {}", table.name, parent.name, on.join(" and ")),
                format!(
                    "select p.{} from public.{} t join public.{} p on {}",
                    pk(parent),
                    table.name,
                    parent.name,
                    on.join(" and ")
                ),
            ));
        }
        for other in &owned {
            queries.push((
                format!("cross join {} × {}", table.name, other.name),
                format!(
                    "select o.{} from public.{} t cross join public.{} o",
                    pk(other),
                    table.name,
                    other.name
                ),
            ));
            queries.push((
                format!("lateral subquery {} → {}", table.name, other.name),
                format!(
                    "select s.{k} from public.{} t cross join lateral (select o.{k} from public.{} o where o.{k} <> t.{}) s",
                    table.name,
                    other.name,
                    pk(table),
                    k = pk(other)
                ),
            ));
        }
    }
    for (what, sql) in queries {
        let seen: Result<Vec<Uuid>, postgres::Error> = w.db.act(as_doctor(Actor::user(w.a.doctor)), |tx| {
            tx.query(&sql, &[]).map(|rows| rows.iter().map(|r| r.get(0)).collect())
        });
        tally.cases += 1;
        match seen {
            Ok(ids) if ids.iter().any(|id| b_ids.contains(id)) => tally
                .failures
                .push(format!("{grants:?} {what}: doctor A read doctor B's rows")),
            Ok(_) => {}
            Err(e) => tally.failures.push(format!("{grants:?} {what}: {}", DbError::from(e))),
        }
    }
}

/// Functions: who may call each is the model's `execute` (called with the caller's own ids);
/// any function authenticated may call must not reveal another doctor's data, nor answer
/// differently for their real ids than for ids that do not exist.
fn functions(w: &mut World, grants: Grants, tally: &mut Tally) {
    let functions = w.schema.functions.clone();
    // The table argument names `patients`, so the ids are patients' (a read function's are
    // its table's); a purpose is one of `audit_logs.purpose`'s values.
    let ids_of = |function: &Function, rows: &DoctorRows| -> Vec<Uuid> {
        match &function.body {
            FunctionBody::AuditedRead(read) => vec![rows.id_in(&read.table)],
            _ => vec![rows.patient],
        }
    };
    let b_patient_name: String =
        w.db.client
            .query_one("select full_name from public.patients where id = $1", &[&w.b.patient])
            .expect("B's patient")
            .get(0);
    for function in &functions {
        let (a_ids, b_ids) = (ids_of(function, &w.a), ids_of(function, &w.b));
        let call = |ids: &[Uuid]| -> String {
            let args: Vec<String> = function
                .args
                .iter()
                .map(|a| match a.sql_type.to_string().as_str() {
                    "uuid[]" => format!(
                        "array[{}]::uuid[]",
                        ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")
                    ),
                    "uuid" => format!("'{}'::uuid", ids[0]),
                    "text" if a.name == "purpose" => "'treatment'".to_owned(),
                    "text" => "'patients'".to_owned(),
                    other => panic!("no test value for a {other} argument of {}", function.name),
                })
                .collect();
            match function.returns.sql().starts_with("setof ") {
                // Every row it returns, as one text.
                true => format!(
                    "select (select string_agg(r::text, ', ') from public.{}({}) as r)",
                    function.name,
                    args.join(", ")
                ),
                false => format!("select public.{}({})::text", function.name, args.join(", ")),
            }
        };
        let own = call(&a_ids);
        let real = call(&b_ids);
        let made_up: Vec<Uuid> = b_ids.iter().map(|_| Uuid::new_v4()).collect();
        let fake = call(&made_up);
        for who in [Who::Anon, Who::OwningDoctor, Who::ServiceRole] {
            let role = role_of(who);
            let want = if function.execute.contains(&role) {
                Outcome::Affected
            } else {
                Outcome::Denied
            };
            let actor = w.actor(who);
            let run = |w: &mut World, sql: &str| -> (Outcome, Option<String>) {
                w.db.act(&actor, |tx| {
                    let result = tx.query_one(sql, &[]).map(|r| r.get::<_, Option<String>>(0));
                    let out = result.as_ref().ok().cloned().flatten();
                    let outcome = classify(result.map(|_| 1u64));
                    let _ = tx.batch_execute("rollback");
                    (outcome, out)
                })
            };
            let (seen, _) = run(w, &own);
            tally.check(format!("{grants:?} function {} as {who:?}", function.name), want, seen);
            if role == Role::Authenticated && seen == Outcome::Affected {
                let (seen, output) = run(w, &real);
                let (fake_seen, fake_output) = run(w, &fake);
                tally.cases += 1;
                let text = output.clone().unwrap_or_default();
                if b_ids.iter().any(|id| text.contains(&id.to_string())) || text.contains(&b_patient_name) {
                    tally
                        .failures
                        .push(format!("{grants:?} {} returned doctor B's data: {text}", function.name));
                }
                if (seen, output) != (fake_seen, fake_output) {
                    tally.failures.push(format!(
                        "{grants:?} {} answers differently for B's ids than for made-up ids",
                        function.name
                    ));
                }
            }
        }
    }
}

#[test]
fn the_whole_access_matrix_holds_under_both_grant_regimes() {
    let mut tally = Tally::default();
    let mut per_regime = Vec::new();
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut w = World::new(grants);
        // The model's expectations (and the data-protection report) assume Supabase's roles.
        let bypasses: Vec<Role> = Role::ALL.into_iter().filter(|r| r.bypasses_rls()).collect();
        assert_eq!(w.bypass_rls, bypasses, "only service_role bypasses RLS, as on Supabase");
        let before = tally.cases;
        matrix(&mut w, grants, &mut tally);
        let matrix_cases = tally.cases - before;
        tenant_attacks(&mut w, grants, &mut tally);
        join_reads(&mut w, grants, &mut tally);
        functions(&mut w, grants, &mut tally);
        per_regime.push((grants, matrix_cases, tally.cases - before));

        // Nothing above changed anything: every case was rolled back.
        for table in OWNED_TABLES {
            let count: i64 =
                w.db.client
                    .query_one(&format!("select count(*) from public.{table}"), &[])
                    .expect("count")
                    .get(0);
            assert_eq!(count, 2, "{table} still holds the two seeded rows");
        }
    }
    for (grants, matrix_cases, all) in &per_regime {
        println!("{grants:?}: {matrix_cases} matrix cases, {all} cases with attacks, joins and functions");
    }
    println!("access matrix: {} cases, {} failed", tally.cases, tally.failures.len());
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert_eq!(
        per_regime.iter().map(|(_, m, _)| m).sum::<usize>(),
        2 * model().tables.len() * WHO.len() * COMMANDS.len()
    );
}

/// The derivation is not vacuous: on the model it predicts the spec's headline facts.
#[test]
fn the_derived_expectations_say_what_the_spec_says() {
    let mut w = World::new(Grants::Explicit);
    let tables = w.schema.tables.clone();
    for table in &tables {
        let (_, row) = row_of(&mut w.db.client, table, w.a.doctor);
        let all = |w: &mut World, who: Who| -> Vec<Outcome> {
            COMMANDS
                .iter()
                .map(|c| expected(w, table, who, *c, &row, &row))
                .collect()
        };
        assert!(
            all(&mut w, Who::Anon).iter().all(|o| *o == Outcome::Denied),
            "anon gets nothing on {}",
            table.name
        );
        if !owner_columns(table).is_empty() {
            assert_eq!(
                all(&mut w, Who::OwningDoctor),
                vec![Outcome::Affected; 4],
                "{}",
                table.name
            );
            assert!(
                all(&mut w, Who::OtherDoctor).iter().all(|o| *o != Outcome::Affected),
                "{}",
                table.name
            );
            assert!(
                all(&mut w, Who::UnmarkedOwner).iter().all(|o| *o != Outcome::Affected),
                "a user the backend did not mark as a doctor gets nothing of {}",
                table.name
            );
            assert_eq!(
                all(&mut w, Who::AnonymousOwner)[0],
                Outcome::Affected,
                "an anonymous sign-in reads its own rows of {}",
                table.name
            );
            assert!(
                all(&mut w, Who::AnonymousOwner)[1..]
                    .iter()
                    .all(|o| *o != Outcome::Affected),
                "an anonymous sign-in writes nothing of {}",
                table.name
            );
            assert_eq!(
                all(&mut w, Who::ServiceRole),
                vec![Outcome::Affected; 4],
                "{}",
                table.name
            );
            assert!(
                all(&mut w, Who::BackendForOther)
                    .iter()
                    .all(|o| *o != Outcome::Affected),
                "backend acting for another practice gets nothing of {}",
                table.name
            );
        }
    }
    // The bot's routine work as `backend`: its practice's patients read, written and changed,
    // never deleted.
    let patients = w.schema.table("patients").expect("patients").clone();
    let (_, row) = row_of(&mut w.db.client, &patients, w.a.doctor);
    let bot: Vec<Outcome> = COMMANDS
        .iter()
        .map(|c| expected(&mut w, &patients, Who::Backend, *c, &row, &row))
        .collect();
    assert_eq!(
        bot,
        vec![Outcome::Affected, Outcome::Affected, Outcome::Affected, Outcome::Denied],
        "backend reads, inserts and updates its practice's patients, and deletes none"
    );
    let audit = w.schema.table("audit_logs").expect("audit table").clone();
    let (_, row) = row_of(&mut w.db.client, &audit, w.a.doctor);
    let backend: Vec<Outcome> = COMMANDS
        .iter()
        .map(|c| expected(&mut w, &audit, Who::ServiceRole, *c, &row, &row))
        .collect();
    assert_eq!(
        backend,
        vec![Outcome::Affected, Outcome::Denied, Outcome::Denied, Outcome::Denied],
        "the backend reads the audit log and nothing more"
    );
    assert!(
        w.schema
            .functions
            .iter()
            .all(|f| !f.execute.contains(&Role::Anon) || matches!(f.body, FunctionBody::Written(_))),
        "no built-in function is callable by anon"
    );
}
