//! A database per test, prepared like a Supabase project, and queries about its migration
//! history.

use postgres::{Client, Config, NoTls, Transaction};
use std::borrow::Borrow;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use supaschema::Actor;
use uuid::Uuid;

/// The Supabase stand-in: the API roles, schema `auth` with `auth.users` and `auth.uid()`,
/// `auth.role()`, `auth.jwt()`, schema `extensions`.
pub const STAND_IN: &str = include_str!("../sql/supabase_stand_in.sql");
/// The default privileges of projects created before 2026.
const LEGACY_GRANTS: &str = include_str!("../sql/legacy_default_grants.sql");

/// The server tests use: `DATABASE_URL`, else the local default.
pub fn server_config() -> Config {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned());
    Config::from_str(&url).expect("DATABASE_URL is a valid connection string")
}

/// Whether new tables in `public` are granted to the API roles automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grants {
    /// Projects created before 2026: every new table is granted to anon and authenticated.
    Legacy,
    /// Projects since 2026: nothing is granted unless a migration says so.
    Explicit,
}

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub name: String,
    pub client: Client,
    server: Config,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A fresh database with the Supabase stand-in installed (skipped where the `auth` schema
    /// already exists, as on a real Supabase database) under the given grant regime.
    pub fn new(grants: Grants) -> TestDb {
        let mut db = TestDb::empty();
        let has_auth: bool = db
            .client
            .query_one("select exists (select 1 from pg_namespace where nspname = 'auth')", &[])
            .expect("catalog query")
            .get(0);
        if !has_auth {
            db.execute(STAND_IN, "the Supabase stand-in");
        }
        if grants == Grants::Legacy {
            db.execute(LEGACY_GRANTS, "the legacy default grants");
        }
        db
    }

    /// A fresh, empty database.
    pub fn empty() -> TestDb {
        let server = server_config();
        let name = format!(
            "supaschema_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            Uuid::new_v4().simple().to_string().get(..8).unwrap_or("0")
        );
        let mut admin = server.connect(NoTls).expect("PostgreSQL is reachable (DATABASE_URL)");
        admin
            .batch_execute(&format!("create database {name}"))
            .expect("create test database");
        let mut config = server.clone();
        config.dbname(&name);
        let client = config.connect(NoTls).expect("connect to test database");
        TestDb { name, client, server }
    }

    /// A connection string for tools (the Supabase CLI) to reach this database.
    pub fn url(&self) -> String {
        let host = match self.server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = self.server.get_ports().first().copied().unwrap_or(5432);
        let user = self.server.get_user().unwrap_or("postgres");
        let password = self
            .server
            .get_password()
            .map(|p| format!(":{}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        format!(
            "postgresql://{user}{password}@{host}:{port}/{}?sslmode=disable",
            self.name
        )
    }

    /// Another connection to the same database.
    pub fn connect(&self) -> Client {
        let mut config = self.server.clone();
        config.dbname(&self.name);
        config.connect(NoTls).expect("connect to test database")
    }

    /// Runs a script of statements; `what` names it in the failure message.
    pub fn execute(&mut self, sql: &str, what: &str) {
        self.client
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
    }

    pub fn execute_file(&mut self, path: &std::path::Path) {
        let sql = std::fs::read_to_string(path).expect("readable SQL file");
        self.execute(&sql, &path.display().to_string());
    }

    /// A user in `auth.users`, as Supabase Auth would create at sign-up.
    pub fn create_user(&mut self) -> Uuid {
        let id = Uuid::new_v4();
        self.client
            .execute(
                "insert into auth.users (id, email) values ($1, $2)",
                &[&id, &format!("{id}@example.test")],
            )
            .expect("insert auth user");
        id
    }

    /// Runs `f` in a transaction as `actor`, the way PostgREST does (see
    /// [`supaschema::begin_as`]). The transaction commits if `f` left it usable, so a test can
    /// look at a failed statement's error and go on.
    pub fn act<T>(&mut self, actor: impl Borrow<Actor>, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
        act_on(&mut self.client, actor, f)
    }
}

/// [`TestDb::act`] on any connection.
pub fn act_on<T>(client: &mut Client, actor: impl Borrow<Actor>, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
    let mut tx = supaschema::begin_as(client, actor.borrow()).expect("begin a transaction as the actor");
    let out = f(&mut tx);
    let _ = tx.commit();
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = self.server.connect(NoTls) {
            let _ = admin.batch_execute(&format!("drop database if exists {} with (force)", self.name));
        }
    }
}

/// `(version, name, statements)` of every row in the CLI's history table, in version order.
pub fn history_rows(client: &mut Client) -> Vec<(String, String, Vec<String>)> {
    client
        .query(
            "select version, coalesce(name, ''), coalesce(statements, '{}') \
             from supabase_migrations.schema_migrations order by version",
            &[],
        )
        .expect("read supabase_migrations.schema_migrations")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

/// The versions `supabase_migrations.schema_migrations` records, in order.
pub fn history_versions(client: &mut Client) -> Vec<String> {
    history_rows(client).into_iter().map(|row| row.0).collect()
}

/// Whether the history table exists.
pub fn history_exists(client: &mut Client) -> bool {
    client
        .query_one(
            "select to_regclass('supabase_migrations.schema_migrations') is not null",
            &[],
        )
        .expect("catalog query")
        .get(0)
}

/// Tables in `public`, sorted.
pub fn public_tables(client: &mut Client) -> Vec<String> {
    client
        .query(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
            &[],
        )
        .expect("list public tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A connection string to a port where nothing listens.
pub fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("postgresql://postgres:secret-password@127.0.0.1:{port}/postgres?sslmode=disable&connect_timeout=5")
}

/// The login role the server accepts only over TLS, for tests of clients that must use (or
/// refuse to go without) encryption: the test server's `pg_hba.conf` gets one line for this
/// role alone at its top (`hostnossl all <role> all reject`, added once and kept), so no other
/// connection is affected. Written through the server (`lo_export`), so it needs a superuser on
/// a server whose configuration files it may write, as the local test server is.
pub const TLS_ONLY_ROLE: &str = "supaschema_tls_only";

/// Makes sure [`TLS_ONLY_ROLE`] exists and that the server refuses it without TLS.
pub fn ensure_tls_only_role() {
    let server = server_config();
    let mut admin = server.connect(NoTls).expect("PostgreSQL is reachable (DATABASE_URL)");
    admin
        .batch_execute(&format!(
            "do $$ begin if not exists (select from pg_roles where rolname = '{TLS_ONLY_ROLE}') then \
             create role {TLS_ONLY_ROLE} login; end if; end $$"
        ))
        .expect("create the TLS-only role");
    let rule = format!("hostnossl all {TLS_ONLY_ROLE} all reject");
    let hba: String = admin
        .query_one("select pg_read_file(current_setting('hba_file'))", &[])
        .expect("read pg_hba.conf through the server")
        .get(0);
    if !hba.lines().any(|line| line.trim() == rule) {
        let mut tx = admin.transaction().expect("begin");
        let object: u32 = tx
            .query_one(
                "select lo_from_bytea(0, convert_to($1, 'UTF8'))",
                &[&format!("{rule}\n{hba}")],
            )
            .expect("stage pg_hba.conf")
            .get(0);
        tx.execute("select lo_export($1, current_setting('hba_file'))", &[&object])
            .expect("write pg_hba.conf through the server");
        tx.execute("select lo_unlink($1)", &[&object])
            .expect("drop the staged copy");
        tx.commit().expect("commit");
        admin
            .batch_execute("select pg_reload_conf()")
            .expect("reload the server's configuration");
    }
    // The reload is asynchronous: wait until a plain connection as the role is refused.
    let mut plain = server.clone();
    plain.user(TLS_ONLY_ROLE).ssl_mode(postgres::config::SslMode::Disable);
    for _ in 0..50 {
        if plain.connect(NoTls).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the server still accepts {TLS_ONLY_ROLE} without TLS after reloading pg_hba.conf");
}
