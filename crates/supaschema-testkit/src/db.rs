//! A database per test, prepared like a Supabase project, and queries about its migration
//! history.

use postgres::{Client, Config, NoTls, Transaction};
use std::borrow::Borrow;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use supaschema::Actor;
use uuid::Uuid;

/// The Supabase stand-in for one database: schemas `extensions`, `auth` and `storage`,
/// `auth.users` as Supabase Auth leaves it, `auth.uid()`, `auth.role()`, `auth.email()`,
/// `auth.jwt()`, Storage's `buckets` and `objects` with `storage.foldername()`, the grants and
/// per-database role settings, and Supabase's event triggers. Run by a superuser in a
/// database owned by [`MIGRATION_ROLE`], after the roles exist ([`ensure_roles`]).
pub const STAND_IN: &str = include_str!("../sql/supabase_stand_in.sql");
/// The cluster-wide roles the stand-in needs.
const ROLES: &str = include_str!("../sql/supabase_roles.sql");
/// The default privileges of projects created before 2026.
const LEGACY_GRANTS: &str = include_str!("../sql/legacy_default_grants.sql");

/// The role tests migrate, push and run as: Supabase's `postgres`, which is not a superuser
/// there (`NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS`, member of the API roles). The
/// local bootstrap `postgres` is a superuser and cannot be made otherwise, so the stand-in has
/// its own role with the attributes and grants Supabase gives `postgres`.
pub const MIGRATION_ROLE: &str = "supabase_postgres";
/// Supabase Auth's role: owns `auth.users`; GoTrue creates and deletes users as it.
pub const AUTH_ADMIN_ROLE: &str = "supabase_auth_admin";
/// Password of the test kit's login roles when `DATABASE_URL` has none, for servers that check
/// passwords from localhost (Debian's default). Where `DATABASE_URL` has one, the roles get that.
const ROLE_PASSWORD: &str = "supaschema-test";
/// Serialises [`ensure_roles`] across processes (advisory locks are per database, and every
/// process takes this one in the server's maintenance database).
const ROLES_LOCK: i64 = 0x5355_5041_5343_4845;

/// The server tests use: `DATABASE_URL`, else the local default. Its user must be a superuser
/// (it creates databases and the stand-in's roles).
pub fn server_config() -> Config {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned());
    Config::from_str(&url).expect("DATABASE_URL is a valid connection string")
}

/// The password of the test kit's login roles ([`MIGRATION_ROLE`], [`AUTH_ADMIN_ROLE`]).
fn role_password(server: &Config) -> String {
    match server.get_password() {
        Some(password) => String::from_utf8_lossy(password).into_owned(),
        None => ROLE_PASSWORD.to_owned(),
    }
}

/// Creates the stand-in's roles (API roles, [`AUTH_ADMIN_ROLE`], [`MIGRATION_ROLE`]) or puts
/// their attributes back, once per process. Roles are shared by every database of the cluster
/// and by tests running at the same time in other processes: this runs under an advisory lock
/// in the maintenance database and retries when a test kit that predates the lock races it.
pub fn ensure_roles(server: &Config) {
    static DONE: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *done {
        return;
    }
    let mut admin = server.connect(NoTls).expect("PostgreSQL is reachable (DATABASE_URL)");
    let password = role_password(server).replace('\'', "''");
    let mut attempt = 0;
    loop {
        let outcome = admin.transaction().and_then(|mut tx| {
            tx.execute("select pg_advisory_xact_lock($1)", &[&ROLES_LOCK])?;
            tx.batch_execute(ROLES)?;
            for role in [MIGRATION_ROLE, AUTH_ADMIN_ROLE] {
                tx.batch_execute(&format!("alter role {role} password '{password}'"))?;
            }
            tx.commit()
        });
        match outcome {
            Ok(()) => break,
            Err(e) if attempt < 5 && e.code() != Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
            }
            Err(e) => panic!("creating the Supabase roles failed (DATABASE_URL must name a superuser): {e:?}"),
        }
    }
    *done = true;
}

/// Whether new tables in `public` are granted to the API roles automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grants {
    /// Projects created before 2026: every new table is granted to anon and authenticated.
    Legacy,
    /// Projects since 2026: nothing is granted unless a migration says so.
    Explicit,
}

/// A database that exists for one test and is dropped after it. `client` is connected as
/// [`MIGRATION_ROLE`], as a migration or the SQL editor is on Supabase.
pub struct TestDb {
    pub name: String,
    pub client: Client,
    server: Config,
    auth_admin: Option<Client>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A fresh database with the Supabase stand-in installed (skipped where the `auth` schema
    /// already exists) under the given grant regime.
    pub fn new(grants: Grants) -> TestDb {
        let (name, server) = TestDb::create();
        let mut admin = TestDb::config_for(&server, &name, None)
            .connect(NoTls)
            .expect("connect to test database");
        let has_auth: bool = admin
            .query_one("select exists (select 1 from pg_namespace where nspname = 'auth')", &[])
            .expect("catalog query")
            .get(0);
        if !has_auth {
            admin
                .batch_execute(STAND_IN)
                .unwrap_or_else(|e| panic!("the Supabase stand-in failed: {e:?}"));
        }
        if grants == Grants::Legacy {
            admin
                .batch_execute(LEGACY_GRANTS)
                .unwrap_or_else(|e| panic!("the legacy default grants failed: {e:?}"));
        }
        TestDb::open(name, server)
    }

    /// A fresh, empty database owned by [`MIGRATION_ROLE`].
    pub fn empty() -> TestDb {
        let (name, server) = TestDb::create();
        TestDb::open(name, server)
    }

    /// Creates a database owned by [`MIGRATION_ROLE`] (as Supabase's `postgres` owns its
    /// database), making sure the roles exist first.
    fn create() -> (String, Config) {
        let server = server_config();
        ensure_roles(&server);
        let name = format!(
            "supaschema_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            Uuid::new_v4().simple().to_string().get(..8).unwrap_or("0")
        );
        let mut admin = server.connect(NoTls).expect("PostgreSQL is reachable (DATABASE_URL)");
        admin
            .batch_execute(&format!("create database {name} owner {MIGRATION_ROLE}"))
            .expect("create test database");
        (name, server)
    }

    /// Connects as [`MIGRATION_ROLE`], after the stand-in set its per-database settings.
    fn open(name: String, server: Config) -> TestDb {
        let client = TestDb::config_for(&server, &name, Some(MIGRATION_ROLE))
            .connect(NoTls)
            .expect("connect to test database");
        TestDb {
            name,
            client,
            server,
            auth_admin: None,
        }
    }

    /// The connection settings for database `name` as `role` (`None`: the server's superuser).
    fn config_for(server: &Config, name: &str, role: Option<&str>) -> Config {
        let mut config = server.clone();
        config.dbname(name);
        if let Some(role) = role {
            config.user(role).password(role_password(server));
        }
        config
    }

    /// A connection string for tools (the Supabase CLI, `supaschema`) to reach this database
    /// as [`MIGRATION_ROLE`].
    pub fn url(&self) -> String {
        let host = match self.server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = self.server.get_ports().first().copied().unwrap_or(5432);
        let password = role_password(&self.server);
        let password = percent_encoding::utf8_percent_encode(&password, percent_encoding::NON_ALPHANUMERIC);
        format!(
            "postgresql://{MIGRATION_ROLE}:{password}@{host}:{port}/{}?sslmode=disable",
            self.name
        )
    }

    /// libpq's environment for tools (`psql`, `pg_prove`) to reach this database as
    /// [`MIGRATION_ROLE`].
    pub fn libpq_env(&self) -> Vec<(&'static str, String)> {
        let host = match self.server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = self.server.get_ports().first().copied().unwrap_or(5432);
        vec![
            ("PGHOST", host),
            ("PGPORT", port.to_string()),
            ("PGUSER", MIGRATION_ROLE.to_owned()),
            ("PGPASSWORD", role_password(&self.server)),
            ("PGDATABASE", self.name.clone()),
            ("PGSSLMODE", "disable".to_owned()),
        ]
    }

    /// Another connection to the same database as [`MIGRATION_ROLE`].
    pub fn connect(&self) -> Client {
        TestDb::config_for(&self.server, &self.name, Some(MIGRATION_ROLE))
            .connect(NoTls)
            .expect("connect to test database")
    }

    /// Runs a script of statements as a migration file ([`run_migration`]); `what` names it
    /// in the failure message.
    pub fn execute(&mut self, sql: &str, what: &str) {
        run_migration(&mut self.client, sql).unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
    }

    pub fn execute_file(&mut self, path: &std::path::Path) {
        let sql = std::fs::read_to_string(path).expect("readable SQL file");
        self.execute(&sql, &path.display().to_string());
    }

    /// The connection Supabase Auth (GoTrue) uses, as [`AUTH_ADMIN_ROLE`].
    fn auth_admin(&mut self) -> &mut Client {
        let (server, name) = (&self.server, &self.name);
        self.auth_admin.get_or_insert_with(|| {
            TestDb::config_for(server, name, Some(AUTH_ADMIN_ROLE))
                .connect(NoTls)
                .expect("connect to test database as the auth admin")
        })
    }

    /// A user in `auth.users`, as Supabase Auth creates one at sign-up: as
    /// [`AUTH_ADMIN_ROLE`], with the columns GoTrue fills.
    pub fn create_user(&mut self) -> Uuid {
        let id = Uuid::new_v4();
        self.auth_admin()
            .execute(
                "insert into auth.users \
                   (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at) \
                 values ($1, 'authenticated', 'authenticated', $2, \
                   '{\"provider\": \"email\", \"providers\": [\"email\"]}', '{}', now(), now())",
                &[&id, &format!("{id}@example.test")],
            )
            .expect("insert auth user");
        id
    }

    /// An anonymous user, as `supabase.auth.signInAnonymously()` creates one: no email, and
    /// `is_anonymous` true, so [`TestDb::signed_in`] says so in the token.
    pub fn create_anonymous_user(&mut self) -> Uuid {
        let id = Uuid::new_v4();
        self.auth_admin()
            .execute(
                "insert into auth.users \
                   (id, aud, role, raw_app_meta_data, raw_user_meta_data, is_anonymous, created_at, updated_at) \
                 values ($1, 'authenticated', 'authenticated', '{}', '{}', true, now(), now())",
                &[&id],
            )
            .expect("insert anonymous auth user");
        id
    }

    /// Sets `key` in a user's `app_metadata`, keeping its other keys, as the backend does with
    /// the auth admin API (`supabase.auth.admin.updateUserById(id, { app_metadata })`, which
    /// writes `auth.users.raw_app_meta_data` as [`AUTH_ADMIN_ROLE`]). The user's next access
    /// token carries it; see [`TestDb::signed_in`].
    pub fn set_app_metadata(&mut self, id: Uuid, key: &str, value: serde_json::Value) {
        let patch = serde_json::json!({ key: value });
        let updated = self
            .auth_admin()
            .execute(
                "update auth.users \
                    set raw_app_meta_data = coalesce(raw_app_meta_data, '{}') || $2::jsonb, updated_at = now() \
                  where id = $1",
                &[&id, &patch],
            )
            .expect("update the user's app_metadata");
        assert_eq!(updated, 1, "user {id} exists");
    }

    /// The caller Supabase Auth's access token for user `id` makes: role `authenticated`, with
    /// `app_metadata`, `user_metadata` and `is_anonymous` as `auth.users` holds them now.
    pub fn signed_in(&mut self, id: Uuid) -> Actor {
        let row = self
            .auth_admin()
            .query_one(
                "select coalesce(raw_app_meta_data, '{}'), coalesce(raw_user_meta_data, '{}'), is_anonymous \
                   from auth.users where id = $1",
                &[&id],
            )
            .expect("the user exists");
        Actor::user(id)
            .claim("app_metadata", row.get(0))
            .claim("user_metadata", row.get(1))
            .claim("is_anonymous", serde_json::Value::Bool(row.get(2)))
    }

    /// Deletes a user the way Supabase Auth does (the dashboard's "Delete user", the admin
    /// API): as [`AUTH_ADMIN_ROLE`]. Foreign keys cascade, and the triggers they fire run for
    /// that role. Returns the number of users deleted.
    pub fn delete_user(&mut self, id: Uuid) -> Result<u64, postgres::Error> {
        self.auth_admin()
            .execute("delete from auth.users where id = $1", &[&id])
    }

    /// Runs `f` in a transaction as `actor`, the way PostgREST does (see
    /// [`supaschema::begin_as`]). The transaction commits if `f` left it usable, so a test can
    /// look at a failed statement's error and go on.
    pub fn act<T>(&mut self, actor: impl Borrow<Actor>, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
        act_on(&mut self.client, actor, f)
    }
}

/// What PostgREST sets on top of [`supaschema::begin_as`]: the search path of an API request
/// (the exposed schema and `extensions`), then the settings of the role it switches to (such as
/// `statement_timeout`, 3 s for anon and 8 s for authenticated), for the transaction only.
const POSTGREST_SETTINGS: &str = "\
    select set_config('search_path', 'public, extensions', true), \
           count(set_config(split_part(setting, '=', 1), substr(setting, strpos(setting, '=') + 1), true)) \
      from (select unnest(s.setconfig) as setting, s.setdatabase \
              from pg_catalog.pg_db_role_setting s \
             where s.setrole = to_regrole($1) \
               and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database())) \
             order by s.setdatabase) as settings";

/// [`TestDb::act`] on any connection.
pub fn act_on<T>(client: &mut Client, actor: impl Borrow<Actor>, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
    let actor = actor.borrow();
    let mut tx = supaschema::begin_as(client, actor).expect("begin a transaction as the actor");
    tx.execute(POSTGREST_SETTINGS, &[&actor.role()])
        .expect("apply the role's settings as PostgREST does");
    let out = f(&mut tx);
    let _ = tx.commit();
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.auth_admin = None;
        if let Ok(mut admin) = self.server.connect(NoTls) {
            let _ = admin.batch_execute(&format!("drop database if exists {} with (force)", self.name));
        }
    }
}

/// Runs a migration file as `supaschema push` and the Supabase CLI do, without the history
/// row: in one transaction, except each statement that cannot run in one (`create index
/// concurrently`), which runs alone after what came before it committed.
pub fn run_migration(client: &mut Client, sql: &str) -> Result<(), postgres::Error> {
    use supaschema_cli::file_mode::{self, Step};
    let statements = supaschema_cli::split::split_and_trim(sql);
    let plan = file_mode::plan(sql, &statements);
    if plan.is_atomic() {
        return client.batch_execute(sql);
    }
    for step in &plan.steps {
        match step {
            Step::Transaction { statements: batch, .. } => {
                let mut tx = client.transaction()?;
                for &index in batch {
                    tx.batch_execute(&statements[index])?;
                }
                tx.commit()?;
            }
            Step::Alone(index) => client.batch_execute(&statements[*index])?,
            Step::History => {}
        }
    }
    Ok(())
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
