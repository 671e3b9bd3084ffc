//! The Supabase stand-in holds what Supabase's real database setup holds (supabase/postgres init
//! scripts and migrations, Supabase Auth's migrations), so a test that passes here does not pass
//! only because the local server is more permissive than a Supabase project.

use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use std::time::Duration;
use supaschema::Actor;
use supaschema_testkit::{AUTH_ADMIN_ROLE, Grants, MIGRATION_ROLE, TestDb};

fn refused(db: &mut TestDb, sql: &str) -> SqlState {
    let error = db.client.batch_execute(sql).expect_err(sql);
    error.code().cloned().unwrap_or_else(|| panic!("{sql}: {error:?}"))
}

#[test]
fn tests_migrate_as_a_postgres_that_is_not_a_superuser() {
    let mut db = TestDb::new(Grants::Explicit);
    let row = db
        .client
        .query_one(
            "select current_user::text, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, \
                    pg_has_role('anon', 'member') and pg_has_role('authenticated', 'member') \
                      and pg_has_role('service_role', 'member'), \
                    pg_has_role('pg_read_all_data', 'member'), \
                    (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) \
               from pg_roles where rolname = current_user",
            &[],
        )
        .expect("role attributes");
    let attributes: (String, bool, bool, bool, bool, bool, bool, String) = (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
        row.get(6),
        row.get(7),
    );
    assert_eq!(
        attributes,
        (
            MIGRATION_ROLE.to_owned(),
            false,
            true,
            true,
            true,
            true,
            true,
            MIGRATION_ROLE.to_owned()
        )
    );
    // What only a superuser may do is refused, as on Supabase …
    let insufficient = SqlState::INSUFFICIENT_PRIVILEGE;
    assert_eq!(
        refused(&mut db, "create extension file_fdw with schema extensions"),
        insufficient
    );
    assert_eq!(refused(&mut db, "alter system set work_mem = '1MB'"), insufficient);
    assert_eq!(refused(&mut db, "create table auth.mine (id int)"), insufficient);
    assert_eq!(
        refused(&mut db, "alter table auth.users add column mine int"),
        insufficient
    );
    // … except the settings supautils lets `postgres` set, and extensions that need no superuser.
    db.execute(
        "set session_replication_role = replica; reset session_replication_role; \
         create extension btree_gist with schema extensions; create extension pgtap with schema extensions",
        "what Supabase's postgres may do",
    );
}

#[test]
fn auth_users_is_the_table_supabase_auth_leaves() {
    let mut db = TestDb::new(Grants::Explicit);
    let row = db
        .client
        .query_one(
            "select (select count(*) from pg_attribute where attrelid = c.oid and attnum > 0 and not attisdropped), \
                    format_type(a.atttypid, a.atttypmod), pg_get_userbyid(c.relowner)::text, c.relrowsecurity, \
                    (select count(*) from pg_policy where polrelid = c.oid) \
               from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'email' \
              where c.oid = 'auth.users'::regclass",
            &[],
        )
        .expect("auth.users");
    let shape: (i64, String, String, bool, i64) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(
        shape,
        (
            35,
            "character varying(255)".to_owned(),
            AUTH_ADMIN_ROLE.to_owned(),
            true,
            0
        )
    );
    let user = db.create_user();
    let seen: i64 = db
        .client
        .query_one("select count(*) from auth.users where id = $1", &[&user])
        .expect("postgres reads auth.users")
        .get(0);
    assert_eq!(seen, 1, "the migration role bypasses RLS on auth.users");
    let denied = db.act(Actor::user(user), |tx| {
        tx.query("select id from auth.users", &[])
            .expect_err("no grant to authenticated")
    });
    assert_eq!(denied.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE));
    assert_eq!(db.delete_user(user).expect("Supabase Auth deletes the user"), 1);
}

#[test]
fn event_triggers_fire_on_ddl_as_on_supabase() {
    let mut db = TestDb::new(Grants::Explicit);
    let triggers: Vec<String> = db
        .client
        .query(
            "select evtname::text from pg_event_trigger where evtenabled <> 'D' order by 1",
            &[],
        )
        .expect("event triggers")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        triggers,
        ["issue_pg_graphql_access", "pgrst_ddl_watch", "pgrst_drop_watch"]
    );
    for ddl in [
        "create table public.t (id int)",
        "create function public.f() returns int language sql as 'select 1'",
        "drop table public.t",
    ] {
        db.execute(&format!("listen pgrst; {ddl}"), ddl);
        let reload = db.client.notifications().timeout_iter(Duration::from_secs(5)).next();
        let reload = reload
            .expect("read notifications")
            .unwrap_or_else(|| panic!("{ddl}: no reload"));
        assert_eq!(
            (reload.channel(), reload.payload()),
            ("pgrst", "reload schema"),
            "{ddl}"
        );
        while db
            .client
            .notifications()
            .iter()
            .next()
            .expect("read notifications")
            .is_some()
        {}
    }
}

#[test]
fn settings_are_supabase_like_and_belong_to_the_database() {
    let mut db = TestDb::new(Grants::Explicit);
    let search_path: String = db
        .client
        .query_one("show search_path", &[])
        .expect("search_path")
        .get(0);
    assert_eq!(search_path, "\"$user\", public, extensions");
    db.execute(
        "select gen_salt('bf')",
        "an unqualified pgcrypto call, as Supabase's SQL editor allows",
    );
    for (actor, timeout) in [(Actor::anon(), "3s"), (Actor::user(uuid::Uuid::nil()), "8s")] {
        let shown: String = db.act(&actor, |tx| {
            tx.query_one("show statement_timeout", &[]).expect("timeout").get(0)
        });
        assert_eq!(shown, timeout, "{}", actor.role());
    }
    let cluster_wide: i64 = db
        .client
        .query_one(
            "select count(*) from pg_db_role_setting where setdatabase = 0 and setrole = any( \
               select oid from pg_roles where rolname in ('anon', 'authenticated', 'service_role', \
               'authenticator', $1, $2))",
            &[&MIGRATION_ROLE, &AUTH_ADMIN_ROLE],
        )
        .expect("role settings")
        .get(0);
    assert_eq!(cluster_wide, 0, "no setting of the stand-in applies to other databases");
}
